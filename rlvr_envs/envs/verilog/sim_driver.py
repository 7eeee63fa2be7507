"""The in-sandbox driver of one verification: compile, then simulate, each under a CPU limit.

This file is not imported by the judge: `simulate.py` sends its text to the sandbox as the
Python program of the run (the guest sees neither the project nor its install). It reads
`job.json` from the scratch dir (and deletes it), runs each stage (`iverilog`, then `vvp`) as
a child in its own process group with `RLIMIT_CPU` set to the stage's CPU-time limit,
measures the child's CPU time with `wait4`, and prints one line, `<nonce> <json report>`, on
stdout.

Two modes. `single` (VerilogEval): one bench holds the reference and the design; the report
carries the bench's nonce'd record file. `split` (generated tasks): the reference's bench is
compiled and simulated first, its trace read into memory and all its files deleted; then the
design's bench (without the reference) runs under CPU limits sized from the reference's CPU
time, and the two traces are compared here, line by line.

Hygiene, so that a design that got past the lint still cannot reach what the judge trusts:
the driver is made non-dumpable (a child of the same uid can then neither ptrace it nor open
its `/proc/<pid>/mem` or `/fd`); a stage's children inherit only stdin, stdout and stderr;
sources are deleted once compiled; `vvp` reads its program from a pipe (`/proc/self/fd/0`),
so the compiled program (which holds the record's nonce in `single` mode) is not on disk
while the design runs; `-none` turns off waveform dumping (a dump of the whole hierarchy
is a way to read the reference's outputs at run time).

Why CPU time: the verdict must not depend on how loaded the machine is. A design that loops
(a combinational loop, an `always` that never waits) burns CPU and is stopped by the kernel
at the CPU limit: the design's fault. The stage's wall-clock cap is only a guard against a
stall: when it fires before the CPU limit, the machine was too busy to say anything about
the design, and the judge reports an infra error (retry or drop), never a failure.

Standard library only, and nothing from outside the scratch dir but the two executables.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import resource
import signal
import threading
import time
from typing import Any

LOG_CHARS = 4000          # compiler messages kept for feedback
RESULT_CHARS = 16000      # the testbench's record is a few lines; more is not its output
TRACE_BYTES = 32 << 20    # a trace is at most a few MB; more is not the testbench's
PROGRAM_FD = "/proc/self/fd/0"
FORK_FAILURES = ("Cannot fork", "Resource temporarily unavailable", "fork failed")


def find_executable(name: str) -> str | None:
    """`name` resolved on PATH, or None."""
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(directory or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _child(path: str, argv: list[str], cpu_s: float, out_path: str, report_fd: int,
           stdin_fd: int | None) -> None:
    """In the forked child: own process group, CPU limit, output to a file, only fds 0-2
    inherited, exec. A failure before exec is written to `report_fd` (closed by exec)."""
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
        if stdin_fd is not None:
            os.dup2(stdin_fd, 0)
        # the sandbox's result channel and anything else stays with the driver
        top = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        os.closerange(3, report_fd)
        os.closerange(report_fd + 1, top if 0 < top < 1 << 20 else 1 << 16)
        os.execv(path, argv)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised
        os.write(report_fd, f"{type(exc).__name__}: {exc}".encode()[:500])
    finally:
        os._exit(127)


def run_stage(argv: list[str], cpu_s: float, wall_s: float, out_path: str, *,
              stdin_data: bytes | None = None) -> dict[str, Any]:
    """Run `argv` to completion under `cpu_s` of CPU time and a `wall_s` stall guard;
    `stdin_data` is fed through a pipe on its standard input."""
    path = find_executable(argv[0])
    if path is None:
        return {"exec_error": f"{argv[0]!r} is not on PATH ({os.environ.get('PATH', '')})"}
    started = time.monotonic()
    report_r, report_w = os.pipe2(os.O_CLOEXEC)
    feed_r, feed_w = os.pipe2(os.O_CLOEXEC) if stdin_data is not None else (None, None)
    rest = _prefill(feed_w, stdin_data) if feed_w is not None else b""
    pid = _fork()
    if pid == 0:
        os.close(report_r)
        _child(path, argv, cpu_s, out_path, report_w, feed_r)
    os.close(report_w)
    feeder = None
    if feed_r is not None and feed_w is not None:
        os.close(feed_r)
        if rest:   # more than a pipe holds: a thread feeds the rest while the child reads
            feeder = threading.Thread(target=_feed, args=(feed_w, rest), daemon=True)
            feeder.start()
        else:
            os.close(feed_w)
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
    if feeder is not None:
        feeder.join(5)
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
            "cpu_exceeded": cpu_exceeded, "stalled": bool(stalled) and not cpu_exceeded,
            "cpu_limit_s": max(1, math.ceil(cpu_s))}


def _fork() -> int:
    """os.fork, retried while the uid's process limit is momentarily reached (EAGAIN: other
    runs of the same uid may be exiting)."""
    for attempt in range(40):
        try:
            return os.fork()
        except BlockingIOError:
            time.sleep(0.05 * (1 + attempt % 5))
    return os.fork()


def _prefill(fd: int, data: bytes | None) -> bytes:
    """Write as much of `data` into the pipe `fd` as it holds (its size raised to fit when
    the system allows), without blocking; return what is left to feed."""
    data = data or b""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, min(max(len(data), 65536), 1 << 20))
    except OSError:
        pass   # the default size; the rest goes through the feeder thread
    os.set_blocking(fd, False)
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except BlockingIOError:
        pass
    os.set_blocking(fd, True)
    return bytes(view)


def _feed(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view[:65536]):]
    except OSError:
        pass   # the reader died (a CPU kill): nothing to feed
    finally:
        os.close(fd)


def _read(path: str, limit: int) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _remove(*paths: str) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def _no_dumps() -> None:
    """Make this process non-dumpable (PR_SET_DUMPABLE = 4): a child of the same uid cannot
    read its memory or file descriptors through /proc."""
    try:
        import ctypes  # loaded by the sandbox's own harness before the guest starts
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except Exception:  # noqa: BLE001 - hardening only; the run goes on without it
        pass


def _compile_and_run(stage: dict[str, Any], job: dict[str, Any], compile_cpu_s: float,
                     sim_cpu_s: float, prefix: str) -> dict[str, Any]:
    """Compile the stage's sources (deleted afterwards), then run the program from a pipe."""
    out: dict[str, Any] = {}
    for attempt in range(3):
        out["compile"] = comp = run_stage(stage["compile_argv"], compile_cpu_s,
                                          job["compile_wall_s"], f"{prefix}compile.log")
        out["compile_log"] = log = _read(f"{prefix}compile.log", LOG_CHARS)
        if comp.get("exit") == 0 or comp.get("cpu_exceeded") or comp.get("stalled") \
                or comp.get("exec_error"):
            break
        # iverilog runs its preprocessor and compiler through `sh`: under the uid's process
        # limit (other runs of the same uid) that fork fails, which says nothing about the
        # design; a silent failure (no message) is retried once as well
        if any(sign in log for sign in FORK_FAILURES):
            if attempt == 2:
                comp["exec_error"] = f"the compiler could not fork: {log.strip()[:200]}"
            time.sleep(0.2 * (attempt + 1))
        elif log.strip() or attempt:
            break
    _remove(f"{prefix}compile.log", *stage["sources"])
    if out["compile"].get("exit") != 0:
        return out
    program_path = stage["program"]
    with open(program_path, "rb") as f:
        program = f.read()
    piped = os.path.exists("/proc/self/fd")
    if piped:
        _remove(program_path)
    argv = ["vvp", "-n", PROGRAM_FD if piped else program_path, "-none"]
    out["simulate"] = run_stage(argv, sim_cpu_s, job["simulate_wall_s"], os.devnull,
                                stdin_data=program if piped else None)
    _remove(program_path)
    return out


def compare_traces(ref: str, dut: str, n_inputs: int) -> dict[str, Any]:
    """Line-by-line comparison of two traces (`S <time> <inputs> <outputs>` lines, then
    `DONE <n>`): samples, mismatches, the first mismatching pair, and whether the design's
    trace is complete."""
    ref_lines = [ln for ln in ref.splitlines() if ln.startswith("S ")]
    dut_all = dut.splitlines()
    dut_lines = [ln for ln in dut_all if ln.startswith("S ")]
    done = [ln for ln in dut_all if ln.startswith("DONE ")]
    mismatches, first = 0, None
    for k, (r, d) in enumerate(zip(ref_lines, dut_lines)):
        rf, df = r.split(), d.split()
        prefix = 2 + n_inputs
        bad = len(rf) != len(df) or rf[:prefix] != df[:prefix] or any(
            a != b or "x" in a or "z" in a for a, b in zip(rf[prefix:], df[prefix:]))
        if bad:
            mismatches += 1
            if first is None:
                first = {"index": k, "ref": r, "dut": d}
    complete = (len(dut_lines) == len(ref_lines) and done == [f"DONE {len(ref_lines)}"]
                and "TIMEOUT" not in dut_all)
    return {"samples": len(ref_lines), "dut_samples": len(dut_lines), "mismatches": mismatches,
            "first": first, "complete": complete, "timeout": "TIMEOUT" in dut_all}


def run_split(job: dict[str, Any]) -> dict[str, Any]:
    """The reference's bench (or its trace from an earlier run), then the design's, then the
    comparison (see the module docstring)."""
    ref_job = job["ref"]
    report: dict[str, Any] = {}
    if ref_job.get("given"):   # the judge's cached trace of this task's reference
        ref_trace = _read(ref_job["given"], TRACE_BYTES)
        _remove(ref_job["given"])
        ref_cpu = ref_job["cpu"]
    else:
        ref = _compile_and_run(ref_job, job, job["compile_cpu_s"], job["simulate_cpu_s"],
                               "ref_")
        ref_trace = _read(ref_job["trace"], TRACE_BYTES)
        _remove(ref_job["trace"])
        report.update(ref_compile=ref.get("compile"), ref_simulate=ref.get("simulate"))
        ref_lines = sum(ln.startswith("S ") for ln in ref_trace.splitlines())
        if ref.get("compile", {}).get("exit") != 0 or f"DONE {ref_lines}" not in ref_trace:
            report["ref_error"] = (ref.get("compile_log", "") or "the reference's simulation "
                                   "did not finish")[-1000:]
            return report
        ref_cpu = {"compile": ref["compile"]["cpu_s"], "simulate": ref["simulate"]["cpu_s"]}
        report["ref_cpu"] = ref_cpu
        if job.get("return_ref_trace"):
            report["ref_trace"] = ref_trace
    # the design's limits, sized from what the reference needed
    factor, floor = job["cpu_factor"], job["min_cpu_s"]
    compile_cpu = min(job["compile_cpu_s"], max(floor, factor * ref_cpu["compile"]))
    sim_cpu = min(job["simulate_cpu_s"], max(floor, factor * ref_cpu["simulate"]))
    dut_job = job["dut"]
    report.update(_compile_and_run(dut_job, job, compile_cpu, sim_cpu, ""))
    if report.get("simulate"):
        trace = _read(dut_job["trace"], TRACE_BYTES)
        report["comparison"] = compare_traces(ref_trace, trace, job["inputs"])
    return report


def run_single(job: dict[str, Any]) -> dict[str, Any]:
    """One bench with the reference and the design; the report carries its record file."""
    report = _compile_and_run(job["bench"], job, job["compile_cpu_s"], job["simulate_cpu_s"],
                              "")
    if report.get("simulate"):
        report["result"] = _read(job["result_file"], RESULT_CHARS)
    return report


def main() -> None:
    with open("job.json", encoding="utf-8") as f:
        job = json.load(f)
    _remove("job.json")
    _no_dumps()
    try:
        report = run_split(job) if job.get("mode") == "split" else run_single(job)
    except Exception as exc:  # noqa: BLE001 - the judge must get a report, never silence
        report = {"driver_error": f"{type(exc).__name__}: {exc}"}
    print(job["nonce"] + " " + json.dumps(report, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
