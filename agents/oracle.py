"""Scripted policies: the oracle (each env's gold solver) and the null policy."""

from __future__ import annotations

from typing import Any

import gymnasium as gym


class OraclePolicy:
    """Acts as the env's gold solver (`env.unwrapped.oracle_action()`); used to validate
    tasks (the oracle must earn full reward) and as the no-download demo agent."""

    name = "oracle"

    def act(self, env: gym.Env, info: dict[str, Any]) -> str:
        return env.unwrapped.oracle_action()


class NullPolicy:
    """Says nothing useful; every verifier must give it reward 0."""

    name = "null"

    def act(self, env: gym.Env, info: dict[str, Any]) -> str:
        return "I don't know."
