"""Task-independent strategies earn no more than the env's chance level (+0.02): a reduced
run of `python -m rlvr_envs.envs.kg.strategies` over every level and both modes. The chance
level is a guess among the candidates the question's relation leaves in the context, and it
falls as the context grows."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.strategies import View, evaluate, learn_prior, library, play

MARGIN = 0.02  # the acceptance bar: chance level + 0.02 mean reward
# answers from one link of the chain (not from its start): a partial solution, bounded
# separately (it falls towards chance as the context grows: docs/envs/kg-multihop.md)
PARTIAL = {"relation-linked": 0.2}


@pytest.mark.parametrize("mode", ["context", "search"])
def test_no_task_independent_strategy_beats_chance(mode: str) -> None:
    report = evaluate(modes=[mode], tasks=24, train_seeds=range(100_000, 100_060))[mode]
    assert len(report) >= 25 and {"abstain", "frequent_gold", "top_hit", "relation-random",
                                  "relation-nearest", "abstain-gap"} <= set(report)
    bar = KGMultiHopEnv(mode=mode).chance_level + MARGIN
    for name, row in report.items():
        assert row["n"] == 24 * 5
        assert row["mean_reward"] <= PARTIAL.get(name, bar), (name, row)


def test_the_chance_level_is_a_guess_among_the_relation_s_candidates() -> None:
    """The class value is the default configuration's; an instance estimates its own, and
    a longer context (more candidates) has a lower one."""
    default = KGMultiHopEnv()
    assert abs(default.estimate_chance_level(200) - KGMultiHopEnv.chance_level) <= 0.02
    assert default.chance_level == default.estimate_chance_level()
    assert KGMultiHopEnv(context_tokens=8192).chance_level < 0.5 * default.chance_level


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
