"""Env workers on Ray: envs live in Ray actors, the collector drives them through proxies.

    from agents.collector import EpisodeCollector
    from agents.ray_envs import RayEnvPool, ray_session
    with ray_session("local"), RayEnvPool(["rlvr/Code-v0", "rlvr/Math-v0"], workers=2) as pool:
        collector = EpisodeCollector(pool.factories(), policy)   # nothing else changes

Each `EnvWorker` actor holds a set of env instances and runs their `reset`/`step` (hence the
verification: sandboxes, simulators, answer checkers) in its own process, on whatever node
Ray placed it by its `num_cpus`. Envs are created on the worker from an env id and kwargs (or
a picklable zero-argument factory); only observations, infos and verdicts cross the boundary.
`RemoteEnv` is the proxy the collector sees: `reset`, `step`, `close` and `unwrapped` (so the
oracle's `env.unwrapped.oracle_action()` runs where the env is).

Faults: a worker that dies, or does not answer one call within `call_timeout_s` (then it is
killed: an actor runs one call at a time, so a hung one would stall every env on it), makes
the call raise `EnvUnavailable`; the collector records that episode as an infra error and
plays it again from reset with the same seed (the same task) on a live worker, up to its
`env_retries`. A lost worker is replaced by a fresh one, up to `max_restarts` in all.

Placement: `workers=N` starts N shared actors, each hosting every env kind and reserving
`num_cpus` (default: the largest `ENV_CPUS` entry of the kinds it hosts);
`workers={"rlvr/Code-v0": 6, "rlvr/Math-v0": 1}` dedicates actors per env kind, each with
that kind's `ENV_CPUS`, so a cluster is sized per kind (docs/scaling.md).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .collector import EnvFactory, EnvUnavailable

# CPUs one env worker actor reserves, per env kind. An actor runs one call at a time, and
# every kind's verification (sandboxed tests, an iverilog simulation, a sympy check, a
# world-state check) is one process busy on one core at a time (benchmarks/ray_collector.py
# measures the CPU seconds per episode that size a cluster; docs/scaling.md).
ENV_CPUS: dict[str, float] = {
    "rlvr/Math-v0": 1.0,
    "rlvr/Code-v0": 1.0,
    "rlvr/Verilog-v0": 1.0,
    "rlvr/ToolUse-v0": 1.0,
    "rlvr/Ecommerce-v0": 1.0,
    "rlvr/KGMultiHop-v0": 1.0,
}
DEFAULT_CPUS = 1.0
SHARED = "*"  # the group name of actors that host every env kind


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError("env workers on Ray need the `ray` extra: pip install "
                          "'rlvr-envs[ray]' (or pip install 'ray>=2.40')") from None
    return ray


@dataclass(frozen=True)
class RayOptions:
    """Where env workers run (`rlvr bench --ray ...`): `address` is `"local"` or a cluster
    address; the rest are `RayEnvPool` arguments."""

    address: str = "local"
    workers: int | dict[str, int] = 2
    num_cpus: float | None = None
    call_timeout_s: float = 600.0

    @contextlib.contextmanager
    def pool(self, envs: Iterable[str | tuple[str, EnvFactory]],
             env_kwargs: dict[str, Any] | None) -> Iterator[RayEnvPool]:
        """Connect (`ray_session`), start the workers, and end both afterwards."""
        with ray_session(self.address), RayEnvPool(
                envs, env_kwargs=env_kwargs, workers=self.workers, num_cpus=self.num_cpus,
                call_timeout_s=self.call_timeout_s) as pool:
            yield pool


def parse_workers(text: str) -> int | dict[str, int]:
    """`"4"` (shared workers) or `"rlvr/Code-v0=6,rlvr/Math-v0=1"` (workers per env)."""
    try:
        if "=" not in text:
            return int(text)
        return {k.strip(): int(v) for k, _, v in (p.partition("=") for p in text.split(",") if p)}
    except ValueError:
        raise ValueError(f"--ray-workers takes N or ENV=N,ENV=N, got {text!r}") from None


@contextlib.contextmanager
def ray_session(address: str | None) -> Iterator[None]:
    """Connect to Ray for the duration: `"local"` starts a local instance (no dashboard),
    anything else joins that cluster (`ray.init(address=...)`, e.g. `"auto"` or
    `"10.0.0.1:6379"`); `None` or an already connected driver leaves Ray as it is."""
    if address is None:
        yield
        return
    ray = _import_ray()
    if ray.is_initialized():
        yield
        return
    if address == "local":  # a new instance even if `ray start` left one to join on this node
        ray.init(address="local", include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=address, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


class EnvWorker:
    """The actor class (wrapped with `ray.remote` by `RayEnvPool`): env instances by handle.

    `specs` maps env labels to an env id (made with `gym.make(id, **kwargs)`) or a factory."""

    def __init__(self, specs: dict[str, tuple[str | EnvFactory, dict[str, Any]]]) -> None:
        import rlvr_envs  # noqa: F401  (registers the rlvr envs in this process)
        self.specs = specs
        self.envs: dict[int, Any] = {}
        self.next_handle = 0

    def ping(self) -> int:
        import os
        return os.getpid()

    def make(self, label: str) -> int:
        target, kwargs = self.specs[label]
        if isinstance(target, str):
            import gymnasium as gym
            env = gym.make(target, **kwargs)
        else:
            env = target()
        self.next_handle += 1
        self.envs[self.next_handle] = env
        return self.next_handle

    def reset(self, handle: int, seed: int | None, options: dict[str, Any] | None) -> Any:
        return self.envs[handle].reset(seed=seed, options=options)

    def step(self, handle: int, action: Any) -> Any:
        return self.envs[handle].step(action)

    def attribute(self, handle: int, name: str) -> tuple[bool, Any]:
        """`(True, None)` for a method of `env.unwrapped` (not sent: it holds the env), else
        `(False, value)`."""
        value = getattr(self.envs[handle].unwrapped, name)
        return (True, None) if callable(value) else (False, value)

    def call_method(self, handle: int, name: str, args: tuple, kwargs: dict) -> Any:
        return getattr(self.envs[handle].unwrapped, name)(*args, **kwargs)

    def release(self, handle: int) -> None:
        env = self.envs.pop(handle, None)
        if env is not None:
            env.close()

    def shutdown(self) -> None:
        """Close every env and the shared sandbox (a kill skips atexit handlers)."""
        for handle in list(self.envs):
            with contextlib.suppress(Exception):
                self.release(handle)
        from rlvr_envs.core import sandbox
        if sandbox._default is not None:
            sandbox._default.close()


@dataclass
class _Worker:
    actor: Any
    group: str
    index: int
    envs: int = 0        # live RemoteEnvs bound to it (placement: least loaded first)
    dead: str | None = None
    ready: bool = False  # answered a ping: its start-up no longer counts against a call


class RayEnvPool:
    """Env worker actors and the factories that make `RemoteEnv`s on them (module docstring).

    `envs`: env ids, `(label, factory)` pairs or a `{label: factory}` dict (factories must be
    picklable and are called on the worker); `env_kwargs` go to `gym.make` for ids.
    `workers`: shared actors (int) or actors per env label (dict). `num_cpus` overrides
    `ENV_CPUS`. `call_timeout_s` bounds one reset/step (queueing on the actor included).
    `max_restarts` caps replacements of lost workers (default: twice the worker count).
    Needs a connected Ray driver (`ray_session`).
    """

    def __init__(self, envs: Iterable[str | tuple[str, EnvFactory]] | dict[str, EnvFactory], *,
                 env_kwargs: dict[str, Any] | None = None, workers: int | dict[str, int] = 2,
                 num_cpus: float | None = None, call_timeout_s: float = 600.0,
                 max_restarts: int | None = None, start_timeout_s: float = 120.0) -> None:
        ray = _import_ray()
        if not ray.is_initialized():
            raise RuntimeError("RayEnvPool needs a Ray driver: call ray.init() or use "
                               "agents.ray_envs.ray_session('local' | ADDRESS) first")
        items = envs.items() if isinstance(envs, dict) else (
            (e, e) if isinstance(e, str) else e for e in envs)
        self.specs = {label: (target, dict(env_kwargs or {}) if isinstance(target, str) else {})
                      for label, target in items}
        if not self.specs:
            raise ValueError("no envs given")
        if isinstance(workers, int):
            if workers < 1:
                raise ValueError(f"workers must be >= 1, got {workers}")
            counts = {SHARED: workers}
            self.group_of = dict.fromkeys(self.specs, SHARED)
        else:
            missing = set(self.specs) - set(workers)
            unknown = set(workers) - set(self.specs)
            if missing or unknown or min(workers.values()) < 1:
                raise ValueError(f"workers per env must name each env once with a count >= 1 "
                                 f"(envs {sorted(self.specs)}, got {workers})")
            counts = dict(workers)
            self.group_of = {label: label for label in self.specs}
        if call_timeout_s <= 0:
            raise ValueError(f"call_timeout_s must be > 0, got {call_timeout_s}")
        self.call_timeout_s = float(call_timeout_s)
        self.cpus = {g: float(num_cpus) if num_cpus is not None else
                     max(ENV_CPUS.get(str(t), DEFAULT_CPUS) for lab, (t, _) in self.specs.items()
                         if self.group_of[lab] == g) for g in counts}
        need = sum(self.cpus[g] * n for g, n in counts.items())
        have = ray.cluster_resources().get("CPU", 0.0)
        if need > have:
            raise ValueError(f"{sum(counts.values())} env workers reserve {need:g} CPUs but the "
                             f"Ray cluster has {have:g}: use fewer workers, a smaller num_cpus "
                             "(--ray-cpus), or a bigger cluster")
        self.max_restarts = 2 * sum(counts.values()) if max_restarts is None else max_restarts
        self.restarts = 0
        self.lost: list[str] = []  # why each lost worker was given up
        self.methods: set[tuple[str, str]] = set()  # (label, name) of env.unwrapped methods
        self._lock = threading.Lock()
        self._actor_cls = ray.remote(EnvWorker)
        self._next_index = 0
        self.workers: list[_Worker] = [self._start(g) for g, n in counts.items()
                                       for _ in range(n)]
        self.start_timeout_s = float(start_timeout_s)
        try:
            ray.get([w.actor.ping.remote() for w in self.workers], timeout=start_timeout_s)
            for w in self.workers:
                w.ready = True
        except ray.exceptions.GetTimeoutError:
            self.close()
            raise RuntimeError(f"env workers did not start within {start_timeout_s:g}s "
                               "(not enough free CPUs on the cluster?)") from None
        except ray.exceptions.RayError as e:  # e.g. rlvr_envs missing on a node
            self.close()
            raise RuntimeError(f"an env worker failed to start: {str(e).splitlines()[0][:300]} "
                               "(install the same rlvr-envs on every node)") from None

    def _start(self, group: str) -> _Worker:
        specs = {lab: s for lab, s in self.specs.items() if group in (SHARED, lab)}
        actor = self._actor_cls.options(num_cpus=self.cpus[group]).remote(specs)
        self._next_index += 1
        return _Worker(actor, group, self._next_index - 1)

    # ---- placement and faults --------------------------------------------------------------

    def factories(self) -> dict[str, EnvFactory]:
        """`{label: factory}` for `EpisodeCollector`: each call makes one `RemoteEnv`."""
        return {label: (lambda label=label: self.make(label)) for label in self.specs}

    def make(self, label: str) -> RemoteEnv:
        """A new env of kind `label` on the least loaded live worker of its group."""
        worker = self._pick(label)
        handle = self.call(worker, "make", label)
        return RemoteEnv(self, worker, handle, label)

    def _pick(self, label: str) -> _Worker:
        group = self.group_of[label]
        with self._lock:
            live = [w for w in self.workers if w.group == group and w.dead is None]
            if not live:
                raise EnvUnavailable(f"no live env worker for {label}: all {self.restarts} "
                                     f"restarts (max_restarts) used; last loss: "
                                     f"{self.lost[-1] if self.lost else '-'}")
            worker = min(live, key=lambda w: (w.envs, w.index))
            worker.envs += 1
            return worker

    def call(self, worker: _Worker, method: str, *args: Any) -> Any:
        """`worker.method(*args)`, waiting at most `call_timeout_s`; an error the env raised
        is raised as is, a dead or silent worker as `EnvUnavailable`."""
        ray = _import_ray()
        if worker.dead is not None:
            raise EnvUnavailable(f"env worker {worker.index} was lost: {worker.dead}")
        try:
            if not worker.ready:  # a replacement starting up (seconds): not a hang
                why = f"did not start within start_timeout_s={self.start_timeout_s:g}s"
                ray.get(worker.actor.ping.remote(), timeout=self.start_timeout_s)
                worker.ready = True
            why = f"no answer to {method} within call_timeout_s={self.call_timeout_s:g}s"
            ref = getattr(worker.actor, method).remote(*args)
            return ray.get(ref, timeout=self.call_timeout_s)
        except ray.exceptions.RayTaskError as e:  # the env itself raised: not a fault
            raise (e.cause if isinstance(e.cause, BaseException) else e) from None
        except ray.exceptions.GetTimeoutError:
            pass
        except ray.exceptions.RayError as e:
            why = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        self._lose(worker, why)
        raise EnvUnavailable(f"env worker {worker.index} lost during {method}: {why}")

    def _lose(self, worker: _Worker, why: str) -> None:
        ray = _import_ray()
        with self._lock:
            if worker.dead is not None:
                return
            worker.dead = why
            self.lost.append(f"worker {worker.index}: {why}")
            if self.restarts < self.max_restarts:  # keep the group's size
                self.restarts += 1
                self.workers.append(self._start(worker.group))
        with contextlib.suppress(Exception):  # a hung actor must not stall its other envs
            ray.kill(worker.actor, no_restart=True)

    def close(self) -> None:
        """Close every env on every live worker, then end the actors."""
        ray = _import_ray()
        live = [w for w in self.workers if w.dead is None]
        with contextlib.suppress(Exception):
            ray.get([w.actor.shutdown.remote() for w in live], timeout=60)
        for w in live:
            with contextlib.suppress(Exception):
                ray.kill(w.actor, no_restart=True)
            w.dead = "closed"

    def __enter__(self) -> RayEnvPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RemoteEnv:
    """A proxy of one env on an env worker, with the `gym.Env` calls the collector makes."""

    def __init__(self, pool: RayEnvPool, worker: _Worker, handle: int, label: str) -> None:
        self.pool, self.worker, self.handle, self.label = pool, worker, handle, label
        self.unwrapped = _RemoteAttributes(self)

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        if self.worker.dead is not None:  # a reset starts afresh: move to a live worker
            fresh = self.pool.make(self.label)
            self._unbind()
            self.worker, self.handle = fresh.worker, fresh.handle
        return self.pool.call(self.worker, "reset", self.handle, seed, options)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        return self.pool.call(self.worker, "step", self.handle, action)

    def close(self) -> None:
        if self.worker.dead is None:
            with contextlib.suppress(Exception):
                self.pool.call(self.worker, "release", self.handle)
        self._unbind()

    def _unbind(self) -> None:
        with self.pool._lock:
            self.worker.envs = max(0, self.worker.envs - 1)

    def __repr__(self) -> str:
        return f"RemoteEnv({self.label!r}, worker={self.worker.index}, handle={self.handle})"


class _RemoteAttributes:
    """`env.unwrapped` of a `RemoteEnv`: attributes are read, and methods called, remotely."""

    def __init__(self, env: RemoteEnv) -> None:
        self._env = env

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        env = self._env
        if (env.label, name) not in env.pool.methods:  # a method stays one: ask once
            is_method, value = env.pool.call(env.worker, "attribute", env.handle, name)
            if not is_method:
                return value
            env.pool.methods.add((env.label, name))

        def method(*args: Any, **kwargs: Any) -> Any:
            return env.pool.call(env.worker, "call_method", env.handle, name, args, kwargs)
        return method
