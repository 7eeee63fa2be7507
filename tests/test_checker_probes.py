"""`check_rlvr_env` catches what a newcomer's env gets wrong (issue #18): a crash on a huge
number in the answer or in a tool call's arguments, and a multi-turn env without
`default_max_turns` (Gymnasium's "truncates after 1 step", now with a hint)."""

from __future__ import annotations

import json
import random
import re

import pytest

from rlvr_envs.core import MultiTurnTextEnv, ProceduralSource, Turn, Verdict
from rlvr_envs.core.checker import (
    HOSTILE_ARGUMENTS,
    ContractError,
    check_rlvr_env,
    hostile_tool_calls,
)

BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)
DOUBLE_TOOL = {"type": "function", "function": {
    "name": "double", "description": "Twice a number.",
    "parameters": {"type": "object", "properties": {"n": {"type": "number"}},
                   "required": ["n"]}}}


class _Sum:
    name, difficulties = "sum", (1,)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        a, b = rng.randint(1, 99), rng.randint(1, 99)
        return {"question": f"{a}+{b}?", "answer": a + b}


class NaiveSumEnv(MultiTurnTextEnv):
    """Compares int(the boxed answer): fine until a model writes 5000 digits."""

    domain = "naive-sum"

    def make_task_source(self, seed):
        return ProceduralSource([_Sum()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        return task["question"] + " Answer in \\boxed{}."

    def respond(self, action):
        m = BOXED.findall(action)
        ok = bool(m) and m[-1].strip().isdigit() and int(m[-1]) == self.task["answer"]
        return Turn("Done.", terminated=True,
                    verdict=Verdict.success() if ok else Verdict.fail("wrong"))

    def oracle_action(self):
        return f"\\boxed{{{self.task['answer']}}}"


class SafeSumEnv(NaiveSumEnv):
    def respond(self, action):
        m = BOXED.findall(action)
        ok = bool(m) and m[-1].strip() == str(self.task["answer"])  # compare text, no int()
        return Turn("Done.", terminated=True,
                    verdict=Verdict.success() if ok else Verdict.fail("wrong"))


class NaiveToolEnv(SafeSumEnv):
    """Offers a `double` tool that trusts its argument to be a small finite number."""

    default_max_turns = 3
    tolerant = False

    def tool_schemas(self, task):
        return [DOUBLE_TOOL]

    def respond(self, action):
        calls = TOOL_CALL.findall(action)
        if not calls:
            return super().respond(action)
        try:
            n = json.loads(calls[0])["arguments"]["n"]
        except (ValueError, KeyError, TypeError):  # malformed calls are answered, not raised
            return Turn("error: malformed tool call")
        try:
            result = str(int(2 * n))  # 1e999 -> inf -> OverflowError, [] -> TypeError
        except (ValueError, TypeError, OverflowError) as e:
            if not self.tolerant:
                raise
            result = f"error: {type(e).__name__}"
        return Turn(result)


class TolerantToolEnv(NaiveToolEnv):
    tolerant = True


class GuessWithoutTurnLimit(SafeSumEnv):
    """Multi-turn feedback, but no `default_max_turns`: it stays 1."""

    def respond(self, action):
        if BOXED.findall(action) == [str(self.task["answer"])]:
            return Turn("Yes.", terminated=True, verdict=Verdict.success())
        return Turn("No, try again.")


FAST = {"seeds": (0,), "n_random": 2, "hacks": False}


def test_an_env_that_crashes_on_a_5000_digit_answer_fails_the_check():
    with pytest.raises(ContractError, match=r"hostile action '\\\\boxed\{9999.*ValueError"):
        check_rlvr_env(NaiveSumEnv(), gym_check=False, **FAST)
    check_rlvr_env(SafeSumEnv(), gym_check=False, **FAST)


def test_every_offered_tool_gets_huge_and_mistyped_arguments():
    actions = hostile_tool_calls(NaiveToolEnv(), seed=0)
    assert len(actions) == len(HOSTILE_ARGUMENTS)
    assert '"n": ' + "9" * 5000 in actions[0] and '"n": 1e999' in actions[2]
    with pytest.raises(ContractError, match="hostile tool call .*(ValueError|OverflowError)"):
        check_rlvr_env(NaiveToolEnv(), gym_check=False, check_oracle=False, **FAST)
    check_rlvr_env(TolerantToolEnv(), gym_check=False, check_oracle=False, **FAST)
    assert hostile_tool_calls(SafeSumEnv(), seed=0) == []  # no tools, no tool probes


def test_a_multi_turn_env_without_default_max_turns_gets_a_hint():
    with pytest.raises(ContractError, match="truncates after 1 step.*default_max_turns"):
        check_rlvr_env(GuessWithoutTurnLimit(), **FAST)
    GuessWithoutTurnLimit.default_max_turns = 4
    try:
        check_rlvr_env(GuessWithoutTurnLimit(), **FAST)
    finally:
        del GuessWithoutTurnLimit.default_max_turns
