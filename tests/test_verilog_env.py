"""rlvr/Verilog-v0: the env contract, multi-turn feedback and rewards."""

from __future__ import annotations

import shutil

import gymnasium as gym
import pytest

import rlvr_envs  # noqa: F401 - registers the envs
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.envs.verilog.env import VerilogEnv, to_top_module

ADDER_TASK = {
    "id": "user/adder4",
    "spec": "A 4-bit adder: s = a + b (4 bits, the carry is dropped).",
    "ports": [{"name": "a", "dir": "input", "width": 4}, {"name": "b", "dir": "input", "width": 4},
              {"name": "s", "dir": "output", "width": 4}],
    "reference": "module RefModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
                 "  assign s = a + b;\nendmodule\n",
}


def fenced(code: str) -> str:
    return f"```verilog\n{code}\n```"


def test_check_rlvr_env() -> None:
    check_rlvr_env(gym.make("rlvr/Verilog-v0"))


def test_oracle_is_reference_renamed() -> None:
    env = gym.make("rlvr/Verilog-v0")
    env.reset(seed=3)
    action = env.unwrapped.oracle_action()
    assert "module TopModule" in action and "RefModule" not in action
    _, reward, terminated, _, info = env.step(action)
    assert reward == 1.0 and terminated and info["verdict"]["passed"]
    assert "reference" not in info["task"]


def test_feedback_then_resubmit() -> None:
    env = VerilogEnv(max_attempts=3)
    env.reset(options={"task": ADDER_TASK})
    obs, reward, terminated, _, _ = env.step(fenced(
        "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
        "  assign s = a + ;\nendmodule"))
    assert not terminated and reward == 0.0
    assert "TopModule.sv:2" in obs  # the design's own line number
    obs, _, terminated, _, _ = env.step(fenced(
        "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
        "  assign s = a - b;\nendmodule"))
    assert not terminated and "mismatches" in obs and "expected: s=" in obs and "got: s=" in obs
    obs, _, terminated, _, _ = env.step(fenced(
        "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
        "  initial $display(\"Mismatches: 0 in 1 samples\");\n  assign s = 0;\nendmodule"))
    assert terminated and "$display" in obs


def test_correct_on_second_attempt_and_breakdown() -> None:
    env = VerilogEnv(max_attempts=2)
    env.reset(options={"task": ADDER_TASK})
    env.step("I think it is an adder.")
    _, reward, terminated, _, info = env.step(fenced(to_top_module(ADDER_TASK["reference"])))
    verdict = info["verdict"]
    assert terminated and reward == 0.5  # attempt_rewards default: 1, 0.5, ...
    assert verdict["reward_breakdown"] == {"functional": 1.0, "attempt_penalty": -0.5}
    assert verdict["details"]["compiled"] and verdict["details"]["mismatches"] == 0
    assert verdict["details"]["samples"] == 256  # 8 input bits: exhaustive


def test_attempt_rewards_configurable() -> None:
    env = VerilogEnv(max_attempts=2, attempt_rewards=[1.0, 1.0])
    env.reset(options={"task": ADDER_TASK})
    env.step("no design yet")
    assert env.step(fenced(to_top_module(ADDER_TASK["reference"])))[1] == 1.0


def test_partial_reward() -> None:
    env = VerilogEnv(partial=True, max_attempts=1)
    env.reset(options={"task": ADDER_TASK})
    # correct except when a == 15: 16 of 256 samples wrong
    _, reward, terminated, _, info = env.step(fenced(
        "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
        "  assign s = (a == 4'd15) ? ~(a + b) : a + b;\nendmodule"))
    assert terminated and not info["verdict"]["passed"]
    assert reward == pytest.approx(1 - 16 / 256)


def test_missing_iverilog_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(RuntimeError, match="apt-get install iverilog"):
        VerilogEnv()


def test_bad_task_record_is_explained() -> None:
    with pytest.raises(ValueError, match="RefModule"):
        VerilogEnv(tasks=[{"spec": "x", "reference": "module Foo; endmodule",
                           "ports": ADDER_TASK["ports"]}])
