"""The OpenAI-compatible HTTP backend: any `/v1/chat/completions` server.

    policy = OpenAIPolicy("Qwen/Qwen2.5-7B-Instruct", base_url="http://localhost:8000/v1")

Works with OpenAI, `vllm serve`, SGLang, llama.cpp's server, and anything else speaking the
chat-completions API. Requests run on a thread pool of `max_concurrency` threads; each one
is retried `max_retries` times with exponential backoff (`backoff_s * 2**attempt`, capped at
`max_backoff_s`, with jitter) on connection errors, timeouts, 408/409/429 and 5xx answers.
When a request still fails, the `Generation` carries `error` (an infra error: the collector
excludes the episode from reward means) instead of raising. Other 4xx answers (a bad
request, an unknown model) are not retried and are also returned as errors.

Tool calls: `tools` are sent with the request; structured `tool_calls` in the answer are
turned back into Hermes `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` text,
the action format the envs parse. Token ids are not available over this API; with
`SamplingParams(logprobs=True)` the server's token log-probs are returned when it sends them.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .policy import Conversation, Generation, Policy, SamplingParams

RETRY_STATUS = {408, 409, 429}
CONNECT_CHECK_TIMEOUT_S = 10.0


class ServerUnreachable(RuntimeError):
    """The server did not answer the connect check; the message names the URL and the cause."""


class OpenAIPolicy(Policy):
    """Chat completions from an OpenAI-compatible server, with bounded concurrency."""

    def __init__(self, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 max_concurrency: int = 16, timeout_s: float = 120.0, max_retries: int = 4,
                 backoff_s: float = 1.0, max_backoff_s: float = 30.0,
                 extra_body: dict[str, Any] | None = None, name: str | None = None) -> None:
        """`api_key` defaults to `$OPENAI_API_KEY`, or `"EMPTY"` (what local servers accept).
        `extra_body` is merged into every request (server-specific options, e.g. vLLM's
        `{"top_k": 20}`)."""
        try:
            import openai
        except ImportError as e:
            raise ImportError("the OpenAI backend needs the `openai` package: "
                              "pip install 'rlvr-envs[openai]'") from e
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
        self._openai = openai
        self.model = model
        self.base_url = base_url
        self.name = name or f"openai:{model}"
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self.max_backoff_s = float(max_backoff_s)
        self.extra_body = dict(extra_body or {})
        # the collector sends one conversation per call, up to max_concurrency calls at
        # once, so one slow request never holds up the answers of the others
        self.max_concurrent_calls = int(max_concurrency)
        self.max_batch_size = 1
        self.client = openai.OpenAI(
            base_url=base_url, api_key=api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY",
            timeout=self.timeout_s, max_retries=0)  # retries are ours: counted and bounded
        self._pool = ThreadPoolExecutor(max_workers=self.max_concurrent_calls,
                                        thread_name_prefix="openai-policy")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "class": type(self).__name__, "model": self.model,
                "base_url": self.base_url, "max_concurrency": self.max_concurrent_calls,
                "timeout_s": self.timeout_s, "max_retries": self.max_retries,
                "openai": self._openai.__version__}

    def check_connection(self, timeout_s: float = CONNECT_CHECK_TIMEOUT_S) -> None:
        """One bounded request (`GET /models`, no retries) before a run, so that a server that
        is down fails the run in seconds rather than as a table of infra errors. Any HTTP
        answer but 401/403 counts as reachable (some servers do not serve `/models`)."""
        openai = self._openai
        url = self.base_url or str(self.client.base_url)
        try:
            self.client.with_options(timeout=min(timeout_s, self.timeout_s),
                                     max_retries=0).models.list()
        except openai.APIConnectionError as e:  # timeouts included
            raise ServerUnreachable(
                f"cannot reach the OpenAI-compatible server at {url} ({type(e).__name__}: "
                f"{_short(str(e.__cause__ or e), 120)}); start it, or fix the URL in "
                f"--agent openai:MODEL@URL") from None
        except openai.APIStatusError as e:
            if e.status_code in (401, 403):
                raise ServerUnreachable(
                    f"the server at {url} refused the API key (HTTP {e.status_code}); set "
                    "OPENAI_API_KEY") from None
            if e.status_code == 404:  # reachable, but maybe not the API's root
                print(f"warning: {url} answered GET /models with HTTP 404; if requests fail "
                      "too, check that the URL is the API's root (often ending in /v1)",
                      file=sys.stderr, flush=True)

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        if len(conversations) == 1:
            return [self._complete(conversations[0], sampling)]
        return list(self._pool.map(lambda c: self._complete(c, sampling), conversations))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()

    # ---- one request ---------------------------------------------------------------

    def _request(self, conv: Conversation, sampling: SamplingParams) -> dict[str, Any]:
        req: dict[str, Any] = {
            "model": self.model, "messages": [to_openai_message(m) for m in conv.messages],
            "temperature": sampling.temperature, "top_p": sampling.top_p,
            "max_tokens": sampling.max_new_tokens,
        }
        if conv.tools:
            req["tools"] = conv.tools
        if sampling.seed is not None:
            req["seed"] = sampling.seed
        if sampling.logprobs:
            req["logprobs"] = True
        extra = dict(self.extra_body)
        if sampling.top_k:
            extra.setdefault("top_k", sampling.top_k)
        if extra:
            req["extra_body"] = extra
        return req

    def _complete(self, conv: Conversation, sampling: SamplingParams) -> Generation:
        openai = self._openai
        req = self._request(conv, sampling)
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                resp = self.client.chat.completions.create(**req)
                return _to_generation(resp)
            except (openai.APITimeoutError, openai.APIConnectionError) as e:
                last = f"{type(e).__name__}: {e}"
            except openai.APIStatusError as e:
                last = f"HTTP {e.status_code}: {_short(str(e))}"
                if e.status_code < 500 and e.status_code not in RETRY_STATUS:
                    return Generation.failed(f"{self.name}: {last} (not retried)")
            except Exception as e:  # a malformed answer: the server's fault, not the model's
                last = f"{type(e).__name__}: {_short(str(e))}"
            if attempt < self.max_retries:
                delay = min(self.max_backoff_s, self.backoff_s * 2**attempt)
                time.sleep(delay * (0.5 + random.random() / 2))
        return Generation.failed(f"{self.name}: failed after {self.max_retries + 1} "
                                 f"attempt(s): {last}")


def to_openai_message(message: dict[str, Any]) -> dict[str, Any]:
    """A chat message as the chat-completions API expects it: tool-call arguments as JSON
    strings, and every tool call with an id and `type: function`."""
    m = dict(message)
    if m.get("tool_calls"):
        calls = []
        for i, call in enumerate(m["tool_calls"]):
            fn = dict(call.get("function") or {})
            if not isinstance(fn.get("arguments"), str):
                fn["arguments"] = json.dumps(fn.get("arguments") or {}, ensure_ascii=False)
            calls.append({"id": call.get("id") or f"call_{i}", "type": "function",
                          "function": fn})
        m["tool_calls"] = calls
    return m


def hermes_tool_calls_text(tool_calls: Sequence[Any]) -> str:
    """Structured tool calls as Hermes text: one `<tool_call>{json}</tool_call>` each."""
    parts = []
    for call in tool_calls:
        fn = call.function
        try:
            args = json.loads(fn.arguments) if fn.arguments else {}
        except json.JSONDecodeError:
            args = fn.arguments  # keep what the model wrote; the env answers the bad call
        parts.append("<tool_call>\n" + json.dumps({"name": fn.name, "arguments": args},
                                                  ensure_ascii=False) + "\n</tool_call>")
    return "\n".join(parts)


def _to_generation(resp: Any) -> Generation:
    if not getattr(resp, "choices", None):
        raise ValueError(f"the server answered without choices: {_short(str(resp))}")
    choice = resp.choices[0]
    msg = choice.message
    text = msg.content or ""
    if getattr(msg, "tool_calls", None):
        calls = hermes_tool_calls_text(msg.tool_calls)
        text = f"{text}\n{calls}" if text else calls
    logprobs = None
    content_lp = getattr(getattr(choice, "logprobs", None), "content", None)
    if content_lp:
        logprobs = [float(t.logprob) for t in content_lp]
    usage = getattr(resp, "usage", None)
    return Generation(
        text=text, finish_reason="length" if choice.finish_reason == "length" else "stop",
        completion_logprobs=logprobs,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None))


def _short(text: str, n: int = 300) -> str:
    return text if len(text) <= n else text[:n] + "..."
