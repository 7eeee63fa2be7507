"""The one place untrusted code runs: a process sandbox with a warm fork-server pool.

Every candidate program (Python scripts, Python functions under test, HumanEval-style
``check(candidate)`` code, or an external command such as ``vvp``) runs through a
:class:`Sandbox`. Read ``docs/sandbox.md`` for the threat model; the short version:

* **Isolation is done by the OS, not by patching the interpreter.** Each run is a fresh
  process forked from a warm "zygote" interpreter, in its own session and process group, with
  ``setrlimit`` on CPU time, address space, file size, open files and process count. When the
  kernel lets us (root, which CI is), each run also gets a new PID namespace (everything it
  starts dies with it), a new network namespace (only a down loopback), a new mount namespace
  (private tmpfs on ``/tmp``, ``/var/tmp``, ``/dev/shm``; the scratch dir lives there and
  vanishes with the run) and an unprivileged per-slot uid (so ``RLIMIT_NPROC`` and file
  permissions apply and the judge cannot be signalled). Without those privileges the sandbox
  still runs, with weaker guarantees it reports in :attr:`Sandbox.network_isolated` and friends.
* **The verdict never comes from the candidate.** For function tests the child only *serializes
  return values* into plain builtin types; the judge process (the caller) decodes them and
  compares them with expected values that never enter the child. Forging result frames can only
  forge values, which is no better than computing them.
* **Infra failures are not failures of the candidate**: if the sandbox cannot start, a worker
  dies before the candidate's code runs, or an external command cannot be executed, the result
  carries ``infra_error`` (a message) so a trainer can drop the sample instead of rewarding 0.

Typical use::

    sb = Sandbox()                      # or default_sandbox(), shared and closed atexit
    r = sb.run_python("print(input()[::-1])", stdin="abc\\n")
    assert r.ok and r.stdout == "cba\\n"
    c = sb.call_functions("def add(a, b): return a + b", "add", [([1, 2], {}), ([3, 4], {})])
    assert [o.value for o in c.outputs] == [3, 7]     # compare in *your* process

This module imports only the standard library at top level: the zygote loads this very file by
path, without importing the ``rlvr_envs`` package.
"""

from __future__ import annotations

import _thread
import base64
import ctypes
import fcntl
import json
import math
import os
import select
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ast
    import threading

# ``threading`` is imported only by the judge-side code that needs it, never at module level:
# the zygote loads this file, and with ``threading`` loaded every fork runs its after-fork
# hook, which alone made each guest copy ~125 more pages (about 0.2 ms per process).

__all__ = [
    "AssertCall", "CallOutcome", "CallResult", "CheckResult", "RunResult", "Sandbox",
    "SandboxLimits", "decode_value", "default_sandbox", "encode_value", "extract_assert_calls",
]

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
    replaced) and capped at ``SandboxLimits.output_bytes`` each.
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


# --------------------------------------------------------------------------------------------
# Strict value encoding (used on both sides; the judge side is the security boundary)
# --------------------------------------------------------------------------------------------

_MAX_DEPTH = 200
_MAX_NODES = 2_000_000
#: Ints wider than this many bits travel as hex (``{"$int": "-0x..."}``): JSON would need their
#: decimal form, which Python refuses past 4300 digits (``sys.get_int_max_str_digits``).
_JSON_INT_BITS = 4096
#: A decoded set or dict whose elements share hash values this often was crafted to make the
#: judge's hash table quadratic (a forged ``$set`` of ``k * (2**61 - 1)`` ints); refused.
_MAX_HASH_COLLISIONS = 64


class UnserializableValue(TypeError):
    """A value that is not made only of exact builtin plain types."""


def encode_value(value: Any) -> Any:
    """Encode ``value`` into JSON-able data, accepting only exact builtin plain types.

    Lists stay lists; tuples, dicts, sets, frozensets, bytes and complex numbers are tagged
    (``{"$tuple": [...]}`` ...) so :func:`decode_value` rebuilds exactly the same types.
    Subclasses (for example an ``int`` subclass with an always-true ``__eq__``) are rejected
    with :class:`UnserializableValue`; numpy scalars and arrays are converted with
    ``tolist()`` first.
    """
    budget = [_MAX_NODES]
    return _encode(value, 0, budget)


def _encode(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        raise UnserializableValue("value is too large or too deeply nested")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if value.bit_length() <= _JSON_INT_BITS else {"$int": hex(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [_encode(v, depth + 1, budget) for v in value]
    if kind is tuple:
        return {"$tuple": [_encode(v, depth + 1, budget) for v in value]}
    if kind is dict:
        return {"$dict": [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                          for k, v in value.items()]}
    if kind is set or kind is frozenset:
        tag = "$set" if kind is set else "$frozenset"
        return {tag: [_encode(v, depth + 1, budget) for v in value]}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"$complex": [_encode(value.real, depth + 1, budget),
                             _encode(value.imag, depth + 1, budget)]}
    module = getattr(kind, "__module__", "")
    if module == "numpy" and depth < _MAX_DEPTH:
        # Whatever tolist() returns must itself pass the exact-type checks above.
        return _encode(value.tolist(), depth + 1, budget)
    raise UnserializableValue(
        f"cannot return a value of type {kind.__qualname__!s}: only None, bool, int, float, "
        f"complex, str, bytes, list, tuple, dict, set and frozenset are accepted")


def decode_value(data: Any) -> Any:
    """Rebuild a value from :func:`encode_value`'s output; raise ``ValueError`` if malformed.

    The result contains only exact builtin types, so comparing it runs no foreign code.
    """
    return _decode(data, 0)


_FLOAT_SPECIALS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode(data: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH + 2:
        raise ValueError("encoded value nested too deeply")
    kind = type(data)
    if data is None or kind is bool or kind is int or kind is str or kind is float:
        return data
    if kind is list:
        return [_decode(v, depth + 1) for v in data]
    if kind is dict and len(data) == 1:
        (tag, body), = data.items()
        if tag == "$float" and body in _FLOAT_SPECIALS:
            return _FLOAT_SPECIALS[body]
        if tag == "$bytes" and type(body) is str:
            return base64.b64decode(body.encode("ascii"), validate=True)
        if tag == "$int" and type(body) is str and len(body) < (1 << 24):
            return int(body, 16)
        if type(body) is not list:
            raise ValueError(f"malformed encoded value under {tag!r}")
        if tag == "$tuple":
            return tuple(_decode(v, depth + 1) for v in body)
        if tag == "$set":
            return set(_spread([_decode(v, depth + 1) for v in body]))
        if tag == "$frozenset":
            return frozenset(_spread([_decode(v, depth + 1) for v in body]))
        if tag == "$complex" and len(body) == 2:
            real, imag = (_decode(v, depth + 1) for v in body)
            if type(real) is not float or type(imag) is not float:
                raise ValueError("malformed complex value")
            return complex(real, imag)
        if tag == "$dict":
            pairs = []
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise ValueError("malformed dict item")
                pairs.append((_decode(pair[0], depth + 1), _decode(pair[1], depth + 1)))
            _spread([k for k, _ in pairs])
            return dict(pairs)
    raise ValueError(f"malformed encoded value of type {kind.__name__}")


def _spread(items: list[Any]) -> list[Any]:
    """``items`` unchanged, after checking that they would not turn a hash table quadratic.

    Raises ``TypeError`` for an unhashable item and ``ValueError`` when many items share a
    hash value (a real set or dict has almost none; a forged one can have them all).
    """
    if len(items) > _MAX_HASH_COLLISIONS and \
            len(items) - len({hash(v) for v in items}) > _MAX_HASH_COLLISIONS:
        raise ValueError("set or dict with crafted hash collisions")
    return items


# --------------------------------------------------------------------------------------------
# Linux plumbing (ctypes: os.unshare only exists from Python 3.12)
# --------------------------------------------------------------------------------------------

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 1, 2, 4, 8, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 1, 36, 38
_PR_SET_DUMPABLE = 4

_libc_handle: Any = None


def _libc() -> Any:
    global _libc_handle
    if _libc_handle is None:
        _libc_handle = ctypes.CDLL(None, use_errno=True)
    return _libc_handle


def _unshare(flags: int) -> int:
    """Return 0 on success, else the errno."""
    if not sys.platform.startswith("linux"):
        return 38
    return 0 if _libc().unshare(flags) == 0 else ctypes.get_errno()


def _setns(fd: int, nstype: int) -> int:
    return 0 if _libc().setns(fd, nstype) == 0 else ctypes.get_errno()


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> int:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    rc = _libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    return 0 if rc == 0 else ctypes.get_errno()


def _prctl(option: int, arg: int) -> int:
    if not sys.platform.startswith("linux"):
        return 38
    rc = _libc().prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0))
    return 0 if rc == 0 else ctypes.get_errno()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            raise EOFError("pipe closed early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_header(fd: int) -> Any:
    """The job's public part: an 8-byte big-endian length, then that much JSON. Whatever
    follows stays in the pipe (the check mode's secret part, read only by the test process)."""
    return json.loads(_read_exact(fd, int.from_bytes(_read_exact(fd, 8), "big")))


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        kids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                    if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                        kids.append(int(entry))
                except (OSError, ValueError, IndexError):
                    continue
        return kids


def _count_uid_processes(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count


# --------------------------------------------------------------------------------------------
# The zygote (warm fork server), the per-run monitor, and the guest harness.
# All of this runs in the zygote's interpreter and its forks, never in the judge process.
# --------------------------------------------------------------------------------------------

_BOOT = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('_rlvr_sandbox_zygote', sys.argv[1])\n"
    "mod = importlib.util.module_from_spec(spec)\n"
    "sys.modules['_rlvr_sandbox_zygote'] = mod\n"
    "spec.loader.exec_module(mod)\n"
    "mod._zygote_main(int(sys.argv[2]), sys.argv[3])\n"
)

#: Modules the zygote imports once so that runs do not pay for them (forks share them). Kept
#: short on purpose: every preloaded page makes each fork and exit a little dearer.
DEFAULT_PRELOAD: tuple[str, ...] = (
    "bisect", "collections", "copy", "functools", "heapq", "itertools", "math", "operator", "re",
    "string", "typing",
)


def _zygote_main(ctrl_fd: int, options_json: str) -> None:
    """Serve fork requests from the judge until the control socket closes."""
    options = json.loads(options_json)
    if options.get("scratch"):   # started with the clean environment (see _Zygote)
        os.environ["HOME"] = os.environ["TMPDIR"] = options["scratch"]
    for name in options.get("preload", []):
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a missing optional module must not stop the pool
            pass
    import gc
    import resource  # noqa: F401  (used by every guest: import once here)
    import stat  # noqa: F401
    import traceback  # noqa: F401
    import types  # noqa: F401

    # Every guest compiles its candidate. The first compile() in an interpreter builds the
    # parser's and the AST's type objects (about 270 pages and 1.2 ms in each fork); do it
    # once here so that the forks share them.
    _warm_compiler()
    # Forked children share the zygote's pages copy-on-write; a garbage collection walking
    # every object would copy them all (milliseconds per run), so park them out of its reach.
    gc.collect()
    gc.freeze()

    ctrl = socket.socket(fileno=ctrl_fd)
    _expose_plan()
    caps = _probe_capabilities(options)
    ctrl.send(json.dumps({"op": "hello", "caps": caps, "pid": os.getpid()}).encode())
    _ZygoteLoop(ctrl, caps).serve()


_WARM_SOURCE = '''
import math
from typing import List


class Box:
    def __init__(self, xs: List[int]) -> None:
        self.xs = xs


def solve(xs, *args, key=None, **kw):
    """doc"""
    total = sum(x * 2 for x in xs if x % 2) + len({x: x for x in xs})
    pairs = [(i, j) for i in range(3) for j in range(i)]
    try:
        v = f"{total:>4}" + str(lambda y: y + 1)
    except (ValueError, KeyError) as exc:
        raise RuntimeError(exc) from None
    finally:
        pass
    while total > 0:
        total //= 2
    assert pairs is not None, "x"
    return v, pairs, math.pi, Box(xs)
'''


def _warm_compiler() -> None:
    """Compile and run a snippet using most of the grammar, and round-trip the frame format,
    so that the lazily built parser, compiler and json state lives in the zygote."""
    namespace: dict[str, Any] = {}
    exec(compile(_WARM_SOURCE, "<warm>", "exec"), namespace)
    namespace["solve"]([1, 2, 3])
    json.loads(json.dumps({"t": "warm", "v": [1, 2.5, "x", None, True]}))


class _ZygoteLoop:
    """The zygote's event loop. Two ways to start a run:

    * direct (PID namespaces available): re-enter our own PID namespace with ``setns``, open a
      fresh child namespace with ``unshare``, fork the guest as its init. One fork per run;
      the zygote itself enforces the wall clock and reports the exit status.
    * monitored (fallback): fork a per-run monitor that is a subreaper for the guest's tree.
    """

    def __init__(self, ctrl: socket.socket, caps: dict[str, bool]) -> None:
        self.ctrl = ctrl
        self.direct = bool(caps.get("pidns_reuse"))
        self.pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY) if self.direct else -1
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.runs: dict[int, dict[str, Any]] = {}   # pid -> run state
        self.by_run: dict[int, int] = {}              # run id -> pid
        # One empty network namespace per worker slot, made once and entered with setns():
        # creating and destroying one per run costs the kernel about a millisecond. Safe to
        # share between *consecutive* runs of a slot: nothing of a run outlives it (PID
        # namespace), and an unprivileged guest cannot change the namespace's settings.
        self.host_net = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.slot_nets: dict[int, int] = {}
        # One mount namespace prepared once (``/`` private, the interpreter exposed to the
        # sandbox uids): each guest enters it only to unshare its own copy, then mounts its
        # fresh tmpfs and /proc there. Building it per run cost about half a millisecond.
        # Built now, before any unshare(CLONE_NEWPID) would put the fork in a run's namespace.
        self.mnt_template = _mount_template(bool(caps.get("setuid"))) \
            if caps.get("mountns") else -1
        # Warm the ctypes function pointers the guests use, so that each fork does not
        # build them again.
        for name in ("mount", "prctl", "setns", "unshare"):
            getattr(_libc(), name)

    def mnt_fd(self, cfg: dict[str, Any]) -> int:
        """The mount namespace template the guest should copy (-1: build from the host's)."""
        return self.mnt_template if cfg["mountns"] else -1

    def net_fd(self, cfg: dict[str, Any]) -> int:
        """The namespace fd the guest should enter (-1: make its own with unshare)."""
        if not cfg["netns"]:
            return self.host_net if self.slot_nets else -1
        slot = int(cfg["slot"])
        if slot not in self.slot_nets:
            if _unshare(_CLONE_NEWNET) != 0:   # moves the zygote; it only needs its socketpair
                return -1
            self.slot_nets[slot] = os.open("/proc/self/ns/net", os.O_RDONLY)
        return self.slot_nets[slot]

    def serve(self) -> None:
        poller = select.poll()
        poller.register(self.ctrl.fileno(), select.POLLIN)
        poller.register(self.wake_r, select.POLLIN)
        while True:
            deadlines = [r["deadline"] for r in self.runs.values() if r.get("deadline")]
            timeout = None
            if deadlines:
                timeout = max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)
            for fd, _ in poller.poll(timeout):
                if fd == self.wake_r:
                    try:
                        os.read(self.wake_r, 4096)
                    except BlockingIOError:
                        pass
                else:
                    self.handle_request()
            self.reap()
            self.enforce_deadlines()

    def handle_request(self) -> None:
        try:
            msg, fds, _, _ = socket.recv_fds(self.ctrl, 1 << 20, 8)
        except OSError:
            msg, fds = b"", []
        if not msg:   # the judge went away: end every run, then ourselves
            for pid, run in self.runs.items():
                self.signal_run(pid, run)
            os._exit(0)
        request = json.loads(msg)
        if request["op"] == "spawn":
            self.spawn(request, fds)
        elif request["op"] == "kill":
            pid = self.by_run.get(request["id"])
            if pid is not None:   # not reaped yet, so the pid cannot have been reused
                self.runs[pid]["killed"] = True
                self.signal_run(pid, self.runs[pid])

    @staticmethod
    def signal_run(pid: int, run: dict[str, Any]) -> None:
        try:
            os.kill(pid, signal.SIGKILL if run["direct"] else signal.SIGTERM)
        except OSError:
            pass

    def spawn(self, request: dict[str, Any], fds: list[int]) -> None:
        cfg = request["config"]
        cfg["net_fd"] = self.net_fd(cfg)
        cfg["mnt_fd"] = self.mnt_fd(cfg)
        direct = self.direct and bool(cfg["pidns"])
        try:
            if direct and (_setns(self.pidns_fd, _CLONE_NEWPID) or _unshare(_CLONE_NEWPID)):
                raise OSError("could not open a new PID namespace")
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            self.ctrl.send(json.dumps({"op": "error", "id": request["id"],
                                       "msg": f"fork failed: {exc}"}).encode())
            return
        if pid == 0:
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for fd in (self.ctrl.fileno(), self.wake_r, self.wake_w, self.pidns_fd):
                    if fd >= 0:
                        os.close(fd)
                if direct:
                    job_r, out_w, err_w, res_w, mon_w = fds
                    os.close(mon_w)
                    _guest_main(cfg, job_r, out_w, err_w, res_w, True)
                else:
                    _monitor_main(cfg, fds)
            finally:
                os._exit(70)
        run: dict[str, Any] = {"id": request["id"], "direct": direct, "killed": False,
                               "timed_out": False}
        if direct:
            run.update(mon_w=fds[4], started=time.monotonic(),
                       deadline=time.monotonic() + float(cfg["wall_time_s"]))
            fds = fds[:4]
        for fd in fds:
            os.close(fd)
        self.runs[pid] = run
        self.by_run[request["id"]] = pid
        # No reply on success: the judge learns everything from the pipes it passed (their
        # EOF and the report on the monitor pipe). Only a failure is answered.

    def reap(self) -> None:
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run = self.runs.pop(pid, None)
            if run is None:
                continue
            self.by_run.pop(run["id"], None)
            if run["direct"]:
                report = {"status": status, "duration": time.monotonic() - run["started"],
                          "pidns": True, "cpu": usage.ru_utime + usage.ru_stime,
                          "maxrss_kb": usage.ru_maxrss, "timed_out": run["timed_out"],
                          "killed": run["killed"]}
                try:
                    _write_all(run["mon_w"], json.dumps(report).encode())
                except OSError:
                    pass
                os.close(run["mon_w"])

    def enforce_deadlines(self) -> None:
        now = time.monotonic()
        for pid, run in self.runs.items():
            if run.get("deadline") and now >= run["deadline"] and not run["timed_out"]:
                run["timed_out"] = True
                self.signal_run(pid, run)


def _mount_template(expose: bool) -> int:
    """An fd of a new mount namespace with ``/`` private and (``expose``) the interpreter
    reachable for the sandbox uids, or -1. Built in a throwaway fork, so the zygote's own
    namespace is untouched. Guests only ever use a copy (``unshare(CLONE_NEWNS)`` right after
    ``setns``); the tmpfs covering the interpreter's blocked parent is made read-only, since
    the copies share it."""
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            os.close(ready_r)
            os.close(hold_w)
            if _unshare(_CLONE_NEWNS) == 0 and _mount(None, "/", None,
                                                      _MS_REC | _MS_PRIVATE) == 0:
                if expose:
                    _expose_interpreter(read_only=True)
                ok = True
        except BaseException:  # noqa: BLE001 - report "unavailable"
            ok = False
        finally:
            try:
                os.write(ready_w, b"1" if ok else b"0")
                os.read(hold_r, 1)   # stay alive until the zygote has opened our namespace
            finally:
                os._exit(0)
    os.close(ready_w)
    os.close(hold_r)
    fd = -1
    try:
        if os.read(ready_r, 1) == b"1":
            fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY)
    except OSError:
        fd = -1
    finally:
        os.close(ready_r)
        os.close(hold_w)
        os.waitpid(pid, 0)
    return fd


def _probe_capabilities(options: dict[str, Any]) -> dict[str, bool]:
    """Find out (in a throwaway fork) which isolation features this kernel grants us."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        caps = {"netns": False, "ipcns": False, "mountns": False, "pidns": False,
                "pidns_reuse": False, "setuid": False}
        try:
            os.close(r)
            if options.get("drop_privileges", True) and os.getuid() == 0:
                caps["setuid"] = _probe_setuid(int(options["uid_base"]),
                                               bool(options.get("namespaces", True)))
            if options.get("namespaces", True):
                caps["netns"] = _unshare(_CLONE_NEWNET) == 0
                caps["ipcns"] = _unshare(_CLONE_NEWIPC) == 0
                if _unshare(_CLONE_NEWNS) == 0:
                    caps["mountns"] = (
                        _mount(None, "/", None, _MS_REC | _MS_PRIVATE) == 0
                        and _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV,
                                   "size=1m") == 0)
                caps["pidns"] = _probe_pidns()   # last: later forks would land in its namespace
                caps["pidns_reuse"] = caps["pidns"] and _probe_pidns_reuse()
        finally:
            _write_all(w, json.dumps(caps).encode())
            os._exit(0)
    os.close(w)
    data = _read_all(r)
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data) if data else {}


def _probe_pidns_reuse() -> bool:
    """Can we open one fresh PID namespace per fork (setns back, then unshare again)?"""
    try:
        fd = os.open("/proc/self/ns/pid", os.O_RDONLY)
    except OSError:
        return False
    try:
        return all(_setns(fd, _CLONE_NEWPID) == 0 and _probe_pidns() for _ in range(2))
    finally:
        os.close(fd)


def _probe_pidns() -> bool:
    if _unshare(_CLONE_NEWPID) != 0:
        return False
    pid = os.fork()
    if pid == 0:
        os._exit(0 if os.getpid() == 1 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _probe_setuid(uid: int, namespaces: bool) -> bool:
    """Can a guest run as ``uid`` *and still read the interpreter and its libraries*?"""
    pid = os.fork()
    if pid == 0:
        try:
            if namespaces and _unshare(_CLONE_NEWNS) == 0:
                if _mount(None, "/", None, _MS_REC | _MS_PRIVATE) == 0:
                    _expose_interpreter()
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            readable = all(os.access(p, os.R_OK | os.X_OK) for p in _interpreter_dirs())
            with open(os.__file__, "rb"):
                pass
            os._exit(0 if os.getuid() == uid and readable else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _interpreter_dirs() -> list[str]:
    dirs = {os.path.dirname(os.path.realpath(sys.executable))}
    dirs |= {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    return sorted(dirs)


_EXPOSE_PLAN: dict[str, set[str]] | None = None


def _expose_plan() -> dict[str, set[str]]:
    """For each directory an unprivileged uid cannot traverse on the way to the interpreter's
    directories (outermost first), the child entries it needs. Computed once per zygote."""
    global _EXPOSE_PLAN
    if _EXPOSE_PLAN is None:
        import stat

        needed: dict[str, set[str]] = {}
        for path in _interpreter_dirs():
            parts = path.strip("/").split("/")
            for depth in range(len(parts)):
                parent = "/" + "/".join(parts[:depth])
                if not os.stat(parent).st_mode & stat.S_IXOTH:
                    needed.setdefault(parent, set()).add(parts[depth])
                    break
        _EXPOSE_PLAN = {blocked: children for blocked, children in needed.items()
                        if not any(blocked.startswith(other + "/") for other in needed)}
    return _EXPOSE_PLAN


def _expose_interpreter(read_only: bool = False) -> None:
    """Make the interpreter's directories reachable for an unprivileged uid.

    Typical case: a pyenv Python under ``/root`` (mode 0700). In our private mount namespace
    the blocking directory is covered with an empty tmpfs (which also hides everything else
    in it) and only the needed child directories are bind-mounted back. ``read_only``: then
    remount the covering tmpfs read-only.
    """
    for blocked, children in _expose_plan().items():
        fds = {child: os.open(os.path.join(blocked, child), os.O_PATH) for child in children}
        try:
            if _mount("tmpfs", blocked, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755"):
                raise OSError(f"cannot cover {blocked} with a tmpfs")
            for child, fd in fds.items():
                target = os.path.join(blocked, child)
                os.mkdir(target, 0o755)
                if _mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND | _MS_REC):
                    raise OSError(f"cannot bind-mount {target}")
            if read_only and _mount(None, blocked, None,
                                    _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
                                    "size=1m,mode=755"):
                raise OSError(f"cannot make the tmpfs on {blocked} read-only")
        finally:
            for fd in fds.values():
                os.close(fd)


def _monitor_main(cfg: dict[str, Any], fds: list[int]) -> None:
    """Per-run supervisor (trusted, stays root): fork the guest, enforce the wall clock,
    kill everything the guest left behind, report the exit status on the monitor pipe."""
    job_r, out_w, err_w, res_w, mon_w = fds
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)   # the zygote died: stop
    os.setsid()
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)   # orphans of the guest's tree come back to us
    state = {"guest": 0, "timed_out": False, "killed": False}

    def stop(signum: int, _frame: Any) -> None:
        state["timed_out" if signum == signal.SIGALRM else "killed"] = True
        if state["guest"]:
            try:
                os.kill(state["guest"], signal.SIGKILL)
            except OSError:
                pass

    signal.signal(signal.SIGALRM, stop)
    signal.signal(signal.SIGTERM, stop)
    pidns = bool(cfg["pidns"]) and _unshare(_CLONE_NEWPID) == 0
    started = time.monotonic()
    guest = os.fork()
    if guest == 0:
        os.close(mon_w)
        _guest_main(cfg, job_r, out_w, err_w, res_w, pidns)
        os._exit(71)
    state["guest"] = guest
    signal.setitimer(signal.ITIMER_REAL, float(cfg["wall_time_s"]))
    for fd in (job_r, out_w, err_w, res_w):
        os.close(fd)
    _, status, usage = os.wait4(guest, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    duration = time.monotonic() - started
    _reap_subtree()
    report = {"status": status, "duration": duration, "pidns": pidns,
              "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
              "timed_out": state["timed_out"], "killed": state["killed"]}
    try:
        _write_all(mon_w, json.dumps(report).encode())
    finally:
        os._exit(0)


def _reap_subtree(deadline_s: float = 5.0) -> None:
    """SIGKILL and reap every process left in our subtree (we are its subreaper)."""
    me = os.getpid()
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        for kid in _children_of(me):
            for kill in (os.killpg, os.kill):
                try:
                    kill(kid, signal.SIGKILL)
                except OSError:
                    pass
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.001)


def _frame(fd: int, obj: dict[str, Any]) -> None:
    _write_all(fd, (json.dumps(obj, separators=(",", ":")) + "\n").encode())


_RES_FD = 3
_SECRET_FD = 4   # check mode only: the test code, for the test process


def _guest_main(cfg: dict[str, Any], job_r: int, out_w: int, err_w: int, res_w: int,
                pidns: bool) -> None:
    """The guest: set up isolation, then run the candidate (never returns)."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    nonce = cfg["nonce"]
    result_fd = res_w
    try:
        os.setsid()
        net_fd = int(cfg.get("net_fd", -1))
        if net_fd >= 0 and _setns(net_fd, _CLONE_NEWNET) != 0:
            raise OSError("could not enter the slot's network namespace")
        # the template is only a starting point: the unshare(CLONE_NEWNS) below copies it
        if int(cfg.get("mnt_fd", -1)) >= 0 and _setns(int(cfg["mnt_fd"]), _CLONE_NEWNS) != 0:
            raise OSError("could not enter the mount namespace template")
        payload = _read_header(job_r)
        # check mode: the test code is still in the pipe; it stays there until the test
        # process, forked away from the candidate's, reads it (fd 4)
        keep_job = fcntl.fcntl(job_r, fcntl.F_DUPFD, 100) if cfg["mode"] == "check" else -1
        os.close(job_r)
        # Fixed fd numbers: 0 stdin, 1 stdout, 2 stderr, 3 results.
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(res_w, _RES_FD)
        result_fd = _RES_FD
        for fd in {out_w, err_w, res_w} - {1, 2, _RES_FD}:
            os.close(fd)
        if keep_job >= 0:
            os.dup2(keep_job, _SECRET_FD)
        os.closerange(_SECRET_FD + (keep_job >= 0), 1 << 16)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        scratch = cfg["scratch"]
        own_net = cfg["netns"] and net_fd < 0
        flags = (_CLONE_NEWNET if own_net else 0) | (_CLONE_NEWNS if cfg["mountns"] else 0)
        # SysV IPC objects (shmget, msgget, semget) and POSIX message queues outlive their
        # process: in the host's IPC namespace a run could leave memory behind or pass data
        # to a later run. A private IPC namespace takes them all down with the run.
        flags |= _CLONE_NEWIPC if cfg.get("ipcns") else 0
        if flags and _unshare(flags) != 0:
            raise OSError(f"unshare({flags:#x}) failed although the probe allowed it")
        if cfg["mountns"]:
            _private_mounts(cfg, pidns)
        uid = cfg["uid"]
        os.makedirs(scratch, exist_ok=True)
        if uid is not None:
            os.chown(scratch, uid, uid)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            if os.getuid() != uid or os.geteuid() != uid:
                raise OSError("privilege drop did not take effect")
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)   # cleared by the credential change
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(scratch)
        for name, spec in payload.get("files", {}).items():
            os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
            with open(name, "wb") as f:
                f.write(base64.b64decode(spec))
        if payload.get("stdin") is not None:
            path = ".stdin"
            with open(path, "wb") as f:
                f.write(payload["stdin"].encode())
            fd = os.open(path, os.O_RDONLY)
            os.unlink(path)
            os.dup2(fd, 0)
            os.close(fd)
        # The zygote runs with the clean environment and HOME/TMPDIR preset to the fixed
        # scratch path: usually nothing to do (each environ write copies pages).
        if os.environ.get("HOME") != scratch or os.environ.get("TMPDIR") != scratch:
            os.environ["HOME"] = os.environ["TMPDIR"] = scratch
        _set_limits(cfg)
    except BaseException as exc:  # noqa: BLE001 - any setup failure is an infra error
        try:
            _frame(result_fd, {"t": "setup_error", "n": nonce,
                               "msg": f"{type(exc).__name__}: {exc}"})
        finally:
            os._exit(71)
    mode = cfg["mode"]
    if mode == "command":
        _guest_command(payload, nonce)
    sys.modules.pop("_rlvr_sandbox_zygote", None)
    sys.path[:] = [cfg["scratch"]] + [p for p in sys.path if p and p != os.getcwd()]
    sys.argv[:] = ["main.py"]
    if mode == "python":
        _guest_python(payload, nonce)
    elif mode == "calls":
        _guest_calls(payload, nonce, cfg.get("call_time_s"))
    elif mode == "check":
        _guest_check(payload, nonce)
    os._exit(72)


def _private_mounts(cfg: dict[str, Any], pidns: bool) -> None:
    if int(cfg.get("mnt_fd", -1)) < 0:   # else our namespace is a copy of the template's
        if _mount(None, "/", None, _MS_REC | _MS_PRIVATE) != 0:
            raise OSError("could not make / private in the new mount namespace")
        if cfg["uid"] is not None:
            _expose_interpreter()
    # One fresh tmpfs on /tmp; /var/tmp and /dev/shm are bind mounts of directories in it (a
    # bind mount costs the kernel less than a second tmpfs), so all three share one size cap.
    err = _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV,
                 f"size={int(cfg['disk_mb'])}m,mode=1777")
    if err:
        raise OSError(err, "mounting a private tmpfs on /tmp failed")
    for target, inside in (("/var/tmp", "/tmp/.var-tmp"), ("/dev/shm", "/tmp/.dev-shm")):
        if os.path.isdir(target) and not os.path.islink(target):
            os.mkdir(inside)
            os.chmod(inside, 0o1777)
            err = _mount(inside, target, None, _MS_BIND)
            if err:
                raise OSError(err, f"bind-mounting a private {target} failed")
    if pidns:
        # A /proc of our own PID namespace: the judge's processes are invisible.
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)


def _set_limits(cfg: dict[str, Any]) -> None:
    import resource

    mb = 1 << 20

    def lower(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    # soft == hard: the kernel SIGKILLs at the limit (SIGXCPU is ignored by a namespace init).
    lower(resource.RLIMIT_CPU, max(1, math.ceil(float(cfg["cpu_time_s"]))))
    lower(resource.RLIMIT_AS, int(cfg["memory_mb"]) * mb)
    lower(resource.RLIMIT_FSIZE, int(cfg["file_size_mb"]) * mb)
    lower(resource.RLIMIT_NOFILE, int(cfg["open_files"]))
    lower(resource.RLIMIT_CORE, 0)
    nproc = int(cfg["processes"])
    if cfg["uid"] is None:  # shared uid: count what the user already runs (see docs)
        nproc += _count_uid_processes(os.getuid())
    lower(resource.RLIMIT_NPROC, nproc)


def _guest_command(payload: dict[str, Any], nonce: str) -> None:
    argv = payload["argv"]
    os.set_inheritable(_RES_FD, False)   # closed by exec: the command cannot forge frames
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    _frame(_RES_FD, {"t": "ready", "n": nonce})
    try:
        os.execvpe(argv[0], argv, dict(os.environ))
    except OSError as exc:
        _frame(_RES_FD, {"t": "exec_error", "n": nonce, "msg": f"{argv[0]!r}: {exc}"})
        os._exit(127)


def _flush_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the candidate may have closed them
            pass


def _flush_and_exit(code: int) -> None:
    _flush_streams()
    os._exit(code)


def _guest_python(payload: dict[str, Any], nonce: str) -> None:
    import traceback
    import types

    source = payload["source"]
    with open("main.py", "w", encoding="utf-8") as f:  # for tracebacks with source lines
        f.write(source)
    main = types.ModuleType("__main__")
    main.__file__ = os.path.abspath("main.py")
    sys.modules["__main__"] = main
    _frame(_RES_FD, {"t": "ready", "n": nonce})
    code = 0
    try:
        exec(compile(source, "main.py", "exec"), main.__dict__)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except MemoryError:
        try:
            _frame(_RES_FD, {"t": "memory_error", "n": nonce})
        except BaseException:  # noqa: BLE001
            pass
        code = 1
        try:
            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    except BaseException:  # noqa: BLE001 - report like the interpreter would
        code = 1
        try:
            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    _flush_and_exit(code)


class _CallTimeout(BaseException):
    pass


def _raise_timeout(*_: Any) -> None:
    raise _CallTimeout()


def _safe_message(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a hostile __str__
        return "<unprintable>"


def _load_candidate(source: str, entry_point: str) -> tuple[Any, Any]:
    """Import the candidate as module ``solution``; return (module, entry function)."""
    import types

    with open("solution.py", "w", encoding="utf-8") as f:
        f.write(source)
    module = types.ModuleType("solution")
    module.__file__ = os.path.abspath("solution.py")
    sys.modules["solution"] = module
    exec(compile(source, "solution.py", "exec"), module.__dict__)
    if entry_point not in module.__dict__:
        raise NameError(f"the program defines no {entry_point!r}")
    return module, module.__dict__[entry_point]


def _guest_calls(payload: dict[str, Any], nonce: str, call_time_s: float | None) -> None:
    _frame(_RES_FD, {"t": "ready", "n": nonce})
    try:
        _, fn = _load_candidate(payload["source"], payload["entry_point"])
    except BaseException as exc:  # noqa: BLE001
        _report_load_error(exc, nonce)
        _flush_and_exit(0)
    signal.signal(signal.SIGALRM, _raise_timeout)
    for index, encoded in enumerate(payload["calls"]):
        frame: dict[str, Any]
        try:
            args, kwargs = decode_value(encoded)
            started = time.perf_counter()
            try:
                if call_time_s:
                    signal.setitimer(signal.ITIMER_REAL, call_time_s)
                try:
                    value = fn(*args, **kwargs)
                    frame = {"ok": True, "v": encode_value(value)}
                except _CallTimeout:
                    frame = {"ok": False, "et": "Timeout",
                             "em": f"call exceeded {call_time_s} s"}
                except UnserializableValue as exc:
                    frame = {"ok": False, "et": "UnserializableResult", "em": str(exc)}
                except BaseException as exc:  # noqa: BLE001
                    frame = {"ok": False, "et": type(exc).__name__, "em": _safe_message(exc)}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            frame["d"] = time.perf_counter() - started
        except _CallTimeout:
            frame = {"ok": False, "et": "Timeout", "em": f"call exceeded {call_time_s} s"}
        frame.update(t="call", n=nonce, i=index)
        _frame(_RES_FD, frame)
    _frame(_RES_FD, {"t": "done", "n": nonce})
    _flush_and_exit(0)


def _report_load_error(exc: BaseException, nonce: str) -> None:
    message = _safe_message(exc)
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} (line {exc.lineno})"
    _frame(_RES_FD, {"t": "load_error", "n": nonce, "et": type(exc).__name__, "em": message})


_MAX_MESSAGE = 64 << 20


def _send_msg(fd: int, obj: Any) -> None:
    data = json.dumps(obj, separators=(",", ":")).encode()
    _write_all(fd, len(data).to_bytes(8, "big") + data)


def _recv_msg(fd: int) -> Any:
    """One length-prefixed JSON message, or ``None`` at end of file."""
    try:
        size = int.from_bytes(_read_exact(fd, 8), "big")
    except EOFError:
        return None
    if size > _MAX_MESSAGE:
        raise ValueError("oversized message from the candidate's process")
    return json.loads(_read_exact(fd, size))


def _guest_check(payload: dict[str, Any], nonce: str) -> None:
    """``check(candidate)`` with the candidate in a process of its own.

    The guest forks: the child imports the candidate and serves calls on a pipe; the parent
    (the test process) reads the test code from fd 4 (the candidate's process never has it),
    runs ``check`` with proxies that send plain arguments and decode plain return values, and
    alone holds the result fd. It is made non-dumpable before the fork, so the candidate (same
    uid) can neither ptrace it nor open its ``/proc/<pid>/mem`` or ``/proc/<pid>/fd``.
    """
    import builtins

    pristine_builtins = dict(builtins.__dict__)
    _frame(_RES_FD, {"t": "ready", "n": nonce})
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    _prctl(_PR_SET_DUMPABLE, 0)
    child = os.fork()
    if child == 0:
        for fd in (_RES_FD, _SECRET_FD, req_w, resp_r):
            os.close(fd)
        _prctl(_PR_SET_DUMPABLE, 1)
        _serve_candidate(payload["source"], payload["entry_point"], req_r, resp_w)
        _flush_and_exit(0)
    os.close(req_r)
    os.close(resp_w)
    try:
        secret = json.loads(_read_all(_SECRET_FD))   # read first: the judge may be blocked
        os.close(_SECRET_FD)
        scratch = os.getcwd()
        # the candidate can write files into the scratch dir: never import from there
        sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != scratch]
        hello = _recv_msg(resp_r)
    except BaseException as exc:  # noqa: BLE001 - the candidate's process broke the protocol
        hello = {"t": "load_error", "et": type(exc).__name__, "em": _safe_message(exc)}
    if not isinstance(hello, dict) or hello.get("t") != "loaded":
        hello = hello if isinstance(hello, dict) else {}
        _frame(_RES_FD, {"t": "load_error", "n": nonce, "et": str(hello.get("et", "NoResult")),
                         "em": str(hello.get("em", "the program ended while loading"))[:2000]})
        _flush_and_exit(0)

    def remote(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            _send_msg(req_w, {"f": name, "a": encode_value([list(args), dict(kwargs)])})
            reply = _recv_msg(resp_r)
            if not isinstance(reply, dict):
                raise RuntimeError("the program's process ended during a call")
            if reply.get("ok") is True:
                return decode_value(reply.get("v"))
            raise _rebuild_exception(str(reply.get("et")), str(reply.get("em"))[:2000],
                                     pristine_builtins)
        call.__name__ = name
        return call

    try:
        test_ns: dict[str, Any] = {"__builtins__": pristine_builtins, "__name__": "__test__"}
        if secret.get("helpers"):
            exec(compile(secret["helpers"], "helpers.py", "exec"), test_ns)
        exec(compile(secret["test_code"], "test.py", "exec"), test_ns)
        check = test_ns["check"]
        # Names the test uses but neither it nor the helpers define come from the candidate's
        # module: functions as remote calls, other values as plain copies.
        wanted = sorted(n for n in _global_names(check.__code__)
                        if n not in test_ns and n not in pristine_builtins)
        if wanted:
            _send_msg(req_w, {"names": wanted})
            found = _recv_msg(resp_r)
            for name, spec in (found.items() if isinstance(found, dict) else ()):
                if name not in wanted or not isinstance(spec, dict):
                    continue
                test_ns[name] = remote(name) if spec.get("callable") is True else \
                    decode_value(spec.get("v"))
        check(remote(payload["entry_point"]))
    except BaseException as exc:  # noqa: BLE001
        _frame(_RES_FD, {"t": "check", "n": nonce, "passed": False,
                         "et": type(exc).__name__, "em": _safe_message(exc)})
        _flush_and_exit(1)
    _frame(_RES_FD, {"t": "check", "n": nonce, "passed": True})
    _flush_and_exit(0)


def _rebuild_exception(name: str, message: str, builtins_ns: dict[str, Any]) -> Exception:
    """The candidate's exception as a builtin exception of the same name where one exists
    (tests may expect ``ValueError``), else ``RuntimeError``; never a candidate class."""
    cls = builtins_ns.get(name)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:  # noqa: BLE001 - e.g. UnicodeDecodeError needs five arguments
            pass
    return RuntimeError(f"{name}: {message}")


def _serve_candidate(source: str, entry_point: str, req_r: int, resp_w: int) -> None:
    """The candidate's process of a check run: import it, then answer calls until EOF."""
    try:
        module, fn = _load_candidate(source, entry_point)
    except BaseException as exc:  # noqa: BLE001
        message = f"{exc.msg} (line {exc.lineno})" if isinstance(exc, SyntaxError) else \
            _safe_message(exc)
        _flush_streams()
        _send_msg(resp_w, {"t": "load_error", "et": type(exc).__name__, "em": message})
        return
    _flush_streams()
    _send_msg(resp_w, {"t": "loaded"})
    while True:
        request = _recv_msg(req_r)
        if not isinstance(request, dict):
            return
        if "names" in request:
            answer: dict[str, Any] = {}
            for name in request["names"]:
                if name in module.__dict__:
                    value = module.__dict__[name]
                    try:
                        answer[name] = ({"callable": True} if callable(value) else
                                        {"v": encode_value(value)})
                    except UnserializableValue:
                        pass
            _send_msg(resp_w, answer)
            continue
        target = fn if request.get("f") == entry_point else module.__dict__.get(request.get("f"))
        reply: dict[str, Any]
        try:
            args, kwargs = decode_value(request.get("a"))
            reply = {"ok": True, "v": encode_value(target(*args, **kwargs))}
        except UnserializableValue as exc:
            reply = {"ok": False, "et": "TypeError", "em": f"unserializable result: {exc}"}
        except BaseException as exc:  # noqa: BLE001
            reply = {"ok": False, "et": type(exc).__name__, "em": _safe_message(exc)}
        _flush_streams()   # the test process may end the run right after this reply
        _send_msg(resp_w, reply)


def _global_names(code: Any) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names


# --------------------------------------------------------------------------------------------
# The judge side
# --------------------------------------------------------------------------------------------


class _InfraError(Exception):
    pass


def _clean_env(python: str = sys.executable) -> dict[str, str]:
    bin_dir = os.path.dirname(os.path.abspath(python))
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
                [python, "-I", "-c", _BOOT, os.path.abspath(__file__),
                 str(child_sock.fileno()), json.dumps(options)],
                pass_fds=[child_sock.fileno()], env=_clean_env(python), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, start_new_session=True, cwd="/")
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
                waiter = self._pending.pop(reply.get("id"), None)
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
        message = json.dumps({"op": "spawn", "id": run_id, "config": config}).encode()
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
                self._sock.send(json.dumps({"op": "kill", "id": run_id}).encode())
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
        uid_base: first uid of the per-slot range.

    The isolation actually obtained is reported by :attr:`network_isolated`,
    :attr:`pid_isolated`, :attr:`filesystem_isolated` and :attr:`privileges_dropped`.
    """

    def __init__(self, workers: int | None = None, limits: SandboxLimits | None = None,
                 network: bool = False, *, python: str | None = None,
                 preload: Sequence[str] = DEFAULT_PRELOAD, namespaces: bool = True,
                 drop_privileges: bool = True, uid_base: int = 61000) -> None:
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
        self._options = {"preload": list(preload), "namespaces": namespaces,
                         "drop_privileges": drop_privileges, "uid_base": uid_base}
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
        # In mount-namespace mode every run's /tmp is its own fresh tmpfs, so all runs can
        # use the same scratch path; the zygote sets HOME and TMPDIR to it once.
        self._fixed_scratch = os.path.join(self._base_real, "run")
        self._options["scratch"] = self._fixed_scratch
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
        """True when /tmp, /var/tmp and /dev/shm are private tmpfs mounts per run."""
        return bool(self._caps().get("mountns"))

    @property
    def privileges_dropped(self) -> bool:
        """True when candidates run under an unprivileged per-slot uid (judge is root)."""
        return bool(self._caps().get("setuid"))

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

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- public runs --------------------------------------------------------------------------
    def run_python(self, source: str, *, stdin: str | None = None,
                   files: dict[str, str | bytes] | None = None,
                   limits: SandboxLimits | None = None) -> RunResult:
        """Run ``source`` as a script (``__main__``) and capture stdout, stderr, exit code.

        ``stdin`` is fed as the standard input (``None``: ``/dev/null``); ``files`` are written
        into the scratch dir (the working directory, also on ``sys.path``) before it starts.
        """
        raw = self._execute("python", {"source": source, "stdin": stdin,
                                       "files": _encode_files(files)}, limits)
        return raw.result

    def run_command(self, argv: Sequence[str], *, stdin: str | None = None,
                    files: dict[str, str | bytes] | None = None,
                    limits: SandboxLimits | None = None) -> RunResult:
        """Execute ``argv`` (looked up on ``PATH``) with the same isolation as Python runs.

        A command that cannot be executed (not installed) is an ``infra_error``.
        """
        if not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError(f"argv must be a non-empty list of str, got {argv!r}")
        raw = self._execute("command", {"argv": list(argv), "stdin": stdin,
                                        "files": _encode_files(files)}, limits)
        return raw.result

    def call_functions(self, source: str, entry_point: str,
                       calls: Sequence[tuple[Sequence[Any], dict[str, Any]]], *,
                       limits: SandboxLimits | None = None) -> CallResult:
        """Import ``source`` as module ``solution`` and call ``entry_point`` on each argument set.

        ``calls`` is a list of ``(args, kwargs)`` made of plain builtin values (see
        :func:`encode_value`). Each call gets fresh copies of its arguments and, if
        ``limits.call_time_s`` is set, its own timeout. Returns one :class:`CallOutcome` per
        call, in order, with decoded plain values: compare them with the expected outputs in
        the caller's process. Expected values are never passed here, so they never enter the
        child.
        """
        encoded = [encode_value([list(args), dict(kwargs)]) for args, kwargs in calls]
        payload = {"source": source, "entry_point": entry_point, "calls": encoded}
        raw = self._execute("calls", payload, limits)
        return _collect_calls(raw, len(encoded))

    def run_check(self, source: str, test_code: str, entry_point: str, *,
                  helpers: str | None = None,
                  limits: SandboxLimits | None = None) -> CheckResult:
        """Run HumanEval-style ``check(candidate)`` from ``test_code`` in the sandbox.

        Two processes share the run: the candidate's, which imports ``source`` and answers
        calls, and the test process, which runs ``check`` and never executes candidate code.
        The test code never enters the candidate's process; arguments and return values cross
        as plain values (:func:`encode_value`). ``helpers`` (e.g. a HumanEval prompt, with
        helpers like ``poly``) run in the test process, so the candidate cannot redefine
        them; names the test needs that neither the test nor ``helpers`` define are taken
        from the candidate's module (functions become remote calls). Weaker than
        :meth:`call_functions` only in that the test process shares the candidate's uid (see
        ``docs/sandbox.md``). Prefer :meth:`run_assert_tests`.
        """
        payload = {"source": source, "entry_point": entry_point,
                   "secret": {"test_code": test_code, "helpers": helpers or ""}}
        raw = self._execute("check", payload, limits)
        return _collect_check(raw)

    def run_assert_tests(self, source: str, test_code: str, entry_point: str, *,
                         helpers: str | None = None,
                         limits: SandboxLimits | None = None) -> CheckResult:
        """Judge HumanEval/MBPP-style assert tests, the strong way when possible.

        If every statement of ``test_code`` is an assert of the forms understood by
        :func:`extract_assert_calls`, the calls run through :meth:`call_functions` and the
        comparisons happen here, in the judge process (``method="calls"``). Otherwise it
        falls back to :meth:`run_check` (``method="check"``).
        """
        asserts = extract_assert_calls(test_code, entry_point)
        if asserts is None:
            return self.run_check(source, test_code, entry_point, helpers=helpers,
                                  limits=limits)
        calls = [(a.args, a.kwargs) for a in asserts]
        result = self.call_functions(source, entry_point, calls, limits=limits)
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
    def _execute(self, mode: str, payload: dict[str, Any],
                 limits: SandboxLimits | None) -> _RawRun:
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
            if caps.get("mountns") and self._base_real.startswith("/tmp/"):
                # The guest's /tmp is a fresh private tmpfs (or the run fails): it makes its
                # scratch dir there, and the dir vanishes with the run. Nothing on the host.
                run_dir = self._fixed_scratch
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
            header = json.dumps(payload).encode()
            job = len(header).to_bytes(8, "big") + header
            if secret is not None:
                job += json.dumps(secret).encode()
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
            spawn_failed = zygote.spawn_error(run_id, 0.5 if silent else 0.0)
            if silent and spawn_failed:
                raw.result.infra_error = spawn_failed
            raw.result.duration_s = max(raw.result.duration_s, 0.0) or time.monotonic() - started
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
            result.cpu_exceeded = result.signal in (signal.SIGXCPU, signal.SIGKILL) and (
                result.cpu_time_s >= cpu_cap - 0.05)
            result.timed_out = bool(report["timed_out"]) or result.cpu_exceeded or (
                bool(report["killed"]) and not result.output_exceeded and frame_error is None)
            if not ready and result.infra_error is None:
                result.infra_error = (setup_error or
                                      "the sandbox worker exited before running the candidate")
        if exec_error:
            result.infra_error = f"could not execute command: {exec_error}"
        result.memory_exceeded = any(f.get("t") == "memory_error" for f in frames) or (
            result.stderr.rstrip().endswith("MemoryError"))
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


# --------------------------------------------------------------------------------------------
# HumanEval/MBPP assert conversion (the strong path for assert-style tests)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssertCall:
    """One ``assert`` turned into a call and a comparison made in the judge process.

    ``compare`` is one of ``"eq"``, ``"ne"``, ``"truthy"``, ``"falsy"``, ``"is"``
    (``expected`` is ``True``/``False``/``None``) or ``"abs_lt"`` / ``"abs_le"``
    (``abs(value - expected) < tolerance``).
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    compare: str
    expected: Any = None
    tolerance: float | None = None

    def failure(self, outcome: CallOutcome) -> str | None:
        """Why ``outcome`` does not satisfy this assert, or ``None`` when it does."""
        if not outcome.ok:
            return f"raised {outcome.error_type}: {outcome.error_message}"
        value, exp = outcome.value, self.expected
        try:
            if self.compare == "eq":
                good = value == exp
            elif self.compare == "ne":
                good = value != exp
            elif self.compare == "truthy":
                good = bool(value)
            elif self.compare == "falsy":
                good = not value
            elif self.compare == "is":
                good = value is exp
            else:
                diff = abs(value - exp)
                good = diff < self.tolerance if self.compare == "abs_lt" else \
                    diff <= self.tolerance
        except Exception as exc:  # noqa: BLE001 - e.g. a str minus a float: the assert fails
            return f"comparison failed: {type(exc).__name__}: {exc}"
        if good:
            return None
        try:
            return f"got {value!r}, expected {self.compare} {exp!r}"
        except ValueError:   # an int too long for repr (sys.get_int_max_str_digits)
            return f"got a different value, expected {self.compare} a value too large to print"


def extract_assert_calls(test_code: str, entry_point: str) -> list[AssertCall] | None:
    """Turn assert-based tests into :class:`AssertCall` s, or return ``None`` if any part
    of ``test_code`` is not a plain literal assert.

    Understood: a ``def check(candidate):`` whose body holds only asserts (plus docstrings,
    ``assert True`` and literal assignments at module level such as HumanEval's
    ``METADATA``), or module-level asserts calling ``entry_point`` (MBPP style). Each assert
    must be ``f(<literals>) == <literal>`` (either side), ``!=``, ``f(...)``,
    ``not f(...)``, ``f(...) is True/False/None``, or ``abs(f(...) - <literal>) < <literal>``.
    It is all or nothing: one unsupported statement returns ``None`` (use ``run_check``).
    """
    import ast
    try:
        tree = ast.parse(test_code)
    except SyntaxError:
        return None
    asserts: list[ast.Assert] = []
    names: set[str] = {entry_point}
    found_check = False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            if found_check or len(node.args.args) != 1 or node.decorator_list:
                return None
            found_check = True
            names.add(node.args.args[0].arg)
            for stmt in node.body:
                if _is_docstring(stmt):
                    continue
                if not isinstance(stmt, ast.Assert):
                    return None
                asserts.append(stmt)
        elif isinstance(node, ast.Assert):
            asserts.append(node)
        elif _is_docstring(node) or _is_literal_assignment(node):
            continue
        else:
            return None
    out: list[AssertCall] = []
    for stmt in asserts:
        if _is_true_constant(stmt.test):
            continue
        spec = _convert_assert(stmt.test, names)
        if spec is None:
            return None
        out.append(spec)
    return out or None


def _is_docstring(node: ast.stmt) -> bool:
    import ast
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _is_true_constant(node: ast.expr) -> bool:
    import ast
    return isinstance(node, ast.Constant) and node.value is True


def _is_literal_assignment(node: ast.stmt) -> bool:
    import ast
    if not isinstance(node, ast.Assign):
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _literal(node: ast.expr) -> tuple[bool, Any]:
    import ast
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _as_call(node: ast.expr, names: set[str]) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    import ast
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in names):
        return None
    args = []
    for arg in node.args:
        ok, value = _literal(arg)
        if not ok or isinstance(arg, ast.Starred):
            return None
        args.append(value)
    kwargs = {}
    for kw in node.keywords:
        ok, value = _literal(kw.value)
        if not ok or kw.arg is None:
            return None
        kwargs[kw.arg] = value
    try:
        encode_value([args, kwargs])
    except UnserializableValue:
        return None
    return tuple(args), kwargs


def _convert_assert(test: ast.expr, names: set[str]) -> AssertCall | None:
    import ast
    call = _as_call(test, names)
    if call is not None:
        return AssertCall(call[0], call[1], "truthy")
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        call = _as_call(test.operand, names)
        return AssertCall(call[0], call[1], "falsy") if call else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(op, (ast.Eq, ast.NotEq, ast.Is)):
        call, other = _as_call(left, names), right
        if call is None:
            call, other = _as_call(right, names), left
        ok, expected = _literal(other)
        if call is None or not ok:
            return None
        if isinstance(op, ast.Is):
            if expected not in (True, False, None) or type(expected) not in (bool, type(None)):
                return None
            return AssertCall(call[0], call[1], "is", expected)
        return AssertCall(call[0], call[1], "eq" if isinstance(op, ast.Eq) else "ne", expected)
    if isinstance(op, (ast.Lt, ast.LtE)):
        ok, tol = _literal(right)
        if not (ok and type(tol) in (int, float) and isinstance(left, ast.Call)
                and isinstance(left.func, ast.Name) and left.func.id == "abs"
                and len(left.args) == 1 and not left.keywords
                and isinstance(left.args[0], ast.BinOp)
                and isinstance(left.args[0].op, ast.Sub)):
            return None
        inner = left.args[0]
        call = _as_call(inner.left, names)
        ok, expected = _literal(inner.right)
        if call is None or not ok or type(expected) not in (int, float):
            return None
        return AssertCall(call[0], call[1], "abs_lt" if isinstance(op, ast.Lt) else "abs_le",
                          expected, float(tol))
    return None


# --------------------------------------------------------------------------------------------
# Process-wide shared instance
# --------------------------------------------------------------------------------------------

_default: Sandbox | None = None
_default_lock = _thread.allocate_lock()


def default_sandbox() -> Sandbox:
    """The process-wide shared :class:`Sandbox` (default limits), created on first use and
    closed at interpreter exit."""
    import atexit
    global _default
    with _default_lock:
        if _default is None or _default._closed:
            _default = Sandbox()
            atexit.register(_default.close)
        return _default
