"""Numeric precision of the trainer (`GRPOConfig.precision`): which dtype holds the weights and
the AdamW state, and which one the forward and backward passes compute in.

* `fp32`: float32 weights, gradients, AdamW state and compute (the default).
* `bf16-mixed`: float32 *master* weights, gradients and AdamW state; the model's forward runs
  under `torch.autocast(dtype=bfloat16)` (linear layers and matmuls in bf16; norms, softmax
  and the loss in float32), so the backward computes in bf16 too. A small update (lr 1e-6)
  lands in the float32 weights instead of being rounded away. Frozen weights need no master
  copy: with LoRA the base model is stored in bf16 and only the adapters are float32.
* `bf16`: "pure bf16": bfloat16 weights, gradients and AdamW state (LoRA adapters float32, as
  peft keeps them). Half the memory of the others for full fine-tuning (8 bytes a parameter
  with AdamW, against 16), but an update smaller than half a weight's bf16 spacing (2^-9 of
  its value) is rounded away: at lr 1e-6 almost no weight moves (tests/test_grpo_precision.py).
  No fp32-optimizer-state variant is offered: without fp32 master weights the rounding stays,
  and with them the memory is bf16-mixed's.

The autocast is attached to the model itself (`AutocastForward`, forward hooks on the inner
Hugging Face model), so every forward computes the same function: the trainer's scoring and
gradient passes, the `hf` generator's sampling (it shares the model, so the sampler/trainer
log-prob gap stays a check of the weights), evaluation, the warm start, a `copy_generator`
copy and a full-copy reference model (hooks are copied with the model).
"""

from __future__ import annotations

import threading
from typing import Any

import torch

PRECISIONS = ("fp32", "bf16-mixed", "bf16")


def param_dtype(precision: str, *, frozen: bool = False) -> torch.dtype:
    """The storage dtype of a parameter: bf16 under `bf16`, and under `bf16-mixed` for a
    frozen one (no master copy needed); float32 otherwise."""
    if precision == "bf16" or (precision == "bf16-mixed" and frozen):
        return torch.bfloat16
    return torch.float32


def compute_dtype(precision: str) -> torch.dtype:
    """The dtype the matmuls run in (what a generator such as vLLM should use)."""
    return torch.float32 if precision == "fp32" else torch.bfloat16


class AutocastForward:
    """Forward pre-/post-hooks that run a module's whole forward under `torch.autocast`.

    Hooks rather than a wrapped `forward`: they survive `copy.deepcopy` (the copy gets its
    own hooks, not a closure over the original) and leave `save_pretrained` untouched. The
    post-hook is registered with `always_call`, so an exception inside the forward still
    exits the autocast. The stack of open contexts is per thread (autocast state is).
    """

    def __init__(self, device_type: str, dtype: torch.dtype = torch.bfloat16) -> None:
        self.device_type, self.dtype = device_type, dtype
        self._local = threading.local()

    def __deepcopy__(self, memo: dict) -> AutocastForward:
        return AutocastForward(self.device_type, self.dtype)

    def __reduce__(self) -> tuple:
        return AutocastForward, (self.device_type, self.dtype)

    def enter(self, module: Any, args: Any) -> None:
        ctx = torch.autocast(device_type=self.device_type, dtype=self.dtype)
        ctx.__enter__()
        self._local.__dict__.setdefault("stack", []).append(ctx)

    def exit(self, module: Any, args: Any, output: Any) -> None:
        stack = self._local.__dict__.get("stack")
        if stack:
            stack.pop().__exit__(None, None, None)

    def attach(self, module: Any) -> None:
        module.register_forward_pre_hook(self.enter)
        module.register_forward_hook(self.exit, always_call=True)
        module._rlvr_autocast = self  # marks the model: attached once


def inner_model(model: Any) -> Any:
    """The Hugging Face model under a peft wrapper (the model itself otherwise): every path,
    the peft forward, `generate` and `disable_adapter()` included, runs its forward."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def apply_precision(model: Any, precision: str, device: str, *, lora_to_come: bool) -> None:
    """Cast `model`'s parameters for `precision` and, for `bf16-mixed`, attach the autocast.

    `lora_to_come`: LoRA adapters will wrap this model, so all its weights will be frozen
    (bf16 under `bf16-mixed`). Buffers (RoPE `inv_freq`) stay float32, as `from_pretrained`
    leaves them.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r}; choose one of {PRECISIONS}")
    for p in model.parameters():
        if p.is_floating_point():
            dtype = param_dtype(precision, frozen=lora_to_come or not p.requires_grad)
            if p.dtype != dtype:
                p.data = p.data.to(dtype)
    target = inner_model(model)
    if precision == "bf16-mixed" and getattr(target, "_rlvr_autocast", None) is None:
        AutocastForward(torch.device(device).type).attach(target)


__all__ = ["PRECISIONS", "AutocastForward", "apply_precision", "compute_dtype", "inner_model",
           "param_dtype"]
