"""Turning HumanEval/MBPP-style ``assert candidate(...) == literal`` tests into plain calls
whose results the judge compares (the safer path of :meth:`Sandbox.run_assert_tests`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .codec import UnserializableValue, encode_value
from .results import CallOutcome

if TYPE_CHECKING:
    import ast


# --------------------------------------------------------------------------------------------
# HumanEval/MBPP assert conversion (the strong path for assert-style tests)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssertCall:
    """One ``assert`` turned into a call and a comparison made in the judge process.

    ``compare`` is one of ``"eq"``, ``"ne"``, ``"truthy"``, ``"falsy"``, ``"is"``
    (``expected`` is ``True``/``False``/``None``), ``"abs_lt"`` / ``"abs_le"``
    (``abs(value - expected) < tolerance``) or ``"isclose"`` (``math.isclose`` with
    ``rel_tol``/``abs_tol``). ``wrap`` names a builtin applied to the returned value first
    (``set``, ``sorted``...: MBPP's ``assert set(f(x)) == set(y)``).
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    compare: str
    expected: Any = None
    tolerance: float | None = None
    wrap: str | None = None
    rel_tol: float = 1e-09

    def failure(self, outcome: CallOutcome) -> str | None:
        """Why ``outcome`` does not satisfy this assert, or ``None`` when it does."""
        if not outcome.ok:
            return f"raised {outcome.error_type}: {outcome.error_message}"
        value, exp = outcome.value, self.expected
        try:
            if self.wrap:
                value = WRAPPERS[self.wrap](value)
            if self.compare == "isclose":
                import math
                good = math.isclose(value, exp, rel_tol=self.rel_tol,
                                    abs_tol=self.tolerance or 0.0)
            elif self.compare == "eq":
                good = value == exp
            elif self.compare == "ne":
                good = value != exp
            elif self.compare == "truthy":
                good = bool(value)
            elif self.compare == "falsy":
                good = not value
            elif self.compare == "is":
                good = value is exp
            else:
                diff = abs(value - exp)
                good = diff < self.tolerance if self.compare == "abs_lt" else \
                    diff <= self.tolerance
        except Exception as exc:  # noqa: BLE001 - e.g. a str minus a float: the assert fails
            return f"comparison failed: {type(exc).__name__}: {exc}"
        if good:
            return None
        try:
            return f"got {value!r}, expected {self.compare} {exp!r}"
        except ValueError:   # an int too long for repr (sys.get_int_max_str_digits)
            return f"got a different value, expected {self.compare} a value too large to print"


#: Builtins an assert may apply to the call's value or to the expected literal; applied in
#: the judge to decoded plain values.
WRAPPERS: dict[str, Any] = {"set": set, "frozenset": frozenset, "sorted": sorted, "list": list,
                            "tuple": tuple, "len": len}


def extract_assert_calls(test_code: str, entry_point: str) -> list[AssertCall] | None:
    """Turn assert-based tests into :class:`AssertCall` s, or return ``None`` if any part
    of ``test_code`` is not a plain literal assert.

    Understood: a ``def check(candidate):`` whose body holds only asserts (plus docstrings,
    ``assert True``, imports and literal assignments at module level such as HumanEval's
    ``METADATA``), or module-level asserts calling ``entry_point`` (MBPP style). Each assert
    must be ``f(<literals>) == <literal>`` (either side), ``!=``, ``f(...)``,
    ``not f(...)``, ``f(...) is True/False/None``, or ``abs(f(...) - <literal>) < <literal>``.
    It is all or nothing: one unsupported statement returns ``None`` (use ``run_check``).
    """
    import ast
    try:
        tree = ast.parse(test_code)
    except SyntaxError:
        return None
    asserts: list[ast.Assert] = []
    names: set[str] = {entry_point}
    found_check = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            if found_check or len(node.args.args) != 1 or node.decorator_list:
                return None
            found_check = True
            names.add(node.args.args[0].arg)
            for stmt in node.body:
                if _is_docstring(stmt):
                    continue
                if not isinstance(stmt, ast.Assert):
                    return None
                asserts.append(stmt)
        elif isinstance(node, ast.Assert):
            asserts.append(node)
        elif _is_docstring(node) or _is_literal_assignment(node) or \
                isinstance(node, (ast.Import, ast.ImportFrom)):
            continue   # (an import only serves `math.isclose`, which the judge evaluates)
        else:
            return None
    out: list[AssertCall] = []
    for stmt in asserts:
        if _is_true_constant(stmt.test):
            continue
        spec = _convert_assert(stmt.test, names)
        if spec is None:
            return None
        out.append(spec)
    return out or None


def stub_functions(source: str | None) -> list[str]:
    """Top-level functions of ``source`` (a HumanEval prompt) that are only declared: a
    signature and a docstring, ``pass``, ``...`` or ``raise NotImplementedError``. The
    candidate writes them, so the test must call the candidate's (HumanEval/33's ``check``
    calls ``sort_third`` by name); the prompt's real helpers (``poly``) stay the prompt's."""
    import ast
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    stubs = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and all(
                _is_docstring(stmt) or isinstance(stmt, ast.Pass) or (
                    isinstance(stmt, ast.Raise) and "NotImplementedError" in ast.dump(stmt))
                for stmt in node.body):
            stubs.append(node.name)
    return stubs


def bound_names(source: str) -> list[str]:
    """Names the module-level code of ``source`` binds (``def``, ``import``, ``=``): the test
    code's own, never taken from the candidate (``[]`` when it does not compile)."""
    import dis
    try:
        code = compile(source, "test.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return []
    return sorted({i.argval for i in dis.get_instructions(code)
                   if i.opname in ("STORE_NAME", "STORE_GLOBAL")})


#: Standard-library modules never imported for a test that names them (side effects).
_NEVER_IMPORTED = frozenset({"this", "antigravity", "idlelib", "tkinter", "turtle",
                             "turtledemo", "pydoc", "webbrowser"})


def module_globals(source: str) -> list[str]:
    """Standard-library modules that ``source`` reads as global names without binding them
    (``math`` in MBPP's ``assert math.isclose(...)``): the test process imports them when
    the candidate's module does not provide the name."""
    import dis
    import sys
    try:
        code = compile(source, "test.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return []
    loaded: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        for ins in dis.get_instructions(current):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                loaded.add(str(ins.argval))
        stack += [c for c in current.co_consts if hasattr(c, "co_code")]
    stdlib = getattr(sys, "stdlib_module_names", frozenset())
    return sorted(n for n in loaded - set(bound_names(source)) - _NEVER_IMPORTED
                  if n in stdlib and not n.startswith("_"))


def _is_docstring(node: ast.stmt) -> bool:
    import ast
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _is_true_constant(node: ast.expr) -> bool:
    import ast
    return isinstance(node, ast.Constant) and node.value is True


def _is_literal_assignment(node: ast.stmt) -> bool:
    import ast
    if not isinstance(node, ast.Assign):
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _literal(node: ast.expr) -> tuple[bool, Any]:
    import ast
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _as_call(node: ast.expr, names: set[str]) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    import ast
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in names):
        return None
    args = []
    for arg in node.args:
        ok, value = _literal(arg)
        if not ok or isinstance(arg, ast.Starred):
            return None
        args.append(value)
    kwargs = {}
    for kw in node.keywords:
        ok, value = _literal(kw.value)
        if not ok or kw.arg is None:
            return None
        kwargs[kw.arg] = value
    try:
        encode_value([args, kwargs])
    except UnserializableValue:
        return None
    return tuple(args), kwargs


def _wrapped_call(node: ast.expr, names: set[str]
                  ) -> tuple[tuple[tuple[Any, ...], dict[str, Any]], str | None] | None:
    """``f(...)`` or ``W(f(...))`` with ``W`` in :data:`WRAPPERS`."""
    import ast
    call = _as_call(node, names)
    if call is not None:
        return call, None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in WRAPPERS and node.func.id not in names and \
            len(node.args) == 1 and not node.keywords:
        inner = _as_call(node.args[0], names)
        if inner is not None:
            return inner, node.func.id
    return None


def _expected(node: ast.expr) -> tuple[bool, Any]:
    """A literal, or ``W(<literal>)`` with ``W`` in :data:`WRAPPERS` (evaluated here)."""
    import ast
    ok, value = _literal(node)
    if ok:
        return True, value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id in WRAPPERS and len(node.args) <= 1 and not node.keywords:
        ok, inner = _literal(node.args[0]) if node.args else (True, ())
        if ok:
            try:
                return True, WRAPPERS[node.func.id](inner)
            except (TypeError, ValueError):
                return False, None
    return False, None


def _isclose(test: ast.expr, names: set[str]) -> AssertCall | None:
    """``math.isclose(f(...), <literal>, rel_tol=<literal>, abs_tol=<literal>)``."""
    import ast
    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute)
            and isinstance(test.func.value, ast.Name) and test.func.value.id == "math"
            and test.func.attr == "isclose" and len(test.args) == 2):
        return None
    call = _as_call(test.args[0], names)
    ok, expected = _literal(test.args[1])
    if call is None or not ok or type(expected) not in (int, float):
        return None
    tolerances = {"rel_tol": 1e-09, "abs_tol": 0.0}
    for kw in test.keywords:
        ok, value = _literal(kw.value)
        if kw.arg not in tolerances or not ok or type(value) not in (int, float):
            return None
        tolerances[kw.arg] = float(value)
    return AssertCall(call[0], call[1], "isclose", expected, tolerances["abs_tol"],
                      rel_tol=tolerances["rel_tol"])


def _convert_assert(test: ast.expr, names: set[str]) -> AssertCall | None:
    import ast
    call = _as_call(test, names)
    if call is not None:
        return AssertCall(call[0], call[1], "truthy")
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        call = _as_call(test.operand, names)
        return AssertCall(call[0], call[1], "falsy") if call else None
    close = _isclose(test, names)
    if close is not None:
        return close
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, (ast.Eq, ast.NotEq)):
        found, other = _wrapped_call(left, names), right
        if found is None:
            found, other = _wrapped_call(right, names), left
        ok, expected = _expected(other)
        if found is None or not ok:
            return None
        (args, kwargs), wrap = found
        return AssertCall(args, kwargs, "eq" if isinstance(op, ast.Eq) else "ne", expected,
                          wrap=wrap)
    if isinstance(op, ast.Is):
        call, other = _as_call(left, names), right
        if call is None:
            call, other = _as_call(right, names), left
        ok, expected = _literal(other)
        if call is None or not ok:
            return None
        if expected not in (True, False, None) or type(expected) not in (bool, type(None)):
            return None
        return AssertCall(call[0], call[1], "is", expected)
    if isinstance(op, (ast.Lt, ast.LtE)):
        ok, tol = _literal(right)
        if not (ok and type(tol) in (int, float) and isinstance(left, ast.Call)
                and isinstance(left.func, ast.Name) and left.func.id == "abs"
                and len(left.args) == 1 and not left.keywords
                and isinstance(left.args[0], ast.BinOp)
                and isinstance(left.args[0].op, ast.Sub)):
            return None
        inner = left.args[0]
        call = _as_call(inner.left, names)
        ok, expected = _literal(inner.right)
        if call is None or not ok or type(expected) not in (int, float):
            return None
        return AssertCall(call[0], call[1], "abs_lt" if isinstance(op, ast.Lt) else "abs_le",
                          expected, float(tol))
    return None
