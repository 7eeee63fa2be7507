"""Agents that act in rlvr envs: scripted oracles now; model-backed policies and the
episode collector build on the same interface."""

from .oracle import NullPolicy, OraclePolicy

__all__ = ["NullPolicy", "OraclePolicy"]
