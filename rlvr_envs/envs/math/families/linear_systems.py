"""Systems of linear equations with a unique solution; gold is the ordered tuple `(x, y)` or
`(x, y, z)`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from ._common import LeveledFamily, json_number, linear_latex, require, retry, tuple_latex


@dataclass(frozen=True)
class LinearSystemConfig:
    """One level: number of unknowns, coefficient size, integer or fractional solutions,
    and whether the equations are shown in a messy (unsimplified) form."""

    unknowns: int
    max_coef: int
    integer_solution: bool
    messy_prob: float = 0.0  # equations with variables on both sides

    def validate(self) -> None:
        require(self.unknowns in (2, 3), "unknowns must be 2 or 3")
        require(self.max_coef >= 2, "max_coef must be at least 2")
        require(0 <= self.messy_prob <= 1, "messy_prob must be in [0, 1]")


LEVELS = {
    1: LinearSystemConfig(2, 4, integer_solution=True),
    2: LinearSystemConfig(2, 9, integer_solution=True),
    3: LinearSystemConfig(2, 12, integer_solution=True, messy_prob=0.5),
    4: LinearSystemConfig(2, 12, integer_solution=False, messy_prob=0.3),
    5: LinearSystemConfig(3, 6, integer_solution=True, messy_prob=0.3),
}
NAMES = {2: ("x", "y"), 3: ("x", "y", "z")}


class LinearSystemsFamily(LeveledFamily[LinearSystemConfig]):
    """Solve a 2x2 or 3x3 linear system; the answer is the ordered tuple of the unknowns."""

    name = "linear_systems"
    answer_types = ("tuple",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: LinearSystemConfig) -> dict[str, Any]:
        n, names = cfg.unknowns, NAMES[cfg.unknowns]

        def build(r: random.Random):
            coefs = [[r.randint(-cfg.max_coef, cfg.max_coef) for _ in range(n)] for _ in range(n)]
            if cfg.max_coef <= 4:  # easy level: positive leading coefficients
                coefs = [[abs(c) or 1 for c in row] for row in coefs]
            if any(not any(row) for row in coefs) or sympy.Matrix(coefs).det() == 0:
                return None
            if cfg.integer_solution:
                sol = [Fraction(r.randint(-9, 9)) for _ in range(n)]
                rhs = [sum(c * s for c, s in zip(row, sol)) for row in coefs]
            else:
                rhs = [Fraction(r.randint(-20, 20)) for _ in range(n)]
                m = sympy.Matrix(coefs).solve(sympy.Matrix(rhs))
                sol = [Fraction(int(v.p), int(v.q)) for v in m]
                if all(v.denominator == 1 for v in sol) or max(v.denominator for v in sol) > 50:
                    return None
            return coefs, rhs, sol

        coefs, rhs, sol = retry(rng, build, self.name)
        lines = [self._show(rng, cfg, row, b, names) for row, b in zip(coefs, rhs)]
        system = " \\\\ ".join(lines)
        order = ", ".join(names)
        return {
            "question": (f"Solve the system of equations\n$$\\begin{{cases}} {system} "
                         f"\\end{{cases}}$$\nGive the solution as an ordered "
                         f"{'pair' if n == 2 else 'triple'} $({order})$."),
            "answer": tuple_latex(sol),
            "answer_type": "tuple",
            "metadata": {"variables": list(names),
                         "coefficients": coefs, "rhs": [json_number(b) for b in rhs],
                         "solution": [json_number(v) for v in sol]},
        }

    def _show(self, rng: random.Random, cfg: LinearSystemConfig, row: list[int], b: Fraction,
              names: tuple[str, ...]) -> str:
        """`2x - 3y = 5`, or with a variable term and constant moved to the other side."""
        if rng.random() >= cfg.messy_prob:
            return f"{linear_latex(row, names)} = {linear_latex([], [], b)}"
        # move the last nonzero variable's term to the right, and add a constant to both sides
        j = max(i for i, c in enumerate(row) if c)
        k = rng.randint(1, 9)
        left = list(row)
        left[j] = 0
        right = [0] * len(row)
        right[j] = -row[j]
        if not any(left):
            return f"{linear_latex(row, names)} = {linear_latex([], [], b)}"
        return f"{linear_latex(left, names, k)} = {linear_latex(right, names, b + k)}"
