"""Pieces the math families share: exact LaTeX formatting and a small family base class.

Every gold answer is written by these functions, so the canonical forms live in one place:
integers as `-12`, rationals as `\\frac{3}{4}` / `-\\frac{3}{4}`, terminating decimals as
`12.5`, `p + q\\sqrt{r}` numbers as `2 + 3\\sqrt{5}` or `\\frac{1 + \\sqrt{5}}{2}`, intervals
as `(-\\infty, 2) \\cup [3, \\infty)`, matrices as `\\begin{pmatrix} a & b \\\\ c & d
\\end{pmatrix}`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Generic, TypeVar

import sympy

Number = int | Fraction

NAMES = (
    "Ava", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jamal", "Keiko",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera",
    "Wen", "Xavier", "Yara", "Zane",
)


class ConfigError(ValueError):
    """A level config that cannot produce valid items."""


def require(condition: bool, message: str) -> None:
    """Raise `ConfigError(message)` unless `condition`; used by the configs' `validate()`."""
    if not condition:
        raise ConfigError(message)


C = TypeVar("C")


class LeveledFamily(Generic[C]):
    """Base of every math family: a config dataclass per named level, validated up front.

    Subclasses set `name`, `answer_types` and `default_levels` and implement `_generate`.
    Pass `levels=` to override the configs (for a custom curriculum).
    """

    name: str = ""
    answer_types: tuple[str, ...] = ()
    default_levels: Mapping[int, Any] = {}

    def __init__(self, levels: Mapping[int, C] | None = None) -> None:
        self.levels: dict[int, C] = dict(self.default_levels if levels is None else levels)
        if not self.levels:
            raise ConfigError(f"{self.name}: needs at least one difficulty level")
        for level, cfg in self.levels.items():
            try:
                cfg.validate()  # type: ignore[attr-defined]
            except ConfigError as e:
                raise ConfigError(f"{self.name} level {level}: {e}") from None

    @property
    def difficulties(self) -> tuple[int, ...]:
        return tuple(sorted(self.levels))

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        """Build one item at `difficulty` using only `rng` for randomness."""
        if difficulty not in self.levels:
            raise ValueError(f"{self.name}: unknown difficulty {difficulty!r}; "
                             f"levels are {self.difficulties}")
        item = self._generate(rng, self.levels[difficulty])
        item.setdefault("metadata", {})["level"] = difficulty
        return item

    def _generate(self, rng: random.Random, cfg: C) -> dict[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(levels={self.difficulties})"


def retry(rng: random.Random, build: Callable[[random.Random], Any], what: str,
          attempts: int = 2000) -> Any:
    """Call `build(rng)` until it returns non-None (rejection sampling, deterministic in rng)."""
    for _ in range(attempts):
        out = build(rng)
        if out is not None:
            return out
    raise RuntimeError(f"could not build a {what} item in {attempts} attempts; "
                       "the level config is too tight")


def nonzero(rng: random.Random, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi] other than 0."""
    while True:
        v = rng.randint(lo, hi)
        if v:
            return v


# --- numbers -------------------------------------------------------------------------------

def frac_latex(q: Number | sympy.Rational) -> str:
    """`3`, `-\\frac{3}{4}`: a rational in lowest terms, sign outside the fraction."""
    q = to_fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def plural(n: int | Fraction, word: str, many: str | None = None) -> str:
    """`1 hour`, `3 hours`, `1 child`/`2 children` (pass `many` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def frac_text(q: Number) -> str:
    """`3/4` for plain-text questions."""
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def to_fraction(q: Any) -> Fraction:
    """A `Fraction` from an int, Fraction or sympy Rational (exactly)."""
    if isinstance(q, Fraction):
        return q
    if isinstance(q, int):
        return Fraction(q)
    q = sympy.Rational(q)
    return Fraction(int(q.p), int(q.q))


def is_terminating(q: Fraction) -> bool:
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_str(q: Number, places: int | None = None) -> str:
    """Exact decimal text of `q`: `12.5`, `-0.75`, `68`.

    With `places`, rounds half away from zero to that many places (then drops trailing
    zeros); without, `q` must have a terminating expansion.
    """
    q = Fraction(q)
    if places is not None:
        scale = 10 ** places
        n = abs(q) * scale
        r = int(n) + (1 if n - int(n) >= Fraction(1, 2) else 0)
        q = Fraction(r if q >= 0 else -r, scale)
    if not is_terminating(q):
        raise ValueError(f"{q} has no terminating decimal expansion")
    sign = "-" if q < 0 else ""
    q = abs(q)
    whole, rest = divmod(q.numerator, q.denominator)
    digits = ""
    while rest:
        rest *= 10
        d, rest = divmod(rest, q.denominator)
        digits += str(d)
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def number_answer(q: Number) -> str:
    """Gold text for a rational 'number' answer: integer, else terminating decimal if short,
    else a LaTeX fraction."""
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    if is_terminating(q) and len(decimal_str(q)) <= 8:
        return decimal_str(q)
    return frac_latex(q)


def money(q: Number) -> str:
    """`$12.50` / `$8` for question text."""
    q = Fraction(q)
    if q.denominator == 1:
        return f"${q.numerator:,}"
    return f"${float(q):,.2f}"


def square_free_split(n: int) -> tuple[int, int]:
    """`n = a^2 * b` with `b` square-free: returns `(a, b)`."""
    a, b = 1, n
    f = 2
    while f * f <= b:
        while b % (f * f) == 0:
            b //= f * f
            a *= f
        f += 1
    return a, b


def surd_latex(p: Number, q: Number, r: int, unit: str = "") -> str:
    """LaTeX of `p + q*sqrt(r)*unit` (`unit` is "" or "i"); `r` square-free > 1 or 1.

    Over a common denominator when either part is a fraction: `\\frac{1 + \\sqrt{5}}{2}`.
    """
    p, q = Fraction(p), Fraction(q)
    if r == 1 and not unit:
        return frac_latex(p + q)
    den = (p.denominator * q.denominator) // _gcd(p.denominator, q.denominator)
    a, b = int(p * den), int(q * den)

    def rad(k: int) -> str:
        core = (f"\\sqrt{{{r}}}" if r != 1 else "") + unit
        mag = abs(k)
        if mag == 1:
            return core or "1"
        return f"{mag}{core}" if core else str(mag)

    if b == 0:
        text = str(a)
        return frac_latex(Fraction(a, den)) if den != 1 else text
    if a == 0:
        body, sign = rad(b), ("-" if b < 0 else "")
        return f"{sign}\\frac{{{body}}}{{{den}}}" if den != 1 else f"{sign}{body}"
    body = f"{a} {'+' if b > 0 else '-'} {rad(b)}"
    return f"\\frac{{{body}}}{{{den}}}" if den != 1 else body


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


def signed(coef: Number, body: str, first: bool) -> str:
    """One term of a sum: `3x`, `- x`, `+ \\frac{1}{2}y`; `body` "" for a constant."""
    coef = Fraction(coef)
    mag = abs(coef)
    if body and mag == 1:
        text = body
    else:
        text = frac_latex(mag) + body
    if first:
        return ("-" if coef < 0 else "") + text
    return ("- " if coef < 0 else "+ ") + text


def linear_latex(coefs: Sequence[Number], names: Sequence[str], const: Number = 0) -> str:
    """`2x - 3y + 1` from coefficients; zero terms are dropped; `0` if everything is zero."""
    parts: list[str] = []
    for c, v in zip(coefs, names, strict=True):
        if c:
            parts.append(signed(c, v, not parts))
    if const or not parts:
        parts.append(signed(const, "", not parts))
    return " ".join(parts)


def expr_latex(e: sympy.Expr) -> str:
    """LaTeX with descending powers, `-2 x` not `- 2 x`, no `\\left(`/`\\right)` noise."""
    out = sympy.latex(e, order="lex").replace("\\left(", "(").replace("\\right)", ")")
    return "-" + out[2:] if out.startswith("- ") else out


def interval_latex(s: sympy.Set) -> str:
    """`(-\\infty, 2) \\cup [3, \\infty)`, `\\emptyset`, `\\{0\\}` from a sympy real set."""
    if s is sympy.S.EmptySet:
        return "\\emptyset"
    if s == sympy.S.Reals:
        return "(-\\infty, \\infty)"
    if isinstance(s, sympy.Union):
        return " \\cup ".join(interval_latex(a) for a in sorted(s.args, key=lambda a: a.inf))
    if isinstance(s, sympy.FiniteSet):
        return "\\{" + ", ".join(frac_latex(v) for v in sorted(s)) + "\\}"
    if isinstance(s, sympy.Interval):
        lo = "-\\infty" if s.start is sympy.S.NegativeInfinity else frac_latex(s.start)
        hi = "\\infty" if s.end is sympy.S.Infinity else frac_latex(s.end)
        left = "(" if s.left_open or s.start is sympy.S.NegativeInfinity else "["
        right = ")" if s.right_open or s.end is sympy.S.Infinity else "]"
        return f"{left}{lo}, {hi}{right}"
    raise ValueError(f"cannot write {s} as intervals")


def matrix_latex(rows: Sequence[Sequence[Any]]) -> str:
    """`\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}` with exact rational entries."""
    body = " \\\\ ".join(" & ".join(frac_latex(v) for v in row) for row in rows)
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"


def tuple_latex(values: Sequence[Number]) -> str:
    """`(\\frac{3}{2}, -4)`."""
    return "(" + ", ".join(frac_latex(v) for v in values) + ")"


def json_number(q: Number) -> int | str:
    """A rational for JSON metadata: int when whole, else `"3/4"`."""
    q = to_fraction(q)
    return q.numerator if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


# --- expression trees for the arithmetic families ------------------------------------------

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
_TEX = {"+": "+", "-": "-", "*": "\\times", "/": "\\div"}


@dataclass(frozen=True)
class Expr:
    """A built arithmetic expression: its LaTeX, exact value and operator precedence."""

    latex: str
    value: Fraction
    prec: int  # 3 for atoms (numbers, powers, parenthesized), else the operator's


def combine(op: str, left: Expr, right: Expr) -> Expr | None:
    """`left op right` with the parentheses that precedence needs; None on division by 0."""
    p = _PREC[op]
    lt = left.latex if left.prec >= p else f"({left.latex})"
    # a right operand of equal precedence needs parentheses under - and / (non-associative)
    need = right.prec < p or (right.prec == p and op in "-/")
    rt = f"({right.latex})" if need else right.latex
    if op == "+":
        v = left.value + right.value
    elif op == "-":
        v = left.value - right.value
    elif op == "*":
        v = left.value * right.value
    else:
        if right.value == 0:
            return None
        v = left.value / right.value
    return Expr(f"{lt} {_TEX[op]} {rt}", v, p)


def random_tree(rng: random.Random, n_leaves: int, ops: Sequence[str],
                leaf: Callable[[random.Random], Expr], nested: bool,
                integral: bool = False) -> Expr | None:
    """A random expression with `n_leaves` leaves; `nested` allows any tree shape (so
    parentheses appear), else a left-deep chain `a op b op c ...`. With `integral`, every
    intermediate value must be an integer (divisions come out exact). None on a rejection."""
    if n_leaves == 1:
        return leaf(rng)
    k = rng.randint(1, n_leaves - 1) if nested else n_leaves - 1
    left = random_tree(rng, k, ops, leaf, nested, integral)
    right = random_tree(rng, n_leaves - k, ops, leaf, nested, integral)
    if left is None or right is None:
        return None
    out = combine(rng.choice(list(ops)), left, right)
    if out is None or (integral and out.value.denominator != 1):
        return None
    return out
