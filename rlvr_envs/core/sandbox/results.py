"""Resource limits and result types of sandboxed runs (judge side)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# --------------------------------------------------------------------------------------------
# Limits and results (the public data types)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one run. All are hard limits enforced by the kernel or the judge.

    Attributes:
        wall_time_s: wall-clock limit of the whole run; the process tree is SIGKILLed at it.
        cpu_time_s: CPU-time limit (``RLIMIT_CPU``) of the main process.
        memory_mb: address-space limit (``RLIMIT_AS``) per process. Note: virtual memory, not
            RSS; runtimes that reserve large ranges (JVM, Go) need more.
        file_size_mb: largest file a process may write (``RLIMIT_FSIZE``).
        disk_mb: size of the private tmpfs holding ``/tmp`` and the scratch dir (namespace
            mode only; in fallback mode only ``file_size_mb`` bounds writes).
        open_files: ``RLIMIT_NOFILE``.
        processes: ``RLIMIT_NPROC`` for the run's uid (threads count too). Effective only when
            privileges are dropped to a per-slot uid; see ``docs/sandbox.md``.
        output_bytes: stdout and stderr are each kept up to this many bytes (then truncated).
            A run writing more than ``output_kill_factor * output_bytes`` in total is killed.
        output_kill_factor: see ``output_bytes``.
        call_time_s: per-call timeout in :meth:`Sandbox.call_functions` (``None``: only the
            wall clock of the whole run applies).
        result_bytes: cap on the structured results a run may send back.
    """

    wall_time_s: float = 10.0
    cpu_time_s: float = 10.0
    memory_mb: int = 512
    file_size_mb: int = 16
    disk_mb: int = 64
    open_files: int = 64
    processes: int = 32
    output_bytes: int = 65536
    output_kill_factor: int = 16
    call_time_s: float | None = None
    result_bytes: int = 8 << 20

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first field that is not a usable limit."""
        for name in ("wall_time_s", "cpu_time_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"SandboxLimits.{name} must be a positive number, got {value!r}")
        for name in ("memory_mb", "file_size_mb", "disk_mb", "open_files", "processes",
                     "output_bytes", "output_kill_factor", "result_bytes"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f"SandboxLimits.{name} must be a positive int, got {value!r}")
        if self.open_files < 8:
            raise ValueError(f"SandboxLimits.open_files must be >= 8, got {self.open_files}")
        if self.call_time_s is not None and not self.call_time_s > 0:
            raise ValueError(f"SandboxLimits.call_time_s must be > 0 or None, "
                             f"got {self.call_time_s!r}")


@dataclass
class RunResult:
    """What happened in one sandboxed run.

    ``infra_error`` is set (to a message) when the sandbox itself failed before the candidate's
    code ran (could not start, worker died, command missing): such a run says nothing about
    the candidate and should be retried or dropped, never scored 0. Everything else describes
    the candidate's behaviour. ``stdout``/``stderr`` are decoded as UTF-8 (invalid bytes
    replaced) and capped at ``SandboxLimits.output_bytes`` each. ``isolation_warning`` is set
    when the run was not fully isolated (no root: it could read the host's files, see other
    processes...): a reward from such a run may be hacked (see ``docs/sandbox.md``).
    """

    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    cpu_exceeded: bool = False
    memory_exceeded: bool = False
    output_exceeded: bool = False
    duration_s: float = 0.0
    cpu_time_s: float = 0.0
    max_rss_mb: float = 0.0
    infra_error: str | None = None
    isolation_warning: str | None = None

    @property
    def ok(self) -> bool:
        """True when the program ran to completion with exit code 0 inside its limits."""
        return (self.infra_error is None and self.exit_code == 0 and not self.timed_out
                and not self.output_exceeded)


@dataclass
class CallOutcome:
    """The outcome of one function call: a plain value, or an error (never both).

    ``value`` is rebuilt in the judge process from a strict encoding, so it only ever contains
    exact builtin types (None, bool, int, float, complex, str, bytes, list, tuple, dict, set,
    frozenset); comparing it with ``==`` runs no candidate code.
    """

    ok: bool
    value: Any = None
    error_type: str | None = None
    error_message: str | None = None
    duration_s: float = 0.0


@dataclass
class CallResult(RunResult):
    """Result of :meth:`Sandbox.call_functions`: one :class:`CallOutcome` per requested call.

    ``load_error`` is set when the candidate module could not be imported (syntax error,
    exception at import, missing entry point); then every outcome is an error.
    ``protocol_error`` is set when the result channel carried anything the harness would not
    have sent (forged or corrupt frames); then every outcome is an error (fail closed).
    """

    outputs: list[CallOutcome] = field(default_factory=list)
    load_error: str | None = None
    protocol_error: str | None = None


@dataclass
class CheckResult(RunResult):
    """Result of a HumanEval-style test (:meth:`Sandbox.run_check` / :meth:`run_assert_tests`).

    ``method`` is ``"calls"`` when the asserts were converted into function calls compared in
    the judge process (strong), ``"check"`` when ``check(candidate)`` ran inside the child
    (weaker, see ``docs/sandbox.md``). ``failures`` lists human-readable reasons.
    """

    passed: bool = False
    method: str = "check"
    failures: list[str] = field(default_factory=list)
    protocol_error: str | None = None
