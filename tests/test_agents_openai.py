"""The OpenAI-compatible backend against a real HTTP server on loopback: answers, tool
calls, retries after 500s, timeouts as infra errors, and bad outputs through `rlvr bench`."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.openai_policy import OpenAIPolicy
from agents.policy import Conversation, SamplingParams
from rlvr_envs.cli import main


class FakeServer:
    """`/v1/chat/completions` on 127.0.0.1. `mode` picks the behaviour:
    ok (answers `reply`), fail_first (HTTP 500 for the first `fails` requests), hang
    (sleeps past any client timeout), tool (a structured tool call), bad_request (400),
    cycle (answers `replies` in turn), slow (answers after 0.1 s, counting requests in flight)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.reply = "The answer is \\boxed{0}."
        self.replies: list[str] = []
        self.fails = 0
        self.requests: list[dict] = []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(body)
                    n = len(server.requests)
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                if server.mode == "slow":  # track how many requests are in flight
                    with server.lock:
                        server.in_flight += 1
                        server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    time.sleep(0.1)
                    with server.lock:
                        server.in_flight -= 1
                if server.mode == "hang":
                    time.sleep(3)
                    return self._send(200, _completion("late"))
                if server.mode == "fail_first" and n <= server.fails:
                    return self._send(500, {"error": {"message": "overloaded"}})
                if server.mode == "bad_request":
                    return self._send(400, {"error": {"message": "context too long"}})
                if server.mode == "tool":
                    return self._send(200, _completion(None, tool_calls=[{
                        "id": "c1", "type": "function",
                        "function": {"name": "lookup", "arguments": '{"key": "alpha"}'}}]))
                if server.mode == "cycle":
                    return self._send(200, _completion(server.replies[n % len(server.replies)]))
                return self._send(200, _completion(server.reply))

            def _send(self, code, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _completion(content, tool_calls=None):
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "fake",
            "choices": [{"index": 0, "finish_reason": "tool_calls" if tool_calls else "stop",
                         "message": {"role": "assistant", "content": content,
                                     "tool_calls": tool_calls}}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}}


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


CONV = Conversation([{"role": "user", "content": "2+2?"}])


def test_answers_carry_text_usage_and_request_settings(server):
    policy = OpenAIPolicy("fake", base_url=server.url, max_concurrency=4)
    gens = policy.generate([CONV] * 5, SamplingParams(temperature=0.5, max_new_tokens=7,
                                                      seed=1))
    assert [g.text for g in gens] == [server.reply] * 5
    assert gens[0].prompt_tokens == 11 and gens[0].completion_tokens == 5
    assert gens[0].error is None and gens[0].completion_token_ids is None
    req = server.requests[0]
    assert (req["model"], req["temperature"], req["max_tokens"], req["seed"]) == \
        ("fake", 0.5, 7, 1)
    policy.close()


def test_concurrency_is_bounded(server):
    server.mode = "slow"
    policy = OpenAIPolicy("fake", base_url=server.url, max_concurrency=3)
    gens = policy.generate([CONV] * 9, SamplingParams())
    assert all(g.error is None for g in gens)
    assert server.max_in_flight == 3


def test_tools_go_out_and_tool_calls_come_back_as_hermes_text(server):
    server.mode = "tool"
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    history = [{"role": "user", "content": "q"},
               {"role": "assistant", "content": "", "tool_calls": [
                   {"id": "c0", "type": "function",
                    "function": {"name": "lookup", "arguments": {"key": "beta"}}}]},
               {"role": "tool", "tool_call_id": "c0", "content": "2"}]
    g = OpenAIPolicy("fake", base_url=server.url).generate(
        [Conversation(history, tools)], SamplingParams())[0]
    assert g.text == '<tool_call>\n{"name": "lookup", "arguments": {"key": "alpha"}}\n</tool_call>'
    sent = server.requests[0]
    assert sent["tools"] == tools
    assert sent["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"key": "beta"}'


def test_server_errors_are_retried_with_backoff_then_succeed(server):
    server.mode, server.fails = "fail_first", 2
    policy = OpenAIPolicy("fake", base_url=server.url, max_retries=3, backoff_s=0.01)
    g = policy.generate([CONV], SamplingParams())[0]
    assert g.error is None and g.text == server.reply
    assert len(server.requests) == 3  # two 500s, then the answer


def test_exhausted_retries_and_timeouts_are_infra_errors_not_exceptions(server):
    server.mode, server.fails = "fail_first", 100
    g = OpenAIPolicy("fake", base_url=server.url, max_retries=1, backoff_s=0.01).generate(
        [CONV], SamplingParams())[0]
    assert g.text == "" and "HTTP 500" in g.error and "2 attempt" in g.error
    server.mode = "hang"
    t = time.perf_counter()
    g = OpenAIPolicy("fake", base_url=server.url, timeout_s=0.3, max_retries=1,
                     backoff_s=0.01).generate([CONV], SamplingParams())[0]
    assert "Timeout" in g.error and time.perf_counter() - t < 2.5
    server.mode = "bad_request"
    g = OpenAIPolicy("fake", base_url=server.url, max_retries=3).generate(
        [CONV], SamplingParams())[0]
    assert "HTTP 400" in g.error and "not retried" in g.error


def test_bench_counts_timeouts_as_infra_errors_never_as_reward_zero(server, tmp_path,
                                                                    capsys):
    server.mode = "hang"
    rc = main(["bench", "--agent", f"openai:fake@{server.url}", "--envs", "rlvr/Math-v0",
               "--episodes", "2", "--out", str(tmp_path), "--timeout", "0.3", "--retries", "0",
               "--no-progress"])
    assert rc == 1  # nothing was scored: the run failed, and says why
    assert "2 of 2 episodes ended in an infra error" in capsys.readouterr().err
    res = json.loads((tmp_path / "results.json").read_text())
    m = res["envs"]["rlvr/Math-v0"]
    assert m["infra_error_rate"] == 1.0 and m["scored"] == 0 and m["mean_reward"] is None
    assert all(e["infra_error"] and "Timeout" in e["infra_error"] for e in res["episodes"])


def test_garbage_empty_and_huge_outputs_never_crash_a_bench_run(server, tmp_path):
    server.mode = "cycle"
    server.replies = ["", "\x00\x01\ufffd\U0001F600" * 50, "9" * 100_000,
                      "<tool_call>{not json</tool_call>", "\\boxed{" * 1000]
    rc = main(["bench", "--agent", f"openai:fake@{server.url}", "--envs", "rlvr/Math-v0",
               "--episodes", "4", "--kw", "max_attempts=2", "--out", str(tmp_path),
               "--no-progress"])
    assert rc == 0
    m = json.loads((tmp_path / "results.json").read_text())["envs"]["rlvr/Math-v0"]
    assert m["infra_errors"] == 0 and m["mean_reward"] == 0.0 and m["episodes"] == 4
