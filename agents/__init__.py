"""Agents that act in rlvr envs: the policy interface and its backends (transformers, vLLM,
OpenAI-compatible HTTP, scripted oracles), the episode collector, and `rlvr bench`.

Backends that need heavy packages (torch, vllm, openai) import them lazily."""

from .collector import EpisodeCollector, collect
from .oracle import NullPolicy, OraclePolicy
from .policy import Conversation, Generation, Policy, SamplingParams
from .spec import make_policy, parse_agent_spec

__all__ = ["Conversation", "EpisodeCollector", "Generation", "NullPolicy", "OraclePolicy",
           "Policy", "SamplingParams", "collect", "make_policy", "parse_agent_spec"]
