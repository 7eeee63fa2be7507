"""Limits count CPU time and simulation time, not wall clock: a design that loops fails on
CPU time, a run the machine starves is an infra error, and verdicts do not change when every
core is busy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from test_verilog_timing import EDGE_CAPTURE, EDGE_REGISTER, VECTOR_REVERSE

from rlvr_envs.envs.verilog.env import to_top_module
from rlvr_envs.envs.verilog.families import make_verilog_source
from rlvr_envs.envs.verilog.loaders import normalize_verilog_record
from rlvr_envs.envs.verilog.sim_driver import run_stage
from rlvr_envs.envs.verilog.simulate import simulate, verify_verilog

ADDER = normalize_verilog_record({
    "id": "limits/adder4", "spec": "A 4-bit adder: s = a + b.",
    "ports": [{"name": "a", "dir": "input", "width": 4}, {"name": "b", "dir": "input", "width": 4},
              {"name": "s", "dir": "output", "width": 4}],
    "reference": "module RefModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
                 "  assign s = a + b;\nendmodule\n"})
HEAD = "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
# loops forever at simulation time 0: only the CPU limit can end it
SPIN = HEAD + "  reg r;\n  initial begin r = 0; while (1) r = ~r; end\n  assign s = a + b;\nendmodule\n"
# correct, but about 1 s of simulation CPU: under a 2 s wall-clock limit it timed out when
# every core was busy; under a 2 s CPU limit it passes either way
SLOW = HEAD + ("  integer i;\n  reg [31:0] acc;\n  reg [3:0] r;\n  assign s = r;\n"
               "  always @(a or b) begin\n    acc = 0;\n"
               "    for (i = 0; i < 10000; i = i + 1) acc = acc + i;\n"
               "    r = a + b + acc[31:28] - acc[31:28];\n  end\nendmodule\n")


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


def test_an_infinite_loop_fails_on_cpu_time_not_infra() -> None:
    verdict = verify_verilog(ADDER, fenced(SPIN), sim_timeout=1.0)
    assert not verdict.passed and verdict.reward == 0.0 and not verdict.infra_error
    assert verdict.details["stage"] == "timeout" and "CPU-time limit" in verdict.reason


def test_a_starved_run_is_an_infra_error_not_a_zero() -> None:
    # The stall guard fires before the stage used its CPU allowance: the same thing a
    # machine too loaded to give the simulator CPU looks like. Nothing is said about the
    # design, so the verdict must be dropped (infra), not scored 0.
    sim = simulate(ADDER, SPIN, sim_cpu_s=30.0, stall_s=0.5)
    assert sim.stage == "infra" and "machine overloaded" in sim.message
    verdict_ok = verify_verilog(ADDER, fenced(HEAD + "  assign s = a + b;\nendmodule\n"))
    assert verdict_ok.passed   # the same task is judged normally without the stall


def test_driver_tells_cpu_limit_from_stall(tmp_path: Path) -> None:
    log = str(tmp_path / "out.log")
    spin = run_stage([sys.executable, "-c", "while True: pass"], cpu_s=1.0,
                     wall_s=60.0, out_path=log)
    assert spin["cpu_exceeded"] and not spin["stalled"] and spin["exit"] is None
    asleep = run_stage(["sleep", "30"], cpu_s=5.0, wall_s=0.3, out_path=log)
    assert asleep["stalled"] and not asleep["cpu_exceeded"] and asleep["cpu_s"] < 0.3
    done = run_stage(["true"], cpu_s=1.0, wall_s=10.0, out_path=log)
    assert done["exit"] == 0 and not done["stalled"] and not done["cpu_exceeded"]
    missing = run_stage(["no-such-simulator-xyz"], cpu_s=1.0, wall_s=1.0, out_path=log)
    assert "not on PATH" in missing["exec_error"]
    # a stage that cannot start (here its log cannot be opened; on a machine whose /dev/null
    # lost its write permission, vvp's) is the machine's fault: an exec error, which the
    # judge reports as infra, never an exit status it would score as a failed design
    unstartable = run_stage(["true"], cpu_s=1.0, wall_s=10.0,
                            out_path=str(tmp_path / "missing-dir" / "out.log"))
    assert "could not start true: FileNotFoundError" in unstartable["exec_error"]


def _corpus() -> list[tuple[str, dict[str, Any], str, float]]:
    """(name, task, response, sim CPU limit): references, wrong designs and a loop."""
    source = make_verilog_source(0)
    items = []
    for family in ("counter", "fifo", "fsm", "popcount", "sequence_detector"):
        task = source.build(family, 2, 1)
        items.append((f"{family}-ref", task, fenced(to_top_module(task["reference"])), 10.0))
    counter = source.build("counter", 1, 0)
    ports = ", ".join(f"{p['dir']} [{p['width'] - 1}:0] {p['name']}" for p in counter["ports"])
    q = counter["ports"][-1]["name"]
    wrong = f"module TopModule({ports});\n  assign {q} = 0;\nendmodule\n"  # never counts
    items.append(("counter-wrong", counter, fenced(wrong), 10.0))
    for task in (EDGE_REGISTER, EDGE_CAPTURE, VECTOR_REVERSE):
        items.append((task["id"], task, fenced(to_top_module(task["reference"])), 10.0))
    items.append(("spin", ADDER, fenced(SPIN), 1.0))
    items.append(("slow-correct", ADDER, fenced(SLOW), 2.0))
    return items


def _verdicts() -> dict[str, tuple[bool, float, bool, str]]:
    out = {}
    for name, task, response, cpu in _corpus():
        v = verify_verilog(task, response, sim_timeout=cpu)
        out[name] = (v.passed, v.reward, v.infra_error, v.details.get("stage", ""))
    return out


def test_verdicts_are_the_same_with_every_core_busy() -> None:
    idle = _verdicts()
    assert sum(v[0] for v in idle.values()) == 9 and idle["spin"][3] == "timeout"
    assert idle["slow-correct"][0] and idle["counter-wrong"][3] == "simulated"
    # two CPU burners per core, each in its own session: with the kernel's autogroup
    # scheduling a session is one scheduling group, so burners sharing ours would barely
    # slow the sandbox (which runs in a session of its own)
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                start_new_session=True)
               for _ in range(2 * (os.cpu_count() or 1))]
    try:
        busy = _verdicts()
    finally:
        for proc in burners:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    assert busy == idle
