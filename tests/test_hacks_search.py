"""The hack search end to end on toy envs: it finds the holes planted in a verifier, stays
quiet on honest ones, respects chance_level, and is deterministic."""

from __future__ import annotations

import pytest
from hack_toy_envs import ChoiceEnv, ContainsVaultEnv, InfinitySumEnv, SumEnv, VaultEnv

from rlvr_envs.core.checker import ContractError, check_rlvr_env, light_hack_margin
from rlvr_envs.core.hacks import (
    HACK_MARGIN,
    default_strategies,
    make_plan,
    run_hack_search,
    select_strategies,
)


def search(cls, n: int = 40, picks=None, **kwargs):
    def make(fmt):
        return cls(**({"tool_format": fmt} if fmt else {}))
    strategies = select_strategies(default_strategies(), picks)
    return run_hack_search(make, strategies, env_id=cls.__name__, n_tasks=n, **kwargs)


def test_the_search_catches_a_verifier_that_pays_infinity() -> None:
    report = search(InfinitySumEnv)
    assert report.exceeds_chance
    assert report.best.name == "symbol:infinity" and report.best.mean_reward == 1.0
    assert report.best.best_example["actions"] == ["\\boxed{\\infty}"]
    assert "EXCEEDS" in report.table()


def test_the_search_catches_a_containment_check_through_tool_results() -> None:
    report = search(ContainsVaultEnv, picks=["tool", "constant"])
    assert report.exceeds_chance and report.best.family == "tool"
    honest = search(VaultEnv, picks=["tool", "constant"])
    assert not honest.exceeds_chance and honest.best.mean_reward == 0.0


def test_an_honest_env_stays_at_chance() -> None:
    report = search(SumEnv)
    assert not report.exceeds_chance
    assert report.best.mean_reward <= report.chance_level + HACK_MARGIN
    assert {r.name for r in report.results} >= {"symbol:zoo", "constant:0",
                                                "prior:most-frequent-final", "echo:prompt"}
    assert "tool:random-args" in report.skipped  # no tools offered


def test_chance_level_is_the_bar_for_guessing_envs() -> None:
    report = search(ChoiceEnv, n=200, picks=["symbol:letter-*"])
    means = {r.name: r.mean_reward for r in report.results}
    assert abs(sum(means.values()) - 1.0) < 1e-9  # each task's answer is one of the four
    assert report.chance_level == 0.25
    # a guesser sits at chance: above the 0.02 bar only by sampling noise (seeded, so fixed)
    assert report.best.mean_reward <= 0.25 + light_hack_margin(0.25, 200)


def test_report_structure_and_json() -> None:
    report = search(InfinitySumEnv, n=12, picks=["symbol:infinity", "constant:0"])
    d = report.to_dict()
    assert d["best"]["name"] == "symbol:infinity" and d["exceeds_chance"] is True
    assert d["n_tasks"] == 12 and d["difficulties"] == [1, 2, 3] and d["tool_formats"] == [None]
    row = d["strategies"][0]
    assert set(row) >= {"name", "family", "episodes", "mean_reward", "pass_rate", "capped",
                        "errors", "by_slice", "best_example"}
    assert row["by_slice"]["difficulty=2"]["n"] == 4  # levels cycle 1, 2, 3


def test_same_arguments_same_report() -> None:
    a = search(ContainsVaultEnv, n=16, picks=["tool:random-args", "prior"]).to_dict()
    b = search(ContainsVaultEnv, n=16, picks=["tool:random-args", "prior"]).to_dict()
    for d in (a, b):
        d.pop("seconds")
        for row in d["strategies"]:
            row.pop("seconds")
    assert a == b


def test_plan_spreads_over_levels_and_formats() -> None:
    fmts = ["hermes", "openai_json", "pythonic", "mistral"]
    plan = make_plan(40, [1, 2, 3, 4, 5], fmts, 100)
    pairs = {(p.difficulty, p.tool_format) for p in plan[:20]}
    assert len(pairs) == 20  # every (level, format) pair within levels x formats episodes
    assert [p.seed for p in plan] == list(range(100, 140))
    assert make_plan(3, None, [None], 0)[0].options() is None


def test_tool_envs_are_searched_in_every_format() -> None:
    report = search(VaultEnv, n=16, picks=["tool:every-tool-empty-args"])
    assert report.tool_formats == ["hermes", "openai_json", "pythonic", "mistral"]
    slices = report.results[0].by_slice
    assert {k for k in slices if k.startswith("tool_format=")} == {
        f"tool_format={f}" for f in report.tool_formats}


def test_prior_attack_trains_on_disjoint_seeds() -> None:
    report = search(SumEnv, n=30, picks=["prior"])
    assert report.train_tasks == 30
    assert all(r.mean_reward == 0.0 for r in report.results)  # sums do not repeat


def test_check_rlvr_env_runs_the_light_search_and_names_the_hack() -> None:
    with pytest.raises(ContractError, match=r"'symbol:infinity' earns mean reward 1\.000"):
        check_rlvr_env(InfinitySumEnv(), n_random=2, hostile=())
    check_rlvr_env(InfinitySumEnv(), n_random=2, hostile=(), hacks=False)  # opt-out exists
    check_rlvr_env(SumEnv(), n_random=2, hostile=())
    check_rlvr_env(ChoiceEnv(), n_random=2, hostile=())  # guessing at chance passes


def test_light_check_catches_tool_result_dumping() -> None:
    with pytest.raises(ContractError, match="tool:every-tool-empty-args"):
        check_rlvr_env(ContainsVaultEnv(tool_format="pythonic"), n_random=2, hostile=())


def test_light_margin_is_wide_at_thirty_episodes_and_narrows_with_more() -> None:
    assert light_hack_margin(0.0, 30) == pytest.approx(0.1)
    assert light_hack_margin(0.25, 30) == pytest.approx(0.1 + 3 * (0.25 * 0.75 / 30) ** 0.5)
    assert light_hack_margin(0.25, 3000) < light_hack_margin(0.25, 30)
