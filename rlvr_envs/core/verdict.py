"""The `Verdict`: what a verifier says about one response."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying one response against one task.

    `reward` is always the sum of `reward_breakdown`'s values (checked on construction),
    so a trainer can log the components and trust that they add up.
    `infra_error` marks a verdict the verifier could not reach for reasons outside the
    response (a sandbox that would not start, a simulator missing); trainers should drop
    such episodes instead of treating them as reward 0.
    """

    passed: bool
    reward: float
    reason: str
    reward_breakdown: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    infra_error: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.reward):
            raise ValueError(f"Verdict reward must be finite, got {self.reward!r}")
        if not self.reward_breakdown:
            object.__setattr__(self, "reward_breakdown", {"outcome": float(self.reward)})
        total = sum(self.reward_breakdown.values())
        if abs(total - self.reward) > 1e-9:
            raise ValueError(
                f"reward_breakdown {self.reward_breakdown} sums to {total}, not to reward "
                f"{self.reward}; every component of the reward must appear in the breakdown"
            )

    @classmethod
    def fail(cls, reason: str, *, infra_error: bool = False, **details: Any) -> Verdict:
        """A failing verdict with reward 0."""
        return cls(False, 0.0, reason, {"outcome": 0.0}, dict(details), infra_error)

    @classmethod
    def success(cls, reason: str = "correct", **details: Any) -> Verdict:
        """A passing verdict with reward 1."""
        return cls(True, 1.0, reason, {"outcome": 1.0}, dict(details))

    def scaled(self, factor: float, component: str = "attempt_penalty") -> Verdict:
        """This verdict with its reward multiplied by `factor`; the difference is booked
        as the negative component `component` so the breakdown still sums to the reward."""
        if factor == 1.0 or self.reward == 0.0:
            return self
        new_reward = self.reward * factor
        breakdown = dict(self.reward_breakdown)
        breakdown[component] = breakdown.get(component, 0.0) + (new_reward - self.reward)
        return Verdict(self.passed, new_reward, self.reason, breakdown, dict(self.details),
                       self.infra_error)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (the form `info["verdict"]` takes)."""
        return asdict(self)
