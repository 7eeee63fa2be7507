"""Matrix arithmetic: sums, products, powers, inverses (gold a `pmatrix`) and determinants
(gold an integer)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy

from ._common import LeveledFamily, json_number, matrix_latex, require, retry

KINDS = ("sum", "scalar_combo", "det2", "product2", "product_rect", "det3", "inverse2",
         "polynomial", "inverse3", "product3")


@dataclass(frozen=True)
class MatrixConfig:
    """One level: kinds of operation and entry size."""

    kinds: tuple[str, ...]
    max_entry: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_entry >= 2, "max_entry must be at least 2")


LEVELS = {
    1: MatrixConfig(("sum", "det2", "scalar_combo"), max_entry=9),
    2: MatrixConfig(("product2", "det2", "scalar_combo"), max_entry=9),
    3: MatrixConfig(("product_rect", "det3", "product2"), max_entry=6),
    4: MatrixConfig(("inverse2", "det3", "polynomial"), max_entry=9),
    5: MatrixConfig(("inverse3", "product3", "polynomial", "det3"), max_entry=6),
}


def entries(m: sympy.Matrix) -> list[list[int | str]]:
    """JSON-able rows: ints, or "p/q" for fractions."""
    return [[json_number(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]


class MatricesFamily(LeveledFamily[MatrixConfig]):
    """Compute with small integer matrices; inverses have fraction entries."""

    name = "matrices"
    answer_types = ("matrix", "integer")
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: MatrixConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        k = cfg.max_entry

        def rand(rows: int, cols: int) -> sympy.Matrix:
            return sympy.Matrix(rows, cols, lambda i, j: rng.randint(-k, k))

        named: dict[str, sympy.Matrix] = {}
        if kind == "sum":
            named = {"A": rand(2, 2), "B": rand(2, 2)}
            op, result = "A + B", named["A"] + named["B"]
        elif kind == "scalar_combo":
            named = {"A": rand(2, 2), "B": rand(2, 2)}
            s, t = rng.randint(2, 5), rng.randint(1, 4)
            op, result = f"{s}A - {t if t > 1 else ''}B", s * named["A"] - t * named["B"]
        elif kind == "product2":
            named = {"A": rand(2, 2), "B": rand(2, 2)}
            op, result = "AB", named["A"] * named["B"]
        elif kind == "product_rect":
            n = rng.choice([2, 3])
            named = {"A": rand(n, 5 - n), "B": rand(5 - n, n)}
            op, result = "AB", named["A"] * named["B"]
        elif kind == "product3":
            named = {"A": rand(2, 3), "B": rand(3, 3), "C": rand(3, 2)}
            op, result = "ABC", named["A"] * named["B"] * named["C"]
        elif kind == "polynomial":
            named = {"A": rand(2, 2)}
            s = rng.randint(1, 5)
            c = rng.randint(-5, 5)
            a = named["A"]
            result = a * a - s * a + c * sympy.eye(2)
            cs = "" if c == 0 else f" {'+' if c > 0 else '-'} {abs(c) if abs(c) > 1 else ''}I"
            op = f"A^{{2}} - {s if s > 1 else ''}A{cs}"
        elif kind in ("det2", "det3"):
            n = 2 if kind == "det2" else 3
            named = {"A": rand(n, n)}
            op, result = "\\det(A)", named["A"].det()
        else:  # inverse2 / inverse3: invertible, with a small determinant for readable entries
            n = 2 if kind == "inverse2" else 3
            dets = (1, -1, 2, -2, 3, 4, 5, 6) if n == 2 else (1, -1, 2, -2, 3)

            def build(r: random.Random) -> sympy.Matrix | None:
                m = sympy.Matrix(n, n, lambda i, j: r.randint(-k, k))
                return m if m.det() in dets else None

            named = {"A": retry(rng, build, f"{self.name} {kind}")}
            op, result = "A^{-1}", named["A"].inv()
        defs = ", \\quad ".join(f"{name} = {matrix_latex(m.tolist())}"
                                for name, m in named.items())
        if kind == "polynomial" and c:
            op_text = f"${op}$, where $I$ is the $2 \\times 2$ identity matrix"
        else:
            op_text = f"${op}$"
        meta = {"kind": kind, "operation": op,
                "matrices": {name: entries(m) for name, m in named.items()}}
        if isinstance(result, sympy.MatrixBase):
            meta["result"] = entries(result)
            return {"question": f"Let $${defs}.$$ Compute {op_text}.",
                    "answer": matrix_latex(result.tolist()), "answer_type": "matrix",
                    "metadata": meta}
        meta["result"] = int(result)
        return {"question": f"Let $${defs}.$$ Compute {op_text}.", "answer": str(int(result)),
                "answer_type": "integer", "metadata": meta}
