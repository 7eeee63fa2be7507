"""Judging a driver report: the stages' outcomes, the comparison, the verdict's stage.

`read_report` takes the driver's nonce'd JSON line from the sandbox's stdout;
`judge_split` (generated tasks: the reference's and the design's traces compared in the
driver) and `judge_single` (VerilogEval: the testbench's nonce'd record) turn it into a
`SimResult`. A stage that could not run, or that the stall guard stopped before it used its
CPU allowance, is an infra error (the machine's fault); a CPU-limit kill is the design's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .lint import port_directions
from .testbench import Bench

DUT_FILE = "TopModule.sv"
_COERCED = re.compile(r"^tb\.sv:\d+: warning: input port (\S+) is coerced to inout")
_PORT_WIDTH = re.compile(r"^tb\.sv:\d+: warning: Port \d+ \((\S+)\) of TopModule expects "
                         r"(\d+) bits, got (\d+)\.")


@dataclass
class SimResult:
    """What one compile-and-simulate run produced."""
    stage: str  # "lint", "compile", "timeout", "incomplete", "simulated", "infra"
    message: str = ""
    samples: int = 0
    mismatches: int = 0
    first_mismatch: str = ""
    times: dict[str, float] = field(default_factory=dict)


def judge_split(report: dict[str, Any], bench: Bench, reference: str,
                times: dict[str, float]) -> SimResult:
    """The result of a `split` run: infra when the reference's half failed or its trace does
    not have the samples the testbench takes; else the design's compile (port widths exactly
    the interface's), CPU limit, completeness and mismatch count."""
    for key in ("ref_compile", "ref_simulate"):
        problem = _stage_infra(report.get(key) or {})
        if problem:
            return SimResult("infra", problem, times=times)
    if report.get("ref_error"):
        return SimResult("infra", "the reference did not compile or finish (a broken task): "
                         + str(report["ref_error"])[-300:], times=times)
    early = _judge_stages(report, reference, times)
    if early:
        return early
    widths = _port_width_mismatches(str(report.get("compile_log", "")))
    if widths:
        # Icarus pads or truncates a port of another width: a design written for the widest
        # task of a family would pass every narrower one
        return SimResult("compile", "; ".join(widths) + "; declare every port with the width "
                         "the spec lists", times=times)
    comparison = report.get("comparison") or {}
    if comparison.get("samples") != bench.samples:
        return SimResult("infra", f"the reference's trace has {comparison.get('samples')} "
                         f"samples; the testbench takes {bench.samples}", times=times)
    first = describe_first(comparison.get("first"), bench)
    sim = report.get("simulate") or {}
    if sim.get("cpu_exceeded"):
        return _cpu_timeout(sim, first, times)
    if comparison.get("timeout"):
        return SimResult("timeout", "the simulation did not finish within the testbench's "
                         "simulation-time limit", first_mismatch=first, times=times)
    if not comparison.get("complete"):
        return SimResult("incomplete", f"the simulation ended after "
                         f"{comparison.get('dut_samples')} of {bench.samples} samples",
                         first_mismatch=first, times=times)
    return SimResult("simulated", "", bench.samples, int(comparison.get("mismatches", 0)),
                     first, times)


def describe_first(first: Mapping[str, Any] | None, bench: Bench) -> str:
    """`time=.. ns | inputs: a=.. | expected: y=.. | got: y=..` for the first mismatch."""
    if not first:
        return ""
    ref, dut = str(first["ref"]).split(), str(first["dut"]).split()
    n_in = len(bench.inputs)
    if ref[:2 + n_in] != dut[:2 + n_in] or len(ref) != len(dut):
        return f"time={ref[1]} ns | the inputs the design saw differ from the stimulus"
    ins = " ".join(f"{n}={v}" for n, v in zip(bench.inputs, ref[2:2 + n_in]))
    exp = " ".join(f"{n}={_hex(v)}" for n, v in zip(bench.outputs, ref[2 + n_in:]))
    got = " ".join(f"{n}={_hex(v)}" for n, v in zip(bench.outputs, dut[2 + n_in:]))
    return f"time={ref[1]} ns | inputs: {ins} | expected: {exp} | got: {got}"


def _hex(bits: str) -> str:
    """A %b value as hex when it has no X/Z bit, else as binary (`4'b10x1`)."""
    if set(bits) <= {"0", "1"}:
        return format(int(bits, 2), f"0{(len(bits) + 3) // 4}x")
    return f"{len(bits)}'b{bits}"


def read_report(stdout: str, nonce: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(nonce + " "):
            try:
                report = json.loads(line[len(nonce) + 1:])
            except ValueError:
                return None
            return report if isinstance(report, dict) else None
    return None


def _stage_infra(stage: Mapping[str, Any]) -> str | None:
    if stage.get("exec_error"):
        return f"could not run the simulator: {stage['exec_error']}"
    if stage.get("stalled"):
        return (f"a stage got only {stage['cpu_s']:.2f} s of CPU in {stage['wall_s']:.0f} s "
                "of wall clock (machine overloaded); the design was not judged")
    return None


def _judge_stages(report: dict[str, Any], reference: str,
                  times: dict[str, float]) -> SimResult | None:
    """The verdict decided by the design's compile and simulate stages alone, if any."""
    comp, sim = report.get("compile") or {}, report.get("simulate") or {}
    times.update(compile_s=comp.get("wall_s", 0.0), compile_cpu_s=comp.get("cpu_s", 0.0),
                 simulate_s=sim.get("wall_s", 0.0), simulate_cpu_s=sim.get("cpu_s", 0.0))
    for stage in (comp, sim):
        problem = _stage_infra(stage)
        if problem:
            return SimResult("infra", problem, times=times)
    log = str(report.get("compile_log", ""))
    if comp.get("cpu_exceeded"):
        return SimResult("timeout", f"compilation used its {comp.get('cpu_limit_s')} s "
                         "CPU-time limit", times=times)
    if comp.get("exit") != 0:
        return SimResult("compile", _compile_feedback(log), times=times)
    driven = _driven_inputs(log, reference)
    if driven:
        return SimResult("compile", f"the design drives its input port(s) {', '.join(driven)} "
                         "(the simulator coerced them to inout); inputs are driven only by "
                         "the testbench", times=times)
    return None


def _cpu_timeout(sim: Mapping[str, Any], first: str, times: dict[str, float]) -> SimResult:
    return SimResult("timeout", f"the simulation used its {sim.get('cpu_limit_s')} s CPU-time "
                     "limit without finishing (a combinational loop or a design that never "
                     "settles?)", first_mismatch=first, times=times)


def judge_single(report: dict[str, Any], nonce: str, reference: str,
                 times: dict[str, float]) -> SimResult:
    """The result of a `single` run from the record lines that start with the nonce."""
    early = _judge_stages(report, reference, times)
    if early:
        return early
    sim = report.get("simulate") or {}
    record: dict[str, list[str]] = {}
    for line in str(report.get("result", "")).splitlines():
        if line.startswith(nonce + " "):
            key, _, rest = line[len(nonce) + 1:].partition(" ")
            record.setdefault(key, []).append(rest)
    first = (record.get("FIRST") or [""])[0]
    if sim.get("cpu_exceeded"):
        return _cpu_timeout(sim, first, times)
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
