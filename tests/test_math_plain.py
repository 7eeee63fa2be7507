"""Answers must be plain values of the gold's type, never the question restated.

Every case is generated (random numbers, every procedural family), so the rules are tested
as classes: unevaluated arithmetic, unsimplified roots, functions of numbers, the question's
own expressions and numbers, and the forms a question's wording asks for.
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction

import pytest

from rlvr_envs.envs.math.families import ALL_FAMILIES, make_math_source
from rlvr_envs.envs.math.loaders import normalize_math_record
from rlvr_envs.envs.math.verify import verify_math

SEEDS = range(6)


def box(x: str) -> str:
    return f"The answer is $\\boxed{{{x}}}$."


def passes(task: dict, response: str) -> bool:
    return verify_math(task, response).passed


# --- rule 1: no operation left undone -----------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_unevaluated_arithmetic_is_not_an_answer(seed):
    rng = random.Random(seed)
    a, b, c = (rng.choice([n for n in range(2, 60) if n != 10]) for _ in range(3))
    p, q = rng.randint(1, 9), rng.randint(2, 9)
    cases = {
        str(a + b + c): [f"{a} + {b} + {c}", f"({a} + {b}) + {c}", f"{a + b + c} + 0"],
        str(a * b): [f"{a} \\times {b}", f"{a} \\cdot {b}", f"({a})({b})"],
        str(a - b): [f"{a} - {b}"],
        str(a ** 2): [f"{a}^{{2}}", f"{a}^2"],
        str(a): [f"\\frac{{{a * q}}}{{{q}}}", f"{a * q} / {q}", f"-(-{a})", f"{a}^{{1}}"],
    }
    for gold, unevaluated in cases.items():
        assert passes({"answer": gold}, box(gold))
        for answer in unevaluated:
            v = verify_math({"answer": gold}, box(answer))
            assert not v.passed and "plain" in v.reason, (gold, answer, v.reason)
    # fractions: a sum of fractions, a fraction of fractions, a fraction times an integer
    frac = f"\\frac{{{p}}}{{{q}}}"
    double, half = Fraction(2 * p, q), Fraction(p, 2 * q)
    assert not passes({"answer": str(double)}, box(f"{frac} + {frac}"))
    assert not passes({"answer": str(half)}, box(f"\\frac{{{frac}}}{{2}}"))
    # the plain forms of the same value all pass
    value = p / q
    for form in (frac, f"{p}/{q}", f"\\dfrac{{{p}}}{{{q}}}"):
        assert passes({"answer": frac}, box(form)), form
    if 10 ** 6 % q == 0:
        assert passes({"answer": frac}, box(f"{value:g}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_roots_must_be_simplified(seed):
    rng = random.Random(10 + seed)
    squarefree = [n for n in range(2, 40) if all(n % (k * k) for k in range(2, 7))]
    n, k, c = rng.choice(squarefree), rng.randint(2, 9), rng.randint(1, 9)
    gold = f"{c * k}\\sqrt{{{n}}}"
    assert passes({"answer": gold}, box(gold))
    assert passes({"answer": gold}, box(f"{c * k}\u221a{n}"))  # unicode root
    for answer in (f"{c}\\sqrt{{{k * k * n}}}", f"\\sqrt{{{(c * k) ** 2 * n}}}",
                   f"{c * k}\\sqrt{{{n}}} \\cdot 1", f"\\sqrt{{{n}}}\\sqrt{{{(c * k) ** 2}}}"):
        assert not passes({"answer": gold}, box(answer)), answer
    # a perfect power under a root is an integer left unevaluated
    assert not passes({"answer": str(k)}, box(f"\\sqrt{{{k * k}}}"))
    assert not passes({"answer": str(k)}, box(f"\\sqrt[3]{{{k ** 3}}}"))
    # simplest radical forms other than the gold's still pass
    assert passes({"answer": f"\\frac{{\\sqrt{{{n}}}}}{{{n}}}"}, box(f"\\frac{{1}}{{\\sqrt{{{n}}}}}"))
    assert passes({"answer": f"{k}\\sqrt[3]{{4}}"}, box(f"{k} \\cdot 4^{{1/3}}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_functions_of_numbers_are_computations(seed):
    rng = random.Random(20 + seed)
    n, k = rng.randint(5, 12), rng.randint(2, 4)
    a, b = rng.randint(2, 30) * 6, rng.randint(2, 30) * 6
    base, power = rng.randint(2, 5), rng.randint(2, 5)
    x = rng.randint(1, 40) + 0.25
    cases = [
        (str(math.comb(n, k)), f"\\binom{{{n}}}{{{k}}}"),
        (str(math.comb(n, k)), f"\\dbinom{{{n}}}{{{k}}}"),
        (str(math.factorial(k + 2)), f"{k + 2}!"),
        (str(power), f"\\log_{{{base}}} {base ** power}"),
        (str(math.gcd(a, b)), f"\\gcd({a}, {b})"),
        (str(math.lcm(a, b)), f"\\operatorname{{lcm}}({a}, {b})"),
        (str(a % 7), f"{a} \\bmod 7"),
        (str(math.floor(x)), f"\\lfloor {x} \\rfloor"),
        (str(max(a, b)), f"\\max({a}, {b})"),
        ("\\frac{1}{2}", "\\sin 30^\\circ"),
        ("-1", "\\tan 135^\\circ"),
        ("\\frac{\\pi}{6}", "\\arcsin \\frac{1}{2}"),
    ]
    for gold, answer in cases:
        v = verify_math({"answer": gold}, box(answer))
        assert not v.passed and not v.infra_error and "plain" in v.reason, (gold, answer, v.reason)
        # evaluated correctly: as a step of a chain it is fine
        assert passes({"answer": gold}, box(f"{answer} = {gold}")), (gold, answer)
    # what has no simpler value stays a plain value
    assert passes({"answer": "\\ln 2"}, box("\\ln 2"))
    assert passes({"answer": "\\log_2 3"}, box("\\frac{\\ln 3}{\\ln 2}"))
    assert passes({"answer": "e"}, box("\\exp(1)"))


def test_gold_leaving_an_operation_undone_allows_it():
    assert passes({"answer": "2^{100}"}, box("2^{100}"))
    assert passes({"answer": "2^{100}"}, box("1267650600228229401496703205376"))
    assert not passes({"answer": "1024"}, box("2^{10}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_functions_the_gold_does_not_need_are_not_plain(seed):
    rng = random.Random(30 + seed)
    a, b = rng.randint(1, 9), rng.randint(10, 19)
    gold = f"\\frac{{x - {a}}}{{x - {b}}}"
    for disguise in (f"\\sqrt{{\\left({gold}\\right)^2}}", f"\\left|{gold}\\right|",
                     f"e^{{\\ln\\left({gold}\\right)}}"):
        assert not passes({"answer": gold, "answer_type": "expression"}, box(disguise)), disguise
    assert passes({"answer": gold, "answer_type": "expression"},
                  box(f"1 + \\frac{{{b - a}}}{{x - {b}}}"))


# --- rule 3: not the question restated ------------------------------------------------------

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)


def _expressions(question: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None).strip() for m in _MATH.finditer(question)]


@pytest.mark.parametrize("family", [f.name for f in ALL_FAMILIES])
def test_boxing_the_questions_expression_never_pays(family):
    source = make_math_source(seed=3)
    spec = source.families[family]
    for level in spec.difficulties:
        for i in range(4):
            task = source.build(family, level, i)
            assert passes(task, box(task["answer"])), task["id"]
            for expr in _expressions(task["question"]):
                if re.sub(r"\s", "", expr) == re.sub(r"\s", "", task["answer"]):
                    continue
                v = verify_math(task, box(expr))
                assert not v.passed, (task["id"], task["question"], expr)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_number_of_the_question_accepted_only_by_tolerance_is_an_echo(seed):
    rng = random.Random(40 + seed)
    x = rng.randint(100_001, 9_999_999) / 100_000  # five decimals, the last nonzero
    while x * 100_000 % 10 == 0:
        x += 0.00001
    x = round(x, 5)
    rounded = f"{round(x, 2):.2f}"
    task = {"answer": rounded, "question": f"Round ${x}$ to the nearest hundredth."}
    assert passes(task, box(rounded))
    v = verify_math(task, box(str(x)))
    assert not v.passed and "restates" in v.reason
    task = {"answer": rounded, "question": f"Round {x} to the nearest hundredth."}
    assert not passes(task, box(str(x)))
    assert not passes(task, box(f"{x}0"))  # padded, the same number
    # a multiple-choice stem's own value is not an option
    n, d = rng.randint(1, 9), rng.choice([2, 4, 5, 8])
    dec = f"{n / d:g}"
    choices = [f"\\frac{{{n}}}{{{d}}}", f"\\frac{{{n + 1}}}{{{d}}}", f"\\frac{{{n}}}{{{d + 1}}}"]
    task = {"answer": "A", "choices": choices, "answer_type": "mcq",
            "question": f"Which of the following is equal to ${dec}$?"}
    assert passes(task, box("A")) and passes(task, box(choices[0]))
    for echo in (dec, dec + "0"):
        assert not passes(task, box(echo)), echo


def test_a_number_of_the_question_that_is_the_gold_still_answers():
    task = {"answer": "5", "question": "Sam had 5 apples and ate none. How many are left?"}
    assert passes(task, box("5"))
    assert passes(task, box("5.0"))
    task = {"answer": "\\{-6, 0\\}", "question": "Find all real solutions of $x^2 + 6x = 0$."}
    assert passes(task, "$\\boxed{-6}$, $\\boxed{0}$")


# --- the forms a question's wording asks for (procedural tasks and loaded records alike) -------

def _record(problem: str, answer: str) -> dict:
    return normalize_math_record({"problem": problem, "answer": answer})


@pytest.mark.parametrize("seed", SEEDS)
def test_forms_from_the_wording_of_loaded_records(seed):
    rng = random.Random(50 + seed)
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    expanded = f"x^2 + {a + b}x + {a * b}"
    factored = f"(x + {a})(x + {b})"
    t = _record(f"Factor ${expanded}$.", factored)
    assert passes(t, box(f"(x+{b})(x+{a})")) and not passes(t, box(expanded))
    t = _record(f"Expand ${factored}$.", expanded)
    assert passes(t, box(f"{a * b} + {a + b}x + x^2")) and not passes(t, box(factored))
    assert not passes(t, box(f"x(x + {a}) + {b}(x + {a})"))
    p, q, g = rng.randint(1, 9), rng.randint(11, 19), rng.randint(2, 6)
    while math.gcd(p, q) != 1:
        p += 1
    t = _record(f"Simplify $\\frac{{{p * g}}}{{{q * g}}}$.", f"\\frac{{{p}}}{{{q}}}")
    assert passes(t, box(f"\\frac{{{p}}}{{{q}}}"))
    assert not passes(t, box(f"\\frac{{{p * g}}}{{{q * g}}}"))
    t = _record(f"Express $\\frac{{{p}}}{{4}} + \\frac{{1}}{{4}}$ as a common fraction.",
                f"\\frac{{{p + 1}}}{{4}}")
    if math.gcd(p + 1, 4) == 1:
        assert passes(t, box(f"\\frac{{{p + 1}}}{{4}}"))
        assert not passes(t, box(f"{(p + 1) / 4:g}"))  # a decimal, not a fraction
    n = rng.choice([2, 3, 5, 6, 7])
    t = _record(f"Rationalize the denominator: $\\frac{{{a}}}{{\\sqrt{{{n}}}}}$.",
                f"\\frac{{{a}\\sqrt{{{n}}}}}{{{n}}}")
    if math.gcd(a, n) == 1:
        assert passes(t, box(f"\\frac{{{a}\\sqrt{{{n}}}}}{{{n}}}"))
        assert not passes(t, box(f"\\frac{{{a}}}{{\\sqrt{{{n}}}}}"))
    digits = rng.choice(["36", "27", "45", "18"])
    value = int(digits) // math.gcd(int(digits), 99), 99 // math.gcd(int(digits), 99)
    t = _record(f"Express $0.\\overline{{{digits}}}$ as a common fraction in lowest terms.",
                f"\\frac{{{value[0]}}}{{{value[1]}}}")
    assert passes(t, box(f"\\frac{{{value[0]}}}{{{value[1]}}}"))
    for echo in (f"0.\\overline{{{digits}}}", f"0.{digits * 3}\\ldots",
                 f"\\frac{{{digits}}}{{99}}"):
        assert not passes(t, box(echo)), echo
    t = _record(f"Write $\\frac{{{p}}}{{8}}$ as a decimal.", f"{p / 8:g}")
    assert passes(t, box(f"{p / 8:g}")) and not passes(t, box(f"\\frac{{{p}}}{{8}}"))


@pytest.mark.parametrize("seed", SEEDS)
def test_simplified_and_factored_forms_cannot_be_dodged(seed):
    rng = random.Random(60 + seed)
    a, b, c = rng.sample(range(1, 12), 3)
    gold = f"\\frac{{x - {a}}}{{x - {b}}}"
    task = {"answer": gold, "answer_type": "expression", "required_form": "simplified"}
    assert passes(task, box(gold))
    for dodge in (f"\\frac{{(x-{a})(x-{c})}}{{(x-{b})(x-{c})}}",
                  f"\\sqrt{{\\left({gold}\\right)^2}}"):
        assert not passes(task, box(dodge)), dodge
    p, q = rng.randint(2, 5), rng.randint(2, 7)
    gold = f"(x + {a})({p}x - 1)"
    task = {"answer": gold, "answer_type": "expression", "required_form": "factored",
            "question": "Factor completely over the integers."}
    assert passes(task, box(f"({p}x - 1)(x + {a})"))
    assert not passes(task, box(f"{p}(x - \\frac{{1}}{{{p}}})(x + {a})"))  # not over the integers
    assert not passes(task, box(f"({q * p}x - {q})(x + {a})"))  # a common factor left inside
    assert passes({"answer": f"{q}({p}x - 1)(x + {a})", "required_form": "factored"},
                  box(f"{q}(x + {a})({p}x - 1)"))


def test_slope_intercept_form_when_the_question_asks():
    source = make_math_source(seed=5, families=["lines"])
    checked = 0
    for level in source.families["lines"].difficulties:
        for i in range(6):
            task = source.build("lines", level, i)
            if "slope-intercept" not in task["question"]:
                continue
            lhs, rhs = (s.strip() for s in task["answer"].split("="))
            assert passes(task, box(task["answer"]))
            assert passes(task, box(f"f(x) = {rhs}"))
            m = re.search(r"\((-?\d+), (-?\d+)\)", task["question"])
            if m and "x" in rhs:
                x0, y0 = int(m.group(1)), int(m.group(2))
                # point-slope form: equal, but not the form the question asks for
                slope = re.match(r"(-?\\frac\{\d+\}\{\d+\}|-?\d*)x", rhs).group(1) or "1"
                slope = "-1" if slope == "-" else slope
                assert not passes(task, box(f"y - {y0} = {slope}(x - {x0})")), task["id"]
            checked += 1
    assert checked >= 10
