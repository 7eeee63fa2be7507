"""Weight sync between the trainer and the generator, with a version counter.

A `WeightSync` makes the generator (the model that samples episodes) use the trainer's current
weights. `push(model)` copies them; `sync(model)` pushes and bumps `version`; the trainer calls
`sync` after every optimizer update.

* `IdentitySync`: the generator *is* the trainer's model (backend `hf`): nothing to copy.
* `CopySync`: the generator is a separate plain Hugging Face model (a deep copy, CPU or GPU)
  that receives the weights only through `weights_for_sync` + `load_state_dict`: the same
  names and values a vLLM engine receives, so it tests the sync logic without a GPU.
* `agents.grpo.vllm_engine.VLLMSync`: pushes `weights_for_sync` into a vLLM engine through
  `collective_rpc`, and puts the engine to sleep (`sleep`) while the trainer updates.

Whatever the generator, the trainer then checks that the sampler's log-probs of the tokens it
sampled match the trainer's recomputed ones (`logprob_gap`): stale or corrupted weights show up
at once (the run stops, `on_logprob_gap="error"`), not as a slowly flat reward curve.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import torch

# what peft puts in front of the wrapped model's parameter names, and around a LoRA layer's
# original weight ("q_proj.weight" -> "q_proj.base_layer.weight")
PEFT_PREFIX = "base_model.model."
PEFT_BASE_LAYER = ".base_layer."


def is_peft_model(model: Any) -> bool:
    """True for a peft `PeftModel` (LoRA or another adapter method)."""
    return hasattr(model, "peft_config") and hasattr(model, "get_base_model")


def weights_for_sync(model: Any) -> Iterator[tuple[str, torch.Tensor]]:
    """(name, tensor) for every weight of `model` under its plain Hugging Face name.

    For a plain model these are its `state_dict()` items. For a peft LoRA model they are the
    *merged* weights W + scale * B @ A of each adapted layer (plus every other base weight),
    named as in the base model (peft's `base_model.model.` prefix and `.base_layer` infix
    removed, `lora_*` tensors left out): what a generator that has no adapters (vLLM, a
    plain copy) must load. The merge is computed out of place: the model is never modified,
    because peft's in-place `merge_adapter`/`unmerge_adapter` round trip does not restore the
    frozen base weights exactly (bf16 rounding) and so would drift them a little every push.

    Tensors are detached; a plain model's are views of its live parameters (copy them before
    the next optimizer step if you keep them). Vanilla LoRA only: a LoRA variant (DoRA, ...),
    `lora_bias` or `modules_to_save` raises `ValueError`.
    """
    if not is_peft_model(model):
        yield from model.state_dict().items()
        return
    layers = _lora_layers(model)
    for name, tensor in model.state_dict().items():
        if ".lora_" in name:
            continue  # the adapters themselves: merged into their base weight below
        if ".modules_to_save." in name or ".original_module." in name:
            raise ValueError(f"weights_for_sync: {name!r} belongs to a peft `modules_to_save` "
                             "copy, which is not supported; train those modules without it")
        owner, sep, leaf = name.rpartition(PEFT_BASE_LAYER)
        if sep and leaf == "weight" and owner in layers:
            tensor = _merged_weight(layers[owner], tensor, owner)
        yield name.removeprefix(PEFT_PREFIX).replace(PEFT_BASE_LAYER, "."), tensor


def _lora_layers(model: Any) -> dict[str, Any]:
    from peft.tuners.lora import LoraLayer
    return {n: m for n, m in model.named_modules() if isinstance(m, LoraLayer)}


@torch.no_grad()
def _merged_weight(layer: Any, base: torch.Tensor, owner: str) -> torch.Tensor:
    """base + the delta of every active, not yet merged adapter, summed in float32 and
    rounded once to the base dtype."""
    if layer.merged or layer.disable_adapters:
        return base  # already contains the adapters, or they are switched off
    merged = None
    for adapter in layer.active_adapters:
        if adapter not in layer.lora_A:
            continue
        if adapter in getattr(layer, "lora_variant", {}) or getattr(layer, "use_dora", {}).get(
                adapter) or getattr(layer, "lora_bias", {}).get(adapter):
            raise ValueError(f"weights_for_sync: adapter {adapter!r} of {owner} is not vanilla "
                             "LoRA (DoRA or another variant, or lora_bias); merge it with "
                             "peft's merge_and_unload() and push the merged model instead")
        delta = layer.get_delta_weight(adapter).float()
        merged = base.float() + delta if merged is None else merged + delta
    return base if merged is None else merged.to(base.dtype)


def plain_copy(model: Any) -> Any:
    """A separate plain Hugging Face model with `model`'s current weights (LoRA merged)."""
    if is_peft_model(model):
        return copy.deepcopy(model).merge_and_unload()
    return copy.deepcopy(model)


class WeightSync:
    """Base class: `push` copies the trainer's weights to the generator; `sync` pushes and
    returns the new version."""

    def __init__(self) -> None:
        self.version = 0

    def push(self, model: Any) -> None:
        """Make the generator use `model`'s current weights (no version change)."""
        raise NotImplementedError

    def sleep(self) -> None:
        """The trainer is about to score and update: the generator may free its GPU memory
        until the next `push` (vLLM sleep mode). No-op by default."""

    def sync(self, model: Any) -> int:
        """Push `model`'s weights and bump the version; returns the new version."""
        self.push(model)
        self.version += 1
        return self.version


class IdentitySync(WeightSync):
    """The generator shares the trainer's parameters; `sync` only counts versions."""

    def push(self, model: Any) -> None:
        pass


class CopySync(WeightSync):
    """Loads the trainer's weights into `target`, a separate plain model (see `plain_copy`),
    through `weights_for_sync` and a strict `load_state_dict`: a name the generator does not
    have, or one it misses, is an error, as it would be for a vLLM engine."""

    def __init__(self, target: Any) -> None:
        super().__init__()
        self.target = target

    def push(self, model: Any) -> None:
        self.target.load_state_dict(dict(weights_for_sync(model)), strict=True)


__all__ = ["CopySync", "IdentitySync", "WeightSync", "is_peft_model", "plain_copy",
           "weights_for_sync"]
