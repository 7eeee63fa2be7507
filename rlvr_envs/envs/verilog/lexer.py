"""Verilog text as Icarus Verilog 11 reads it, so that the lint judges what the compiler compiles.

Icarus reads a file in two passes: its preprocessor (`ivlpp`) expands directives and macros,
then its lexer (`lexor.lex`) cuts tokens. `scan(source)` follows both:

* **Characters.** Control characters other than tab, newline and carriage return (C0, DEL, C1)
  are problems: Icarus' lexer counts backspace and form feed as white space (its
  escaped-identifier rule is a backslash then anything but space, tab, backspace, form feed,
  carriage return, newline), so a lint with another white-space set reads different tokens
  than the compiler. Carriage returns become newlines (as `ivlpp` does). Unicode spaces in code
  become ASCII spaces; other non-ASCII characters are allowed only in comments and strings.
* **Tokens**, by the main lexer's rules and flex's longest-match order: `//` and `/* */`
  comments, strings (a newline ends one, a backslash escapes `\\`, `"` or the newline),
  escaped identifiers, `$name` system identifiers (a lone `$` is an operator), identifiers,
  based/decimal/real/time numbers (`1sforce` is `1s force`), operators, directives.
* **The compiled text** (`Scan.text`): the source with every comment blanked (newlines kept, so
  line numbers hold), line ends as `\\n`, Unicode spaces as spaces. The verifier compiles this
  text, not the response, so a comment the lint skipped cannot be code to Icarus.
* **The preprocessor's view** (`_preprocessor_scan`): where `ivlpp` expands a backquote (outside
  its own comments and strings; inside `(* *)` too) and whether it ends in its initial state.
  An escaped identifier like `\\a"` starts a string for `ivlpp` but not for the lexer; every
  backquote `ivlpp` would expand must be an allowed directive, and a design may not leave
  `ivlpp` inside a string or attribute (the next file would be read in that state).

Not modelled: the UDP table state (it only splits digits and single letters) and the AMS scaled
reals (off without `-gverilog-ams`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

#: directives a design may use, each on its own line (the rest of the line is their argument)
DIRECTIVE_ARGUMENTS = {
    "`timescale": re.compile(r"[ \t]+\d+[ \t]*[munpf]?s[ \t]*/[ \t]*\d+[ \t]*[munpf]?s[ \t]*"),
    "`default_nettype": re.compile(r"[ \t]+(?:wire|tri|tri0|tri1|wand|triand|wor|trior|none)"
                                   r"[ \t]*"),
    "`resetall": re.compile(r"[ \t]*"),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
_EXTRA_SPACES = frozenset("\u200b\u200c\u200d\u2060\ufeff\u2028\u2029")

# Operators of lexor.lex, longest first (flex takes the longest match).
_OPERATORS = sorted("""
    (* *) .* << <<< >> >>> ** <= >= => *> == != === !== ==? !=? || && <-> &&& ~| ~^ ^~ ~&
    -> ->> +: -: <+ += -= *= /= %= &= |= ^= <<= >>= <<<= >>>= ++ -- '{ ::
    """.split(), key=len, reverse=True)
_SINGLE = frozenset("}{;:[],()#=.@&!?<>%|^~+*/-")
_OPERATORS_BY_FIRST: dict[str, list[str]] = {}
for _op in _OPERATORS:
    _OPERATORS_BY_FIRST.setdefault(_op[0], []).append(_op)
_ASCII_SPACE = re.compile(r"[ \t\n]+")
_LINE_DIRECTIVE = re.compile(r"#line[ \t]+[^\n]")     # lexor.lex: ^"#line"[ \t]+.+
# the common tokens in one pass; anything else (numbers, strings, `$`, `\\`, directives,
# edge descriptors, non-ASCII) goes through `_longest_token`
_FAST = re.compile("|".join([
    r"(?P<space>[ \t\n]+)", r"(?P<line>//[^\n]*)", r"(?P<block>/\*.*?(?:\*/|\Z))",
    r"(?P<ident>[a-zA-Z_][a-zA-Z0-9$_]*)",
    r"(?P<number>[0-9][0-9_]*(?![0-9_.eEsmunpf]))",     # a plain decimal, nothing longer
    r"(?P<op>[+-](?==>)|\([ \t]*\*[ \t]*\)|"
    + "|".join(re.escape(o) for o in _OPERATORS if o != "'{")
    + "|[" + re.escape("".join(sorted(_SINGLE))) + "])"]), re.S)
_STAR_PAREN = re.compile(r"\([ \t]*\*[ \t]*\)")          # `@(*)`: one '*' token
_ESCAPED = re.compile(r"\\[^ \t\n]+")
_SYSTEM = re.compile(r"\$[a-zA-Z0-9$_]+")
_IDENT = re.compile(r"[a-zA-Z_][a-zA-Z0-9$_]*")
# number rules in lexor.lex order: (pattern, kind); ties go to the earlier rule
_NUMBERS = [re.compile(p) for p in (
    r"'[sS]?[dD][ \t]*[0-9][0-9_]*",
    r"'[sS]?[dD][ \t]*[xzXZ?]_*",
    r"'[sS]?[bB][ \t]*[0-1xzXZ?][0-1xzXZ?_]*",
    r"'[sS]?[oO][ \t]*[0-7xzXZ?][0-7xzXZ?_]*",
    r"'[sS]?[hH][ \t]*[0-9a-fA-FxzXZ?][0-9a-fA-FxzXZ?_]*",
    r"'[01xzXZ]",
    r"[0-9][0-9_]*",
    r"[0-9][0-9_]*(?:\.[0-9][0-9_]*)?[munpf]?s",        # SystemVerilog time literal
    r"[0-9][0-9_]*\.[0-9][0-9_]*(?:[Ee][+-]?[0-9][0-9_]*)?",
    r"[0-9][0-9_]*[Ee][+-]?[0-9][0-9_]*",
)]
_EDGE_DESCRIPTORS = frozenset({"01", "0x", "0z", "10", "1x", "1z", "x0", "x1", "z0", "z1"})


class Token(NamedTuple):
    kind: str     # ident, escaped, system, directive, number, string, op
    text: str
    line: int
    start: int = 0  # offset in Scan.text

    @property
    def name(self) -> str:
        """An identifier's name, escaped identifiers (`\\tb `) normalized to `tb`."""
        return self.text[1:] if self.kind == "escaped" else self.text


@dataclass
class Scan:
    """A source as Icarus reads it: its tokens, the text to compile, and what is wrong."""
    tokens: list[Token]
    text: str
    problems: list[str] = field(default_factory=list)


def is_space(ch: str) -> bool:
    """White space in code: space, tab, newline, and Unicode spaces (compiled as a space)."""
    return ch in " \t\n" or (ch > "\x7f" and (unicodedata.category(ch) == "Zs"
                                              or ch in _EXTRA_SPACES))


def scan(source: str) -> Scan:
    """Tokens, compiled text and problems of `source` (see the module docstring)."""
    problems = []
    bad = _CONTROL.search(source)
    if bad:
        line = source.count("\n", 0, bad.start()) + 1
        problems.append(f"line {line}: control character U+{ord(bad.group()):04X} is not "
                        "allowed; use only printable characters, tabs and newlines")
        source = _CONTROL.sub(" ", source)   # keep reading, for the remaining checks
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    tokens: list[Token] = []
    i, n, line, pos, edges = 0, len(text), 1, 0, False
    while i < n:
        ch = text[i]
        if ch == "#" and (i == 0 or text[i - 1] == "\n") and _LINE_DIRECTIVE.match(text, i):
            problems.append(f"line {line}: the #line directive is not allowed")
        m = _FAST.match(text, i)
        kind = m.lastgroup if m else None
        if kind in ("ident", "op", "number") and edges and text[i:i + 2] in _EDGE_DESCRIPTORS:
            kind = None
        if kind in ("space", "ident", "op", "number"):
            piece, i = m.group(), m.end()
            if kind != "space":
                tokens.append(Token(kind, piece, line, pos))
                if piece == "edge":
                    edges = True
                elif piece == "]":
                    edges = False
        elif kind is not None:   # a comment: blanked, newlines kept
            piece, i = re.sub(r"[^\n]", " ", m.group()), m.end()
        elif ch > "\x7f" and is_space(ch):
            piece, i = " ", i + 1
        else:
            if ch == "`":
                kind, length = "directive", _directive(text, i, line, problems)
                piece = text[i:i + length]
                word = piece.split()[0] if piece.split() else piece
                tokens.append(Token(kind, word, line, pos))
            else:
                kind, length = _longest_token(text, i, edges)
                piece = text[i:i + length]
                if kind != "string" and not piece.isascii():
                    bad = next(c for c in piece if not c.isascii())
                    problems.append(f"line {line}: character {bad!r} (U+{ord(bad):04X}) is not "
                                    "allowed in code; use ASCII outside comments and strings")
                tokens.append(Token(kind, piece, line, pos))
                if kind == "ident" and piece == "edge":
                    edges = True
                elif piece == "]":
                    edges = False
            i += length
        out.append(piece)
        pos += len(piece)
        line += piece.count("\n")
    canonical = "".join(out)
    problems += _preprocessor_problems(canonical, tokens)
    return Scan(tokens, canonical, problems)


def _longest_token(text: str, i: int, edges: bool) -> tuple[str, int]:
    """(kind, length) of the token at text[i] by flex's rule: the longest match, and on a tie
    the rule that comes first in lexor.lex (operators, strings, edge descriptors, identifiers,
    escaped identifiers, system names, numbers; the catch-all single character last)."""
    ch = text[i]
    if ch == '"':
        return "string", _string_length(text, i)
    if text.startswith(("+=>", "-=>"), i):
        return "op", 1     # yyless(1): '+' then '=>'
    if ch.isascii() and (ch.isalpha() or ch == "_") and not (
            edges and text[i:i + 2] in _EDGE_DESCRIPTORS):
        return "ident", _IDENT.match(text, i).end() - i   # no other rule starts with a letter
    found = [(1, -99, "op")]          # (length, -rule order, kind)
    m = _STAR_PAREN.match(text, i)
    if m:
        found.append((len(m.group()), 0, "op"))
    op = next((o for o in _OPERATORS_BY_FIRST.get(ch, ()) if text.startswith(o, i)), None)
    if op:
        found.append((len(op), 0, "op"))
    if ch in _SINGLE:
        found.append((1, 0, "op"))
    if edges and text[i:i + 2] in _EDGE_DESCRIPTORS:
        found.append((2, -2, "number"))
    rules: list[tuple[int, str, re.Pattern[str]]] = []
    if ch.isascii() and (ch.isalpha() or ch == "_"):
        rules.append((-3, "ident", _IDENT))
    elif ch == "\\":
        rules.append((-4, "escaped", _ESCAPED))
    elif ch == "$":
        rules.append((-5, "system", _SYSTEM))
    elif ch == "'" or ch.isdigit():
        rules += [(-6 - k, "number", p) for k, p in enumerate(_NUMBERS)]
    for order, kind, pattern in rules:
        m = pattern.match(text, i)
        if m:
            found.append((len(m.group()), order, kind))
    length, _, kind = max(found)
    if kind == "escaped":   # it ends at the first space Icarus sees, Unicode ones included
        end = i + 1
        while end < i + length and not is_space(text[end]):
            end += 1
        kind, length = ("escaped", end - i) if end > i + 1 else ("op", 1)
    return kind, length


def _string_length(text: str, i: int) -> int:
    """Length of the string literal at text[i] (a newline ends it, as an error in Icarus)."""
    j, n = i + 1, len(text)
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n and text[j + 1] in '\\"\n':
            j += 2
        elif c in '"\n':
            return j + 1 - i if c == '"' else j - i
        else:
            j += 1
    return n - i


def _directive(text: str, i: int, line: int, problems: list[str]) -> int:
    """Length of the directive at text[i] (a backquote) with its argument (the rest of the
    line before any comment, which the lexer reads as part of it); reports what is wrong."""
    m = re.compile(r"`[a-zA-Z_][a-zA-Z0-9_$]*").match(text, i)
    word = m.group() if m else "`"
    end = text.find("\n", i)
    rest = text[i + len(word):len(text) if end < 0 else end]
    cut = min((k for k in (rest.find("//"), rest.find("/*")) if k >= 0), default=len(rest))
    argument = rest[:cut]
    line_start = text.rfind("\n", 0, i) + 1
    pattern = DIRECTIVE_ARGUMENTS.get(word)
    if pattern is None:
        problems.append(f"line {line}: compiler directive {word!r} is not allowed (only "
                        f"{', '.join(sorted(DIRECTIVE_ARGUMENTS))}); write the code out in full")
    elif text[line_start:i].strip(" \t") or not pattern.fullmatch(argument):
        problems.append(f"line {line}: write {word!r} alone on its own line with a plain "
                        "argument (e.g. `timescale 1ns/1ps, `default_nettype none)")
    return len(word) + len(argument)


_PP_INITIAL = re.compile(r"//|/\*|\(\*|\"|`")
_PP_STRING = re.compile(r"\\[\\\"`]|\"")
_PP_ATTRIBUTE = re.compile(r"\*\)|`")
_PP_EMPTY_ATTRIBUTE = re.compile(r"\(\*[ \t]*\)")


def _preprocessor_scan(text: str) -> tuple[list[int], str]:
    """Where `ivlpp` would expand a backquote in `text`, and the state it ends in
    (`initial`, `string`, `comment`, `attribute`), by ivlpp/lexor.lex's rules: comments and
    strings only start in its initial state, a string spans lines, `(* *)` hides neither
    comments nor strings but still expands macros."""
    live, state, back, i, n = [], "initial", "initial", 0, len(text)
    while i < n:
        if state == "string":
            m = _PP_STRING.search(text, i)
            if m is None:
                return live, state
            i = m.end()
            if m.group() == '"':
                state = back
        elif state == "comment":
            end = text.find("*/", i)
            if end < 0:
                return live, state
            i, state = end + 2, back
        elif state == "attribute":
            m = _PP_ATTRIBUTE.search(text, i)
            if m is None:
                return live, state
            i = m.end()
            if m.group() == "`":
                live.append(m.start())
            else:
                state = back
        else:
            m = _PP_INITIAL.search(text, i)
            if m is None:
                return live, state
            token, i = m.group(), m.end()
            if token == "//":
                end = text.find("\n", i)
                i = n if end < 0 else end
            elif token == "/*":
                state, back = "comment", state
            elif token == "(*":
                empty = _PP_EMPTY_ATTRIBUTE.match(text, m.start())
                if empty:
                    i = empty.end()
                else:
                    state, back = "attribute", state
            elif token == '"':
                state, back = "string", state
            else:
                live.append(m.start())
    return live, state


def _preprocessor_problems(text: str, tokens: list[Token]) -> list[str]:
    live, end = _preprocessor_scan(text)
    directives = {t.start for t in tokens if t.kind == "directive"}
    problems = []
    stray = [p for p in live if p not in directives]
    if stray:
        line = text.count("\n", 0, stray[0]) + 1
        problems.append(f"line {line}: a backquote that Icarus' preprocessor would expand as a "
                        "macro or directive (it reads this part as code) is not allowed")
    if end != "initial":
        problems.append(f"the design ends inside a {end} as Icarus' preprocessor reads it "
                        "(an escaped name or string with a quote, or an open (* ); close it")
    return problems


def tokenize(source: str) -> list[Token]:
    """The tokens of `source` as Icarus' lexer cuts them (comments and white space dropped)."""
    return scan(source).tokens
