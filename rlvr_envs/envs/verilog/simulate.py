"""Compile and simulate one design against its task in the sandbox, and judge the record.

`verify_verilog(task, response)` is the verifier (usable without the env): extract the design,
lint it, generate the testbench with a fresh nonce, and run `sim_driver.py` in one sandboxed
run. The driver runs `iverilog` then `vvp`, each under its own CPU-time limit
(`RLIMIT_CPU`) and a wall-clock stall guard, and reports each stage's CPU time, the
compiler's messages (feedback only) and the testbench's nonce'd record. The verdict comes
from that record alone.

Limits count CPU time and simulation time, never wall clock: a design that does not finish
within `sim_cpu_s` CPU seconds (or the testbench's simulation-time limit) fails; a stage the
stall guard stopped before it used its CPU allowance, or a sandbox run that never reported,
is an infra error (the machine was too busy; drop or retry), so a verdict is the same on an
idle and on a loaded machine.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ...core.sandbox import Sandbox, SandboxLimits, default_sandbox
from ...core.verdict import Verdict
from .lint import (
    extra_port_problem,
    extract_code,
    lint_candidate,
    module_names,
    port_direction_problem,
    port_directions,
    subroutine_names,
)
from .testbench import RESULT_FILE, generated_testbench, verilogeval_testbench

DUT_FILE = "TopModule.sv"
APT_HINT = "install Icarus Verilog: `apt-get install iverilog` (Debian/Ubuntu package iverilog)"
#: VerilogEval's own compile line (its Makefile.in), used for its problems
VERILOGEVAL_FLAGS = ("-Wall", "-Winfloop", "-Wno-timescale", "-g2012")
#: the stall guard of a stage: this many wall seconds per CPU second of its limit, at least
#: STALL_MIN_S; a run this starved says nothing about the design
STALL_FACTOR = 8.0
STALL_MIN_S = 30.0
_COERCED = re.compile(r"^tb\.sv:\d+: warning: input port (\S+) is coerced to inout")
_PORT_WIDTH = re.compile(r"^tb\.sv:\d+: warning: Port \d+ \((\S+)\) of TopModule expects "
                         r"(\d+) bits, got (\d+)\.")


def require_iverilog() -> None:
    """Raise RuntimeError naming the package when iverilog or vvp is not on PATH."""
    missing = [b for b in ("iverilog", "vvp") if shutil.which(b) is None]
    if missing:
        raise RuntimeError(f"rlvr/Verilog-v0 needs {' and '.join(missing)} on PATH; {APT_HINT}")


@cache
def driver_source() -> str:
    """The text of the in-sandbox driver (sent to the sandbox, never imported there)."""
    return (Path(__file__).with_name("sim_driver.py")).read_text(encoding="utf-8")


def stall_guard_s(cpu_s: float) -> float:
    """The wall-clock seconds after which a stage with `cpu_s` of CPU is called stalled."""
    return max(STALL_MIN_S, STALL_FACTOR * cpu_s)


@dataclass
class SimResult:
    """What one compile-and-simulate run produced (all parsed from nonce'd lines)."""
    stage: str  # "lint", "compile", "timeout", "incomplete", "simulated", "infra"
    message: str = ""
    samples: int = 0
    mismatches: int = 0
    first_mismatch: str = ""
    times: dict[str, float] = field(default_factory=dict)


def simulate(task: Mapping[str, Any], design: str, *, compile_cpu_s: float = 10.0,
             sim_cpu_s: float = 10.0, stall_s: float | None = None,
             sandbox: Sandbox | None = None) -> SimResult:
    """Lint `design`, then compile and run it with the task's testbench.

    `compile_cpu_s` and `sim_cpu_s` are CPU-time limits of `iverilog` and `vvp`; `stall_s`
    the wall-clock seconds after which a stage that has not used its CPU limit is called
    stalled (default `stall_guard_s` of the stage's limit).
    """
    t0 = time.perf_counter()
    forbidden = module_names(task["reference"]) | {"RefModule", "tb"}
    if task.get("testbench"):
        forbidden |= module_names(task["testbench"])
    nonce = secrets.token_hex(16)
    if task.get("testbench"):
        # VerilogEval's order (design, test, ref) too: a `timescale carries over to the
        # following files, so the order decides what a `#1` in the design means
        bench, top, flags = verilogeval_testbench(task, nonce), "tb", VERILOGEVAL_FLAGS
        sources = [DUT_FILE, "tb.sv", "RefModule.sv"]
    else:
        bench, top, flags = generated_testbench(task, nonce), f"tb_{nonce}", ("-g2012",)
        sources = ["tb.sv", "RefModule.sv", DUT_FILE]
    # the testbench's tasks are reachable from the design by upward name resolution
    problem = (lint_candidate(design, forbidden, subroutine_names(bench))
               or port_direction_problem(design, str(task["reference"])))
    exact = not task.get("testbench")  # generated tasks state their exact interface
    if exact and not problem:
        problem = extra_port_problem(design, [p["name"] for p in task["ports"]])
    if problem:
        return SimResult("lint", problem)
    t1 = time.perf_counter()
    job = {"nonce": nonce, "result_file": RESULT_FILE.format(nonce=nonce),
           "compile_argv": ["iverilog", *flags, "-o", "sim.vvp", "-s", top, *sources],
           "compile_cpu_s": compile_cpu_s,
           "compile_wall_s": stall_s or stall_guard_s(compile_cpu_s),
           "simulate_argv": ["vvp", "-n", "sim.vvp"], "simulate_cpu_s": sim_cpu_s,
           "simulate_wall_s": stall_s or stall_guard_s(sim_cpu_s)}
    cpu_cap = max(compile_cpu_s, sim_cpu_s) + 2   # the stages set their own, lower limits
    limits = SandboxLimits(wall_time_s=job["compile_wall_s"] + job["simulate_wall_s"] + 15,
                           cpu_time_s=cpu_cap, memory_mb=1024, open_files=64,
                           output_bytes=65536)
    files = {"tb.sv": bench, "RefModule.sv": task["reference"], DUT_FILE: design,
             "job.json": json.dumps(job)}
    run = (sandbox or default_sandbox()).run_python(driver_source(), files=files, limits=limits)
    times = {"testbench_s": t1 - t0, "run_s": time.perf_counter() - t1}
    report = _report(run.stdout, nonce)
    if run.infra_error or report is None or report.get("driver_error"):
        why = (run.infra_error or (report or {}).get("driver_error")
               or ("the sandbox run hit its wall clock before the driver reported (machine "
                   "overloaded)" if run.timed_out else
                   f"the driver printed no report (exit {run.exit_code}, signal {run.signal}, "
                   f"stderr {run.stderr[-300:]!r})"))
        return SimResult("infra", why, times=times)
    return _judge(report, nonce, str(task["reference"]), times, compile_cpu_s, sim_cpu_s,
                  exact_widths=exact)


def _report(stdout: str, nonce: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(nonce + " "):
            try:
                report = json.loads(line[len(nonce) + 1:])
            except ValueError:
                return None
            return report if isinstance(report, dict) else None
    return None


def _judge(report: dict[str, Any], nonce: str, reference: str, times: dict[str, float],
           compile_cpu_s: float, sim_cpu_s: float, exact_widths: bool = False) -> SimResult:
    comp, sim = report.get("compile") or {}, report.get("simulate") or {}
    times.update(compile_s=comp.get("wall_s", 0.0), compile_cpu_s=comp.get("cpu_s", 0.0),
                 simulate_s=sim.get("wall_s", 0.0), simulate_cpu_s=sim.get("cpu_s", 0.0))
    for stage in (comp, sim):
        if stage.get("exec_error"):
            return SimResult("infra", f"could not run the simulator: {stage['exec_error']}",
                             times=times)
        if stage.get("stalled"):
            return SimResult("infra", f"a stage got only {stage['cpu_s']:.2f} s of CPU in "
                             f"{stage['wall_s']:.0f} s of wall clock (machine overloaded); "
                             "the design was not judged", times=times)
    log = str(report.get("compile_log", ""))
    if comp.get("cpu_exceeded"):
        return SimResult("timeout", f"compilation used its {compile_cpu_s:g} s CPU-time limit",
                         times=times)
    if comp.get("exit") != 0:
        return SimResult("compile", _compile_feedback(log), times=times)
    widths = _port_width_mismatches(log) if exact_widths else []
    if widths:
        # Icarus pads or truncates a port of another width: a design written for the widest
        # task of a family would pass every narrower one
        return SimResult("compile", "; ".join(widths) + "; declare every port with the width "
                         "the spec lists", times=times)
    driven = _driven_inputs(log, reference)
    if driven:
        return SimResult("compile", f"the design drives its input port(s) {', '.join(driven)} "
                         "(the simulator coerced them to inout); inputs are driven only by "
                         "the testbench", times=times)
    record: dict[str, list[str]] = {}
    for line in str(report.get("result", "")).splitlines():
        if line.startswith(nonce + " "):
            key, _, rest = line[len(nonce) + 1:].partition(" ")
            record.setdefault(key, []).append(rest)
    first = (record.get("FIRST") or [""])[0]
    if sim.get("cpu_exceeded"):
        return SimResult("timeout", f"the simulation used its {sim_cpu_s:g} s CPU-time limit "
                         "without finishing (a combinational loop or a design that never "
                         "settles?)", first_mismatch=first, times=times)
    if record.get("TIMEOUT"):
        return SimResult("timeout", "the simulation did not finish within the testbench's "
                         "simulation-time limit", first_mismatch=first, times=times)
    done = record.get("DONE")
    parsed = done[0].split() if done and len(done) == 1 else []
    if len(parsed) != 2 or not all(x.isdigit() for x in parsed):
        return SimResult("incomplete", "the simulation ended without the testbench's final "
                         "record", times=times)
    return SimResult("simulated", "", int(parsed[0]), int(parsed[1]), first, times)


def _driven_inputs(log: str, reference: str) -> list[str]:
    """Inputs of the interface that Icarus coerced to inout at the testbench's level: the
    design drives them, and through a testbench net that would reach the reference too.
    (Icarus gives the line of the connection, or line 1 for `.name` connections, so the
    port is identified by name.)"""
    inputs = {n for n, d in (port_directions(reference, "RefModule") or {}).items()
              if d == "input"}
    found = []
    for line in log.splitlines():
        m = _COERCED.match(line)
        if m and (not inputs or m.group(1) in inputs) and m.group(1) not in found:
            found.append(m.group(1))
    return found


def _port_width_mismatches(log: str) -> list[str]:
    """Ports of the design whose width differs from the testbench's connection (the
    interface), as `port 'q' is 4 bits wide in your design but 3 bits in the interface`."""
    found = []
    for line in log.splitlines():
        m = _PORT_WIDTH.match(line)
        if m:
            found.append(f"port {m.group(1)!r} is {m.group(2)} bits wide in your design but "
                         f"{m.group(3)} bit{'s' if m.group(3) != '1' else ''} in the interface")
    return found


def _compile_feedback(log: str) -> str:
    """The compiler's errors about the design first (warnings only when there is nothing
    else), at most 20 lines."""
    lines = [ln for ln in log.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "warning:" not in ln]
    mine = [ln for ln in errors if ln.startswith(DUT_FILE)]
    shown = (mine or errors or lines)[:20]
    return "\n".join(shown) or "the compiler failed without a message"


def verify_verilog(task: Mapping[str, Any], response: str, *, partial: bool = False,
                   sandbox: Sandbox | None = None, sim_timeout: float = 10.0) -> Verdict:
    """The verdict on one response: 1.0 when every compared output matched at every sample
    (with `partial`, `1 - mismatches / samples` for a design that compiled and finished).

    `sim_timeout` is the simulation's CPU-time limit in seconds (not wall clock).
    """
    design = extract_code(str(response))
    if design is None:
        return _verdict(0.0, "no Verilog found; put `module TopModule ... endmodule` in a "
                        "```verilog block", stage="no_code")
    try:
        sim = simulate(task, design, sandbox=sandbox, sim_cpu_s=sim_timeout)
    except Exception as exc:  # noqa: BLE001 - a verifier never crashes; report it as infra
        return Verdict.fail(f"verification failed: {type(exc).__name__}: {exc}",
                            infra_error=True)
    details = {"stage": sim.stage, "samples": sim.samples, "mismatches": sim.mismatches,
               "first_mismatch": sim.first_mismatch, "times": sim.times,
               "compiled": sim.stage in ("simulated", "timeout", "incomplete")}
    if sim.stage == "infra":
        return Verdict.fail(f"not judged: {sim.message}", infra_error=True,
                            **details)
    if sim.stage != "simulated":
        return _verdict(0.0, f"{sim.stage}: {sim.message}", **details)
    if sim.samples == 0:
        return _verdict(0.0, "the testbench compared no samples", **details)
    details["mismatch_rate"] = sim.mismatches / sim.samples
    if sim.mismatches == 0:
        return _verdict(1.0, f"all {sim.samples} samples matched", passed=True, **details)
    reward = 1.0 - sim.mismatches / sim.samples if partial else 0.0
    reason = f"{sim.mismatches} mismatches in {sim.samples} samples"
    if sim.first_mismatch:
        reason += f"; first: {_tidy(sim.first_mismatch)}"
    return _verdict(reward, reason, **details)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _verdict(reward: float, reason: str, passed: bool = False, **details: Any) -> Verdict:
    return Verdict(passed, reward, reason, {"functional": reward}, details)
