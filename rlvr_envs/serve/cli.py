"""`rlvr serve ENV... --port P`: the envs over HTTP (docs/serving.md)."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from typing import Any

from .sessions import DEFAULT_CLIENT_KWARGS


def add_serve_command(sub: Any) -> None:
    """Add `serve` to the `rlvr` command's subparsers."""
    p = sub.add_parser(
        "serve", help="serve envs over HTTP: reset/step/close per session (docs/serving.md)",
        description="Serve envs over HTTP for agent loops in other processes or frameworks "
        "(verl, OpenRLHF, SkyRL) and for gym.make('rlvr/Remote-v0', url=..., env_id=...). "
        "No authentication: it binds to 127.0.0.1 unless --host says otherwise.")
    p.add_argument("envs", nargs="+", metavar="ENV",
                   help="env ids to serve (comma-separated or repeated; 'all' for every "
                        "rlvr env; MODULE:ID for a user env)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default loopback; anything else is reachable "
                        "without authentication)")
    p.add_argument("--port", type=int, default=8000, help="port (0: a free one, printed)")
    p.add_argument("--max-sessions", type=int, default=256,
                   help="open sessions at most; beyond, creating one gets 503")
    p.add_argument("--idle-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="a session idle this long is closed")
    p.add_argument("--max-request-bytes", type=int, default=1 << 20,
                   help="a larger request body gets 413")
    p.add_argument("--threads", type=int, default=32,
                   help="worker threads running env calls (sessions step concurrently)")
    p.add_argument("--max-connections", type=int, default=None,
                   help="open connections at most; beyond, 503 (default: 2 x --max-sessions "
                        "+ 64)")
    p.add_argument("--kw", action="append", metavar="KEY=VALUE",
                   help="env kwarg for every session (repeatable; a JSON value or a string)")
    p.add_argument("--client-kwargs", default=",".join(DEFAULT_CLIENT_KWARGS),
                   help="comma-separated env kwargs a client may set per session ('' for "
                        "none)")
    p.add_argument("--oracle", action="store_true",
                   help="answer POST /sessions/ID/oracle_action (reveals answers: for tests "
                        "and benchmarks only)")
    p.add_argument("--log-level", default="warning",
                   choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(fn=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import rlvr_envs

    from .sessions import SessionPool
    try:
        from .app import BackgroundServer
    except ImportError as e:
        raise SystemExit(f"rlvr serve: {e}") from None
    env_ids: list[str] = []
    for item in args.envs:
        for env_id in filter(None, (e.strip() for e in item.split(","))):
            env_ids += list(rlvr_envs.ENV_IDS) if env_id == "all" else [env_id]
    from ..cli import parse_kwargs  # the one --kw parser of every command
    kw = parse_kwargs(args.kw)
    try:
        pool = SessionPool(env_ids, max_sessions=args.max_sessions,
                           idle_timeout_s=args.idle_timeout,
                           env_kwargs={e: kw for e in env_ids},
                           client_kwargs=[k for k in args.client_kwargs.split(",") if k],
                           oracle=args.oracle)
        pool.probe()
        server = BackgroundServer(
            pool, host=args.host, port=args.port, log_level=args.log_level,
            max_connections=args.max_connections or 2 * args.max_sessions + 64,
            max_request_bytes=args.max_request_bytes, threads=args.threads)
    except (ValueError, OSError) as e:
        raise SystemExit(f"rlvr serve: {e}") from None
    if not _is_loopback(args.host):
        print(f"rlvr serve: WARNING: bound to {args.host}, with no authentication: anyone who "
              "can reach it can run episodes (and code in the sandboxes)", file=sys.stderr)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # the server runs in a thread: stop it here
        signal.signal(sig, lambda *_: stop.set())
    with server:
        print(f"rlvr serve: {server.url} serving {', '.join(pool.env_ids)} (at most "
              f"{pool.max_sessions} sessions, idle timeout {pool.idle_timeout_s:g} s); "
              "Ctrl-C stops", flush=True)
        while not stop.wait(0.5) and server.thread.is_alive():
            pass
    print("rlvr serve: stopped; every session was closed", file=sys.stderr)
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"
