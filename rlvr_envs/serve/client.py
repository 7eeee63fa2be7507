"""`rlvr/Remote-v0`: an env served by `rlvr serve`, used as if it ran in this process.

Standard library only (`http.client`), so a client machine needs nothing beyond rlvr-envs.
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.parse
from typing import Any, ClassVar

import gymnasium as gym

from ..core.env import _as_text, render_transcript
from ..core.spaces import UnicodeText
from .wire import API_VERSION, dumps


class RemoteEnvError(RuntimeError):
    """The env server refused a call or could not be reached; `status` is the HTTP code
    (None when no answer came)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RemoteTaskLevels:
    """The served env's difficulty levels (what `task_source.difficulties` gives locally)."""

    def __init__(self, difficulties: list[int] | None) -> None:
        self.difficulties = difficulties


class RemoteEnv(gym.Env[str, str]):
    """An rlvr env running in an `rlvr serve` process, driven over HTTP.

    ## Description
    Each instance holds one server session, that is one env instance on the server of its
    own: `reset`/`step` go to it, and the same seed and actions give the same episode as
    `gym.make(env_id)` in this process (observations, rewards, flags, `info`). Metadata the
    server describes is mirrored here: `max_turns`, `default_max_turns`, `chance_level`,
    `domain`, `tool_format`, `task_source.difficulties`.

    ## Action Space / Observation Space
    `UnicodeText` of the served env's sizes. An action that is not `str` is converted as
    the env would (bytes decoded leniently, None as empty). An action whose JSON is over
    the server's `--max-request-bytes` (1 MiB by default) raises `RemoteEnvError` (413)
    where the local env would answer "too long".

    ## Rewards / Starting State / Episode End
    Those of the served env.

    ## Arguments
    | kwarg             | type  | default | meaning                                         |
    |-------------------|-------|---------|-------------------------------------------------|
    | `url`             | str   | -       | the server, e.g. `http://127.0.0.1:8000`        |
    | `env_id`          | str   | -       | a served env id, e.g. `rlvr/Math-v0`            |
    | `env_kwargs`      | dict  | `{}`    | kwargs the server lets clients set (`GET /envs`) |
    | `connect_timeout` | float | 5.0     | seconds to reach the server before failing      |
    | `timeout`         | float | 300.0   | seconds to wait for one call's answer           |

    ## What the JSON round trip loses
    Nothing in the rlvr envs' own `info` (it is JSON already). In a user env's `info`,
    numpy scalars arrive as Python numbers, arrays and tuples as lists, sets as sorted
    lists, dict keys as strings, other objects as their `str()`.

    ## Sessions
    The server closes a session idle for longer than its `--idle-timeout`; `reset` then
    opens a new one (a seeded reset gives the same episode; an unseeded one starts from
    fresh entropy), and `step` raises `RemoteEnvError` (404). `close()` ends the session.
    `oracle_action()` exists when the server was started with `--oracle`.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(self, url: str, env_id: str, *, env_kwargs: dict[str, Any] | None = None,
                 connect_timeout: float = 5.0, timeout: float = 300.0,
                 render_mode: str | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, "
                             f"got {render_mode!r}")
        self.render_mode = render_mode
        self.url = url
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs or {})
        self._http = _Http(url, connect_timeout, timeout)
        self.session_id: str | None = None
        self.task: dict[str, Any] | None = None
        self._messages: list[dict[str, Any]] = []
        self._open_session()

    def _open_session(self) -> None:
        created = self._http.call("POST", "/sessions",
                                  {"env_id": self.env_id, "kwargs": self.env_kwargs})
        self.session_id = created["session_id"]
        if created.get("api_version", API_VERSION) != API_VERSION:
            self.close()
            raise RemoteEnvError(f"the server at {self.url} speaks API version "
                                 f"{created.get('api_version')}, this client {API_VERSION}: "
                                 "install the same rlvr-envs version on both sides")
        self.idle_timeout_s = float(created.get("idle_timeout_s", 0.0))
        self._http.max_request_bytes = created.get("max_request_bytes")
        d = created["env"]
        self.description = d
        self.domain = d["domain"]
        self.max_turns = int(d["max_turns"])
        self.default_max_turns = int(d["default_max_turns"])
        self.chance_level = float(d["chance_level"])
        self.task_source = RemoteTaskLevels(d.get("difficulties"))
        spaces = d["spaces"]
        self.observation_space = UnicodeText(spaces["observation"]["max_length"],
                                             min_length=spaces["observation"]["min_length"])
        self.action_space = UnicodeText(spaces["action"]["max_length"],
                                        min_length=spaces["action"]["min_length"])
        if d.get("tool_format") is not None:
            from ..core.tool_formats import get_tool_format
            try:
                self.tool_format = get_tool_format(d["tool_format"])
            except (KeyError, ValueError):  # a format registered only on the server
                self.tool_format = d["tool_format"]
        if d.get("oracle"):  # an instance attribute: checkers look for a callable oracle
            self.oracle_action = self._oracle_action

    def _session_path(self, what: str) -> str:
        return f"/sessions/{self.session_id}/{what}"

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)  # a local np_random too, as Gymnasium's checker expects
        body = {"seed": seed, "options": options}
        try:
            out = self._http.call("POST", self._session_path("reset"), body)
        except RemoteEnvError as e:
            if e.status != 404:
                raise
            self._open_session()  # expired while idle: a reset needs no old state
            out = self._http.call("POST", self._session_path("reset"), body)
        info = out["info"]
        self.task = info.get("task")
        self._messages = info.get("messages", [])
        return out["observation"], info

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        out = self._http.call("POST", self._session_path("step"), {"action": _as_text(action)})
        info = out["info"]
        self._messages = info.get("messages", self._messages)
        if self.render_mode == "human":
            self.render()
        return (out["observation"], float(out["reward"]), bool(out["terminated"]),
                bool(out["truncated"]), info)

    def _oracle_action(self) -> str:
        return self._http.call("POST", self._session_path("oracle_action"), {})["action"]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self._messages

    def render(self) -> str | None:
        text = render_transcript(self._messages)
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        if self.session_id is not None:
            try:
                self._http.call("DELETE", f"/sessions/{self.session_id}")
            except RemoteEnvError:  # gone already, or the server is: nothing left to free
                pass
            self.session_id = None
        self._http.close()


class _Http:
    """One kept-alive connection to the server, with bounded connect and call timeouts."""

    def __init__(self, url: str, connect_timeout: float, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must look like http://HOST:PORT, got {url!r}")
        self.url = url.rstrip("/")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.connect_timeout = float(connect_timeout)
        self.timeout = float(timeout)
        self.conn: http.client.HTTPConnection | None = None
        self.max_request_bytes: int | None = None  # the server's, once a session says it

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        conn = cls(self.host, self.port, timeout=self.connect_timeout)
        try:
            conn.connect()
        except OSError as e:
            conn.close()
            raise RemoteEnvError(f"cannot reach the env server at {self.url} within "
                                 f"{self.connect_timeout:g} s ({e.strerror or e}); start it "
                                 "with `rlvr serve ENV --port PORT` or fix url=") from None
        conn.sock.settimeout(self.timeout)
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait
        return conn

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else dumps(body)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if data is not None and self.max_request_bytes and len(data) > self.max_request_bytes:
            # said here: the server would refuse it with 413, possibly mid-send
            raise RemoteEnvError(f"{method} {path}: the request is {len(data)} bytes, over the "
                                 f"server's limit of {self.max_request_bytes} "
                                 "(--max-request-bytes); send a shorter action", 413)
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = self._connect()
            try:
                self.conn.request(method, self.prefix + path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.close()
                if fresh or attempt:
                    raise RemoteEnvError(f"the env server at {self.url} dropped the connection "
                                         f"during {method} {path}: {e}") from None
                continue  # a kept-alive connection the server had closed: retry on a new one
            except TimeoutError:
                self.close()
                raise RemoteEnvError(f"no answer from {self.url} to {method} {path} within "
                                     f"{self.timeout:g} s (raise timeout=)") from None
            except OSError as e:
                self.close()
                raise RemoteEnvError(f"{method} {self.url}{path} failed: {e}") from None
            if resp.will_close:
                self.close()
            break
        try:
            out = json.loads(payload)
        except ValueError:
            out = None
        if resp.status >= 400:
            detail = (out.get("detail") if isinstance(out, dict) else None) or \
                payload[:300].decode("utf-8", "replace")
            raise RemoteEnvError(f"{method} {path}: HTTP {resp.status}: {detail}", resp.status)
        if out is None:
            raise RemoteEnvError(f"{method} {path}: the server's answer is not JSON: "
                                 f"{payload[:200]!r}", resp.status)
        return out

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
