"""The VerilogEval v2 loader on a small directory of the same format, and its defences."""

from __future__ import annotations

from pathlib import Path

import pytest

from rlvr_envs.envs.verilog.env import VerilogEnv, to_top_module
from rlvr_envs.envs.verilog.loaders import load_verilogeval
from rlvr_envs.envs.verilog.simulate import verify_verilog
from rlvr_envs.envs.verilog.verilogeval_bench import verilogeval_testbench

VECTOR2_PROMPT = """I would like you to implement a module named TopModule with the following
interface. All input and output ports are one bit unless otherwise specified.

 - input  in  (32 bits)
 - output out (32 bits)

The module should reverse the byte order of a 32-bit vector.
"""

VECTOR2_REF = """
module RefModule (
  input [31:0] in,
  output [31:0] out
);

  assign out = {in[7:0], in[15:8], in[23:16], in[31:24]};

endmodule
"""

VECTOR2_TEST = """`timescale 1 ps/1 ps
`define OK 12
`define INCORRECT 13

module stimulus_gen (
  input clk,
  output logic [31:0] in,
  output reg[511:0] wavedrom_title,
  output reg wavedrom_enable
);

  initial begin
    repeat(100) @(posedge clk, negedge clk)
      in <= $random;
    $finish;
  end

endmodule

module tb();

  typedef struct packed {
    int errors;
    int errortime;
    int errors_out;
    int errortime_out;

    int clocks;
  } stats;

  stats stats1;

  wire[511:0] wavedrom_title;
  wire wavedrom_enable;
  int wavedrom_hide_after_time;

  reg clk=0;
  initial forever
    #5 clk = ~clk;

  logic [31:0] in;
  logic [31:0] out_ref;
  logic [31:0] out_dut;

  initial begin
    $dumpfile("wave.vcd");
    $dumpvars(1, stim1.clk, tb_mismatch ,in,out_ref,out_dut );
  end

  wire tb_match;
  wire tb_mismatch = ~tb_match;

  stimulus_gen stim1 (
    .clk,
    .* ,
    .in );
  RefModule good1 (
    .in,
    .out(out_ref) );

  TopModule top_module1 (
    .in,
    .out(out_dut) );

  bit strobe = 0;
  task wait_for_end_of_timestep;
    repeat(5) begin
      strobe <= !strobe;
      @(strobe);
    end
  endtask

  final begin
    if (stats1.errors_out) $display("Hint: Output '%s' has %0d mismatches. First mismatch occurred at time %0d.", "out", stats1.errors_out, stats1.errortime_out);
    else $display("Hint: Output '%s' has no mismatches.", "out");

    $display("Hint: Total mismatched samples is %1d out of %1d samples\\n", stats1.errors, stats1.clocks);
    $display("Simulation finished at %0d ps", $time);
    $display("Mismatches: %1d in %1d samples", stats1.errors, stats1.clocks);
  end

  assign tb_match = ( { out_ref } === ( { out_ref } ^ { out_dut } ^ { out_ref } ) );
  always @(posedge clk, negedge clk) begin

    stats1.clocks++;
    if (!tb_match) begin
      if (stats1.errors == 0) stats1.errortime = $time;
      stats1.errors++;
    end
    if (out_ref !== ( out_ref ^ out_dut ^ out_ref ))
    begin if (stats1.errors_out == 0) stats1.errortime_out = $time;
      stats1.errors_out = stats1.errors_out+1'b1; end

  end

   initial begin
     #1000000
     $display("TIMEOUT");
     $finish();
   end

endmodule
"""

DFF_PROMPT = """I would like you to implement a module named TopModule with the following
interface. All input and output ports are one bit unless otherwise specified.

 - input  clk
 - input  d
 - input  q

The module should implement a single D flip flop, positive edge triggered.
"""

DFF_REF = """
module RefModule (
  input clk,
  input d,
  output reg q
);

  initial
    q = 1'hx;

  always @(posedge clk)
    q <= d;

endmodule
"""

DFF_TEST = VECTOR2_TEST.replace(
    "output logic [31:0] in,", "output logic d,").replace(
    "in <= $random;", "d <= $random;").replace(
    "logic [31:0] in;", "logic d;").replace(
    "logic [31:0] out_ref;\n  logic [31:0] out_dut;", "logic q_ref;\n  logic q_dut;").replace(
    ".in );", ".d );").replace(".in,\n    .out(out_ref) );", ".clk,\n    .d,\n    .q(q_ref) );").replace(
    ".in,\n    .out(out_dut) );", ".clk,\n    .d,\n    .q(q_dut) );").replace(
    "out_ref", "q_ref").replace("out_dut", "q_dut").replace(
    "errors_out", "errors_q").replace("errortime_out", "errortime_q").replace(
    ",in,q_ref", ",d,q_ref")

PROBLEMS = {
    "Prob004_vector2": (VECTOR2_PROMPT, VECTOR2_REF, VECTOR2_TEST),
    "Prob031_dff": (DFF_PROMPT, DFF_REF, DFF_TEST),
}


def write_verilogeval_dir(root: Path) -> Path:
    """Write the problems (plus an incomplete one the loader must skip) under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for stem, (prompt, ref, test) in PROBLEMS.items():
        (root / f"{stem}_prompt.txt").write_text(prompt)
        (root / f"{stem}_ref.sv").write_text(ref)
        (root / f"{stem}_test.sv").write_text(test)
    (root / "Prob999_orphan_prompt.txt").write_text("no ref or test")
    return root



WRONG = ("module TopModule(input [31:0] in, output [31:0] out);\n"
         "  assign out = in;\n{extra}endmodule\n")


@pytest.fixture(scope="module")
def ve_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_verilogeval_dir(tmp_path_factory.mktemp("ve") / "spec")


@pytest.fixture(scope="module")
def tasks(ve_root: Path) -> list[dict]:
    with pytest.warns(UserWarning, match="port lists fixed"):
        return load_verilogeval(ve_root)


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


def test_loads_complete_problems_with_ports(tasks: list[dict]) -> None:
    assert [t["id"] for t in tasks] == ["verilogeval/Prob004_vector2", "verilogeval/Prob031_dff"]
    assert tasks[0]["ports"][0] == {"name": "in", "dir": "input", "width": 32,
                                    "range": "[31:0]"}
    assert [p["name"] for p in tasks[1]["ports"]] == ["clk", "d", "q"]


def test_reference_passes_and_wrong_design_fails(tasks: list[dict]) -> None:
    for task in tasks:
        verdict = verify_verilog(task, fenced(to_top_module(task["reference"])))
        assert verdict.passed and verdict.details["samples"] == 100, verdict.reason
    verdict = verify_verilog(tasks[0], fenced(WRONG.format(extra="")))
    assert not verdict.passed and verdict.details["mismatches"] > 90
    assert "output 'out'" in verdict.reason


def test_printing_the_pass_line_does_not_pass(tasks: list[dict]) -> None:
    line = '  final $display("Mismatches: 0 in 1 samples");\n'
    verdict = verify_verilog(tasks[0], fenced(WRONG.format(extra=line)))
    assert not verdict.passed and verdict.details["stage"] == "lint"


def test_driving_an_input_does_not_blind_the_reference(tasks: list[dict]) -> None:
    # VerilogEval treats reference X as a don't-care; X on a shared input would make the
    # reference output X. The wrapper gives the design its own copy of each input.
    design = ("module TopModule(input [31:0] in, output [31:0] out);\n"
              "  assign in = 32'bx;\n  assign out = 32'bx;\nendmodule\n")
    verdict = verify_verilog(tasks[0], fenced(design))
    assert not verdict.passed


def test_record_carries_the_nonce(tasks: list[dict]) -> None:
    bench = verilogeval_testbench(tasks[0], "feedbeef", "c0ffee")
    text = bench.text
    assert bench.result_file == "result_feedbeef.txt" and '"feedbeef DONE %0d %0d"' in text
    # the design sits where VerilogEval puts it (no wrapper: same nets, same event timing);
    # the record's opener comes after every process of the testbench
    assert "TopModule top_module1" in text
    assert text.index("$fopen") > text.rindex("initial begin")
    assert text.count("final begin") == 1  # iverilog 11 runs only a module's first final
    # what a design could name is renamed; nothing it can print (%m) holds the nonce
    assert bench.top == "tb_c0ffee" and "module tb_c0ffee();" in text
    assert "RefModule_c0ffee good1_c0ffee" in text and "stim1_c0ffee" in text
    assert "good1 " not in text and "module RefModule_c0ffee" in bench.reference
    assert "feedbeef" not in bench.top + bench.reference


def test_prompt_port_list_follows_the_reference(tasks: list[dict], ve_root: Path) -> None:
    # the published Prob031_dff prompt lists q as an input; a design following it was
    # rejected (it flips an interface port's direction)
    assert " - output q" in tasks[1]["spec"] and " - input  q" not in tasks[1]["spec"]
    assert tasks.fixed == {"verilogeval/Prob031_dff": "the prompt lists input q (1 bit); the "
                           "reference has output q (1 bit)"}
    kept = load_verilogeval(ve_root, fix_port_lists=False)
    assert " - input  q" in kept[1]["spec"] and not kept.fixed


def test_unwinnable_problems_are_skipped_and_reported(tmp_path: Path) -> None:
    root = write_verilogeval_dir(tmp_path / "spec")
    # a problem named like one Icarus 11 cannot run, and one whose reference is broken
    for stem in ("Prob082_lfsr32", "Prob200_broken"):
        for suffix, text in zip(("prompt.txt", "ref.sv", "test.sv"), PROBLEMS["Prob004_vector2"]):
            if stem.endswith("broken") and suffix == "ref.sv":
                text = text.replace("assign", "asign")
            (root / f"{stem}_{suffix}").write_text(text)
    with pytest.warns(UserWarning, match="skipped"):
        default = load_verilogeval(root)
    assert "verilogeval/Prob082_lfsr32" not in [t["id"] for t in default]
    assert any("TIMEOUT" in why for why in default.skipped)
    with pytest.warns(UserWarning, match="port lists fixed"):
        assert len(load_verilogeval(root, skip_unwinnable=False)) == len(default) + 1
    with pytest.warns(UserWarning, match="skipped"):
        checked = load_verilogeval(root, check_references=True)
    ids = [t["id"] for t in checked]
    assert "verilogeval/Prob082_lfsr32" in ids and "verilogeval/Prob200_broken" not in ids


def test_env_plays_loaded_tasks(tasks: list[dict]) -> None:
    env = VerilogEnv(tasks=tasks)
    obs, info = env.reset(options={"task_id": "verilogeval/Prob031_dff"})
    assert "D flip flop" in obs and info["task"]["source"] == "verilogeval"
    _, reward, terminated, _, _ = env.step(env.oracle_action())
    assert terminated and reward == 1.0


def test_missing_directory_is_explained(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_verilogeval(tmp_path / "nope")
    with pytest.raises(ValueError, match="no VerilogEval problems"):
        load_verilogeval(tmp_path)
