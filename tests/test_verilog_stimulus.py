"""The generated stimulus exercises what a spec states: a counter's wrap-around, a FIFO's full
and empty boundaries and writes when full, and the behaviour during and right after reset.

The tasks are built here from the task schema (not from the procedural families, which have
their own directed vectors), so these tests measure the testbench generator's own random,
biased and post-reset stimulus. Each spec-violating mutant must fail on every seed."""

from __future__ import annotations

import random
from typing import Any

import pytest

from rlvr_envs.envs.verilog.env import to_top_module
from rlvr_envs.envs.verilog.loaders import normalize_verilog_record
from rlvr_envs.envs.verilog.simulate import verify_verilog
from rlvr_envs.envs.verilog.testbench import generated_testbench


def _reset(rng: random.Random) -> tuple[dict[str, Any], str, str]:
    """A reset of random polarity and kind: (spec, always head, asserted condition)."""
    low, sync = rng.random() < 0.5, rng.random() < 0.5
    name = "rst_n" if low else "rst"
    edge = "" if sync else f" or {'negedge' if low else 'posedge'} {name}"
    return ({"name": name, "active_low": low, "sync": sync}, f"always @(posedge clk{edge})",
            f"!{name}" if low else name)


def _task(rng: random.Random, ports: list[tuple[str, str, int]], body: str,
          reset: dict[str, Any], tag: str) -> dict[str, Any]:
    header = ",\n".join(f"  {d} {f'[{w - 1}:0] ' if w > 1 else ''}{n}" for d, n, w in ports)
    return normalize_verilog_record({
        "id": f"stimulus/{tag}", "spec": tag, "clock": "clk", "reset": reset,
        "ports": [{"name": n, "dir": d, "width": w} for d, n, w in ports],
        "reference": f"module RefModule (\n{header}\n);\n{body}\nendmodule\n",
        "stimulus": {"seed": rng.randrange(1, 2**31 - 1), "cycles": 300}})


def counter(seed: int) -> tuple[dict[str, Any], dict[str, str]]:
    """An up or down counter with enable and load (4-16 bits) and a saturating mutant."""
    rng = random.Random(seed)
    w, up = rng.choice((4, 8, 12, 16)), rng.random() < 0.5
    reset, head, cond = _reset(rng)
    step = "q + 1'b1" if up else "q - 1'b1"
    body = (f"  reg [{w - 1}:0] q_r;\n  assign q = q_r;\n  {head}\n"
            f"    if ({cond}) q_r <= {w}'d{rng.randrange(1 << w)};\n"
            "    else if (load) q_r <= d;\n    else if (en) q_r <= STEP;")
    ports = [("input", "clk", 1), ("input", reset["name"], 1), ("input", "en", 1),
             ("input", "load", 1), ("input", "d", w), ("output", "q", w)]
    task = _task(rng, ports, body.replace("STEP", step.replace("q", "q_r")), reset,
                 f"counter/{seed}")
    task["stimulus"]["rare"] = ["load"]
    saturate = "(&q_r) ? q_r : q_r + 1'b1" if up else "(|q_r) ? q_r - 1'b1 : q_r"
    return task, {"saturates": _mutant(task, step.replace("q", "q_r"), saturate)}


def fifo(seed: int) -> tuple[dict[str, Any], dict[str, str]]:
    """A show-ahead FIFO (depth 2-16), with `full` tied to 0 and write-when-full mutants."""
    rng = random.Random(seed)
    depth, w = rng.randint(2, 16), rng.randint(1, 8)
    reset, head, cond = _reset(rng)
    a, c = max(1, (depth - 1).bit_length()), depth.bit_length()
    last = f"{a}'d{depth - 1}"
    body = (f"  reg [{w - 1}:0] mem [0:{depth - 1}];\n  reg [{a - 1}:0] rp, wp;\n"
            f"  reg [{c - 1}:0] n;\n  wire do_rd = rd_en && n != {c}'d0;\n"
            f"  wire do_wr = wr_en && n != {c}'d{depth};\n"
            f"  assign full = n == {c}'d{depth};\n  assign empty = n == {c}'d0;\n"
            f"  assign dout = empty ? {w}'d0 : mem[rp];\n"
            f"  {head}\n    if ({cond}) begin rp <= {a}'d0; wp <= {a}'d0; n <= {c}'d0; end\n"
            f"    else begin\n      if (do_wr) begin mem[wp] <= din; "
            f"wp <= (wp == {last}) ? {a}'d0 : wp + 1'b1; end\n"
            f"      if (do_rd) rp <= (rp == {last}) ? {a}'d0 : rp + 1'b1;\n"
            "      n <= n + do_wr - do_rd;\n    end")
    ports = [("input", "clk", 1), ("input", reset["name"], 1), ("input", "wr_en", 1),
             ("input", "din", w), ("input", "rd_en", 1), ("output", "dout", w),
             ("output", "full", 1), ("output", "empty", 1)]
    task = _task(rng, ports, body, reset, f"fifo/{seed}")
    return task, {
        "full-tied-low": _mutant(task, f"assign full = n == {c}'d{depth};",
                                 "assign full = 1'b0;"),
        "writes-when-full": _mutant(task, f"wire do_wr = wr_en && n != {c}'d{depth};",
                                    "wire do_wr = wr_en;")}


def sequence_detector(seed: int) -> tuple[dict[str, Any], dict[str, str]]:
    """A detector of a 3-6 bit pattern that starts with 0 (only samples since reset count),
    with mutants that treat the history under reset as zeros or keep it across reset."""
    rng = random.Random(seed)
    n = rng.randint(3, 6)
    pattern = "0" + "".join(rng.choice("01") for _ in range(n - 1))
    reset, head, cond = _reset(rng)
    k = n.bit_length()
    body = (f"  reg [{n - 1}:0] hist;\n  reg [{k - 1}:0] seen;\n  {head}\n"
            f"    if ({cond}) begin hist <= {n}'d0; seen <= {k}'d0; end\n"
            f"    else begin hist <= {{hist[{n - 2}:0], x}}; "
            f"if (seen != {k}'d{n}) seen <= seen + 1'b1; end\n"
            f"  assign found = (seen == {k}'d{n}) && (hist == {n}'b{pattern});")
    ports = [("input", "clk", 1), ("input", reset["name"], 1), ("input", "x", 1),
             ("output", "found", 1)]
    task = _task(rng, ports, body, reset, f"sequence/{seed}")
    found = f"assign found = (seen == {k}'d{n}) && "
    keeps = _mutant(task, f"begin hist <= {n}'d0; seen <= {k}'d0; end",
                    f"begin seen <= {k}'d0; end")
    return task, {"counts-history-under-reset": _mutant(task, found, "assign found = "),
                  "keeps-history-across-reset": keeps.replace(found, "assign found = ")}


def _mutant(task: dict[str, Any], old: str, new: str) -> str:
    code = to_top_module(task["reference"])
    assert old in code, old
    return code.replace(old, new)


def fenced(code: str) -> str:
    return f"```verilog\n{code}```"


@pytest.mark.parametrize("build", [counter, fifo, sequence_detector])
def test_spec_violating_mutants_fail_on_every_seed(build: Any) -> None:
    for seed in range(8):
        task, mutants = build(seed)
        oracle = verify_verilog(task, fenced(to_top_module(task["reference"])))
        assert oracle.passed, (seed, oracle.reason)
        for name, code in mutants.items():
            verdict = verify_verilog(task, fenced(code))
            assert verdict.reward == 0.0 and verdict.details["stage"] == "simulated", \
                (build.__name__, seed, name, verdict.reason)


def test_the_stimulus_is_long_and_counted() -> None:
    task, _ = counter(0)
    bench = generated_testbench(task, "TopModule", "t0")
    # two reset cycles, 300 random, 1000 biased, 64 releases of 7 cycles; 3 samples a cycle
    assert bench.samples == 3 * (2 + 300 + 1000 + 64 * 7) - 1
    assert bench.scope_names == {"sample_t0", "cycle_t0", "randomize_t0", "run_all_t0"}
    assert "RefModule" not in bench.text and "TopModule mut_i" in bench.text
