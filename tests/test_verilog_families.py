"""Every generated reference must earn 1.0 on its own testbench; ids rebuild tasks; cheap
wrong designs (constant outputs, the other reset kind or polarity) fail."""

from __future__ import annotations

import re
import time

import pytest

from rlvr_envs.core import Verdict
from rlvr_envs.envs.verilog.env import to_top_module
from rlvr_envs.envs.verilog.families import FAMILIES, SEQUENTIAL, make_verilog_source
from rlvr_envs.envs.verilog.simulate import verify_verilog

SOURCE = make_verilog_source(seed=0)
CASES = [(name, level) for name, fam in sorted(FAMILIES.items()) for level in fam.difficulties]


def fenced(design: str) -> str:
    return f"```verilog\n{design}```"


def judged(task: dict, response: str) -> Verdict:
    """The verdict, retried while it is an infra error (a run starved on a loaded machine says
    nothing about the design; counted as a failure it would hide a pass)."""
    for attempt in range(5):
        verdict = verify_verilog(task, response)
        if not verdict.infra_error:
            return verdict
        time.sleep(1.0 + 2 * attempt)   # a burst of load passes
    raise AssertionError(f"{task['id']}: infra error 5 times: {verdict.reason}")


@pytest.mark.parametrize(("family", "level"), CASES)
def test_reference_passes_its_own_testbench(family: str, level: int) -> None:
    for index in range(4):
        task = SOURCE.build(family, level, index)
        verdict = judged(task, fenced(to_top_module(task["reference"])))
        assert verdict.passed, (task["id"], verdict.reason)
        assert verdict.details["samples"] >= 4  # 2-input truth tables: exhaustive


def test_tasks_rebuild_from_ids_and_hide_the_reference() -> None:
    task = SOURCE.build("fsm", 3, 7)
    again = SOURCE.get(task["id"])
    assert again == task
    assert "RefModule" not in task["spec"] and "TopModule" in task["spec"]
    assert len(FAMILIES) >= 12


@pytest.mark.parametrize(("family", "level"), CASES)
def test_constant_and_echo_designs_fail(family: str, level: int) -> None:
    # designs that take the spec's ports and ignore its function: constants, and one data
    # input (or all of them concatenated) copied or inverted onto every output
    for index in range(3):
        task = SOURCE.build(family, level, index)
        ports = ", ".join(f"{p['dir']} [{p['width'] - 1}:0] {p['name']}" for p in task["ports"])
        skip = {task.get("clock"), (task.get("reset") or {}).get("name")}
        data = [p["name"] for p in task["ports"] if p["dir"] == "input" and p["name"] not in skip]
        cat = "{" + ", ".join(data) + "}"
        echoes = (data[0], f"~{data[-1]}", cat, f"~{cat}") if index == 0 and data else ()
        for value in ("0", "~0", *echoes):
            outs = "".join(f"  assign {p['name']} = {value};\n" for p in task["ports"]
                           if p["dir"] == "output")
            verdict = judged(task, fenced(f"module TopModule({ports});\n{outs}endmodule\n"))
            assert not verdict.passed, (task["id"], value)
            assert verdict.details["stage"] == "simulated", (task["id"], verdict.reason)


def _other_reset(task: dict, flip: str) -> str:
    """The oracle with the reset's polarity or its kind (sync/async) flipped."""
    design, rst, clk = to_top_module(task["reference"]), task["reset"]["name"], task["clock"]
    if flip == "polarity":
        design = re.sub(rf"if \((!?){rst}\)", lambda m: f"if ({'' if m.group(1) else '!'}{rst})",
                        design)
        return re.sub(rf"(pos|neg)edge {rst}\b",
                      lambda m: f"{'neg' if m.group(1) == 'pos' else 'pos'}edge {rst}", design)
    if task["reset"]["sync"]:
        edge = "negedge" if task["reset"]["active_low"] else "posedge"
        return design.replace(f"@(posedge {clk})", f"@(posedge {clk} or {edge} {rst})")
    return re.sub(rf"@\(posedge {clk} or \w+ {rst}\)", f"@(posedge {clk})", design)


@pytest.mark.parametrize("family", [f.name for f in SEQUENTIAL])
def test_the_other_reset_kind_or_polarity_fails(family: str) -> None:
    # sync and async resets differ only when the reset is asserted while an output differs
    # from its reset value: the detectors and FSMs get directed vectors that do that
    fam = FAMILIES[family]
    for index in range(3):
        task = SOURCE.build(family, fam.difficulties[index % len(fam.difficulties)], index)
        for flip in ("polarity", "kind"):
            design = _other_reset(task, flip)
            assert design != to_top_module(task["reference"])
            verdict = judged(task, fenced(design))
            assert not verdict.passed, (task["id"], flip)
