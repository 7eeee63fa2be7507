"""rlvr/ToolUse-v0: tool worlds with real stateful backends, gold solvers and state-diff rewards."""

from .bfcl import load_bfcl
from .env import ToolUseEnv

__all__ = ["ToolUseEnv", "load_bfcl"]
