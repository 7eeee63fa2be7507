"""Registration of every rlvr env with Gymnasium; one line per env."""

from __future__ import annotations

import gymnasium as gym

# id -> (entry point, one-line description). `rlvr list` prints this table.
ENVS: dict[str, tuple[str, str]] = {
    "rlvr/Math-v0": ("rlvr_envs.envs.math.env:MathEnv",
                     "Math word and symbolic problems; typed answer checking with sympy"),
    "rlvr/Code-v0": ("rlvr_envs.envs.code.env:CodeEnv",
                     "Python programming; hidden tests run in the sandbox, judged out of process"),
    "rlvr/Verilog-v0": ("rlvr_envs.envs.verilog.env:VerilogEnv",
                        "RTL design from a spec; Icarus simulation against a golden reference"),
    "rlvr/ToolUse-v0": ("rlvr_envs.envs.tooluse.env:ToolUseEnv",
                        "Tool use in generated worlds (SQL, files, calendar, bank); state-checked"),
    "rlvr/Ecommerce-v0": ("rlvr_envs.envs.ecommerce.env:EcommerceEnv",
                          "Shopping-assistant dialogues with a simulated customer; state-checked"),
    "rlvr/KGMultiHop-v0": ("rlvr_envs.envs.kg.env:KGMultiHopEnv",
                           "Long-context multi-hop QA over knowledge-graph walks; hedge-proof"),
}
ENV_IDS = tuple(ENVS)
# The client of `rlvr serve`: not in ENVS (it needs url= and env_id=, and wraps the others).
REMOTE_ENV_ID = "rlvr/Remote-v0"


def register_envs() -> None:
    """Register every env under `rlvr/` (idempotent)."""
    for env_id, (entry_point, _) in ENVS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False)
    if REMOTE_ENV_ID not in gym.registry:
        gym.register(id=REMOTE_ENV_ID, entry_point="rlvr_envs.serve.client:RemoteEnv",
                     disable_env_checker=False)
