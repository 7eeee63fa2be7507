"""Static screening of candidate Verilog before it is simulated.

The design is read as Icarus Verilog reads it (`lexer.scan`: its preprocessor's and its
lexer's rules, comments blanked in the text that is compiled), then rejected with a message
the agent can act on when it: has a control character (backspace is white space to Icarus) or
non-ASCII code; calls any system task or function outside `ALLOWED_SYSTEM_CALLS` (pure
functions of their arguments; `$display`, `$finish`, `$fopen`, `$readmemh`, `$dumpvars`, ...
could write to or end the simulation the judge reads); uses a compiler directive other than
`timescale`/`default_nettype`/`resetall` on a line of its own (`include`/`define` could
smuggle text past the lexer), or a backquote the preprocessor would expand; uses hierarchical
(dotted) names, which could read the reference's outputs (`good1.out`) or poke the testbench;
names a task, function or named block of the testbench; instantiates or declares a module
whose name the testbench or the reference uses (instantiating `RefModule` would copy the
answer); uses `inout`, `force`, `release`, `defparam` or `bind`, or a bidirectional switch
(`tran`, `tranif0/1`, `rtran...`: a switch joins the design's input net to the testbench's, so
it could set what the reference reads); or has no `module TopModule`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .lexer import Token, scan, tokenize

__all__ = ["ALLOWED_SYSTEM_CALLS", "Screened", "Token", "extra_port_problem", "lint_candidate",
           "module_names", "port_direction_problem", "port_directions", "scope_names",
           "screen_design", "subroutine_names", "tokenize"]

#: system functions whose value depends only on their arguments (Icarus 11 implements all)
ALLOWED_SYSTEM_CALLS = frozenset({
    "$signed", "$unsigned", "$clog2", "$bits", "$countones", "$countbits", "$onehot",
    "$onehot0", "$isunknown", "$size", "$high", "$low", "$left", "$right", "$rtoi", "$itor",
    "$realtobits", "$bitstoreal", "$floor", "$ceil", "$pow", "$sqrt", "$ln", "$log10", "$exp",
})
ALLOWED_DIRECTIVES = frozenset({"`timescale", "`default_nettype", "`resetall"})
FORBIDDEN_KEYWORDS = frozenset({"inout", "force", "release", "defparam", "bind"})
#: bidirectional switches join nets without driving them, so Icarus keeps a design's input
#: port joined to the testbench's net and the switch reaches the reference's inputs
SWITCH_PRIMITIVES = frozenset({"tran", "tranif0", "tranif1", "rtran", "rtranif0", "rtranif1"})
DESIGN_UNITS = frozenset({"module", "macromodule", "primitive", "interface", "program",
                          "package", "class", "config", "checker"})
MAX_SOURCE_CHARS = 65_536
_NAMES = ("ident", "escaped")


def module_names(source: str) -> set[str]:
    """Names of the design units (modules, primitives, ...) that `source` declares."""
    return _declared(tokenize(source))


def subroutine_names(source: str) -> set[str]:
    """Names of the tasks and functions that `source` declares."""
    return _subroutines(tokenize(source))


def _subroutines(toks: list[Token]) -> set[str]:
    names = set()
    for i, tok in enumerate(toks):
        if tok.kind == "ident" and tok.text in ("task", "function"):
            last = None
            for nxt in toks[i + 1:i + 40]:
                if nxt.text in ("(", ";"):
                    break
                if nxt.kind in _NAMES:
                    last = nxt.name
            if last:
                names.add(last)
    return names


def scope_names(source: str) -> set[str]:
    """Tasks, functions and named blocks (`begin : name`) of `source`: a design could reach
    each by a simple name resolved upward through the instance hierarchy (`disable name`)."""
    toks = tokenize(source)
    labels = {toks[i + 2].name for i in range(len(toks) - 2)
              if toks[i].text in ("begin", "fork") and toks[i + 1].text == ":"
              and toks[i + 2].kind in _NAMES}
    return _subroutines(toks) | labels


@dataclass(frozen=True)
class Screened:
    """The design as it will be compiled (`text`), or why it may not be (`problem`)."""
    text: str
    problem: str | None


def screen_design(source: str, forbidden_modules: Iterable[str] = (),
                  forbidden_names: Iterable[str] = ()) -> Screened:
    """The text to compile for `source` and the first reason it may not be simulated (None
    when it passes). The text is the source as Icarus reads it with comments blanked, so
    what is compiled is exactly what was screened.

    `forbidden_names` (the testbench's tasks, functions, named blocks) may not appear at all:
    Verilog resolves a simple task or function name upward through the instance hierarchy,
    so a design could call the testbench's own tasks.
    """
    if len(source) > MAX_SOURCE_CHARS:
        return Screened("", f"the design has {len(source)} characters; the limit is "
                        f"{MAX_SOURCE_CHARS}")
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as exc:
        return Screened("", f"the design contains a character that is not valid Unicode text "
                        f"(position {exc.start}); write plain ASCII Verilog")
    read = scan(source)
    text = read.text if read.text.endswith("\n") else read.text + "\n"
    problem = read.problems[0] if read.problems else _token_problem(
        read.tokens, set(forbidden_modules), set(forbidden_names))
    return Screened(text, problem)


def lint_candidate(source: str, forbidden_modules: Iterable[str] = (),
                   forbidden_names: Iterable[str] = ()) -> str | None:
    """Why `source` may not be simulated, or None when it passes (see `screen_design`)."""
    return screen_design(source, forbidden_modules, forbidden_names).problem


def _token_problem(toks: list[Token], forbidden: set[str], reserved: set[str]) -> str | None:
    for i, tok in enumerate(toks):
        where = f"line {tok.line}"
        # Icarus treats an escaped `\\$fdisplay ` as the system task: judge it by its text
        if tok.kind == "escaped" and tok.name.startswith("$"):
            tok = Token("system", tok.name, tok.line)
        if tok.kind in _NAMES and tok.name in reserved:
            return (f"{where}: {tok.name!r} is a task, function or block of the testbench; a "
                    "design may not use it (or reuse its name)")
        if tok.kind == "system" and tok.text not in ALLOWED_SYSTEM_CALLS:
            return (f"{where}: system task/function {tok.text!r} is not allowed in the design "
                    f"(allowed: {', '.join(sorted(ALLOWED_SYSTEM_CALLS))}); the testbench does "
                    "all printing and ends the simulation")
        if tok.kind == "directive" and tok.text not in ALLOWED_DIRECTIVES:
            return (f"{where}: compiler directive {tok.text!r} is not allowed (only "
                    f"{', '.join(sorted(ALLOWED_DIRECTIVES))}); write the code out in full")
        if tok.kind == "ident" and tok.text in FORBIDDEN_KEYWORDS:
            return f"{where}: {tok.text!r} is not allowed in the design"
        if tok.kind == "ident" and tok.text in SWITCH_PRIMITIVES:
            return (f"{where}: the bidirectional switch {tok.text!r} is not allowed (it would "
                    "connect the design to the testbench's input nets); use assign or gates")
        # `.name` after anything but `(` or `,` (a named port or argument) is a hierarchical
        # name: `good1.out`, `\\ref_i .out`, `blk[0].w`, `f().x`
        if tok.text == "." and tok.kind == "op" and i + 1 < len(toks) \
                and toks[i + 1].kind in _NAMES and (i == 0 or toks[i - 1].text not in ("(", ",")):
            before = toks[i - 1].name if i else ""
            return (f"{where}: hierarchical (dotted) name '{before}.{toks[i + 1].name}' is "
                    "not allowed; a design may use only its own ports and signals")
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if tok.kind in _NAMES and tok.name in forbidden and (
                nxt.kind in _NAMES or nxt.text == "#"):
            return (f"line {tok.line}: the design instantiates {tok.name!r}, a module of the "
                    "testbench or the reference; write the logic yourself")
    declared = _declared(toks)
    clash = sorted(declared & forbidden)
    if clash:
        return (f"the design declares module {clash[0]!r}, a name the testbench or the "
                "reference uses; declare only TopModule and your own helper modules")
    if "TopModule" not in declared:
        return "no 'module TopModule' found; the design's top module must be named TopModule"
    return None


def _declared(toks: list[Token]) -> set[str]:
    names = set()
    for i, tok in enumerate(toks[:-1]):
        if tok.kind == "ident" and tok.text in DESIGN_UNITS:
            j = i + 1
            while j < len(toks) and toks[j].text in ("automatic", "static", "virtual"):
                j += 1
            if j < len(toks) and toks[j].kind in _NAMES:
                names.add(toks[j].name)
    return names


_NET_TYPES = frozenset({"wire", "reg", "logic", "signed", "unsigned", "bit", "var", "tri",
                        "wand", "wor", "tri0", "tri1", "uwire", "integer", "int", "byte",
                        "shortint", "longint", "time", "real", "trireg"})
_DIRECTIONS = frozenset({"input", "output", "inout"})
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


def port_directions(source: str, module: str) -> dict[str, str] | None:
    """`{port: direction}` of `module` in `source`, from an ANSI header or body declarations
    (task and function arguments skipped), or None when the module is not found."""
    toks = tokenize(source)
    start = next((i for i, t in enumerate(toks[:-1]) if t.text in ("module", "macromodule")
                  and toks[i + 1].name == module), None)
    if start is None:
        return None
    ports: dict[str, str] = {}
    i, depth, skip_until = start + 2, 0, None
    while i < len(toks) and toks[i].text != "endmodule":
        text = toks[i].text
        if skip_until:
            skip_until = None if text == skip_until else skip_until
        elif text in ("function", "task"):
            skip_until = "end" + text
        elif text in _OPEN:
            depth += 1
        elif text in _CLOSE:
            depth -= 1
        elif text in _DIRECTIONS:
            i = _read_port_declaration(toks, i, depth, ports)
            continue
        i += 1
    return ports


def _read_port_declaration(toks: list[Token], i: int, depth: int,
                           ports: dict[str, str]) -> int:
    """Read `input [..] a, b` from toks[i]; record each name; return the index after it."""
    direction, i = toks[i].text, i + 1
    level, name, in_default = 0, None, False
    while i < len(toks):
        text = toks[i].text
        if level == 0 and (text == ";" or text in _DIRECTIONS or (text == ")" and depth > 0)
                           or text == ","):
            if name:
                ports[name] = direction
            if text != ",":
                return i
            name, in_default = None, False
        elif text in _OPEN:
            level += 1
        elif text in _CLOSE:
            level -= 1
        elif level == 0 and text == "=":
            in_default = True
        elif level == 0 and not in_default and toks[i].kind in ("ident", "escaped") \
                and text not in _NET_TYPES:
            name = toks[i].name   # the last identifier: `input state_t s` names s
        i += 1
    return i


def port_direction_problem(design: str, reference: str) -> str | None:
    """Why TopModule's port directions differ from RefModule's, or None. A design that
    declared an input as an output would drive the testbench's net that the reference
    reads."""
    ref = port_directions(reference, "RefModule")
    mine = port_directions(design, "TopModule")
    if not ref or mine is None:
        return None
    for name, want in ref.items():
        got = mine.get(name)
        if got is not None and got != want:
            return (f"port {name!r} is declared {got} in your design but is an {want} of the "
                    "interface; keep the interface's port directions")
    return None


def extra_port_problem(design: str, interface: Iterable[str]) -> str | None:
    """Why TopModule declares ports the interface does not have, or None. Generated tasks
    state their exact interface; an extra input would float (a design could test which of
    several candidate names is connected) and an extra output would go unchecked. Missing
    ports are left to the compiler, which names them."""
    mine = port_directions(design, "TopModule")
    extra = sorted(set(mine or {}) - set(interface))
    if extra:
        return (f"your design declares port(s) {', '.join(extra)} that the interface does not "
                "have; declare exactly the ports the spec lists")
    return None
