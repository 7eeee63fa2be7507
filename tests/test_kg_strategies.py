"""Task-independent strategies earn no more than the env's chance level (+0.02): a reduced
run of `python -m rlvr_envs.envs.kg.strategies` over every level and both modes. The chance
level is a guess among the candidates the question's relation leaves in the context, and it
falls as the context grows."""

from __future__ import annotations

import math

import pytest

from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.strategies import View, evaluate, learn_prior, library, play

MARGIN = 0.02  # the acceptance bar: chance level + 0.02 mean reward


def sampling_allowance(bar: float, n: int) -> float:
    """Two standard errors of a mean of `n` rewards of a guess paid with probability `bar`.
    The +0.02 bar is for the full run (`python -m rlvr_envs.envs.kg.strategies --tasks 200`:
    1,000 episodes per mode, one standard error 0.009); this test plays 120 episodes, where
    one standard error at chance (0.09) is 0.026 and a strategy exactly at chance
    crosses chance + 0.02 about one time in five (relation-nearest: 0.121 on these 120,
    0.088 over 600 context episodes, the same as relation-random, 0.089)."""
    return 2 * math.sqrt(bar * (1 - bar) / n)


@pytest.mark.parametrize("mode", ["context", "search"])
def test_no_task_independent_strategy_beats_chance(mode: str) -> None:
    report = evaluate(modes=[mode], tasks=24, train_seeds=range(100_000, 100_060))[mode]
    assert len(report) >= 25 and {"abstain", "frequent_gold", "top_hit", "relation-random",
                                  "relation-nearest", "abstain-gap"} <= set(report)
    n = 24 * 5
    bar = KGMultiHopEnv(mode=mode).chance_level + MARGIN
    for name, row in report.items():
        assert row["n"] == n
        assert row["mean_reward"] <= bar + sampling_allowance(bar, n), (name, row)


def test_the_chance_level_is_a_guess_among_the_relation_s_candidates() -> None:
    """The class value is the default configuration's; an instance estimates its own, and
    a longer context (more candidates) has a lower one."""
    default = KGMultiHopEnv()
    assert abs(default.estimate_chance_level(200) - KGMultiHopEnv.chance_level) <= 0.02
    assert default.chance_level == default.estimate_chance_level()
    assert KGMultiHopEnv(context_tokens=8192).chance_level < 0.5 * default.chance_level


def test_always_abstaining_earns_nothing_even_where_every_question_is_unanswerable() -> None:
    """Abstentions naming no entity, or one chosen without reading a document (the
    question's entity, a name without a document, the most mentioned name), earn nothing."""
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    for strategy in library():
        if strategy.name == "abstain" or strategy.name.startswith("abstain_"):
            rewards = [play(env, strategy, seed, level)[0] for seed in range(10)
                       for level in (2, 5)]
            assert max(rewards) == 0.0, strategy.name


def _gap_hop(task: dict) -> int:
    """Where the removed entity sits on its walk (1: the anchor document's own fact)."""
    return next(c.index(task["removed"]) for c in task["chain"] if task["removed"] in c)


def test_a_guessed_gap_past_the_first_hop_earns_no_more_than_chance() -> None:
    """`abstain-gap` names a document-less target of one of the question's inner relations.
    When the gap is the first hop, the missing entity is what the anchor's own document
    names, and naming it is reading that document (as the gold solver does): it is paid.
    Past the first hop it is a guess, worth no more than a guess among the document-less
    targets of the relation into the gap (`guess_candidates`, the task's chance)."""
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    gap = {s.name: s for s in library()}["abstain-gap"]
    first, deeper, chance = [], [], []
    for level in (2, 3, 4, 5):
        for seed in range(15):
            reward = play(env, gap, seed, level)[0]
            if _gap_hop(env.task) == 1:
                first.append(reward)
            else:
                deeper.append(reward)
                chance.append(1 / env.task["guess_candidates"])
    assert len(first) >= 10 and len(deeper) >= 10
    n, bar = len(deeper), sum(chance) / len(chance) + MARGIN
    assert sum(deeper) / n <= bar + sampling_allowance(bar, n), (sum(deeper) / n, bar)


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
