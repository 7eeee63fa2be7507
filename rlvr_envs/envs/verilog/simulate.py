"""Compile and simulate one design against its task in the sandbox, and judge the result.

`verify_verilog(task, response)` is the verifier (usable without the env): extract the design
(`extract.extract_design`), screen it (`lint.screen_design`: the text that is compiled is the
text that was screened), build the testbench, and run `sim_driver.py` in one sandboxed run.

* **Generated tasks** (`split`): the reference's testbench and the design's testbench are two
  separate simulations in that run. The driver simulates the reference first, keeps its trace
  and deletes its files, then simulates the design without the reference (nothing in the
  design's simulation can name it, read it or its trace) and compares the traces. The judge
  checks that the reference's trace has exactly the samples the testbench takes. These tasks
  state their exact interface: a port the spec does not list fails the lint
  (`lint.extra_port_problem`), a port of another width fails on Icarus' padding warning.
* **VerilogEval tasks** (`single`): the problem's own testbench holds both, as in VerilogEval
  (its stimulus reads the comparison), with the top module and the reference and stimulus
  instances renamed at random per verification; the judge reads only lines of the record
  file that start with a fresh nonce, and requires the sample count the reference's own run
  gave (`verilogeval_expectation`, cached per task).

Limits count CPU time and simulation time, never wall clock. The design's simulation gets
`max(MIN_CPU_S, CPU_FACTOR x the reference's CPU time)`, at most `sim_cpu_s` (a zero-delay
spin then costs about 2 s of CPU, not 10); compilation likewise, at most `compile_cpu_s`. A
stage the stall guard stopped before it used its CPU allowance, or a sandbox run that never
reported, is an infra error (the machine was too busy; drop or retry), so a verdict is the
same on an idle and on a loaded machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ...core.sandbox import Sandbox, SandboxLimits, default_sandbox
from ...core.verdict import Verdict
from .extract import extract_design
from .judge import DUT_FILE, SimResult, judge_single, judge_split, read_report
from .lint import (
    extra_port_problem,
    module_names,
    port_direction_problem,
    scope_names,
    screen_design,
)
from .testbench import generated_testbench
from .verilogeval_bench import verilogeval_testbench

APT_HINT = "install Icarus Verilog: `apt-get install iverilog` (Debian/Ubuntu package iverilog)"
#: VerilogEval's own compile line (its Makefile.in), used for its problems
VERILOGEVAL_FLAGS = ("-Wall", "-Winfloop", "-Wno-timescale", "-g2012")
#: the stall guard of a stage: this many wall seconds per CPU second of its limit, at least
#: STALL_MIN_S; a run this starved says nothing about the design
STALL_FACTOR = 8.0
STALL_MIN_S = 30.0
#: the design's CPU limits: this many times the reference's CPU time, at least MIN_CPU_S
CPU_FACTOR = 20.0
MIN_CPU_S = 2.0
#: stdout kept from a run that returns the reference's trace (a few MB at most)
TRACE_REPORT_BYTES = 64 << 20


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


def simulate(task: Mapping[str, Any], design: str, *, compile_cpu_s: float = 10.0,
             sim_cpu_s: float = 10.0, stall_s: float | None = None,
             sandbox: Sandbox | None = None) -> SimResult:
    """Screen `design`, then compile and run it with the task's testbench.

    `compile_cpu_s` and `sim_cpu_s` cap the CPU-time limits of `iverilog` and `vvp` (the
    limits themselves are sized from the reference's CPU time); `stall_s` the wall-clock
    seconds after which a stage that has not used its CPU limit is called stalled (default
    `stall_guard_s` of the stage's cap).
    """
    if task.get("testbench"):
        return _simulate_verilogeval(task, design, compile_cpu_s, sim_cpu_s, stall_s, sandbox)
    return _simulate_generated(task, design, compile_cpu_s, sim_cpu_s, stall_s, sandbox)


def _screen(task: Mapping[str, Any], design: str, bench_names: set[str],
            extra_forbidden: Iterable[str] = ()) -> tuple[str, str | None]:
    """The text to compile and the lint's problem. `bench_names`: the testbench's tasks and
    blocks, reachable from the design by upward name resolution."""
    forbidden = module_names(task["reference"]) | {"RefModule", "tb", *extra_forbidden}
    if task.get("testbench"):
        forbidden |= module_names(task["testbench"])
    screened = screen_design(design, forbidden, bench_names)
    problem = screened.problem or port_direction_problem(screened.text,
                                                         str(task["reference"]))
    return screened.text, problem


def _limits(compile_wall: float, simulate_wall: float, cpu_cap: float,
            runs: int) -> SandboxLimits:
    return SandboxLimits(wall_time_s=runs * (compile_wall + simulate_wall) + 15,
                         cpu_time_s=cpu_cap + 2, memory_mb=1024, open_files=64,
                         output_bytes=65536)


def _run(files: dict[str, str], limits: SandboxLimits, nonce: str,
         sandbox: Sandbox | None) -> tuple[dict[str, Any] | None, str | None]:
    """Run the driver; (report, None) or (None, why it is an infra error)."""
    run = (sandbox or default_sandbox()).run_python(driver_source(), files=files, limits=limits)
    report = read_report(run.stdout, nonce)
    if run.infra_error or report is None or report.get("driver_error"):
        return None, (run.infra_error or (report or {}).get("driver_error")
                      or ("the sandbox run hit its wall clock before the driver reported "
                          "(machine overloaded)" if run.timed_out else
                          f"the driver printed no report (exit {run.exit_code}, signal "
                          f"{run.signal}, stderr {run.stderr[-300:]!r})"))
    return report, None


#: traces of references already simulated, by task (the design's runs then skip that half)
_REF_TRACES: OrderedDict[str, tuple[str, dict[str, float]]] = OrderedDict()
_REF_TRACES_LOCK = threading.Lock()
REF_TRACE_CACHE_CHARS = 64 << 20


def _task_key(task: Mapping[str, Any]) -> str:
    fields = {k: task.get(k) for k in ("reference", "ports", "clock", "reset", "stimulus")}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _cached_ref_trace(key: str) -> tuple[str, dict[str, float]] | None:
    with _REF_TRACES_LOCK:
        hit = _REF_TRACES.get(key)
        if hit:
            _REF_TRACES.move_to_end(key)
        return hit


def _store_ref_trace(key: str, trace: str, cpu: dict[str, float]) -> None:
    with _REF_TRACES_LOCK:
        _REF_TRACES[key] = (trace, cpu)
        while sum(len(t) for t, _ in _REF_TRACES.values()) > REF_TRACE_CACHE_CHARS:
            _REF_TRACES.popitem(last=False)


def _simulate_generated(task: Mapping[str, Any], design: str, compile_cpu_s: float,
                        sim_cpu_s: float, stall_s: float | None,
                        sandbox: Sandbox | None) -> SimResult:
    t0 = time.perf_counter()
    ref = generated_testbench(task, "RefModule", secrets.token_hex(8))
    dut = generated_testbench(task, "TopModule", secrets.token_hex(8))
    text, problem = _screen(task, design, dut.scope_names)
    # generated tasks state their exact interface (widths are checked on the compile log)
    problem = problem or extra_port_problem(text, [p["name"] for p in task["ports"]])
    if problem:
        return SimResult("lint", problem)
    nonce = secrets.token_hex(16)
    flags = ["iverilog", "-g2012"]
    key = _task_key(task)
    cached = _cached_ref_trace(key)
    job: dict[str, Any] = {
        "nonce": nonce, "mode": "split", "inputs": len(dut.inputs),
        "dut": {"compile_argv": [*flags, "-o", "sim.vvp", "-s", dut.top, "tb.sv", DUT_FILE],
                "sources": ["tb.sv", DUT_FILE], "program": "sim.vvp",
                "trace": dut.trace_file},
        "compile_cpu_s": compile_cpu_s, "simulate_cpu_s": sim_cpu_s,
        "compile_wall_s": stall_s or stall_guard_s(compile_cpu_s),
        "simulate_wall_s": stall_s or stall_guard_s(sim_cpu_s),
        "cpu_factor": CPU_FACTOR, "min_cpu_s": MIN_CPU_S}
    files = {"tb.sv": dut.text, DUT_FILE: text}
    if cached:
        job["ref"] = {"given": "ref_trace.txt", "cpu": cached[1]}
        files["ref_trace.txt"] = cached[0]
    else:
        job["ref"] = {"compile_argv": [*flags, "-o", "ref.vvp", "-s", ref.top, "ref_tb.sv",
                                       "RefModule.sv"],
                      "sources": ["ref_tb.sv", "RefModule.sv"], "program": "ref.vvp",
                      "trace": ref.trace_file}
        job["return_ref_trace"] = True
        files.update({"ref_tb.sv": ref.text, "RefModule.sv": str(task["reference"])})
    files["job.json"] = json.dumps(job)
    t1 = time.perf_counter()
    limits = _limits(job["compile_wall_s"], job["simulate_wall_s"],
                     max(compile_cpu_s, sim_cpu_s), 1 if cached else 2)
    if not cached:   # the report brings the reference's trace back
        limits = dataclasses.replace(limits, output_bytes=TRACE_REPORT_BYTES)
    report, infra = _run(files, limits, nonce, sandbox)
    times = {"testbench_s": t1 - t0, "run_s": time.perf_counter() - t1}
    if report is None:
        return SimResult("infra", str(infra), times=times)
    result = judge_split(report, dut, str(task["reference"]), times)
    trace = report.get("ref_trace")
    if (trace and report.get("ref_cpu") and result.stage != "infra"
            and sum(ln.startswith("S ") for ln in trace.splitlines()) == dut.samples):
        _store_ref_trace(key, trace, report["ref_cpu"])
    return result


_EXPECTED: dict[str, tuple[int, float] | None] = {}
_EXPECTED_LOCK = threading.Lock()


def verilogeval_expectation(task: Mapping[str, Any], *, sandbox: Sandbox | None = None,
                            sim_cpu_s: float = 10.0) -> tuple[int, float] | None:
    """(samples, simulation CPU seconds) of a VerilogEval problem's reference run as the
    design, or None when the reference does not pass its own testbench. Cached per
    testbench and reference; an infra error is not cached (RuntimeError)."""
    key = hashlib.sha256((str(task["testbench"]) + "\0" + str(task["reference"]))
                         .encode()).hexdigest()
    with _EXPECTED_LOCK:
        if key in _EXPECTED:
            return _EXPECTED[key]
    from .env import to_top_module
    sim = _simulate_verilogeval(task, to_top_module(str(task["reference"])), 10.0, sim_cpu_s,
                                None, sandbox, expect=False)
    if sim.stage == "infra":
        raise RuntimeError(f"the reference run was not judged: {sim.message}")
    value = ((sim.samples, sim.times.get("simulate_cpu_s", 0.0))
             if sim.stage == "simulated" and sim.mismatches == 0 and sim.samples else None)
    with _EXPECTED_LOCK:
        _EXPECTED[key] = value
    return value


def _simulate_verilogeval(task: Mapping[str, Any], design: str, compile_cpu_s: float,
                          sim_cpu_s: float, stall_s: float | None, sandbox: Sandbox | None,
                          expect: bool = True) -> SimResult:
    t0 = time.perf_counter()
    nonce, tag = secrets.token_hex(16), secrets.token_hex(8)
    bench = verilogeval_testbench(task, nonce, tag)
    text, problem = _screen(task, design, _testbench_scopes(str(task["testbench"])),
                            {bench.top})
    if problem:
        return SimResult("lint", problem)
    expected = None
    if expect:
        try:
            expected = verilogeval_expectation(task, sandbox=sandbox, sim_cpu_s=sim_cpu_s)
        except RuntimeError as exc:
            return SimResult("infra", str(exc))
        if expected:
            sim_cpu_s = min(sim_cpu_s, max(MIN_CPU_S, CPU_FACTOR * expected[1]))
    t1 = time.perf_counter()
    # VerilogEval's order (design, test, ref): a `timescale carries over to the following
    # files, so the order decides what a `#1` in the design means
    sources = [DUT_FILE, "tb.sv", "RefModule.sv"]
    job = {"nonce": nonce, "mode": "single", "result_file": bench.result_file,
           "bench": {"compile_argv": ["iverilog", *VERILOGEVAL_FLAGS, "-o", "sim.vvp", "-s",
                                      bench.top, *sources],
                     "sources": sources, "program": "sim.vvp"},
           "compile_cpu_s": compile_cpu_s, "simulate_cpu_s": sim_cpu_s,
           "compile_wall_s": stall_s or stall_guard_s(compile_cpu_s),
           "simulate_wall_s": stall_s or stall_guard_s(sim_cpu_s)}
    files = {"tb.sv": bench.text, "RefModule.sv": bench.reference, DUT_FILE: text,
             "job.json": json.dumps(job)}
    report, infra = _run(files, _limits(job["compile_wall_s"], job["simulate_wall_s"],
                                        max(compile_cpu_s, sim_cpu_s), 1), nonce, sandbox)
    times = {"testbench_s": t1 - t0, "run_s": time.perf_counter() - t1}
    if report is None:
        return SimResult("infra", str(infra), times=times)
    sim = judge_single(report, nonce, str(task["reference"]), times)
    if expected and sim.stage == "simulated" and sim.samples != expected[0]:
        return SimResult("incomplete", f"the testbench recorded {sim.samples} samples; a "
                         f"complete run takes {expected[0]}", first_mismatch=sim.first_mismatch,
                         times=times)
    return sim


@lru_cache(maxsize=512)
def _testbench_scopes(testbench: str) -> set[str]:
    return scope_names(testbench)


def verify_verilog(task: Mapping[str, Any], response: str, *, partial: bool = False,
                   sandbox: Sandbox | None = None, sim_timeout: float = 10.0) -> Verdict:
    """The verdict on one response: 1.0 when every compared output matched at every sample
    (with `partial`, `1 - mismatches / samples` for a design that compiled and finished).

    `sim_timeout` is the simulation's CPU-time limit in seconds (not wall clock).
    """
    design = extract_design(str(response))
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
