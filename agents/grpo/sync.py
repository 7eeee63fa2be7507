"""Weight sync between the trainer and the generator, with a version counter.

On CPU the HF generator *is* the trainer's model (`IdentitySync`): syncing is a no-op that
bumps the version. A GPU engine (vLLM) needs real pushes (`agents.grpo.vllm_engine`). Either
way the trainer checks, right after each sync, that the sampler's log-probs of the tokens it
just sampled match the trainer's recomputed ones (`logprob_gap`): stale or corrupted weights
show up there at once, not as a slowly flat reward curve.
"""

from __future__ import annotations

from typing import Any


class IdentitySync:
    """The generator shares the trainer's parameters; `sync` only counts versions."""

    def __init__(self) -> None:
        self.version = 0

    def sync(self, model: Any) -> int:
        """Make the generator use `model`'s current weights; returns the new version."""
        self.version += 1
        return self.version
