"""Testbench generation: the verifier's half of the simulation.

`generated_testbench(task, nonce)` drives `RefModule` and `TopModule` with the same stimulus
and compares every output at every sample. `verilogeval_testbench(task, nonce)` takes a
VerilogEval v2 problem's own testbench and adds a nonce'd record of its final statistics.

The result channel: the testbench opens `result_<nonce>.txt` (the nonce is fresh per
verification, 128 random bits) and writes lines that start with the nonce:
`<nonce> FIRST ...` (the first mismatch), `<nonce> TIMEOUT`, `<nonce> DONE <samples>
<mismatches>`. The judge reads only those lines. The design cannot know the nonce, and the
lint forbids it every system task that could open, write or end anything.

Comparison (generated tasks, strict): a sample mismatches when any output bit of the design
differs from the reference under `!==` (so X or Z from the design where the reference has 0/1
is a mismatch), or when the reference output has an X/Z bit (which a correct design cannot
cause; generated references never produce X once sampling starts, so this catches designs that
corrupt shared inputs). VerilogEval tasks keep VerilogEval's rule: an X bit in the reference
is a don't-care; X in the design matches only X.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .lint import tokenize

CLOCK_HALF_PERIOD = 5
#: combinational tasks with at most this many input bits (default) are tested exhaustively
EXHAUSTIVE_BITS = 12
RESULT_FILE = "result_{nonce}.txt"


def _decl(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def _random_expr(width: int) -> str:
    words = (width + 31) // 32
    return "{" + ", ".join(["$random(seed)"] * words) + "}" if words > 1 else "$random(seed)"


def generated_testbench(task: Mapping[str, Any], nonce: str) -> str:
    """A self-checking testbench for a generated task (see the module docstring).

    Its tasks are named `check_<nonce>`, `cycle_<nonce>`, ...: Verilog resolves a simple task
    name upward through the instance hierarchy, so a design calling `randomize;` would run
    the testbench's own task (and could re-draw the stimulus until it is one the design
    handles). The design cannot know the nonce.
    """
    text = _generated_testbench(task, nonce)
    for name in ("check", "cycle", "randomize", "run_all"):   # '@' cannot occur in a port name
        text = text.replace(f"@{name}@", f"{name}_{nonce}")
    return text


def _generated_testbench(task: Mapping[str, Any], nonce: str) -> str:
    ports = task["ports"]
    clock = task.get("clock")
    reset = task.get("reset") or None
    ins = [p for p in ports if p["dir"] == "input" and p["name"] != clock]
    data_ins = [p for p in ins if not reset or p["name"] != reset["name"]]
    outs = [p for p in ports if p["dir"] == "output"]
    stim = task.get("stimulus", {})
    seed = int(stim.get("seed", 1))
    rare = set(stim.get("rare", ()))
    lines = ["`timescale 1ns/1ps", f"module tb_{nonce};",
             "  integer fd, samples, errors, i, seed;", "  reg sampling;"]
    for p in ins + ([{"name": clock, "width": 1}] if clock else []):
        lines.append(f"  reg {_decl(p['width'])}{p['name']};")
    for p in outs:
        lines.append(f"  wire {_decl(p['width'])}ref_{p['name']}, dut_{p['name']};")
    for tag, module in (("ref", "RefModule"), ("dut", "TopModule")):
        conns = [f".{p['name']}({p['name']})" for p in ins]
        conns += [f".{clock}({clock})"] if clock else []
        conns += [f".{p['name']}({tag}_{p['name']})" for p in outs]
        lines.append(f"  {module} {tag}_i ({', '.join(conns)});")
    ref_vec = "{" + ", ".join(f"ref_{p['name']}" for p in outs) + "}"
    dut_vec = "{" + ", ".join(f"dut_{p['name']}" for p in outs) + "}"
    in_fmt = " ".join(f"{p['name']}=%h" for p in ins)
    in_args = ", ".join(p["name"] for p in ins)
    exp_fmt = " ".join(f"{p['name']}=%h" for p in outs)
    exp_args = ", ".join(f"ref_{p['name']}" for p in outs)
    got_args = ", ".join(f"dut_{p['name']}" for p in outs)
    lines += [
        "  task @check@;",
        "    begin",
        "      samples = samples + 1;",
        f"      if (({dut_vec} !== {ref_vec}) || ((^{ref_vec}) === 1'bx)) begin",
        "        if (errors == 0)",
        f'          $fdisplay(fd, "{nonce} FIRST time=%0d ns | inputs: {in_fmt} | expected: '
        f'{exp_fmt} | got: {exp_fmt}", $time, {in_args}, {exp_args}, {got_args});',
        "        errors = errors + 1;",
        "      end",
        "    end",
        "  endtask",
    ]
    if clock:
        lines += _sequential_body(task, data_ins, reset, clock, rare, stim)
    else:
        lines += _combinational_body(data_ins, stim)
    lines += [
        "  initial begin",
        f'    fd = $fopen("{RESULT_FILE.format(nonce=nonce)}", "w");',
        f"    samples = 0; errors = 0; sampling = 0; seed = {seed};",
        "    @run_all@;",
        f'    $fdisplay(fd, "{nonce} DONE %0d %0d", samples, errors);',
        "    $fclose(fd);",
        "    $finish;",
        "  end",
        f"  initial begin #{int(stim.get('time_limit', 10_000_000))};",
        f'    $fdisplay(fd, "{nonce} TIMEOUT"); $fclose(fd); $finish;',
        "  end",
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


def _assign_directed(data_ins: list[dict[str, Any]], vector: Mapping[str, int]) -> str:
    return " ".join(f"{p['name']} = {p['width']}'d{int(vector.get(p['name'], 0))};"
                    for p in data_ins)


def _combinational_body(data_ins: list[dict[str, Any]], stim: Mapping[str, Any]) -> list[str]:
    total = sum(p["width"] for p in data_ins)
    body = ["  task @run_all@;", "    begin"]
    if total <= int(stim.get("exhaustive_bits", EXHAUSTIVE_BITS)):
        cat = "{" + ", ".join(p["name"] for p in data_ins) + "}"
        body += [f"      for (i = 0; i < {1 << total}; i = i + 1) begin",
                 f"        {cat} = i; #1 @check@; #1;", "      end"]
    else:
        body.append("      " + " ".join(f"{p['name']} = 0;" for p in data_ins))
        for vector in stim.get("directed", []):
            body.append(f"      {_assign_directed(data_ins, vector)} #1 @check@; #1;")
        for p in data_ins:  # edge values per input: all zeros, all ones, MSB only
            w = p["width"]
            for value in ("0", f"{{{w}{{1'b1}}}}", f"{w}'d1 << {w - 1}"):
                body.append(f"      {p['name']} = {value}; #1 @check@; #1;")
        body += [f"      for (i = 0; i < {int(stim.get('random', 1000))}; i = i + 1) begin",
                 "        " + " ".join(f"{p['name']} = {_random_expr(p['width'])};"
                                      for p in data_ins) + " #1 @check@; #1;", "      end"]
    return body + ["    end", "  endtask"]


def _sequential_body(task: Mapping[str, Any], data_ins: list[dict[str, Any]],
                     reset: Mapping[str, Any] | None, clock: str, rare: set[str],
                     stim: Mapping[str, Any]) -> list[str]:
    on, off = ("1'b0", "1'b1") if reset and reset.get("active_low") else ("1'b1", "1'b0")
    h = CLOCK_HALF_PERIOD
    body = [f"  initial {clock} = 1'b0;",
            # one clock cycle: inputs change while the clock is low and the design is sampled
            # before the rising edge (Mealy outputs) and after it (registered outputs); then
            # the data inputs change again while the clock is high, which a flip-flop ignores
            # and a latch does not
            "  task @cycle@;", "    begin",
            f"      #2 if (sampling) @check@; #{h - 2} {clock} = 1'b1;",
            f"      #1 sampling = 1; @check@; #1 @randomize@; #1 @check@; #{h - 3} {clock} = 1'b0;",
            "    end", "  endtask",
            "  task @randomize@;", "    begin"]
    for p in data_ins:
        expr = ("(($random(seed) & 7) == 0)" if p["name"] in rare and p["width"] == 1
                else _random_expr(p["width"]))
        body.append(f"      {p['name']} = {expr};")
    body += ["    end", "  endtask", "  task @run_all@;", "    begin"]
    rst = reset["name"] if reset else None
    if rst:
        body.append(f"      {rst} = {on}; @randomize@; @cycle@; @cycle@; {rst} = {off};")
    else:
        body.append("      @randomize@; @cycle@;")
    for vector in stim.get("directed", []):
        # a directed vector may name the reset too (its level; released when it does not), to
        # assert it in a chosen state: random resets rarely land on a rare output
        level = f" {rst} = 1'b{int(vector[rst])};" if rst in vector else f" {rst} = {off};"
        body.append(f"      {_assign_directed(data_ins, vector)}{level if rst else ''} @cycle@;")
    n = int(stim.get("cycles", 300))
    body += [f"      for (i = 0; i < {n}; i = i + 1) begin", "        @randomize@;"]
    if rst:
        body += [f"        {rst} = ((($random(seed) & 31) == 0) || i == {n // 2}) ? {on} : {off};"]
    body += ["        @cycle@;", "      end", "    end", "  endtask"]
    return body


# ------------------------------------------------------------------------------------------
# VerilogEval v2 testbenches
# ------------------------------------------------------------------------------------------

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


def verilogeval_testbench(task: Mapping[str, Any], nonce: str) -> str:
    """The problem's own testbench with a nonce'd record of its final statistics added (its
    `$display` lines stay for humans; the judge never reads them).

    The design is instantiated exactly as VerilogEval does it (same nets, same file order, no
    wrapper): any buffer between the testbench and the design moves the design's view of its
    inputs by one delta cycle, and testbenches that change inputs with blocking assignments
    at the clock edge would then race differently for the design than for the reference.
    Our additions come after the testbench's own code, write nothing but the record, and read
    only `stats1`, so they cannot reorder its events.
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
    opener = f'  initial rlvr_fd = $fopen("{RESULT_FILE.format(nonce=nonce)}", "w");\n'
    return text[:match.end()] + declare + body + opener + text[end:]

