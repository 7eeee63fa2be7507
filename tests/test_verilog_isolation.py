"""Defence in depth: with the lint switched off (as if a design found a hole in it), the
attacks that the lint stops still earn nothing, because of how the simulation is built.

Generated tasks simulate the reference and the design separately (the design's simulation
has no reference to name or read); VerilogEval tasks rename the testbench's top and instances
at random; no name the design can print (`%m`) carries the record's nonce; sources, the job
and the compiled program are gone from disk before the design runs; the driver is
non-dumpable and its children inherit only stdin, stdout and stderr."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rlvr_envs.envs.verilog import simulate as sim_module
from rlvr_envs.envs.verilog.lint import Screened
from rlvr_envs.envs.verilog.loaders import normalize_verilog_record
from rlvr_envs.envs.verilog.simulate import verify_verilog

ADDER = normalize_verilog_record({
    "id": "isolation/adder4", "spec": "A 4-bit adder: s = a + b.",
    "ports": [{"name": "a", "dir": "input", "width": 4}, {"name": "b", "dir": "input", "width": 4},
              {"name": "s", "dir": "output", "width": 4}],
    "reference": "module RefModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
                 "  assign s = a + b;\nendmodule\n"})
HEAD = "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
VE_TASK = normalize_verilog_record({
    "id": "isolation/ve-adder", "spec": "s = a + b", "style": "verilogeval",
    "reference": "module RefModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
                 "  assign s = a + b;\nendmodule\n",
    "testbench": """`timescale 1 ps/1 ps
module stimulus_gen (input clk, output reg [3:0] a, output reg [3:0] b);
  initial begin
    repeat (40) @(posedge clk, negedge clk) begin a <= $random; b <= $random; end
    $finish;
  end
endmodule

module tb();
  typedef struct packed { int errors; int errortime; int errors_s; int errortime_s;
    int clocks; } stats;
  stats stats1;
  reg clk = 0;
  initial forever #5 clk = ~clk;
  logic [3:0] a, b, s_ref, s_dut;
  wire tb_match;
  stimulus_gen stim1 (.clk, .a, .b);
  RefModule good1 (.a, .b, .s(s_ref));
  TopModule top_module1 (.a, .b, .s(s_dut));
  final begin
    $display("Mismatches: %1d in %1d samples", stats1.errors, stats1.clocks);
  end
  assign tb_match = ({s_ref} === ({s_ref} ^ {s_dut} ^ {s_ref}));
  always @(posedge clk, negedge clk) begin
    stats1.clocks++;
    if (!tb_match) begin
      if (stats1.errors == 0) stats1.errortime = $time;
      stats1.errors++;
    end
    if (s_ref !== (s_ref ^ s_dut ^ s_ref))
    begin if (stats1.errors_s == 0) stats1.errortime_s = $time;
      stats1.errors_s = stats1.errors_s + 1'b1; end
  end
  initial begin
    #1000000
    $display("TIMEOUT");
    $finish();
  end
endmodule
"""})
# the red team's record forgery: the nonce from %m, a DONE line on the testbench's fd, $finish
FORGE = HEAD + """  assign s = 4'd0;
  string p;
  initial begin
    #1 p = $sformatf("%m");
    $fwrite(32'h80000003, "%s DONE 1000 0\\n", p.substr(3, 34));
    $fwrite(32'h80000003, "%s DONE 1000 0\\n", p.substr(0, 31));
    $finish;
  end
endmodule
"""


@pytest.fixture
def no_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim_module, "screen_design",
                        lambda source, *_: Screened(source + "\n", None))


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


@pytest.mark.parametrize("task", [ADDER, VE_TASK], ids=["generated", "verilogeval"])
@pytest.mark.parametrize("design", [
    FORGE,
    HEAD + "  assign s = ref_i.s;\nendmodule\n",
    HEAD + "  assign s = good1.s;\nendmodule\n",
    HEAD + "  assign s = tb.good1.s;\nendmodule\n",
    HEAD + "  RefModule r (.a(a), .b(b), .s(s));\nendmodule\n",
    HEAD + "  assign s = 0;\n  initial begin #1; $display(\"Mismatches: 0 in 80 samples\");"
    " $finish; end\nendmodule\n",
], ids=["forge-record", "ref_i", "good1", "tb.good1", "instantiate-undeclared", "print-finish"])
def test_lint_holes_are_not_total(no_lint: None, task: dict, design: str) -> None:
    verdict = verify_verilog(task, fenced(design))
    assert not verdict.passed and verdict.reward == 0.0 and not verdict.infra_error, \
        verdict.reason


READS = HEAD + """  integer fd, found;
  initial begin
    found = 0;
    fd = $fopen("%s", "r");
    if (fd != 0) begin
      if ($fgetc(fd) != -1) found = 1;
      $fclose(fd);
    end
  end
  assign s = found ? 4'd0 : a + b;
endmodule
"""


@pytest.mark.parametrize("path", ["RefModule.sv", "ref_tb.sv", "tb.sv", "job.json",
                                  "ref_trace.txt", "ref.vvp", "sim.vvp", "/proc/self/fd/0",
                                  "TopModule.sv"])
def test_nothing_the_judge_trusts_is_readable(no_lint: None, path: str) -> None:
    # the design is correct unless it can read `path`: then it outputs 0
    for _ in range(2):   # first run simulates the reference, the second uses its trace
        verdict = verify_verilog(ADDER, fenced(READS % path))
        assert verdict.passed, (path, verdict.reason)


PROBE_UID = 63600   # an unprivileged uid of our own when the tests run as root


def test_stage_children_cannot_reach_the_driver() -> None:
    # A child of the non-dumpable driver can neither open the driver's memory or fds nor
    # use an inherited descriptor beyond stdin, stdout and stderr. (Sandboxed runs are
    # unprivileged: root could ptrace anything, so the probe drops to a plain uid.)
    work = Path(tempfile.mkdtemp(prefix="rlvr-probe-"))
    work.chmod(0o777)   # pytest's tmp_path sits in a directory only root can enter
    probe = ("import os\nppid = os.getppid()\nopened = []\n"
             "for p in ('/proc/%d/mem' % ppid, '/proc/%d/fd/1' % ppid):\n"
             "    try:\n        open(p, 'rb').close(); opened.append(p)\n"
             "    except OSError:\n        pass\n"
             "print('OPENED', opened)\n"
             "print('FDS', sorted(int(f) for f in os.listdir('/proc/self/fd')))\n")
    driver = Path(sim_module.__file__).with_name("sim_driver.py")
    # root's own interpreter may sit in a directory the plain uid cannot enter
    python = "/usr/bin/python3" if os.getuid() == 0 else sys.executable
    out_file = str(work / "o")
    code = (f"import sys, os\nsys.path.insert(0, {str(driver.parent)!r})\n"
            "import ctypes, sim_driver as d\nextra = os.open(os.devnull, os.O_RDONLY)\n"
            f"if os.getuid() == 0:\n    os.setgid({PROBE_UID}); os.setuid({PROBE_UID})\n"
            # a uid change makes a process non-dumpable; a sandbox guest may not have one
            "ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)\n"
            "d._no_dumps()\n"
            f"d.run_stage([{python!r}, '-c', {probe!r}], 5.0, 30.0, {out_file!r})\n"
            f"print(open({out_file!r}).read())\n")
    run = subprocess.run([python, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=work)
    shutil.rmtree(work, ignore_errors=True)
    out = run.stdout
    assert "OPENED []" in out, (out, run.stderr[-2000:])
    fds = [int(f) for f in out.split("FDS", 1)[1].split("]")[0].strip(" [").split(",")]
    assert fds == [0, 1, 2, 3], fds   # 3: the descriptor listdir itself opened


def test_a_spin_costs_the_sized_cpu_limit_not_ten_seconds() -> None:
    spin = HEAD + "  reg r = 0;\n  initial begin #2; forever begin r = ~r; #0; end end\n" \
        "  assign s = a + b;\nendmodule\n"
    verdict = verify_verilog(ADDER, fenced(spin))
    assert verdict.details["stage"] == "timeout" and not verdict.infra_error
    assert f"{sim_module.MIN_CPU_S:g} s CPU-time limit" in verdict.reason
    assert verdict.details["times"]["simulate_cpu_s"] < 5.0


def test_verilogeval_needs_the_reference_sample_count(monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = fenced(HEAD + "  assign s = a + b;\nendmodule\n")
    samples, cpu = sim_module.verilogeval_expectation(VE_TASK)
    assert samples > 0 and verify_verilog(VE_TASK, oracle).passed
    monkeypatch.setattr(sim_module, "verilogeval_expectation",
                        lambda *_a, **_k: (samples + 1, cpu))
    verdict = verify_verilog(VE_TASK, oracle)
    assert not verdict.passed and verdict.details["stage"] == "incomplete"
