"""Hard time limits for pure-Python work (sympy, parsers) that may blow up on hostile input.

Why not `signal.alarm`: it only works in the main thread of the main interpreter, so a
verifier called from a trainer's thread pool (TRL, Ray actors, our collector) would run
unbounded; and a C-level loop inside sympy/gmpy ignores Python signals anyway. The only
limit that always holds is a separate process that can be killed.

`BoundedExecutor` keeps a small pool of persistent worker processes, each a fresh
`python -c ...` started with subprocess and talking over its stdin/stdout pipes (fork+exec is
safe from a multi-threaded parent, and unlike multiprocessing's spawn/forkserver it never
re-imports the caller's `__main__`, so scripts without a main guard work).
`call(fn, *args, timeout=...)` runs a picklable function in a free worker; on timeout that
worker is killed (SIGKILL), a replacement starts in the background, and `BoundedTimeout` is
raised. A worker that dies (segfault, hard exit) gives `BoundedCrash`; an exception raised
by `fn` (MemoryError under the worker's RLIMIT_AS included) is re-raised in the caller.

Workers never outlive the parent: each one blocks reading its stdin and exits when the pipe
closes (parent gone, even after SIGKILL), and an `atexit` hook kills the pool on normal exit.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["BoundedCrash", "BoundedExecutor", "BoundedTimeout", "default_executor", "run_bounded"]


class BoundedTimeout(TimeoutError):
    """The call did not finish within its time limit; its worker was killed."""


class BoundedCrash(RuntimeError):
    """The worker died while running the call (segfault, hard exit, killed from outside)."""


def _worker_main() -> None:
    """Entry point of a worker process (`python -c` runs it; stdin/stdout are the pipe)."""
    import signal

    # Ctrl-C in the terminal reaches the whole process group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the original stdout; prints from `fn` go to stderr instead.
    out_fd = os.dup(1)
    os.dup2(2, 1)
    conn_in = Connection(0, writable=False)
    conn_out = Connection(out_fd, readable=False)
    memory_limit = int(os.environ.get("RLVR_BOUNDED_MEMORY", "0") or 0)
    if memory_limit:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):  # pragma: no cover - platform dependent
            pass
    for name in filter(None, os.environ.get("RLVR_BOUNDED_PRELOAD", "").split(",")):
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - preloading is only an optimisation
            pass
    conn_out.send(("ready", None))
    while True:
        try:
            payload = conn_in.recv_bytes()
        except (EOFError, OSError):
            # The parent closed its end or died: nobody can use our result, so leave.
            os._exit(0)
        try:
            fn, args = pickle.loads(payload)
            result: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            result = ("err", exc)
        try:
            conn_out.send(result)
        except (EOFError, OSError):
            os._exit(0)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result or exception
            conn_out.send(("err", RuntimeError(f"result could not be sent back: {exc!r}")))


class _Worker:
    def __init__(self, memory_limit: int | None, preload: Sequence[str]) -> None:
        env = dict(os.environ)
        # The child must find the same modules (ours and the caller's) to unpickle `fn`.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        env["RLVR_BOUNDED_MEMORY"] = str(memory_limit or 0)
        env["RLVR_BOUNDED_PRELOAD"] = ",".join(preload)
        self.proc = subprocess.Popen(
            [sys.executable, "-c",
             "from rlvr_envs.core.bounded import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.send_conn = Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.conn = Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if self.ready:
            return True
        try:
            if self.conn.poll(timeout):
                tag, _ = self.conn.recv()
                self.ready = tag == "ready"
        except (EOFError, OSError):
            return False
        return self.ready

    def send(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.send_conn.send_bytes(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))

    def kill(self) -> None:
        for conn in (self.send_conn, self.conn):
            try:
                conn.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)  # reap it: no zombies
        except subprocess.TimeoutExpired:  # pragma: no cover - a process stuck in the kernel
            pass


class BoundedExecutor:
    """A pool of `max_workers` persistent processes running calls under a hard time limit.

    Thread-safe: concurrent callers each get their own worker; when all are busy, a caller
    waits for one (that wait counts against its `timeout`, so the whole call is bounded).
    `memory_limit` (bytes, default 2 GiB; None for no limit) is applied with RLIMIT_AS in
    each worker so a blow-up raises MemoryError there instead of eating the machine.
    `preload` names modules each worker imports before it reports ready. Waiting for a
    worker to start (about 1 s with sympy) is not charged to `timeout`; it is bounded by
    `startup_timeout`. Killed workers are replaced at once, in the background.
    """

    def __init__(
        self,
        max_workers: int = 2,
        *,
        memory_limit: int | None = 2 * 1024**3,
        preload: Sequence[str] = (),
        startup_timeout: float = 60.0,
    ) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers}")
        self.max_workers = max_workers
        self.memory_limit = memory_limit
        self.preload = tuple(preload)
        self.startup_timeout = startup_timeout
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0  # workers alive (idle + busy)
        self._closed = False
        ref = weakref.ref(self)  # the exit hook must not keep the executor alive

        def _at_exit() -> None:
            ex = ref()
            if ex is not None:
                ex.shutdown()

        atexit.register(_at_exit)

    # -- pool bookkeeping -------------------------------------------------------------
    def _acquire(self, deadline: float) -> _Worker | None:
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("BoundedExecutor is shut down")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.max_workers:
                    self._count += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._lock.wait(remaining)
        try:
            return _Worker(self.memory_limit, self.preload)
        except BaseException:
            self._forget()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed:
                worker.kill()
                self._count -= 1
            else:
                self._idle.append(worker)
            self._lock.notify()

    def _discard(self, worker: _Worker) -> None:
        """Kill `worker` and start its replacement now, so the next call finds it warm."""
        worker.kill()
        with self._lock:
            if not self._closed:
                try:
                    self._idle.insert(0, _Worker(self.memory_limit, self.preload))
                    self._lock.notify()
                    return
                except OSError:
                    pass
            self._count -= 1
            self._lock.notify()

    def _forget(self) -> None:
        with self._lock:
            self._count -= 1
            self._lock.notify()

    # -- public API -------------------------------------------------------------------
    def call(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """Run `fn(*args)` in a worker and return its result.

        Raises `BoundedTimeout` when it takes longer than `timeout` seconds (waiting for a
        free worker included; worker start-up excluded), `BoundedCrash` when the worker
        dies, and re-raises any exception `fn` raised. `fn`, `args` and the result must be
        picklable (`fn` a module-level function).
        """
        deadline = time.monotonic() + max(0.0, timeout)
        worker = self._acquire(deadline)
        if worker is None:
            raise BoundedTimeout(f"no free worker within {timeout:.2f}s")
        if not worker.ready:
            t0 = time.monotonic()
            if not worker.wait_ready(self.startup_timeout):
                code = worker.proc.poll()
                worker.kill()
                self._forget()
                raise BoundedCrash(f"worker process failed to start (exit code {code})")
            deadline += time.monotonic() - t0  # our start-up, not the call's work
        try:
            worker.send(fn, args)
            finished = worker.conn.poll(max(0.0, deadline - time.monotonic()))
            if finished:
                tag, value = worker.conn.recv()
        except (EOFError, OSError) as exc:
            code = worker.proc.poll()
            self._discard(worker)
            raise BoundedCrash(f"worker died (exit code {code})") from exc
        except BaseException:
            # Pickling errors on send, KeyboardInterrupt while waiting: the worker's state
            # is unknown, so it is not reused.
            self._discard(worker)
            raise
        if not finished:
            self._discard(worker)
            raise BoundedTimeout(f"call did not finish within {timeout:.2f}s")
        self._release(worker)
        if tag == "err":
            raise value
        return value

    def shutdown(self) -> None:
        """Kill every idle worker (busy ones die when their call returns); later calls
        raise RuntimeError."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._lock.notify_all()
        for worker in idle:
            worker.kill()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> BoundedExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


_default: BoundedExecutor | None = None
_default_lock = threading.Lock()


def default_executor() -> BoundedExecutor:
    """The process-wide shared executor (2 workers, 2 GiB each), created on first use."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = BoundedExecutor(2)
        return _default


def run_bounded(fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
    """`default_executor().call(fn, *args, timeout=timeout)`: run `fn(*args)` in a worker
    process, killed after `timeout` seconds (raises `BoundedTimeout`)."""
    return default_executor().call(fn, *args, timeout=timeout)
