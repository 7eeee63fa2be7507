"""How a program's answer is compared with the expected one, in the judge process.

Every comparison here runs on plain values rebuilt by the sandbox's codec (exact builtin
types, so ``==`` runs no candidate code) or on captured stdout text. A task picks one by
name with ``checker``; loaders set the benchmark's own rule for the data they load (APPS,
LiveCodeBench), procedural tasks use the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

# --- function tests ---------------------------------------------------------------------------


def values_match(got: Any, expected: Any, tolerance: float | None = None) -> bool:
    """Structural equality with exact container types; ints and floats compare as numbers
    (within ``tolerance`` when given, relative or absolute); ``bool`` never equals ``int``."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(got) is type(expected) and got == expected
    if type(expected) in (int, float) and type(got) in (int, float):
        if isinstance(expected, float) and math.isnan(expected):
            return isinstance(got, float) and math.isnan(got)
        if tolerance:
            return math.isclose(got, expected, rel_tol=tolerance, abs_tol=tolerance)
        return got == expected
    if type(got) is not type(expected):
        return False
    if isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(
            values_match(g, e, tolerance) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(
            values_match(got[k], expected[k], tolerance) for k in expected)
    return bool(got == expected)


def _unordered(got: Any, expected: Any, tolerance: float | None) -> bool:
    if type(got) is not list or type(expected) is not list or len(got) != len(expected):
        return False
    return sorted(map(repr, got)) == sorted(map(repr, expected))


def _tuples_as_lists(value: Any) -> Any:
    """Benchmarks written in JSON have no tuples: a returned tuple is read as a list."""
    if type(value) is tuple:
        return [_tuples_as_lists(v) for v in value]
    if type(value) is list:
        return [_tuples_as_lists(v) for v in value]
    return value


def _apps_call(got: Any, expected: Any, tolerance: float | None) -> bool:
    """APPS call-based tests (its ``testing_util.py``): Python ``==`` after tuples become
    lists, or ``==`` with the first element of an expected list (APPS stores ``[answer]``)."""
    got = _tuples_as_lists(got)
    if got == expected or (tolerance and values_match(got, expected, tolerance)):
        return True
    return type(expected) is list and len(expected) > 0 and got == expected[0]


def _lcb_call(got: Any, expected: Any, tolerance: float | None) -> bool:
    """LiveCodeBench functional tests: Python ``==`` after tuples become lists."""
    got = _tuples_as_lists(got)
    return got == expected or bool(tolerance and values_match(got, expected, tolerance))


FUNCTION_CHECKERS: dict[str, Callable[[Any, Any, float | None], bool]] = {
    "exact": values_match,
    "unordered": _unordered,   # a list whose order does not matter (a multiset)
    "apps": _apps_call,        # APPS call-based (see _apps_call)
    "lcb": _lcb_call,          # LiveCodeBench functional
}


# --- stdin/stdout tests -----------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _tokens_match(got: str, expected: str, tolerance: float | None) -> bool:
    a, b = got.split(), expected.split()
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        if tolerance is None:
            return False
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if not (math.isfinite(fx) and math.isclose(fx, fy, rel_tol=tolerance, abs_tol=tolerance)):
            return False
    return True


def _lines_match(got: str, expected: str, tolerance: float | None) -> bool:
    a, b = _lines(got), _lines(expected)
    return len(a) == len(b) and all(_tokens_match(x, y, tolerance) if tolerance else
                                    x.strip() == y.strip() for x, y in zip(a, b))


def _unordered_lines(got: str, expected: str, tolerance: float | None) -> bool:
    return sorted(x.strip() for x in _lines(got)) == sorted(x.strip() for x in _lines(expected))


def _close(a: float, b: float) -> bool:
    """``numpy.allclose`` for two numbers (its defaults: rtol 1e-5, atol 1e-8)."""
    return a == b or abs(a - b) <= 1e-8 + 1e-5 * abs(b)


def _apps_stdout(got: str, expected: str, tolerance: float | None) -> bool:
    """APPS's own stdout comparison (``eval/testing_util.py`` of hendrycks/apps), in its
    order: the whole text stripped (also with each line stripped); the lines against the
    expected lines without blank ones, stripped; the same without the program's blank lines;
    every line as one number, ``numpy.allclose``. Its last two fall-backs compare *sets* of
    tokens (order and repetition ignored: ``2\\n1`` passes for ``1 2``) and are left out
    because they accept wrong answers."""
    out = got.splitlines()
    if "\n".join(out).strip() == expected.strip() or \
            "\n".join(line.strip() for line in out).strip() == expected.strip():
        return True
    want = [line.strip() for line in expected.split("\n") if line]
    if out == [expected] or out == want:
        return True
    out = [line for line in out if line]
    if out == want:
        return True
    try:
        a, b = [float(x) for x in out], [float(y) for y in want]
    except (ValueError, OverflowError):
        return _lines_match(got, expected, tolerance) if tolerance else False
    return (len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))) or bool(
        tolerance and _lines_match(got, expected, tolerance))


def _decimals(line: str) -> list[Decimal] | None:
    try:
        return [Decimal(token) for token in line.split()]
    except (InvalidOperation, ValueError):
        return None


def _lcb_stdout(got: str, expected: str, tolerance: float | None) -> bool:
    """LiveCodeBench's stdout comparison (``lcb_runner/evaluation/testing_util.py``): both
    texts stripped, the same number of lines, each line (stripped) equal, or equal as
    decimal numbers token by token (``0.50`` is ``0.5``, ``3.0`` is ``3``)."""
    a = [line.strip() for line in got.strip().split("\n")]
    b = [line.strip() for line in expected.strip().split("\n")]
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        dx, dy = _decimals(x), _decimals(y)
        if dx is None or dy is None or dx != dy:
            return bool(tolerance and _tokens_match(x, y, tolerance))
    return True


STDIO_CHECKERS: dict[str, Callable[[str, str, float | None], bool]] = {
    "lines": _lines_match,              # default: same lines, trailing blanks ignored
    "tokens": _tokens_match,            # any whitespace layout
    "unordered_lines": _unordered_lines,
    "apps": _apps_stdout,               # APPS-loaded tasks (see _apps_stdout)
    "lcb": _lcb_stdout,                 # LiveCodeBench-loaded tasks
}
