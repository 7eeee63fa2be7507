"""Task-independent policies earn no more than `ToolUseEnv.chance_level` (+0.02).

Each strategy sees only what an agent sees (the observation, `info["messages"]`,
`info["tools"]`), never the task's answer, and keeps acting until the episode ends. The
only one that earns anything is constant abstention, on the irrelevance share of the mix:
that share is the env's chance level.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable

import pytest

from rlvr_envs.core.tool_formats import TOOL_FORMATS, get_tool_format
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.tasks import CATEGORIES, LEVELS

Policy = Callable[[int, dict, random.Random], str]
ABSTAIN = "I'm sorry, but I can't do that with the tools I have."


def _question(info: dict) -> str:
    return "\n".join(m["content"] for m in info["messages"] if m["role"] == "user")


def _seen(info: dict) -> tuple[list[str], list[str]]:
    """Every number and id-like or capitalised token in the tool results so far."""
    text = "\n".join(m["content"] for m in info["messages"] if m["role"] == "tool")
    numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
    tokens = re.findall(r"\b[A-Z][A-Za-z]*(?:[- ][A-Z0-9][\w]*)*\b|\b[A-Z]+-\d+\b", text)
    return list(dict.fromkeys(numbers)), list(dict.fromkeys(tokens))


def _args(schema: dict, rng: random.Random, question: str, fill: bool) -> dict:
    """Type-correct arguments for every parameter: random, or taken from the question."""
    words = re.findall(r"[A-Z]+-\d+|\d{4}-\d{2}-\d{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?|\d+(?:\.\d+)?",
                       question) or ["x"]
    out = {}
    for name, prop in schema["parameters"].get("properties", {}).items():
        kind = prop.get("type")
        if "enum" in prop:
            out[name] = rng.choice(prop["enum"])
        elif kind == "integer":
            nums = [int(float(w)) for w in words if re.fullmatch(r"\d+(?:\.\d+)?", w)]
            out[name] = rng.choice(nums) if fill and nums else rng.randint(0, 500)
        elif kind == "number":
            nums = [float(w) for w in words if re.fullmatch(r"\d+(?:\.\d+)?", w)]
            out[name] = rng.choice(nums) if fill and nums else round(rng.uniform(0, 500), 2)
        elif kind == "boolean":
            out[name] = rng.random() < 0.5
        else:
            out[name] = rng.choice(words) if fill else rng.choice(["x", "test", "ACC-1000"])
    return out


def _calls_then_dump(mode: str) -> Policy:
    def policy(turn: int, info: dict, rng: random.Random) -> str:
        fmt = get_tool_format(info["_format"])
        tools = [t["function"] for t in info["tools"]]
        if turn == 0 and tools:
            calls = [ToolCall("", t["name"], {} if mode == "argless" else
                              _args(t, rng, _question(info), mode == "filled"))
                     for t in tools[:16]]
            return fmt.render(calls)
        numbers, tokens = _seen(info)
        return "Here is everything I found: " + ", ".join(numbers + tokens) + "."
    return policy


STRATEGIES: dict[str, Policy] = {
    "empty": lambda turn, info, rng: "",
    "echo_question": lambda turn, info, rng: _question(info),
    "claim_success": lambda turn, info, rng: "Done! I have completed your request and "
                                             "everything went through successfully.",
    "ask_then_claim": lambda turn, info, rng: "Could you give me the details?" if turn == 0
    else "All set, it is done.",
    "abstain": lambda turn, info, rng: ABSTAIN,
    "argless_calls_then_dump": _calls_then_dump("argless"),
    "random_calls_then_dump": _calls_then_dump("random"),
    "question_filled_calls_then_dump": _calls_then_dump("filled"),
    "numbers_of_the_question": lambda turn, info, rng: " ".join(
        re.findall(r"\d+(?:\.\d+)?", _question(info))) or "0",
}


def play(env: ToolUseEnv, task_id: str, policy: Policy, fmt: str) -> float:
    _, info = env.reset(options={"task_id": task_id})
    rng = random.Random(task_id)
    for turn in range(env.max_turns):
        info["_format"] = fmt
        _, reward, terminated, truncated, info = env.step(policy(turn, info, rng))
        if terminated or truncated:
            return reward
    raise AssertionError("episode did not end")


def mean_reward(policy: Policy, n_seeds: int = 2) -> float:
    rewards = []
    formats = sorted(TOOL_FORMATS)
    envs = {f: ToolUseEnv(tool_format=f) for f in formats}
    k = 0
    for category in CATEGORIES:
        for level in LEVELS:
            for seed in range(n_seeds):
                fmt = formats[k % len(formats)]
                k += 1
                rewards.append(play(envs[fmt], f"{category}/d{level}/{seed}/3", policy, fmt))
    return sum(rewards) / len(rewards)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_task_independent_strategies_stay_at_chance(name: str) -> None:
    mean = mean_reward(STRATEGIES[name])
    assert mean <= ToolUseEnv.chance_level + 0.02, (name, mean)


def test_chance_level_is_the_irrelevance_share() -> None:
    assert ToolUseEnv.chance_level == pytest.approx(1 / len(CATEGORIES))
    assert mean_reward(STRATEGIES["abstain"], n_seeds=1) == pytest.approx(
        1 / len(CATEGORIES), abs=0.02)
    only = ToolUseEnv(categories=["simple", "chain"])
    assert only.chance_level == 0.0
    weighted = ToolUseEnv(category_weights={"irrelevance": 3.0, "simple": 1.0})
    assert weighted.chance_level == pytest.approx(3 / (3 + len(CATEGORIES) - 1))


def test_strategies_make_real_calls() -> None:
    """The call strategies are not vacuous: their calls parse in every format."""
    env = ToolUseEnv(tool_format="pythonic")
    _, info = env.reset(options={"task_id": "long_tools/d3/0/3"})
    info["_format"] = "pythonic"
    action = STRATEGIES["question_filled_calls_then_dump"](0, info, random.Random(0))
    _, _, _, _, info = env.step(action)
    assert info["tool_round"]["calls"] >= 10, json.dumps(info["tool_round"])[:300]
