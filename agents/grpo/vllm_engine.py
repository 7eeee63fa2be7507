"""The GPU path: vLLM generation with weight sync (imported lazily; fails clearly on CPU).

Plan (see docs/training.md): the trainer holds the bf16 model (optionally LoRA via peft,
gradient checkpointing on); `VLLMSync.sync(model)` pushes the state dict into a colocated
`vllm.LLM` (`llm_engine.model_executor.driver_worker.model_runner.model.load_weights`, the
TRL colocate path) and resets the prefix cache; the collector then generates with
`agents.vllm_policy.VLLMPolicy` on the same engine, so sampler log-probs come from vLLM and
the loss's TIS correction covers the kernel mismatch.
"""

from __future__ import annotations

from typing import Any


def require_gpu() -> None:
    """Raise a clear error unless CUDA and vLLM are both available."""
    try:
        import torch
    except ImportError as e:  # pragma: no cover
        raise RuntimeError("the vLLM backend needs torch with CUDA") from e
    if not torch.cuda.is_available():
        raise RuntimeError("backend='vllm' needs a CUDA GPU and none is visible; use "
                           "backend='hf' (CPU or GPU) instead")
    try:
        import vllm  # noqa: F401
    except ImportError as e:
        raise RuntimeError("backend='vllm' needs `pip install vllm` on a GPU machine") from e


class VLLMSync:
    """Pushes trainer weights into a colocated vLLM engine and counts versions."""

    def __init__(self, llm: Any) -> None:
        require_gpu()
        self.llm = llm
        self.version = 0

    def sync(self, model: Any) -> int:
        runner = self.llm.llm_engine.model_executor.driver_worker.model_runner
        runner.model.load_weights(((n, p.detach()) for n, p in model.state_dict().items()))
        self.llm.reset_prefix_cache()
        self.version += 1
        return self.version
