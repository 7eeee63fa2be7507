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
            `rlvr/Math-v0` ("What is 47+1?"), evaluated on held-out questions of the same rule.
* `tiny_digit` the earlier CPU demo on the toy `rlvr-grpo/Digit-v0` (tests).
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
    precision: str = _f("fp32", "fp32 | bf16-mixed (float32 master weights and AdamW state, "
                        "forward/backward under bf16 autocast; a frozen LoRA base is stored "
                        "bf16) | bf16 (pure bf16 weights, gradients and AdamW state: half the "
                        "memory, but updates below bf16 resolution are lost)",
                        choices=("fp32", "bf16-mixed", "bf16"))
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
    export_hf: bool = _f(True, "save the model (with LoRA: the adapters) and tokenizer with "
                         "save_pretrained to output_dir/hf at the end and to "
                         "output_dir/checkpoint-N at every checkpoint_every")
    export_merged: bool = _f(False, "with LoRA, also save the merged model (adapters folded "
                             "into the base weights) to merged/ inside each export directory")
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
    ray: str = _f("", "run the training envs (reset, step, verification) in Ray env workers: "
                  "'local' starts a local Ray, an address joins a cluster ('' : in process; "
                  "needs the ray extra; docs/scaling.md)")
    ray_workers: int = _f(2, "env worker actors with --ray, each hosting every env kind")
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
    extend_prompts: bool = _f(True, "build each later turn's prompt as the previous prompt + "
                              "completion ids + the new messages' tokens (False: re-render "
                              "from the messages, a segment wherever that rewrites history)")
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
    micro_batch_size: int = _f(8, "rows per forward/backward (gradient accumulation); an "
                               "episode's rows (segments) are never split across two")
    trim_micro_batches: bool = _f(True, "pad each micro-batch to its own widest row, not the "
                                  "batch's (fewer cells, same math; off reproduces runs made "
                                  "before it was the default, whose float sums differ at "
                                  "rounding level)")
    num_iterations: int = _f(1, "mu: passes over each collected batch (old log-probs stored "
                             "once, before the first)")
    mini_batches: int = _f(1, "optimizer steps per pass: the batch's groups split into this "
                           "many mini-batches of whole groups, each with its own loss "
                           "normalisers (verl's ppo_mini_batch_size = batch / mini_batches; "
                           "TRL's steps_per_generation)")
    lr_scheduler: str = _f("constant", "learning-rate schedule after warmup, over the run's "
                           "optimizer steps (steps * num_iterations * mini_batches): constant "
                           "| linear (to min_lr_ratio) | cosine (to min_lr_ratio)",
                           choices=("constant", "linear", "cosine"))
    warmup_steps: int = _f(0, "optimizer steps of linear warmup from 0 to learning_rate")
    min_lr_ratio: float = _f(0.0, "final learning rate of linear/cosine, as a fraction of "
                             "learning_rate")
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
    overwrite: bool = _f(False, "replace the previous run in output_dir (its metrics, "
                         "checkpoint, summary, plot); without this or --resume a run refuses "
                         "a directory that holds one")
    quiet: bool = _f(False, "no progress line per step (the start, end and warnings still "
                     "print)")
    eval_tasks: int = _f(0, "held-out episodes evaluated (greedy), before and after training "
                         "and every eval_every steps; the training questions are evaluated "
                         "the same way for comparison")
    eval_seed: int = _f(10_000_000, "reset seed of the first held-out episode (seeds that a "
                        "training step could use are skipped)")
    eval_env_kwargs: dict[str, Any] = _f({}, "kwargs merged over env_kwargs for held-out "
                                         "evaluation (JSON), e.g. other `tasks` records; {}: "
                                         "the training questions on unused reset seeds")
    eval_every: int = _f(0, "evaluate every N steps (0: before and after training only)")
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
        if self.micro_batch_size < 1 or self.num_iterations < 1 or self.mini_batches < 1:
            raise ValueError("micro_batch_size, num_iterations and mini_batches must be >= 1")
        if self.mini_batches > self.tasks_per_step:
            raise ValueError(f"mini_batches={self.mini_batches} > tasks_per_step="
                             f"{self.tasks_per_step}: a mini-batch holds whole groups; lower "
                             "--mini-batches or raise --tasks-per-step")
        if self.warmup_steps < 0 or not 0.0 <= self.min_lr_ratio <= 1.0:
            raise ValueError(f"warmup_steps must be >= 0 (got {self.warmup_steps}) and "
                             f"min_lr_ratio in [0, 1] (got {self.min_lr_ratio})")
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
        shared = shared_records(self.env_kwargs.get("tasks"), self.eval_env_kwargs.get("tasks"))
        if shared:
            raise ValueError(f"eval_env_kwargs['tasks'] shares {len(shared)} records with "
                             f"env_kwargs['tasks'] (first: {shared[0]!r}); held-out records "
                             "must differ from the training ones: remove them from one side")

    @property
    def dtype(self) -> str:
        """The dtype the model computes in under `precision` (torch name): what a generator
        with its own weights (vLLM) should run in."""
        return "float32" if self.precision == "fp32" else "bfloat16"

    def optimizer_steps(self) -> int:
        """Optimizer steps of a whole run (the LR schedule's length), if no update is skipped."""
        return self.steps * self.num_iterations * self.mini_batches

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


# The tiny preset's easy setting of a real env: `rlvr/Math-v0` on records "What is 47+1?"
# (answer "48"), no system prompt; the verifier accepts a bare answer, which a char-level model
# can learn to emit. The 81 two-digit numbers without a carry (units 0..8) are split by
# (tens + units) % 3: 54 training questions, 27 held-out ones (`eval_env_kwargs`). Each digit
# appears in each position on both sides, so a model that learned the rule (copy the tens,
# add one to the units) answers the held-out questions; one that memorised does not.
def _tiny_math(a: int) -> dict[str, str]:
    return {"question": f"What is {a}+1?", "answer": str(a + 1)}


_TINY_NUMBERS = [a for a in range(10, 99) if a % 10 != 9]
TINY_MATH_TASKS: list[dict[str, str]] = [
    _tiny_math(a) for a in _TINY_NUMBERS if (a // 10 + a % 10) % 3 != 0]
TINY_MATH_HELDOUT: list[dict[str, str]] = [
    _tiny_math(a) for a in _TINY_NUMBERS if (a // 10 + a % 10) % 3 == 0]

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
             "num_iterations": 2, "micro_batch_size": 64, "sft_episodes": 128, "sft_steps": 300,
             "sft_learning_rate": 1e-2, "sft_oracle_template": "{answer}", "eval_tasks": 200,
             "eval_env_kwargs": {"tasks": TINY_MATH_HELDOUT}, "eval_every": 25,
             "output_dir": "runs/grpo-tiny"},
    # the previous tiny demo (toy 2-turn digit env)
    "tiny_digit": {"model": "tiny", "envs": ["rlvr-grpo/Digit-v0"], "difficulty": 1,
                   "group_size": 8, "tasks_per_step": 8, "max_new_tokens": 4, "max_turns": 2,
                   "steps": 100, "learning_rate": 3e-3, "micro_batch_size": 64,
                   "sft_episodes": 64, "sft_steps": 60, "sft_learning_rate": 1e-2,
                   "eval_tasks": 200, "output_dir": "runs/grpo-tiny-digit"},
}


def shared_records(train: Any, heldout: Any) -> list[Any]:
    """Records of `heldout` that are also training records (same `question`, or the same
    record when they have none); [] unless both are in-memory lists of records."""
    if not isinstance(train, list) or not isinstance(heldout, list):
        return []

    def key(r: Any) -> str:
        return r["question"] if isinstance(r, dict) and "question" in r else json.dumps(
            r, sort_keys=True, default=str)
    seen = {key(r) for r in train}
    return [r for r in heldout if key(r) in seen]


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
        help_ = f.metadata["help"].replace("|", "\\|")  # a bare | would end the cell
        rows.append(f"| `--{f.name.replace('_', '-')}` | {f.type} | `{_default(f)!r}` | "
                    f"{help_} |")
    return "\n".join(rows)


__all__ = ["GRPOConfig", "PRESETS", "apply_preset", "add_config_arguments",
           "config_from_args", "config_table"]
