"""`GRPOConfig`: every knob of the learner as a documented dataclass field.

The `rlvr train` CLI is generated from these fields (`add_config_arguments`), and
docs/training.md's table from `config_table()`, so code, CLI and docs never disagree.
Each field's help text lives in its `metadata["help"]`.

Presets (`PRESETS`, `apply_preset`) set the paper settings with one flag:

* `grpo`    DeepSeekMath (arXiv 2402.03300): std-scaled group advantages, per-sequence
            mean of token means, eps 0.2, KL k3 with beta 0.04.
* `dr_grpo` Dr. GRPO (arXiv 2503.20783): no std scaling, sum over tokens / (B * L_max), beta 0.
* `dapo`    DAPO (arXiv 2503.14476): clip-higher 0.2/0.28, global token mean, dynamic sampling
            (zero-variance groups filtered, batch refilled), overlong filtering and soft penalty.
* `gspo`    GSPO (arXiv 2507.18071): sequence-level ratios, eps 3e-4/4e-4, beta 0.
* `tiny`    the CPU demo: tiny local model, SFT warm start, GRPO on an easy setting of
            `rlvr/Math-v0` ("What is a+1?", a bare-answer warm start).
* `tiny_digit` the earlier CPU demo on the toy `rlvr-grpo/Digit-v0` (benchmarks/vs_trl.py).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
from dataclasses import dataclass, field, fields
from typing import Any

from .loss import LossSettings


def _f(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: json.loads(json.dumps(d)),
                     metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


@dataclass
class GRPOConfig:
    """Configuration of a GRPO run (model, envs, sampling, advantages, loss, loop, logging)."""

    # ---- model ----
    model: str = _f("tiny", "'tiny' (build the local tiny model) or a checkpoint directory")
    tiny_hidden_size: int = _f(32, "hidden size of the tiny model")
    tiny_layers: int = _f(2, "layers of the tiny model")
    dtype: str = _f("float32", "dtype of the weights, gradients and Adam state: float32 or "
                    "bfloat16 (pure bf16; LoRA adapters stay float32)",
                    choices=("float32", "bfloat16"))
    device: str = _f("cpu", "cpu or cuda")
    backend: str = _f("hf", "generation backend: hf (shares the trainer's model) or vllm "
                      "(colocated engine, weights pushed after every update; CUDA GPU only) "
                      "or vllm_ray (vllm_num_engines vLLM engines as Ray actors, one GPU each, "
                      "data-parallel; weights pushed through Ray's object store)",
                      choices=("hf", "vllm", "vllm_ray"))
    vllm_gpu_memory_utilization: float = _f(0.3, "share of GPU memory for the colocated vLLM "
                                            "engine (backend vllm)")
    vllm_max_model_len: int = _f(0, "vLLM context per request, prompt + generated tokens (0: "
                                 "max_episode_tokens, capped at the model's "
                                 "max_position_embeddings)")
    vllm_max_num_batched_tokens: int = _f(0, "tokens per vLLM engine step; longer prefills are "
                                          "chunked (0: 4096, TRL's colocate value: vLLM sizes "
                                          "its activation reserve by it)")
    vllm_enable_sleep_mode: bool = _f(False, "vLLM sleep mode: the engine sleeps (level 1: "
                                      "weights to CPU, KV cache freed) while the trainer scores "
                                      "and updates, and wakes for the weight push")
    vllm_tensor_parallel_size: int = _f(1, "GPUs the vLLM engine shards the model over (>1: "
                                        "multiprocess workers, weights pushed by CUDA IPC)")
    vllm_num_engines: int = _f(1, "backend vllm_ray: engine actors, one GPU each; each "
                               "batch is split over them")
    lora_rank: int = _f(0, "LoRA rank via peft, alpha = 2 * rank, all linear layers (0: full "
                        "fine-tuning); merged weights are pushed to the generator")
    gradient_checkpointing: bool = _f(False, "recompute activations in backward (GPU memory)")
    # ---- envs and tasks ----
    envs: list[str] = _f(["rlvr-grpo/Digit-v0"], "env ids to train on (registered gym ids)")
    env_weights: list[float] = _f([], "sampling weight per env (empty: uniform)")
    env_kwargs: dict[str, Any] = _f({}, "kwargs for gym.make of every env (JSON)")
    difficulty: int = _f(-1, "reset difficulty (-1: the env's default)")
    curriculum: bool = _f(False, "adaptive difficulty (core AdaptiveCurriculum) per env")
    curriculum_levels: list[int] = _f([1, 2, 3], "difficulty levels of the curriculum")
    # ---- sampling / episodes ----
    group_size: int = _f(8, "G: episodes per task, all from the same reset seed")
    tasks_per_step: int = _f(4, "tasks per step (batch = tasks_per_step * group_size episodes)")
    temperature: float = _f(1.0, "sampling temperature")
    max_new_tokens: int = _f(16, "token cap of one assistant message")
    max_turns: int = _f(3, "assistant turns per episode (on top of the env's limit)")
    max_episode_tokens: int = _f(512, "token budget of a whole episode (prompt + all turns)")
    concurrency: int = _f(64, "episodes live at once in the collector")
    # ---- advantages ----
    scale_rewards: str = _f("group", "std scaling of advantages: group | batch | none",
                            choices=("group", "batch", "none"))
    leave_one_out: bool = _f(False, "RLOO baseline: mean of the other G-1 rewards")
    dynamic_sampling: bool = _f(False, "DAPO: drop zero-variance groups, refill the batch")
    max_refill_rounds: int = _f(3, "collection rounds allowed to refill a dynamic-sampling batch")
    mask_truncated: bool = _f(False, "no loss on episodes a length limit cut (max_new_tokens on a "
                                         "turn, or the token budget); running out of turns "
                                         "is a failure and keeps its signal")
    overlong_penalty: bool = _f(False, "DAPO soft overlong penalty added to the reward")
    overlong_cache_tokens: int = _f(0, "DAPO L_cache: penalty ramps over these last tokens "
                                    "(0: a fifth of L_max, DAPO's 4096 of 20480)")
    overlong_max_tokens: int = _f(0, "DAPO L_max: generated tokens per episode at penalty -1 "
                                  "(0: max_new_tokens * max_turns, the most an episode can "
                                  "generate)")
    overlong_factor: float = _f(1.0, "scale of the overlong penalty")
    on_prefix_mismatch: str = _f("split", "template rewrote history: split (train segments) "
                                 "or error", choices=("split", "error"))
    # ---- loss ----
    epsilon_low: float = _f(0.2, "lower clip: ratio >= 1 - epsilon_low")
    epsilon_high: float = _f(0.2, "upper clip: ratio <= 1 + epsilon_high (DAPO 0.28)")
    importance_sampling_level: str = _f("token", "token ratios or sequence ratios (GSPO)",
                                        choices=("token", "sequence"))
    aggregation: str = _f("token_mean", "token_mean | seq_mean_token_mean (GRPO) | "
                          "seq_sum_over_constant (Dr. GRPO)",
                          choices=("token_mean", "seq_mean_token_mean", "seq_sum_over_constant"))
    max_tokens_constant: int = _f(0, "Dr. GRPO constant L_max (0: max_new_tokens * max_turns)")
    beta: float = _f(0.0, "KL coefficient to the reference (0: no reference model is loaded)")
    kl_estimator: str = _f("k3", "KL estimator k1 | k2 | k3", choices=("k1", "k2", "k3"))
    is_correction: str = _f("token_truncate", "IS correction vs sampler log-probs: none | "
                            "token_truncate | sequence_truncate (TIS)",
                            choices=("none", "token_truncate", "sequence_truncate"))
    is_cap: float = _f(2.0, "cap C of the truncated importance weight")
    # ---- optimisation ----
    learning_rate: float = _f(1e-3, "AdamW learning rate")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    adam_betas: list[float] = _f([0.9, 0.99], "AdamW betas")
    max_grad_norm: float = _f(1.0, "gradient clipping (0: off)")
    micro_batch_size: int = _f(8, "sequences per forward/backward (gradient accumulation)")
    num_iterations: int = _f(1, "mu: optimizer steps per collected batch (stored old log-probs)")
    steps: int = _f(30, "GRPO steps (collect + update)")
    async_collection: bool = _f(False, "collect the next steps' episodes in a background thread "
                                "while this step updates (off-policy by up to max_staleness "
                                "versions, corrected by is_correction; backend hf samples from "
                                "a separate model copy)")
    max_staleness: int = _f(1, "async_collection: a batch is sampled by weights at most this "
                            "many updates older than the ones it trains (1: one-step "
                            "off-policy, generation of step k+1 overlaps update k)")
    seed: int = _f(0, "seed of model init, sampling, tasks and data order")
    # ---- warm start (SFT on oracle transcripts) ----
    sft_episodes: int = _f(0, "oracle episodes for a supervised warm start (0: none)")
    sft_steps: int = _f(0, "optimizer steps of the warm start")
    sft_learning_rate: float = _f(3e-3, "warm-start learning rate")
    sft_oracle_template: str = _f("", "warm-start completion: '' for the env's oracle_action(), "
                                  "else a str.format template over the task's fields, "
                                  "e.g. '{answer}'")
    # ---- logging, checkpoints, evaluation ----
    output_dir: str = _f("runs/grpo", "metrics.jsonl, checkpoints, plot")
    logprob_gap_tol: float = _f(0.0, "max mean |sampler - trainer| log-prob gap after a sync "
                                "(0: 1e-3 for backend hf, whose fp32 gap is ~1e-7; 5e-2 for "
                                "vllm, whose bf16 kernels differ from the trainer's)")
    on_logprob_gap: str = _f("error", "gap above logprob_gap_tol: error (stop: the generator's "
                             "weights are stale) or warn (log a warning and go on)",
                             choices=("error", "warn"))
    checkpoint_every: int = _f(0, "save a checkpoint every N steps (0: only at the end)")
    resume: bool = _f(False, "resume from output_dir/checkpoint.pt when it exists")
    eval_tasks: int = _f(0, "held-out tasks evaluated (greedy) before and after training")
    eval_seed: int = _f(10_000_000, "reset seed of the first held-out task")
    report_to: str = _f("jsonl", "jsonl | tensorboard | wandb (JSONL is always written)",
                        choices=("jsonl", "tensorboard", "wandb"))
    plot: bool = _f(True, "write reward_over_steps.png at the end")

    def __post_init__(self) -> None:
        if self.logprob_gap_tol <= 0:
            self.logprob_gap_tol = 5e-2 if self.backend.startswith("vllm") else 1e-3
        for f in fields(self):
            choices = f.metadata.get("choices")
            if choices and getattr(self, f.name) not in choices:
                raise ValueError(f"{f.name}={getattr(self, f.name)!r}; choose one of {choices}")
        if self.group_size < 2:
            raise ValueError(f"group_size must be >= 2 for a group baseline, got "
                             f"{self.group_size}")
        if self.micro_batch_size < 1 or self.num_iterations < 1:
            raise ValueError("micro_batch_size and num_iterations must be >= 1")
        if self.async_collection:
            if self.max_staleness < 1:
                raise ValueError(f"max_staleness={self.max_staleness}: async collection needs "
                                 ">= 1 (0 is synchronous: drop --async-collection)")
            if self.vllm_enable_sleep_mode or self.curriculum:
                raise ValueError("async_collection cannot run with "
                                 + ("vllm_enable_sleep_mode (the engine generates while the "
                                    "trainer updates)" if self.vllm_enable_sleep_mode else
                                    "curriculum (the next batch's difficulties would depend "
                                    "on thread timing)") + ": drop one of the two")
        if self.vllm_num_engines < 1:
            raise ValueError(f"vllm_num_engines={self.vllm_num_engines}; it must be >= 1")
        if self.vllm_tensor_parallel_size < 1 or min(self.vllm_max_model_len,
                                                     self.vllm_max_num_batched_tokens) < 0:
            raise ValueError("vllm_tensor_parallel_size must be >= 1 and vllm_max_model_len, "
                             "vllm_max_num_batched_tokens >= 0 (0: derived)")

    def overlong_limits(self) -> tuple[int, int]:
        """DAPO's (L_max, L_cache) for this config: explicit values, else derived from the
        generation limits so that only responses near the cap are penalised."""
        l_max = self.overlong_max_tokens or self.max_new_tokens * self.max_turns
        l_cache = self.overlong_cache_tokens or max(1, l_max // 5)
        if l_cache > l_max:
            raise ValueError(f"overlong_cache_tokens={l_cache} exceeds L_max={l_max}; "
                             "lower --overlong-cache-tokens or raise --overlong-max-tokens")
        return l_max, l_cache

    def loss_settings(self) -> LossSettings:
        """The loss-module knobs of this config."""
        return LossSettings(
            epsilon_low=self.epsilon_low, epsilon_high=self.epsilon_high,
            importance_sampling_level=self.importance_sampling_level,  # type: ignore[arg-type]
            aggregation=self.aggregation,  # type: ignore[arg-type]
            max_tokens=self.max_tokens_constant or self.max_new_tokens * self.max_turns,
            beta=self.beta, kl_estimator=self.kl_estimator,  # type: ignore[arg-type]
            is_correction=self.is_correction, is_cap=self.is_cap)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# The tiny preset's easy setting of a real env: `rlvr/Math-v0` on these records ("What is 3+1?",
# answer "4"), no system prompt. The verifier accepts a bare answer ("4"), which a char-level
# model can learn to emit; the warm start teaches that format (`sft_oracle_template`).
TINY_MATH_TASKS: list[dict[str, str]] = [
    {"question": f"What is {a}+1?", "answer": str(a + 1)} for a in range(9)]

PRESETS: dict[str, dict[str, Any]] = {
    "grpo": {"scale_rewards": "group", "aggregation": "seq_mean_token_mean", "epsilon_low": 0.2,
             "epsilon_high": 0.2, "beta": 0.04, "kl_estimator": "k3"},
    "dr_grpo": {"scale_rewards": "none", "aggregation": "seq_sum_over_constant", "beta": 0.0},
    "dapo": {"epsilon_low": 0.2, "epsilon_high": 0.28, "aggregation": "token_mean",
             "dynamic_sampling": True, "mask_truncated": True, "overlong_penalty": True,
             "beta": 0.0},
    "gspo": {"importance_sampling_level": "sequence", "aggregation": "seq_mean_token_mean",
             "epsilon_low": 3e-4, "epsilon_high": 4e-4, "beta": 0.0},
    "tiny": {"model": "tiny", "envs": ["rlvr/Math-v0"],
             "env_kwargs": {"tasks": TINY_MATH_TASKS, "system_prompt": ""}, "difficulty": -1,
             "group_size": 8, "tasks_per_step": 16, "concurrency": 128, "max_new_tokens": 4,
             "max_turns": 1, "steps": 200, "learning_rate": 3e-3, "epsilon_high": 0.28,
             "num_iterations": 2, "micro_batch_size": 64, "sft_episodes": 64, "sft_steps": 50,
             "sft_learning_rate": 1e-2, "sft_oracle_template": "{answer}", "eval_tasks": 200,
             "output_dir": "runs/grpo-tiny"},
    # the previous tiny demo (toy 2-turn digit env); benchmarks/vs_trl.py's task
    "tiny_digit": {"model": "tiny", "envs": ["rlvr-grpo/Digit-v0"], "difficulty": 1,
                   "group_size": 8, "tasks_per_step": 8, "max_new_tokens": 4, "max_turns": 2,
                   "steps": 100, "learning_rate": 3e-3, "micro_batch_size": 64,
                   "sft_episodes": 64, "sft_steps": 60, "sft_learning_rate": 1e-2,
                   "eval_tasks": 200, "output_dir": "runs/grpo-tiny-digit"},
}


def apply_preset(name: str, **overrides: Any) -> GRPOConfig:
    """A config from a named preset, then `overrides` (field=value)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}")
    return GRPOConfig(**{**copy.deepcopy(PRESETS[name]), **overrides})


# ---- CLI and docs generated from the fields ------------------------------------------------

def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"expected JSON, got {text!r}: {e}") from None


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One `--flag` per field (default None: unset flags keep the preset's value)."""
    parser.add_argument("--preset", default=None, choices=list(PRESETS),
                        help="start from a named preset; flags override it")
    for f in fields(GRPOConfig):
        flag = "--" + f.name.replace("_", "-")
        help_ = f"{f.metadata['help']} (default: {_default(f)!r})"
        if f.type in ("bool", bool):
            parser.add_argument(flag, dest=f.name, default=None,
                                action=argparse.BooleanOptionalAction, help=help_)
        elif f.type in ("int", "float", "str", int, float, str):
            typ = {"int": int, "float": float, "str": str}.get(f.type, f.type)  # type: ignore
            parser.add_argument(flag, dest=f.name, default=None, type=typ,
                                choices=f.metadata.get("choices"), help=help_)
        else:  # lists and dicts: JSON, or a comma list for list[str]
            parser.add_argument(flag, dest=f.name, default=None, type=_parse_json
                                if "dict" in str(f.type) or "float" in str(f.type)
                                or "int" in str(f.type) else _comma_list, help=help_)


def _comma_list(text: str) -> list[str]:
    return [x for x in text.split(",") if x]


def config_from_args(args: argparse.Namespace) -> GRPOConfig:
    """The config of parsed CLI args: the preset (if any), then every flag given."""
    given = {f.name: getattr(args, f.name) for f in fields(GRPOConfig)
             if getattr(args, f.name, None) is not None}
    if args.preset:
        return apply_preset(args.preset, **given)
    return GRPOConfig(**given)


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory()  # type: ignore[misc]


def config_table() -> str:
    """A Markdown table of every field: flag, type, default, meaning."""
    rows = ["| flag | type | default | meaning |", "|---|---|---|---|"]
    for f in fields(GRPOConfig):
        rows.append(f"| `--{f.name.replace('_', '-')}` | {f.type} | `{_default(f)!r}` | "
                    f"{f.metadata['help']} |")
    return "\n".join(rows)


__all__ = ["GRPOConfig", "PRESETS", "apply_preset", "add_config_arguments",
           "config_from_args", "config_table"]
