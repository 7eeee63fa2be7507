"""Difficulty: the axes (hops, context length, distractor tier mix, alias use, share of
unanswerable questions), the five levels that combine them, and user overrides. Evidence
depth is not a level axis: the documents of a level take uniformly random places (a depth
window is a position prior a policy can learn); `evidence_depth=` asks for one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LevelSpec:
    """One difficulty level. Ranges are sampled uniformly per task."""

    hops: tuple[int, int]
    context_tokens: int
    tier1_share: float  # share of distractors drawn from tier 1 (confusable neighbours)
    alias_rate: float  # probability that documents and question use aliases
    unanswerable_rate: float


LEVELS: dict[int, LevelSpec] = {
    1: LevelSpec((2, 2), 1_024, 0.25, 0.0, 0.0),
    2: LevelSpec((2, 3), 2_048, 0.40, 0.0, 0.10),
    3: LevelSpec((3, 4), 8_192, 0.55, 0.3, 0.15),
    4: LevelSpec((4, 6), 32_768, 0.70, 0.6, 0.20),
    5: LevelSpec((6, 8), 131_072, 0.85, 1.0, 0.25),
}


@dataclass(frozen=True)
class KGOptions:
    """Overrides of the level's axes (None: the level decides). `context_tokens` defaults
    to 2048 so that episodes stay small unless asked; pass None to let levels set length.

    Args:
        context_tokens: tokens of documents in the context (1k..>=128k).
        hops: hops of every question (2..8).
        tier1_share: share of tier-1 distractors, in [0, 1].
        evidence_depth: put the evidence within +-5% of the document list around this
            depth in [0, 1] (None: every document at a uniformly random place). A depth
            sweep for evaluation: the window is a position prior, do not train with it.
        alias_rate: probability of alias use, in [0, 1].
        unanswerable_rate: share of unanswerable questions, in [0, 1].
    """

    context_tokens: int | None = 2_048
    hops: int | None = None
    tier1_share: float | None = None
    evidence_depth: float | None = None
    alias_rate: float | None = None
    unanswerable_rate: float | None = None

    def validate(self) -> None:
        if self.context_tokens is not None and self.context_tokens < 64:
            raise ValueError(f"context_tokens must be at least 64, got {self.context_tokens}")
        if self.hops is not None and not 2 <= self.hops <= 8:
            raise ValueError(f"hops must be between 2 and 8, got {self.hops}")
        for name in ("tier1_share", "evidence_depth", "alias_rate", "unanswerable_rate"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
