"""Scripted policies: the oracle (each env's gold solver) and the null policy.

Both implement the `Policy` interface; the oracle needs the env, which the episode
collector passes in `Conversation.env`. `act(env, info)` works for hand-written loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .policy import Conversation, Generation, Policy, SamplingParams

NULL_RESPONSE = "I don't know."


class OraclePolicy(Policy):
    """Acts as the env's gold solver (`env.unwrapped.oracle_action()`); used to validate
    tasks (the oracle must earn full reward) and as the no-download demo agent."""

    name = "oracle"

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams | None = None) -> list[Generation]:
        out = []
        for conv in conversations:
            if conv.env is None:
                raise ValueError("the oracle policy reads the env's gold solver: pass the env "
                                 "as Conversation(messages, tools, env=env)")
            out.append(Generation(text=conv.env.unwrapped.oracle_action()))
        return out

    def act(self, env: Any, info: dict[str, Any],
            sampling: SamplingParams | None = None) -> str:
        return env.unwrapped.oracle_action()


class NullPolicy(Policy):
    """Says nothing useful; every verifier must give it reward 0."""

    name = "null"

    def __init__(self, response: str = NULL_RESPONSE) -> None:
        self.response = response

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams | None = None) -> list[Generation]:
        return [Generation(text=self.response) for _ in conversations]
