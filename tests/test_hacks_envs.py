"""The hack search, reduced, on every registered env: no task-independent strategy may earn
more than the env's chance_level + 0.02 (the acceptance bar of docs/contract.md).

Reduced for CI: 48 tasks per strategy (spread over levels and the four tool formats), the
light strategies plus the tool, program and prior families. The full search is
`rlvr audit ENV --hacks` (200 tasks, every strategy; figures in docs/benchmarks.md).

On 48 tasks one lucky pass is a mean of 0.021, above the bar whatever the strategy's true
mean: `ecommerce:first-search-hit` passes 1 of the first 24 tasks and 0.004 over 600. So a
strategy fails the test when its reward total is too high to come from a policy at the bar:
under a binomial at `chance_level + 0.02` (a policy whose rewards are in [0, 1] and that
earns the bar), fewer than 1% of samples reach its (rounded-up) total. On a bar of 0.02 a
strategy at 0.15 fails in 87% of 48-task samples, one at 0.10 in 53%: this is a smoke
test; the 200-task search in docs/benchmarks.md is the measurement.
"""

from __future__ import annotations

import math

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

CI_TASKS = 48
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


def above_bar_p_value(total: float, n: int, bar: float) -> float:
    """P(a binomial(n, bar) reaches ceil(total)): how likely a policy that earns `bar`
    scores this total by luck."""
    k = math.ceil(total - 1e-9)
    return sum(math.comb(n, i) * bar**i * (1 - bar) ** (n - i) for i in range(k, n + 1))


def test_the_p_value_rejects_a_strategy_well_above_the_bar() -> None:
    assert above_bar_p_value(1, 48, 0.02) > 0.3          # one lucky pass is noise
    assert above_bar_p_value(7, 48, 0.02) < 0.001        # 0.15 is not
    assert above_bar_p_value(0, 48, 0.02) == pytest.approx(1.0)


def test_no_task_independent_strategy_beats_chance(report) -> None:
    bar = report.chance_level + HACK_MARGIN
    for r in report.results:
        p = above_bar_p_value(r.total_reward, r.episodes, bar)
        assert p >= 0.01, (
            f"{report.env_id}: {r.name} earns {r.mean_reward:.3f} over {r.episodes} tasks "
            f"(chance_level {report.chance_level}; p = {p:.4f} at the bar); "
            f"e.g. {r.best_example}")
