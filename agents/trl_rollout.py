"""The multi-turn adapter for TRL's `GRPOTrainer(rollout_func=...)`: our envs, turn by turn.

    from rlvr_envs.integrations.trl import episode_reward, rlvr_rollout
    ds = export_dataset("rlvr/ToolUse-v0", n=256)["train"]
    trainer = GRPOTrainer(model, reward_funcs=[episode_reward],
                          rollout_func=rlvr_rollout("rlvr/ToolUse-v0", ds), train_dataset=ds,
                          args=GRPOConfig(...), processing_class=tokenizer)

TRL (1.16) calls `rollout_func(prompts, trainer)` with one prompt per completion it wants
(its sampler already repeats each prompt `num_generations` times). For each prompt the
adapter finds the dataset row it came from (the exported prompt is the key), resets the env
to that row's task and plays the episode with the trainer's own model (`HFPolicy` on the
unwrapped model, sampling with the trainer's temperature, top-p, top-k and repetition
penalty; `LockstepCollector`, so batches and samples depend only on the seed and the call).
It returns what TRL expects:

* `prompt_ids`: the first turn's prompt (chat template with the env's tools);
* `completion_ids`: everything after it: every assistant turn and, between them, the env's
  tokens (tool results, user replies, the next turn's header) exactly as the model saw them;
* `env_mask`: 1 on tokens the model sampled, 0 on the env's (TRL trains on mask 1 only);
* `logprobs`: the sampler's log-prob of each sampled token (0.0 on env tokens);
* `episode_reward` (the env's reward for the episode; None on infra errors),
  `episode_passed`, `episode_turns`, `episode_tool_calls`, `episode_prefix_mismatch`: passed
  on to the reward functions; `episode_reward` (the function) returns the first.

Where the chat template rewrites earlier turns (the collector records a prefix mismatch),
only the first consistent segment is returned (`episode_prefix_mismatch` is True): the
sequence TRL scores must be the tokens the model was conditioned on, never re-tokenized text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rlvr_envs.integrations.export import make_env, same_env

from .collector import EpisodeSpec
from .hf_policy import HFPolicy
from .policy import Conversation, SamplingParams


class EnvRollout:
    """`rollout_func` for TRL's GRPOTrainer on env `env_id` (see the module doc).

    `dataset`: the rows the trainer samples from (a `Dataset`, a `DatasetDict` whose splits
    all count, or a list of rows), exported by `rlvr export` / `export_dataset`.
    `max_turns` caps assistant turns on top of the env's own limit; `max_tokens_per_turn`
    caps one turn (default: the trainer's `max_completion_length`); `max_episode_tokens`
    caps prompt + completion of the whole episode; `generation_batch_size` bounds one
    `generate` call (default: every live episode at once). `env_kwargs` are the export's.
    """

    def __init__(self, env_id: str, dataset: Any, *, max_turns: int | None = None,
                 max_tokens_per_turn: int | None = None, max_episode_tokens: int | None = None,
                 env_workers: int | None = None, generation_batch_size: int | None = None,
                 **env_kwargs: Any) -> None:
        self.env_id = env_id
        self.env_kwargs = env_kwargs
        self.max_turns = max_turns
        self.max_tokens_per_turn = max_tokens_per_turn
        self.max_episode_tokens = max_episode_tokens
        self.env_workers = env_workers
        self.generation_batch_size = generation_batch_size
        self.__name__ = "rlvr_rollout"
        self.rows = _rows_by_prompt(env_id, dataset)
        make_env(env_id, env_kwargs).close()  # an unknown id or a bad kwarg fails here
        self._collector: Any = None
        self._calls = 0
        self.prefix_mismatches = 0

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, list[Any]]:
        import torch
        from trl.models.utils import unwrap_model_for_generation

        rows = [self._row(p) for p in prompts]
        specs = [EpisodeSpec(self.env_id, i, 0, int(r.get("rlvr_seed") or 0),
                             {"task_id": str(r["rlvr_task_id"])}
                             if r.get("rlvr_task") is None else {"task": _record(r)})
                 for i, r in enumerate(rows)]
        args = trainer.args
        sampling = self._sampling(trainer)
        self._calls += 1
        with (unwrap_model_for_generation(
                trainer.model_wrapped, trainer.accelerator,
                gather_deepspeed3_params=args.ds3_gather_for_generation,
                gradient_checkpointing_kwargs=args.gradient_checkpointing_kwargs) as model,
              torch.no_grad()):
            policy = HFPolicy(model, trainer.processing_class,
                              batch_size=self.generation_batch_size or len(specs),
                              name="trl", generation_kwargs=self._generation_kwargs(trainer))
            collector = self._collector_for(policy, sampling, len(specs))
            records = collector.run(specs)
        out: dict[str, list[Any]] = {k: [] for k in (
            "prompt_ids", "completion_ids", "logprobs", "env_mask", "episode_reward",
            "episode_passed", "episode_turns", "episode_tool_calls", "episode_prefix_mismatch")}
        for prompt, record in zip(prompts, records, strict=True):
            ids, mask, lps = self._sequences(record, policy, prompt)
            out["prompt_ids"].append(ids[0])
            out["completion_ids"].append(ids[1])
            out["env_mask"].append(mask)
            out["logprobs"].append(lps)
            failed = record.get("infra_error") is not None
            out["episode_reward"].append(None if failed else float(record["reward"]))
            out["episode_passed"].append(bool(record["passed"]))
            out["episode_turns"].append(int(record["num_turns"]))
            out["episode_tool_calls"].append(
                sum(1 for m in record["messages"] if m.get("role") == "tool"))
            out["episode_prefix_mismatch"].append(bool(record.get("prefix_mismatch")))
        return out

    def close(self) -> None:
        """Close the envs the adapter made."""
        if self._collector is not None:
            self._collector.close()

    # ---- helpers ------------------------------------------------------------------------

    def _row(self, prompt: Any) -> Mapping[str, Any]:
        try:
            return self.rows[_prompt_key(prompt)]
        except KeyError:
            raise ValueError(
                f"rlvr_rollout: a prompt the trainer sampled is not in the dataset it was "
                f"given ({len(self.rows)} rows of {self.env_id}); pass the same dataset as "
                "train_dataset (and eval_dataset) to both") from None

    def _sampling(self, trainer: Any) -> SamplingParams:
        if getattr(trainer, "min_p", None) is not None:
            raise ValueError("rlvr_rollout samples with temperature, top_p, top_k and "
                             "repetition_penalty; min_p is not supported: leave it None")
        cap = self.max_tokens_per_turn or trainer.max_completion_length
        # a new sample stream per call, fixed by the seed: the same run repeats exactly
        return SamplingParams(temperature=float(trainer.temperature),
                              top_p=float(trainer.top_p), top_k=int(trainer.top_k or 0),
                              max_new_tokens=int(cap),
                              seed=int(trainer.args.seed) * 1_000_003 + self._calls)

    @staticmethod
    def _generation_kwargs(trainer: Any) -> dict[str, Any]:
        # the sampler draws from the distribution TRL scores: no suppressed tokens
        kwargs: dict[str, Any] = {"suppress_tokens": None}
        if float(getattr(trainer, "repetition_penalty", 1.0)) != 1.0:
            kwargs["repetition_penalty"] = float(trainer.repetition_penalty)
        return kwargs

    def _collector_for(self, policy: HFPolicy, sampling: SamplingParams, n: int) -> Any:
        from .grpo.trainer import LockstepCollector
        if self._collector is None:  # one collector keeps its envs across calls
            env_id, kwargs = self.env_id, self.env_kwargs
            self._collector = LockstepCollector(
                {env_id: lambda: make_env(env_id, kwargs)}, policy, sampling=sampling,
                concurrency=n, max_turns=self.max_turns,
                max_episode_tokens=self.max_episode_tokens, env_workers=self.env_workers)
        self._collector.policy, self._collector.sampling = policy, sampling
        self._collector.concurrency = max(self._collector.concurrency, n)
        return self._collector

    def _sequences(self, record: Mapping[str, Any], policy: HFPolicy, prompt: Any
                   ) -> tuple[tuple[list[int], list[int]], list[int], list[float]]:
        """(prompt ids, completion ids), env mask, logprobs of one episode record."""
        segments = record.get("segments") or []
        turns = record.get("turns") or []
        if not segments or not turns or turns[0].get("prompt_token_ids") is None:
            # nothing generated (an infra error at reset): one masked EOS keeps TRL's shapes
            tools = json.loads(self.rows[_prompt_key(prompt)].get("tools") or "[]")
            ids = policy.render_prompt_ids(Conversation(list(prompt), tools))
            return (ids, [policy.eos_token_ids[0]]), [0], [0.0]
        if len(segments) > 1:
            self.prefix_mismatches += 1
        seg = segments[0]
        n_prompt = len(turns[0]["prompt_token_ids"])
        completion = list(seg["token_ids"][n_prompt:])
        mask = list(seg["loss_mask"][n_prompt:])
        lps = seg["logprobs"][n_prompt:] if seg["logprobs"] is not None else [0.0] * len(mask)
        return (list(seg["token_ids"][:n_prompt]), completion), mask, [float(x) for x in lps]


def _prompt_key(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    return json.dumps([(m.get("role"), m.get("content") or "") for m in prompt],
                      ensure_ascii=False)


def _record(row: Mapping[str, Any]) -> dict[str, Any]:
    task = row["rlvr_task"]
    return json.loads(task) if isinstance(task, str) else dict(task)


def _rows_by_prompt(env_id: str, dataset: Any) -> dict[str, dict[str, Any]]:
    """Prompt -> row over every split of `dataset`; two rows with one prompt but different
    tasks would make the lookup ambiguous, so they raise."""
    parts: Iterable[Any] = dataset.values() if isinstance(dataset, Mapping) else [dataset]
    rows: dict[str, dict[str, Any]] = {}
    for part in parts:
        for row in part:
            if row.get("rlvr_env") is not None and not same_env(row["rlvr_env"], env_id):
                continue
            if row.get("rlvr_task_id") is None and row.get("rlvr_task") is None:
                raise ValueError("rlvr_rollout: the dataset's rows have no `rlvr_task_id` "
                                 "(or `rlvr_task`): make it with `rlvr export`")
            key = _prompt_key(row["prompt"])
            task = (row.get("rlvr_seed"), row.get("rlvr_task_id"), row.get("rlvr_task"))
            old = rows.get(key)
            if old is not None and (old.get("rlvr_seed"), old.get("rlvr_task_id"),
                                    old.get("rlvr_task")) != task:
                raise ValueError(f"rlvr_rollout: tasks {old.get('rlvr_task_id')!r} and "
                                 f"{row.get('rlvr_task_id')!r} have the same prompt, so the "
                                 "trainer's prompt cannot say which to play; drop one")
            rows[key] = dict(row)
    if not rows:
        raise ValueError(f"rlvr_rollout: the dataset has no rows of {env_id}")
    return rows


__all__ = ["EnvRollout"]

