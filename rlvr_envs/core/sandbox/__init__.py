"""The one place untrusted code runs: a process sandbox with a warm fork-server pool.

Every candidate program (Python scripts, Python functions under test, HumanEval-style
``check(candidate)`` code, or an external command such as ``vvp``) runs through a
:class:`Sandbox`. Read ``docs/sandbox.md`` for the threat model; the short version:

* **Isolation is done by the OS, not by patching the interpreter.** Each run is a fresh
  process forked from a warm "zygote" interpreter, in its own session and process group, with
  ``setrlimit`` on CPU time, address space, file size, open files and process count. When the
  kernel lets us (root, which CI is), each run also gets a new PID namespace (everything it
  starts dies with it), a new network namespace (only a down loopback), a new mount namespace
  whose root is a minimal read-only tree (the interpreter, its standard library and shared
  libraries, a few commands, allow-listed ``packages``; never the project, task data, the
  venv or home directories) with private tmpfs on ``/tmp``, ``/var/tmp``, ``/dev/shm`` (the
  scratch dir lives there and vanishes with the run), and an unprivileged per-slot uid (so
  ``RLIMIT_NPROC`` and file permissions apply and the judge cannot be signalled), a seccomp
  filter (no kernel keyrings, which outlive a run, and no user namespaces) and a per-slot
  memory cgroup that caps the whole run. Without
  those privileges the sandbox still runs, with weaker guarantees it reports in
  :attr:`Sandbox.network_isolated` and friends, loudly: a ``RuntimeWarning`` and
  ``isolation_warning`` on every result.
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

Layout: the judge side (:mod:`.pool` with :class:`Sandbox`, :mod:`.results`, :mod:`.asserts`)
runs in the caller's process; the zygote side (:mod:`.zygote`, :mod:`.guest`, :mod:`.rootfs`,
:mod:`.kernel`, :mod:`.seccomp`, :mod:`.cgroups`, :mod:`.codec`) runs in the zygote and its
forks. The zygote imports those seven files as a private package, without importing ``rlvr_envs``; they use only small standard-library modules
(every module the zygote holds makes each fork and exit dearer: see ``docs/sandbox.md``).
"""

from __future__ import annotations

import _thread

from .asserts import AssertCall, extract_assert_calls
from .codec import UnserializableValue, decode_value, encode_value
from .pool import Sandbox
from .results import CallOutcome, CallResult, CheckResult, RunResult, SandboxLimits
from .rootfs import DEFAULT_COMMANDS
from .zygote import DEFAULT_PRELOAD

__all__ = [
    "DEFAULT_COMMANDS", "DEFAULT_PRELOAD", "AssertCall", "CallOutcome", "CallResult", "CheckResult", "RunResult",
    "Sandbox", "SandboxLimits", "UnserializableValue", "decode_value", "default_sandbox",
    "encode_value", "extract_assert_calls",
]

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
