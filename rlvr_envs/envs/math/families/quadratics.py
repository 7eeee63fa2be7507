"""Quadratic equations; gold is the solution set: `\\{-2, 3\\}`, `\\{2 + \\sqrt{3}, 2 -
\\sqrt{3}\\}`, `\\emptyset` (no real solutions) or complex roots `\\{1 + 2i, 1 - 2i\\}`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from ._common import LeveledFamily, expr_latex, nonzero, require, square_free_split, surd_latex

x = sympy.Symbol("x")
KINDS = ("integer_roots", "rational_roots", "double_root", "irrational_roots", "no_real",
         "complex_roots", "biquadratic")


@dataclass(frozen=True)
class QuadraticConfig:
    """One level: kinds of root structure, coefficient size, and whether the equation is
    shown in standard form `ax^2 + bx + c = 0` or rearranged."""

    kinds: tuple[str, ...]
    max_root: int
    rearranged_prob: float = 0.0
    domain: str = "real"  # "real": ask for real solutions; "complex": ask for all complex ones
    # Chance of an item with no real solutions (gold \\emptyset), drawn before the kind: kept
    # small because every such item pays the constant answer \\emptyset.
    empty_prob: float = 0.0

    def validate(self) -> None:
        require(bool(self.kinds) and set(self.kinds) <= set(KINDS), f"kinds must be from {KINDS}")
        require(self.max_root >= 3, "max_root must be at least 3")
        require(self.domain in ("real", "complex"), "domain must be 'real' or 'complex'")
        require("complex_roots" not in self.kinds or self.domain == "complex",
                "complex_roots needs domain='complex'")
        require(0 <= self.empty_prob <= 1 and (self.empty_prob == 0 or self.domain == "real"),
                "empty_prob must be in [0, 1], and 0 for domain='complex'")


LEVELS = {
    1: QuadraticConfig(("integer_roots",), max_root=9),
    2: QuadraticConfig(("rational_roots", "integer_roots", "double_root"), max_root=9,
                       rearranged_prob=0.3),
    3: QuadraticConfig(("irrational_roots", "rational_roots"), max_root=12, rearranged_prob=0.4),
    4: QuadraticConfig(("irrational_roots", "rational_roots", "biquadratic"),
                       max_root=12, rearranged_prob=0.5, empty_prob=0.015),
    5: QuadraticConfig(("complex_roots", "irrational_roots", "biquadratic"), max_root=15,
                       rearranged_prob=0.5, domain="complex"),
}


def quadratic_roots_latex(a: int, b: int, c: int, allow_complex: bool) -> list[str]:
    """The roots of `a x^2 + b x + c` in canonical LaTeX: real ones ascending, complex ones
    `p + qi` then `p - qi`; [] when there are no real roots and `allow_complex` is False."""
    disc = b * b - 4 * a * c
    p = Fraction(-b, 2 * a)
    s, r = square_free_split(abs(disc)) if disc else (0, 1)
    q = abs(Fraction(s, 2 * a))
    if disc < 0:
        if not allow_complex:
            return []
        return [surd_latex(p, q, r, "i"), surd_latex(p, -q, r, "i")]
    if disc == 0:
        return [surd_latex(p, 0, 1)]
    if r == 1:
        return [surd_latex(p - q, 0, 1), surd_latex(p + q, 0, 1)]
    return [surd_latex(p, -q, r), surd_latex(p, q, r)]


def set_latex(items: list[str]) -> str:
    return "\\{" + ", ".join(items) + "\\}" if items else "\\emptyset"


class QuadraticsFamily(LeveledFamily[QuadraticConfig]):
    """Solve a quadratic (or biquadratic) equation; the answer is the set of solutions."""

    name = "quadratics"
    answer_types = ("set",)
    default_levels = LEVELS

    def _generate(self, rng: random.Random, cfg: QuadraticConfig) -> dict[str, Any]:
        if cfg.empty_prob and rng.random() < cfg.empty_prob:
            kind = "no_real"
        else:
            kind = rng.choice(cfg.kinds)
        m = cfg.max_root
        if kind == "biquadratic":
            return self._biquadratic(rng, cfg)
        if kind == "integer_roots":
            r, s = rng.sample([v for v in range(-m, m + 1)], 2)
            a, b, c = 1, -(r + s), r * s
        elif kind == "double_root":
            r, k = nonzero(rng, -m, m), rng.choice([1, 1, 2, 3])
            a, b, c = k, -2 * k * r, k * r * r
        elif kind == "rational_roots":
            while True:  # (p x - q)(u x - v) with a genuinely fractional root
                p, u = rng.randint(2, 5), rng.randint(1, 4)
                q, v = nonzero(rng, -m, m), nonzero(rng, -m, m)
                if sympy.gcd(p, q) == 1 and Fraction(q, p) != Fraction(v, u):
                    break
            a, b, c = p * u, -(p * v + q * u), q * v
        else:  # irrational_roots, no_real, complex_roots: pick a, b, c by the discriminant
            while True:
                a, b, c = rng.randint(1, 4), rng.randint(-m, m), nonzero(rng, -m, m)
                disc = b * b - 4 * a * c
                g = sympy.igcd(a, b, c)
                if g != 1:
                    continue
                if kind == "irrational_roots" and disc > 0 and square_free_split(disc)[1] != 1:
                    break
                if kind in ("no_real", "complex_roots") and disc < 0:
                    break
        roots = quadratic_roots_latex(a, b, c, cfg.domain == "complex")
        lhs, rhs = self._show(rng, cfg, a, b, c)
        where = "all complex" if cfg.domain == "complex" else "all real"
        return {"question": f"Find {where} solutions of ${lhs} = {rhs}$.",
                "answer": set_latex(roots), "answer_type": "set",
                "metadata": {"kind": kind, "coefficients": [a, b, c], "domain": cfg.domain,
                             "polynomial": str(a * x ** 2 + b * x + c)}}

    def _show(self, rng: random.Random, cfg: QuadraticConfig, a: int, b: int, c: int):
        """`a x^2 + b x + c = 0`, or the same equation with terms moved across."""
        poly = a * x ** 2 + b * x + c
        if rng.random() >= cfg.rearranged_prob:
            return expr_latex(poly), "0"
        k = rng.randint(-5, 5)
        if b and rng.random() < 0.5:  # x (a x + b) = -c + k x ... keep it simple and natural
            return f"x({expr_latex(a * x + b)})", expr_latex(sympy.Integer(-c))
        return expr_latex(a * x ** 2 + (b + k) * x), expr_latex(k * x - c)

    def _biquadratic(self, rng: random.Random, cfg: QuadraticConfig) -> dict[str, Any]:
        """x^4 + b x^2 + c = 0 built from u = x^2 roots; real solutions, or all complex."""
        u1, u2 = rng.sample([v for v in range(-9, 17) if v], 2)
        while cfg.domain == "real" and u1 < 0 and u2 < 0:  # no real solution: see empty_prob
            u1, u2 = rng.sample([v for v in range(-9, 17) if v], 2)
        b, c = -(u1 + u2), u1 * u2
        sols: list[sympy.Expr] = []
        for u in (u1, u2):
            if u > 0 or cfg.domain == "complex":
                sols += [sympy.sqrt(u), -sympy.sqrt(u)]
        real = sorted([s for s in sols if s.is_real], key=lambda s: float(s))
        imag = sorted([s for s in sols if not s.is_real], key=lambda s: -float(sympy.im(s)))
        items = [self._root_tex(s) for s in real + imag]
        poly = x ** 4 + b * x ** 2 + c
        where = "all complex" if cfg.domain == "complex" else "all real"
        return {"question": f"Find {where} solutions of ${expr_latex(poly)} = 0$.",
                "answer": set_latex(items), "answer_type": "set",
                "metadata": {"kind": "biquadratic", "coefficients": [1, 0, b, 0, c],
                             "domain": cfg.domain, "polynomial": str(poly)}}

    @staticmethod
    def _root_tex(s: sympy.Expr) -> str:
        """±k√r or ±k√r·i for a biquadratic root (pure real or pure imaginary)."""
        unit = "" if s.is_real else "i"
        v = s if s.is_real else sympy.im(s)
        sq = sympy.Integer(v ** 2)
        a, r = square_free_split(int(sq))
        sign = -1 if v < 0 else 1
        return surd_latex(0, sign * a, r, unit)
