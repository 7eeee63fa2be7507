"""The in-sandbox driver of one verification: compile, then simulate, each under a CPU limit.

This file is not imported by the judge: `simulate.py` sends its text to the sandbox as the
Python program of the run (the guest sees neither the project nor its install). It reads
`job.json` from the scratch dir, runs each stage (`iverilog`, then `vvp`) as a child in its
own process group with `RLIMIT_CPU` set to the stage's CPU-time limit, measures the child's
CPU time with `wait4`, and prints one line, `<nonce> <json report>`, on stdout.

Why CPU time: the verdict must not depend on how loaded the machine is. A design that loops
(a combinational loop, an `always` that never waits) burns CPU and is stopped by the kernel
at the CPU limit: the design's fault. The stage's wall-clock cap is only a guard against a
stall: when it fires before the CPU limit, the machine was too busy to say anything about
the design, and the judge reports an infra error (retry or drop), never a failure.

Standard library only, and nothing from outside the scratch dir but the two executables.
"""

from __future__ import annotations

import json
import math
import os
import resource
import signal
import time
from typing import Any

LOG_CHARS = 4000          # compiler messages kept for feedback
RESULT_CHARS = 16000      # the testbench's record is a few lines; more is not its output


def find_executable(name: str) -> str | None:
    """`name` resolved on PATH, or None."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(directory or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _child(path: str, argv: list[str], cpu_s: float, out_path: str, report_fd: int) -> None:
    """In the forked child: own process group, CPU limit, output to a file, exec. A failure
    before exec is written to `report_fd` (closed by a successful exec)."""
    try:
        os.setpgid(0, 0)
        cap = max(1, math.ceil(cpu_s))
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        new_hard = cap + 1 if hard == resource.RLIM_INFINITY else min(cap + 1, hard)
        # SIGXCPU at the soft limit, SIGKILL one CPU-second later if it is ignored
        resource.setrlimit(resource.RLIMIT_CPU, (min(cap, new_hard), new_hard))
        fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(path, argv)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised
        os.write(report_fd, f"{type(exc).__name__}: {exc}".encode()[:500])
    finally:
        os._exit(127)


def run_stage(argv: list[str], cpu_s: float, wall_s: float, out_path: str) -> dict[str, Any]:
    """Run `argv` to completion under `cpu_s` of CPU time and a `wall_s` stall guard."""
    path = find_executable(argv[0])
    if path is None:
        return {"exec_error": f"{argv[0]!r} is not on PATH ({os.environ.get('PATH', '')})"}
    started = time.monotonic()
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        _child(path, argv, cpu_s, out_path, report_w)
    os.close(report_w)
    try:
        os.setpgid(pid, pid)   # also here, so killpg works even before the child ran
    except OSError:
        pass
    stalled = []

    def on_alarm(*_: Any) -> None:
        stalled.append(True)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, wall_s)
    try:
        _, status, usage = os.wait4(pid, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    try:
        os.killpg(pid, signal.SIGKILL)   # whatever the stage left behind (compiler helpers)
    except OSError:
        pass
    with os.fdopen(report_r, "rb") as pipe:
        failed = pipe.read(1000).decode("utf-8", "replace")
    if failed:   # the stage never ran: the machine's fault (e.g. /dev/null not writable)
        return {"exec_error": f"could not start {argv[0]}: {failed}"}
    cpu = usage.ru_utime + usage.ru_stime
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    # SIGXCPU comes only from RLIMIT_CPU's soft limit (the design cannot send signals), and
    # a SIGKILL we did not send from its hard limit one CPU-second later. (rusage is
    # tick-sampled and may read below the limit, so it is reported, not compared.)
    cpu_exceeded = sig == signal.SIGXCPU or (sig == signal.SIGKILL and not stalled)
    return {"exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None, "signal": sig,
            "cpu_s": round(cpu, 4), "wall_s": round(time.monotonic() - started, 4),
            "cpu_exceeded": cpu_exceeded, "stalled": bool(stalled) and not cpu_exceeded}


def _read(path: str, limit: int) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def main() -> None:
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    report: dict[str, Any] = {}
    try:
        report["compile"] = run_stage(job["compile_argv"], job["compile_cpu_s"],
                                      job["compile_wall_s"], "compile.log")
        report["compile_log"] = _read("compile.log", LOG_CHARS)
        if report["compile"].get("exit") == 0:
            report["simulate"] = run_stage(job["simulate_argv"], job["simulate_cpu_s"],
                                           job["simulate_wall_s"], os.devnull)
            report["result"] = _read(job["result_file"], RESULT_CHARS)
    except Exception as exc:  # noqa: BLE001 - the judge must get a report, never silence
        report["driver_error"] = f"{type(exc).__name__}: {exc}"
    print(job["nonce"] + " " + json.dumps(report, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
