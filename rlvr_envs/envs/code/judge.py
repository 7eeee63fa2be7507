"""Judge a candidate program against a code task, in the judge process.

Three test styles (see docs/envs/code.md for what each guarantees):

* **function** (``tests`` / ``public_tests``: ``{"args", "kwargs", "expected"}``): the sandbox
  calls ``entry_point`` on the arguments and sends back plain values; they are compared here
  with the expected values, which never enter the candidate's process.
* **stdio** (``io_tests`` / ``public_io_tests``: ``{"input", "output"}``): the program runs once
  per test with ``input`` on stdin; its captured stdout *is* its answer, compared here
  (whitespace-normalized lines, optional ``float_tolerance``, optional ``checker``).
* **check** (``test``: HumanEval ``check(candidate)`` or MBPP asserts; ``public_test``): run
  through ``Sandbox.run_assert_tests``: literal asserts become calls compared here (strong,
  ``method="calls"``); anything else falls back to ``check()`` in the child (``method="check"``,
  weak, flagged in the verdict).

Nothing is decided from the candidate's exit code, stderr or (outside stdio tests) stdout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.sandbox import RunResult, Sandbox, SandboxLimits, default_sandbox

MAX_REPR = 300


@dataclass
class TestResult:
    """One test's outcome, with what a programmer needs to see to fix a failure."""

    passed: bool
    input: str = ""
    expected: str = ""
    actual: str = ""
    error: str | None = None


@dataclass
class JudgeReport:
    """Everything the judge learned about one submission."""

    style: str
    method: str = "calls"
    public: list[TestResult] = field(default_factory=list)
    hidden: list[TestResult] = field(default_factory=list)
    syntax_error: str | None = None
    load_error: str | None = None
    protocol_error: str | None = None
    timed_out: bool = False
    memory_exceeded: bool = False
    output_exceeded: bool = False
    infra_error: str | None = None
    isolation_warning: str | None = None

    @property
    def hidden_fraction(self) -> float:
        return sum(t.passed for t in self.hidden) / len(self.hidden) if self.hidden else 0.0

    @property
    def hidden_all_passed(self) -> bool:
        return bool(self.hidden) and all(t.passed for t in self.hidden)


def short(value: Any, limit: int = MAX_REPR) -> str:
    """``repr``-like text of a value (a string as it is for stdio), cut to ``limit``."""
    text = value if isinstance(value, str) else safe_repr(value)
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text)} chars)"


def safe_repr(value: Any) -> str:
    """``repr(value)``, or a description when Python refuses (an int past
    ``sys.get_int_max_str_digits()`` digits, anywhere inside the value)."""
    try:
        return repr(value)
    except ValueError:
        return f"<a {type(value).__name__} too large to print>"


# --- comparisons (all run on exact builtin values or plain strings) -------------------------

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


FUNCTION_CHECKERS: dict[str, Callable[[Any, Any, float | None], bool]] = {
    "exact": values_match,
    "unordered": _unordered,   # a list whose order does not matter (a multiset)
}


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


STDIO_CHECKERS: dict[str, Callable[[str, str, float | None], bool]] = {
    "lines": _lines_match,              # default: same lines, trailing blanks ignored
    "tokens": _tokens_match,            # any whitespace layout
    "unordered_lines": _unordered_lines,
}


# --- the judge --------------------------------------------------------------------------------

def syntax_error(source: str) -> str | None:
    """``"line N: message"`` when ``source`` does not compile, else ``None``."""
    try:
        compile(source, "solution.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return f"SyntaxError{where}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def judge(task: Mapping[str, Any], source: str, *, sandbox: Sandbox | None = None,
          time_limit_s: float = 10.0, test_time_limit_s: float = 4.0,
          memory_mb: int = 512, hidden: bool = True,
          packages: Sequence[str] = ()) -> JudgeReport:
    """Run ``source`` on the task's public tests (and hidden ones when ``hidden``); the
    program may import the standard library, ``packages`` and the task's ``packages``."""
    style = task_style(task)
    report = JudgeReport(style, method="stdout" if style == "stdio" else "calls")
    report.syntax_error = syntax_error(source)
    if report.syntax_error:
        report.hidden = [TestResult(False, error=report.syntax_error)] * n_hidden(task)
        return report
    sb = sandbox or default_sandbox()
    task = {**task, "packages": sorted({*packages, *(task.get("packages") or ())})}
    limits = SandboxLimits(wall_time_s=time_limit_s, cpu_time_s=time_limit_s,
                           memory_mb=memory_mb, call_time_s=test_time_limit_s)
    if style == "function":
        _judge_function(task, source, sb, limits, report, hidden)
    elif style == "stdio":
        io_limits = SandboxLimits(wall_time_s=test_time_limit_s, cpu_time_s=test_time_limit_s,
                                  memory_mb=memory_mb)
        _judge_stdio(task, source, sb, io_limits, report, hidden)
    else:
        _judge_check(task, source, sb, limits, report, hidden)
    return report


def task_style(task: Mapping[str, Any]) -> str:
    style = task.get("style")
    if style in ("function", "stdio", "check"):
        return str(style)
    if task.get("io_tests"):
        return "stdio"
    if task.get("test"):
        return "check"
    return "function"


def n_hidden(task: Mapping[str, Any]) -> int:
    style = task_style(task)
    if style == "function":
        return len(task.get("tests") or [])
    if style == "stdio":
        return len(task.get("io_tests") or [])
    return 1


def _note(report: JudgeReport, run: RunResult) -> None:
    report.timed_out |= run.timed_out
    report.memory_exceeded |= run.memory_exceeded
    report.output_exceeded |= run.output_exceeded
    if run.infra_error and not report.infra_error:
        report.infra_error = run.infra_error
    report.isolation_warning = report.isolation_warning or run.isolation_warning


def _call_text(entry_point: str, test: Mapping[str, Any]) -> str:
    args = [safe_repr(a) for a in test.get("args", [])]
    args += [f"{k}={safe_repr(v)}" for k, v in (test.get("kwargs") or {}).items()]
    return short(f"{entry_point}({', '.join(args)})")


def _judge_function(task: Mapping[str, Any], source: str, sb: Sandbox, limits: SandboxLimits,
                    report: JudgeReport, hidden: bool) -> None:
    entry = str(task["entry_point"])
    public: Sequence[Mapping[str, Any]] = task.get("public_tests") or []
    secret: Sequence[Mapping[str, Any]] = (task.get("tests") or []) if hidden else []
    tests = [*public, *secret]
    checker = FUNCTION_CHECKERS[task.get("checker") or "exact"]
    tolerance = task.get("float_tolerance")
    calls = [(list(t.get("args", [])), dict(t.get("kwargs") or {})) for t in tests]
    result = sb.call_functions(source, entry, calls, limits=limits,
                               packages=task.get("packages") or ())
    _note(report, result)
    report.load_error = result.load_error
    report.protocol_error = result.protocol_error
    out: list[TestResult] = []
    for test, outcome in zip(tests, result.outputs):
        shown = TestResult(False, _call_text(entry, test), short(safe_repr(test.get("expected"))))
        if outcome.ok:
            shown.actual = short(safe_repr(outcome.value))
            try:
                shown.passed = bool(checker(outcome.value, test.get("expected"), tolerance))
            except Exception as exc:  # noqa: BLE001 - a comparison error is a failed test
                shown.error = f"comparison failed: {exc}"
        else:
            shown.error = f"{outcome.error_type}: {short(outcome.error_message or '')}"
            report.timed_out |= outcome.error_type == "Timeout"
        out.append(shown)
    report.public, report.hidden = out[: len(public)], out[len(public):]


def _judge_stdio(task: Mapping[str, Any], source: str, sb: Sandbox, limits: SandboxLimits,
                 report: JudgeReport, hidden: bool) -> None:
    checker = STDIO_CHECKERS[task.get("checker") or "lines"]
    tolerance = task.get("float_tolerance")
    groups = [("public", task.get("public_io_tests") or [])]
    if hidden:
        groups.append(("hidden", task.get("io_tests") or []))
    for name, tests in groups:
        results: list[TestResult] = []
        for test in tests:
            shown = TestResult(False, short(str(test["input"])), short(str(test["output"])))
            if report.timed_out or report.infra_error:
                # One timeout is enough evidence; do not spend the clock on every test.
                shown.error = "not run (an earlier test timed out or failed to run)"
                results.append(shown)
                continue
            run = sb.run_python(source, stdin=str(test["input"]), limits=limits,
                                packages=task.get("packages") or ())
            _note(report, run)
            shown.actual = short(run.stdout)
            if run.timed_out:
                shown.error = "Timeout: the program exceeded its time limit"
            elif run.memory_exceeded:
                shown.error = "MemoryError: the program exceeded its memory limit"
            elif run.output_exceeded:
                shown.error = "the program wrote too much output"
            elif run.exit_code != 0:
                tail = run.stderr.strip().splitlines()[-1:] or [f"signal {run.signal}"]
                shown.error = f"runtime error (exit code {run.exit_code}): {short(tail[0])}"
            else:
                shown.passed = bool(checker(run.stdout, str(test["output"]), tolerance))
            results.append(shown)
        if name == "public":
            report.public = results
        else:
            report.hidden = results


def _judge_check(task: Mapping[str, Any], source: str, sb: Sandbox, limits: SandboxLimits,
                 report: JudgeReport, hidden: bool) -> None:
    entry = str(task["entry_point"])
    program = f"{task.get('code_prefix') or ''}\n{source}"
    groups = [("public", task.get("public_test"))]
    if hidden:
        groups.append(("hidden", task.get("test")))
    for name, code in groups:
        if not code:
            continue
        # The prompt's code (imports, helpers like HumanEval/32's poly) runs again in the test
        # process, so a candidate that redefines a helper cannot change what check() uses.
        result = sb.run_assert_tests(program, str(code), entry, limits=limits,
                                     helpers=task.get("code_prefix") or None,
                                     packages=task.get("packages") or ())
        _note(report, result)
        if name == "hidden":
            report.method = result.method
        failure = result.failures[0] if result.failures else None
        shown = [TestResult(result.passed, "check(candidate)", "all asserts hold",
                            "" if result.passed else "an assert failed", failure)]
        if name == "public":
            report.public = shown
        else:
            report.hidden = shown
