"""Operations left undone in a written answer, noted by the parser as it builds each value.

A final answer is a value, not the computation the question asked for: `\\boxed{18 + 14 + 13}`
for "Evaluate $18 + 14 + 13$" restates the question. While `parse.py` builds a value, every
operation is checked here with its operands already known: when carrying it out gives a
simpler value, it is *undone* (an `Undone` note). The rules, per operation:

- sum: fewer terms come out than went in (`18 + 14`, `2\\sqrt2 + \\sqrt2`, `x + 8x`, `E + 0`);
- product: a factor 1, two rational factors (`3 \\times 5`, `2 \\cdot \\frac13`; not
  `1.5 \\times 10^{4}`),
  two rational coefficients (`2\\sqrt3 \\cdot 3`, `2 \\cdot 3x`), a product of two numeric
  sums, irrational factors that combine (`\\sqrt2\\sqrt3`, `i \\cdot i`), like factors `x \\cdot x`;
- quotient: integers that divide (`\\frac{6}{2}`), a fraction of fractions or decimals
  (`\\frac{1.5}{2}`, `6 \\div \\frac23`), a common factor (`\\frac{4\\sqrt2}{2}`,
  `\\frac{9}{9 - 3\\sqrt{10}}`, `\\frac{(x-5)(x-3)}{(x-6)(x-3)}`), radicals that combine;
- power: a rational base with an integer exponent (`2^{10}`; not `10^{k}`), an
  exponent 0 or 1, a power of a numeric sum (`(1+\\sqrt2)^2`), and any power sympy simplifies
  (`(\\sqrt2)^3`, `i^{11}`, `e^{\\ln 2}`);
- root: a factor comes out or the index drops (`\\sqrt{96}`, `\\sqrt{\\frac12}`, `\\sqrt[4]{4}`,
  `\\sqrt{-4}`; `\\sqrt[3]{4}` is simplest);
- function of numbers that has a simpler value (`\\binom{9}{4}`, `5!`, `\\log_3 81`,
  `\\sin\\frac{\\pi}{6}`, `\\lfloor 3.2 \\rfloor`, `|-3|`, `\\gcd(15, 20)`; `\\ln 2` stays);
- a minus sign on a negative number (`-(-5)`).

Some forms are marked rather than noted (`marks`): `unreduced` (`\\frac{12}{10}`),
`radical_denominator` (`\\frac{1}{\\sqrt2}`), `distributed` (a number times a sum with a
variable, `3(x + 4)`), and `fn:<class>` for every function class used (root, trig, log,
abs, floor, ...). Required forms and the gold decide whether those count (see `plain.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from typing import Any

import sympy

__all__ = ["FUNCTION_CLASSES", "Undone", "after_function", "after_negation", "after_power",
           "after_product", "after_quotient", "after_sum", "has_root"]

# The function class a parsed function belongs to (for the "no function the gold lacks" rule).
FUNCTION_CLASSES = {
    "sin": "trig", "cos": "trig", "tan": "trig", "cot": "trig", "sec": "trig", "csc": "trig",
    "arcsin": "arctrig", "arccos": "arctrig", "arctan": "arctrig", "asin": "arctrig",
    "acos": "arctrig", "atan": "arctrig", "sinh": "hyperbolic", "cosh": "hyperbolic",
    "tanh": "hyperbolic", "ln": "log", "log": "log", "lg": "log", "exp": "exp",
    "abs": "abs", "floor": "floor", "ceil": "floor", "factorial": "factorial",
    "binom": "factorial", "gcd": "integer", "lcm": "integer", "mod": "integer",
    "max": "minmax", "min": "minmax",
}


@dataclass(frozen=True)
class Undone:
    """One operation the answer leaves for the reader to carry out."""

    kind: str  # arithmetic | power | root | function | unparsed
    what: str  # the operation, for the verdict's reason

    def __str__(self) -> str:
        return self.what


def _numeric(e: Any) -> bool:
    return isinstance(e, sympy.Basic) and not e.free_symbols and bool(e.is_number)


def _short(e: Any) -> str:
    s = str(e)
    return s if len(s) <= 40 else s[:37] + "..."


def has_root(e: Any) -> bool:
    """`e` holds a root (a power with a non-integer exponent), e.g. a radical denominator."""
    return any(isinstance(n, sympy.Pow) and not n.exp.is_integer
               for n in sympy.preorder_traversal(e))


def after_sum(a: Any, b: Any, r: Any) -> Undone | None:
    """`a + b` (subtraction is `a + (-b)`) gave `r`: undone if terms combined or vanished."""
    n_in = len(sympy.Add.make_args(a)) + len(sympy.Add.make_args(b))
    if len(sympy.Add.make_args(r)) < n_in or a == 0 or b == 0:
        kind = "arithmetic"
        return Undone(kind, f"{_short(a)} + {_short(b)} can be combined")
    return None


def after_negation(v: Any) -> Undone | None:
    """A minus sign applied to `v`: undone when `v` is already a negative number (`-(-5)`)."""
    if isinstance(v, sympy.Rational) and v < 0:
        return Undone("arithmetic", f"-({_short(v)}) is {_short(-v)}")
    return None


def _coeff(e: Any) -> Any:
    return e.as_coeff_Mul()[0] if isinstance(e, sympy.Expr) else sympy.Integer(1)


def _bases(e: Any, sums: bool = False) -> set[Any]:
    """Factors with variables (their bases); sums only with `sums` (`(x+1)(x+1)` is a fine
    factoring, `\\frac{(x-5)(x-3)}{(x-6)(x-3)}` is not simplified)."""
    out = set()
    for f in sympy.Mul.make_args(e):
        base = f.base if isinstance(f, sympy.Pow) else f
        if base.free_symbols and (sums or not isinstance(base, sympy.Add)):
            out.add(base)
    return out


def after_product(a: Any, b: Any, r: Any, scientific: bool = False) -> tuple[Undone | None,
                                                                             set[str]]:
    """`a * b` gave `r`. `scientific`: written as `m \\times 10^{k}`."""
    marks: set[str] = set()
    if scientific and getattr(a, "is_Rational", False):
        return None, marks  # 1.5 \\times 10^{4}, 1 \\times 10^{-3}
    if a == 1 or b == 1:
        return Undone("arithmetic", "a product by 1"), marks
    ca, cb = _coeff(a), _coeff(b)
    if not (_numeric(a) and _numeric(b)):
        if (_numeric(a) and isinstance(b, sympy.Add)) or (_numeric(b) and isinstance(a, sympy.Add)):
            marks.add("distributed")
        if abs(ca) != 1 and abs(cb) != 1:
            return Undone("arithmetic", f"{_short(ca)} \\cdot {_short(cb)} can be multiplied"), marks
        common = _bases(a) & _bases(b)
        if common:
            return Undone("arithmetic", f"like factors {_short(next(iter(common)))}"), marks
        return None, marks
    if a.is_Rational and b.is_Rational:
        return Undone("arithmetic", f"{_short(a)} \\cdot {_short(b)} can be multiplied"), marks
    if abs(ca) != 1 and abs(cb) != 1:
        return Undone("arithmetic", f"{_short(ca)} \\cdot {_short(cb)} can be multiplied"), marks
    ra, rb = a.as_coeff_Mul()[1], b.as_coeff_Mul()[1]
    if isinstance(ra, sympy.Add) and isinstance(rb, sympy.Add):
        return Undone("arithmetic", f"({_short(ra)})({_short(rb)}) can be expanded"), marks
    if ra != 1 and rb != 1 and not isinstance(ra, sympy.Add) and not isinstance(rb, sympy.Add):
        joint = sympy.Mul(ra, rb)
        n_in = len(sympy.Mul.make_args(ra)) + len(sympy.Mul.make_args(rb))
        if joint.is_Rational or _coeff(joint) != 1 or len(sympy.Mul.make_args(joint)) < n_in:
            return Undone("arithmetic", f"{_short(ra)} \\cdot {_short(rb)} can be multiplied"), \
                marks
    return None, marks


def _content(e: Any) -> int | None:
    """The gcd of the integer coefficients of `e`'s terms; None if one is not an integer."""
    g = 0
    for term in sympy.Add.make_args(e):
        c = _coeff(term)
        if not c.is_Integer:
            return None
        g = gcd(g, abs(int(c)))
    return g


def after_quotient(a: Any, b: Any, r: Any) -> tuple[Undone | None, set[str]]:
    """`a / b` gave `r`."""
    marks: set[str] = set()
    if _numeric(a) and _numeric(b):
        if a.is_Rational and b.is_Rational:
            if not (a.is_Integer and b.is_Integer) or r.is_Integer:
                return Undone("arithmetic", f"{_short(a)} / {_short(b)} can be divided"), marks
            if gcd(int(a), int(b)) != 1:
                marks.add("unreduced")
            return None, marks
        if not b.is_Rational and has_root(b):
            marks.add("radical_denominator")
    ca, cb = _content(a), _content(b)
    if _numeric(a) and _numeric(b) and (ca is None or cb is None):
        return Undone("arithmetic", f"a fraction inside a fraction ({_short(a)} / {_short(b)})"), \
            marks
    if ca is not None and cb is not None and gcd(ca, cb) > 1:
        return Undone("arithmetic", f"{_short(a)} / {_short(b)} has a common factor "
                                    f"{gcd(ca, cb)}"), marks
    if _numeric(a) and _numeric(b):
        n_in = sum(len(sympy.Mul.make_args(x.as_coeff_Mul()[1])) for x in (a, b)
                   if x.as_coeff_Mul()[1] != 1 and not isinstance(x, sympy.Add))
        rest = r.as_coeff_Mul()[1]
        n_out = len(sympy.Mul.make_args(rest)) if rest != 1 and not isinstance(rest, sympy.Add) \
            else 0
        if n_in and not isinstance(a, sympy.Add) and not isinstance(b, sympy.Add) and (
                n_out < n_in or r.is_Rational):
            return Undone("arithmetic", f"{_short(a)} / {_short(b)} can be divided"), marks
        return None, marks
    common = _bases(a, sums=True) & _bases(b, sums=True)
    if common:
        return Undone("arithmetic", f"common factor {_short(next(iter(common)))} cancels"), marks
    return None, marks


def _index(e: Any) -> int:
    """The largest root index in `e` (1 when it has no root)."""
    out = 1
    for n in sympy.preorder_traversal(e):
        if isinstance(n, sympy.Pow) and n.exp.is_Rational and not n.exp.is_integer:
            out = max(out, int(n.exp.q))
    return out


def after_power(base: Any, exp: Any, r: Any) -> tuple[Undone | None, set[str]]:
    """`base ^ exp` gave `r`."""
    marks: set[str] = set()
    if not getattr(exp, "is_integer", False):
        marks.add("fn:root" if getattr(exp, "is_Rational", False) else "fn:exp")
    if base == 10 and getattr(exp, "is_Integer", False):
        return None, marks  # a power of ten is how large and small numbers are written
    if exp == 1 or exp == 0:
        return Undone("power", f"({_short(base)})^{exp} is trivial"), marks
    if not (_numeric(base) and _numeric(exp)):
        return None, marks
    if exp == -1:
        if has_root(base):
            marks.add("radical_denominator")
        if base.is_Rational:
            return Undone("power", f"{_short(base)}^{{-1}} can be computed"), marks
        return None, marks
    if exp.is_Integer:
        if base.is_Rational:
            return Undone("power", f"{_short(base)}^{{{exp}}} can be computed"), marks
        if isinstance(base, sympy.Add) and exp >= 2:
            return Undone("power", f"({_short(base)})^{{{exp}}} can be expanded"), marks
        if base == sympy.E or isinstance(r, sympy.exp) and r.args[0] == exp:
            return None, marks
        if r != sympy.Pow(base, exp, evaluate=False):
            return Undone("power", f"({_short(base)})^{{{exp}}} is {_short(r)}"), marks
        return None, marks
    if exp.is_Rational:  # a root
        if (base.is_Rational and base < 0) or r.is_Rational or _coeff(r) != 1 or \
                _index(r) < exp.q:
            return Undone("root", f"the root of {_short(base)} simplifies to {_short(r)}"), marks
        return None, marks
    if r.is_Rational or (r != sympy.Pow(base, exp, evaluate=False) and not isinstance(r, sympy.exp)):
        return Undone("power", f"{_short(base)}^{{{_short(exp)}}} is {_short(r)}"), marks
    return None, marks


def after_function(name: str, args: tuple[Any, ...], r: Any,
                   cls: Any = None) -> tuple[Undone | None, set[str]]:
    """Function `name` (its sympy class `cls`, if any) applied to `args` gave `r`."""
    marks = {f"fn:{FUNCTION_CLASSES.get(name, name)}"}
    if not all(_numeric(a) for a in args):
        return None, marks
    shown = f"{name}({', '.join(_short(a) for a in args)})"
    if name == "exp" and r == sympy.E:
        return None, marks  # \\exp(1) is how e is written
    if cls is None or not isinstance(r, sympy.Basic) or not r.has(cls):
        return Undone("function", f"{shown} is {_short(r)}"), marks
    return None, marks
