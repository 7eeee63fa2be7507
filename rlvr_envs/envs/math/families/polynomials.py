"""Polynomial expansion, factoring and simplification; gold is an expression.

`metadata["required_form"]` says which form the question asks for ("expanded", "factored",
"simplified"): a verifier that only checks equivalence also accepts the question's own
expression, so a strict grader should check the form too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy

from ._common import LeveledFamily, expr_latex, nonzero, require

x, y = sympy.symbols("x y")
KINDS = ("expand_monic", "expand_binomials", "expand_square", "factor_monic", "factor_nonmonic",
         "difference_of_squares", "expand_trinomial", "expand_cube", "expand_two_vars",
         "factor_cubic", "factor_common", "cubes", "rational_simplify", "expand_quartic")
FORMS = {"expand": "expanded", "factor": "factored", "difference": "factored",
         "cubes": "factored", "rational": "simplified"}


@dataclass(frozen=True)
class PolynomialConfig:
    """One level: kinds of problem and the size of the coefficients and roots."""

    kinds: tuple[str, ...]
    max_coef: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_coef >= 2, "max_coef must be at least 2")


LEVELS = {
    1: PolynomialConfig(("expand_monic",), max_coef=9),
    2: PolynomialConfig(("expand_binomials", "expand_square", "factor_monic"), max_coef=9),
    3: PolynomialConfig(("expand_trinomial", "factor_nonmonic", "difference_of_squares",
                         "factor_monic"), max_coef=12),
    4: PolynomialConfig(("expand_cube", "expand_two_vars", "factor_cubic", "factor_common"),
                        max_coef=6),
    5: PolynomialConfig(("rational_simplify", "cubes", "expand_quartic", "factor_cubic"),
                        max_coef=9),
}


tex = expr_latex


def factored_tex(e: sympy.Expr) -> str:
    """`2 x (x - 1)(x + 3)`: constant, then monomial factors, then the others in parentheses."""
    const, factors = sympy.factor_list(e)
    sign = "-" if const < 0 else ""
    head = [] if abs(const) == 1 else [str(abs(const))]
    monomials, others = [], []
    for f, k in sorted(factors, key=lambda fk: (sympy.degree(fk[0], x), str(fk[0]))):
        body = tex(f)
        if f.is_Symbol:
            monomials.append(body if k == 1 else f"{body}^{{{k}}}")
        else:
            others.append(f"({body})" if k == 1 else f"({body})^{{{k}}}")
    front = " ".join(head + monomials)
    return sign + front + (" " if front and others else "") + "".join(others)


class PolynomialsFamily(LeveledFamily[PolynomialConfig]):
    """Expand, factor or simplify polynomials and rational expressions in `x` (and `y`)."""

    name = "polynomials"
    answer_types = ("expression",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: PolynomialConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        question, answer_expr, answer = getattr(self, f"_{kind}")(rng, cfg)
        form = FORMS[kind.split("_")[0]]
        return {"question": question, "answer": answer, "answer_type": "expression",
                "metadata": {"kind": kind, "required_form": form,
                             "answer_sympy": sympy.srepr(answer_expr)}}

    def _lin(self, rng: random.Random, cfg: PolynomialConfig, monic: bool = False) -> sympy.Expr:
        a = 1 if monic else nonzero(rng, -4, 5)
        return a * x + nonzero(rng, -cfg.max_coef, cfg.max_coef)

    def _expand(self, product: sympy.Expr, shown: str):
        e = sympy.expand(product)
        return f"Expand and simplify ${shown}$.", e, tex(e)

    def _expand_monic(self, rng: random.Random, cfg: PolynomialConfig):
        f, g = self._lin(rng, cfg, True), self._lin(rng, cfg, True)
        return self._expand(f * g, f"({tex(f)})({tex(g)})")

    def _expand_binomials(self, rng: random.Random, cfg: PolynomialConfig):
        f, g = self._lin(rng, cfg), self._lin(rng, cfg)
        return self._expand(f * g, f"({tex(f)})({tex(g)})")

    def _expand_square(self, rng: random.Random, cfg: PolynomialConfig):
        f = self._lin(rng, cfg)
        return self._expand(f ** 2, f"({tex(f)})^{{2}}")

    def _expand_trinomial(self, rng: random.Random, cfg: PolynomialConfig):
        t = nonzero(rng, -3, 4) * x ** 2 + rng.randint(-cfg.max_coef, cfg.max_coef) * x \
            + nonzero(rng, -cfg.max_coef, cfg.max_coef)
        f = self._lin(rng, cfg)
        return self._expand(t * f, f"({tex(f)})({tex(t)})")

    def _expand_cube(self, rng: random.Random, cfg: PolynomialConfig):
        f = self._lin(rng, cfg)
        return self._expand(f ** 3, f"({tex(f)})^{{3}}")

    def _expand_two_vars(self, rng: random.Random, cfg: PolynomialConfig):
        f = nonzero(rng, -4, 5) * x + nonzero(rng, -cfg.max_coef, cfg.max_coef) * y
        g = nonzero(rng, -4, 5) * x + nonzero(rng, -cfg.max_coef, cfg.max_coef) * y
        if rng.random() < 0.3:
            return self._expand(f ** 2, f"({tex(f)})^{{2}}")
        return self._expand(f * g, f"({tex(f)})({tex(g)})")

    def _expand_quartic(self, rng: random.Random, cfg: PolynomialConfig):
        f = x ** 2 + rng.randint(-cfg.max_coef, cfg.max_coef) * x + nonzero(rng, -9, 9)
        g = nonzero(rng, -3, 3) * x ** 2 + rng.randint(-cfg.max_coef, cfg.max_coef) * x \
            + nonzero(rng, -9, 9)
        return self._expand(f * g, f"({tex(f)})({tex(g)})")

    def _factor(self, e: sympy.Expr, what: str = "") -> tuple[str, sympy.Expr, str]:
        e = sympy.expand(e)
        f = sympy.factor(e)
        return f"Factor ${tex(e)}$ completely{what}.", f, factored_tex(e)

    def _factor_monic(self, rng: random.Random, cfg: PolynomialConfig):
        r, s = nonzero(rng, -cfg.max_coef, cfg.max_coef), nonzero(rng, -cfg.max_coef, cfg.max_coef)
        return self._factor((x - r) * (x - s))

    def _factor_nonmonic(self, rng: random.Random, cfg: PolynomialConfig):
        while True:
            a, c = rng.randint(2, 5), rng.randint(1, 4)
            b, d = nonzero(rng, -9, 9), nonzero(rng, -9, 9)
            if sympy.gcd(a, b) == 1 and sympy.gcd(c, d) == 1:
                return self._factor((a * x + b) * (c * x + d), " over the integers")

    def _difference_of_squares(self, rng: random.Random, cfg: PolynomialConfig):
        a, b = rng.randint(1, 7), rng.randint(1, cfg.max_coef)
        k = rng.choice([1, 1, 2, 3])
        return self._factor(k * (a * a * x ** 2 - b * b), " over the integers")

    def _factor_cubic(self, rng: random.Random, cfg: PolynomialConfig):
        roots = rng.sample([r for r in range(-cfg.max_coef, cfg.max_coef + 1) if r], 3)
        lead = rng.choice([1, 1, 2, -1])
        e = lead * (x - roots[0]) * (x - roots[1]) * (x - roots[2])
        return self._factor(e, " over the integers")

    def _factor_common(self, rng: random.Random, cfg: PolynomialConfig):
        k = rng.randint(2, 6)
        r, s = nonzero(rng, -cfg.max_coef, cfg.max_coef), nonzero(rng, -cfg.max_coef, cfg.max_coef)
        return self._factor(k * x * (x - r) * (x - s), " over the integers")

    def _cubes(self, rng: random.Random, cfg: PolynomialConfig):
        a, b = rng.randint(1, 4), rng.randint(1, 6)
        sign = rng.choice([1, -1])
        return self._factor(a ** 3 * x ** 3 + sign * b ** 3, " over the integers")

    def _rational_simplify(self, rng: random.Random, cfg: PolynomialConfig):
        r, s, t = rng.sample([v for v in range(-cfg.max_coef, cfg.max_coef + 1) if v], 3)
        num = sympy.expand((x - r) * (x - s))
        den = sympy.expand((x - r) * (x - t))
        simplified = (x - s) / (x - t)
        answer = f"\\frac{{{tex(x - s)}}}{{{tex(x - t)}}}"
        return (f"Simplify $\\frac{{{tex(num)}}}{{{tex(den)}}}$ (for values of $x$ where it "
                f"is defined).", simplified, answer)
