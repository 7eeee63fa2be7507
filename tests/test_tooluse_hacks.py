"""Task-independent policies earn no more than `ToolUseEnv.chance_level` (+0.02).

Each strategy sees only what an agent sees (an `EpisodeView`: observations,
`info["messages"]`, `info["tools"]`), never the task's answer, and keeps acting until the
episode ends. The strategies are the env's own (`ToolUseEnv.hack_strategies()`, which
`rlvr audit --hacks` plays too) and the core library's that mean something here. The only
one that earns anything is abstention, on the irrelevance share of the mix: that share is
the env's chance level.
"""

from __future__ import annotations

import json
import random
from functools import cache

import pytest

from rlvr_envs.core.hacks import EpisodeView, HackStrategy, default_strategies
from rlvr_envs.core.tool_formats import TOOL_FORMATS
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.strategies import FixedCallsPrior
from rlvr_envs.envs.tooluse.tasks import CATEGORIES, LEVELS

CORE = ("constant:empty", "echo:prompt", "claim:all-complete", "refusal:no-tool-can",
        "tool:every-tool-empty-args", "tool:random-args", "tool:random-args-each-value",
        "candidates:all-line")


@cache
def strategies() -> dict[str, HackStrategy]:
    out = {s.name: s for s in ToolUseEnv().hack_strategies()}
    out.update({s.name: s for s in default_strategies() if s.name in CORE})
    return out


def play(env: ToolUseEnv, task_id: str, strategy: HackStrategy, fmt: str) -> float:
    obs, info = env.reset(options={"task_id": task_id})
    view = EpisodeView([obs], info, fmt, random.Random(task_id))
    for _ in range(env.max_turns):
        obs, reward, terminated, truncated, info = env.step(strategy.act(view))
        view.observations.append(obs)
        view.info = info
        if terminated or truncated:
            return reward
    raise AssertionError("episode did not end")


def mean_reward(strategy: HackStrategy, n_seeds: int = 2) -> float:
    rewards = []
    formats = sorted(TOOL_FORMATS)
    envs = {f: ToolUseEnv(tool_format=f) for f in formats}
    k = 0
    for category in CATEGORIES:
        for level in LEVELS:
            for seed in range(n_seeds):
                fmt = formats[k % len(formats)]
                k += 1
                rewards.append(play(envs[fmt], f"{category}/d{level}/{seed}/3", strategy, fmt))
    return sum(rewards) / len(rewards)


@pytest.mark.parametrize("name", sorted(set(CORE) | {
    "tooluse:question-filled-calls", "tooluse:question-numbers", "tooluse:ask-then-claim",
    "tooluse:claim-success", "tooluse:fixed-calls-then-prior"}))
def test_task_independent_strategies_stay_at_chance(name: str) -> None:
    strategy = strategies()[name]
    if strategy.needs_oracle:
        strategy.fit([])
    mean = mean_reward(strategy)
    assert mean <= ToolUseEnv.chance_level + 0.02, (name, mean)


def test_the_prior_learns_templates_and_answers_from_them() -> None:
    """The prior is a real attack: it knows the request templates and answers them (a
    conversion computed from world knowledge is right), after calls with fixed arguments."""
    prior = strategies()["tooluse:fixed-calls-then-prior"]
    assert isinstance(prior, FixedCallsPrior)
    prior.fit([])
    assert len(prior.answers) >= 15 and sum(bool(c) for c in prior.calls.values()) >= 10
    calls, answer = prior._plan("Convert 12.5 mi to km.")
    assert answer == "12.5 mi is 20.12 km." and [c.name for c in calls] == ["convert_units"]
    assert calls[0].arguments["value"] != 12.5  # fixed arguments from a training task


def test_chance_level_is_the_irrelevance_share() -> None:
    assert ToolUseEnv.chance_level == pytest.approx(1 / len(CATEGORIES))
    assert mean_reward(strategies()["refusal:no-tool-can"], n_seeds=1) == pytest.approx(
        1 / len(CATEGORIES), abs=0.02)
    only = ToolUseEnv(categories=["simple", "chain"])
    assert only.chance_level == 0.0
    weighted = ToolUseEnv(category_weights={"irrelevance": 3.0, "simple": 1.0})
    assert weighted.chance_level == pytest.approx(3 / (3 + len(CATEGORIES) - 1))


def test_strategies_make_real_calls() -> None:
    """The call strategies are not vacuous: their calls parse in every format."""
    env = ToolUseEnv(tool_format="pythonic")
    obs, info = env.reset(options={"task_id": "long_tools/d3/0/3"})
    view = EpisodeView([obs], info, "pythonic", random.Random(0))
    _, _, _, _, info = env.step(strategies()["tooluse:question-filled-calls"].act(view))
    assert info["tool_round"]["calls"] >= 10, json.dumps(info["tool_round"])[:300]


def test_the_audit_hook_offers_the_strategies() -> None:
    names = {s.name for s in ToolUseEnv().hack_strategies()}
    assert "tooluse:fixed-calls-then-prior" in names
    bfcl_like = ToolUseEnv(tasks=[ToolUseEnv().task_source.get("simple/d1/0/0")])
    assert "tooluse:fixed-calls-then-prior" not in {s.name for s in bfcl_like.hack_strategies()}
