"""Timing semantics: a design sees its inputs exactly when the reference does.

VerilogEval's stimulus often changes inputs with blocking assignments right at the clock
edge (`@(posedge clk) in = ...`); then whether a flop captures the old or the new value is
decided by the simulator's event order. A correct design must see the same order as the
reference, so the design is instantiated as VerilogEval does it, with no buffer in between.
The problems below are written in VerilogEval v2's format (stimulus_gen, tb with stats1,
`Mismatches: N in M samples`), not copied from it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from rlvr_envs.envs.verilog.env import VerilogEnv, to_top_module
from rlvr_envs.envs.verilog.families import make_verilog_source
from rlvr_envs.envs.verilog.loaders import normalize_verilog_record
from rlvr_envs.envs.verilog.simulate import verify_verilog


def ve_problem(name: str, ports: list[tuple[str, str, int]], reference_body: str,
               stimulus: str, net: str = "logic") -> dict[str, Any]:
    """A VerilogEval-shaped task: `ports` as (dir, name, width) with dir "input", "output"
    or "output reg", the reference's body, the stimulus_gen's initial block; `net` is how
    tb declares the design's inputs."""
    def rng(w: int) -> str:
        return f"[{w - 1}:0] " if w > 1 else ""
    ins = [(n, w) for d, n, w in ports if d == "input" and n != "clk"]
    outs = [(n, w) for d, n, w in ports if d.startswith("output")]
    header = ",\n".join(f"  {d} {rng(w)}{n}" for d, n, w in ports)
    reference = f"module RefModule (\n{header}\n);\n{reference_body}\nendmodule\n"
    stim_ports = ",\n".join(["  input clk"] + [f"  output reg {rng(w)}{n}" for n, w in ins])
    fields = "".join(f"    int errors_{n};\n    int errortime_{n};\n" for n, _ in outs)
    decl = "".join(f"  {net} {rng(w)}{n};\n" for n, w in ins)
    decl += "".join(f"  logic {rng(w)}{n}_ref;\n  logic {rng(w)}{n}_dut;\n" for n, w in outs)
    drive = "".join(f"  assign {n} = {n}_v;\n" for n, _ in ins) if net == "wire" else ""
    stim_conns = ", ".join([".clk"] + [f".{n}({n}_v)" if net == "wire" else f".{n}"
                                        for n, _ in ins])
    if net == "wire":
        decl += "".join(f"  logic {rng(w)}{n}_v;\n" for n, w in ins)
    conns = [".clk"] * any(n == "clk" for _, n, _ in ports) + [f".{n}" for n, _ in ins]
    refs = "{" + ", ".join(f"{n}_ref" for n, _ in outs) + "}"
    duts = "{" + ", ".join(f"{n}_dut" for n, _ in outs) + "}"
    per_output = "".join(
        f"    if ({n}_ref !== ({n}_ref ^ {n}_dut ^ {n}_ref)) begin\n"
        f"      if (stats1.errors_{n} == 0) stats1.errortime_{n} = $time;\n"
        f"      stats1.errors_{n} = stats1.errors_{n} + 1'b1;\n    end\n" for n, _ in outs)
    testbench = f"""`timescale 1 ps/1 ps
module stimulus_gen (
{stim_ports}
);
  initial begin
{stimulus}
    #1 $finish;
  end
endmodule

module tb();
  typedef struct packed {{
    int errors;
    int errortime;
{fields}    int clocks;
  }} stats;
  stats stats1;
  reg clk=0;
  initial forever
    #5 clk = ~clk;
{decl}{drive}  wire tb_match;
  stimulus_gen stim1 ({stim_conns});
  RefModule good1 ({", ".join(conns + [f".{n}({n}_ref)" for n, _ in outs])});
  TopModule top_module1 (
    {", ".join(conns + [f".{n}({n}_dut)" for n, _ in outs])} );
  final begin
    $display("Mismatches: %1d in %1d samples", stats1.errors, stats1.clocks);
  end
  assign tb_match = ({refs} === ({refs} ^ {duts} ^ {refs}));
  always @(posedge clk, negedge clk) begin
    stats1.clocks++;
    if (!tb_match) begin
      if (stats1.errors == 0) stats1.errortime = $time;
      stats1.errors++;
    end
{per_output}  end
  initial begin
    #1000000
    $display("TIMEOUT");
    $finish();
  end
endmodule
"""
    return normalize_verilog_record({"id": f"verilogeval/{name}", "spec": f"Problem {name}.",
                                     "reference": reference, "testbench": testbench})


# A register whose data input changes by blocking assignment at the rising edge: in Icarus
# the flops of both designs run before the stimulus' blocking write (they were waiting on
# the edge first), so both capture the old value; a design that saw the edge one delta later
# (through a buffer) captured the new one and mismatched on every change.
EDGE_REGISTER = ve_problem(
    "Prob901_edge_register",
    [("input", "clk", 1), ("input", "reset", 1), ("input", "d", 8), ("output reg", "q", 8)],
    "  always @(posedge clk)\n    if (reset) q <= 8'd0;\n    else q <= d;\n",
    "    reset <= 1; d <= 0;\n    @(posedge clk);\n    reset = 1; d = 0;\n"
    "    repeat(2) @(posedge clk);\n    reset = 0;\n"
    "    repeat(100) @(posedge clk) d = $random;\n"
    "    repeat(50) @(negedge clk) d = $random;\n")

# Prob066-like: remembers the previous input and captures falling bits, inputs written by
# blocking assignments at posedge and non-blocking ones at negedge.
EDGE_CAPTURE = ve_problem(
    "Prob902_edge_capture",
    [("input", "clk", 1), ("input", "reset", 1), ("input", "in", 16), ("output", "out", 16)],
    "  reg [15:0] last;\n  reg [15:0] held;\n  assign out = held;\n"
    "  always @(posedge clk) begin\n    last <= in;\n"
    "    if (reset) held <= '0;\n    else held <= held | (~in & last);\n  end\n",
    "    in <= 0; reset <= 1;\n    @(posedge clk);\n    reset = 1; in = 0;\n"
    "    repeat(2) @(posedge clk);\n    reset = 0;\n"
    "    repeat(6) begin @(posedge clk) in = $random; end\n"
    "    repeat(40) @(negedge clk) begin in <= $random; reset <= !($random & 15); end\n"
    "    @(posedge clk) in = 16'hffff;\n    repeat(3) @(posedge clk) in = 16'h0;\n")

VECTOR_REVERSE = ve_problem(
    "Prob903_reverse",
    [("input", "in", 8), ("output", "out", 8)],
    "  genvar i;\n  generate for (i = 0; i < 8; i = i + 1) begin : bits\n"
    "    assign out[i] = in[7 - i];\n  end endgenerate\n",
    "    repeat(120) @(posedge clk, negedge clk) in <= $random;\n")

PROBLEMS = [EDGE_REGISTER, EDGE_CAPTURE, VECTOR_REVERSE]


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


@pytest.mark.parametrize("task", PROBLEMS, ids=lambda t: t["id"])
def test_reference_earns_full_reward(task: dict[str, Any]) -> None:
    verdict = verify_verilog(task, fenced(to_top_module(task["reference"])))
    assert verdict.passed and verdict.reward == 1.0, verdict.reason
    assert verdict.details["samples"] > 100 and verdict.details["mismatches"] == 0


def test_env_pays_the_reference_on_an_edge_sensitive_problem() -> None:
    env = VerilogEnv(tasks=PROBLEMS)
    for task in PROBLEMS:
        env.reset(options={"task_id": task["id"]})
        _, reward, terminated, _, info = env.step(env.oracle_action())
        assert terminated and reward == 1.0, info["verdict"]


def test_equivalent_styles_pass_and_a_late_capture_fails() -> None:
    head = ("module TopModule(input clk, input reset, input [7:0] d, "
            "output reg [7:0] q);\n")
    # always_ff and a synchronous reset written as a mux: same events, same verdict
    same = head + "  always_ff @(posedge clk) q <= reset ? 8'd0 : d;\nendmodule\n"
    assert verify_verilog(EDGE_REGISTER, fenced(same)).passed
    # a design that samples d half a cycle late is wrong, and the edge-time writes show it
    late = head + ("  reg [7:0] r;\n  always @(negedge clk) r <= d;\n"
                   "  always @(posedge clk) q <= reset ? 8'd0 : r;\nendmodule\n")
    verdict = verify_verilog(EDGE_REGISTER, fenced(late))
    assert not verdict.passed and verdict.details["mismatches"] > 0


def test_a_design_driving_its_input_cannot_reach_the_reference() -> None:
    # Through VerilogEval's variables the driven port becomes the design's own net (X here);
    # through a testbench net Icarus coerces the port to inout, and the verifier rejects it.
    cheat = ("module TopModule(input [7:0] in, output [7:0] out);\n"
             "  assign in = 8'bx;\n  assign out = 8'bx;\nendmodule\n")
    verdict = verify_verilog(VECTOR_REVERSE, fenced(cheat))
    assert not verdict.passed and not verdict.infra_error
    wired = ve_problem("Prob904_reverse_wired", [("input", "in", 8), ("output", "out", 8)],
                       "  assign out = {in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]};\n",
                       "    repeat(50) @(posedge clk, negedge clk) in <= $random;\n", net="wire")
    assert verify_verilog(wired, fenced(to_top_module(wired["reference"]))).passed
    verdict = verify_verilog(wired, fenced(cheat))
    assert not verdict.passed and verdict.details["stage"] == "compile"
    assert "drives its input port(s) in" in verdict.reason


def test_switches_to_an_x_net_are_rejected() -> None:
    # A tran switch joins nets without driving them, so Icarus keeps the design's input
    # joined to the testbench's variable: the reference read X (a don't-care) and a constant
    # design passed, here and under VerilogEval's own harness. The lint rejects switches.
    blind = ("module TopModule(input [7:0] in, output [7:0] out);\n"
             "  wire [7:0] xn = 8'bx;\n  genvar i;\n"
             "  generate for (i = 0; i < 8; i = i + 1) begin : g\n"
             "    tran sw(in[i], xn[i]);\n  end endgenerate\n"
             "  assign out = 8'd0;\nendmodule\n")
    verdict = verify_verilog(VECTOR_REVERSE, fenced(blind))
    assert not verdict.passed and verdict.details["stage"] == "lint"
    assert "bidirectional switch 'tran'" in verdict.reason
    for switch in ("rtran sw(in[i], xn[i])", "tranif1 sw(in[i], xn[i], 1'b1)",
                   "rtranif0 sw(in[i], xn[i], 1'b0)"):
        design = blind.replace("tran sw(in[i], xn[i])", switch)
        verdict = verify_verilog(VECTOR_REVERSE, fenced(design))
        assert not verdict.passed and verdict.details["stage"] == "lint", switch


def test_a_design_flipping_a_port_direction_is_rejected() -> None:
    flipped = ("module TopModule(output [7:0] in, output [7:0] out);\n"
               "  assign in = 8'bx;\n  assign out = 8'bx;\nendmodule\n")
    verdict = verify_verilog(VECTOR_REVERSE, fenced(flipped))
    assert not verdict.passed and verdict.details["stage"] == "lint"
    assert "'in' is declared output" in verdict.reason


@pytest.mark.parametrize("family", ["counter", "shift_register", "edge_detector", "fifo"])
def test_generated_bench_is_indifferent_to_clock_path_deltas(family: str) -> None:
    # The generated testbench changes inputs only away from clock edges, so a design whose
    # clock passes through a buffer (a delta cycle later than the reference's) still passes.
    task = make_verilog_source(0).build(family, 2, 0)
    clock = task["clock"]
    design = re.sub(rf"posedge {clock}\b", "posedge clk_buf", to_top_module(task["reference"]))
    design = design.replace("\n  always", f"\n  wire clk_buf;\n  assign clk_buf = {clock};"
                            "\n  always", 1)
    assert f"clk_buf = {clock};" in design and not re.search(rf"posedge {clock}\b", design)
    verdict = verify_verilog(task, fenced(design))
    assert verdict.passed, verdict.reason
