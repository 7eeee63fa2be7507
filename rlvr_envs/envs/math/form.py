"""Form checks: an answer equal to the gold may still not be what the question asked for.

"Expand (x+1)^2" is answered by `x^2+2x+1`; echoing `(x+1)^2` is equal but is the question
restated, a reward hack a policy finds fast. Tasks name the form they ask for in
`required_form` (`expanded`, `factored` or `simplified`); these checks run on the parsed
sympy expression of an answer already found equal to the gold.
"""

from __future__ import annotations

from typing import Any

import sympy

REQUIRED_FORMS = ("expanded", "factored", "simplified")


def is_expanded(expr: Any) -> bool:
    """No product of sums and no power of a sum is left: expanding changes nothing."""
    return sympy.srepr(sympy.expand(expr)) == sympy.srepr(expr)


def is_factored(expr: Any) -> bool:
    """A product (or power) of factors each irreducible over the rationals; a polynomial of
    degree at most 1 (which has no factorization) counts as factored."""
    expr = sympy.sympify(expr)
    free = sorted(expr.free_symbols, key=str)
    if not free:
        return True
    if isinstance(expr, sympy.Add):
        poly = sympy.Poly(expr, *free)
        return poly.total_degree() <= 1 or _irreducible(expr)
    for factor in sympy.Mul.make_args(expr):
        base = factor.base if isinstance(factor, sympy.Pow) else factor
        if base.free_symbols and not _irreducible(base):
            return False
    return True


def _irreducible(expr: Any) -> bool:
    _, factors = sympy.factor_list(expr)
    return len(factors) == 1 and factors[0][1] == 1


def is_simplified(expr: Any) -> bool:
    """A rational expression with no common factor left between numerator and denominator."""
    num, den = sympy.fraction(sympy.together(expr))
    return bool(sympy.gcd(num, den).is_number)


def form_problem(expr: Any, required_form: str | None) -> str | None:
    """None when `expr` is in `required_form` (or no form is required), else the reason."""
    if not required_form:
        return None
    check = {"expanded": is_expanded, "factored": is_factored,
             "simplified": is_simplified}.get(required_form)
    if check is None:
        return None
    try:
        ok = check(expr)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded, TypeError, ValueError):
        ok = False
    return None if ok else f"equal to the answer but not {required_form} as the question asks"
