"""Our envs in TRL's `GRPOTrainer` (docs/integrations.md).

Single-turn (one completion judges the task: Math, Code, Verilog, KGMultiHop in context
mode, any env with `max_turns=1`)::

    ds = export_dataset("rlvr/Math-v0", n=512)["train"]          # or `rlvr export`
    GRPOTrainer(model, reward_funcs=[rlvr_reward("rlvr/Math-v0")], train_dataset=ds, ...)

Multi-turn (tools, feedback, simulated users: ToolUse, Ecommerce, KGMultiHop search)::

    rollout = rlvr_rollout("rlvr/ToolUse-v0", ds)
    GRPOTrainer(model, reward_funcs=[episode_reward], rollout_func=rollout,
                train_dataset=ds, ...)

`rlvr_reward` needs neither TRL nor torch: it is a plain function of TRL's reward signature.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import gymnasium as gym

from ..core.submission import SubmissionEnv
from . import TASK_COLUMNS
from .export import make_env, reset_row, same_env

ADAPTER_HINT = ("train it with the multi-turn adapter: rollout_func=rlvr_rollout(env_id, "
                "dataset, ...) and reward_funcs=[episode_reward] from "
                "rlvr_envs.integrations.trl (docs/integrations.md)")


class EnvReward:
    """A TRL reward function whose reward is the env's own: for each completion it resets
    the env to the row's task (`rlvr_seed` + `rlvr_task_id`, or a `rlvr_task` record),
    steps it once with the completion and returns the step's reward.

    Called as TRL calls reward functions: `(prompts, completions, **columns)`; completions
    are strings or chat messages (the last assistant message's content is the action).
    Returns None (TRL leaves the sample out of this function's reward) for rows of another
    env (`rlvr_env` differs: mix several `rlvr_reward`s on one dataset) and for verifier
    infra errors (a sandbox failure says nothing about the policy). With `check_prompt`,
    an exported row whose prompt differs from the env's reset (other env kwargs or another
    version) raises instead of scoring a different task.
    """

    def __init__(self, env_id: str, *, workers: int | None = None, check_prompt: bool = True,
                 **env_kwargs: Any) -> None:
        self.env_id = env_id
        self.env_kwargs = env_kwargs
        self.check_prompt = bool(check_prompt)
        self.__name__ = env_id.rsplit("/", 1)[-1].replace(":", "_")  # TRL logs by __name__
        first = make_env(env_id, env_kwargs)
        if isinstance(first.unwrapped, SubmissionEnv) and "max_attempts" not in env_kwargs:
            # one completion is one submission: judged once, no retry (Verilog allows 3)
            first.close()
            self.env_kwargs = env_kwargs = {**env_kwargs, "max_attempts": 1}
            first = make_env(env_id, env_kwargs)
        max_turns = int(getattr(first.unwrapped, "max_turns", 1))
        if max_turns != 1:
            first.close()
            raise ValueError(
                f"{env_id} plays up to {max_turns} turns (tools, feedback or a simulated "
                f"user), so one completion cannot be judged: {ADAPTER_HINT}. (Math, Code, "
                "Verilog: leave max_attempts unset or 1; max_turns=1 scores one message as "
                "the env scores an episode cut after it.)")
        self.workers = max(1, int(workers if workers is not None
                                  else min(8, os.cpu_count() or 1)))
        self._envs: queue.SimpleQueue[gym.Env] = queue.SimpleQueue()
        self._envs.put(first)

    def __call__(self, prompts: Sequence[Any] | None = None,
                 completions: Sequence[Any] = (), **columns: Any) -> list[float | None]:
        n = len(completions)
        rows = [{key: _column(columns, key, i, n) for key in TASK_COLUMNS} for i in range(n)]
        prompt_of = [prompts[i] if prompts is not None and i < len(prompts) else None
                     for i in range(n)]
        if self.workers == 1 or n <= 1:
            return [self.score(rows[i], completions[i], prompt_of[i]) for i in range(n)]
        with ThreadPoolExecutor(min(self.workers, n), thread_name_prefix="rlvr-reward") as pool:
            return list(pool.map(self.score, rows, completions, prompt_of))

    def score(self, row: Mapping[str, Any], completion: Any, prompt: Any = None) -> float | None:
        """The env's reward for one completion on one row's task (see the class doc)."""
        if row.get("rlvr_env") is not None and not same_env(row["rlvr_env"], self.env_id):
            return None
        env = self._take()
        try:
            _, info = reset_row(env, row)
            if self.check_prompt and row.get("rlvr_task") is None:
                _check_prompt(self.env_id, row, prompt, info)
            _, reward, terminated, truncated, info = env.step(completion_text(completion))
        finally:
            self._envs.put(env)
        verdict = info.get("verdict") or {}
        if not (terminated or truncated) or verdict.get("infra_error"):
            return None
        return float(reward)

    def close(self) -> None:
        """Close the env instances."""
        while True:
            try:
                self._envs.get_nowait().close()
            except queue.Empty:
                return

    def _take(self) -> gym.Env:
        try:
            return self._envs.get_nowait()
        except queue.Empty:  # the other threads hold every env: make one more
            return make_env(self.env_id, self.env_kwargs)


def rlvr_reward(env_id: str, *, workers: int | None = None, check_prompt: bool = True,
                **env_kwargs: Any) -> EnvReward:
    """A TRL reward function that is `env_id`'s verifier, for envs whose task one completion
    decides (`max_turns == 1`; submission envs, Math, Code and Verilog, get `max_attempts=1`
    unless given); `env_kwargs` must be those the dataset was exported with.
    `workers` threads score a batch at once (default min(8, CPUs)). Multi-turn envs raise
    ValueError pointing to `rlvr_rollout`."""
    return EnvReward(env_id, workers=workers, check_prompt=check_prompt, **env_kwargs)


def completion_text(completion: Any) -> str:
    """The action text of a TRL completion: a string as is; for chat messages the content of
    the last assistant message (TRL's conversational completions)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        for message in reversed(list(completion)):
            if isinstance(message, Mapping) and message.get("role", "assistant") == "assistant":
                return str(message.get("content") or "")
        return ""
    return "" if completion is None else str(completion)


def episode_reward(prompts: Sequence[Any] | None = None, completions: Sequence[Any] = (),
                   episode_reward: Sequence[float | None] = (), **columns: Any
                   ) -> list[float | None]:
    """The reward function that goes with `rlvr_rollout`: each episode's reward, which the
    rollout computed by playing it in the env (None for infra errors: left out by TRL).
    Logs the mean turns, tool calls and prefix-mismatch rate per episode when TRL passes
    `log_metric` (`rlvr/turns`, `rlvr/tool_calls`, `rlvr/prefix_mismatch`)."""
    log_metric = columns.get("log_metric")
    if callable(log_metric):
        for key in ("episode_turns", "episode_tool_calls", "episode_prefix_mismatch"):
            values = [v for v in columns.get(key) or () if v is not None]
            if values:
                log_metric(f"rlvr/{key.removeprefix('episode_')}",
                           sum(float(v) for v in values) / len(values))
    return [None if r is None else float(r) for r in episode_reward]


def rlvr_rollout(env_id: str, dataset: Any, **kwargs: Any) -> Any:
    """The multi-turn adapter for TRL's `rollout_func` (`agents.trl_rollout.EnvRollout`):
    `GRPOTrainer` drives `env_id` turn by turn on the tasks of `dataset` (exported rows)."""
    from agents.trl_rollout import EnvRollout
    return EnvRollout(env_id, dataset, **kwargs)


def _column(columns: Mapping[str, Any], key: str, i: int, n: int) -> Any:
    values = columns.get(key)
    if isinstance(values, Sequence) and not isinstance(values, str) and len(values) == n:
        return values[i]
    return None


def _check_prompt(env_id: str, row: Mapping[str, Any], prompt: Any,
                  info: Mapping[str, Any]) -> None:
    """Raise if an exported conversational prompt is not the env's reset for its task."""
    if not isinstance(prompt, list) or not all(isinstance(m, Mapping) for m in prompt):
        return  # a text prompt (chat template applied by the user): nothing to compare
    ours = [(m["role"], str(m.get("content") or "")) for m in info["messages"]]
    theirs = [(m.get("role"), str(m.get("content") or "")) for m in prompt]
    if ours != theirs:
        raise ValueError(
            f"the prompt of task {row.get('rlvr_task_id')!r} is not what {env_id} shows for "
            "it: build rlvr_reward with the env kwargs the dataset was exported with (see its "
            "rlvr_export.json), or pass check_prompt=False if you rewrote the prompts")
