"""Compile and simulate one design against its task in the sandbox, and judge the record.

`verify_verilog(task, response)` is the verifier (usable without the env): extract the design,
lint it, generate the testbench with a fresh nonce, run `iverilog` then `vvp` in one sandboxed
run (each under its own wall clock via `timeout -s KILL`), and decide from the testbench's
nonce'd record alone. vvp's stdout and stderr go to /dev/null; the compiler's messages come
back on stderr for feedback only.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...core.sandbox import Sandbox, SandboxLimits, default_sandbox
from ...core.verdict import Verdict
from .lint import extract_code, lint_candidate, module_names, subroutine_names
from .testbench import RESULT_FILE, generated_testbench, verilogeval_testbench

DUT_FILE = "TopModule.sv"
APT_HINT = "install Icarus Verilog: `apt-get install iverilog` (Debian/Ubuntu package iverilog)"


def require_iverilog() -> None:
    """Raise RuntimeError naming the package when iverilog or vvp is not on PATH."""
    missing = [b for b in ("iverilog", "vvp") if shutil.which(b) is None]
    if missing:
        raise RuntimeError(f"rlvr/Verilog-v0 needs {' and '.join(missing)} on PATH; {APT_HINT}")


@dataclass
class SimResult:
    """What one compile-and-simulate run produced (all parsed from nonce'd lines)."""
    stage: str  # "lint", "compile", "timeout", "incomplete", "simulated", "infra"
    message: str = ""
    samples: int = 0
    mismatches: int = 0
    first_mismatch: str = ""
    times: dict[str, float] = field(default_factory=dict)


def simulate(task: Mapping[str, Any], design: str, *, compile_timeout: float = 10.0,
             sim_timeout: float = 10.0, sandbox: Sandbox | None = None) -> SimResult:
    """Lint `design`, then compile and run it with the task's testbench."""
    t0 = time.perf_counter()
    forbidden = module_names(task["reference"]) | {"RefModule", "tb"}
    if task.get("testbench"):
        forbidden |= module_names(task["testbench"])
    nonce = secrets.token_hex(16)
    if task.get("testbench"):
        bench, top = verilogeval_testbench(task, nonce), "tb"
    else:
        bench, top = generated_testbench(task, nonce), f"tb_{nonce}"
    # the testbench's tasks are reachable from the design by upward name resolution
    problem = lint_candidate(design, forbidden, subroutine_names(bench))
    if problem:
        return SimResult("lint", problem)
    t1 = time.perf_counter()
    result_file = RESULT_FILE.format(nonce=nonce)
    script = (
        f"s=$(date +%s%N); timeout -s KILL {compile_timeout:g} iverilog -g2012 -o sim.vvp "
        f"-s {top} tb.sv RefModule.sv {DUT_FILE} 2>compile.log >/dev/null; rc=$?; "
        f"m=$(date +%s%N); echo \"{nonce} COMPILE $rc $((m-s))\"; head -c 8000 compile.log >&2; "
        f"if [ $rc -eq 0 ]; then timeout -s KILL {sim_timeout:g} vvp -n sim.vvp "
        f">/dev/null 2>&1; rc=$?; echo \"{nonce} SIM $rc $(($(date +%s%N)-m))\"; "
        f"cat {result_file} 2>/dev/null; fi")
    limits = SandboxLimits(wall_time_s=compile_timeout + sim_timeout + 5,
                           cpu_time_s=compile_timeout + sim_timeout + 5, memory_mb=1024,
                           open_files=64, output_bytes=65536)
    files = {"tb.sv": bench, "RefModule.sv": task["reference"], DUT_FILE: design}
    run = (sandbox or default_sandbox()).run_command(["/bin/sh", "-c", script], files=files,
                                                     limits=limits)
    times = {"testbench_s": t1 - t0, "run_s": time.perf_counter() - t1}
    if run.infra_error:
        return SimResult("infra", run.infra_error, times=times)
    record: dict[str, list[str]] = {}
    for line in run.stdout.splitlines():
        if line.startswith(nonce + " "):
            key, _, rest = line[len(nonce) + 1:].partition(" ")
            record.setdefault(key, []).append(rest)
    compile_line = (record.get("COMPILE") or ["? 0"])[0].split()
    sim_line = (record.get("SIM") or ["? 0"])[0].split()
    times["compile_s"] = int(compile_line[1]) / 1e9 if compile_line[1].isdigit() else 0.0
    times["simulate_s"] = int(sim_line[1]) / 1e9 if sim_line[1].isdigit() else 0.0
    if compile_line[0] != "0":
        if compile_line[0] in ("137", "124") or run.timed_out and not record.get("COMPILE"):
            return SimResult("timeout", f"compilation exceeded {compile_timeout:g} s",
                             times=times)
        return SimResult("compile", _compile_feedback(run.stderr), times=times)
    first = (record.get("FIRST") or [""])[0]
    if sim_line[0] in ("137", "124") or record.get("TIMEOUT") or run.timed_out:
        return SimResult("timeout", f"the simulation did not finish within {sim_timeout:g} s "
                         "of wall clock or its simulation-time limit (a combinational loop or "
                         "a design that never settles?)", first_mismatch=first, times=times)
    done = record.get("DONE")
    parsed = done[0].split() if done and len(done) == 1 else []
    if len(parsed) != 2 or not all(x.isdigit() for x in parsed):
        return SimResult("incomplete", "the simulation ended without the testbench's final "
                         "record", times=times)
    samples, mismatches = int(parsed[0]), int(parsed[1])
    return SimResult("simulated", "", samples, mismatches, first, times)


def _compile_feedback(log: str) -> str:
    lines = [ln for ln in log.splitlines() if ln.strip()]
    mine = [ln for ln in lines if ln.startswith(DUT_FILE)]
    shown = (mine or lines)[:20]
    return "\n".join(shown) or "the compiler failed without a message"


def verify_verilog(task: Mapping[str, Any], response: str, *, partial: bool = False,
                   sandbox: Sandbox | None = None, sim_timeout: float = 10.0) -> Verdict:
    """The verdict on one response: 1.0 when every compared output matched at every sample
    (with `partial`, `1 - mismatches / samples` for a design that compiled and finished)."""
    design = extract_code(str(response))
    if design is None:
        return _verdict(0.0, "no Verilog found; put `module TopModule ... endmodule` in a "
                        "```verilog block", stage="no_code")
    try:
        sim = simulate(task, design, sandbox=sandbox, sim_timeout=sim_timeout)
    except Exception as exc:  # noqa: BLE001 - a verifier never crashes; report it as infra
        return Verdict.fail(f"verification failed: {type(exc).__name__}: {exc}",
                            infra_error=True)
    details = {"stage": sim.stage, "samples": sim.samples, "mismatches": sim.mismatches,
               "first_mismatch": sim.first_mismatch, "times": sim.times,
               "compiled": sim.stage in ("simulated", "timeout", "incomplete")}
    if sim.stage == "infra":
        return Verdict.fail(f"simulator unavailable: {sim.message}", infra_error=True,
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
