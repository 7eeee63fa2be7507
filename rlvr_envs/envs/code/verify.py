"""`verify_code(task, response) -> Verdict`: the Code-v0 verifier, usable without the env.

It extracts the program from the response, runs it on the task's tests in the sandbox and
scores the hidden tests only. `digest(report)` writes the feedback a programmer would want,
from the run of the public tests only (a run that never held a hidden input), plus one bit
per limit from the hidden runs: whether one timed out, ran out of memory, flooded its output
or used up the verification's time budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...core import Verdict
from ...core.sandbox import Sandbox
from .baseline import stub_floor
from .extract import extract_code, strip_reasoning
from .judge import JudgeReport, judge, n_hidden, program_for

DIGEST_CHARS = 2000
NO_CODE = ("No code found in your message. Put your whole solution in one ```python code "
           "block.")


def verify_code(task: Mapping[str, Any], response: str, *, sandbox: Sandbox | None = None,
                partial: bool = False, time_limit_s: float = 10.0,
                test_time_limit_s: float = 4.0, memory_mb: int = 512,
                packages: Sequence[str] = (), budget_s: float | None = None,
                ) -> tuple[Verdict, JudgeReport | None]:
    """Score ``response`` on ``task``'s hidden tests; also return the judge's report
    (``None`` when no code was found). ``packages``: installed packages the program may
    import besides the task's own ``packages``. ``partial``: pay the fraction of hidden
    tests passed above what a task-independent stub passes (:func:`partial_reward`).
    ``budget_s``: sandbox time of all runs together (``None``: ``judge.default_budget``).
    Never raises on any response."""
    source = extract_code(str(response), task.get("entry_point"))
    if source is None and task.get("code_prefix"):
        # HumanEval's own format: the message is the body that completes the prompt
        text = strip_reasoning(str(response)).strip("\n")
        if text.strip() and program_for(task, text)[1] is None:
            source = text
    if source is None:
        return _verdict(0.0, False, "no code found in the response",
                        {"tests_passed_fraction": 0.0, "n_tests": n_hidden(task)}), None
    report = judge(task, source, sandbox=sandbox, time_limit_s=time_limit_s,
                   test_time_limit_s=test_time_limit_s, memory_mb=memory_mb,
                   packages=packages, budget_s=budget_s)
    details: dict[str, Any] = {
        "tests_passed_fraction": report.hidden_fraction,
        "n_tests": len(report.hidden), "n_passed": sum(t.passed for t in report.hidden),
        "style": report.style, "test_method": report.method,
        "timed_out": report.timed_out, "memory_exceeded": report.memory_exceeded,
        "budget_s": report.budget_s, "budget_exceeded": report.budget_exceeded,
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
    reward = float(passed)
    if partial:
        details["stub_floor"] = floor = stub_floor(task, report.style)
        reward = partial_reward(report.hidden_fraction, floor)
    if passed:
        reason = f"all {len(report.hidden)} hidden tests passed"
    elif report.syntax_error:
        reason = report.syntax_error
    else:
        reason = f"{details['n_passed']} of {len(report.hidden)} hidden tests passed"
    return _verdict(reward, passed, reason, details), report


def partial_reward(fraction: float, floor: float) -> float:
    """Partial credit above what a stub earns: ``(fraction - floor) / (1 - floor)``, 0 at or
    below the floor, 1 for a full pass (see :mod:`.baseline`)."""
    if fraction >= 1.0:
        return 1.0
    if floor >= 1.0 or fraction <= floor:
        return 0.0
    return (fraction - floor) / (1.0 - floor)


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
        elif report.budget_exceeded:
            text = (f"The tests together took longer than the verification's time budget "
                    f"({report.budget_s:g} s): make the code faster.")
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
