"""Equations of lines; gold is an equation `y = mx + b` (or `x = c` for a vertical line)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._common import (
    LeveledFamily,
    frac_latex,
    json_number,
    linear_latex,
    nonzero,
    require,
    tuple_latex,
)

KINDS = ("two_points", "point_slope", "parallel", "perpendicular", "bisector", "vertical")


@dataclass(frozen=True)
class LineConfig:
    """One level: kinds of question, coordinate range, whether slopes may be fractions."""

    kinds: tuple[str, ...]
    max_coord: int
    fractional_slope: bool

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_coord >= 3, "max_coord must be at least 3")


LEVELS = {
    1: LineConfig(("two_points",), max_coord=6, fractional_slope=False),
    2: LineConfig(("two_points", "point_slope"), max_coord=10, fractional_slope=False),
    3: LineConfig(("two_points", "point_slope"), max_coord=10, fractional_slope=True),
    4: LineConfig(("parallel", "perpendicular", "two_points"), max_coord=12,
                  fractional_slope=True),
    5: LineConfig(("perpendicular", "bisector", "vertical", "parallel"), max_coord=15,
                  fractional_slope=True),
}


def slope_intercept_latex(m: Fraction, b: Fraction) -> str:
    """`y = \\frac{2}{3}x - 1`, `y = -x`, `y = 4`."""
    return f"y = {linear_latex([m], ['x'], b)}"


def point(p: tuple[Fraction, Fraction]) -> str:
    return tuple_latex(p)


class LinesFamily(LeveledFamily[LineConfig]):
    """Find the equation of a line from points, a slope, or a related line."""

    name = "lines"
    answer_types = ("equation",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: LineConfig) -> dict[str, Any]:
        kind = rng.choice(cfg.kinds)
        c = cfg.max_coord

        def slope() -> Fraction:
            if cfg.fractional_slope and rng.random() < 0.7:
                return Fraction(nonzero(rng, -7, 7), rng.randint(2, 6))
            return Fraction(rng.randint(-5, 5))

        form = " Write your answer in slope-intercept form $y = mx + b$."
        if kind == "vertical":
            x0 = Fraction(rng.randint(-c, c))
            y1, y2 = rng.sample(range(-c, c + 1), 2)
            q = (f"Find the equation of the line through {point((x0, Fraction(y1)))} and "
                 f"{point((x0, Fraction(y2)))}.")
            return self._item(q, f"x = {frac_latex(x0)}", kind, None, x0)
        m = slope()
        x1 = Fraction(rng.randint(-c, c))
        y1 = Fraction(rng.randint(-c, c))
        b = y1 - m * x1
        if kind == "two_points":
            step = rng.randint(1, 4) * m.denominator
            p2 = (x1 + step, y1 + m * step)
            q = f"Find the equation of the line through {point((x1, y1))} and {point(p2)}."
        elif kind == "point_slope":
            q = (f"A line has slope ${frac_latex(m)}$ and passes through the point "
                 f"{point((x1, y1))}. Find its equation.")
        elif kind in ("parallel", "perpendicular"):
            if kind == "perpendicular" and m == 0:
                m = Fraction(nonzero(rng, -4, 4), rng.randint(1, 3))
            given = m if kind == "parallel" else -1 / m
            b = y1 - m * x1
            # the given line in standard form A x + B y = C with integer coefficients
            den = given.denominator
            big_a, big_b = -given.numerator, den
            big_c = rng.randint(-c, c)
            line = f"{linear_latex([big_a, big_b], ['x', 'y'])} = {big_c}"
            q = (f"Find the equation of the line that passes through {point((x1, y1))} and is "
                 f"{kind} to the line ${line}$.")
        else:  # bisector: perpendicular bisector of a segment
            ax, ay = rng.randint(-c, c), rng.randint(-c, c)
            while True:
                bx, by = rng.randint(-c, c), rng.randint(-c, c)
                if by != ay and bx != ax:
                    break
            m = Fraction(-(bx - ax), by - ay)
            mx, my = Fraction(ax + bx, 2), Fraction(ay + by, 2)
            b = my - m * mx
            q = (f"Find the equation of the perpendicular bisector of the segment joining "
                 f"{point((Fraction(ax), Fraction(ay)))} and {point((Fraction(bx), Fraction(by)))}.")
        return self._item(q + form, slope_intercept_latex(m, b), kind, m, b)

    @staticmethod
    def _item(question: str, answer: str, kind: str, m: Fraction | None,
              b: Fraction) -> dict[str, Any]:
        meta: dict[str, Any] = {"kind": kind}
        if m is None:
            meta["vertical_x"] = json_number(b)
        else:
            meta.update(slope=json_number(m), intercept=json_number(b))
        return {"question": question, "answer": answer, "answer_type": "equation",
                "metadata": meta}
