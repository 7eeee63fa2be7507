"""The GRPO loop: collect -> advantages -> update -> sync, with metrics and checkpoints.

    from agents.grpo import GRPOConfig, GRPOTrainer
    trainer = GRPOTrainer(GRPOConfig(envs=["rlvr/Math-v0"], steps=10))
    history = trainer.train()          # list of per-step metric dicts, also in metrics.jsonl

The math lives in `loss.py`; this module is plumbing. Every random choice is derived from
(`config.seed`, step), so a run resumed from a checkpoint repeats the uninterrupted run.
Who samples the episodes (the trainer's own model, a copy, a vLLM engine) and how it gets the
new weights after each update is the generator's business (`generator.py`, `sync.py`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from ..collector import EpisodeCollector, EpisodeSpec
from ..model_source import check_device, resolve_pretrained
from ..policy import Conversation, Generation, Policy, SamplingParams
from ..prompt_ids import build_prompt_ids
from .batch import TrainBatch, build_batch, generated_tokens, group_records, token_logprobs
from .config import GRPOConfig
from .export import export_hf
from .generator import Generator, TimedPolicy, build_generator
from .loss import group_advantages, overlong_penalty, policy_loss
from .precision import apply_precision, inner_model, param_dtype
from .schedule import lr_scheduler
from .sync import is_peft_model


class OracleTokenPolicy(Policy):
    """The env's gold solver as token ids (prompt built as the learning policies build it,
    `build_prompt_ids`; completion = the oracle text + EOS): transcripts for the supervised
    warm start.

    With `template` (e.g. "{answer}"), the completion is that template filled from the
    env's current task instead of the env's `oracle_action()` (a bare answer, say, that a
    tiny model can learn to emit)."""

    returns_token_ids = True
    name = "oracle-tokens"

    def __init__(self, tokenizer: Any, template: str = "") -> None:
        self.tok = tokenizer
        self.template = template

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        out = []
        for conv in conversations:
            env = conv.env.unwrapped
            text = (self.template.format(**env.task) if self.template
                    else env.oracle_action())
            built = build_prompt_ids(self.tok, conv, [self.tok.eos_token_id])
            completion = self.tok(text, add_special_tokens=False)["input_ids"]
            completion.append(self.tok.eos_token_id)
            out.append(Generation(text, "stop", built.ids, completion, [0.0] * len(completion),
                                  prompt_extended=built.extended,
                                  prompt_fallback=built.fallback))
        return out


class LockstepCollector(EpisodeCollector):
    """The episode collector with turn-lockstep batching: every live episode generates its
    next turn in one batch, in spec order, then all envs step (on the thread pool).

    The stock collector batches whatever is ready (continuous batching), so which episodes
    share a `generate` call, and hence the sampled tokens, depends on thread timing. Here the
    batches depend only on the specs, so a seeded run (and a resumed one) repeats exactly.
    Records are the same transcript records (`EpisodeCollector._record`).
    """

    def run(self, specs: Sequence[EpisodeSpec]) -> list[dict[str, Any]]:
        from concurrent.futures import ThreadPoolExecutor

        from ..collector import _Episode
        unknown = {s.env_id for s in specs} - set(self.factories)
        if unknown:
            raise ValueError(f"episodes name envs {sorted(unknown)} that the collector was "
                             f"not given (it has {sorted(self.factories)})")
        eps = [_Episode(s) for s in specs]
        with ThreadPoolExecutor(self.env_workers, thread_name_prefix="rlvr-env") as pool:
            alive = [ep for ep, ok in zip(eps, pool.map(self._reset, eps)) if ok]
            while alive:
                stepping = [(ep, gen) for ep, gen in self._generate(alive)
                            if self._after_generation(ep, gen)]
                oks = list(pool.map(lambda eg: self._step(eg[0], eg[1].text), stepping))
                alive = [ep for (ep, _), ok in zip(stepping, oks) if ok]
        records = []
        for ep in eps:
            if ep.env is not None:
                self._free[ep.spec.env_id].append(ep.env)
            records.append(self._record(ep))
            if self.on_episode is not None:
                self.on_episode(records[-1])
        return records


def prepare_model(model: Any, cfg: GRPOConfig) -> Any:
    """`model` moved to `cfg.device` and set up for `cfg.precision` (`precision.py`: dtypes,
    bf16 autocast), with gradient checkpointing and LoRA (peft) as configured; returns the
    model to train (the peft wrapper with LoRA, unless `model` already is a peft model)."""
    model.to(cfg.device)
    apply_precision(model, cfg.precision, cfg.device,
                    lora_to_come=bool(cfg.lora_rank) and not is_peft_model(model))
    if cfg.gradient_checkpointing:
        # non-reentrant checkpointing: correct gradients when the inputs of a checkpointed
        # layer do not require grad (frozen LoRA base); it is torch's recommended mode
        kwargs = {"use_reentrant": False}
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x name
            model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
    if cfg.lora_rank and not is_peft_model(model):
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(
            r=cfg.lora_rank, lora_alpha=2 * cfg.lora_rank, target_modules="all-linear",
            task_type="CAUSAL_LM"))
    return model


@contextlib.contextmanager
def checkpointing_active(model: Any) -> Iterator[None]:
    """transformers recomputes a layer in backward only while that layer is in training mode,
    and the trainer keeps the model in eval mode (no dropout: the trained function is the
    sampled one). So for a gradient pass, switch on the training flag of the checkpointed
    layers alone, not of their children (dropout stays off); no-op without checkpointing."""
    layers = [m for m in model.modules()
              if getattr(m, "gradient_checkpointing", False) is True and not m.training]
    for m in layers:
        m.training = True
    try:
        yield
    finally:
        for m in layers:
            m.training = False


def env_factories(cfg: GRPOConfig, env_kwargs: dict[str, Any] | None = None
                  ) -> dict[str, Callable[[], gym.Env]]:
    """`gym.make` factories for the config's env ids (the digit toy env registered too),
    with `env_kwargs` (default: the config's)."""
    import rlvr_envs  # noqa: F401  (registers the rlvr envs)

    from .toy_env import register_digit_env
    register_digit_env()
    out = {}
    for env_id in cfg.envs:
        if env_id not in gym.registry:
            raise ValueError(f"unknown env {env_id!r}; run `rlvr list` for the registered ones")
        kwargs = cfg.env_kwargs if env_kwargs is None else env_kwargs
        out[env_id] = (lambda e=env_id, kw=kwargs: gym.make(e, **kw))
    return out


def make_env(env_id: str, env_kwargs: dict[str, Any]) -> gym.Env:
    """`gym.make(env_id, **env_kwargs)` with the rlvr envs and the digit toy env registered
    (a picklable factory body: Ray env workers call it in their own process)."""
    import rlvr_envs  # noqa: F401  (registers the rlvr envs)

    from .toy_env import register_digit_env
    register_digit_env()
    return gym.make(env_id, **env_kwargs)


def ray_env_factories(cfg: GRPOConfig, stack: contextlib.ExitStack
                      ) -> dict[str, Callable[[], gym.Env]]:
    """Factories of `RemoteEnv`s on `cfg.ray_workers` Ray env workers (agents/ray_envs.py),
    connected to `cfg.ray` ('local' or a cluster address); `stack` closes the workers and the
    session. A worker lost mid-episode makes that episode an infra error (out of the group
    baseline), not a reward of 0; training does not replay it (`rlvr bench` does)."""
    import functools

    from ..ray_envs import RayEnvPool, ray_session
    env_factories(cfg)  # unknown ids fail here, before Ray starts
    stack.enter_context(ray_session(cfg.ray))
    pool = stack.enter_context(RayEnvPool(
        [(e, functools.partial(make_env, e, dict(cfg.env_kwargs))) for e in cfg.envs],
        workers=cfg.ray_workers))
    return pool.factories()


# ---- run directory and reset seeds of evaluation --------------------------------------------

RUN_FILES = ("metrics.jsonl", "checkpoint.pt", "summary.json", "config.json",
             "reward_over_steps.png", "tb", "hf")  # + checkpoint-N/ (Hugging Face exports)
_RUN_MARKERS = ("metrics.jsonl", "checkpoint.pt", "summary.json")


def claim_output_dir(cfg: GRPOConfig) -> str:
    """Make `cfg.output_dir` ready for a run: "new", "resume" (`resume` and a checkpoint is
    there) or "overwrite" (the previous run's files removed); a directory that holds a
    previous run is refused (`CannotTrain`) unless `resume` or `overwrite` says what to do."""
    import shutil
    out = Path(cfg.output_dir)
    found = [n for n in _RUN_MARKERS if (out / n).exists()]
    if not found:
        out.mkdir(parents=True, exist_ok=True)
        return "new"
    if cfg.resume and (out / "checkpoint.pt").exists():
        return "resume"
    if not cfg.overwrite:
        why = ("it has no checkpoint.pt to resume from" if cfg.resume
               else "pass --resume to continue it")
        raise CannotTrain(f"{out} holds a previous run ({', '.join(found)}): {why}, "
                          "--overwrite to replace it, or another --output-dir")
    names = list(RUN_FILES) + [p.name for p in out.glob("checkpoint-*") if p.is_dir()]
    for name in names:  # only the files a run writes: anything else there stays
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return "overwrite"


def is_training_seed(cfg: GRPOConfig, seed: int) -> bool:
    """Whether some training or warm-start episode of a run with `cfg` (any number of steps)
    can reset with `seed`. `GRPOTrainer._specs` gives task i < tasks_per_step of (step, round)
    the seed cfg.seed * 1_000_003 + (step * (max_refill_rounds + 1) + round) * 4096 + i, and
    the warm start task i < sft_episodes that of step 10**6, round 0."""
    d = seed - cfg.seed * 1_000_003
    warm = 10**6 * (cfg.max_refill_rounds + 1) * 4096
    if d < 0:
        return False
    if warm <= d < warm + cfg.sft_episodes:
        return True
    return cfg.tasks_per_step >= 4096 or d % 4096 < cfg.tasks_per_step


def eval_reset_seeds(cfg: GRPOConfig, n: int, first: int | None = None) -> list[int]:
    """`n` reset seeds from `first` (default `cfg.eval_seed`) up, skipping every seed that a
    training step could use (`is_training_seed`): evaluation never replays a training reset."""
    seed = cfg.eval_seed if first is None else first
    out: list[int] = []
    while len(out) < n:
        if not is_training_seed(cfg, seed):
            out.append(seed)
        elif cfg.tasks_per_step >= 4096:
            raise ValueError(f"tasks_per_step={cfg.tasks_per_step}: the reset seeds of "
                             "consecutive steps overlap (they are 4096 apart), so every seed "
                             f"from {cfg.seed * 1_000_003} up can be trained on; use fewer "
                             "tasks per step")
        seed += 1
    return out


@dataclass
class CollectedBatch:
    """One step's episodes: all `records` (refill rounds included), those the loss uses,
    seconds spent generating, DAPO refill rounds, and the collection's wall seconds."""

    records: list[dict[str, Any]]
    records_for_loss: list[dict[str, Any]]
    generate_s: float
    rounds: int
    collect_s: float


class CannotTrain(ValueError):
    """The run cannot train as configured; the message names the knob to change."""


def model_context(model: Any) -> int | None:
    """The longest sequence (prompt + completion) the model's positions cover, from its
    config; None when the config does not say."""
    config = getattr(inner_model(model), "config", None)
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


class AdapterlessReference:
    """The reference policy of a LoRA run: the trainer's own model with its adapters switched
    off (peft's `disable_adapter()`), i.e. the frozen base weights; no second copy is held.
    Callable like the model (a forward); nothing else of the model is exposed, so a use that
    would bypass the switch fails loudly instead of scoring with the adapters on."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.model.disable_adapter():
            return self.model(*args, **kwargs)


class GRPOTrainer:
    """Trains `model` (built from `config.model` when None) with GRPO on `config.envs`.

    `model` is prepared as configured either way (`prepare_model`: device, precision, gradient
    checkpointing, LoRA). Episodes are sampled by `generator` when given, else by the
    generator of `config.backend` (`build_generator`). `generator` is a `Generator` that
    already holds the model's weights, or a factory `(prepared model, tokenizer) -> Generator`
    such as `copy_generator` (then the copy has the prepared precision and LoRA merged). After every
    optimizer update the trainer calls `generator.sync.sync(model)`; the log-prob gap on the
    next batch checks that it worked.
    """

    def __new__(cls, config: GRPOConfig | None = None, *args: Any, **kwargs: Any
                ) -> GRPOTrainer:
        # the knob picks the async loop (agents/grpo/async_loop.py); no config: unpickling
        if cls is GRPOTrainer and getattr(config, "async_collection", False):
            from .async_loop import AsyncGRPOTrainer
            cls = AsyncGRPOTrainer
        return super().__new__(cls)

    def __init__(self, config: GRPOConfig, model: Any = None, tokenizer: Any = None,
                 envs: dict[str, Callable[[], gym.Env]] | None = None,
                 generator: Generator | Callable[[Any, Any], Generator] | None = None
                 ) -> None:
        self.cfg = cfg = config
        torch.manual_seed(cfg.seed)
        check_device(cfg.device)  # one line, before any model is built
        if cfg.backend == "vllm" and generator is None:
            from .vllm_engine import require_gpu
            require_gpu(cfg)  # GPU, vLLM and the environment, before any model is loaded
        if model is None:
            model, tokenizer = self._load_model()
        self.context = model_context(model)
        if self.context is not None and cfg.max_episode_tokens > self.context:
            raise CannotTrain(
                f"max_episode_tokens={cfg.max_episode_tokens} is over the model's context of "
                f"{self.context} tokens (max_position_embeddings), so a prompt can fit the "
                f"budget and not the model: set --max-episode-tokens {self.context} or lower, "
                "make the env's observations shorter (--env-kwargs), or use a model with a "
                "longer context")
        model = prepare_model(model, cfg)
        self.model, self.tok = model, tokenizer
        self.device = torch.device(cfg.device)
        self.model.eval()  # no dropout: sampler and trainer see the same function
        self.ref_model: Any = None
        if cfg.beta != 0.0:  # TRL's rule: no reference model unless the KL term is on
            self.ref_model = (AdapterlessReference(model) if is_peft_model(model)
                              else copy.deepcopy(model).eval().requires_grad_(False))
        self.optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate,
            betas=tuple(cfg.adam_betas), weight_decay=cfg.weight_decay)
        self.scheduler = lr_scheduler(self.optimizer, cfg.lr_scheduler,
                                      warmup_steps=cfg.warmup_steps,
                                      total_steps=cfg.optimizer_steps(),
                                      min_lr_ratio=cfg.min_lr_ratio)
        self._closing = contextlib.ExitStack()
        if envs is None and cfg.ray:  # envs on Ray env workers, behind the same factories
            envs = ray_env_factories(cfg, self._closing)
        self.factories = envs if envs is not None else env_factories(cfg)
        self.settings = cfg.loss_settings()
        if generator is None:
            generator = build_generator(cfg, model, tokenizer)
        elif not isinstance(generator, Generator):
            generator = generator(model, tokenizer)
        self.generator = generator
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.out = Path(cfg.output_dir)
        self.curricula: dict[str, Any] = {}
        if cfg.curriculum:
            from rlvr_envs.core.curriculum import AdaptiveCurriculum
            self.curricula = {e: AdaptiveCurriculum(cfg.curriculum_levels) for e in self.factories}
        self.collector = LockstepCollector(self.factories, self._policy(),
                                           concurrency=cfg.concurrency, max_turns=cfg.max_turns,
                                           max_episode_tokens=cfg.max_episode_tokens,
                                           extend_prompts=cfg.extend_prompts)

    @property
    def sync(self) -> Any:
        """The generator's weight sync (its `version` is the weights' version)."""
        return self.generator.sync

    def _load_model(self) -> tuple[Any, Any]:
        cfg = self.cfg
        if cfg.model == "tiny":
            from ..tiny import build_tiny_model_and_tokenizer
            return build_tiny_model_and_tokenizer(cfg.seed, hidden_size=cfg.tiny_hidden_size,
                                                  num_layers=cfg.tiny_layers)
        from transformers import AutoModelForCausalLM, AutoTokenizer
        load = resolve_pretrained(cfg.model)  # fails in seconds, not after the hub's retries
        model = AutoModelForCausalLM.from_pretrained(
            cfg.model, dtype=param_dtype(cfg.precision, frozen=bool(cfg.lora_rank)), **load)
        return model, AutoTokenizer.from_pretrained(cfg.model, **load)

    def _policy(self) -> TimedPolicy:
        return TimedPolicy(self.generator.round_policy())

    # ---- collection --------------------------------------------------------------------

    def _specs(self, step: int, round_: int, n_tasks: int) -> list[EpisodeSpec]:
        cfg = self.cfg
        rng = np.random.default_rng([cfg.seed, step, round_])
        ids = list(self.factories)
        w = np.array(cfg.env_weights or [1.0] * len(ids), dtype=float)
        if len(w) != len(ids):
            raise ValueError(f"env_weights has {len(w)} entries for {len(ids)} envs")
        specs = []
        for i in range(n_tasks):
            env_id = ids[int(rng.choice(len(ids), p=w / w.sum()))]
            diff = (self.curricula[env_id].sample(rng) if env_id in self.curricula
                    else (cfg.difficulty if cfg.difficulty >= 0 else None))
            seed = cfg.seed * 1_000_003 + (step * (cfg.max_refill_rounds + 1) + round_) * 4096 + i
            opts = {"difficulty": diff} if diff is not None else None
            specs += [EpisodeSpec(env_id, i, k, seed, opts) for k in range(cfg.group_size)]
        return specs

    def collect(self, step: int, round_: int = 0, n_tasks: int | None = None
                ) -> tuple[list[dict[str, Any]], float]:
        """Play one batch of groups with the current weights; returns (records, generate_s)."""
        cfg = self.cfg
        policy = self._policy()
        self.collector.policy = policy
        self.collector.sampling = SamplingParams(
            temperature=cfg.temperature, max_new_tokens=cfg.max_new_tokens,
            seed=cfg.seed * 7919 + step * 31 + round_)
        records = self.collector.run(self._specs(step, round_, n_tasks or cfg.tasks_per_step))
        return records, policy.generate_s

    def rewards_and_advantages(self, records: list[dict[str, Any]]
                               ) -> tuple[list[list[dict[str, Any]]], torch.Tensor,
                                          torch.Tensor, dict[str, float]]:
        """Groups, shaped rewards (groups, G), advantages (groups, G) and advantage stats."""
        cfg = self.cfg
        groups = group_records(records)
        l_max, l_cache = cfg.overlong_limits()
        G = max(len(g) for g in groups)
        r = torch.zeros((len(groups), G), dtype=torch.float64)
        valid = torch.zeros((len(groups), G), dtype=torch.bool)
        for gi, g in enumerate(groups):
            for k, rec in enumerate(g):
                reward = float(rec["reward"])
                if cfg.overlong_penalty:
                    reward += float(overlong_penalty(
                        torch.tensor([generated_tokens(rec)]), l_max, l_cache,
                        cfg.overlong_factor)[0])
                r[gi, k] = reward
                valid[gi, k] = rec.get("infra_error") is None
        adv, stats = group_advantages(r, valid, scale=cfg.scale_rewards,  # type: ignore[arg-type]
                                      leave_one_out=cfg.leave_one_out)
        return groups, r, adv, stats

    # ---- update ------------------------------------------------------------------------

    @torch.no_grad()
    def score(self, batch: TrainBatch) -> None:
        """Fill `old_logp` (and `ref_logp`) for the batch with the current weights."""
        rows_on_device = batch.to(self.device)
        old = torch.zeros_like(rows_on_device.sampler_logp)
        ref = torch.zeros_like(old) if self.ref_model is not None else None
        for rows in batch.micro_batch_rows(self.cfg.micro_batch_size):
            mb = rows_on_device.select(rows)
            if self.cfg.trim_micro_batches:  # slots past its own width are padding: stay 0
                mb = mb.trimmed()
            width = mb.loss_mask.shape[1]
            old[rows, :width] = token_logprobs(self.model, mb.input_ids, mb.attention_mask,
                                               temperature=self.cfg.temperature)[0]
            if ref is not None:
                ref[rows, :width] = token_logprobs(self.ref_model, mb.input_ids,
                                                   mb.attention_mask,
                                                   temperature=self.cfg.temperature)[0]
        batch.old_logp, batch.ref_logp = old, ref

    def accumulate_gradients(self, batch: TrainBatch, micro_batch_size: int
                             ) -> dict[str, float]:
        """Backward the step loss over micro-batches (gradients accumulate in `.grad`);
        the normalisers count the whole batch and micro-batches hold whole episodes, so any
        split gives the same gradient. Sequences are episodes, however many rows each has."""
        total_tokens = float(batch.loss_mask.sum())
        total_seqs = float(batch.episode[batch.loss_mask.sum(1) > 0].unique().numel())
        sums = {"loss": 0.0, "tokens": 0.0, "clip_low_sum": 0.0, "clip_high_sum": 0.0,
                "kl_sum": 0.0, "entropy_sum": 0.0}
        for mb in batch.to(self.device).micro_batches(micro_batch_size,
                                                      self.cfg.trim_micro_batches):
            if float(mb.loss_mask.sum()) == 0 and self.settings.aggregation == "token_mean":
                continue  # contributes exactly nothing
            with checkpointing_active(self.model):
                logp, ent = token_logprobs(self.model, mb.input_ids, mb.attention_mask,
                                           with_entropy=True, temperature=self.cfg.temperature)
            loss, st = policy_loss(
                logp, mb.old_logp, mb.advantages, mb.loss_mask, self.settings,
                total_tokens=total_tokens, total_sequences=total_seqs,
                sampler_logp=mb.sampler_logp if mb.has_sampler_logp else None,
                ref_logp=mb.ref_logp, episode=mb.episode)
            loss.backward()
            sums["loss"] += float(loss.detach())
            for k in ("tokens", "clip_low_sum", "clip_high_sum", "kl_sum"):
                sums[k] += float(st[k])
            sums["entropy_sum"] += float((ent * mb.loss_mask).sum())
        return sums

    def _has_signal(self, batch: TrainBatch) -> bool:
        """Whether the loss of `batch` has a gradient: a nonzero advantage on a loss token,
        or (beta != 0) any loss token for the KL term."""
        if self.cfg.beta != 0.0:
            return batch.num_loss_tokens > 0
        return bool(((batch.advantages != 0) & (batch.loss_mask.sum(1) > 0)).any())

    def mini_batches(self, batch: TrainBatch, episode_group: Sequence[int] | None = None
                     ) -> list[TrainBatch]:
        """`batch` split into `mini_batches` parts of whole groups (contiguous, sizes differing
        by at most one group; fewer parts when there are fewer groups). `episode_group[i]` is
        episode i's group (None: each episode its own group). One part: the batch itself."""
        k = self.cfg.mini_batches
        if k == 1:
            return [batch]
        n_episodes = int(batch.episode.max()) + 1
        group = torch.as_tensor(list(episode_group) if episode_group is not None
                                else range(n_episodes), dtype=torch.long)
        n_groups = int(group.max()) + 1
        row_group = group.to(batch.episode.device)[batch.episode]
        return [batch.select((row_group >= int(c[0])) & (row_group <= int(c[-1])))
                for c in np.array_split(np.arange(n_groups), min(k, n_groups))]

    def update(self, batch: TrainBatch, episode_group: Sequence[int] | None = None
               ) -> dict[str, float]:
        """`num_iterations` passes over the batch, each one optimizer step per mini-batch
        (`mini_batches`; old log-probs were stored once, before). A mini-batch with no
        learning signal takes no step. Metrics: loss and grad_norm are the mean over the last
        pass's steps; the token fractions count that pass's mini-batches."""
        cfg = self.cfg
        has_signal = self._has_signal(batch)
        out: dict[str, float] = {"skipped_update": float(not has_signal)}
        if not has_signal:  # an empty learning signal leaves the weights bit-identical
            return out
        parts = self.mini_batches(batch, episode_group)
        for _ in range(cfg.num_iterations):
            losses, norms, lrs = [], [], []
            totals = dict.fromkeys(("tokens", "clip_low_sum", "clip_high_sum", "kl_sum",
                                    "entropy_sum"), 0.0)
            for part in parts:
                if part is not batch and not self._has_signal(part):
                    continue  # Adam would still move the weights on a zero gradient
                self.optimizer.zero_grad(set_to_none=True)
                sums = self.accumulate_gradients(part, cfg.micro_batch_size)
                params = [p for p in self.model.parameters() if p.grad is not None]
                norm = torch.nn.utils.clip_grad_norm_(
                    params, cfg.max_grad_norm if cfg.max_grad_norm > 0 else math.inf)
                lrs.append(float(self.optimizer.param_groups[0]["lr"]))
                self.optimizer.step()
                self.scheduler.step()
                losses.append(sums["loss"])
                norms.append(float(norm))
                for key in totals:
                    totals[key] += sums[key]
        n = max(totals["tokens"], 1.0)
        out.update(loss=float(np.mean(losses)), grad_norm=float(np.mean(norms)),
                   clip_frac_low=totals["clip_low_sum"] / n,
                   clip_frac_high=totals["clip_high_sum"] / n, kl=totals["kl_sum"] / n,
                   entropy=totals["entropy_sum"] / n, lr=lrs[-1])
        return out

    # ---- one step ----------------------------------------------------------------------

    def train_step(self) -> dict[str, Any]:
        """Collect, compute advantages, update, sync; returns this step's metrics."""
        t0 = time.perf_counter()
        return self.learn_step(self.collect_step(self.step, self.sync.version), t0)

    def collect_step(self, step: int, version: int) -> CollectedBatch:
        """Step `step`'s episodes (DAPO refill rounds included) with the generator's current
        weights, each record stamped `policy_version=version` (the weights that sampled it)."""
        cfg = self.cfg
        t0 = time.perf_counter()
        records, gen_s = self.collect(step)
        rounds = 0
        if cfg.dynamic_sampling:  # DAPO: keep groups with signal, refill from fresh tasks
            keep = self._groups_with_signal(records)
            while len(keep) < cfg.tasks_per_step and rounds < cfg.max_refill_rounds:
                rounds += 1
                more, g = self.collect(step, rounds)
                gen_s += g
                keep += self._groups_with_signal(more)
            records_for_loss = [r for grp in keep[:cfg.tasks_per_step] for r in grp] or records
        else:
            records_for_loss = records
        for rec in records + records_for_loss:
            rec["policy_version"] = version
        return CollectedBatch(records, records_for_loss, gen_s, rounds,
                              time.perf_counter() - t0)

    def publish_weights(self) -> int:
        """After an update: the generator gets the new weights; returns the new version."""
        return self.sync.sync(self.model)

    def learn_step(self, collected: CollectedBatch, t0: float) -> dict[str, Any]:
        """Advantages, scoring, update and weight publishing for a collected batch; returns
        the step's metrics (`t0`: when the step started, for `time_step_s`)."""
        cfg = self.cfg
        records, records_for_loss = collected.records, collected.records_for_loss
        gen_s, rounds, t_collect = collected.generate_s, collected.rounds, collected.collect_s
        self.sync.sleep()  # vLLM sleep mode: the engine's memory is the trainer's until sync
        groups, rewards, adv, adv_stats = self.rewards_and_advantages(records_for_loss)
        flat = [rec for g in groups for rec in g]
        flat_adv = [float(adv[gi, k]) for gi, g in enumerate(groups) for k in range(len(g))]
        batch = build_batch(flat, flat_adv, pad_token_id=self.tok.pad_token_id,
                            mask_truncated=cfg.mask_truncated,
                            on_prefix_mismatch=cfg.on_prefix_mismatch).to(self.device)
        t1 = time.perf_counter()
        if batch.input_ids.shape[0] == 0:  # no episode generated a token: nothing to score
            warning = self._nothing_to_train(records)
            gap, upd = {}, {"skipped_update": 1.0}
            t2 = t3 = time.perf_counter()
        else:
            self.score(batch)
            # the first batch sampled after the last sync: does the generator have our weights?
            gap = self._logprob_gap(batch)
            warning = self._check_logprob_gap(gap)
            t2 = time.perf_counter()
            upd = self.update(batch, [gi for gi, g in enumerate(groups) for _ in g])
            t3 = time.perf_counter()
        version = self.publish_weights()
        t4 = time.perf_counter()
        self.step += 1
        for rec in records:
            if rec["env_id"] in self.curricula and rec["options"]:
                self.curricula[rec["env_id"]].report(rec["options"]["difficulty"],
                                                     float(rec["passed"]))
        ok = [r for r in records if r.get("infra_error") is None]
        gen_tokens = sum(generated_tokens(r) for r in records)
        m: dict[str, Any] = {
            "step": self.step, "version": version,
            "reward_mean": float(np.mean([r["reward"] for r in ok])) if ok else float("nan"),
            "reward_std": adv_stats["reward_std"],
            "pass_rate": float(np.mean([r["passed"] for r in ok])) if ok else float("nan"),
            "frac_reward_zero_std": adv_stats["frac_reward_zero_std"],
            "episodes": len(records), "refill_rounds": rounds,
            "infra_error_rate": 1 - len(ok) / max(len(records), 1),
            "truncation_rate": float(np.mean([bool(r["truncated"]) for r in records])),
            "turns_mean": float(np.mean([r["num_turns"] for r in records])),
            "generated_tokens": gen_tokens, "loss_tokens": batch.num_loss_tokens,
            "prefix_mismatch_episodes": sum(bool(r.get("prefix_mismatch")) for r in records),
            **gap, **upd,
            "time_generate_s": gen_s, "time_env_s": max(t_collect - gen_s, 0.0),
            "time_logprob_s": t2 - t1, "time_update_s": t3 - t2, "time_sync_s": t4 - t3,
            "time_step_s": t4 - t0, "tokens_per_s": gen_tokens / max(t_collect, 1e-9),
        }
        if warning:
            m["warning"] = warning
        return m

    def _check_logprob_gap(self, gap: dict[str, float]) -> str | None:
        """None when the gap is within `logprob_gap_tol`; else the warning to log
        (`on_logprob_gap="warn"`) or a RuntimeError (`"error"`, the default)."""
        cfg = self.cfg
        if gap.get("logprob_gap_mean", 0.0) <= cfg.logprob_gap_tol:
            return None
        msg = (f"step {self.step}: sampler/trainer log-prob gap {gap['logprob_gap_mean']:.2e} "
               f"(max {gap['logprob_gap_max']:.2e}) > logprob_gap_tol={cfg.logprob_gap_tol} "
               f"right after weight sync version {self.sync.version}: the generator's weights "
               "are stale (its sync did not copy the trainer's weights) or it samples from "
               "another distribution (temperature, suppressed tokens, chat template)")
        if cfg.on_logprob_gap == "warn":
            return msg
        raise RuntimeError(msg + ". If this is the expected numeric mismatch of a bf16 or "
                           "vLLM generator, raise --logprob-gap-tol (~1e-2 is normal there) or "
                           "set --on-logprob-gap warn")

    def _nothing_to_train(self, records: list[dict[str, Any]]) -> str:
        """Why a step has no trainable row (logged, the step skipped); `CannotTrain` naming
        the knob when no prompt of the run's first step fits the token budget."""
        cfg = self.cfg
        over = [r for r in records if r.get("end_reason") == "token_budget" and not r["turns"]]
        infra = [r for r in records if r.get("infra_error") is not None]
        if self.step == 0 and records and len(over) == len(records):
            raise CannotTrain(
                f"every prompt of the first step is longer than max_episode_tokens="
                f"{cfg.max_episode_tokens} ({', '.join(sorted({r['env_id'] for r in over}))}): "
                "raise --max-episode-tokens (it must hold the prompt plus --max-new-tokens"
                + (f", up to the model's context of {self.context}" if self.context else "")
                + "), "
                "or make the env's observations shorter (e.g. --env-kwargs '{\"context_tokens\": 1024}' for "
                "rlvr/KGMultiHop-v0)")
        parts = []
        if over:
            parts.append(f"{len(over)} over max_episode_tokens={cfg.max_episode_tokens} "
                         "before generating")
        if infra:
            parts.append(f"{len(infra)} infra errors (first: {infra[0]['infra_error']})")
        return (f"step {self.step}: nothing to train, update skipped: of {len(records)} "
                f"episodes {', '.join(parts) or 'none generated a token'}")

    def _groups_with_signal(self, records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        return [g for g in group_records(records)
                if len({float(r["reward"]) for r in g if r.get("infra_error") is None}) > 1]

    @staticmethod
    def _logprob_gap(batch: TrainBatch) -> dict[str, float]:
        if not batch.has_sampler_logp or batch.old_logp is None or batch.num_loss_tokens == 0:
            return {}
        diff = (batch.sampler_logp - batch.old_logp).abs() * batch.loss_mask
        return {"logprob_gap_mean": float(diff.sum() / batch.loss_mask.sum()),
                "logprob_gap_max": float(diff.max())}

    # ---- the run -----------------------------------------------------------------------

    def train(self, steps: int | None = None, log: Callable[[str], None] | None = None
              ) -> list[dict[str, Any]]:
        """Run until `steps` (default `config.steps`) steps are done; logs metrics.jsonl.

        A directory holding a previous run is refused unless `resume` or `overwrite`
        (`claim_output_dir`). Every `eval_every` steps the step's metrics get `eval_heldout`
        and `eval_train` (greedy, `eval_tasks` episodes each). `log` gets one progress line
        per step (`progress_line`); warnings go to it even with `quiet`."""
        cfg = self.cfg
        if not getattr(self, "_claimed_output", False):
            claim_output_dir(cfg)
            self._claimed_output = True
        ckpt = self.out / "checkpoint.pt"
        if cfg.resume and ckpt.exists():
            self.load_checkpoint(ckpt)
        writer = _make_writer(cfg, self.out)
        target = steps if steps is not None else cfg.steps
        with open(self.out / "metrics.jsonl", "a") as metrics_log:
            while self.step < target:
                m = self.train_step()
                if cfg.eval_every and cfg.eval_tasks and self.step % cfg.eval_every == 0:
                    m["eval_heldout"], m["eval_train"] = self.evaluate_both()
                self.history.append(m)
                metrics_log.write(json.dumps(m) + "\n")
                metrics_log.flush()
                if writer is not None:
                    writer(m)
                if log is not None and not cfg.quiet:
                    log(progress_line(m, target))
                if log is not None and m.get("warning"):
                    log(f"warning: {m['warning']}")
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                    self.save_checkpoint(ckpt)
                    if cfg.export_hf:
                        self.export(self.out / f"checkpoint-{self.step}")
        self.save_checkpoint(ckpt)
        if cfg.export_hf:
            self.export(self.out / "hf")
        return self.history

    def export(self, directory: str | Path) -> Path:
        """The model in Hugging Face format (`export.export_hf`: with LoRA the adapters, and
        the merged model under `merged/` when `export_merged`) and the tokenizer."""
        return export_hf(self.model, self.tok, directory, merged=self.cfg.export_merged)

    def save_checkpoint(self, path: str | Path) -> None:
        """Model, optimizer, LR schedule, step, version and curricula: an exact resume."""
        torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "step": self.step, "version": self.sync.version,
                    "curricula": {k: c.state_dict() for k, c in self.curricula.items()},
                    "config": self.cfg.to_dict()}, path)

    def load_checkpoint(self, path: str | Path) -> None:
        state = torch.load(path, weights_only=False, map_location=self.device)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if "scheduler" in state:  # checkpoints written before the LR schedule existed lack it
            self.scheduler.load_state_dict(state["scheduler"])
        self.sync.push(self.model)  # a separate generator still holds the pre-resume weights
        self.step, self.sync.version = int(state["step"]), int(state["version"])
        for k, c in state["curricula"].items():
            self.curricula[k].load_state_dict(c)

    # ---- warm start and evaluation -------------------------------------------------------

    def warm_start(self, episodes: int, steps: int, lr: float) -> list[float]:
        """Supervised pass on oracle transcripts (loss on the assistant tokens only)."""
        collector = LockstepCollector(self.factories,
                                      OracleTokenPolicy(self.tok, self.cfg.sft_oracle_template),
                                      concurrency=self.cfg.concurrency, max_turns=self.cfg.max_turns,
                                      extend_prompts=self.cfg.extend_prompts)
        n_tasks = max(1, episodes)
        specs = [EpisodeSpec(s.env_id, s.task_index, 0, s.seed, s.options)
                 for s in self._specs(10**6, 0, n_tasks)[::self.cfg.group_size]]
        records = collector.run(specs)
        collector.close()
        batch = build_batch(records, [1.0] * len(records),
                            pad_token_id=self.tok.pad_token_id).to(self.device)
        if batch.input_ids.shape[0] == 0:
            errors = [r["infra_error"] for r in records if r.get("infra_error")]
            raise CannotTrain(
                f"the warm start's {len(records)} oracle episodes produced no tokens"
                + (f" ({len(errors)} infra errors, first: {errors[0]})" if errors else "")
                + ": check --envs and --env-kwargs (a preset's env_kwargs apply to every env), "
                "or set --sft-steps 0")
        opt = torch.optim.AdamW(self.model.parameters(), lr=lr, weight_decay=0.0)
        losses = []
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            with checkpointing_active(self.model):
                logp, _ = token_logprobs(self.model, batch.input_ids, batch.attention_mask)
            loss = -(logp * batch.loss_mask).sum() / batch.loss_mask.sum().clamp(min=1)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        self.sync.sync(self.model)
        return losses

    def evaluate(self, n_tasks: int, seed: int | None = None, split: str = "heldout") -> float:
        """Mean reward of `n_tasks` greedy episodes, one per reset seed from `seed` (default
        `eval_seed`) up, never a seed a training step could use (`eval_reset_seeds`).

        split "heldout": the envs made with `env_kwargs` updated by `eval_env_kwargs` (other
        questions when that sets `tasks`); "train": the training envs (the same questions
        on unused reset seeds), to compare what was learned with what generalised."""
        cfg = self.cfg
        if split not in ("heldout", "train"):
            raise ValueError(f"split must be 'heldout' or 'train', got {split!r}")
        factories = self.factories
        if split == "heldout" and cfg.eval_env_kwargs:
            if getattr(self, "_heldout_factories", None) is None:
                self._heldout_factories = env_factories(
                    cfg, {**cfg.env_kwargs, **cfg.eval_env_kwargs})
            factories = {e: self._heldout_factories[e] for e in self.factories}
        ids = list(factories)
        diff = cfg.difficulty if cfg.difficulty >= 0 else None
        specs = [EpisodeSpec(ids[i % len(ids)], i, 0, s,
                             {"difficulty": diff} if diff is not None else None)
                 for i, s in enumerate(eval_reset_seeds(cfg, n_tasks, seed))]
        collector = LockstepCollector(factories, self._policy(),
                                     sampling=SamplingParams(temperature=0.0,
                                                             max_new_tokens=cfg.max_new_tokens),
                                     concurrency=cfg.concurrency, max_turns=cfg.max_turns,
                                     max_episode_tokens=cfg.max_episode_tokens,
                                     extend_prompts=cfg.extend_prompts)
        records = collector.run(specs)
        collector.close()
        self.eval_records = records  # the last evaluation's transcripts, to inspect
        return float(np.mean([r["reward"] for r in records]))

    def evaluate_both(self) -> tuple[float, float]:
        """(held-out, training-question) greedy reward over `eval_tasks` episodes each; one
        evaluation serves both when `eval_env_kwargs` is empty (the same envs and seeds)."""
        heldout = self.evaluate(self.cfg.eval_tasks)
        if not self.cfg.eval_env_kwargs:
            return heldout, heldout
        return heldout, self.evaluate(self.cfg.eval_tasks, split="train")

    def close(self) -> None:
        self.collector.close()
        self.generator.close()
        self._closing.close()  # Ray env workers (and the Ray session this run started)


def _make_writer(cfg: GRPOConfig, out: Path) -> Callable[[dict[str, Any]], None] | None:
    if cfg.report_to == "tensorboard":
        from torch.utils.tensorboard import SummaryWriter
        tb = SummaryWriter(str(out / "tb"))
        return lambda m: [tb.add_scalar(k, v, m["step"]) for k, v in m.items()
                          if isinstance(v, (int, float))] and None
    if cfg.report_to == "wandb":
        import wandb
        wandb.init(project="rlvr-envs", config=cfg.to_dict(), dir=str(out))
        return lambda m: wandb.log(m, step=m["step"])
    return None


def progress_line(m: dict[str, Any], total: int) -> str:
    """One plain line per step for a terminal or a log file (no cursor escapes)."""
    width = len(str(total))
    line = (f"step {m['step']:>{width}}/{total}  reward {m['reward_mean']:.3f} (sampled)  "
            f"pass {m['pass_rate']:.2f}")
    if "eval_heldout" in m:
        line += f"  held-out {m['eval_heldout']:.3f}  train-questions {m['eval_train']:.3f} (greedy)"
    return line + f"  {m['time_step_s']:.2f}s  {m['tokens_per_s']:.0f} tok/s"


def plot_rewards(history: list[dict[str, Any]], path: str | Path,
                 evals: Sequence[dict[str, Any]] = ()) -> bool:
    """Training reward (sampled, per step) and, from `evals` ({"step", "heldout", "train"}),
    the greedy reward on held-out and on training questions, as a PNG; False when matplotlib
    is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([m["step"] for m in history], [m["reward_mean"] for m in history], lw=1,
            label="training reward (sampled, per step)")
    if evals:
        steps = [e["step"] for e in evals]
        ax.plot(steps, [e["heldout"] for e in evals], marker="o", color="C3",
                label="held-out reward (greedy)")
        if all("train" in e for e in evals):
            ax.plot(steps, [e["train"] for e in evals], marker="s", ls="--", color="C2",
                    label="training questions (greedy)")
    ax.set_xlabel("step")
    ax.set_ylabel("mean reward")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("GRPO reward over steps")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_training(cfg: GRPOConfig, log: Callable[[str], None] = print) -> dict[str, Any]:
    """The `rlvr train` run: optional SFT warm start, evaluation, GRPO, evaluation, plot.

    Writes metrics.jsonl, checkpoint.pt, summary.json and reward_over_steps.png (when
    matplotlib is installed) under `cfg.output_dir`, which must not hold a previous run unless
    `resume` or `overwrite` (`claim_output_dir`); `log` gets the run directory, one progress
    line per step (unless `quiet`) and the results. Returns the summary: `eval_before` /
    `eval_after` (held-out, greedy), `eval_train_before` / `eval_train_after` (training
    questions, greedy), `eval_curve` (every evaluation) and `reward_curve` (sampled, per step).
    """
    out = Path(cfg.output_dir)
    mode = claim_output_dir(cfg)
    files = "metrics.jsonl, checkpoint.pt, summary.json" + (
        ", reward_over_steps.png" if cfg.plot else "")
    log({"new": f"rlvr train: writing to {out}/ ({files})",
         "resume": f"rlvr train: resuming the run in {out}/ from checkpoint.pt",
         "overwrite": f"rlvr train: writing to {out}/ ({files}); the previous run there was "
                      "removed (--overwrite)"}[mode])
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    seed_everything(cfg.seed)
    trainer = GRPOTrainer(cfg)
    summary: dict[str, Any] = {"config": cfg.to_dict()}
    t0 = time.perf_counter()
    resuming = mode == "resume"
    evals: list[dict[str, Any]] = []

    def evaluate(step: int) -> dict[str, Any]:
        heldout, train = trainer.evaluate_both()
        return {"step": step, "heldout": heldout, "train": train}

    def results(e: dict[str, Any]) -> str:
        if not cfg.eval_env_kwargs:
            return (f"reward {e['heldout']:.3f} on the training questions (no eval_env_kwargs: "
                    "no held-out questions)")
        return f"held-out reward {e['heldout']:.3f}, training questions {e['train']:.3f}"

    if cfg.sft_episodes and cfg.sft_steps and not resuming:
        losses = trainer.warm_start(cfg.sft_episodes, cfg.sft_steps, cfg.sft_learning_rate)
        summary["sft_loss"] = [losses[0], losses[-1]]
        log(f"warm start: {cfg.sft_steps} SFT steps on {cfg.sft_episodes} oracle episodes, "
            f"loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    if cfg.eval_tasks and not resuming:
        evals.append(evaluate(trainer.step))
        summary["eval_before"], summary["eval_train_before"] = (evals[0]["heldout"],
                                                               evals[0]["train"])
        log(f"before GRPO, greedy, {cfg.eval_tasks} episodes each: {results(evals[0])}")
    history = trainer.train(log=log) if cfg.steps > 0 else []
    evals += [{"step": m["step"], "heldout": m["eval_heldout"], "train": m["eval_train"]}
              for m in history if "eval_heldout" in m]
    if cfg.eval_tasks:
        if not evals or evals[-1]["step"] != trainer.step:  # greedy: the same weights, same score
            evals.append(evaluate(trainer.step))
        summary["eval_after"], summary["eval_train_after"] = (evals[-1]["heldout"],
                                                             evals[-1]["train"])
        log(f"after GRPO, greedy, {cfg.eval_tasks} episodes each: {results(evals[-1])}")
    summary["eval_curve"] = evals
    summary["reward_curve"] = [m["reward_mean"] for m in history]
    summary["seconds"] = time.perf_counter() - t0
    if cfg.plot and history:
        png = out / "reward_over_steps.png"
        summary["plot"] = str(png) if plot_rewards(history, png, evals) else None
        if summary["plot"] is None:
            log("matplotlib is not installed: no plot (pip install matplotlib)")
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    trainer.close()
    log(f"done in {summary['seconds']:.0f}s: {out / 'summary.json'}"
        + (f", plot {summary['plot']}" if summary.get("plot") else ""))
    return summary
