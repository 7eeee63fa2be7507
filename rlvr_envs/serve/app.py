"""The HTTP app of `rlvr serve` (FastAPI on uvicorn); docs/serving.md documents the API.

Every env call (make, reset, step, close) and the JSON encoding of its result run in a
worker thread, so a slow env (a sandbox, a simulator) holds only its own session; the event
loop only parses requests and sends bytes. Needs the `serve` extra:
`pip install 'rlvr-envs[serve]'`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

try:
    import anyio
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import Response
    from pydantic import BaseModel, Field
except ImportError as e:  # pragma: no cover - depends on the install
    raise ImportError(f"rlvr serve needs FastAPI and uvicorn ({e.name} is missing): "
                      "pip install 'rlvr-envs[serve]'") from None

import gymnasium as gym

from .sessions import ServeError, SessionPool, env_description
from .wire import API_VERSION, dumps

log = logging.getLogger("rlvr_envs.serve")

DEFAULT_MAX_REQUEST_BYTES = 1 << 20  # 1 MiB: 30x the default action limit of 32,768 chars
DEFAULT_THREADS = 32


class CreateRequest(BaseModel):
    env_id: str = Field(description="a served env id (GET /envs lists them)")
    kwargs: dict[str, Any] = Field(default_factory=dict,
                                   description="env kwargs a client may set (GET /envs)")


class ResetRequest(BaseModel):
    seed: int | None = Field(default=None, description="the episode's seed")
    options: dict[str, Any] | None = Field(default=None,
                                           description="task_id, difficulty or task")


class StepRequest(BaseModel):
    action: str = Field(description="the agent's whole assistant message as text")


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(value), status_code=status, media_type="application/json",
                    headers=headers)


def _error(status: int, message: str, retry_after: int | None = None) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return _json({"detail": message}, status, headers)


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` gets 413 before the app reads it."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send, declared.decode("latin-1")[:20])
            return
        chunks, size, more = [], 0, True
        while more:  # read it all here (bounded), then hand the app a replay of it
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_bytes:
                await self._refuse(send, f"more than {size}")
                return
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Callable, size: str) -> None:
        response = _error(413, f"request body of {size} bytes is over the server's limit of "
                               f"{self.max_bytes} (--max-request-bytes); send a shorter action")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()]
                    + [(b"connection", b"close")]})
        await send({"type": "http.response.body", "body": response.body})


def create_app(pool: SessionPool, *, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
               threads: int = DEFAULT_THREADS, reap_interval_s: float | None = None) -> Any:
    """The ASGI app serving `pool`'s envs (wrapped in the request-size limit)."""
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    interval = reap_interval_s or max(0.05, min(pool.idle_timeout_s / 4, 10.0))
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        state["limiter"] = anyio.CapacityLimiter(threads)
        reaper = asyncio.create_task(_reap(pool, interval, state["limiter"]))
        try:
            yield
        finally:
            reaper.cancel()
            await anyio.to_thread.run_sync(pool.close_all)

    app = FastAPI(title="rlvr serve", version=str(API_VERSION), lifespan=lifespan,
                  description="reset/step/close of rlvr envs over HTTP; see docs/serving.md")

    async def off_loop(fn: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(fn, *args, limiter=state["limiter"])

    async def env_call(session_id: str, fn: Callable[[gym.Env], Any], what: str) -> Response:
        def run() -> bytes:
            return dumps(pool.call(session_id, fn))
        try:
            return Response(await off_loop(run), media_type="application/json")
        except ServeError:
            raise
        except Exception as e:  # noqa: BLE001 - a bad request, or the env's bug: either
            # way one answer to this call, and the other sessions go on
            if isinstance(e, gym.error.ResetNeeded) or (what == "reset" and isinstance(
                    e, (ValueError, KeyError, TypeError, gym.error.Error))):
                raise ServeError(400, f"{what} refused: {type(e).__name__}: {e}"[:2000]) from e
            raise _env_failure(session_id, what, e) from e

    @app.exception_handler(ServeError)
    async def _serve_error(_request: Request, e: ServeError) -> Response:
        return _error(e.status, e.message, e.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request: Request, e: RequestValidationError) -> Response:
        parts = []
        for err in e.errors()[:3]:
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(422, "bad request: " + "; ".join(parts) + " (see docs/serving.md)")

    @app.get("/health")
    async def health() -> Response:
        return _json({"status": "ok", "api_version": API_VERSION, "sessions": len(pool),
                      "max_sessions": pool.max_sessions, "max_request_bytes": max_request_bytes,
                      "idle_timeout_s": pool.idle_timeout_s})

    @app.get("/envs")
    async def envs() -> Response:
        return _json({"envs": pool.descriptions})

    @app.post("/sessions", status_code=201)
    async def create_session(req: CreateRequest) -> Response:
        def make() -> dict[str, Any]:
            session = pool.create(req.env_id, req.kwargs)
            return {"session_id": session.id, "api_version": API_VERSION,
                    "idle_timeout_s": pool.idle_timeout_s,
                    "max_request_bytes": max_request_bytes,
                    "env": {**pool.descriptions.get(req.env_id, {}),
                            **env_description(session.env, req.env_id)}}
        return _json(await off_loop(make), 201)

    @app.post("/sessions/{session_id}/reset")
    async def reset(session_id: str, req: ResetRequest) -> Response:
        def fn(env: gym.Env) -> dict[str, Any]:
            obs, info = env.reset(seed=req.seed, options=req.options)
            return {"observation": obs, "info": info}
        return await env_call(session_id, fn, "reset")

    @app.post("/sessions/{session_id}/step")
    async def step(session_id: str, req: StepRequest) -> Response:
        def fn(env: gym.Env) -> dict[str, Any]:
            obs, reward, terminated, truncated, info = env.step(req.action)
            return {"observation": obs, "reward": float(reward), "terminated": bool(terminated),
                    "truncated": bool(truncated), "info": info}
        return await env_call(session_id, fn, "step")

    @app.post("/sessions/{session_id}/oracle_action")
    async def oracle_action(session_id: str) -> Response:
        if not pool.oracle:
            raise ServeError(403, "this server does not reveal oracle actions (they hold the "
                                  "answers); start it with --oracle for tests and benchmarks")

        def fn(env: gym.Env) -> dict[str, Any]:
            try:
                return {"action": env.unwrapped.oracle_action()}
            except NotImplementedError as e:
                raise ServeError(404, f"{pool.get(session_id).env_id} has no oracle: {e}") from e
        return await env_call(session_id, fn, "oracle_action")

    @app.delete("/sessions/{session_id}")
    async def close_session(session_id: str) -> Response:
        await off_loop(pool.close, session_id)
        return _json({"closed": session_id})

    return BodyLimit(app, max_request_bytes)


def _env_failure(session_id: str, what: str, e: BaseException) -> ServeError:
    log.exception("session %s: %s raised", session_id, what, exc_info=e)
    return ServeError(500, f"the env raised in {what}: {type(e).__name__}: {e}"[:2000])


async def _reap(pool: SessionPool, interval: float, limiter: Any) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            expired = await anyio.to_thread.run_sync(pool.expire_idle, limiter=limiter)
        except Exception:  # noqa: BLE001 - the reaper must outlive one bad close
            log.exception("expiring idle sessions failed")
            continue
        if expired:
            log.info("expired %d idle session(s)", len(expired))


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port` (port 0: an ephemeral one); one line on failure."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto given explicitly: asyncio sets TCP_NODELAY only on IPPROTO_TCP sockets, and
    # without it each response waits ~40 ms on Nagle and the client's delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e}; pick another "
                      "--port (0 picks a free one) or --host") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(app: Any, *, log_level: str = "warning", max_connections: int | None = None,
                keep_alive_s: float = 75.0) -> Any:
    """A uvicorn server for `app`; `max_connections` beyond get 503 from uvicorn."""
    config = uvicorn.Config(app, log_level=log_level, timeout_keep_alive=int(keep_alive_s),
                            limit_concurrency=max_connections, lifespan="on",
                            access_log=log_level in ("debug", "info"))
    return uvicorn.Server(config)


class BackgroundServer:
    """`rlvr serve` in a thread of this process (tests, notebooks, benchmarks)::

        with BackgroundServer(SessionPool(["rlvr/Math-v0"])) as server:
            env = gym.make("rlvr/Remote-v0", url=server.url, env_id="rlvr/Math-v0")
    """

    def __init__(self, pool: SessionPool, *, host: str = "127.0.0.1", port: int = 0,
                 max_connections: int | None = None, log_level: str = "warning",
                 **app_kwargs: Any) -> None:
        if not pool.descriptions:
            pool.probe()
        self.pool = pool
        app = create_app(pool, **app_kwargs)
        self.sock = bind_socket(host, port)
        self.url = url_of(self.sock)
        self.server = make_server(app, max_connections=max_connections, log_level=log_level)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="rlvr-serve", daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the server thread stopped before it started (see its log)")
            self.thread.join(0.01)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


__all__ = ["BackgroundServer", "CreateRequest", "ResetRequest", "StepRequest", "bind_socket",
           "create_app", "make_server", "url_of"]
