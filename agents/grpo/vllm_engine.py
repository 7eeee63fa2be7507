"""The GPU path: vLLM generation with weight sync (imported lazily; fails clearly on CPU).

`vllm_generator(cfg, model)` builds `agents.vllm_policy.VLLMPolicy` on a colocated `vllm.LLM`
(same process and GPU as the trainer, `cfg.vllm_gpu_memory_utilization` of its memory) and a
`VLLMSync` for it. `VLLMSync.push(model)` streams `weights_for_sync(model)` (plain HF names;
LoRA adapters merged) into the engine's model with its `load_weights` (TRL's colocate path:
`llm_engine.model_executor.driver_worker.model_runner.model`) and resets the prefix cache,
whose KV entries were computed with the old weights. Sampler log-probs then come from vLLM;
the trainer's log-prob gap check catches a push that did not take effect, and the loss's TIS
correction (`is_correction`) covers the normal bf16 kernel mismatch.

Not run in this repository's tests: there is no GPU here (see docs/training.md).
"""

from __future__ import annotations

import os
from typing import Any

from .config import GRPOConfig
from .generator import Generator
from .sync import WeightSync, weights_for_sync


def require_gpu() -> None:
    """Raise a clear error unless a CUDA GPU is visible and vLLM is installed (the GPU is
    checked first: without one, installing vLLM would not help)."""
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("backend='vllm' needs a CUDA GPU and none is visible "
                           "(torch.cuda.is_available() is False); use backend='hf' "
                           "(CPU or GPU) instead")
    from ..vllm_policy import require_vllm
    require_vllm()


class VLLMSync(WeightSync):
    """Pushes trainer weights into a colocated (in-process) vLLM engine."""

    def __init__(self, llm: Any) -> None:   # an engine exists: the GPU was checked
        super().__init__()
        self.llm = llm

    def _engine_model(self) -> Any:
        try:
            return self.llm.llm_engine.model_executor.driver_worker.model_runner.model
        except AttributeError as e:
            raise RuntimeError(
                "cannot reach the vLLM engine's model in this process "
                "(llm.llm_engine.model_executor.driver_worker.model_runner.model): the engine "
                "must run in-process (VLLM_ENABLE_V1_MULTIPROCESSING=0, set by vllm_generator "
                f"before the engine is built) on a vLLM version with that layout: {e}") from e

    def push(self, model: Any) -> None:
        self._engine_model().load_weights(weights_for_sync(model))
        self.llm.reset_prefix_cache()  # cached KV blocks were computed with the old weights


def vllm_generator(cfg: GRPOConfig, model: Any) -> Generator:
    """`VLLMPolicy` on a colocated engine loaded from `cfg.model`, synced from `model` now."""
    require_gpu()
    if cfg.model == "tiny" or not os.path.isdir(cfg.model):
        raise ValueError(f"backend='vllm' loads the model from a checkpoint directory, got "
                         f"model={cfg.model!r}; pass --model path/to/checkpoint (the tiny "
                         "model is for backend='hf' on CPU)")
    # the direct weight push needs the engine core in this process, not in a subprocess
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    from ..vllm_policy import VLLMPolicy
    policy = VLLMPolicy(cfg.model, name="grpo", seed=cfg.seed, dtype=cfg.dtype,
                        gpu_memory_utilization=cfg.vllm_gpu_memory_utilization,
                        enable_prefix_caching=True)
    sync = VLLMSync(policy.llm)
    sync.push(model)  # the trainer's weights (an injected model, LoRA merged) from step 0
    return Generator(policy, sync)


__all__ = ["VLLMSync", "require_gpu", "vllm_generator"]
