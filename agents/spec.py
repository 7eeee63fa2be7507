"""Agent specs: one string names a backend and a model (`rlvr bench --agent SPEC`).

| spec | policy |
|---|---|
| `oracle` | `OraclePolicy`: each env's gold solver |
| `null` | `NullPolicy`: a fixed non-answer |
| `hf:PATH` | `HFPolicy.from_pretrained(PATH)` (transformers, CPU or GPU) |
| `vllm:PATH` | `VLLMPolicy(PATH)` (needs vLLM and a CUDA GPU) |
| `openai:MODEL@URL` | `OpenAIPolicy(MODEL, base_url=URL)` |
| `openai:MODEL` | the same with `$OPENAI_BASE_URL` (or api.openai.com) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .policy import Policy

BACKENDS = ("oracle", "null", "hf", "vllm", "openai")


@dataclass(frozen=True)
class AgentSpec:
    """A parsed spec: `backend`, `model` (path or model name) and `base_url` (openai only)."""

    backend: str
    model: str | None = None
    base_url: str | None = None

    def __str__(self) -> str:
        if self.backend in ("oracle", "null"):
            return self.backend
        if self.backend == "openai" and self.base_url:
            return f"openai:{self.model}@{self.base_url}"
        return f"{self.backend}:{self.model}"


def parse_agent_spec(spec: str) -> AgentSpec:
    """Parse `oracle`, `null`, `hf:PATH`, `vllm:PATH`, `openai:MODEL@URL` or `openai:MODEL`.

    Raises `ValueError` naming the accepted forms when `spec` is none of them.
    """
    spec = spec.strip()
    forms = "oracle, null, hf:PATH, vllm:PATH, openai:MODEL@URL"
    if spec in ("oracle", "null"):
        return AgentSpec(spec)
    backend, sep, rest = spec.partition(":")
    if not sep or backend not in BACKENDS or not rest:
        raise ValueError(f"unknown agent spec {spec!r}; use one of: {forms}")
    if backend in ("oracle", "null"):
        raise ValueError(f"agent spec {spec!r}: {backend!r} takes no argument")
    if backend != "openai":
        return AgentSpec(backend, rest)
    # the URL starts at the last '@' followed by a scheme (model names may contain '@')
    for i in range(len(rest) - 1, -1, -1):
        if rest[i] == "@" and rest[i + 1:].startswith(("http://", "https://")):
            model, url = rest[:i], rest[i + 1:]
            if not model:
                raise ValueError(f"agent spec {spec!r} has no model name before '@'")
            return AgentSpec("openai", model, url)
    if "@" in rest and "://" not in rest.split("@")[-1]:
        raise ValueError(f"agent spec {spec!r}: the part after '@' must be a URL starting with "
                         "http:// or https://")
    return AgentSpec("openai", rest, os.environ.get("OPENAI_BASE_URL"))


def make_policy(spec: str | AgentSpec, **kwargs: Any) -> Policy:
    """Build the policy a spec names; `kwargs` go to the backend's constructor
    (for example `batch_size` for `hf`, `max_concurrency`/`timeout_s` for `openai`)."""
    s = parse_agent_spec(spec) if isinstance(spec, str) else spec
    if s.backend == "oracle":
        from .oracle import OraclePolicy
        return OraclePolicy()
    if s.backend == "null":
        from .oracle import NullPolicy
        return NullPolicy()
    if s.backend == "hf":
        from .hf_policy import HFPolicy
        return HFPolicy.from_pretrained(s.model, name=str(s), **kwargs)
    if s.backend == "vllm":
        from .vllm_policy import VLLMPolicy
        return VLLMPolicy(s.model, name=str(s), **kwargs)
    from .openai_policy import OpenAIPolicy
    policy = OpenAIPolicy(s.model, base_url=s.base_url, name=str(s), **kwargs)
    try:
        policy.check_connection()  # a server that is down fails here, in seconds
    except Exception:
        policy.close()
        raise
    return policy
