"""`verify_code(task, response) -> Verdict`: the Code-v0 verifier, usable without the env.

It extracts the program from the response, runs it on the task's tests in the sandbox and
scores the hidden tests only. `digest(report)` writes the feedback a programmer would want,
from public tests only (plus timeouts, memory errors and load errors, which say nothing about
hidden expected values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...core import Verdict
from ...core.sandbox import Sandbox
from .extract import extract_code
from .judge import JudgeReport, judge, n_hidden

DIGEST_CHARS = 2000
NO_CODE = ("No code found in your message. Put your whole solution in one ```python code "
           "block.")


def verify_code(task: Mapping[str, Any], response: str, *, sandbox: Sandbox | None = None,
                partial: bool = False, time_limit_s: float = 10.0,
                test_time_limit_s: float = 4.0, memory_mb: int = 512,
                packages: Sequence[str] = ()) -> tuple[Verdict, JudgeReport | None]:
    """Score ``response`` on ``task``'s hidden tests; also return the judge's report
    (``None`` when no code was found). ``packages``: installed packages the program may
    import besides the task's own ``packages``. Never raises on any response."""
    source = extract_code(str(response), task.get("entry_point"))
    if source is None:
        return _verdict(0.0, False, "no code found in the response",
                        {"tests_passed_fraction": 0.0, "n_tests": n_hidden(task)}), None
    report = judge(task, source, sandbox=sandbox, time_limit_s=time_limit_s,
                   test_time_limit_s=test_time_limit_s, memory_mb=memory_mb,
                   packages=packages)
    details: dict[str, Any] = {
        "tests_passed_fraction": report.hidden_fraction,
        "n_tests": len(report.hidden), "n_passed": sum(t.passed for t in report.hidden),
        "style": report.style, "test_method": report.method,
        "timed_out": report.timed_out, "memory_exceeded": report.memory_exceeded,
    }
    if report.isolation_warning:   # loud: a reward from an unisolated run may be hacked
        details["isolation_warning"] = report.isolation_warning
    if report.method == "check":
        details["weak_path"] = ("check(candidate) ran in a test process beside the "
                                "candidate's (same uid); see docs/envs/code.md")
    if report.infra_error:
        return Verdict(False, 0.0, f"sandbox infrastructure error: {report.infra_error}",
                       {"tests_passed": 0.0}, details, infra_error=True), report
    passed = report.hidden_all_passed
    reward = report.hidden_fraction if partial else float(passed)
    if passed:
        reason = f"all {len(report.hidden)} hidden tests passed"
    elif report.syntax_error:
        reason = report.syntax_error
    else:
        reason = f"{details['n_passed']} of {len(report.hidden)} hidden tests passed"
    return _verdict(reward, passed, reason, details), report


def _verdict(reward: float, passed: bool, reason: str, details: dict[str, Any]) -> Verdict:
    return Verdict(passed, reward, reason, {"tests_passed": reward}, details)


def digest(report: JudgeReport | None) -> str:
    """What went wrong, for the agent: never a hidden test's input or expected output."""
    if report is None:
        return NO_CODE
    if report.syntax_error:
        text = f"Your code does not compile: {report.syntax_error}."
    elif report.load_error:
        text = f"Loading your code failed: {report.load_error}"
    elif report.protocol_error:
        text = ("Your program interfered with the test harness, so no result counts: "
                f"{report.protocol_error}.")
    elif report.output_exceeded:
        text = "Your program wrote too much output and was stopped."
    else:
        failing = next((t for t in report.public if not t.passed), None)
        if failing is not None:
            text = (f"Public test failed.\nInput: {failing.input}\nExpected: {failing.expected}"
                    f"\nGot: {failing.error or failing.actual}")
        elif report.timed_out:
            text = "Time limit exceeded on a hidden test: make the code faster."
        elif report.memory_exceeded:
            text = "Memory limit exceeded on a hidden test."
        elif report.output_exceeded:
            text = "Your program wrote too much output."
        else:
            n = len(report.public)
            text = (f"Your code passes the {n} public test{'s' if n != 1 else ''} but fails "
                    "hidden tests: think about edge cases." if n else
                    "Your code fails some hidden tests: think about edge cases.")
    return text if len(text) <= DIGEST_CHARS else text[: DIGEST_CHARS - 20] + "\n... (truncated)"
