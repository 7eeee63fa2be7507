"""What answers that ignore the task earn on its hidden tests: the floor of partial credit.

With ``partial=True`` a fraction of passed tests is paid, and a stub that returns the same
value every time (or echoes its input) passes every test whose expected value happens to
be that. A learner finds the best such stub per function name on other seeds (the red team
reached 0.195 mean reward that way). So the judge computes, from the task's own hidden
tests and without running anything, the best fraction any of these stubs reaches:

* constants: ``None``, ``0``, ``1``, ``-1``, ``True``, ``False``, ``""``, ``[]``, ``{}``,
  ``()``, and every one of the 20 most frequent expected values (the best constant);
* echoes and simple functions of the arguments: each argument itself; of the first one
  ``len``, ``sorted``, reversed, ``sum``, ``min``, ``max``, first and last item, ``str``,
  ``bool``, ``abs``, ``set``/``sorted(set(...))``, ``.lower()``/``.upper()``;
* for stdin/stdout: the empty output, ``0``, ``1``, ``-1``, ``YES``/``NO`` (any case),
  the input itself, its first line, last line and first token, and the most frequent
  expected outputs.

Partial credit is then paid only above that floor: ``(passed - floor) / (1 - floor)``, so a
stub earns 0 and a full pass 1 (see ``verify.partial_reward``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .compare import FUNCTION_CHECKERS, STDIO_CHECKERS

_CONSTANTS: tuple[Any, ...] = (None, 0, 1, -1, True, False, "", [], {}, ())
_STDIO_CONSTANTS = ("", "0", "1", "-1", "YES", "NO", "Yes", "No", "yes", "no", "True",
                    "False", "true", "false")
_MOST_FREQUENT = 20


_NOTHING = object()   # a stub that does not apply to this test's arguments
_TRANSFORMS: tuple[Callable[[Any], Any], ...] = (
    len, sorted, sum, min, max, str, bool, abs, set, lambda v: sorted(set(v)),
    lambda v: v[::-1], lambda v: list(reversed(v)), lambda v: v[0], lambda v: v[-1],
    lambda v: v.lower(), lambda v: v.upper())
_ECHOED_ARGS = 3


def _function_stubs(test: Mapping[str, Any]) -> list[Any]:
    """The same stubs for every test, position by position (``_NOTHING`` where one does
    not apply): the first arguments themselves, then transforms of the first."""
    args = list(test.get("args") or [])
    outs = [args[i] if i < len(args) else _NOTHING for i in range(_ECHOED_ARGS)]
    for fn in _TRANSFORMS:
        try:
            outs.append(fn(args[0]) if args and _small(args[0]) else _NOTHING)
        except Exception:  # noqa: BLE001 - a transform that does not apply to this value
            outs.append(_NOTHING)
    return outs


def _small(value: Any) -> bool:
    try:
        return len(value) <= 100_000 if hasattr(value, "__len__") else True
    except Exception:  # noqa: BLE001
        return False


def _frequent(values: Sequence[Any], key: Callable[[Any], str]) -> list[Any]:
    counts = Counter(key(v) for v in values)
    first: dict[str, Any] = {}
    for v in values:
        first.setdefault(key(v), v)
    return [first[k] for k, _ in counts.most_common(_MOST_FREQUENT)]


def _passes(check: Callable[[Any, Any, float | None], bool], got: Any, expected: Any,
            tolerance: float | None) -> bool:
    try:
        return bool(check(got, expected, tolerance))
    except Exception:  # noqa: BLE001 - a comparison that fails is a failed test
        return False


def stub_floor(task: Mapping[str, Any], style: str) -> float:
    """The best fraction of ``task``'s hidden tests a task-independent stub passes."""
    tolerance = task.get("float_tolerance")
    if style == "function":
        tests = list(task.get("tests") or [])
        check = FUNCTION_CHECKERS[task.get("checker") or "exact"]
        expected = [t.get("expected") for t in tests]
        constants = list(_CONSTANTS) + _frequent(expected, repr)
        per_test = [_function_stubs(t) for t in tests]
    elif style == "stdio":
        tests = list(task.get("io_tests") or [])
        check = STDIO_CHECKERS[task.get("checker") or "lines"]
        expected = [str(t["output"]) for t in tests]
        constants = list(_STDIO_CONSTANTS) + _frequent(expected, lambda v: v.strip())
        per_test = []
        for t in tests:
            text = str(t["input"])
            lines = text.strip().splitlines() or [""]
            per_test.append([text, lines[0], lines[-1], (text.split() or [""])[0]])
    else:
        return 0.0   # one check() for all asserts: nothing partial to pay
    if not tests:
        return 0.0
    best = max(sum(_passes(check, c, e, tolerance) for e in expected) for c in constants)
    # a stub that computes the k-th transform of its arguments, the same k for every test
    width = max((len(s) for s in per_test), default=0)
    for k in range(width):
        hits = sum(_passes(check, stubs[k], e, tolerance)
                   for stubs, e in zip(per_test, expected) if stubs[k] is not _NOTHING)
        best = max(best, hits)
    return best / len(tests)
