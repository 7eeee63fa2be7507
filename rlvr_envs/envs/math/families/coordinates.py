"""Coordinate geometry with a point as the answer: midpoints, missing endpoints, line
intersections, centroids, section points, feet of perpendiculars and reflections. Gold is
the tuple `(x, y)`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import LeveledFamily, json_number, linear_latex, nonzero, require, retry, tuple_latex

KINDS = ("midpoint", "endpoint", "intersection_slope", "intersection_standard", "centroid",
         "section", "foot", "reflection")
Point = tuple[Fraction, Fraction]


@dataclass(frozen=True)
class CoordinateConfig:
    """One level: kinds of question and coordinate range."""

    kinds: tuple[str, ...]
    max_coord: int

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_coord >= 3, "max_coord must be at least 3")


LEVELS = {
    1: CoordinateConfig(("midpoint",), max_coord=10),
    2: CoordinateConfig(("midpoint", "endpoint", "intersection_slope"), max_coord=15),
    3: CoordinateConfig(("intersection_slope", "intersection_standard", "centroid"),
                        max_coord=12),
    4: CoordinateConfig(("intersection_standard", "section", "centroid"), max_coord=15),
    5: CoordinateConfig(("foot", "reflection", "section"), max_coord=12),
}


def pt(p: Point) -> str:
    return f"${tuple_latex(p)}$"


class CoordinatesFamily(LeveledFamily[CoordinateConfig]):
    """Find a point in the plane; the answer is its coordinates `(x, y)`."""

    name = "coordinates"
    answer_types = ("tuple",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: CoordinateConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        c = cfg.max_coord

        def rp() -> Point:
            return Fraction(rng.randint(-c, c)), Fraction(rng.randint(-c, c))

        if kind == "midpoint":
            a, b = rp(), rp()
            ans = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            q = f"What is the midpoint of the segment with endpoints {pt(a)} and {pt(b)}?"
        elif kind == "endpoint":
            a, ans = rp(), rp()
            mid = ((a[0] + ans[0]) / 2, (a[1] + ans[1]) / 2)
            q = (f"The midpoint of segment $AB$ is {pt(mid)}. If $A = {tuple_latex(a)}$, what "
                 f"are the coordinates of $B$?")
        elif kind == "intersection_slope":
            def build(r: random.Random):
                m1, m2 = r.randint(-5, 5), r.randint(-5, 5)
                if m1 == m2:
                    return None
                p = rp()
                return m1, m2, p
            m1, m2, ans = retry(rng, build, self.name)
            b1, b2 = ans[1] - m1 * ans[0], ans[1] - m2 * ans[0]
            q = (f"At what point do the lines $y = {linear_latex([m1], ['x'], b1)}$ and "
                 f"$y = {linear_latex([m2], ['x'], b2)}$ intersect?")
        elif kind == "intersection_standard":
            def build(r: random.Random):
                rows = [[nonzero(r, -9, 9), nonzero(r, -9, 9)] for _ in range(2)]
                det = rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0]
                if det == 0:
                    return None
                rhs = [r.randint(-30, 30), r.randint(-30, 30)]
                xv = Fraction(rhs[0] * rows[1][1] - rows[0][1] * rhs[1], det)
                yv = Fraction(rows[0][0] * rhs[1] - rhs[0] * rows[1][0], det)
                if max(xv.denominator, yv.denominator) > 30:
                    return None
                return rows, rhs, (xv, yv)
            rows, rhs, ans = retry(rng, build, self.name)
            eqs = [f"${linear_latex(row, ['x', 'y'])} = {b}$" for row, b in zip(rows, rhs)]
            q = f"Find the point of intersection of the lines {eqs[0]} and {eqs[1]}."
        elif kind == "centroid":
            a, b, d = rp(), rp(), rp()
            ans = ((a[0] + b[0] + d[0]) / 3, (a[1] + b[1] + d[1]) / 3)
            q = (f"A triangle has vertices {pt(a)}, {pt(b)} and {pt(d)}. What are the "
                 f"coordinates of its centroid?")
        elif kind == "section":
            a, b = rp(), rp()
            m, n = rng.randint(1, 5), rng.randint(1, 5)
            while m == n:
                n = rng.randint(1, 5)
            ans = ((n * a[0] + m * b[0]) / (m + n), (n * a[1] + m * b[1]) / (m + n))
            q = (f"Point $P$ lies on segment $AB$, where $A = {tuple_latex(a)}$ and "
                 f"$B = {tuple_latex(b)}$, such that $AP : PB = {m} : {n}$. Find the "
                 f"coordinates of $P$.")
        else:  # foot / reflection w.r.t. a line a x + b y = k
            def build(r: random.Random):
                la, lb = nonzero(r, -5, 5), nonzero(r, -5, 5)
                p = rp()
                k = r.randint(-20, 20)
                t = Fraction(k - la * p[0] - lb * p[1], la * la + lb * lb)
                if t == 0:
                    return None
                return la, lb, k, p, t
            la, lb, k, p, t = retry(rng, build, self.name)
            s = t if kind == "foot" else 2 * t
            ans = (p[0] + s * la, p[1] + s * lb)
            line = f"${linear_latex([la, lb], ['x', 'y'])} = {k}$"
            if kind == "foot":
                q = (f"Find the foot of the perpendicular from the point {pt(p)} to the line "
                     f"{line}.")
            else:
                q = f"Find the reflection of the point {pt(p)} across the line {line}."
        return {"question": q, "answer": tuple_latex(ans), "answer_type": "tuple",
                "metadata": {"kind": kind, "point": [json_number(v) for v in ans]}}
