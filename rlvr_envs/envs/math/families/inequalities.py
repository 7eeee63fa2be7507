"""Inequalities in one variable; gold is interval notation: `(-\\infty, 3]`, `(-2, 5)`,
`(-\\infty, -1) \\cup [4, \\infty)`, `\\emptyset`. Golds are computed by sympy's solver."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy

from ._common import LeveledFamily, expr_latex, interval_latex, nonzero, require

x = sympy.Symbol("x", real=True)
KINDS = ("linear", "linear_flip", "compound", "quadratic", "absolute", "rational",
         "quadratic_degenerate")
REL = {"<": sympy.StrictLessThan, "<=": sympy.LessThan, ">": sympy.StrictGreaterThan,
       ">=": sympy.GreaterThan}
TEX = {"<": "<", "<=": "\\le", ">": ">", ">=": "\\ge"}


@dataclass(frozen=True)
class InequalityConfig:
    """One level: kinds of inequality and coefficient size."""

    kinds: tuple[str, ...]
    max_coef: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_coef >= 3, "max_coef must be at least 3")


LEVELS = {
    1: InequalityConfig(("linear",), max_coef=9),
    2: InequalityConfig(("linear", "linear_flip"), max_coef=12),
    3: InequalityConfig(("compound", "linear_flip"), max_coef=12),
    4: InequalityConfig(("quadratic", "absolute", "compound"), max_coef=9),
    5: InequalityConfig(("rational", "quadratic", "absolute", "quadratic_degenerate"),
                        max_coef=12),
}


def solve_real(cond: sympy.Basic) -> sympy.Set:
    """The real solution set of a relation or a conjunction of relations in `x`."""
    if isinstance(cond, sympy.And):
        out = sympy.S.Reals
        for part in cond.args:
            out = out.intersect(solve_real(part))
        return out
    return sympy.solveset(cond, x, sympy.S.Reals)


class InequalitiesFamily(LeveledFamily[InequalityConfig]):
    """Solve an inequality over the reals and answer in interval notation."""

    name = "inequalities"
    answer_types = ("interval",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: InequalityConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        m = cfg.max_coef
        rel = rng.choice(list(REL))
        if kind in ("linear", "linear_flip"):
            a = rng.randint(2, m) * (-1 if kind == "linear_flip" else 1)
            b, c = rng.randint(-m, m), rng.randint(-3 * m, 3 * m)
            lhs, rhs = a * x + b, sympy.Integer(c)
            if kind == "linear_flip" and rng.random() < 0.5:  # x on both sides
                d = rng.randint(1, m)
                lhs, rhs = lhs + d * x, rhs + d * x
            cond = REL[rel](lhs, rhs)
            shown = f"{expr_latex(lhs)} {TEX[rel]} {expr_latex(rhs)}"
        elif kind == "compound":
            a, b = nonzero(rng, -m, m), rng.randint(-m, m)
            lo = rng.randint(-3 * m, 2 * m)
            hi = lo + rng.randint(2, 3 * m)
            r1, r2 = rng.choice(["<", "<="]), rng.choice(["<", "<="])
            mid = a * x + b
            cond = sympy.And(REL[r1](lo, mid), REL[r2](mid, hi))
            shown = f"{lo} {TEX[r1]} {expr_latex(mid)} {TEX[r2]} {hi}"
        elif kind in ("quadratic", "quadratic_degenerate"):
            if kind == "quadratic":
                p, q = sorted(rng.sample(range(-m, m + 1), 2))
                k = rng.choice([1, 1, 2, -1])
                poly = sympy.expand(k * (x - p) * (x - q))
            else:
                # A double root: all reals but p, mostly; rarely (no real roots or a
                # non-strict sign) empty or everything, which a constant answer would earn.
                p = rng.randint(-m, m)
                k = rng.choice([1, -1])
                shift = rng.choice([1, 4, 9]) if rng.random() < 0.08 else 0
                poly = sympy.expand(k * ((x - p) ** 2 + shift))
                if not shift:
                    rel = ">" if k == 1 else "<"
            cond = REL[rel](poly, 0)
            shown = f"{expr_latex(poly)} {TEX[rel]} 0"
        elif kind == "absolute":
            a, b, c = rng.randint(1, 5), rng.randint(-m, m), rng.randint(1, 2 * m)
            cond = REL[rel](sympy.Abs(a * x + b), c)
            shown = f"|{expr_latex(a * x + b)}| {TEX[rel]} {c}"
        else:  # rational
            p, q = rng.sample(range(-m, m + 1), 2)
            num, den = x - p, x - q
            cond = REL[rel](num / den, 0)
            shown = f"\\frac{{{expr_latex(num)}}}{{{expr_latex(den)}}} {TEX[rel]} 0"
        solution = solve_real(cond)
        if isinstance(solution, sympy.FiniteSet):  # a single point, e.g. (x - 2)^2 <= 0:
            rel = rel.rstrip("=")  # ask the strict version instead, whose answer is empty
            cond = REL[rel](*cond.args, evaluate=False)
            shown = f"{expr_latex(cond.lhs)} {TEX[rel]} 0"
            solution = solve_real(cond)
        return {"question": f"Solve ${shown}$. Write the solution set in interval notation.",
                "answer": interval_latex(solution), "answer_type": "interval",
                "metadata": {"kind": kind, "inequality": shown,
                             "condition_sympy": sympy.srepr(cond)}}
