"""Integer arithmetic with the order of operations: `Evaluate $3 + 4 \\times (5 - 2)^{2}$.`"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import Expr, LeveledFamily, random_tree, require, retry


@dataclass(frozen=True)
class ArithmeticConfig:
    """One level: how many numbers, how big, which operators, what shapes."""

    min_terms: int
    max_terms: int
    max_value: int
    ops: str  # subset of "+-*/"
    nested: bool  # arbitrary tree shapes (parentheses) rather than a left-to-right chain
    negative_prob: float = 0.0  # chance a number is negative, written `(-7)`
    power_prob: float = 0.0  # chance a number is a small power `3^{2}`
    max_abs_result: int = 10_000

    def validate(self) -> None:
        require(2 <= self.min_terms <= self.max_terms, "need 2 <= min_terms <= max_terms")
        require(self.max_value >= 2, "max_value must be at least 2")
        require(bool(self.ops) and set(self.ops) <= set("+-*/"), "ops must be from '+-*/'")
        require(0 <= self.negative_prob < 1 and 0 <= self.power_prob < 1,
                "probabilities must be in [0, 1)")


LEVELS = {
    1: ArithmeticConfig(2, 3, 20, "+-", nested=False),
    2: ArithmeticConfig(3, 4, 12, "+-*", nested=False),
    3: ArithmeticConfig(4, 5, 15, "+-*/", nested=True),
    4: ArithmeticConfig(5, 6, 20, "+-*/", nested=True, negative_prob=0.2, power_prob=0.15),
    5: ArithmeticConfig(6, 8, 30, "+-*/", nested=True, negative_prob=0.25, power_prob=0.25,
                        max_abs_result=100_000),
}


class ArithmeticFamily(LeveledFamily[ArithmeticConfig]):
    """Evaluate an integer expression; harder levels add operators, nesting, negatives and
    powers. Every intermediate value is an integer (divisions are exact)."""

    name = "arithmetic"
    answer_types = ("integer",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: ArithmeticConfig) -> dict[str, Any]:
        def leaf(r: random.Random) -> Expr:
            if r.random() < cfg.power_prob:
                base, exp = r.randint(2, 6), r.randint(2, 3)
                return Expr(f"{base}^{{{exp}}}", Fraction(base ** exp), 3)
            v = r.randint(1, cfg.max_value)
            if r.random() < cfg.negative_prob:
                return Expr(f"(-{v})", Fraction(-v), 3)
            return Expr(str(v), Fraction(v), 3)

        def build(r: random.Random) -> Expr | None:
            n = r.randint(cfg.min_terms, cfg.max_terms)
            e = random_tree(r, n, cfg.ops, leaf, cfg.nested, integral=True)
            if e is None or abs(e.value) > cfg.max_abs_result:
                return None
            if abs(e.value) <= 1 and r.random() < 0.8:
                return None  # sums of small numbers pile up on 0 and +-1; spread them out
            # at least one operator of the level's newest kind keeps levels distinct
            if "/" in cfg.ops and "\\div" not in e.latex and r.random() < 0.7:
                return None
            return e

        e: Expr = retry(rng, build, self.name)
        return {
            "question": f"Evaluate ${e.latex}$.",
            "answer": str(e.value.numerator),
            "answer_type": "integer",
            "metadata": {"expression": e.latex},
        }
