"""Task-independent strategies earn no more than the env's chance level (0): a reduced run
of `python -m rlvr_envs.envs.kg.strategies` over every level and both modes."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.strategies import View, evaluate, learn_prior, library, play

MARGIN = 0.02  # the acceptance bar: chance level + 0.02 mean reward


@pytest.mark.parametrize("mode", ["context", "search"])
def test_no_task_independent_strategy_beats_chance(mode: str) -> None:
    report = evaluate(modes=[mode], tasks=24, train_seeds=range(100_000, 100_060))[mode]
    assert len(report) >= 20 and {"abstain", "frequent_gold", "top_hit"} <= set(report)
    for name, row in report.items():
        assert row["n"] == 24 * 5
        assert row["mean_reward"] <= KGMultiHopEnv.chance_level + MARGIN, (name, row)


def test_always_abstaining_earns_nothing_even_where_every_question_is_unanswerable() -> None:
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    for strategy in library():
        if strategy.name.startswith("abstain"):
            rewards = [play(env, strategy, seed, level)[0] for seed in range(10)
                       for level in (2, 5)]
            assert max(rewards) == 0.0, strategy.name


def test_the_gold_solver_abstains_correctly_with_the_missing_entity() -> None:
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    for seed in range(10):
        env.reset(seed=seed, options={"difficulty": 4})
        action = env.oracle_action()
        assert f"Missing: {env.task['removed']}" in action
        *_, info = env.step(action)
        assert info["verdict"]["reward"] == pytest.approx(1.0)


def test_the_prior_is_the_most_frequent_gold_of_training_tasks() -> None:
    env = KGMultiHopEnv()
    prior = learn_prior(env, range(200, 260), [5])
    answers = []
    for seed in range(200, 260):
        env.reset(seed=seed, options={"difficulty": 5})
        if env.task["template"] == "composition":
            answers.append(env.task["answer"])
    top = max(set(answers), key=answers.count)
    assert answers.count(prior[("composition", 5)]) == answers.count(top)


def test_strategies_read_only_what_the_policy_sees() -> None:
    env = KGMultiHopEnv()
    obs, info = env.reset(seed=3)
    view = View([obs], env.tool_format.render, info["task"]["family"], 1)
    assert view.question == env.task["question"]
    assert [t for _, t, _ in view.documents()] == [t for _, t, _ in env._docs]
    search = KGMultiHopEnv(mode="search")
    obs, info = search.reset(seed=3)
    act = {s.name: s for s in library()}["top_hit"].act
    first = act(View([obs], search.tool_format.render))
    assert "<tool_call>" in first and '"search"' in first
