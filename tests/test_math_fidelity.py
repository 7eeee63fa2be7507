"""Answer fidelity on generated perturbations: golds written as datasets write them, thousands
separators, `x \\neq a`, matrices in brackets, labelled boxes, decimal approximations of exact
golds, and values that are not plain values of the gold's type. Each class is checked on many
generated values, right and wrong, not on one string."""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction

import pytest
import sympy

from rlvr_envs.envs.math.families import ALL_FAMILIES, make_math_source
from rlvr_envs.envs.math.verify import answers_equivalent, math_reward, verify_math

RNG_SEEDS = range(12)


def box(a: str) -> str:
    return f"So the answer is $\\boxed{{{a}}}$."


def passes(task: dict, response: str) -> bool:
    return verify_math(task, response).passed


# --- golds as datasets write them ------------------------------------------------------------

GOLD_SHAPES = {
    "dollar": "${g}$",
    "display": "\\[{g}\\]",
    "boxed": "\\boxed{{{g}}}",
    "solution": "Adding both cases we get the total, which is $\\boxed{{{g}}}$. Done.",
}
SRC = make_math_source(seed=4242)
FAMILY_TASKS = [SRC.build(f.name, level, 0) for f in ALL_FAMILIES for level in (1, 3, 5)
                if f.name != "multiple_choice"]


@pytest.mark.parametrize("shape", sorted(GOLD_SHAPES))
def test_a_gold_in_delimiters_a_box_or_a_solution_is_its_answer(shape):
    for task in FAMILY_TASKS:
        raw = GOLD_SHAPES[shape].format(g=task["answer"])
        t = dict(task, answer=raw)
        assert passes(t, box(task["answer"])), (shape, task["id"])
        # the oracle of another item of the same family is wrong here
        other = SRC.build(task["family"], task["difficulty"], 1)["answer"]
        if other != task["answer"]:
            assert not passes(t, box(other)), (shape, task["id"], other)


def test_gsm8k_rationale_gold_and_response():
    rng = random.Random(0)
    for _ in range(25):
        n = rng.randint(2, 10**6)
        rationale = f"First {n // 3} * 3 = <<{n // 3}*3={n // 3 * 3}>>{n // 3 * 3}.\n#### {n:,}"
        task = {"question": "How many?", "answer": rationale}
        assert passes(task, box(str(n)))
        assert passes(task, f"We add them up.\n#### {n}")
        assert not passes(task, box(str(n + 1)))
        assert not passes(task, box(str(n // 3 * 3))) or n % 3 == 0
    assert math_reward([box("72")], ["Half of 144 is <<144/2=72>>72.\n#### 72"]) == [1.0]


# --- thousands separators --------------------------------------------------------------------

SEPARATORS = [",", "{,}", ",\\!", "\\,", "\\;", "~", " "]


@pytest.mark.parametrize("sep", SEPARATORS)
def test_thousands_separators_in_answers_and_golds(sep):
    rng = random.Random(hash(sep) % 1000)
    for _ in range(10):
        n = rng.randint(1000, 10**9) * rng.choice([1, -1])
        written = ("-" if n < 0 else "") + f"{abs(n):,}".replace(",", sep)
        assert passes({"answer": str(n)}, box(written)), written
        assert passes({"answer": written}, box(str(n))), written
        assert not passes({"answer": str(n + 1)}, box(written)), written


# --- relations, matrices, labelled boxes -------------------------------------------------------

def test_neq_is_all_reals_but_one_point():
    rng = random.Random(1)
    for _ in range(12):
        a = Fraction(rng.randint(-50, 50), rng.choice([1, 1, 2, 3]))
        a_tex = sympy.latex(sympy.Rational(a.numerator, a.denominator))
        union = f"(-\\infty, {a_tex}) \\cup ({a_tex}, \\infty)"
        for gold, answer in ((f"x \\neq {a_tex}", f"x != {a_tex}"), (union, f"x \\neq {a_tex}"),
                             (union, f"x \\ne {a_tex}")):
            assert passes({"answer": gold, "answer_type": "interval" if "cup" in gold else None},
                          box(answer)), (gold, answer)
        b_tex = sympy.latex(sympy.Rational(a.numerator + 1, a.denominator))
        assert not passes({"answer": union, "answer_type": "interval"}, box(f"x \\neq {b_tex}"))


@pytest.mark.parametrize("env", ["pmatrix", "bmatrix", "array", "left-array", "left-bmatrix"])
def test_matrices_in_any_environment(env):
    rng = random.Random(len(env))
    for _ in range(8):
        rows, cols = rng.randint(1, 3), rng.randint(2, 3)
        m = [[rng.randint(-20, 20) for _ in range(cols)] for _ in range(rows)]
        body = " \\\\ ".join(" & ".join(map(str, r)) for r in m)
        gold = f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"
        name = env.split("-")[-1]
        spec = "{" + "c" * cols + "}" if name == "array" else ""
        answer = f"\\begin{{{name}}}{spec} {body} \\end{{{name}}}"
        if env.startswith("left"):
            answer = f"\\left[{answer}\\right]"
        assert passes({"answer": gold}, box(answer)), answer
        m[0][0] += 1
        wrong = answer.replace(body, " \\\\ ".join(" & ".join(map(str, r)) for r in m), 1)
        assert not passes({"answer": gold}, box(wrong)), wrong


def test_labelled_boxes_form_a_point_in_the_names_order():
    rng = random.Random(2)
    for _ in range(12):
        x, y = rng.sample(range(-30, 30), 2)
        gold = f"({x}, {y})"
        assert passes({"answer": gold}, f"So $x = \\boxed{{{x}}}$ and $y = \\boxed{{{y}}}$.")
        assert passes({"answer": gold}, f"We get $y = \\boxed{{{y}}}$, $x = \\boxed{{{x}}}$.")
        assert not passes({"answer": gold}, f"So $x = \\boxed{{{y}}}$ and $y = \\boxed{{{x}}}$.")
        # one label repeated is a solution set: a hedge for a single number
        assert not passes({"answer": str(x)}, f"$x = \\boxed{{{x}}}$ or $x = \\boxed{{{y}}}$")


# --- decimal approximations of exact golds ---------------------------------------------------

def decimal(x: Fraction, places: int, mode: str) -> str:
    q = 10**places
    n = math.floor(x * q + Fraction(1, 2)) if mode == "round" else math.trunc(x * q)
    sign = "-" if n < 0 else ""
    s = str(abs(n)).rjust(places + 1, "0")
    return f"{sign}{s[:-places]}.{s[-places:]}"


def exact_values(rng: random.Random) -> list[tuple[str, Fraction]]:
    """(LaTeX, a 60-digit rational close enough to judge 12 places) of exact golds."""
    out = []
    for _ in range(6):
        p, q = rng.randint(-200, 200), rng.choice([3, 6, 7, 9, 11, 12, 13])
        if 10**12 % Fraction(p, q).denominator:  # not a terminating decimal
            out.append((sympy.latex(sympy.Rational(p, q)), Fraction(p, q)))
    for _ in range(4):
        a, r = rng.randint(1, 9), rng.choice([2, 3, 5, 6, 7, 10])
        v = sympy.Integer(a) * sympy.sqrt(r)
        out.append((sympy.latex(v), Fraction(str(sympy.N(v, 60)))))
    out.append(("\\pi", Fraction(str(sympy.N(sympy.pi, 60)))))
    return out


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_decimals_that_agree_to_their_digits_are_accepted(seed):
    rng = random.Random(seed)
    for gold, x in exact_values(rng):
        digits_before = len(str(abs(int(x)))) if abs(x) >= 1 else 0
        places = rng.randint(max(1, 4 - digits_before), 9)
        for mode in ("round", "trunc"):
            d = decimal(x, places, mode)
            assert passes({"answer": gold}, box(d)), (gold, d)
            assert answers_equivalent(gold, d, approximate=True), (gold, d)
            assert not answers_equivalent(gold, d), (gold, d)  # off by default there
        # exact forms asked for: no decimal is an answer
        d = decimal(x, places, "round")
        for task in ({"answer": gold, "form": "exact"},
                     {"answer": gold, "question": "Express your answer as a common fraction."},
                     {"answer": gold, "question": "Give the exact value."},
                     {"answer": gold, "question": "Write it in simplest radical form."}):
            assert not passes(task, box(d)), (task, d)
        assert not verify_math({"answer": gold}, box(d), approximate=False).passed


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_decimals_with_too_few_digits_or_a_wrong_digit_are_rejected(seed):
    rng = random.Random(100 + seed)
    for gold, x in exact_values(rng):
        digits_before = len(str(abs(int(x)))) if abs(x) >= 1 else 0
        short = max(1, 3 - digits_before)
        d = decimal(x, short, "round")
        if len(re.sub(r"\D", "", d).lstrip("0")) < 4:
            assert not passes({"answer": gold}, box(d)), (gold, d)
        d = decimal(x, 6, "round")
        wrong = d[:-1] + str((int(d[-1]) + rng.choice([2, 3, 4, 5, 6, 7])) % 10)
        assert not passes({"answer": gold}, box(wrong)), (gold, wrong)


def test_approximations_in_sets_and_tuples():
    rng = random.Random(5)
    for _ in range(8):
        a, b = rng.randint(2, 30), rng.randint(2, 30)
        if math.isqrt(a) ** 2 == a or math.isqrt(b) ** 2 == b:
            continue
        gold = f"\\{{-\\sqrt{{{a}}}, \\sqrt{{{b}}}\\}}"
        da, db = (decimal(Fraction(str(sympy.N(sympy.sqrt(v), 40))), 4, "round") for v in (a, b))
        assert passes({"answer": gold}, box(f"\\{{{db}, -{da}\\}}"))
        assert passes({"answer": f"({a}, \\sqrt{{{b}}})"}, box(f"({a}, {db})"))
        assert not passes({"answer": f"({a}, \\sqrt{{{b}}})"}, box(f"({a + 1}, {db})"))


# --- values that are not plain values of the gold's type ---------------------------------------

@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_free_symbols_and_undefined_parts_never_match(seed):
    rng = random.Random(200 + seed)
    n = rng.randint(-99, 99)
    for answer in (f"{n} + 0 \\cdot \\infty", f"{n} + \\frac{{1}}{{x - x}}", f"{n} + y - y + z",
                   f"{n}\\cdot\\frac{{t}}{{t}} + \\lfloor t/1000 \\rfloor", f"{n} + \\log 0",
                   f"{n} + \\infty^0 - 1", f"{n}x^0 + 0^0 - 1",
                   f"{n} + y - y"):  # equal, but terms left to cancel: not a plain value
        assert not passes({"answer": str(n)}, box(answer)), answer
    # the same value written plainly still counts
    assert passes({"answer": f"{n}x"}, box(f"{n}\\cdot x"))
    assert passes({"answer": f"{n}x"}, box(f"x \\cdot {n}"))
