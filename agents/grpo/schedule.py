"""Learning-rate schedules with linear warmup, counted in optimizer steps.

    scheduler = lr_scheduler(optimizer, "cosine", warmup_steps=10, total_steps=300)
    ...; optimizer.step(); scheduler.step()       # once per optimizer step

The multiplier of the base learning rate after `s` optimizer steps (the LR of step s+1):
warmup `s / warmup_steps` (from 0, as TRL and verl do), then `constant` 1, `linear` from 1 down
to `min_lr_ratio` at `total_steps`, or `cosine` (half a cosine) from 1 down to `min_lr_ratio`.
The result is a torch `LambdaLR`, whose `state_dict` goes into the trainer's checkpoint so
that a resumed run continues the schedule where it stopped.
"""

from __future__ import annotations

import math
from functools import partial

import torch

SCHEDULES = ("constant", "linear", "cosine")


def lr_multiplier(step: int, *, kind: str, warmup_steps: int, total_steps: int,
                  min_lr_ratio: float = 0.0) -> float:
    """The factor on the base learning rate after `step` optimizer steps."""
    if step < warmup_steps:
        return step / warmup_steps
    if kind == "constant":
        return 1.0
    span = max(total_steps - warmup_steps, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    if kind == "linear":
        decay = 1.0 - progress
    elif kind == "cosine":
        decay = 0.5 * (1.0 + math.cos(math.pi * progress))
    else:
        raise ValueError(f"lr_scheduler={kind!r}; choose one of {SCHEDULES}")
    return min_lr_ratio + (1.0 - min_lr_ratio) * decay


def lr_scheduler(optimizer: torch.optim.Optimizer, kind: str, *, warmup_steps: int,
                 total_steps: int, min_lr_ratio: float = 0.0
                 ) -> torch.optim.lr_scheduler.LambdaLR:
    """A `LambdaLR` applying `lr_multiplier` (sets the first step's LR at construction)."""
    if kind not in SCHEDULES:
        raise ValueError(f"lr_scheduler={kind!r}; choose one of {SCHEDULES}")
    return torch.optim.lr_scheduler.LambdaLR(optimizer, partial(
        lr_multiplier, kind=kind, warmup_steps=warmup_steps, total_steps=total_steps,
        min_lr_ratio=min_lr_ratio))


__all__ = ["SCHEDULES", "lr_multiplier", "lr_scheduler"]
