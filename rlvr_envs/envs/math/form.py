"""Form checks: an answer equal to the gold may still not be what the question asked for.

"Expand (x+1)^2" is answered by `x^2+2x+1`; echoing `(x+1)^2` is equal but is the question
restated, a reward hack a policy finds fast. A task names the forms it asks for in
`required_form` or in its wording (see `question.required_forms`):

- `expanded`: expanding changes nothing, and no number multiplies a sum (`3(x+4)`);
- `factored`: a product of factors irreducible over the rationals, each non-constant factor
  with integer coefficients and no common factor (`6(x-\\frac12)(x+\\frac83)` and
  `(5x+10)(x-2)` are not factored over the integers);
- `simplified`: no common factor between numerator and denominator; for a number also a
  fraction in lowest terms and no radical in a denominator;
- `fraction`: an integer or a fraction in lowest terms (no decimal, no repeating decimal);
- `rationalized`: no radical in a denominator;
- `slope_intercept`: an equation `y = mx + b` (or `f(x) = ...`) solved for the gold's
  variable, its right side expanded;
- `decimal`: a number written with a decimal point (or an integer), not `\\frac38`.

These run on an answer already found equal to the gold: on its sympy value and on the marks
the parser left (`undone.py`), since sympy's own evaluation hides some written forms.
"""

from __future__ import annotations

from typing import Any

import sympy

REQUIRED_FORMS = ("expanded", "factored", "simplified", "fraction", "rationalized",
                  "slope_intercept", "decimal")


def is_expanded(expr: Any) -> bool:
    """No product of sums and no power of a sum is left: expanding changes nothing."""
    return sympy.srepr(sympy.expand(expr)) == sympy.srepr(expr)


def is_factored(expr: Any) -> bool:
    """A product (or power) of factors each irreducible over the rationals, with integer
    coefficients and content 1 (factored over the integers); a polynomial of degree at
    most 1 (which has no factorization) counts as factored."""
    expr = sympy.sympify(expr)
    free = sorted(expr.free_symbols, key=str)
    if not free:
        return True
    if isinstance(expr, sympy.Add):
        poly = sympy.Poly(expr, *free)
        return poly.total_degree() <= 1 or _irreducible(expr)
    for factor in sympy.Mul.make_args(expr):
        base = factor.base if isinstance(factor, sympy.Pow) else factor
        if base.free_symbols and not (_irreducible(base) and _primitive(base)):
            return False
    return True


def _irreducible(expr: Any) -> bool:
    _, factors = sympy.factor_list(expr)
    return len(factors) == 1 and factors[0][1] == 1


def _primitive(expr: Any) -> bool:
    """Integer coefficients with no common factor: `2x - 1`, not `x - \\frac12` or `5x + 10`."""
    poly = sympy.Poly(expr, *sorted(expr.free_symbols, key=str))
    coeffs = poly.coeffs()
    return all(c.is_Integer for c in coeffs) and sympy.gcd_list(coeffs) == 1


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
    return None if ok else _not_in(required_form)


def _not_in(form: str) -> str:
    return f"equal to the answer but not {form.replace('_', '-')} as the question asks"


# Marks (undone.py) that a form rules out.
_FORBIDDEN_MARKS = {
    "expanded": {"distributed"},
    "simplified": {"unreduced", "radical_denominator"},
    "fraction": {"unreduced", "repeating"},
    "rationalized": {"radical_denominator"},
}


def answer_form_problem(value: Any, marks: set[str], decimal: bool, forms: tuple[str, ...],
                        *, is_number: bool) -> str | None:
    """None when an answer (its sympy `value`, the parser's `marks`, written with a decimal
    point or not) has every form in `forms`, else the reason. `is_number`: the gold is a
    number (then `expanded`/`factored` mean nothing and `fraction` forbids decimals)."""
    for form in forms:
        if marks & _FORBIDDEN_MARKS.get(form, set()):
            return _not_in(form)
        if form == "fraction" and is_number and decimal and \
                getattr(value, "is_Rational", False):
            return _not_in(form)
        if form == "decimal" and is_number and not decimal and \
                not getattr(value, "is_Integer", False):
            return _not_in(form)
        if form in ("expanded", "factored", "simplified") and not is_number:
            problem = form_problem(value, form)
            if problem:
                return problem
    return None


def slope_intercept_problem(var: str | None, sides: list[Any], gold_var: str | None,
                            marks: set[str]) -> str | None:
    """An equation answer in slope-intercept form: `gold_var = expression without it`
    (`f(x) = ...` for `y`), the expression expanded (no `5(x - 4)`)."""
    if len(sides) != 2:
        return _not_in("slope_intercept")
    rhs = sides[1]
    if var is None and isinstance(sides[1], sympy.Symbol):
        var, rhs = str(sides[1]), sides[0]  # "2x + 1 = y": solved for y, sides swapped
    if var is None:
        return _not_in("slope_intercept")
    same = var == gold_var or (gold_var == "y" and len(var) == 4 and var[1] == "(")
    if not same or sympy.Symbol(var) in rhs.free_symbols or "distributed" in marks or \
            not is_expanded(rhs):
        return _not_in("slope_intercept")
    return None
