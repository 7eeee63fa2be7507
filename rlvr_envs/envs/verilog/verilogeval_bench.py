"""VerilogEval v2 testbenches: the problem's own `tb`, with a nonce'd record of its statistics.

A VerilogEval testbench instantiates `RefModule good1`, `TopModule top_module1` and
`stimulus_gen stim1` in `module tb()`, counts samples in `stats1.clocks` and mismatches in
`stats1.errors`. Its stimulus often reads `tb_match` (the comparison), so the reference and
the design must share one simulation. What the design could name there is made unguessable:
the top module, the reference and stimulus instances and the reference's module get fresh
random names per verification (a design would reach an instance by upward name resolution,
`good1.out`, or copy the module by instantiating `RefModule`), and nothing
the design can observe (`%m` shows `tb_<tag>.top_module1`) carries the record's nonce.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .lexer import tokenize

RESULT_FILE = "result_{nonce}.txt"
#: instances of the testbench besides the design's own, and the reference module's name
#: (renamed per verification; the reference's source gets the same module name)
RENAMED = ("good1", "stim1", "RefModule")


@dataclass(frozen=True)
class VerilogEvalBench:
    """The testbench text, its top module's name (for `iverilog -s`), the record file, and
    the reference's source with its module renamed to match."""
    text: str
    top: str
    result_file: str
    reference: str


def parse_ports(source: str, module: str = "RefModule") -> list[dict[str, Any]] | None:
    """The ANSI port list of `module` in `source` as [{name, dir, width, range}], or None when
    the header is not a plain ANSI list (parameters, interfaces)."""
    toks = tokenize(source)
    start = next((i for i, t in enumerate(toks[:-1]) if t.text == "module"
                  and toks[i + 1].name == module), None)
    if start is None or start + 2 >= len(toks) or toks[start + 2].text != "(":
        return None
    ports: list[dict[str, Any]] = []
    direction, rng, i = None, "", start + 3
    while i < len(toks) and toks[i].text != ")":
        t = toks[i]
        if t.text in ("input", "output"):
            direction, rng = t.text, ""
        elif t.text == "[":
            j = i
            while j < len(toks) and toks[j].text != "]":
                j += 1
            rng = "".join(x.text for x in toks[i:j + 1])
            i = j
        elif t.text in ("wire", "reg", "logic", "signed", "unsigned", "bit", "var"):
            pass
        elif t.kind == "ident":
            if direction is None:
                return None
            m = re.fullmatch(r"\[(\d+):(\d+)\]", rng)
            width = abs(int(m.group(1)) - int(m.group(2))) + 1 if m else None
            if rng and width is None:
                return None
            ports.append({"name": t.text, "dir": direction, "width": width or 1, "range": rng})
        elif t.text not in (",",):
            return None
        i += 1
    return ports or None


def verilogeval_testbench(task: Mapping[str, Any], nonce: str, tag: str) -> VerilogEvalBench:
    """The problem's own testbench with a nonce'd record of its final statistics added (its
    `$display` lines stay for humans; the judge never reads them), the top module renamed
    `tb_<tag>` and `good1`/`stim1`/`RefModule` renamed `<name>_<tag>` (`tag`: fresh random
    hex; `reference` is the reference's source with the same module name).

    The design is instantiated exactly as VerilogEval does it (same nets, same file order, no
    wrapper): any buffer between the testbench and the design moves the design's view of its
    inputs by one delta cycle, and testbenches that change inputs with blocking assignments
    at the clock edge would then race differently for the design than for the reference.
    Our additions come after the testbench's own code, write nothing but the record, and read
    only `stats1`, so they cannot reorder its events; renaming changes no event either.
    """
    text = str(task["testbench"])
    outputs = sorted(set(re.findall(r"stats1\.errors_(\w+)", text)))
    text = text.replace('$display("TIMEOUT");',
                        'begin rlvr_timed_out = 1; $display("TIMEOUT"); end')
    record = ["    if (rlvr_timed_out === 1'b1)", f'      $fdisplay(rlvr_fd, "{nonce} TIMEOUT");']
    for out in outputs:
        record.append(f"    if (stats1.errors_{out}) $fdisplay(rlvr_fd, \"{nonce} FIRST output "
                      f"'{out}' has %0d mismatches, the first at time %0d\", "
                      f"stats1.errors_{out}, stats1.errortime_{out});")
    record += [f'    $fdisplay(rlvr_fd, "{nonce} DONE %0d %0d", stats1.clocks, stats1.errors);',
               "    $fclose(rlvr_fd);"]
    match = re.search(r"\bmodule\s+tb\s*\(\s*\)\s*;", text)
    if match is None:
        raise ValueError("VerilogEval testbench has no 'module tb();'")
    end = text.find("endmodule", match.end())
    body = text[match.end():end]
    # iverilog 11 runs only the first `final` block of a module: join the existing one
    final = re.search(r"\bfinal\s+begin\b", body)
    if final:
        body = body[:final.end()] + "\n" + "\n".join(record) + body[final.end():]
    else:
        body += "\n  final begin\n" + "\n".join(record) + "\n  end\n"
    # iverilog closes files at $finish before `final` runs, so the record is opened at time 0;
    # declared before the TIMEOUT block that sets it, without an initializer (no extra event)
    declare = "\n  reg rlvr_timed_out;\n  integer rlvr_fd;\n"
    result = RESULT_FILE.format(nonce=nonce)
    opener = f'  initial rlvr_fd = $fopen("{result}", "w");\n'
    top = f"tb_{tag}"
    head = text[:match.start()] + f"module {top}();"
    whole = head + declare + body + opener + text[end:]
    reference = str(task["reference"])
    for name in RENAMED:
        whole = re.sub(rf"\b{name}\b", f"{name}_{tag}", whole)
        reference = re.sub(rf"\b{name}\b", f"{name}_{tag}", reference)
    return VerilogEvalBench(whole, top, result, reference)
