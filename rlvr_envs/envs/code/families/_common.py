"""The shape every code family shares: variants with a reference solution and input makers.

A family is a list of :class:`Variant` s (function tasks) or :class:`StdioVariant` s (programs
reading stdin). Item ``i`` picks a variant allowed at its level and draws inputs from the
seeded ``random.Random`` only. Expected outputs come from running the family's reference
function in this process (it is our code, not the candidate's); its source is shipped as
the task's ``reference`` and must be self-contained (imports inside the function).
"""

from __future__ import annotations

import copy
import inspect
import random
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

# (public, hidden random) tests per level; edge cases are added to the hidden ones.
TEST_COUNTS = {1: (2, 6), 2: (2, 9), 3: (3, 12)}


@dataclass(frozen=True)
class Variant:
    """One function task: ``statement`` describes ``signature``; ``make_args(rng, level)``
    draws one argument tuple; ``edge_cases`` are argument tuples always in the hidden tests."""

    signature: str
    statement: str
    reference: Callable[..., Any]
    make_args: Callable[[random.Random, int], tuple[Any, ...]]
    edge_cases: Sequence[tuple[Any, ...]] = ()
    min_level: int = 1
    checker: str | None = None

    @property
    def entry_point(self) -> str:
        return self.reference.__name__


@dataclass(frozen=True)
class StdioVariant:
    """One stdin/stdout task: ``solve(text) -> str`` is the reference; ``make_input``
    draws one input text; the shipped reference wraps ``solve`` in a main program."""

    title: str
    statement: str
    solve: Callable[[str], str]
    make_input: Callable[[random.Random, int], str]
    edge_cases: Sequence[str] = ()
    min_level: int = 1


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
        if isinstance(variant, StdioVariant):
            return _stdio_task(variant, rng, difficulty, n_public, n_random)
        return _function_task(variant, rng, difficulty, n_public, n_random)


def source_of(func: Callable[..., Any]) -> str:
    return textwrap.dedent(inspect.getsource(func))


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


def _function_task(v: Variant, rng: random.Random, level: int, n_public: int,
                   n_random: int) -> dict[str, Any]:
    seen: set[str] = set()
    public = _draw(lambda: v.make_args(rng, level), n_public, seen)
    hidden = [tuple(a) for a in v.edge_cases if repr(tuple(a)) not in seen]
    seen.update(repr(a) for a in hidden)
    hidden += _draw(lambda: v.make_args(rng, level), n_random, seen)

    def test(args: tuple[Any, ...]) -> dict[str, Any]:
        return {"args": list(copy.deepcopy(args)), "kwargs": {},
                "expected": v.reference(*copy.deepcopy(args))}

    public_tests = [test(a) for a in public]
    examples = "\n".join(f"    {v.entry_point}({', '.join(map(repr, t['args']))}) == "
                         f"{t['expected']!r}" for t in public_tests)
    prompt = (f"Write a Python function `{v.signature}`.\n\n{v.statement}\n\n"
              f"Examples:\n{examples}\n\nAnswer with the complete function in a ```python "
              "block. Do not read input or print; return the result. Use only the Python "
              "standard library.")
    return {"style": "function", "prompt": prompt, "entry_point": v.entry_point,
            "public_tests": public_tests, "tests": [test(a) for a in hidden],
            "reference": source_of(v.reference), "checker": v.checker}


def stdio_reference(solve: Callable[[str], str]) -> str:
    return (source_of(solve) + "\n\nimport sys\n"
            f"sys.stdout.write({solve.__name__}(sys.stdin.read()))\n")


def _stdio_task(v: StdioVariant, rng: random.Random, level: int, n_public: int,
                n_random: int) -> dict[str, Any]:
    seen: set[str] = set()
    public = _draw(lambda: v.make_input(rng, level), n_public, seen)
    hidden = [e for e in v.edge_cases if e not in seen]
    seen.update(hidden)
    hidden += _draw(lambda: v.make_input(rng, level), n_random, seen)
    public_tests = [{"input": i, "output": v.solve(i)} for i in public]
    examples = "\n\n".join(f"Input:\n{t['input']}Output:\n{t['output']}" for t in public_tests)
    prompt = (f"{v.title}\n\n{v.statement}\n\nExamples:\n\n{examples}\n\nWrite a complete "
              "Python program that reads standard input and writes the answer to standard "
              "output, using only the Python standard library. Answer with the program in a "
              "```python block.")
    return {"style": "stdio", "prompt": prompt, "entry_point": None,
            "public_io_tests": public_tests,
            "io_tests": [{"input": i, "output": v.solve(i)} for i in hidden],
            "reference": stdio_reference(v.solve)}
