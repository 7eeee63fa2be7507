"""Correct answers in the notations models write, generated per class from random values:
unicode roots, systems as `cases`, complements of a point or an interval, repeating and
truncated decimals, function notation for a line, unit words, letter labels, answers after a
reasoning block; and the hedges and near-misses next to them that must still fail."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from rlvr_envs.envs.math.verify import verify_math

SEEDS = range(6)


def box(x: str) -> str:
    return f"The answer is $\\boxed{{{x}}}$."


def passes(task: dict, response: str) -> bool:
    return verify_math(task, response).passed


@pytest.mark.parametrize("seed", SEEDS)
def test_unicode_roots(seed):
    rng = random.Random(seed)
    n = rng.choice([m for m in range(2, 99) if all(m % (k * k) for k in range(2, 10))])
    c = rng.randint(2, 40)
    assert passes({"answer": f"\\sqrt{{{n}}}"}, box(f"\u221a{n}"))
    assert passes({"answer": f"{c}\\sqrt{{{n}}}"}, box(f"{c}\u221a{n}"))
    assert passes({"answer": f"{c}\\sqrt[3]{{{n}}}"}, box(f"{c}\u221b{n}"))
    assert not passes({"answer": f"{c}\\sqrt{{{n}}}"}, box(f"{c + 1}\u221a{n}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_systems_and_sets_in_other_notations(seed):
    rng = random.Random(10 + seed)
    x, y = rng.randint(-20, 20), rng.randint(-20, 20)
    gold = {"answer": f"({x}, {y})", "answer_type": "tuple"}
    assert passes(gold, box(f"\\begin{{cases}} x = {x} \\\\ y = {y} \\end{{cases}}"))
    assert passes(gold, box(f"(y, x) = ({y}, {x})"))
    if x != y:
        assert not passes(gold, box(f"\\begin{{cases}} x = {y} \\\\ y = {x} \\end{{cases}}"))
    a, b = sorted(rng.sample(range(-20, 20), 2))
    point = {"answer": f"(-\\infty, {a}) \\cup ({a}, \\infty)"}
    for form in (f"\\mathbb{{R}} \\setminus \\{{{a}\\}}", f"\\{{x \\in \\mathbb{{R}} : x \\neq {a}\\}}",
                 f"x < {a} \\lor x > {a}", f"x \\neq {a}"):
        assert passes(point, box(form)), form
    assert not passes(point, box(f"\\mathbb{{R}} \\setminus \\{{{b}\\}}"))
    gap = {"answer": f"(-\\infty, {a}) \\cup ({b}, \\infty)"}
    assert passes(gap, box(f"\\mathbb{{R}} \\setminus [{a}, {b}]"))
    assert not passes(gap, box(f"\\mathbb{{R}} \\setminus ({a}, {b})"))
    assert passes({"answer": "(-\\infty, \\infty)"}, box("x \\in \\mathbb{R}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_repeating_and_truncated_decimals(seed):
    rng = random.Random(20 + seed)
    d = rng.choice([3, 7, 9, 11, 13])
    n = rng.randint(1, d - 1)
    while math.gcd(n, d) != 1:
        n += 1
    q = Fraction(n, d)
    digits = f"{q.numerator * 10 ** 24 // q.denominator:024d}"
    gold = {"answer": f"\\frac{{{q.numerator}}}{{{q.denominator}}}"}
    period = next(k for k in range(1, 13) if digits[:k] * (24 // k) == digits[:24 // k * k])
    block = digits[:period]
    assert passes(gold, box(f"0.\\overline{{{block}}}"))
    assert passes(gold, box(f"0.({block})"))
    shown = block * (3 if period == 1 else 2)
    for dots in ("\\ldots", "...", "\u2026"):
        assert passes(gold, box(f"0.{shown}{dots}")), (gold, shown, dots)
    # an ellipsis after digits that show no repetition is a truncated decimal: an
    # approximation, judged by its digits (at least 4 significant, the last one right)
    assert not passes(gold, box(f"0.{digits[:2]}\\ldots"))
    assert passes(gold, box(f"0.{digits[:6]}\\ldots"))
    assert not passes({**gold, "question": "Express it as a common fraction."},
                      box(f"0.{digits[:6]}\\ldots"))
    assert not passes({"answer": str(n)}, box(f"{n}\\ldots"))


@pytest.mark.parametrize("seed", SEEDS)
def test_word_problem_units_and_labels(seed):
    rng = random.Random(30 + seed)
    v = rng.randint(2, 90)
    for unit in ("years old", "km/h", "quarters", "dimes", "cookies"):
        assert passes({"answer": str(v)}, box(f"{v} \\text{{ {unit}}}")), unit
        assert not passes({"answer": str(v)}, box(f"{v + 1} \\text{{ {unit}}}")), unit
    assert passes({"answer": str(v)}, box(f"{v}\\ \\mathrm{{km/h}}"))
    for hedge in ("or more", "or fewer", "thousand"):
        assert not passes({"answer": str(v)}, box(f"{v} \\text{{ {hedge}}}")), hedge
    p, q = rng.randint(1, 9), rng.randint(10, 19)
    frac = f"\\frac{{{p}}}{{{q}}}"
    assert passes({"answer": frac}, box(f"{frac}\\text{{ (B)}}"))
    assert passes({"answer": frac}, box(f"(B) {frac}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_line_in_function_notation(seed):
    rng = random.Random(40 + seed)
    m, b = rng.choice([k for k in range(-9, 10) if k]), rng.randint(-30, 30)
    gold = {"answer": f"y = {m}x + {b}".replace("+ -", "- ")}
    rhs = gold["answer"].split("=")[1]
    assert passes(gold, box(f"f(x) = {rhs}"))
    assert passes(gold, box(f"g(x) = {rhs}"))
    assert not passes(gold, box(f"f(x) = {rhs} + 1"))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_final_answer_after_a_reasoning_block_wins(seed):
    rng = random.Random(50 + seed)
    v, w = rng.sample(range(1, 500), 2)
    gold = {"answer": str(v)}
    assert passes(gold, f"<think>maybe \\boxed{{{w}}}? no.</think>\n\nThe answer is {v}.")
    assert not passes(gold, f"<think>maybe \\boxed{{{v}}}? no.</think>\n\nThe answer is {w}.")
    assert passes(gold, f"<think>so it is \\boxed{{{v}}}</think>")  # nothing after the block
    assert passes(gold, f"\\textbf{{Answer:}} {v}")
    assert passes(gold, f"\\textbf{{Answer}}: {v}")


@pytest.mark.parametrize("seed", SEEDS)
def test_gcd_mod_lcm_are_evaluated_and_never_crash(seed):
    rng = random.Random(60 + seed)
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    for gold, answer in ((math.gcd(a, b), f"\\gcd({a}, {b})"), (a % b, f"{a} \\mod {b}"),
                         (math.lcm(a, b), f"\\text{{lcm}}({a}, {b})")):
        v = verify_math({"answer": str(gold)}, box(answer))
        assert not v.passed and not v.infra_error and "plain" in v.reason, v.reason
        assert passes({"answer": str(gold)}, box(f"{answer} = {gold}"))
    for answer in (f"\\gcd({a}, x)", f"{a} \\bmod x", f"\\gcd({a}, {b}.5)"):
        v = verify_math({"answer": str(math.gcd(a, b))}, box(answer))
        assert not v.passed and not v.infra_error
        assert "could not be sent back" not in v.reason and "crashed" not in v.reason


@pytest.mark.parametrize("seed", SEEDS)
def test_equations_are_probed_off_the_small_range(seed):
    rng = random.Random(70 + seed)
    m, b, big = rng.randint(1, 9), rng.randint(1, 30), rng.choice([100, 1000, 5000])
    gold = {"answer": f"y = {m}x - {b}"}
    assert passes(gold, box(f"y - {m}x + {b} = 0"))
    for trick in (f"y = {m}x - {b} + \\lfloor x/{big} \\rfloor",
                  f"y = {m}x - {b} + \\lfloor \\frac{{x^2}}{{{big * big}}} \\rfloor"):
        assert not passes(gold, box(trick)), trick


@pytest.mark.parametrize("seed", SEEDS)
def test_several_letters_are_a_hedge(seed):
    rng = random.Random(80 + seed)
    choices = [str(rng.randint(1, 99)) for _ in range(5)]
    right = rng.randrange(5)
    other = rng.choice([k for k in range(5) if k != right])
    gold = {"answer": chr(65 + right), "answer_type": "mcq", "choices": choices}
    r, o = chr(65 + right), chr(65 + other)
    assert passes(gold, box(r)) and passes(gold, f"I pick **{r}**.")
    for hedge in (f"\\boxed{{{r} \\quad {o}}}", f"\\boxed{{{r} {o}}}",
                  f"\\boxed{{{r} \\text{{ (also {o})}}}}", f"**{o}** or **{r}**",
                  f"**{r}** or **{o}**"):
        assert not passes(gold, hedge), hedge
