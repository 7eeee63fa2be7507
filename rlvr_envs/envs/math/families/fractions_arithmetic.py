"""Fraction arithmetic: `Compute $\\frac{2}{3} + \\frac{5}{7}$.`; gold in lowest terms."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import Expr, LeveledFamily, frac_latex, random_tree, require, retry


@dataclass(frozen=True)
class FractionConfig:
    """One level: number of terms, denominator size, operators, nesting, extra forms."""

    min_terms: int
    max_terms: int
    max_denominator: int
    ops: str
    nested: bool
    negative_prob: float = 0.0
    mixed_number_prob: float = 0.0  # chance a term is written as a mixed number `2\frac{1}{3}`
    power_prob: float = 0.0  # chance a term is squared or cubed
    complex_fraction: bool = False  # the whole thing is one fraction over another

    def validate(self) -> None:
        require(2 <= self.min_terms <= self.max_terms, "need 2 <= min_terms <= max_terms")
        require(self.max_denominator >= 3, "max_denominator must be at least 3")
        require(bool(self.ops) and set(self.ops) <= set("+-*/"), "ops must be from '+-*/'")


LEVELS = {
    1: FractionConfig(2, 2, 10, "+-", nested=False),
    2: FractionConfig(2, 3, 12, "+-*/", nested=False),
    3: FractionConfig(3, 4, 15, "+-*/", nested=True, negative_prob=0.15),
    4: FractionConfig(4, 5, 20, "+-*/", nested=True, negative_prob=0.2, mixed_number_prob=0.25,
                      power_prob=0.15),
    5: FractionConfig(4, 6, 25, "+-*/", nested=True, negative_prob=0.2, power_prob=0.2,
                      complex_fraction=True),
}


class FractionArithmeticFamily(LeveledFamily[FractionConfig]):
    """Add, subtract, multiply and divide fractions; the gold is a fraction in lowest terms
    (or an integer when the value is whole)."""

    name = "fraction_arithmetic"
    answer_types = ("number",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: FractionConfig) -> dict[str, Any]:
        def leaf(r: random.Random) -> Expr:
            d = r.randint(2, cfg.max_denominator)
            n = r.randint(1, d - 1) if r.random() < 0.8 else r.randint(d + 1, 2 * d)
            q = Fraction(n, d)
            if q.denominator == 1:
                q += Fraction(1, d + 1)
            tex = frac_latex(q)
            if r.random() < cfg.mixed_number_prob and q < 1:
                whole = r.randint(1, 4)
                q += whole
                tex = f"{whole}{frac_latex(q - whole)}"
            if r.random() < cfg.power_prob:
                k = r.choice([2, 2, 3])
                return Expr(f"\\left({tex}\\right)^{{{k}}}", q ** k, 3)
            if r.random() < cfg.negative_prob:
                return Expr(f"\\left(-{tex}\\right)", -q, 3)
            return Expr(tex, q, 3)

        def ok(e: Expr | None) -> bool:
            return (e is not None and e.value != 0 and e.value.denominator <= 2_000
                    and abs(e.value.numerator) <= 20_000)

        def build(r: random.Random) -> Expr | None:
            n = r.randint(cfg.min_terms, cfg.max_terms)
            if cfg.complex_fraction:
                k = max(2, n // 2)
                top = random_tree(r, k, cfg.ops, leaf, cfg.nested)
                bottom = random_tree(r, max(2, n - k), "+-", leaf, False)
                if not (ok(top) and ok(bottom)):
                    return None
                e = Expr(f"\\frac{{{top.latex}}}{{{bottom.latex}}}", top.value / bottom.value, 3)
            else:
                e = random_tree(r, n, cfg.ops, leaf, cfg.nested)
            if not ok(e) or (e.value.denominator == 1 and r.random() > 0.1):
                return None  # whole-number results are kept, but rarely
            return e

        e: Expr = retry(rng, build, self.name)
        return {
            "question": f"Compute ${e.latex}$. Express the result as a fraction in lowest terms."
            if e.value.denominator > 1 else f"Compute ${e.latex}$ and simplify completely.",
            "answer": frac_latex(e.value),
            "answer_type": "number",
            "metadata": {"expression": e.latex,
                         "value": f"{e.value.numerator}/{e.value.denominator}"},
        }
