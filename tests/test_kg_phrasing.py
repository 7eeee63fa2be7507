"""Correct answers keep their reward however a model phrases them; naming two candidates
earns 0 however it is phrased. The perturbations (`rlvr_envs/envs/kg/phrasings.py`, also the
env's `answer_perturbations` hook) re-express the gold solver's final message the ways
models write answers, over seeds, levels and both modes."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.phrasings import gold_parts as task_gold_parts
from rlvr_envs.envs.kg.phrasings import ids, phrasings, two_candidates
from rlvr_envs.envs.kg.reward import grade_kg_answer


def oracle_episode(env: KGMultiHopEnv, seed: int, level: int) -> dict:
    """Play the gold solver up to its final message; return the task and the env ready to
    take that final step."""
    env.reset(seed=seed, options={"difficulty": level})
    action = env.oracle_action()
    while not action.startswith("Answer:"):
        env.step(action)
        action = env.oracle_action()
    return dict(env.task)


def gold_parts(env: KGMultiHopEnv, task: dict) -> dict:
    return task_gold_parts(task, env.task_source.world_of(task))


CASES = [(mode, level, seed) for mode in ("context", "search") for level in (1, 2, 3, 4, 5)
         for seed in range(8)]


@pytest.mark.parametrize("mode, level, seed", CASES)
def test_every_phrasing_of_the_gold_keeps_its_reward(mode: str, level: int, seed: int) -> None:
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.4)
    task = oracle_episode(env, seed, level)
    for cls, text in phrasings(**gold_parts(env, task)):
        verdict = grade_kg_answer(task, text)
        assert verdict.reward == pytest.approx(1.0), (cls, text, verdict.reason)


@pytest.mark.parametrize("mode", ["context", "search"])
def test_phrasings_pass_through_the_env(mode: str) -> None:
    """The same perturbations as the env's final step (search mode: after the gold
    solver's searches), so the search gate and the env's parsing agree with the grader."""
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.5)
    for seed in (0, 1):
        task = oracle_episode(env, seed, 4)
        for cls, text in phrasings(**gold_parts(env, task)):
            oracle_episode(env, seed, 4)
            *_, terminated, _, info = env.step(text)
            assert terminated and info["verdict"]["reward"] == pytest.approx(1.0), (cls, text)


@pytest.mark.parametrize("mode, level, seed", CASES[::4])
def test_naming_two_candidates_earns_zero(mode: str, level: int, seed: int) -> None:
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.0)
    task = oracle_episode(env, seed, level)
    chain = [n for c in task["chain"] for n in c if n != task["answer"]]
    others = {chain[-1], next(t for _, t, _ in env._docs if t != task["answer"])}
    for other in others:
        for cls, text in two_candidates(task["answer"], other, list(task["evidence"])):
            verdict = grade_kg_answer(task, text)
            assert verdict.reward == 0.0, (cls, text, verdict.reason)


def test_an_abstention_naming_two_missing_entities_earns_zero() -> None:
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    for seed in range(6):
        task = oracle_episode(env, seed, 3)
        other = task["chain"][0][0]
        ev = "\nEvidence: " + ids(task["evidence"])
        for a, b in ((task["removed"], other), (other, task["removed"])):
            for missing in (f"{a}, {b}", f"{a} or {b}", f"{a} ({b})", f"{a}. {b}."):
                verdict = grade_kg_answer(task, f"Answer: unanswerable\nMissing: {missing}{ev}")
                assert verdict.reward == 0.0, missing
            both = f"Answer: unanswerable\nMissing: {a}\nMissing: {b}{ev}"
            assert grade_kg_answer(task, both).reward == 0.0


def main(first_seed: int = 1000, seeds: int = 30) -> None:
    """The same checks at scale, on seeds the tests do not use:
    `PYTHONPATH=. python tests/test_kg_phrasing.py 1000 30`."""
    lost, total, paid, hedges = Counter(), Counter(), Counter(), Counter()
    for mode in ("context", "search"):
        env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.3)
        for level in (1, 2, 3, 4, 5):
            for seed in range(first_seed, first_seed + seeds):
                task = oracle_episode(env, seed, level)
                for cls, text in phrasings(**gold_parts(env, task)):
                    total[cls] += 1
                    lost[cls] += abs(grade_kg_answer(task, text).reward - 1.0) > 1e-9
                if task["answerable"]:
                    other = next(t for _, t, _ in env._docs if t != task["answer"])
                    for cls, text in two_candidates(task["answer"], other,
                                                    list(task["evidence"])):
                        hedges[cls] += 1
                        paid[cls] += grade_kg_answer(task, text).reward > 0
    print(f"correct answers re-expressed: {sum(total.values())}, lost reward: "
          f"{sum(lost.values())} {dict(+lost)}")
    print(f"two-candidate responses: {sum(hedges.values())}, paid: {sum(paid.values())} "
          f"{dict(+paid)}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
