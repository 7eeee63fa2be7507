"""Multiple choice: exactly one option is correct (checked when the item is built); gold is
its letter. The options are LaTeX strings in `choices` (option i has letter chr(65 + i)); the
question is only the stem, since the env lists the options under it.

`metadata["values"]` holds each option's exact value and `metadata["check"]` the property
tested, so a test can recheck that exactly one option has it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from ._common import LeveledFamily, decimal_str, frac_latex, json_number, require, retry, surd_latex

KINDS = ("prime", "divisible", "equals_decimal", "largest", "root", "sqrt_equal")


@dataclass(frozen=True)
class MultipleChoiceConfig:
    """One level: kinds of question, number of options, size of the numbers."""

    kinds: tuple[str, ...]
    n_choices: int
    max_value: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(4 <= self.n_choices <= 6, "n_choices must be 4..6")
        require(self.max_value >= 50, "max_value must be at least 50")


LEVELS = {
    1: MultipleChoiceConfig(("prime", "divisible", "largest"), n_choices=4, max_value=100),
    2: MultipleChoiceConfig(("prime", "equals_decimal", "largest", "divisible"), n_choices=4,
                            max_value=300),
    3: MultipleChoiceConfig(("prime", "equals_decimal", "root", "sqrt_equal"), n_choices=5,
                            max_value=1_000),
    4: MultipleChoiceConfig(("prime", "root", "sqrt_equal", "largest"), n_choices=5,
                            max_value=5_000),
    5: MultipleChoiceConfig(("prime", "sqrt_equal", "root", "largest", "divisible"),
                            n_choices=5, max_value=20_000),
}


def _hard_composite(rng: random.Random, hi: int) -> int:
    """An odd composite not divisible by 3 or 5 (so it 'looks' prime), below `hi`."""
    while True:
        p = int(sympy.prevprime(rng.randint(9, max(12, int(hi ** 0.5)))))
        q = int(sympy.nextprime(rng.randint(p, max(p + 1, hi // p))))
        n = p * q
        if n < hi and p >= 7:
            return n
        if hi < 200:  # few such numbers exist: accept any odd composite
            n = rng.randrange(9, hi, 2)
            if not sympy.isprime(n):
                return n


class MultipleChoiceFamily(LeveledFamily[MultipleChoiceConfig]):
    """Pick the one correct option among 4-5; the answer is its letter (A, B, ...)."""

    name = "multiple_choice"
    answer_types = ("mcq",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: MultipleChoiceConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        stem, correct, wrong, texts, check = retry(
            rng, lambda r: getattr(self, f"_{kind}")(r, cfg), self.name)
        values = [correct, *wrong]
        order = list(range(len(values)))
        rng.shuffle(order)
        values = [values[i] for i in order]
        choices = [texts[i] for i in order]
        answer_index = order.index(0)
        return {"question": stem, "answer": chr(65 + answer_index),
                "answer_type": "mcq", "choices": choices,
                "metadata": {"kind": kind, "check": check, "correct_index": answer_index,
                             "values": [json_number(v) for v in values]}}

    # builders return (stem, correct value, wrong values, option texts in the same order
    # as [correct, *wrong], check dict) or None to retry

    def _prime(self, rng: random.Random, cfg: MultipleChoiceConfig):
        k = cfg.n_choices
        correct = int(sympy.prevprime(rng.randint(20, cfg.max_value)))
        wrong: list[int] = []
        while len(wrong) < k - 1:
            n = _hard_composite(rng, cfg.max_value)
            if n not in wrong:
                wrong.append(n)
        vals = [correct, *wrong]
        if sum(sympy.isprime(v) for v in vals) != 1:
            return None
        return ("Which of the following numbers is prime?", correct, wrong,
                [str(v) for v in vals], {"property": "prime"})

    def _divisible(self, rng: random.Random, cfg: MultipleChoiceConfig):
        d = rng.choice([3, 4, 6, 7, 8, 9, 11, 12] if cfg.max_value > 100 else [3, 4, 6, 9])
        correct = d * rng.randint(max(2, cfg.max_value // (4 * d)), cfg.max_value // d)
        wrong = set()
        while len(wrong) < cfg.n_choices - 1:
            n = correct + rng.choice([-1, 1]) * rng.randint(1, 3 * d)
            if n > 1 and n % d:
                wrong.add(n)
        wrong_l = sorted(wrong)
        return (f"Which of the following numbers is divisible by {d}?", correct, wrong_l,
                [str(v) for v in [correct, *wrong_l]], {"property": "divisible_by", "d": d})

    def _equals_decimal(self, rng: random.Random, cfg: MultipleChoiceConfig):
        den = rng.choice([4, 8, 16, 20, 25, 40] if cfg.max_value > 300 else [4, 5, 8, 20])
        num = rng.randint(1, 3 * den)
        target = Fraction(num, den)
        if target.denominator == 1:
            return None
        near = {Fraction(target.numerator, target.denominator + 1),
                Fraction(target.numerator + 1, target.denominator),
                Fraction(target.denominator, target.numerator),
                Fraction(target.numerator, 10 * target.denominator) * 10 + Fraction(1, 10),
                Fraction(target.numerator, max(1, target.denominator - 1)),
                Fraction(target.numerator * 10, target.denominator * 100 + 1)}
        wrong = sorted(v for v in near if v != target and v > 0)
        if len(wrong) < cfg.n_choices - 1:
            return None
        wrong = rng.sample(wrong, cfg.n_choices - 1)
        return (f"Which of the following is equal to ${decimal_str(target)}$?", target, wrong,
                [frac_latex(v) for v in [target, *wrong]],
                {"property": "equals", "target": json_number(target)})

    def _largest(self, rng: random.Random, cfg: MultipleChoiceConfig):
        hi = 12 if cfg.max_value <= 300 else 40
        vals: list[Fraction] = []
        while len(vals) < cfg.n_choices:
            d = rng.randint(2, hi)
            v = Fraction(rng.randint(1, 2 * d), d)
            if v not in vals and v.denominator > 1:
                vals.append(v)
        top = max(vals)
        wrong = [v for v in vals if v != top]
        if max(wrong) == top or top - max(wrong) > Fraction(1, 3):
            return None  # keep it a real comparison, not an obvious one
        return ("Which of the following numbers is the largest?", top, wrong,
                [frac_latex(v) for v in [top, *wrong]], {"property": "largest"})

    def _root(self, rng: random.Random, cfg: MultipleChoiceConfig):
        x = sympy.Symbol("x")
        m = 9 if cfg.max_value <= 1_000 else 15
        r = rng.randint(-m, m)
        s = Fraction(rng.randint(-m, m), rng.choice([1, 1, 2, 3]))
        poly = sympy.expand((x - r) * (s.denominator * x - s.numerator))
        wrong: set[Fraction] = set()
        while len(wrong) < cfg.n_choices - 1:
            v = Fraction(r + rng.choice([-1, 1]) * rng.randint(1, 4))
            if rng.random() < 0.3:
                v = -Fraction(r)
            if v not in (Fraction(r), s):
                wrong.add(v)
        wrong_l = sorted(wrong)
        poly_tex = sympy.latex(poly, order="lex")
        return (f"Which of the following is a solution of ${poly_tex} = 0$?", Fraction(r),
                wrong_l, [frac_latex(v) for v in [Fraction(r), *wrong_l]],
                {"property": "root", "polynomial": str(poly)})

    def _sqrt_equal(self, rng: random.Random, cfg: MultipleChoiceConfig):
        a, b = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10])
        n = a * a * b
        cands: dict[tuple[int, int], int] = {}
        for aa, bb in [(a, b + 1), (a + 1, b), (a - 1, b), (b, a), (a * b, 1), (2 * a, b),
                       (a, 2 * b), (a + 2, b)]:
            if aa >= 1 and bb >= 1:
                cands[(aa, bb)] = aa * aa * bb  # the value squared; equal iff same square
        wrong = [(aa, bb) for (aa, bb), sq in cands.items() if sq != n and bb in
                 (2, 3, 5, 6, 7, 10, 11, 13, 1)]
        if len(wrong) < cfg.n_choices - 1:
            return None
        wrong = rng.sample(wrong, cfg.n_choices - 1)
        vals = [(a, b), *wrong]
        texts = [surd_latex(0, aa, bb) if bb > 1 else str(aa) for aa, bb in vals]
        # values are the options' squares: an option equals sqrt(n) iff its square is n
        return (f"Which of the following is equal to $\\sqrt{{{n}}}$?", n,
                [aa * aa * bb for aa, bb in wrong], texts,
                {"property": "square_equals", "target_square": n})
