"""`rlvr serve` and `rlvr/Remote-v0`: envs over HTTP, as an agent loop elsewhere uses them.

Each server runs in a thread of the test process on an ephemeral loopback port and is shut
down when its test (or this module) is done.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import rlvr_envs
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.spaces import UnicodeText
from rlvr_envs.serve import RemoteEnv, RemoteEnvError, ServeError, SessionPool
from rlvr_envs.serve.app import BackgroundServer
from rlvr_envs.serve.wire import dumps

SERVED = ("rlvr/Math-v0", "rlvr/ToolUse-v0", "rlvr/Ecommerce-v0")


@pytest.fixture(scope="module")
def server():
    with BackgroundServer(SessionPool(SERVED, oracle=True, max_sessions=32)) as s:
        yield s


def remote(server: BackgroundServer, env_id: str, **kw: Any) -> gym.Env:
    return gym.make(rlvr_envs.registration.REMOTE_ENV_ID, url=server.url, env_id=env_id, **kw)


def raw(url: str, method: str, path: str, body: Any = None,
        headers: dict[str, str] | None = None, **request_kw: Any
        ) -> tuple[int, Any, dict[str, str]]:
    """One request with the standard library, as a client in any language would send it.

    Status 0: the server cut off an upload it refused (e.g. over the size limit) and the reset
    also took its reply with it, which TCP allows when the client was still sending."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    sent = True
    try:
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json",
                                                           **(headers or {})}, **request_kw)
        except (BrokenPipeError, ConnectionResetError):
            sent = False  # the server answered (e.g. 413) and closed before the body was sent
        try:
            resp = conn.getresponse()
            payload = resp.read()
        except (ConnectionResetError, http.client.RemoteDisconnected):
            if sent:
                raise
            return 0, "connection reset while the body was being sent", {}
    finally:
        conn.close()
    try:
        data = json.loads(payload)
    except ValueError:
        data = payload.decode("utf-8", "replace")
    return resp.status, data, dict(resp.getheaders())


def new_session(url: str, env_id: str = "rlvr/Math-v0") -> str:
    status, data, _ = raw(url, "POST", "/sessions", json.dumps({"env_id": env_id}).encode())
    assert status == 201, data
    return data["session_id"]


# ---- the contract, through HTTP ----------------------------------------------------------

@pytest.mark.parametrize("env_id", ["rlvr/Math-v0", "rlvr/ToolUse-v0"])
def test_remote_env_passes_check_rlvr_env(server, env_id):
    env = remote(server, env_id)
    try:
        check_rlvr_env(env)  # oracle episodes included: this server answers oracle_action
    finally:
        env.close()


def _transcript(env: gym.Env, seed: int, wrong_first: bool, options=None) -> list[Any]:
    obs, info = env.reset(seed=seed, options=options)
    out: list[Any] = [obs, info]
    oracle = gym.make(env.unwrapped.env_id if isinstance(env.unwrapped, RemoteEnv)
                      else env.spec.id)  # the oracle's actions come from a local twin
    oracle.reset(seed=seed, options=options)
    for turn in range(40):
        action = ("I am not sure." if wrong_first and turn == 0
                  else oracle.unwrapped.oracle_action())
        step = env.step(action)
        twin = oracle.step(action)
        assert twin[:4] == step[:4]  # the twin stays in step with the env it advises
        out.append(step)
        if step[2] or step[3]:
            break
    return out


@pytest.mark.parametrize("env_id", SERVED)
def test_same_seed_same_transcript_as_in_process(server, env_id):
    env = remote(server, env_id)
    local = gym.make(env_id)
    try:
        for seed, wrong_first in [(0, False), (1, True), (17, False)]:
            assert _transcript(env, seed, wrong_first) == _transcript(local, seed, wrong_first)
        opts = {"difficulty": 2}
        assert _transcript(env, 5, False, opts) == _transcript(local, 5, False, opts)
    finally:
        env.close()


def test_the_collector_drives_a_remote_env_as_a_local_one(server):
    from agents.collector import collect
    from agents.oracle import OraclePolicy

    def records(factory):
        out = collect({"tooluse": factory}, OraclePolicy(), episodes=4, concurrency=2, seed=5)
        for r in out:  # wall-clock timings are the only thing allowed to differ
            r.pop("timings")
            for turn in r["turns"]:
                turn.pop("env_s")
        return out
    remote_records = records(lambda: remote(server, "rlvr/ToolUse-v0"))
    assert remote_records == records(lambda: gym.make("rlvr/ToolUse-v0"))
    assert [r["reward"] for r in remote_records] == [1.0] * 4


def test_the_client_mirrors_the_env_metadata(server):
    env = remote(server, "rlvr/ToolUse-v0", env_kwargs={"tool_format": "pythonic",
                                                        "max_turns": 3})
    local = gym.make("rlvr/ToolUse-v0", tool_format="pythonic", max_turns=3).unwrapped
    base = env.unwrapped
    try:
        assert base.max_turns == 3 and base.default_max_turns == local.default_max_turns
        assert base.chance_level == local.chance_level and base.domain == local.domain
        assert base.tool_format.name == "pythonic"
        assert base.task_source.difficulties == sorted(local.task_source.difficulties)
        assert base.action_space == local.action_space
        assert base.observation_space == local.observation_space
        _, info = env.reset(seed=3)
        assert info["tools"] == local.reset(seed=3)[1]["tools"] and info["tools"]
        assert "[user]" in env.render()
    finally:
        env.close()


def test_hostile_actions_arrive_as_sent(server):
    """Lone surrogates, control characters, bytes: the env sees what it would in process."""
    env = remote(server, "rlvr/Math-v0")
    local = gym.make("rlvr/Math-v0")
    try:
        for action in ["\ud800 \x00\x01 \\boxed{\udfff}", b"\xff\xfe\\boxed{1}", None,
                       "9" * 5000, "😀" * 5000]:
            env.reset(seed=4)
            local.reset(seed=4)
            assert env.step(action) == local.step(action)
    finally:
        env.close()


# ---- bad requests: 4xx with a message, and the other sessions go on ---------------------

def test_bad_requests_get_4xx_with_a_message_and_others_go_on(server):
    url = server.url
    env = remote(server, "rlvr/Math-v0")  # a session in the middle of an episode
    obs, _ = env.reset(seed=9)
    sid = new_session(url)
    cases = [
        ("POST", "/sessions", json.dumps({"env_id": "rlvr/Nope-v0"}).encode(), 404,
         "unknown env"),
        ("POST", "/sessions", json.dumps({"env_id": "rlvr/Math-v0",
                                          "kwargs": {"tasks": "/etc/passwd"}}).encode(), 400,
         "not settable by a client"),
        ("POST", "/sessions", json.dumps({"env_id": "rlvr/Math-v0",
                                          "kwargs": {"max_turns": 0}}).encode(), 400,
         "max_turns must be at least 1"),
        ("POST", "/sessions/nope/step", b'{"action": "hi"}', 404, "unknown session"),
        ("DELETE", "/sessions/nope", None, 404, "unknown session"),
        ("POST", f"/sessions/{sid}/step", b'{"action": "hi"}', 400, "reset"),
        ("POST", f"/sessions/{sid}/reset", b'{"seed": 1', 422, "bad request"),
        ("POST", f"/sessions/{sid}/reset", b'{"seed": "x"}', 422, "seed"),
        ("POST", f"/sessions/{sid}/reset", b'{"seed": -1}', 400, "reset refused"),
        ("POST", f"/sessions/{sid}/reset", b'{"options": {"oops": 1}}', 400,
         "unknown reset options"),
        ("POST", f"/sessions/{sid}/reset", b'{"options": {"task_id": "no/such/task"}}', 400,
         "reset refused"),
        ("POST", f"/sessions/{sid}/step", b'{"action": 42}', 422, "action"),
        ("POST", f"/sessions/{sid}/step", b"\xff\xfe\x00binary", 400, "error parsing the body"),
        ("POST", f"/sessions/{sid}/step", b"[]", 422, "bad request"),
        ("POST", f"/sessions/{sid}/step", b'{"action": "' + b"a" * (2 << 20) + b'"}', 413,
         "over the server's limit"),
        ("GET", f"/sessions/{sid}/nothing-here", None, 404, "Not Found"),
    ]
    for method, path, body, status, words in cases:
        got, data, _ = raw(url, method, path, body)
        if got == 0 and status == 413:
            continue  # cut off mid-upload: refused, the reply lost with the reset (see raw)
        assert got == status, (method, path, body and body[:60], data)
        assert words in (data["detail"] if isinstance(data, dict) else data), data
    # a chunked body over the limit is cut off too, with no Content-Length to go by
    got, _, _ = raw(url, "POST", f"/sessions/{sid}/step",
                    iter([b'{"action": "'] + [b"b" * 65536] * 40 + [b'"}']), encode_chunked=True)
    assert got in (413, 0)
    # the server and the session in progress are unharmed
    assert raw(url, "GET", "/health")[0] == 200
    _, reward, terminated, _, info = env.step(env.unwrapped.oracle_action())
    assert terminated and reward == 1.0 and info["verdict"]["passed"]
    assert raw(url, "DELETE", f"/sessions/{sid}")[0] == 200
    env.close()


def test_oracle_is_refused_unless_the_server_offers_it():
    with BackgroundServer(SessionPool(["rlvr/Math-v0"])) as s:
        env = remote(s, "rlvr/Math-v0")
        assert not hasattr(env.unwrapped, "oracle_action")  # so checkers skip the oracle
        env.reset(seed=0)
        status, data, _ = raw(s.url, "POST", f"/sessions/{env.unwrapped.session_id}"
                                             "/oracle_action")
        assert status == 403 and "--oracle" in data["detail"]
        env.close()


def test_an_action_over_the_request_limit_fails_in_the_client_with_the_reason():
    with BackgroundServer(SessionPool(["rlvr/Math-v0"]), max_request_bytes=4096) as s:
        env = remote(s, "rlvr/Math-v0")
        env.reset(seed=0)
        with pytest.raises(RemoteEnvError, match="over the server's limit of 4096"):
            env.step("x" * 5000)
        assert env.step("\\boxed{1}")[2]  # the session still works
        env.close()


# ---- sessions: isolation, concurrency, limits, idle expiry ------------------------------

def test_sessions_are_isolated(server):
    a, b = remote(server, "rlvr/ToolUse-v0"), remote(server, "rlvr/ToolUse-v0")
    local_a, local_b = gym.make("rlvr/ToolUse-v0"), gym.make("rlvr/ToolUse-v0")
    try:
        assert a.unwrapped.session_id != b.unwrapped.session_id
        for env, twin, seed in [(a, local_a, 1), (b, local_b, 2)]:
            assert env.reset(seed=seed)[0] == twin.reset(seed=seed)[0]
        for _ in range(3):  # interleaved steps: neither sees the other's state
            for env, twin in [(a, local_a), (b, local_b)]:
                action = twin.unwrapped.oracle_action()
                assert env.step(action) == twin.step(action)
    finally:
        a.close()
        b.close()


class GateEnv(gym.Env[str, str]):
    """A toy env whose step waits at a shared barrier: it only returns when `parties`
    steps run at once, so it shows whether the server overlaps sessions."""

    def __init__(self, barrier: threading.Barrier | None = None,
                 gate: threading.Event | None = None,
                 entered: threading.Event | None = None) -> None:
        self.observation_space = UnicodeText(100)
        self.action_space = UnicodeText(100)
        self.barrier, self.gate, self.entered = barrier, gate, entered

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return "go", {"messages": [{"role": "user", "content": "go"}], "tools": [],
                      "task": {"id": "gate", "domain": "toy", "difficulty": 1,
                               "source": "test"},
                      "numpy": {"int": np.int64(3), "arr": np.arange(3), "tup": (1, 2)}}

    def step(self, action):
        if self.entered is not None:
            self.entered.set()
        if self.barrier is not None:
            self.barrier.wait(timeout=20)
        if self.gate is not None:
            self.gate.wait(timeout=20)
        return action, 1.0, True, False, {"messages": [], "tools": [], "task": {}}


def test_blocking_env_calls_overlap_across_sessions():
    barrier = threading.Barrier(4)
    pool = SessionPool(["toy/Gate-v0"], make_env=lambda _id, _kw: GateEnv(barrier=barrier))
    with BackgroundServer(pool, threads=8) as s:
        envs = [RemoteEnv(s.url, "toy/Gate-v0") for _ in range(4)]
        for env in envs:
            env.reset(seed=0)
        results: list[Any] = [None] * 4

        def play(i: int) -> None:
            try:
                results[i] = envs[i].step(f"hi {i}")[0]
            except Exception as e:  # noqa: BLE001 - reported by the assert below
                results[i] = e
        threads = [threading.Thread(target=play, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        # all four steps were inside the env at once, or the barrier would have broken
        assert results == [f"hi {i}" for i in range(4)]
        for env in envs:
            env.close()


def test_a_second_call_on_a_busy_session_gets_409_and_numpy_info_arrives_as_lists():
    gate, entered = threading.Event(), threading.Event()
    pool = SessionPool(["toy/Gate-v0"],
                       make_env=lambda _id, _kw: GateEnv(gate=gate, entered=entered))
    with BackgroundServer(pool) as s:
        env = RemoteEnv(s.url, "toy/Gate-v0")
        _, info = env.reset(seed=0)
        assert info["numpy"] == {"int": 3, "arr": [0, 1, 2], "tup": [1, 2]}
        stepping = threading.Thread(target=env.step, args=("slow",))
        stepping.start()
        assert entered.wait(20)  # the first step holds the session (waiting at the gate)
        status, data, _ = raw(s.url, "POST", f"/sessions/{env.session_id}/step",
                              b'{"action": "again"}')
        assert status == 409 and "busy" in data["detail"]
        gate.set()
        stepping.join(30)
        env.close()


def test_the_session_limit_refuses_with_503_and_frees_on_close():
    with BackgroundServer(SessionPool(["rlvr/Math-v0"], max_sessions=2)) as s:
        a, b = remote(s, "rlvr/Math-v0"), remote(s, "rlvr/Math-v0")
        status, data, headers = raw(s.url, "POST", "/sessions", b'{"env_id": "rlvr/Math-v0"}')
        assert status == 503 and "limit of 2 sessions" in data["detail"]
        assert int(headers["retry-after"]) >= 1
        with pytest.raises(RemoteEnvError, match="HTTP 503"):
            remote(s, "rlvr/Math-v0")
        a.close()
        c = remote(s, "rlvr/Math-v0")  # the closed one's place
        assert c.reset(seed=0)[0] == b.reset(seed=0)[0]
        b.close()
        c.close()


def test_idle_sessions_expire_and_reset_opens_a_new_one():
    pool = SessionPool(["rlvr/Math-v0"], idle_timeout_s=0.3, max_sessions=1)
    with BackgroundServer(pool, reap_interval_s=0.05) as s:
        env = remote(s, "rlvr/Math-v0")
        env.reset(seed=2)
        first = env.unwrapped.session_id
        deadline = time.monotonic() + 20
        while len(pool) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(pool) == 0  # the reaper closed it, freeing the only place
        with pytest.raises(RemoteEnvError, match="expired after 0.3 s idle"):
            env.step("\\boxed{1}")
        obs, _ = env.reset(seed=2)
        assert env.unwrapped.session_id != first
        assert obs == gym.make("rlvr/Math-v0").reset(seed=2)[0]
        env.close()


def test_pool_never_expires_a_busy_session():
    now = [0.0]
    gate = threading.Event()
    pool = SessionPool(["toy/Gate-v0"], idle_timeout_s=1.0, clock=lambda: now[0],
                       make_env=lambda _id, _kw: GateEnv(gate=gate))
    session = pool.create("toy/Gate-v0", {})
    pool.call(session.id, lambda env: env.reset(seed=0))
    worker = threading.Thread(target=pool.call, args=(session.id, lambda env: env.step("x")))
    worker.start()
    while not session.lock.locked():
        time.sleep(0.01)
    now[0] = 100.0
    assert pool.expire_idle() == [] and len(pool) == 1  # mid-call: kept
    with pytest.raises(ServeError) as busy:
        pool.close(session.id)
    assert busy.value.status == 409
    gate.set()
    worker.join(10)
    now[0] = 102.0
    assert pool.expire_idle() == [session.id] and len(pool) == 0


# ---- the client without a server, and the command -------------------------------------

def test_an_unreachable_server_fails_fast_with_one_line():
    start = time.monotonic()
    with pytest.raises(RemoteEnvError, match="cannot reach the env server at "
                                             "http://127.0.0.1:9 .*rlvr serve"):
        gym.make("rlvr/Remote-v0", url="http://127.0.0.1:9", env_id="rlvr/Math-v0",
                 connect_timeout=2.0)
    assert time.monotonic() - start < 30  # bounded by connect_timeout, not by retries
    with pytest.raises(ValueError, match="http://HOST:PORT"):
        RemoteEnv("127.0.0.1:8000", "rlvr/Math-v0")


def test_wire_keeps_any_text():
    text = "\ud800 😀 \x00 é"
    assert json.loads(dumps({"t": text}))["t"] == text


def test_rlvr_serve_command_serves_until_interrupted():
    proc = subprocess.Popen([sys.executable, "-m", "rlvr_envs.cli", "serve", "rlvr/Math-v0",
                             "--port", "0", "--max-sessions", "4"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = proc.stdout.readline()
        assert "serving rlvr/Math-v0" in line, (line, proc.stderr.read() if proc.poll() else "")
        url = line.split()[2]
        env = gym.make("rlvr/Remote-v0", url=url, env_id="rlvr/Math-v0")
        assert env.reset(seed=1)[0] == gym.make("rlvr/Math-v0").reset(seed=1)[0]
        status, data, _ = raw(url, "GET", "/envs")
        assert data["envs"]["rlvr/Math-v0"]["default_max_turns"] >= 1
        assert raw(url, "GET", "/health")[1]["sessions"] == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_rlvr_serve_unknown_env_is_one_line_and_nonzero():
    out = subprocess.run([sys.executable, "-m", "rlvr_envs.cli", "serve", "rlvr/Nope-v0",
                          "--port", "0"], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0 and "rlvr list" in out.stderr


def test_a_client_of_another_api_version_is_told_so(server, monkeypatch):
    import rlvr_envs.serve.client as client
    monkeypatch.setattr(client, "API_VERSION", 2)
    before = raw(server.url, "GET", "/health")[1]["sessions"]
    with pytest.raises(RemoteEnvError, match="API version 1, this client 2"):
        remote(server, "rlvr/Math-v0")
    assert raw(server.url, "GET", "/health")[1]["sessions"] == before  # its session closed
