"""Simplifying radicals: `Simplify $\\sqrt{72}$.` → `6\\sqrt{2}`; harder levels combine
terms, rationalize denominators and use cube roots."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import LeveledFamily, frac_latex, require, square_free_split, surd_latex

KINDS = ("simplify", "sum", "product", "rationalize", "cube_root", "binomial_denominator",
         "square_binomial")
SQUARE_FREE = (2, 3, 5, 6, 7, 10, 11, 13, 14, 15, 17, 19, 21, 22, 23)


@dataclass(frozen=True)
class RadicalConfig:
    """One level: kinds of problem, largest square factor, number of terms in a sum."""

    kinds: tuple[str, ...]
    max_square_root: int  # n = a^2 * b with a up to this
    max_radicand_core: int  # b (square-free part) up to this
    terms: int = 2
    max_outer_coef: int = 1  # `simplify` items may read `3\sqrt{12}`

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_square_root >= 2, "max_square_root must be at least 2")
        require(self.max_radicand_core >= 2, "max_radicand_core must be at least 2")
        require(self.terms >= 2, "terms must be at least 2")


LEVELS = {
    1: RadicalConfig(("simplify",), max_square_root=10, max_radicand_core=15, max_outer_coef=3),
    2: RadicalConfig(("simplify", "sum"), max_square_root=12, max_radicand_core=15,
                     max_outer_coef=5),
    3: RadicalConfig(("sum", "product", "rationalize"), max_square_root=10,
                     max_radicand_core=15, terms=3),
    4: RadicalConfig(("product", "rationalize", "cube_root", "square_binomial"),
                     max_square_root=12, max_radicand_core=19, terms=3),
    5: RadicalConfig(("binomial_denominator", "square_binomial", "sum", "cube_root"),
                     max_square_root=15, max_radicand_core=23, terms=4),
}


class RadicalsFamily(LeveledFamily[RadicalConfig]):
    """Simplify expressions with square (and cube) roots to the form `a + b\\sqrt{c}`."""

    name = "radicals"
    answer_types = ("number",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: RadicalConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        question, answer, meta = getattr(self, f"_{kind}")(rng, cfg)
        return {"question": question, "answer": answer, "answer_type": "number",
                "metadata": {"kind": kind, **meta}}

    def _core(self, rng: random.Random, cfg: RadicalConfig) -> int:
        return rng.choice([b for b in SQUARE_FREE if b <= cfg.max_radicand_core])

    def _simplify(self, rng: random.Random, cfg: RadicalConfig):
        a, b = rng.randint(2, cfg.max_square_root), self._core(rng, cfg)
        c = rng.randint(1, cfg.max_outer_coef)
        coef = "" if c == 1 else str(c)
        return (f"Simplify ${coef}\\sqrt{{{a * a * b}}}$.", surd_latex(0, c * a, b),
                {"value": [0, c * a, b]})

    def _sum(self, rng: random.Random, cfg: RadicalConfig):
        b = self._core(rng, cfg)
        terms, total = [], 0
        for i in range(cfg.terms):
            a, c = rng.randint(1, cfg.max_square_root), rng.randint(1, 4)
            sign = 1 if i == 0 or rng.random() < 0.6 else -1
            total += sign * c * a
            coef = "" if c == 1 else str(c)
            terms.append(("" if i == 0 else (" + " if sign > 0 else " - "))
                         + f"{coef}\\sqrt{{{a * a * b}}}")
        if total == 0:
            return self._sum(rng, cfg)
        return (f"Simplify ${''.join(terms)}$.", surd_latex(0, total, b), {"value": [0, total, b]})

    def _product(self, rng: random.Random, cfg: RadicalConfig):
        # sqrt(g u) * sqrt(g v) = g sqrt(u v): a shared factor is what makes it simplify
        g = rng.randint(2, cfg.max_radicand_core)
        u, v = rng.sample(range(1, 7), 2)
        m, n = g * u, g * v
        c1, c2 = rng.randint(1, 4), rng.randint(1, 5)
        a, b = square_free_split(m * n)
        if b == 1:
            return self._product(rng, cfg)
        coef = c1 * c2 * a
        left = ("" if c1 == 1 else str(c1)) + f"\\sqrt{{{m}}}"
        right = ("" if c2 == 1 else str(c2)) + f"\\sqrt{{{n}}}"
        return (f"Simplify ${left} \\cdot {right}$.", surd_latex(0, coef, b),
                {"value": [0, coef, b]})

    def _rationalize(self, rng: random.Random, cfg: RadicalConfig):
        a, b = rng.randint(1, cfg.max_square_root // 2 + 1), self._core(rng, cfg)
        num = rng.randint(1, 12) * (b if rng.random() < 0.5 else 1)
        # num / (a sqrt(b)) = num sqrt(b) / (a b)
        q = Fraction(num, a * b)
        return (f"Simplify $\\frac{{{num}}}{{\\sqrt{{{a * a * b}}}}}$ and rationalize the "
                f"denominator.", surd_latex(0, q, b), {"value": [0, frac_latex(q), b]})

    def _cube_root(self, rng: random.Random, cfg: RadicalConfig):
        a, b = rng.randint(2, 5), rng.choice([2, 3, 4, 5, 6, 7, 9, 10])
        c = rng.randint(1, 3)
        coef = "" if c == 1 else str(c)
        return (f"Simplify ${coef}\\sqrt[3]{{{a ** 3 * b}}}$.", f"{c * a}\\sqrt[3]{{{b}}}",
                {"value": [0, c * a, f"cbrt({b})"]})

    def _square_binomial(self, rng: random.Random, cfg: RadicalConfig):
        p, q, b = rng.randint(1, 9), rng.randint(1, 5), self._core(rng, cfg)
        sign = rng.choice([1, -1])
        # (p + sign q sqrt b)^2 = p^2 + q^2 b + 2 sign p q sqrt b
        rat, irr = p * p + q * q * b, 2 * sign * p * q
        qtext = "" if q == 1 else str(q)
        return (f"Expand and simplify $\\left({p} {'+' if sign > 0 else '-'} {qtext}\\sqrt{{{b}}}"
                f"\\right)^{{2}}$.", surd_latex(rat, irr, b), {"value": [rat, irr, b]})

    def _binomial_denominator(self, rng: random.Random, cfg: RadicalConfig):
        p, q, b = rng.randint(1, 9), rng.randint(1, 3), self._core(rng, cfg)
        if p * p == q * q * b:
            return self._binomial_denominator(rng, cfg)
        sign = rng.choice([1, -1])
        num = rng.randint(1, 12)
        # num / (p + s q sqrt b) = num (p - s q sqrt b) / (p^2 - q^2 b)
        den = p * p - q * q * b
        rat, irr = Fraction(num * p, den), Fraction(-sign * num * q, den)
        qtext = "" if q == 1 else str(q)
        return (f"Rationalize the denominator and simplify: $\\frac{{{num}}}{{{p} "
                f"{'+' if sign > 0 else '-'} {qtext}\\sqrt{{{b}}}}}$.", surd_latex(rat, irr, b),
                {"value": [frac_latex(rat), frac_latex(irr), b]})
