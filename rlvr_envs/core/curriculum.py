"""An adaptive difficulty curriculum any env (or any trainer) can use.

It follows RLVE's rule (../shared/research/peers.md): keep a frontier level per key; sample
uniformly from the `sliding_window` levels ending at the frontier; raise the frontier once
the success rate over the last `window` episodes *at the frontier* reaches `threshold`.
It is trainer-agnostic: call `report(difficulty, success)` after each episode and
`sample(rng)` before the next. Keys (for example task types) each get their own frontier.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class AdaptiveCurriculum:
    """Adaptive difficulty over the sorted `levels`.

    Args:
        levels: the difficulty levels, easiest first.
        threshold: success rate at the frontier needed to raise it (default 0.9).
        window: how many recent frontier episodes that rate is measured over (default 32).
        sliding_window: how many levels up to the frontier are sampled from (default 4).
        start: the initial frontier level (default: the easiest).
    """

    levels: Sequence[int]
    threshold: float = 0.9
    window: int = 32
    sliding_window: int = 4
    start: int | None = None
    _frontier: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _recent: dict[str, deque] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.levels = sorted({int(x) for x in self.levels})
        if not self.levels:
            raise ValueError("AdaptiveCurriculum needs at least one level")
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.window < 1 or self.sliding_window < 1:
            raise ValueError("window and sliding_window must be at least 1")
        if self.start is not None and self.start not in self.levels:
            raise ValueError(f"start level {self.start} is not one of {self.levels}")

    def frontier(self, key: str = "default") -> int:
        """The hardest level currently sampled for `key`."""
        if key not in self._frontier:
            self._frontier[key] = self.levels.index(self.start) if self.start is not None else 0
        return self.levels[self._frontier[key]]

    def sample(self, rng: np.random.Generator | random.Random | np.random.RandomState,
               key: str = "default") -> int:
        """A level drawn uniformly from the sliding window ending at the frontier. `rng` is a
        numpy `Generator` (as envs use), a `random.Random` (as task families use) or a
        legacy `RandomState`."""
        self.frontier(key)
        hi = self._frontier[key]
        lo = max(0, hi - self.sliding_window + 1)
        if isinstance(rng, np.random.Generator):
            index = int(rng.integers(lo, hi + 1))
        elif isinstance(rng, random.Random):
            index = rng.randint(lo, hi)
        elif isinstance(rng, np.random.RandomState):
            index = int(rng.randint(lo, hi + 1))
        else:
            raise TypeError(f"AdaptiveCurriculum.sample: rng must be a numpy Generator, "
                            f"random.Random or RandomState, got {type(rng).__name__}")
        return self.levels[index]

    def report(self, difficulty: int, success: float | bool, key: str = "default") -> bool:
        """Record one episode's outcome (a bool or a score in [0, 1]); returns True when
        this report raised the frontier. Outcomes below the frontier are ignored."""
        if int(difficulty) != self.frontier(key):
            return False
        recent = self._recent.setdefault(key, deque(maxlen=self.window))
        recent.append(float(success))
        if (len(recent) == self.window and sum(recent) / self.window >= self.threshold
                and self._frontier[key] < len(self.levels) - 1):
            self._frontier[key] += 1
            recent.clear()
            return True
        return False

    def success_rate(self, key: str = "default") -> float | None:
        recent = self._recent.get(key)
        return sum(recent) / len(recent) if recent else None

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume (frontiers and recent outcomes), JSON-serializable."""
        return {"frontier": dict(self._frontier),
                "recent": {k: list(v) for k, v in self._recent.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._frontier = {k: int(v) for k, v in state["frontier"].items()}
        self._recent = {k: deque(v, maxlen=self.window) for k, v in state["recent"].items()}
