"""Our envs inside other trainers (docs/integrations.md).

* `rlvr_envs.integrations.export`: `export_dataset` / `rlvr export ENV --n N --out DIR`, a
  `datasets` dataset of prompts (chat messages + tools) with the task columns below.
* `rlvr_envs.integrations.trl`: `rlvr_reward(env_id, **env_kwargs)`, a TRL reward function
  that is the env's own verifier, and `rlvr_rollout(...)`, the multi-turn adapter for TRL's
  `rollout_func` hook.

Task columns of an exported row (every integration reads the same ones):
`rlvr_env` (env id), `rlvr_seed` (reset seed) and `rlvr_task_id` (reset with
`options={"task_id": ...}`); or, for rows a user builds from their own data, `rlvr_task`
(a JSON task record, reset with `options={"task": ...}`).
"""

TASK_COLUMNS = ("rlvr_env", "rlvr_seed", "rlvr_task_id", "rlvr_task")
