"""The zygote (warm fork server), its capability probes, and the per-run monitor of the
fallback mode. Runs in the zygote's interpreter, never in the judge process."""

from __future__ import annotations

import _socket
import array
import json
import marshal
import os
import select
import signal
import sys
import time
from typing import Any

from .cgroups import SlotCgroups, slot_cgroups
from .guest import _guest_main

# ``threading`` and ``socket`` are never imported here: with ``threading`` loaded every fork
# runs its after-fork hook (about 125 more copied pages per guest), and every module the
# zygote holds makes each fork and exit dearer (page tables to copy and tear down).
from .kernel import (
    _CLONE_NEWIPC,
    _CLONE_NEWNET,
    _CLONE_NEWNS,
    _CLONE_NEWPID,
    _CLONE_NEWUSER,
    _MS_NODEV,
    _MS_NOSUID,
    _MS_PRIVATE,
    _MS_REC,
    _PR_SET_CHILD_SUBREAPER,
    _PR_SET_NO_NEW_PRIVS,
    _PR_SET_PDEATHSIG,
    _children_of,
    _expose_interpreter,
    _expose_plan,
    _interpreter_dirs,
    _libc,
    _mount,
    _prctl,
    _read_all,
    _setns,
    _umount_detach,
    _unshare,
    _write_all,
)
from .rootfs import (
    check_template,
    confine_interpreter,
    hide_command_line,
    make_template,
    site_dirs,
)
from .seccomp import clear_user_keyrings, guest_filter

# --------------------------------------------------------------------------------------------
# The zygote (warm fork server), the per-run monitor, and the guest harness.
# All of this runs in the zygote's interpreter and its forks, never in the judge process.
# --------------------------------------------------------------------------------------------

#: Started as ``python -I -c _BOOT`` with a JSON object on stdin: ``dir`` (this directory,
#: made the private package ``_rlvr_sandbox``; its ``__init__``, the judge side, is never run),
#: ``ctrl`` (the control socket's fd) and ``options``. Nothing on the command line names a
#: host path (a guest can read its own ``/proc/self/cmdline``).
_BOOT = (
    "import importlib, json, os, sys\n"
    "chunks = []\n"
    "while True:\n"
    "    chunk = os.read(0, 1 << 16)\n"
    "    if not chunk:\n"
    "        break\n"
    "    chunks.append(chunk)\n"
    "boot = json.loads(b''.join(chunks))\n"
    "null = os.open(os.devnull, os.O_RDONLY)\n"
    "os.dup2(null, 0)\n"
    "os.close(null)\n"
    "pkg = type(sys)('_rlvr_sandbox')\n"
    "pkg.__path__ = [boot['dir']]\n"
    "sys.modules['_rlvr_sandbox'] = pkg\n"
    "importlib.import_module('_rlvr_sandbox.zygote')._zygote_main(boot['ctrl'], boot['options'])\n"
)

#: Modules the zygote imports once so that runs do not pay for them (forks share them). Kept
#: short on purpose: every preloaded page makes each fork and exit a little dearer.
DEFAULT_PRELOAD: tuple[str, ...] = (
    "bisect", "collections", "copy", "functools", "heapq", "itertools", "math", "operator", "re",
    "string", "typing",
)


def _zygote_main(ctrl_fd: int, options: dict[str, Any]) -> None:
    """Serve fork requests from the judge until the control socket closes."""
    os.set_inheritable(ctrl_fd, False)
    hide_command_line()
    # package look-ups, before the interpreter is confined to what guests see
    options["host_path"], options["host_sites"] = list(sys.path), site_dirs()
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

    # Forked children share the zygote's pages copy-on-write; a garbage collection walking
    # every object would copy them all (milliseconds per run), so park them out of its reach.
    # Every guest compiles its candidate. The first compile() in an interpreter builds the
    # parser's and the compiler's lazily made state (about 110 copied pages and 1.5 ms in
    # each fork when left to the guests); do it once here so that the forks share it.
    _warm_compiler()
    gc.collect()
    gc.freeze()

    ctrl = _socket.socket(fileno=ctrl_fd)
    _expose_plan()
    caps = _probe_capabilities(options)
    roots = _Roots(options, caps)
    cgroups, cgroup_error = (slot_cgroups() if options.get("cgroups", True) else
                             (None, "cgroups=False"))
    caps["cgroup"] = cgroups is not None
    if caps.get("seccomp"):
        caps["seccomp"] = _confine_kernel_state(options, caps)
    ctrl.send(json.dumps({"op": "hello", "caps": caps, "pid": os.getpid(),
                          "rootfs_error": roots.error, "cgroup_error": cgroup_error}).encode())
    _ZygoteLoop(ctrl, caps, roots, cgroups).serve()


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
    """Compile and run a snippet that uses most of the grammar."""
    namespace: dict[str, Any] = {}
    exec(compile(_WARM_SOURCE, "<warm>", "exec"), namespace)
    namespace["solve"]([1, 2, 3])


def _recv_fds(sock: _socket.socket, size: int, max_fds: int) -> tuple[bytes, list[int]]:
    """``socket.recv_fds`` without importing :mod:`socket` (and its enums) into the zygote."""
    fds = array.array("i")
    msg, ancdata, _, _ = sock.recvmsg(size, _socket.CMSG_LEN(max_fds * fds.itemsize))
    for level, kind, data in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    return msg, list(fds)


class _ZygoteLoop:
    """The zygote's event loop. Two ways to start a run:

    * direct (PID namespaces available): re-enter our own PID namespace with ``setns``, open a
      fresh child namespace with ``unshare``, fork the guest as its init. One fork per run;
      the zygote itself enforces the wall clock and reports the exit status.
    * monitored (fallback): fork a per-run monitor that is a subreaper for the guest's tree.
    """

    def __init__(self, ctrl: _socket.socket, caps: dict[str, bool], roots: _Roots,
                 cgroups: SlotCgroups | None) -> None:
        self.ctrl = ctrl
        self.roots = roots
        self.cgroups = cgroups
        self.direct = bool(caps.get("pidns_reuse"))
        self.pidns_fd = os.open("/proc/self/ns/pid", os.O_RDONLY) if self.direct else -1
        # A run's end is seen on its pidfd (readable when the process exits): no SIGCHLD
        # handler, so nothing runs Python code on a signal and the forks need not undo it.
        # Kernels without pidfd_open (< 5.3): poll every 5 ms while runs are active.
        self.pidfds: dict[int, int] = {}   # pidfd -> pid
        self.use_pidfd = _pidfd_available()
        self.poller = select.poll()
        self.poller.register(self.ctrl.fileno(), select.POLLIN)
        self.runs: dict[int, dict[str, Any]] = {}   # pid -> run state
        self.by_run: dict[int, int] = {}              # run id -> pid
        # One empty network namespace per worker slot, made once and entered with setns():
        # creating and destroying one per run costs the kernel about a millisecond. Safe to
        # share between *consecutive* runs of a slot: nothing of a run outlives it (PID
        # namespace), and an unprivileged guest cannot change the namespace's settings.
        self.host_net = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.slot_nets: dict[int, int] = {}
        # Warm the ctypes function pointers the guests use, so that each fork does not
        # build them again.
        for name in ("mount", "prctl", "setns", "unshare"):
            getattr(_libc(), name)

    def mnt_fd(self, cfg: dict[str, Any]) -> int:
        """The mount namespace template the guest should copy (-1: build from the host's)."""
        if not cfg["mountns"]:
            return -1
        if cfg.get("root") and self.direct:
            # the builder is forked: it must not land in the last run's PID namespace
            _setns(self.pidns_fd, _CLONE_NEWPID)
        return self.roots.fd(cfg.get("root"))

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
        ctrl = self.ctrl.fileno()
        while True:
            deadlines = [r["deadline"] for r in self.runs.values() if r.get("deadline")]
            timeout = None
            if deadlines:
                timeout = max(0, int((min(deadlines) - time.monotonic()) * 1000) + 1)
            if self.runs and not self.use_pidfd:
                timeout = 5 if timeout is None else min(timeout, 5)
            for fd, _ in self.poller.poll(timeout):
                if fd == ctrl:
                    self.handle_request()
            self.reap()
            self.enforce_deadlines()

    def handle_request(self) -> None:
        try:
            msg, fds = _recv_fds(self.ctrl, 1 << 20, 8)
        except OSError:
            msg, fds = b"", []
        if not msg:   # the judge went away: end every run, then ourselves
            self.shutdown()
        request = marshal.loads(msg)
        if request["op"] == "spawn":
            self.spawn(request, fds)
        elif request["op"] == "kill":
            pid = self.by_run.get(request["id"])
            if pid is not None:   # not reaped yet, so the pid cannot have been reused
                self.runs[pid]["killed"] = True
                self.signal_run(pid, self.runs[pid])

    def shutdown(self) -> None:
        """End every run, wait (briefly) until they are gone, remove the cgroups, exit."""
        for pid, run in self.runs.items():
            self.signal_run(pid, run)
        deadline = time.monotonic() + 5.0
        while self.runs and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.005)
        if self.cgroups is not None:
            self.cgroups.remove()
        os._exit(0)

    @staticmethod
    def signal_run(pid: int, run: dict[str, Any]) -> None:
        try:
            os.kill(pid, signal.SIGKILL if run["direct"] else signal.SIGTERM)
        except OSError:
            pass

    def spawn(self, request: dict[str, Any], fds: list[int]) -> None:
        cfg = request["config"]
        direct = self.direct and bool(cfg["pidns"])
        oom_before = 0
        try:
            cfg["net_fd"] = self.net_fd(cfg)
            cfg["mnt_fd"] = self.mnt_fd(cfg)
            if self.cgroups is not None:
                slot = int(cfg["slot"])
                cfg["cg_fd"] = self.cgroups.join_fd(
                    slot, (int(cfg["memory_mb"]) + int(cfg["disk_mb"])) << 20,
                    int(cfg["processes"]))
                if not direct:   # the monitor reports; direct runs: see reap()
                    oom_before = self.cgroups.oom_kills(slot)
            if direct and (_setns(self.pidns_fd, _CLONE_NEWPID) or _unshare(_CLONE_NEWPID)):
                raise OSError("could not open a new PID namespace")
            pid = os.fork()
        except OSError as exc:
            # the reason first: the judge looks for it once it sees the run's pipes close
            self.ctrl.send(json.dumps({"op": "error", "id": request["id"],
                                       "msg": f"could not start the run: {exc}"}).encode())
            for fd in fds:
                os.close(fd)
            return
        if pid == 0:
            try:
                for fd in (self.ctrl.fileno(), self.pidns_fd, *self.pidfds):
                    if fd >= 0:
                        os.close(fd)
                if direct:
                    job_r, out_w, err_w, res_w, mon_w = fds
                    os.close(mon_w)
                    _guest_main(cfg, job_r, out_w, err_w, res_w, True)
                else:
                    _monitor_main(cfg, fds, self.cgroups, oom_before)
            finally:
                os._exit(70)
        run: dict[str, Any] = {"id": request["id"], "direct": direct, "killed": False,
                               "timed_out": False, "slot": int(cfg["slot"])}
        if direct:
            run.update(mon_w=fds[4], started=time.monotonic(),
                       deadline=time.monotonic() + float(cfg["wall_time_s"]))
            fds = fds[:4]
        for fd in fds:
            os.close(fd)
        if self.use_pidfd:
            try:
                run["pidfd"] = os.pidfd_open(pid)
            except OSError:   # e.g. out of fds: fall back to polling for this zygote
                self.use_pidfd = False
            else:
                self.pidfds[run["pidfd"]] = pid
                self.poller.register(run["pidfd"], select.POLLIN)
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
            if "pidfd" in run:
                self.poller.unregister(run["pidfd"])
                del self.pidfds[run["pidfd"]]
                os.close(run["pidfd"])
            if run["direct"]:
                report = {"status": status, "duration": time.monotonic() - run["started"],
                          "pidns": True, "cpu": usage.ru_utime + usage.ru_stime,
                          "maxrss_kb": usage.ru_maxrss, "timed_out": run["timed_out"],
                          "killed": run["killed"],
                          # runs of a slot never overlap: new kills are this run's
                          "oom": self.cgroups is not None and
                          self.cgroups.new_oom_kills(run["slot"])}
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


def _pidfd_available() -> bool:
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):
        return False
    return True


class _Roots:
    """The mount-namespace templates guests copy. Preferably the minimal root
    (:mod:`.rootfs`; one per extra package and command set, built on first use); when it
    cannot be built, the host's tree with ``/tmp`` private and the interpreter exposed
    (``error`` says why: the judge warns loudly)."""

    MAX_VARIANTS = 16

    def __init__(self, options: dict[str, Any], caps: dict[str, bool]) -> None:
        self.options = options
        self.commands = list(options.get("commands", []))
        self.base = -1
        self.error: str | None = None
        self.variants: dict[tuple[Any, ...], int] = {}
        self.rootfs = caps["rootfs"] = False
        if not caps.get("mountns"):
            self.error = ("namespaces=False" if not options.get("namespaces", True) else
                          "no mount namespaces: not root?")
            return self.unconfined()
        self.uid = int(options["uid_base"]) if caps.get("setuid") else None
        fd, report, self.error = make_template(self.staging(), options, [], self.commands)
        if fd >= 0 and report is not None:
            self.error = check_template(fd, self.uid, report["executable"])
            if self.error is None:
                confine_interpreter(report)
                self.rootfs = caps["rootfs"] = True
                self.base = fd
                return None
            os.close(fd)
        self.base = _mount_template(bool(caps.get("setuid")))
        return self.unconfined()

    def staging(self) -> str:
        return os.path.join(str(self.options["staging"]), f".root-{os.getpid()}")

    def unconfined(self) -> None:
        """Guests see the host: keep the venv's scripts first on their PATH, as before."""
        bin_dir = os.path.dirname(os.path.abspath(sys.executable))
        if not os.environ.get("PATH", "").startswith(bin_dir + ":"):
            os.environ["PATH"] = f"{bin_dir}:{os.environ.get('PATH', '')}"

    def fd(self, key: Any) -> int:
        """The template for ``key`` = ``[packages, extra commands]`` (empty: the base one;
        without the minimal root, guests see the host anyway: the host tree)."""
        if not key or not self.rootfs or not any(key):
            return self.base
        packages, commands = (tuple(sorted(map(str, part))) for part in key)
        variant = (packages, commands)
        if variant not in self.variants:
            fd, _, error = make_template(self.staging(), self.options, list(packages),
                                         self.commands + list(commands))
            if fd < 0:
                raise OSError(f"could not build a root with packages {list(packages)} and "
                              f"commands {list(commands)}: {error}")
            if len(self.variants) >= self.MAX_VARIANTS:
                os.close(self.variants.pop(next(iter(self.variants))))
            self.variants[variant] = fd
        return self.variants[variant]


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
                # Guests need no cgroup hierarchy (and should not see it); every mount left
                # out of the template is one less for each run to copy and tear down.
                _umount_detach("/sys/fs/cgroup")
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
                "pidns_reuse": False, "setuid": False, "seccomp": False}
        try:
            os.close(r)
            caps["seccomp"] = _probe_seccomp()
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


def _confine_kernel_state(options: dict[str, Any], caps: dict[str, bool]) -> bool:
    """Empty the slot uids' keyrings, then put the zygote itself under the guest filter:
    every guest inherits it at no cost per run (the zygote needs neither keyrings nor user
    namespaces). Returns whether the filter is in force."""
    if caps.get("setuid"):
        for slot in range(int(options.get("workers", 1))):
            pid = os.fork()
            if pid == 0:
                try:
                    uid = int(options["uid_base"]) + slot
                    os.setgroups([])
                    os.setgid(uid)
                    os.setuid(uid)
                    clear_user_keyrings(_libc())
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
    flt = guest_filter()
    if flt is None:
        return False
    if os.geteuid() != 0 and _prctl(_PR_SET_NO_NEW_PRIVS, 1) != 0:
        return False
    return flt.install(_libc()) == 0


def _probe_seccomp() -> bool:
    """Does the guest filter install here, and does it stop a user namespace?"""
    flt = guest_filter()
    if flt is None or not sys.platform.startswith("linux"):
        return False
    pid = os.fork()
    if pid == 0:
        try:
            ok = (_prctl(_PR_SET_NO_NEW_PRIVS, 1) == 0 and flt.install(_libc()) == 0
                  and _unshare(_CLONE_NEWUSER) == 1)   # EPERM from the filter
        except BaseException:  # noqa: BLE001
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


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



def _monitor_main(cfg: dict[str, Any], fds: list[int], cgroups: SlotCgroups | None,
                  oom_before: int) -> None:
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
              "timed_out": state["timed_out"], "killed": state["killed"],
              "oom": cgroups is not None and cgroups.oom_kills(int(cfg["slot"])) > oom_before}
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
