"""Pull the candidate program out of an assistant message.

The same steps for function and stdin/stdout tasks:

1. **Reasoning is dropped**: ``<think>...</think>`` (and everything before a lone
   ``</think>``, where a chat template opened the block).
2. **Blocks are collected** as Markdown renders them: fences of three or more backticks or
   tildes, also indented (inside a list item) or inside a blockquote (``> ```python``);
   the fence's indentation and quote markers are removed from the body. An unclosed last
   fence runs to the end. Blocks tagged with another language (```` ```bash ````,
   ```` ```text ````) are not code; untagged ones are when they parse as Python and are not
   just literals (sample input/output).
3. **Bodies are normalized**: a byte-order mark and no-break spaces in indentation are
   removed, and a body indented as a whole is dedented when that makes it compile.
4. **The program is chosen.** Function tasks: the last block that defines the entry point
   (``def name(`` at any depth, so ``class Solution`` methods count); stdin/stdout tasks:
   the last block that reads standard input, else the last block that is not a test of the
   program (``subprocess``, ``assert``, ``unittest``/``doctest``); else the last Python
   block. Blocks it needs are joined to it: earlier (or later) blocks made only of imports,
   definitions and assignments that bind a name it uses, and (programs only) after it,
   blocks that only call what it defines (``main()``, an ``if __name__ == "__main__":``
   guard).
5. Without fences, ``<pre><code>`` HTML blocks count as fences; else a message that parses
   as Python and defines the entry point (a program: reads stdin) is taken whole (some
   models answer with bare code). Otherwise there is no code.
"""

from __future__ import annotations

import ast
import builtins
import html
import re
import textwrap
from dataclasses import dataclass, field

_PYTHON_TAGS = {"python", "py", "python3", "py3"}
_FENCE_OPEN = re.compile(r"^(?P<quote>(?:[ ]{0,3}>[ ]?)*)(?P<indent>[ \t]*)"
                         r"(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_QUOTE = re.compile(r"^[ ]{0,3}>[ ]?")
# Older, looser rule: a fence anywhere on a line ("Here it is:```python")
_FENCE_INLINE = re.compile(r"(?P<fence>```|~~~)[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[^\n]*\n"
                           r"(?P<body>.*?)(?:\n[ \t]*(?P=fence)|\Z)", re.DOTALL)
_HTML_CODE = re.compile(r"<pre>\s*<code(?:\s+class=\"(?:language-)?(?P<lang>[\w+-]*)[^\"]*\")?"
                        r"[^>]*>(?P<body>.*?)</code>\s*</pre>", re.DOTALL | re.IGNORECASE)
_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_READS_STDIN = re.compile(r"\binput\s*\(|\bsys\.stdin\b|\bstdin\b|\bopen\s*\(\s*0\b|"
                          r"\bfileinput\b|\breadline\s*\(")
_TEST_MARKERS = re.compile(r"\bsubprocess\b|^\s*assert\b|\bunittest\b|\bdoctest\b|"
                           r"solution\.py|\bpytest\b", re.M)
_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}


@dataclass
class Block:
    """One fenced block: its language tag (lower case, "" when untagged) and body."""

    lang: str
    body: str
    tree: ast.Module | None = field(default=None, repr=False)

    @property
    def tagged(self) -> bool:
        return self.lang in _PYTHON_TAGS


def strip_reasoning(text: str) -> str:
    """``text`` without ``<think>`` blocks (a lone ``</think>``: what follows it)."""
    text = _THINK.sub("", text)
    closing = text.lower().rfind("</think>")
    return text[closing + len("</think>"):] if closing >= 0 else text


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block of ``text`` as ``(language tag, body)``, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        depth = match.group("quote").count(">")
        indent = len(match.group("indent").expandtabs(4))
        fence = match.group("fence")
        info = match.group("info").strip()
        lang = info.split()[0].lower().strip("{}.") if info else ""
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        i += 1
        while i < len(lines):
            line = lines[i]
            for _ in range(depth):   # a blockquote ends where its marker does
                unquoted = _QUOTE.sub("", line, count=1)
                if unquoted == line and not line.startswith(">"):
                    break
                line = unquoted
            else:
                if closing.match(line):
                    i += 1
                    break
                body.append(_unindent(line, indent))
                i += 1
                continue
            break
        out.append((lang, "\n".join(body)))
    if not out:
        out = [(m.group("lang").lower(), m.group("body")) for m in _FENCE_INLINE.finditer(text)]
    if not out:   # HTML, as some chat front ends render code
        out = [((m.group("lang") or "").lower(), html.unescape(m.group("body")))
               for m in _HTML_CODE.finditer(text)]
    return out


def _unindent(line: str, width: int) -> str:
    """Remove up to ``width`` columns of leading whitespace (the fence's indentation)."""
    removed = 0
    while removed < width and line[:1] in (" ", "\t"):
        removed += 4 if line[0] == "\t" else 1
        line = line[1:]
    return line


def normalize(body: str) -> str:
    """A block's body as Python can read it: no byte-order mark, no no-break spaces in the
    indentation, dedented when only the dedented text compiles."""
    body = body.replace("\ufeff", "")
    body = re.sub(r"^[ \t\u00a0]+", lambda m: m.group().replace("\u00a0", " "), body,
                  flags=re.M)
    if _parse(body) is None:
        dedented = textwrap.dedent(body)
        if dedented != body and _parse(dedented) is not None:
            return dedented
    return body


def defines(source: str, name: str) -> bool:
    """Whether ``source`` contains a ``def name(`` (a cheap text test, no parsing)."""
    return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", source, re.M) is not None


def extract_code(text: str, entry_point: str | None = None) -> str | None:
    """The program in ``text`` (see the module docstring), or ``None`` when there is none."""
    text = strip_reasoning(str(text))
    blocks = [Block(lang, normalize(body)) for lang, body in code_blocks(text)
              if lang in _PYTHON_TAGS or lang == ""]
    for block in blocks:
        block.tree = _parse(block.body)
    blocks = [b for b in blocks if b.body.strip() and (b.tagged or _is_code(b.tree))]
    if not blocks:
        tree = _parse(text)
        if tree is None:
            return None
        if entry_point and defines(text, entry_point):
            return text
        if not entry_point and _is_code(tree) and _READS_STDIN.search(text):
            return text   # a bare program: Python that reads its input
        return None
    main = _choose(blocks, entry_point)
    return _assemble(blocks, main, runners=not entry_point)


def _choose(blocks: list[Block], entry_point: str | None) -> int:
    if entry_point:
        named = [i for i, b in enumerate(blocks) if defines(b.body, entry_point)]
        if named:
            return named[-1]
    else:
        reading = [i for i, b in enumerate(blocks) if _READS_STDIN.search(b.body)
                   and not _TEST_MARKERS.search(b.body)]
        if reading:
            return reading[-1]
        programs = [i for i, b in enumerate(blocks) if not _TEST_MARKERS.search(b.body)]
        if programs:
            return programs[-1]
    tagged = [i for i, b in enumerate(blocks) if b.tagged]
    return (tagged or list(range(len(blocks))))[-1]


def _assemble(blocks: list[Block], main: int, runners: bool) -> str:
    """The main block, with the definition blocks it needs before it and (``runners``: a
    program, not a function) the blocks that only run it after it."""
    chosen = {main}
    wanted = _free_names(blocks[main].tree)
    while wanted:
        name = wanted.pop()
        order = list(range(main - 1, -1, -1)) + list(range(main + 1, len(blocks)))
        for i in order:
            if i not in chosen and _is_definitions(blocks[i].tree) and \
                    name in _bound_names(blocks[i].tree):
                chosen.add(i)
                wanted |= _free_names(blocks[i].tree) - _bound_by(blocks, chosen)
                break
    defined = _bound_by(blocks, chosen)
    for i in range(main + 1, len(blocks) if runners else main + 1):
        tree = blocks[i].tree
        if i not in chosen and tree is not None and _only_runs(tree, defined):
            chosen.add(i)
    return "\n\n".join(blocks[i].body for i in sorted(chosen))


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_code(tree: ast.Module | None) -> bool:
    """Parses, and is more than literals (``3``, ``[1, 2]``: sample data, not a program)."""
    if tree is None:
        return False
    return any(not (isinstance(s, ast.Expr) and _is_literal(s.value)) for s in tree.body)


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                ast.ClassDef, ast.Assign, ast.AnnAssign)


def _is_definitions(tree: ast.Module | None) -> bool:
    return tree is not None and all(
        isinstance(s, _DEFINITIONS) or (isinstance(s, ast.Expr) and _is_literal(s.value))
        for s in tree.body)


def _bound_names(tree: ast.Module | None) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body if tree is not None else ():
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in stmt.names}
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _bound_by(blocks: list[Block], indices: set[int]) -> set[str]:
    return set().union(*(_bound_names(blocks[i].tree) for i in indices))


def _free_names(tree: ast.Module | None) -> set[str]:
    """Names ``tree`` reads that nothing in it binds and that are not builtins."""
    if tree is None:
        return set()
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)}
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and not isinstance(n.ctx, ast.Load)}
    stored |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments)
               for a in (*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg) if a}
    return used - stored - _bound_names(tree) - _BUILTINS


def _only_runs(tree: ast.Module, defined: set[str]) -> bool:
    """Statements that only call names already defined (``main()``), possibly under an
    ``if __name__ == "__main__":`` guard: the rest of a program split across blocks."""
    if not tree.body:
        return False
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and "__name__" in ast.unparse(stmt.test):
            if not _only_runs(ast.Module(body=stmt.body, type_ignores=[]), defined):
                return False
        elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                  and isinstance(stmt.value.func, ast.Name)
                  and stmt.value.func.id in defined):
            return False
    return True
