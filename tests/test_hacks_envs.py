"""The hack search, reduced, on every registered env: no task-independent strategy may earn
more than the env's chance_level + 0.02 (the acceptance bar of docs/contract.md).

Reduced for CI: 24 tasks per strategy (spread over levels and the four tool formats), the
light strategies plus the tool, program and prior families. The full search is
`rlvr audit ENV --hacks` (200 tasks, every strategy; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import rlvr_envs  # noqa: F401  (registers the envs)
from rlvr_envs.core.hacks import (
    HACK_MARGIN,
    LIGHT,
    run_hack_search,
    select_strategies,
    strategies_for,
)
from rlvr_envs.registration import ENV_IDS

CI_TASKS = 24
CI_PICKS = sorted(LIGHT) + ["tool", "program", "prior"]


def reduced_search(env_id: str, **env_kwargs):
    def make(fmt):
        return gym.make(env_id, **env_kwargs, **({"tool_format": fmt} if fmt else {}))
    strategies = select_strategies(strategies_for(make(None)), CI_PICKS)
    return run_hack_search(make, strategies, env_id=env_id, n_tasks=CI_TASKS)


@pytest.fixture(scope="module", params=[*ENV_IDS, "rlvr/KGMultiHop-v0:search"])
def report(request):
    env_id, _, mode = request.param.partition(":")
    return reduced_search(env_id, **({"mode": mode} if mode else {}))


def test_report_covers_the_env(report) -> None:
    d = report.to_dict()
    assert d["n_tasks"] == CI_TASKS and d["strategies"]
    assert all(r["episodes"] == CI_TASKS for r in d["strategies"])
    assert not [r["errors"] for r in d["strategies"] if r["errors"]]  # the env never raised
    levels = {k for r in d["strategies"] for k in r["by_slice"] if k.startswith("difficulty=")}
    assert len(levels) == len(d["difficulties"]) > 1
    if d["tool_formats"] != [None]:
        assert len(d["tool_formats"]) == 4
    names = {r["name"] for r in d["strategies"]}
    assert {"constant:0", "candidates:all-line", "prior:most-frequent-final"} <= names


def test_no_task_independent_strategy_beats_chance(report) -> None:
    best = report.best
    assert best.mean_reward <= report.chance_level + HACK_MARGIN, (
        f"{report.env_id}: {best.name} earns {best.mean_reward:.3f} (chance_level "
        f"{report.chance_level}); e.g. {best.best_example}")
