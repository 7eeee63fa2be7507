"""A design memorised for one procedural task must not solve another (issue #14's prior
attack earned 0.22-0.26 by replaying each family's most frequent oracle design).

Bounds and why (the samples are seeded, so each test is deterministic; the bounds say what a
pass certifies about the generator):

* most frequent oracle design, 600 tasks per family x level: at most 12 (2%). A design with
  a true share of 4% (twice the target) would show 12 or fewer times with probability 0.006
  (Binomial(600, 0.04) has mean 24, sd 4.8), so a pass rules it out. The generators measure
  <= 0.8% at 3000 tasks (docs/envs/verilog.md).
* task i's oracle on task j, 60 random pairs per family: at most 2 passes. A cross-task
  pass rate of 15% would give 2 or fewer passes with probability 0.006.
* the same with the interface matched (same port shape, design renamed to task j's ports,
  parameters still different), 30 pairs per family: at most 1 pass. A testbench blind to 15%
  of parameter differences would give 1 or fewer with probability 0.048.

On the generators and verifier before this change (fixed port names, narrow parameters,
port widths not checked) 24 of these tests fail: the top share for 11 of the 12 families
(decoder: 6 designs, top share 0.51 at level 1), cross-task passes for 7 (popcount 109 of
200 pairs), the width and extra-port tests (a 64-bit popcount passed a 4-bit task).
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from test_verilog_families import judged

from rlvr_envs.envs.verilog.families import FAMILIES, make_verilog_source
from rlvr_envs.envs.verilog.families.diversity import (
    cross_pairs,
    functional_pairs,
    oracle_design,
    top_share,
)
from rlvr_envs.envs.verilog.simulate import verify_verilog

SOURCE = make_verilog_source(seed=0)
NAMES = sorted(FAMILIES)


def _tasks(family: str, n: int, seed: int, level: int | None = None) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [SOURCE.sample(rng, difficulty=level, family=family) for _ in range(n)]


def _passes(pairs: list[tuple[dict, str]]) -> int:
    with ThreadPoolExecutor(2) as pool:
        return sum(pool.map(lambda it: judged(*it).passed, pairs))


@pytest.mark.parametrize("family", NAMES)
def test_the_most_frequent_oracle_design_is_rare_at_every_level(family: str) -> None:
    for level in FAMILIES[family].difficulties:
        tasks = [SOURCE.build(family, level, i) for i in range(600)]
        assert top_share(tasks) <= 0.02, (family, level, top_share(tasks))


@pytest.mark.parametrize("family", NAMES)
def test_a_design_for_one_task_fails_other_tasks(family: str) -> None:
    pairs = cross_pairs(_tasks(family, 120, seed=1))
    assert len(pairs) == 60
    # control: each target's own design passes (a broken simulator would fail everything)
    assert _passes([(t, oracle_design(t)) for t, _ in pairs[:3]]) == 3
    assert _passes(pairs) <= 2


@pytest.mark.parametrize("family", NAMES)
def test_the_testbench_tells_parameters_apart_beyond_names(family: str) -> None:
    pairs = functional_pairs(_tasks(family, 600, seed=2), 30, seed=3)
    assert len(pairs) == 30, "too few tasks share an interface shape to compare"
    assert _passes([(t, oracle_design(t)) for t, _ in pairs[:3]]) == 3  # control
    assert _passes(pairs) <= 1


def test_every_port_name_the_families_use_compiles(tmp_path: Path) -> None:
    # a pool name that is a (System)Verilog keyword (`dist`, `table`, ...) would break the
    # reference of every task that draws it
    names = {p["name"] for f, fam in FAMILIES.items() for d in fam.difficulties
             for i in range(150) for p in SOURCE.build(f, d, i)["ports"]}
    assert len(names) > 150
    # the generated testbench's own identifiers: tb_fd, tb_i, tb_out_<port>, ..., mut_i
    assert not {n for n in names if n.startswith("tb_") or n in ("tb", "mut_i")}
    src = tmp_path / "names.sv"
    src.write_text("module TopModule(" + ", ".join(f"input {n}" for n in sorted(names))
                   + ");\nendmodule\n")
    run = subprocess.run(["iverilog", "-g2012", "-o", str(tmp_path / "a.out"), str(src)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def _popcount_task() -> dict:
    """A level-1 popcount task that counts ones (no mask)."""
    for i in range(100):
        task = SOURCE.build("popcount", 1, i)
        src = task["ports"][0]["name"]
        if len(task["ports"]) == 2 and f"+ {src}[i];" in task["reference"]:
            return task
    raise AssertionError("no level-1 popcount of ones among 100 tasks")


def test_a_design_wider_than_the_interface_fails() -> None:
    # Icarus pads or truncates a port of another width, so the widest popcount would pass
    # every narrower task of the family; the verifier requires the interface's widths.
    task = _popcount_task()
    src, out = task["ports"][0]["name"], task["ports"][1]["name"]
    widest = (f"module TopModule(input [63:0] {src}, output reg [6:0] {out});\n  integer k;\n"
              f"  always @(*) begin\n    {out} = 0;\n"
              f"    for (k = 0; k < 64; k = k + 1) {out} = {out} + {src}[k];\n  end\nendmodule")
    verdict = verify_verilog(task, f"```verilog\n{widest}\n```")
    assert not verdict.passed and verdict.details["stage"] == "compile"
    assert f"port '{src}' is 64 bits wide in your design but" in verdict.reason


def test_extra_ports_fail_and_parameterised_or_non_ansi_headers_pass() -> None:
    task = _popcount_task()
    (src, n), (out, k) = ((p["name"], p["width"]) for p in task["ports"])
    body = (f"  integer j;\n  always @(*) begin\n    {out} = 0;\n"
            f"    for (j = 0; j < {n}; j = j + 1) {out} = {out} + {src}[j];\n  end\n")
    param = (f"module TopModule #(parameter N = {n}) (input [N-1:0] {src}, "
             f"output reg [{k - 1}:0] {out});\n{body}endmodule")
    non_ansi = (f"module TopModule({src}, {out});\n  input [{n - 1}:0] {src};\n"
                f"  output reg [{k - 1}:0] {out};\n{body}endmodule")
    for design in (param, non_ansi):
        verdict = verify_verilog(task, f"```verilog\n{design}\n```")
        assert verdict.passed, verdict.reason
    extra = param.replace(f"output reg [{k - 1}:0] {out})", f"output reg [{k - 1}:0] {out}, "
                          "input spare, output other)")
    verdict = verify_verilog(task, f"```verilog\n{extra}\n```")
    assert not verdict.passed and verdict.details["stage"] == "lint"
    assert "other, spare that the interface does not have" in verdict.reason


@pytest.mark.parametrize("family", NAMES)
def test_levels_scale(family: str) -> None:
    # wider ports with each level; FSMs and sequence detectors keep 1-bit ports and grow
    # in states and pattern length instead (so their references grow)
    size = {d: [SOURCE.build(family, d, i) for i in range(60)] for d in FAMILIES[family].difficulties}
    widths = [np.mean([sum(p["width"] for p in t["ports"]) for t in ts]) for ts in size.values()]
    refs = [np.mean([len(t["reference"]) for t in ts]) for ts in size.values()]
    grows = refs if family in ("fsm", "sequence_detector") else widths
    assert all(a < b for a, b in zip(grows, grows[1:], strict=False)), (widths, refs)


def test_oracle_design_is_the_reference_renamed() -> None:
    task = SOURCE.build("fifo", 3, 4)
    design = oracle_design(task)
    assert "module TopModule" in design and "RefModule" not in design
    assert verify_verilog(task, design).passed
