"""Export the trained model in Hugging Face format (`save_pretrained`), loadable without
this package.

    export_hf(model, tokenizer, "runs/grpo/hf")             # AutoModelForCausalLM.from_pretrained
    export_hf(lora_model, tokenizer, "runs/grpo/hf", merged=True)

A plain model is saved as is (its weights' dtype, e.g. the float32 masters of `bf16-mixed`).
A peft (LoRA) model saves its adapters (`adapter_config.json`, `adapter_model.safetensors`:
`PeftModel.from_pretrained(base, dir)`), and with `merged=True` also a plain model with the
adapters folded in, under `dir/merged` (the weights `weights_for_sync` pushes to vLLM). The
tokenizer goes next to each, so `--model dir` (or `dir/merged`) starts a new run or a vLLM
engine from it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .sync import is_peft_model, plain_copy


def export_hf(model: Any, tokenizer: Any, directory: str | Path, *, merged: bool = False
              ) -> Path:
    """Write `model` (adapters only for a peft model) and `tokenizer` to `directory`;
    returns it. The trained model is not modified (the merge works on a copy)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    with _no_progress_bars():  # transformers' shard bar: cursor escapes in a run's log file
        model.save_pretrained(out)
        if tokenizer is not None:
            tokenizer.save_pretrained(out)
        if merged and is_peft_model(model):
            full = plain_copy(model)
            full.save_pretrained(out / "merged")
            if tokenizer is not None:
                tokenizer.save_pretrained(out / "merged")
            del full
    return out


@contextlib.contextmanager
def _no_progress_bars() -> Iterator[None]:
    from transformers.utils import logging as hf_logging
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


__all__ = ["export_hf"]
