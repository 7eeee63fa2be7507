"""The sessions of `rlvr serve`: one env instance each, a limit, idle expiry.

`SessionPool` knows nothing of HTTP: it raises `ServeError` with the status code and a
one-line message, and the app turns that into the response. Every env call takes the
session's lock without waiting (a second concurrent call on one session is refused with 409,
so it never ties up a worker thread), and a busy session is never expired.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

# Env kwargs a client may set per session (others are fixed when the server starts: a kwarg
# such as `tasks=PATH` would let any client read the server's files).
DEFAULT_CLIENT_KWARGS: tuple[str, ...] = ("difficulty", "max_turns", "task_seed", "tool_format")


class ServeError(Exception):
    """A request the server refuses: `status` is the HTTP code, the message says why."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass
class Session:
    id: str
    env_id: str
    env: gym.Env
    created: float
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: int = 0


def env_description(env: gym.Env, env_id: str) -> dict[str, Any]:
    """What a client needs to mirror `env` locally: spaces, turn limits, chance level."""
    base = env.unwrapped
    fmt = getattr(base, "tool_format", None)
    levels = getattr(getattr(base, "task_source", None), "difficulties", None)
    spaces = {}
    for name in ("observation", "action"):
        space = getattr(env, f"{name}_space")
        spaces[name] = {"type": type(space).__name__,
                        "min_length": int(getattr(space, "min_length", 0)),
                        "max_length": int(getattr(space, "max_length", 0))}
    return {
        "env_id": env_id,
        "domain": str(getattr(base, "domain", "")),
        "spaces": spaces,
        "default_max_turns": int(getattr(base, "default_max_turns", 1)),
        "max_turns": int(getattr(base, "max_turns", getattr(base, "default_max_turns", 1))),
        "chance_level": float(getattr(base, "chance_level", 0.0)),
        "tool_format": None if fmt is None else str(getattr(fmt, "name", fmt)),
        "difficulties": sorted(int(d) for d in levels) if levels else None,
        "nondeterministic": bool(env.spec.nondeterministic) if env.spec else False,
        "doc": (type(base).__doc__ or "").strip().split("\n", 1)[0],
    }


class SessionPool:
    """Sessions of the served envs, each with its own env instance.

    `env_kwargs[env_id]` are the kwargs every session of that env gets; a client may add
    the kwargs named in `client_kwargs`. `make_env(env_id, kwargs)` builds an instance
    (default: `gym.make`).
    """

    def __init__(self, env_ids: Sequence[str], *, max_sessions: int = 256,
                 idle_timeout_s: float = 600.0,
                 env_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
                 client_kwargs: Sequence[str] = DEFAULT_CLIENT_KWARGS,
                 oracle: bool = False,
                 make_env: Callable[[str, dict[str, Any]], gym.Env] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not env_ids:
            raise ValueError("serve at least one env id, e.g. rlvr/Math-v0")
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {max_sessions}")
        if idle_timeout_s <= 0:
            raise ValueError(f"idle_timeout_s must be positive, got {idle_timeout_s}")
        self.env_ids = list(dict.fromkeys(env_ids))
        self.max_sessions = int(max_sessions)
        self.idle_timeout_s = float(idle_timeout_s)
        self.env_kwargs = {k: dict(v) for k, v in (env_kwargs or {}).items()}
        self.client_kwargs = tuple(client_kwargs)
        self.oracle = bool(oracle)
        self._make = make_env or (lambda env_id, kw: gym.make(env_id, **kw))
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._reserved = 0  # sessions being built: they count against the limit
        self._lock = threading.Lock()
        self.descriptions: dict[str, dict[str, Any]] = {}

    def probe(self) -> None:
        """Build one instance of each env (fail fast on an unknown id or bad kwargs) and
        keep its description for `GET /envs`."""
        for env_id in self.env_ids:
            try:
                env = self._make(env_id, dict(self.env_kwargs.get(env_id, {})))
            except (gym.error.Error, ImportError) as e:
                raise ValueError(f"cannot serve {env_id!r}: {e} (run `rlvr list`; a user env "
                                 "is MODULE:ID, e.g. mymod:my/Env-v0)") from None
            except (TypeError, ValueError) as e:
                raise ValueError(f"cannot make {env_id!r} with --kw "
                                 f"{self.env_kwargs.get(env_id, {})}: {e}") from None
            try:
                self.descriptions[env_id] = {**env_description(env, env_id),
                                             "client_kwargs": list(self.client_kwargs),
                                             "oracle": self.oracle}
            finally:
                env.close()

    # ---- sessions ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._sessions)

    def reserve(self, env_id: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Check a create request and hold a place for it; return the env's kwargs."""
        if env_id not in self.env_ids:
            raise ServeError(404, f"unknown env {env_id!r}: this server serves "
                                  f"{', '.join(self.env_ids)}")
        if not isinstance(kwargs, Mapping):
            raise ServeError(400, "kwargs must be a JSON object")
        refused = sorted(set(kwargs) - set(self.client_kwargs))
        if refused:
            allowed = ", ".join(self.client_kwargs) or "none"
            raise ServeError(400, f"kwargs {refused} are not settable by a client (allowed: "
                                  f"{allowed}; the server's --kw sets the others)")
        self.expire_idle()
        with self._lock:
            if len(self._sessions) + self._reserved >= self.max_sessions:
                raise ServeError(503, f"the server is at its limit of {self.max_sessions} "
                                      "sessions; close finished ones (DELETE /sessions/ID) or "
                                      "retry later", retry_after=max(1, int(
                                          min(self.idle_timeout_s, 30))))
            self._reserved += 1
        return {**self.env_kwargs.get(env_id, {}), **kwargs}

    def create(self, env_id: str, kwargs: Mapping[str, Any]) -> Session:
        """Build a session's env (blocking: call it off the event loop)."""
        merged = self.reserve(env_id, kwargs)
        try:
            env = self._make(env_id, merged)
        except (TypeError, ValueError, gym.error.Error) as e:
            raise ServeError(400, f"cannot make {env_id} with kwargs {kwargs}: "
                                  f"{type(e).__name__}: {e}"[:2000]) from None
        except Exception as e:  # noqa: BLE001 - the env's constructor failed: say so, go on
            raise ServeError(500, f"making {env_id} raised {type(e).__name__}: {e}"[:2000]) \
                from e
        finally:
            with self._lock:
                self._reserved -= 1
        now = self._clock()
        session = Session(secrets.token_hex(16), env_id, env, now, now)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise ServeError(404, f"unknown session {session_id[:64]!r}: it was closed, "
                                  f"or expired after {self.idle_timeout_s:g} s idle; create "
                                  "a new one (POST /sessions)")
        return session

    def call(self, session_id: str, fn: Callable[[gym.Env], Any]) -> Any:
        """Run `fn(env)` on the session's env (blocking: call it off the event loop)."""
        session = self.get(session_id)
        if not session.lock.acquire(blocking=False):
            raise ServeError(409, f"session {session_id} is busy with another call; send "
                                  "one call at a time per session")
        try:
            self.get(session_id)  # closed or expired between the look-up and the lock: 404
            return fn(session.env)
        finally:
            session.calls += 1
            session.last_used = self._clock()
            session.lock.release()

    def close(self, session_id: str) -> None:
        session = self.get(session_id)
        if not session.lock.acquire(blocking=False):
            raise ServeError(409, f"session {session_id} is busy with a call; close it when "
                                  "the call has returned")
        try:
            with self._lock:
                if self._sessions.pop(session_id, None) is None:
                    self.get(session_id)  # expired meanwhile: 404
            _close_env(session)
        finally:
            session.lock.release()

    def expire_idle(self) -> list[str]:
        """Close the sessions idle for longer than the timeout (never a busy one)."""
        now = self._clock()
        expired = []
        with self._lock:
            for sid, s in list(self._sessions.items()):
                if now - s.last_used > self.idle_timeout_s and s.lock.acquire(blocking=False):
                    del self._sessions[sid]
                    expired.append(s)
        for s in expired:
            _close_env(s)
            s.lock.release()
        return [s.id for s in expired]

    def close_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for s in sessions:
            _close_env(s)


def _close_env(session: Session) -> None:
    try:
        session.env.close()
    except Exception:  # noqa: BLE001 - one env failing to close must not stop the others
        pass
