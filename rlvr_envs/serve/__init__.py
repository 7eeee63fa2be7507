"""Envs over HTTP: `rlvr serve ENV...` (the server) and `rlvr/Remote-v0` (its client env).

The client (`RemoteEnv`) needs only the standard library; the server (`serve.app`) needs the
`serve` extra (FastAPI, uvicorn). docs/serving.md has the HTTP API.
"""

from .client import RemoteEnv, RemoteEnvError
from .sessions import ServeError, SessionPool

__all__ = ["RemoteEnv", "RemoteEnvError", "ServeError", "SessionPool"]
