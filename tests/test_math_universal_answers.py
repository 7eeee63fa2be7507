"""No task-independent answer earns more than chance on rlvr/Math-v0 (reduced form of
benchmarks/math_universal_answers.py): special values, free variables and generic forms
earn nothing on any family or loader, letters earn exactly on the tasks whose gold they
are, and no family piles its golds on one value a constant answer could collect."""

from __future__ import annotations

from collections import Counter

import pytest
import sympy

from rlvr_envs.core.data import task_file
from rlvr_envs.envs.math.families import ALL_FAMILIES, make_math_source
from rlvr_envs.envs.math.loaders import load_math_records
from rlvr_envs.envs.math.universal_answers import (
    GENERIC,
    SPECIAL_VALUES,
    chance_of,
    play_universal,
    random_expressions,
    universal_responses,
)
from rlvr_envs.envs.math.verify import verify_math

SRC = make_math_source(seed=20250)
TASKS = [(f.name, SRC.build(f.name, level, 0)) for f in ALL_FAMILIES for level in f.difficulties]
DATASETS = [("dataset", t) for name in ("gsm8k_sample.jsonl", "math_sample.jsonl")
            for t in load_math_records(task_file("math", name))]
# Legitimate golds of some items (an empty solution set, all reals): generic answers equal
# to them may pay there, and only there.
LEGIT = {r"\emptyset", r"(-\infty, \infty)"}
NOT_VALUES = [g for g in GENERIC if not any(ch.isdigit() for ch in g) and len(g) > 1
              and g not in (r"\pi", "e")]


def box(a: str) -> str:
    return f"The answer is $\\boxed{{{a}}}$."


def test_special_values_and_generic_forms_earn_nothing():
    responses = [box(a) for a in SPECIAL_VALUES + tuple(NOT_VALUES)]
    scores = play_universal(TASKS + DATASETS, responses)
    # Letters (`\mathbb{C}` reads as C) pay on multiple choice at chance: see the letter test.
    paid = [(r, g, s.examples) for r, per in scores.items() for g, s in per.items()
            if s.passed and not set(s.examples) <= LEGIT and g != "multiple_choice"]
    assert not paid, paid


def test_special_values_in_every_answer_shape_earn_nothing():
    wrapped = [r for r in universal_responses() if r not in {box(a) for a in SPECIAL_VALUES
                                                               + GENERIC}]
    assert len(wrapped) >= 150
    scores = play_universal(TASKS[::3], wrapped[::2])
    paid = [(r, g, s.examples) for r, per in scores.items() for g, s in per.items() if s.passed]
    assert not paid, paid


def _plain_finite(answer: str) -> bool:
    """Judged without our parser: latex2sympy reads `answer` as one finite number."""
    from latex2sympy2_extended import latex2sympy

    try:
        v = latex2sympy(answer)
        return bool(v.is_number) and not v.free_symbols and bool(
            sympy.N(v).is_finite) and not v.has(sympy.zoo, sympy.nan, sympy.oo)
    except Exception:  # noqa: BLE001 - not readable as a number
        return False


def test_random_expressions_over_special_atoms_pay_only_as_plain_numbers():
    """A random answer may pay only where it is an ordinary finite number equal to the gold
    (`\\frac{1}{1}` for gold 1); anything undefined, infinite or with a free variable pays
    nothing (judged by latex2sympy, not by our parser)."""
    exprs = random_expressions(120, seed=3)
    scores = play_universal(TASKS[::2], [box(e) for e in exprs])
    paid = [(e, g, s.examples) for e in exprs for g, s in scores[box(e)].items()
            if s.passed and g != "multiple_choice" and not _plain_finite(e)]
    assert not paid, paid


def test_a_letter_pays_exactly_on_the_tasks_whose_gold_it_is():
    mcq = [("mcq", SRC.build("multiple_choice", level, i)) for level in range(1, 6)
           for i in range(4)]
    scores = play_universal(mcq, [box("A"), box("B"), box("(C)"), box("A, B, C, D, E")])
    for resp, letter in ((box("A"), "A"), (box("B"), "B"), (box("(C)"), "C")):
        expected = sum(t["answer"] == letter for _, t in mcq)
        assert scores[resp]["mcq"].passed == expected, resp
    assert scores[box("A, B, C, D, E")]["mcq"].passed == 0  # a hedge over every option
    assert 0.2 <= sum(chance_of(t) for _, t in mcq) / len(mcq) <= 0.25


@pytest.mark.parametrize("family", [f.name for f in ALL_FAMILIES if f.name != "multiple_choice"])
def test_no_gold_piles_up(family):
    """A constant answer earns what its value's share of the golds is: at most 3% of a family
    over 100 items per level (8% of one level, where 100 items leave room for noise: on
    1,000 items no level's top gold is above ~3.5%)."""
    fam = next(f for f in ALL_FAMILIES if f.name == family)
    total: Counter = Counter()
    for level in fam.difficulties:
        golds = Counter(SRC.build(family, level, i)["answer"] for i in range(100))
        gold, count = golds.most_common(1)[0]
        assert count <= 8, (level, gold, count)
        total.update(golds)
    gold, count = total.most_common(1)[0]
    assert count <= 0.03 * sum(total.values()), (gold, count)


def test_the_env_declares_the_multiple_choice_chance_level():
    from rlvr_envs.envs.math.env import MathEnv

    levels = [f for f in ALL_FAMILIES if f.name == "multiple_choice"][0].levels
    per_level = [1 / cfg.n_choices for cfg in levels.values()]
    expected = sum(per_level) / len(per_level) / len(ALL_FAMILIES)
    assert abs(MathEnv.chance_level - expected) < 0.001


@pytest.mark.parametrize("answer", [r"\infty", r"\frac{1}{0}", "zoo", "nan", r"\log 0"])
def test_trl_reward_function_and_user_tasks_pay_nothing_for_special_values(answer):
    from rlvr_envs.envs.math.verify import math_reward

    golds = ["42", r"\frac{3}{4}", "(1, 2)", r"[0, 5)", r"x^2 + 1", "y = 2x + 1",
             r"\{1, 2\}", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"]
    assert math_reward([box(answer)] * len(golds), golds) == [0.0] * len(golds)
    task = {"answer": r"x^2 + 1", "required_form": "expanded"}
    assert not verify_math(task, box(f"x^2 + 1 + {answer}")).passed
