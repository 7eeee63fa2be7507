"""Compare a predicted `Answer` with the gold `Answer`, by the gold's type.

The gold decides what the answer must be (asymmetric on purpose). First, on every path
(`values_equal`): an undefined or infinite value (`zoo`, `nan`, `oo`) matches nothing but the
same infinity as gold, a probe point where the gold is defined and the answer is not is a
disagreement, and an answer naming a variable the gold lacks is not a value of the gold's type.

- number: exact when both sides are exact (rationals compare as fractions, radicals/pi/e
  numerically at 40 digits with relative tolerance 1e-20, i.e. equal up to rounding noise);
  when either side was written as a decimal the tolerance is relative 1e-6. Tolerance is
  always *relative*, so `1/2^99` vs `1/2^98` differ. A decimal gold that is a rounded value
  (not a fraction with denominator <= 20, or the question asks for rounding; see
  `rounded_places`) also accepts an answer that rounds to it at that precision, if the
  answer is at least as precise: `3.14` accepts `3.14159`, `2.5` does not accept `2.54`. An
  exact gold accepts a decimal approximation (4+ significant digits, rounded or truncated at
  its last digit: `approximates`) only when the gold is marked `approx` (the task allows it).
  `x = 5` and chains `a = b = 5` are accepted for gold 5 (last value decides; a chain with
  different constants is a hedge). Percent: `25\\%`,
  `0.25` and (for a percentage gold) `25` are equal. Degrees: `90^\\circ`, `90`, `\\pi/2`.
  Units: ignored unless both sides carry different units.
- expression: numeric probing at random points (40-digit evalf), `simplify(a-b)==0` when
  probing is inconclusive.
- equation: `L1-R1 = k (L2-R2)` for a nonzero constant k (probing).
- set: order-insensitive, duplicates ignored; tuple: ordered; interval: endpoints and
  open/closed ends, unions order-insensitive; an inequality answer counts for an interval
  gold only in solved form (variable alone); matrix: shape and elements; mcq: letter.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from .parse import Answer, Interval

__all__ = ["Outcome", "compare", "decimal_places", "fractions_close", "is_defined",
           "plain_value_of", "rounded_places", "values_equal"]

REL_TOL_DECIMAL = 1e-6
REL_TOL_EXACT = 1e-20
_PREC = 40
_PROBES = 5


@dataclass(frozen=True)
class Outcome:
    """Whether the answer matches, and a reason a human can read."""

    passed: bool
    reason: str


def decimal_places(text: str) -> int | None:
    """Decimal places of a plain decimal literal like `3.140` (3), else None."""
    m = re.fullmatch(r"\s*[-+]?\d*\.(\d+)\s*", text)
    return len(m.group(1)) if m else None


EXACT_DENOMINATOR = 20


def rounded_places(text: str, rounding: bool = False) -> int | None:
    """Decimal places of a decimal gold *that is a rounded value*, else None.

    A decimal gold is read as rounded (`3.14`, `0.33`, `2.72`, `1.414`) when its value is not
    a fraction with a small denominator (at most `EXACT_DENOMINATOR`), or when the question
    asks for rounding (`rounding`). `2.5`, `0.75`, `12.5`, `0.35` are exact values: the answer
    must equal them, so `2.54` is not `2.5`.
    """
    places = decimal_places(text)
    if places is None or rounding:
        return places
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return places
    return places if value.denominator > EXACT_DENOMINATOR else None


def _round_places(x: Fraction, places: int) -> Fraction:
    q = 10**places
    return Fraction(math.floor(x * q + Fraction(1, 2)), q)  # half up, not banker's


MIN_APPROX_DIGITS = 4


def approximates(exact: Any, a: Fraction, places: int | None) -> bool:
    """Is the decimal `a` (written with `places` decimal places; None: as many as its value
    needs) the exact value `exact` rounded or truncated at its last digit, with at least
    `MIN_APPROX_DIGITS` significant digits? `0.3333` and `0.6666`/`0.6667` approximate
    1/3 and 2/3; `0.333`, `0.3334`, `3.14` (for pi) do not."""
    if places is None:
        places = _places_of(a)
        if places is None:
            return False
    if places == 0:
        return False
    q = 10**places
    digits = abs(a * q)
    if digits.denominator != 1 or len(str(digits.numerator)) < MIN_APPROX_DIGITS:
        return False
    if isinstance(exact, Fraction):
        x = exact
    else:
        try:
            v = sympy.N(exact, places + 30)
        except (TypeError, ValueError, ArithmeticError):
            return False
        if not (_finite(v) and v.is_real):
            return False
        x = Fraction(str(sympy.Float(v, places + 30)))
    if x == a:
        return True
    truncated = Fraction(math.trunc(x * q), q)
    return a == truncated or abs(a - x) <= Fraction(1, 2 * q)


def _places_of(a: Fraction) -> int | None:
    """Decimal places a terminating decimal needs (`0.125` -> 3), None if it does not end."""
    d, twos, fives = a.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    return max(twos, fives) if d == 1 else None


def fractions_close(g: Fraction, a: Fraction, *, gold_places: int | None = None,
                    gold_decimal: bool = False, ans_places: int | None = None,
                    ans_decimal: bool = False, approx: bool = False) -> bool:
    """Rational comparison shared by the in-process fast path and the sympy path.

    - equal values are equal;
    - a plain decimal gold with d decimal places (`3.14`) is a rounded value: an answer at
      least that precise that rounds (half up) to it is accepted (`3.14159`), a less precise
      one is not (`3.1`);
    - another gold written with decimals (`1.5\\times 10^{-8}`) accepts relative 1e-6;
    - an exact gold needs the exact value (`0.333` is not 1/3), unless `approx` (the task
      accepts approximations) and the decimal answer `approximates` it (`0.3333`).
    """
    if g == a:
        return True
    if gold_places is not None:
        if ans_decimal and (ans_places is None or ans_places < gold_places):
            return False
        return _round_places(a, gold_places) == g
    if gold_decimal and ans_decimal:
        return abs(g - a) <= Fraction(REL_TOL_DECIMAL) * max(abs(g), abs(a))
    if approx and ans_decimal and not gold_decimal:
        return approximates(g, a, ans_places)
    return False


def _to_fraction(e: Any) -> Fraction | None:
    if isinstance(e, sympy.Rational):
        return Fraction(int(e.p), int(e.q))
    return None


_NON_FINITE = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def _finite(v: Any) -> bool:
    """An evaluated value is a finite number (what every probe must see on both sides)."""
    return bool(getattr(v, "is_number", False)) and not v.has(*_NON_FINITE) and \
        v.is_finite is not False


def _finite_number(e: Any) -> Any:
    try:
        v = sympy.N(e, _PREC)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    return v if _finite(v) else None


def is_defined(e: Any) -> bool:
    """`e` has no undefined or infinite part (complex infinity, nan, +-oo) anywhere."""
    return not e.has(*_NON_FINITE)


def plain_value_of(g: Any, a: Any) -> bool:
    """`a` can be a value of the gold's type: it names no variable the gold lacks (a free
    symbol where the gold is a number is not a number), and it is defined and finite
    unless the gold is that same infinity."""
    if a.free_symbols - g.free_symbols:
        return False
    if not (is_defined(g) and is_defined(a)):
        # Infinity is a value only when the gold is that infinity (a limit, an interval end).
        return g == a and g in (sympy.oo, -sympy.oo)
    return True


def values_equal(g: Any, a: Any, *, gold_places: int | None = None, gold_decimal: bool = False,
                 ans_places: int | None = None, ans_decimal: bool = False,
                 approx: bool = False) -> bool:
    """Two sympy values (numbers or expressions) are equal (see module docstring).

    The one gate every comparison path (numbers, sets, tuples, intervals, equations,
    matrices, required forms) goes through: an undefined or non-finite value, or a probe
    point where the answer is undefined or non-finite while the gold is defined, is a
    disagreement, never an agreement."""
    if not plain_value_of(g, a):
        return False
    if g == a:
        return True
    if g.is_infinite or a.is_infinite:
        return False
    gf, af = _to_fraction(g), _to_fraction(a)
    if gf is not None and af is not None:
        return fractions_close(gf, af, gold_places=gold_places, gold_decimal=gold_decimal,
                               ans_places=ans_places, ans_decimal=ans_decimal, approx=approx)
    syms = g.free_symbols | a.free_symbols
    if not syms:
        if _numbers_equal(g, a, gold_places=gold_places, gold_decimal=gold_decimal,
                          ans_places=ans_places, ans_decimal=ans_decimal):
            return True
        return bool(approx and ans_decimal and not gold_decimal and af is not None
                    and approximates(g, af, ans_places))
    return _expressions_equal(g, a, syms, approx=gold_decimal and ans_decimal)


def _numbers_equal(g: Any, a: Any, *, gold_places: int | None, gold_decimal: bool,
                   ans_places: int | None, ans_decimal: bool) -> bool:
    gv, av = _finite_number(g), _finite_number(a)
    if gv is None or av is None:
        return False
    diff = abs(gv - av)
    scale = max(abs(gv), abs(av))
    if scale == 0:
        return True
    if diff <= REL_TOL_EXACT * scale:
        if not gold_decimal and not ans_decimal and not _exactly_close(g, a, scale):
            return False  # `7 + e^{-100}` is not 7: equal to 40 digits only
        if diff == 0 or not (ans_decimal and not gold_decimal):
            return True
    if gold_places is not None and av.is_real and gv.is_real:
        # Gold written rounded (e.g. 3.14); an exact answer (pi) rounds to it.
        if ans_decimal and (ans_places is None or ans_places < gold_places):
            return False
        g_fr = Fraction(str(sympy.Float(gv, _PREC)))
        a_fr = Fraction(str(sympy.Float(av, _PREC)))
        return _round_places(a_fr, gold_places) == _round_places(g_fr, gold_places)
    if gold_decimal and ans_decimal:
        return bool(diff <= REL_TOL_DECIMAL * scale)
    if not ans_decimal and diff < scale * sympy.Float(1e-30) and diff != 0:
        # Tiny nonzero difference between exact forms: numeric noise or real? Ask sympy.
        return bool(sympy.simplify(g - a) == 0)
    return bool(diff <= REL_TOL_EXACT * scale and not ans_decimal)


def _exactly_close(g: Any, a: Any, scale: Any) -> bool:
    """Exact forms equal to 40 digits: is the difference zero at far higher precision?
    (sympy's adaptive evalf of `g - a` sees `e^{-100}` but gives ~0 for true identities.)"""
    try:
        d = sympy.N(sympy.Add(g, -a), _PREC, maxn=600)
    except (TypeError, ValueError, ArithmeticError):
        return True
    if not d.is_number:
        return True
    return bool(abs(d) <= sympy.Float(1e-100) * scale)


def _probe_points(syms: set[Any], seed: str, n: int = _PROBES) -> list[dict[Any, Any]]:
    rng = random.Random(seed)  # deterministic per expression pair: same inputs, same verdict
    ordered = sorted(syms, key=str)
    return [{s: sympy.Rational(rng.randint(1500, 29000), 10000) for s in ordered}
            for _ in range(n)]


def _at(e: Any, point: dict[Any, Any]) -> Any:
    """The value of `e` at `point`, or None where it is undefined or not finite there."""
    try:
        v = e.evalf(_PREC, subs=point)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    return v if _finite(v) else None


def _wide_points(syms: set[Any], seed: str) -> list[dict[Any, Any]]:
    """Points off the main probe range (negative, large, near zero): `sqrt(x^2)` vs `x`,
    `|x - 5|` vs `5 - x` and `x + floor(x/10)` vs `x` agree on [0.15, 2.9] but not here."""
    rng = random.Random("wide|" + seed)
    ordered = sorted(syms, key=str)
    ranges = [(-290000, -1500), (31000, 400000), (300, 1400), (-1400, -300), (-60000, 60000),
              (31000, 400000), (-290000, -1500)]
    points = [{s: sympy.Rational(rng.randint(*r), 10000) for s in ordered} for r in ranges]
    # Integers too: `ceil(x) - floor(x) - 1` is 0 everywhere else.
    points += [{s: sympy.Integer(rng.randint(lo, hi)) for s in ordered}
               for lo, hi in ((3, 40), (-40, -3))]
    return points


_DOMAIN_FUNCS = (sympy.log, sympy.asin, sympy.acos, sympy.acot, sympy.asec, sympy.acsc)


def _real_domain(e: Any, point: dict[Any, Any]) -> bool:
    """Every root has a nonnegative radicand and every log/arcsin/... a real value at
    `point`: the expression is evaluated where it is defined over the reals, with no
    branch of a complex function chosen."""
    for node in sympy.preorder_traversal(e):
        if isinstance(node, sympy.Pow) and not node.exp.is_integer and node.base.free_symbols:
            try:
                b = node.base.evalf(20, subs=point)
            except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
                return False
            if not (b.is_real and b >= 0):
                return False
        elif isinstance(node, _DOMAIN_FUNCS) and node.free_symbols:
            try:
                v = node.evalf(20, subs=point)
            except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
                return False
            if not v.is_real:
                return False
    return True


def _expressions_equal(g: Any, a: Any, syms: set[Any], *, approx: bool) -> bool:
    """Equal at every probe point where the gold is defined; a point where the gold is
    defined and the answer is not (`\\frac{1}{x-x}`, `x \\cdot \\infty`) is a disagreement.
    Points where the gold itself is undefined test nothing and are replaced."""
    tol = REL_TOL_DECIMAL if approx else 1e-25
    agreed = 0
    seed = f"{g}|{a}"
    for point in _probe_points(syms, seed, 3 * _PROBES):
        if agreed == _PROBES:
            break
        gv = _at(g, point)
        if gv is None:
            continue
        av = _at(a, point)
        if av is None:
            return False
        scale = max(abs(gv), abs(av), sympy.Float(1e-30))
        if abs(gv - av) > tol * scale:
            return False
        agreed += 1
    if agreed >= 3:
        # Agreement on [0.15, 2.9]; functions that differ only elsewhere (|x| vs x,
        # floor tricks) must also agree where both sides are real-defined off that range.
        for point in _wide_points(syms, seed):
            if not (_real_domain(g, point) and _real_domain(a, point)):
                continue
            gv = _at(g, point)
            if gv is None or not gv.is_real:
                continue
            av = _at(a, point)
            if av is None:
                return False
            if not av.is_real:
                continue
            scale = max(abs(gv), abs(av), sympy.Float(1e-30))
            if abs(gv - av) > max(tol, 1e-20) * scale:
                return False
        return True
    try:
        return bool(sympy.simplify(g - a) == 0)
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return False


def _equations_equivalent(g_sides: list[Any], a_sides: list[Any]) -> bool:
    """`L1 - R1` and `L2 - R2` are nonzero constant multiples of each other (where the
    gold's sides are defined, the answer's must be too)."""
    dg = sympy.Add(g_sides[0], -g_sides[-1])
    da = sympy.Add(a_sides[0], -a_sides[-1])
    if not plain_value_of(dg, da):
        return False
    syms = dg.free_symbols | da.free_symbols
    if not syms:
        return bool(dg == 0) == bool(da == 0)
    ratio = None
    agreed = 0
    for point in _probe_points(syms, f"{dg}|{da}", 3 * _PROBES):
        if agreed == _PROBES:
            break
        gv = _at(dg, point)
        if gv is None:
            continue
        av = _at(da, point)
        if av is None:
            return False
        if abs(av) < 1e-25 or abs(gv) < 1e-25:
            if (abs(av) < 1e-25) != (abs(gv) < 1e-25):
                return False
            continue
        r = gv / av
        if ratio is None:
            ratio = r
        elif abs(r - ratio) > 1e-12 * max(abs(r), abs(ratio)):
            return False
        agreed += 1
    if agreed >= 3:
        return ratio is not None and _same_ratio_off_range(dg, da, syms, ratio, f"{dg}|{da}")
    try:
        q = sympy.simplify(dg / da)
        return bool(q.is_number and q != 0 and is_defined(q))
    except (TypeError, ValueError, ZeroDivisionError, NotImplementedError):
        return False


def _same_ratio_off_range(dg: Any, da: Any, syms: set[Any], ratio: Any, seed: str) -> bool:
    """The ratio found on [0.15, 2.9] also holds off that range (negative, large, integer
    points) wherever both sides are real-defined: `y = x - 6 + \\lfloor x/1000 \\rfloor`
    agrees with `y = x - 6` near zero only."""
    for point in _wide_points(syms, seed):
        if not (_real_domain(dg, point) and _real_domain(da, point)):
            continue
        gv, av = _at(dg, point), _at(da, point)
        if gv is None or not gv.is_real:
            continue
        if av is None or not av.is_real:
            return False
        if abs(gv - ratio * av) > 1e-12 * max(abs(gv), abs(ratio * av), sympy.Float(1e-20)):
            return False
    return True


# ---------------------------------------------------------------------------------------
# Typed comparison
# ---------------------------------------------------------------------------------------


_UNIT_ALIASES = {
    "millimeter": "mm", "millimeters": "mm", "centimeter": "cm", "centimeters": "cm",
    "meter": "m", "meters": "m", "metre": "m", "metres": "m", "kilometer": "km",
    "kilometers": "km", "inch": "in", "inches": "in", "foot": "ft", "feet": "ft",
    "yard": "yd", "yards": "yd", "mile": "mi", "miles": "mi", "gram": "g", "grams": "g",
    "kilogram": "kg", "kilograms": "kg", "milligram": "mg", "milligrams": "mg",
    "second": "s", "seconds": "s", "sec": "s", "minute": "min", "minutes": "min",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "dollar": "dollar", "dollars": "dollar", "cent": "cent",
    "cents": "cent", "degree": "deg", "degrees": "deg", "unit": "unit", "units": "unit",
}
# Exact conversion factors to one base unit per dimension (why: `200 cm` is `2 m`).
_UNIT_FACTORS: dict[str, tuple[str, Fraction]] = {
    "mm": ("length", Fraction(1, 1000)), "cm": ("length", Fraction(1, 100)),
    "m": ("length", Fraction(1)), "km": ("length", Fraction(1000)),
    "in": ("length", Fraction(254, 10000)), "ft": ("length", Fraction(3048, 10000)),
    "yd": ("length", Fraction(9144, 10000)), "mi": ("length", Fraction(1609344, 1000)),
    "mg": ("mass", Fraction(1, 1000)), "g": ("mass", Fraction(1)), "kg": ("mass", Fraction(1000)),
    "s": ("time", Fraction(1)), "min": ("time", Fraction(60)), "h": ("time", Fraction(3600)),
    "day": ("time", Fraction(86400)), "week": ("time", Fraction(604800)),
    "dollar": ("money", Fraction(1)), "cent": ("money", Fraction(1, 100)),
}


def _unit_key(u: str) -> tuple[str, Fraction] | str:
    """(dimension, factor) for a known unit (powers like cm^2 included), else its name."""
    u = u.replace(" ", "").lower()
    m = re.fullmatch(r"(?:(sq|square|cubic))?([a-z]+)(?:\^(\d))?", u)
    if not m:
        return u
    base = _UNIT_ALIASES.get(m.group(2), m.group(2))
    power = int(m.group(3) or {"sq": 2, "square": 2, "cubic": 3}.get(m.group(1) or "", 1))
    if base in _UNIT_FACTORS:
        dim, factor = _UNIT_FACTORS[base]
        return f"{dim}^{power}", factor**power
    return base + (f"^{power}" if power != 1 else "")


def _unit_scale(g: Answer, a: Answer) -> Fraction | None | str:
    """Factor turning the answer's unit into the gold's: 1 when either has no unit or they
    are the same; None when the units are incompatible."""
    if not g.unit or not a.unit:
        return Fraction(1)
    gk, ak = _unit_key(g.unit), _unit_key(a.unit)
    if gk == ak:
        return Fraction(1)
    if isinstance(gk, tuple) and isinstance(ak, tuple) and gk[0] == ak[0]:
        return ak[1] / gk[1]
    return None


def _number_match(g: Answer, a: Answer, value: Any | None = None) -> bool:
    """Gold number vs answer value with percent/degree/unit rules (see module docstring)."""
    av = a.value if value is None else value
    if g.huge or a.huge:
        return _squash(g.text) == _squash(a.text)
    scale = _unit_scale(g, a)
    if scale is None:
        return False
    if scale != 1:
        av = av * sympy.Rational(scale.numerator, scale.denominator)
    kw = _dec_kw(g, a)

    def eq(x: Any, y: Any, **over: Any) -> bool:
        return values_equal(x, y, **{**kw, **over})

    gv = g.value
    hundred = sympy.Integer(100)
    if g.percent:
        # Gold 25%: "25%", a bare "25" and the proportion "0.25" / "1/4" all get credit.
        if a.percent:
            return eq(gv, av)
        return eq(gv, av) or eq(gv / hundred, av, gold_places=None)
    if a.percent:
        # "40%" states the proportion 0.4; for a question asking for a percentage, a bare
        # gold 40 is 40 percent.
        return eq(gv, av / hundred, ans_places=None) or bool(g.meta.get("percent")) and eq(
            gv, av)
    if eq(gv, av):
        return True
    if g.degrees and not a.degrees and eq(gv * sympy.pi / 180, av):
        return True
    if a.degrees and not g.degrees and not a.decimal and g.value.has(sympy.pi) and eq(
            gv, av * sympy.pi / 180):
        return True  # gold pi/2 (radians), answer 90 degrees
    return False


def _dec_kw(g: Answer, a: Answer) -> dict[str, Any]:
    return {"gold_places": rounded_places(g.text, bool(g.meta.get("rounding")))
            if g.decimal else None,
            "gold_decimal": g.decimal,
            "ans_places": decimal_places(a.text) if a.decimal else None,
            "ans_decimal": a.decimal,
            "approx": bool(g.meta.get("approx"))}


def _squash(s: str) -> str:
    return re.sub(r"\s+|\{|\}", "", s)


def _scalar(a: Answer) -> tuple[Any, str] | None:
    """The single value an answer states: a number, `x = 5`, `a = b = 5`, `{5}`.

    Returns (value, "") or (None, reason) when it states several different values.
    """
    if a.kind in ("number", "expression"):
        return a.value, ""
    if a.kind == "equation":
        sides = a.value
        consts = [s for s in sides if not s.free_symbols]
        if not consts or sides[-1].free_symbols:
            return None, "an equation, not a value"
        last = sides[-1]
        for c in consts[:-1]:
            if not values_equal(c, last):
                return None, "hedged: several candidate answers in one chain"
        return last, ""
    return None, ""


def _distinct(elems: list[Answer]) -> list[Answer]:
    out: list[Answer] = []
    for e in elems:
        if not any(_elements_equal(o, e) for o in out):
            out.append(e)
    return out


def _elements_equal(g: Answer, a: Answer) -> bool:
    """Element-level equality inside sets/tuples (gold element first)."""
    if g.kind in ("number", "expression"):
        if a.kind in ("number", "expression"):
            return _number_match(g, a) if g.kind == "number" else values_equal(
                g.value, a.value, **_dec_kw(g, a))
        if a.kind == "equation":
            val, _ = _scalar(a)
            return val is not None and values_equal(g.value, val, **_dec_kw(g, a))
        return False
    if g.kind == "equation":
        if a.kind == "equation":
            return _equations_equivalent(g.value, a.value)
        return g.var is not None and len(g.value) == 2 and a.kind in ("number", "expression") \
            and values_equal(g.value[1], a.value)
    if g.kind == "tuple" and a.kind == "tuple":
        return len(g.value) == len(a.value) and all(
            _elements_equal(x, y) for x, y in zip(g.value, a.value))
    if g.kind == "set" and a.kind == "set":
        return _sets_equal(g.value, a.value)
    if g.kind == "text":
        return a.kind == "text" and g.value == a.value
    return False


def _sets_equal(gs: list[Answer], as_: list[Answer]) -> bool:
    gd, ad = _distinct(gs), _distinct(as_)
    if len(gd) != len(ad):
        return False
    used = [False] * len(ad)
    for g in gd:
        for j, a in enumerate(ad):
            if not used[j] and _elements_equal(g, a):
                used[j] = True
                break
        else:
            return False
    return True


def _intervals_equal(gs: list[Interval], as_: list[Interval]) -> bool:
    if len(gs) != len(as_):
        return False

    def key(iv: Interval) -> float:
        try:
            return float(iv.lo)
        except (TypeError, ValueError):
            return 0.0

    for g, a in zip(sorted(gs, key=key), sorted(as_, key=key)):
        if g.lo_closed != a.lo_closed or g.hi_closed != a.hi_closed:
            return False
        if not (values_equal(g.lo, a.lo) and values_equal(g.hi, a.hi)):
            return False
    return True


def _show(a: Answer) -> str:
    return a.text if len(a.text) <= 80 else a.text[:77] + "..."


def _list_elems(a: Answer) -> list[Answer] | None:
    if a.kind in ("set", "tuple"):
        return a.value
    if a.kind == "matrix":
        rows = a.value
        if len(rows) == 1 or all(len(r) == 1 for r in rows):
            flat = [x for r in rows for x in r]
            return [Answer("number" if not x.free_symbols else "expression", x, str(x))
                    for x in flat]
    return None


_GENERIC_NOUNS = {"triangle", "triangles", "number", "numbers", "integer", "integers", "day",
                  "direction", "player", "shape", "quadrilateral", "polygon", "function",
                  "sequence", "graph", "angle", "angles", "color", "colour", "month", "one"}


def _text_with_noun(gold: str, ans: str) -> bool:
    """`isosceles triangle` for gold `isosceles`: the gold words plus one generic noun."""
    gw, aw = gold.split(), ans.split()
    return len(aw) == len(gw) + 1 and aw[: len(gw)] == gw and aw[-1] in _GENERIC_NOUNS


def _any_huge(a: Answer) -> bool:
    """An oversized number anywhere in the answer (its elements, an equation's sides):
    sympy arithmetic on it would expand it, so it compares by text only."""
    if a.huge:
        return True
    if a.kind in ("set", "tuple") and isinstance(a.value, list):
        return any(isinstance(e, Answer) and _any_huge(e) for e in a.value)
    return any(s.huge for s in a.meta.get("sides", ()))


_FUNCTION_NOTATION = re.compile(r"[a-zA-Z]\([a-z]\)")


def compare(gold: Answer, ans: Answer) -> Outcome:
    """Does `ans` state the gold answer? The gold's kind picks the rules."""
    wrong = Outcome(False, f"wrong: {_show(ans)} is not {_show(gold)}")
    if not ans.text and ans.kind == "text":
        return Outcome(False, "empty final answer")
    if gold.kind != "number" and (_any_huge(ans) or _any_huge(gold)):
        same = _squash(gold.text) == _squash(ans.text)
        return Outcome(True, "correct") if same else wrong
    gk = gold.kind
    if gk in ("number", "expression"):
        if ans.kind in ("set", "tuple"):
            distinct = _distinct(ans.value)
            if len(distinct) > 1:
                shown = ", ".join(_show(e) for e in distinct[:5])
                return Outcome(False, f"hedged: several candidate answers ({shown})")
            if not distinct:
                return wrong
            ans = distinct[0]
        if ans.kind == "equation" and gk == "expression" and len(ans.value) == 2 and (
                ans.var is not None):
            # "f(x) = x^2 + 1" / "y = 2x + 1" for an expression gold: the right side.
            ok = values_equal(gold.value, ans.value[1], **_dec_kw(gold, ans))
            return Outcome(True, "correct") if ok else wrong
        val, why = _scalar(ans)
        if val is None:
            return Outcome(False, why) if why.startswith("hedged") else wrong
        if _unit_scale(gold, ans) is None:
            return Outcome(False, f"wrong unit: {ans.unit!r}, expected {gold.unit!r}")
        if gk == "number":
            # An expression with variables can still equal the number (sin^2 x + cos^2 x).
            return Outcome(True, "correct") if _number_match(gold, ans, val) else wrong
        if gold.huge or ans.huge:
            ok = _squash(gold.text) == _squash(ans.text)
        else:
            ok = values_equal(gold.value, val, **_dec_kw(gold, ans))
        return Outcome(True, "correct") if ok else wrong
    if gk == "equation":
        if ans.kind == "equation":
            if len(ans.value) != 2:
                return wrong
            sides = ans.value
            if gold.var and ans.var and gold.var != ans.var and (
                    _FUNCTION_NOTATION.fullmatch(gold.var) or
                    _FUNCTION_NOTATION.fullmatch(ans.var)):
                sides = [gold.value[0], sides[1]]  # "f(x) = 2x + 1" names the gold's y
            return Outcome(True, "correct") if _equations_equivalent(
                gold.value, sides) else wrong
        if ans.kind in ("number", "expression") and gold.var is not None and len(gold.value) == 2:
            ok = values_equal(gold.value[1], ans.value, **_dec_kw(gold, ans))
            return Outcome(True, "correct") if ok else wrong
        return wrong
    if gk in ("set", "tuple"):
        elems = _list_elems(ans)
        if elems is None:
            if ans.kind in ("number", "expression", "equation"):
                elems = [ans]
            else:
                return wrong
        if gk == "set":
            return Outcome(True, "correct") if _sets_equal(gold.value, elems) else wrong
        if len(elems) != len(gold.value):
            return wrong
        ok = all(_elements_equal(g, a) for g, a in zip(gold.value, elems))
        return Outcome(True, "correct") if ok else wrong
    if gk in ("interval", "relation"):
        if gk == "relation" and gold.value is None:
            return Outcome(True, "correct") if _squash(gold.text) == _squash(ans.text) else wrong
        if ans.kind == "interval":
            return Outcome(True, "correct") if _intervals_equal(gold.value, ans.value) else wrong
        if ans.kind == "relation":
            if ans.value is None:
                return Outcome(False, "inequality not in solved form (the variable must stand "
                                      "alone, e.g. x > 2)")
            ok = _intervals_equal(gold.value, ans.value)
            return Outcome(True, "correct") if ok else wrong
        if ans.kind == "tuple" and len(ans.value) == 2 and ans.meta.get("bracket") == "(":
            try:
                iv = [Interval(ans.value[0].value, ans.value[1].value, False, False)]
            except AttributeError:
                return wrong
            return Outcome(True, "correct") if _intervals_equal(gold.value, iv) else wrong
        return wrong
    if gk == "matrix":
        if ans.kind != "matrix":
            elems = _list_elems(ans)
            gflat = _list_elems(gold)
            if elems is not None and gflat is not None and len(elems) == len(gflat):
                ok = all(_elements_equal(g, a) for g, a in zip(gflat, elems))
                return Outcome(True, "correct") if ok else wrong
            return wrong
        g_rows, a_rows = gold.value, ans.value
        if len(g_rows) != len(a_rows) or any(len(x) != len(y) for x, y in zip(g_rows, a_rows)):
            return Outcome(False, "wrong: matrix shape differs")
        ok = all(values_equal(x, y) for gr, ar in zip(g_rows, a_rows) for x, y in zip(gr, ar))
        return Outcome(True, "correct") if ok else wrong
    if gk == "mcq":
        if ans.kind == "set" and len(ans.value) > 1:
            shown = ", ".join(e.value for e in ans.value if e.kind == "mcq")
            return Outcome(False, f"hedged: several options ({shown})")
        if ans.kind == "mcq" and ans.value == gold.value:
            return Outcome(True, "correct")
        return wrong
    # text gold
    if ans.kind == "text" and ans.value == gold.value:
        return Outcome(True, "correct")
    if ans.kind == "text" and _text_with_noun(gold.value, ans.value):
        return Outcome(True, "correct")
    if _squash(ans.text).lower() == _squash(gold.text).lower():
        return Outcome(True, "correct")
    return wrong
