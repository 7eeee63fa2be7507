"""Turn a family's generic reference into the plain function one task needs.

A generic reference takes the task's inputs as positional arguments and the task's
parameters (window length, strictness, separators...) as keyword-only arguments. For one
task, :func:`specialize` renames the function and its arguments, replaces every parameter by
its value and folds what became constant (``if strict:``, ``a if mode == "max" else b``),
so the shipped reference reads like a solution written for that statement alone.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

_SCALARS = (int, float, str, bool, type(None), bytes)


@functools.cache
def _parsed(func: Callable[..., Any]) -> ast.FunctionDef:
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise TypeError(f"{func.__qualname__} is not a plain function")
    return node


def parameter_names(func: Callable[..., Any]) -> tuple[list[str], list[str]]:
    """(positional input names, keyword-only parameter names) of a generic reference."""
    args = _parsed(func).args
    return [a.arg for a in args.args], [a.arg for a in args.kwonlyargs]


def identifiers(func: Callable[..., Any]) -> set[str]:
    """Every name the function's body uses (locals, globals, nested arguments)."""
    node = _parsed(func)
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    names |= {a.arg for n in ast.walk(node) for a in _all_args(n)}
    return names


def _all_args(node: ast.AST) -> list[ast.arg]:
    if isinstance(node, (ast.FunctionDef, ast.Lambda)):
        a = node.args
        return [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]
    return []


def literal(value: Any) -> ast.expr:
    """The expression node that writes ``value`` (a plain literal)."""
    if isinstance(value, _SCALARS):
        return ast.Constant(value)
    node = ast.parse(repr(value), mode="eval").body
    if ast.literal_eval(node) != value:
        raise ValueError(f"parameter value {value!r} has no literal form")
    return node


class _Substitute(ast.NodeTransformer):
    def __init__(self, params: Mapping[str, Any], renames: Mapping[str, str]) -> None:
        self.params, self.renames = params, renames

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.params:
            if not isinstance(node.ctx, ast.Load):
                raise ValueError(f"parameter {node.id!r} is assigned in the reference")
            return ast.copy_location(literal(self.params[node.id]), node)
        if node.id in self.renames:
            node.id = self.renames[node.id]
        return node


def _constant(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Slice):
        return all(part is None or _constant(part) for part in (node.lower, node.upper,
                                                                 node.step))
    return isinstance(node, ast.Constant) or (
        isinstance(node, (ast.Tuple, ast.List)) and all(map(_constant, node.elts)))


class _Fold(ast.NodeTransformer):
    """Constant folding and dead-branch removal, children first."""

    def _evaluate(self, node: ast.expr) -> ast.expr:
        if not all(_constant(c) for c in ast.iter_child_nodes(node)
                   if isinstance(c, ast.expr)):
            return node
        try:
            value = eval(compile(ast.Expression(node), "<fold>", "eval"),   # noqa: S307
                         {"__builtins__": {}})
        except Exception:  # noqa: BLE001 - leave what does not fold as it is
            return node
        if isinstance(value, _SCALARS) or (isinstance(value, tuple) and
                                           all(isinstance(v, _SCALARS) for v in value)):
            return ast.copy_location(ast.Constant(value), node)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        return self._evaluate(self.generic_visit(node))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        return self._evaluate(self.generic_visit(node))

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node = self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and _constant(node.value) and _constant(node.slice):
            return self._evaluate(node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        node = self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(node.right, ast.Constant) \
                and node.right.value == 0 and not isinstance(node.right.value, bool):
            return node.left   # `i + 0` from a 0-based parameter (ints in our references)
        return self._evaluate(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        self.generic_visit(node)
        values = list(node.values)
        # only leading constants fold: `x and True` is x's value when x is falsy
        while len(values) > 1 and isinstance(values[0], ast.Constant):
            if bool(values[0].value) == isinstance(node.op, ast.Or):
                return values[0]
            values.pop(0)
        if len(values) == 1:
            return values[0]
        node.values = values
        return node

    def _test(self, node: ast.expr) -> ast.expr:
        """A condition: only its truth matters, so constants fold anywhere in and/or."""
        if isinstance(node, ast.BoolOp):
            decisive = isinstance(node.op, ast.Or)
            values = [self._test(v) for v in node.values]
            if any(isinstance(v, ast.Constant) and bool(v.value) == decisive for v in values):
                return ast.Constant(decisive)
            values = [v for v in values if not isinstance(v, ast.Constant)]
            if not values:
                return ast.Constant(not decisive)
            if len(values) == 1:
                return values[0]
            node.values = values
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        node.test = self._test(node.test)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_If(self, node: ast.If) -> Any:
        self.generic_visit(node)
        node.test = self._test(node.test)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_While(self, node: ast.While) -> Any:
        self.generic_visit(node)
        node.test = self._test(node.test)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.comprehension:
        self.generic_visit(node)
        node.ifs = [t for t in map(self._test, node.ifs)
                    if not (isinstance(t, ast.Constant) and t.value)]
        return node


_TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def _tidy_blocks(tree: ast.AST) -> None:
    """Drop statements after a return (folded branches leave them) and fill empty blocks."""
    for node in ast.walk(tree):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            end = next((i for i, st in enumerate(block) if isinstance(st, _TERMINAL)), None)
            if end is not None:
                del block[end + 1:]
        if isinstance(getattr(node, "body", None), list) and not node.body:
            node.body = [ast.Pass()]


def specialize(func: Callable[..., Any], name: str, renames: Mapping[str, str],
               params: Mapping[str, Any], returns: str | None = None) -> str:
    """Source of ``func`` named ``name``, positional arguments renamed by ``renames``, every
    keyword-only parameter replaced by its value in ``params`` and constants folded;
    ``returns`` replaces the return annotation."""
    node = copy.deepcopy(_parsed(func))
    wanted = {a.arg for a in node.args.kwonlyargs}
    if wanted != set(params):
        raise ValueError(f"{func.__name__} takes parameters {sorted(wanted)}, "
                         f"got {sorted(params)}")
    node.name = name
    node.args.kwonlyargs, node.args.kw_defaults = [], []
    node.decorator_list = []
    if returns is not None:
        node.returns = ast.parse(returns, mode="eval").body
    node = _Substitute(params, renames).visit(node)
    for a in node.args.args:
        a.arg = renames.get(a.arg, a.arg)
    node = _Fold().visit(node)
    _tidy_blocks(node)
    return ast.unparse(ast.fix_missing_locations(node)) + "\n"
