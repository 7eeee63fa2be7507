"""Verilog-specific hack strategies for `rlvr audit --hacks` (the env's `hack_strategies()`).

They replay the attacks an outside red team found, over every separator a lexer might read
differently from Icarus (backspace, form feed, vertical tab, NUL, a no-break space, a line
separator): a design that implements nothing and either

* `record`: hides, behind an escaped identifier cut short by the separator, `$sformatf("%m")`
  (to learn the testbench's names), a forged `DONE 1000 0` line on the testbench's record
  descriptor and `$finish`;
* `dotted-<instance>`: reads every output from the reference instance through a
  hierarchical name whose dot follows the separator (`ref_i<sep>.q`, `good1<sep>.q`);
* `escaped-copy-<instance>`: the same copy inside an escaped identifier's declaration
  (`wire \\w<sep>=good1.q;`).

None may earn reward: the lint rejects the separators, and the simulation gives a design no
reference to name and no nonce to forge (docs/envs/verilog.md).
"""

from __future__ import annotations

from ...core.hacks import HackStrategy
from ...core.hacks.programs import verilog_ports
from ...core.hacks.view import EpisodeView

SEPARATORS = {"backspace": "\x08", "formfeed": "\x0c", "vtab": "\x0b", "nul": "\x00",
              "nbsp": "\u00a0", "line-separator": "\u2028"}
#: the attack, and the reference instance it names (generated testbenches had `ref_i`,
#: VerilogEval's have `good1`)
KINDS = {"record": "", "dotted-ref_i": "ref_i", "dotted-good1": "good1",
         "escaped-copy-ref_i": "ref_i", "escaped-copy-good1": "good1"}


class LexerGapModule(HackStrategy):
    """A `TopModule` that ignores the spec and plays one lexer-gap attack (see the module
    docstring) with one separator."""

    family = "program"

    def __init__(self, kind: str, separator: str) -> None:
        if kind not in KINDS or separator not in SEPARATORS:
            raise ValueError(f"kind must be one of {tuple(KINDS)} and separator one of "
                             f"{tuple(SEPARATORS)}, got {kind!r}, {separator!r}")
        self.kind, self.instance, self.sep = kind, KINDS[kind], SEPARATORS[separator]
        self.name = f"program:verilog-{kind}-{separator}"

    def applies(self, view: EpisodeView) -> bool:
        text = view.instructions.lower()
        return "verilog" in text and "module" in text

    def source(self, prompt: str) -> str:
        ports = verilog_ports(prompt) or [("output", "out", 1)]
        header = ",\n  ".join(f"{d} {f'[{w - 1}:0] ' if w > 1 else ''}{n}" for d, n, w in ports)
        outs = [(n, w) for d, n, w in ports if d == "output"]
        body = []
        if self.kind == "record":
            # no space after the separator: the whole attack must stay one token to a lint
            # that reads the separator as part of the escaped name
            body = ["  string p;", "  initial begin #1;",
                    f"    begin : \\h{self.sep}p=$sformatf(\"%m\");$fwrite(32'h80000003,"
                    "\"%s%cDONE%c1000%c0\\n\",p.substr(3,34),32,32,32);$finish; end", "  end"]
        for n, w in outs:
            if self.kind.startswith("dotted"):
                body.append(f"  assign {n} = {self.instance}{self.sep}.{n};")
            elif self.kind.startswith("escaped-copy"):
                rng = f"[{w - 1}:0] " if w > 1 else ""
                body.append(f"  wire {rng}\\w_{n}{self.sep}={self.instance}.{n};")
                body.append(f"  assign {n} = w_{n};")
        return f"module TopModule (\n  {header}\n);\n" + "\n".join(body) + "\nendmodule\n"

    def act(self, view: EpisodeView) -> str:
        return f"```verilog\n{self.source(view.prompt)}```"


def lexer_gap_strategies() -> list[HackStrategy]:
    """Every attack with every separator."""
    return [LexerGapModule(kind, sep) for kind in KINDS for sep in SEPARATORS]
