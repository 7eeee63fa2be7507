"""The trainer's generator: the policy that samples episodes and the sync that feeds it weights.

    generator = build_generator(config, model, tokenizer)   # from config.backend
    policy = generator.round_policy()                       # sample one collection round
    version = generator.sync.sync(model)                    # after every optimizer update

Backends (`GRPOConfig.backend`):

* `hf`: `HFPolicy` on the trainer's own model, `IdentitySync` (CPU or GPU; the default).
* `vllm`: `VLLMPolicy` on a colocated vLLM engine, `VLLMSync` (CUDA GPU only; built in
  `agents.grpo.vllm_engine`, imported only when asked for).
* `vllm_ray`: vLLM engines as Ray actors, data-parallel, `RaySync` (`agents.grpo.
  ray_generation`, imported only when asked for).

`copy_generator(model, tokenizer)` is a third kind, not a config choice: `HFPolicy` on a
separate plain copy of the model, `CopySync`. It receives weights exactly as vLLM does
(`weights_for_sync`), so the sync logic, LoRA merge included, is testable on CPU; pass it to
`GRPOTrainer(..., generator=...)`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ..hf_policy import HFPolicy
from ..policy import Conversation, Generation, Policy, SamplingParams
from .config import GRPOConfig
from .sync import CopySync, IdentitySync, WeightSync, plain_copy


class Generator:
    """A learning-capable policy (token ids and sampler log-probs) and the `WeightSync` that
    keeps its weights equal to the trainer's. It must start with the trainer's weights."""

    def __init__(self, policy: Policy, sync: WeightSync) -> None:
        if not policy.returns_token_ids:
            raise ValueError(f"the generator's policy {policy.name!r} does not return token "
                             "ids and log-probs; the learner needs a learning-capable policy")
        self.policy = policy
        self.sync = sync

    def round_policy(self) -> Policy:
        """The policy for one collection round (here: the same one every round)."""
        return self.policy

    def close(self) -> None:
        self.policy.close()


class HFGenerator(Generator):
    """`HFPolicy` on `model`: the trainer's own model (`IdentitySync`) or a copy (`CopySync`)."""

    def __init__(self, model: Any, tokenizer: Any, sync: WeightSync, *, batch_size: int = 64,
                 name: str = "grpo") -> None:
        # the sampler must draw from the distribution the trainer scores: no suppressed tokens
        if getattr(model, "generation_config", None) is not None:
            model.generation_config.suppress_tokens = None
        self.model, self.tokenizer = model, tokenizer
        self.batch_size, self.name = batch_size, name
        super().__init__(self.round_policy(), sync)

    def round_policy(self) -> Policy:
        # a fresh HFPolicy per round restarts its per-call seed stream, so a round's samples
        # depend only on (seed, step, round) and a resumed run repeats the uninterrupted one
        return HFPolicy(self.model, self.tokenizer, batch_size=self.batch_size, name=self.name)


def copy_generator(model: Any, tokenizer: Any, *, batch_size: int = 64) -> HFGenerator:
    """An HF generator on a separate plain copy of `model` (LoRA merged), fed by `CopySync`."""
    target = plain_copy(model).eval()
    return HFGenerator(target, tokenizer, CopySync(target), batch_size=batch_size)


def build_generator(cfg: GRPOConfig, model: Any, tokenizer: Any) -> Generator:
    """The generator of `cfg.backend` for the trainer's `model`."""
    if cfg.backend == "vllm":
        from .vllm_engine import vllm_generator
        return vllm_generator(cfg, model)
    if cfg.backend == "vllm_ray":
        from .ray_generation import ray_generator
        return ray_generator(cfg, model)
    return HFGenerator(model, tokenizer, IdentitySync(), batch_size=cfg.concurrency)


class TimedPolicy(Policy):
    """Wraps a policy and adds up the seconds spent in `generate` (the generation share)."""

    returns_token_ids = True

    def __init__(self, inner: Policy) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_batch_size = inner.max_batch_size
        self.max_concurrent_calls = inner.max_concurrent_calls
        self.generate_s = 0.0

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        t = time.perf_counter()
        try:
            return self.inner.generate(conversations, sampling)
        finally:
            self.generate_s += time.perf_counter() - t

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()


__all__ = ["Generator", "HFGenerator", "TimedPolicy", "build_generator", "copy_generator"]
