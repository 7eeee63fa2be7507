"""rlvr-envs: multi-turn Gymnasium environments with verifiable rewards for LLM agents.

`import rlvr_envs` registers every env under the `rlvr/` namespace::

    import gymnasium as gym, rlvr_envs
    env = gym.make("rlvr/Math-v0")
"""

from .core import AdaptiveCurriculum, MultiTurnTextEnv, Turn, Verdict
from .registration import ENV_IDS, register_envs

register_envs()

__all__ = ["ENV_IDS", "AdaptiveCurriculum", "MultiTurnTextEnv", "Turn", "Verdict", "register_envs"]
__version__ = "0.1.0"
