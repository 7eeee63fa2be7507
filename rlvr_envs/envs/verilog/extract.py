"""The design in a response: reasoning dropped, every Verilog block read, and only the modules
that `TopModule` needs kept.

Models answer in many shapes: a helper module in one block and `TopModule` in the next, the
design followed by a testbench or a usage example, the same block twice, `~~~` fences, a
draft inside `<think>`, or plain code between sentences. `extract_design(response)`:

1. drops everything up to the last `</think>` (the reasoning);
2. reads every fenced block (```` ``` ```` or `~~~`, any indentation, an unclosed last fence
   runs to the end) that is not labelled as another language; with no fenced design unit,
   reads `module ... endmodule` spans from the plain text (an HTML `<pre><code>` wrapper and
   its entities undone);
3. splits the blocks into design units (modules, primitives, packages, interfaces, ...); a
   unit declared again later replaces the earlier one (a draft, a repeated answer);
4. keeps `TopModule` and every unit it names, transitively (helpers, packages), and drops the
   rest (a testbench the model added instantiates `TopModule`, not the other way round);
5. returns the blocks that hold a kept unit, in order, with the dropped units cut out (the text
   between units, such as `` `timescale`` or a `typedef`, stays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexer import tokenize

THINK_END = "</think>"
#: fence labels of other languages; any other label (verilog, sv, none, ...) may hold a design
OTHER_LANGUAGES = frozenset({
    "python", "py", "python3", "c", "cpp", "c++", "bash", "sh", "shell", "console", "zsh",
    "json", "yaml", "yml", "toml", "vhdl", "tcl", "make", "makefile", "text", "txt",
    "plaintext", "markdown", "md", "diff", "output", "log", "csv", "javascript", "js",
})
_UNITS = {"module": "endmodule", "macromodule": "endmodule", "primitive": "endprimitive",
          "package": "endpackage", "interface": "endinterface", "program": "endprogram",
          "checker": "endchecker", "class": "endclass", "config": "endconfig"}
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n`]*$")
_UNIT_LINE = re.compile(r"^[ \t]*(module|macromodule|primitive|package|interface)[ \t]+"
                        r"(?:automatic[ \t]+|static[ \t]+)?\\?[A-Za-z_]")
_HTML_TAG = re.compile(r"</?(?:pre|code)\b[^>]*>", re.I)
_CODE_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"),
                  ("&#x27;", "'"), ("&amp;", "&"))


@dataclass(frozen=True)
class Unit:
    """One design unit in a block: its name, the span of its text, the names it uses."""
    name: str
    block: int
    start: int
    end: int
    uses: frozenset[str]


def answer_text(response: str) -> str:
    """The response after its reasoning (the text after the last `</think>`), with line ends
    as `\\n`."""
    text = response.rsplit(THINK_END, 1)[-1] if THINK_END in response else response
    return text.replace("\r\n", "\n").replace("\r", "\n")


def fenced_blocks(text: str) -> list[str]:
    """Bodies of the fenced blocks of `text` not labelled as another language."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, label = m.group(1), m.group(2).lower().strip("{}.")
        close = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = next((k for k in range(i + 1, len(lines)) if close.match(lines[k])), len(lines))
        if label not in OTHER_LANGUAGES:
            blocks.append("\n".join(lines[i + 1:j]) + "\n")
        i = j + 1
    return blocks


def plain_units_text(text: str) -> str:
    """`module ... endmodule` spans of unfenced text (with the directive lines right above
    each), prose dropped; an HTML `<pre><code>` wrapper and entities are undone first."""
    if "<code" in text or "<pre" in text:
        text = _HTML_TAG.sub("\n", text)
        for entity, char in _CODE_ENTITIES:   # only what escaping code produces: `&in;` stays
            text = text.replace(entity, char)
    lines = text.split("\n")
    kept, i = [], 0
    while i < len(lines):
        m = _UNIT_LINE.match(lines[i])
        if not m:
            i += 1
            continue
        end_word = re.compile(rf"\b{_UNITS[m.group(1)]}\b")
        j = next((k for k in range(i, len(lines)) if end_word.search(lines[k])), len(lines) - 1)
        start = i
        while start > 0 and lines[start - 1].lstrip().startswith("`"):
            start -= 1
        kept += lines[start:j + 1] + [""]
        i = j + 1
    return "\n".join(kept)


def design_units(block: str, index: int) -> list[Unit]:
    """The top-level design units of one block, with the identifiers each uses."""
    toks = tokenize(block)
    units, i = [], 0
    while i < len(toks):
        tok = toks[i]
        end_word = _UNITS.get(tok.text) if tok.kind == "ident" else None
        if end_word is None:
            i += 1
            continue
        j = i + 1
        while j < len(toks) and toks[j].text in ("automatic", "static", "virtual"):
            j += 1
        name = toks[j].name if j < len(toks) and toks[j].kind in ("ident", "escaped") else ""
        depth, k = 0, j
        while k < len(toks):
            if toks[k].text == tok.text:
                depth += 1
            elif toks[k].text == end_word:
                if depth == 0:
                    break
                depth -= 1
            k += 1
        last = min(k, len(toks) - 1)
        if last + 2 < len(toks) and toks[last + 1].text == ":":   # `endmodule : name`
            last += 2
        end = toks[last].start + len(toks[last].text)
        uses = frozenset(t.name for t in toks[j + 1:last + 1] if t.kind in ("ident", "escaped"))
        units.append(Unit(name, index, tok.start, end, uses))
        i = last + 1
    return units


def extract_design(response: str) -> str | None:
    """The design to compile from a response (see the module docstring), or None when it
    holds no design unit. Without a `TopModule`, the last block with a unit is returned (the
    lint then says what is missing)."""
    text = answer_text(str(response))
    blocks = fenced_blocks(text)
    units = [u for b, block in enumerate(blocks) for u in design_units(block, b)]
    if not units:
        blocks = [plain_units_text(text)]
        units = design_units(blocks[0], 0)
    if not units:
        return None
    latest = {u.name: u for u in units}          # a unit declared again replaces the earlier
    if "TopModule" not in latest:
        return blocks[units[-1].block]
    kept, todo = set(), ["TopModule"]
    while todo:
        name = todo.pop()
        if name in latest and name not in kept:
            kept.add(name)
            todo += sorted(latest[name].uses - kept)
    keep = {(latest[n].block, latest[n].start) for n in kept}
    pieces = []
    for b, block in enumerate(blocks):
        mine = [u for u in units if u.block == b]
        if not any((u.block, u.start) in keep for u in mine):
            continue
        out, pos = [], 0
        for u in mine:
            if (u.block, u.start) not in keep:
                out.append(block[pos:u.start])
                pos = u.end
        out.append(block[pos:])
        pieces.append("".join(out))
    return "\n".join(pieces)
