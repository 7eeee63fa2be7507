"""Registration of every rlvr env with Gymnasium; one line per env."""

from __future__ import annotations

import importlib
import os
import sys

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


def resolve_env_id(spec: str) -> str:
    """The registered id that `spec` names: an id (`rlvr/Math-v0`, any id in `gym.registry`)
    or `module:id`, which imports `module` first (from the current directory too, as
    `uvicorn main:app` does) so that its `gym.register` calls run.

    Raises `ValueError` in one line when the module cannot be imported or the id is not
    registered.
    """
    register_envs()
    module, sep, env_id = spec.rpartition(":")
    if sep and module:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise ValueError(f"cannot import {module!r} for env {spec!r} ({type(e).__name__}: "
                             f"{e}); put {module.replace('.', '/')}.py in the current directory "
                             "or on PYTHONPATH") from None
    else:
        env_id = spec
    if env_id not in gym.registry:
        where = f"importing {module!r} registered no env {env_id!r}" if sep and module else \
            f"unknown env {env_id!r}"
        raise ValueError(f"{where}; registered rlvr envs: {', '.join(ENV_IDS)} (run `rlvr list`);"
                         " your own env: MODULE:ID, with MODULE calling gym.register(ID, ...)")
    return env_id
