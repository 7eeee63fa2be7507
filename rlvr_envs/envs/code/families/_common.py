"""The shape every code family shares: parameterised variants with a generic reference.

A family is a list of :class:`Variant` s (function tasks) or :class:`StdioVariant` s
(programs reading stdin). Item ``i`` picks a variant allowed at its level, then draws from
the seeded ``random.Random`` only: the task's **parameters** (stated in the statement and
changing the required behaviour: a window length, strict or not, a tie-break, separators,
costs...), the function and argument names (function style), and the test inputs.

The variant's reference is generic: positional arguments are the inputs, keyword-only
arguments the parameters. :func:`~._specialize.specialize` turns it into the plain function
this task needs (parameters written in, dead branches dropped). That source is the task's
``reference`` (the oracle's answer) and it is what computes the expected outputs here (our
code, not the candidate's), so the shipped reference and the tests cannot disagree.
"""

from __future__ import annotations

import copy
import inspect
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._specialize import identifiers, parameter_names, specialize

# (public, hidden random) tests per level; edge cases are added to the hidden ones.
TEST_COUNTS = {1: (2, 6), 2: (2, 9), 3: (3, 12)}


class Spec:
    """One task's parameters and names; ``spec.k`` reads ``spec["k"]``. Besides the
    parameters it holds ``name`` (the entry point) and, per generic argument, its name.
    Parameters named ``_x`` only change the wording; ``spec.params`` are those the
    reference takes."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self._values = dict(params)
        self.params = {k: v for k, v in params.items() if not k.startswith("_")}

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["_values"][key]
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._values[key] = value

    def update(self, pairs: Any) -> None:
        self._values.update(pairs)


def _no_params(rng: random.Random, level: int) -> dict[str, Any]:
    return {}


def _no_edges(spec: Spec) -> Sequence[Any]:
    return ()


@dataclass(frozen=True)
class Variant:
    """One kind of function task.

    ``reference(*inputs, **params)`` is the generic solution; ``params(rng, level)`` draws
    the parameters; ``names`` (or ``names(spec)``) the entry-point names to draw from and
    ``arg_names`` a pool of names per positional argument (or, keyed by a tuple of
    arguments, a pool of name tuples drawn together); ``statement(spec)`` the text;
    ``make_args(rng, level, spec)`` one argument tuple; ``edge_cases(spec)`` argument tuples
    always among the hidden tests; ``returns(spec)`` the return type where it depends on
    the parameters."""

    reference: Callable[..., Any]
    names: Sequence[str] | Callable[[Spec], Sequence[str]]
    statement: Callable[[Spec], str]
    make_args: Callable[[random.Random, int, Spec], tuple[Any, ...]]
    params: Callable[[random.Random, int], Mapping[str, Any]] = _no_params
    edge_cases: Callable[[Spec], Sequence[tuple[Any, ...]]] = _no_edges
    arg_names: Mapping[Any, Sequence[Any]] = field(default_factory=dict)
    min_level: int = 1
    checker: str | None = None
    returns: Callable[[Spec], str] | None = None

    def __post_init__(self) -> None:
        inputs, _ = parameter_names(self.reference)
        used = identifiers(self.reference)
        for args, pool in self.arg_names.items():
            keys = args if isinstance(args, tuple) else (args,)
            names = {n for choice in pool
                     for n in (choice if isinstance(choice, tuple) else (choice,))}
            clash = sorted(n for n in names if n not in keys and n in used)
            if not set(keys) <= set(inputs) or clash:
                raise ValueError(f"{self.reference.__name__}: arguments {keys} are not inputs "
                                 f"or their names {clash} clash with names in the body")

    def draw_names(self, rng: random.Random, spec: Spec) -> None:
        """Put the entry point's name and each argument's name into ``spec``."""
        spec["name"] = rng.choice(self.names(spec) if callable(self.names) else self.names)
        inputs, _ = parameter_names(self.reference)
        spec.update({arg: arg for arg in inputs})
        for args, pool in self.arg_names.items():
            choice = rng.choice(pool)
            if isinstance(args, tuple):
                spec.update(zip(args, choice))
            else:
                spec[args] = choice


@dataclass(frozen=True)
class StdioVariant:
    """One kind of stdin/stdout task: ``solve(text, **params) -> str`` is the generic
    reference; ``make_input(rng, level, spec)`` draws one input text."""

    title: str
    statement: Callable[[Spec], str]
    solve: Callable[..., str]
    make_input: Callable[[random.Random, int, Spec], str]
    params: Callable[[random.Random, int], Mapping[str, Any]] = _no_params
    edge_cases: Callable[[Spec], Sequence[str]] = _no_edges
    min_level: int = 1
    checker: str | None = None


@dataclass
class CodeFamily:
    """A procedural code task family (the ``TaskFamily`` protocol of ``core.tasks``)."""

    name: str
    variants: Sequence[Variant | StdioVariant]
    difficulties: Sequence[int] = field(default=(1, 2, 3))

    def __post_init__(self) -> None:
        for level in self.difficulties:
            if not self._allowed(level):
                raise ValueError(f"code family {self.name!r} has no variant at level {level}")

    def _allowed(self, level: int) -> list[Variant | StdioVariant]:
        return [v for v in self.variants if v.min_level <= level]

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        variant = rng.choice(self._allowed(difficulty))
        n_public, n_random = TEST_COUNTS.get(difficulty, TEST_COUNTS[max(TEST_COUNTS)])
        spec = Spec(variant.params(rng, difficulty))
        if isinstance(variant, StdioVariant):
            return _stdio_task(variant, spec, rng, difficulty, n_public, n_random)
        return _function_task(variant, spec, rng, difficulty, n_public, n_random)


def load_function(source: str, name: str) -> Callable[..., Any]:
    """Our own generated reference, compiled here to compute expected outputs."""
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<reference {name}>", "exec"), namespace)   # noqa: S102
    return namespace[name]


def _draw(make: Callable[[], Any], count: int, seen: set[str]) -> list[Any]:
    out: list[Any] = []
    for _ in range(count * 20):
        if len(out) == count:
            break
        item = make()
        key = repr(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def signature(v: Variant, spec: Spec) -> str:
    sig = inspect.signature(v.reference)
    args = [f"{spec[p.name]}: {p.annotation}" for p in sig.parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD]
    returns = v.returns(spec) if v.returns else sig.return_annotation
    return f"{spec.name}({', '.join(args)}) -> {returns}"


def _function_task(v: Variant, spec: Spec, rng: random.Random, level: int, n_public: int,
                   n_random: int) -> dict[str, Any]:
    inputs, _ = parameter_names(v.reference)
    v.draw_names(rng, spec)
    source = specialize(v.reference, spec.name, {a: spec[a] for a in inputs}, spec.params,
                        v.returns(spec) if v.returns else None)
    solution = load_function(source, spec.name)
    seen: set[str] = set()
    public = _draw(lambda: v.make_args(rng, level, spec), n_public, seen)
    hidden = [tuple(a) for a in v.edge_cases(spec) if repr(tuple(a)) not in seen]
    seen.update(repr(a) for a in hidden)
    hidden += _draw(lambda: v.make_args(rng, level, spec), n_random, seen)

    def test(args: tuple[Any, ...]) -> dict[str, Any]:
        return {"args": list(copy.deepcopy(args)), "kwargs": {},
                "expected": solution(*copy.deepcopy(args))}

    public_tests = [test(a) for a in public]
    examples = "\n".join(f"    {spec.name}({', '.join(map(repr, t['args']))}) == "
                         f"{t['expected']!r}" for t in public_tests)
    prompt = (f"Write a Python function `{signature(v, spec)}`.\n\n{v.statement(spec)}\n\n"
              f"Examples:\n{examples}\n\nAnswer with the complete function in a ```python "
              "block. Do not read input or print; return the result. Use only the Python "
              "standard library.")
    return {"style": "function", "prompt": prompt, "entry_point": spec.name,
            "public_tests": public_tests, "tests": [test(a) for a in hidden],
            "reference": source, "checker": v.checker, "variant": v.reference.__name__,
            "params": spec.params}


def stdio_program(solve_source: str) -> str:
    """A complete program around a specialised ``solve(text) -> str``."""
    return f"{solve_source}\n\nimport sys\nsys.stdout.write(solve(sys.stdin.read()))\n"


def _stdio_task(v: StdioVariant, spec: Spec, rng: random.Random, level: int, n_public: int,
                n_random: int) -> dict[str, Any]:
    (text_arg,), _ = parameter_names(v.solve)
    source = specialize(v.solve, "solve", {text_arg: "text"}, spec.params)
    solve = load_function(source, "solve")
    seen: set[str] = set()
    public = _draw(lambda: v.make_input(rng, level, spec), n_public, seen)
    hidden = [e for e in v.edge_cases(spec) if e not in seen]
    seen.update(hidden)
    hidden += _draw(lambda: v.make_input(rng, level, spec), n_random, seen)
    public_tests = [{"input": i, "output": solve(i)} for i in public]
    examples = "\n\n".join(f"Input:\n{t['input']}Output:\n{t['output']}" for t in public_tests)
    prompt = (f"{v.title}\n\n{v.statement(spec)}\n\nExamples:\n\n{examples}\n\nWrite a "
              "complete Python program that reads standard input and writes the answer to "
              "standard output, using only the Python standard library. Answer with the "
              "program in a ```python block.")
    return {"style": "stdio", "prompt": prompt, "entry_point": None,
            "public_io_tests": public_tests,
            "io_tests": [{"input": i, "output": solve(i)} for i in hidden],
            "reference": stdio_program(source), "checker": v.checker,
            "variant": v.solve.__name__, "params": spec.params}
