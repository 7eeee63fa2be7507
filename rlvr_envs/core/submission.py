"""`SubmissionEnv`: the agent submits a whole answer; a verifier judges it; retries allowed.

Math, code and Verilog share this shape: each agent message is a submission, judged by a
plain verifier function; a correct one ends the episode, a wrong one gets feedback and,
while attempts remain, another try. A success on attempt `k` pays `attempt_rewards[k-1]`
(default 1, 0.5, 0.25, ...); the difference from the verifier's reward is booked as the
negative `attempt_penalty` component, so the breakdown still sums to the reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from .env import MultiTurnTextEnv, Turn
from .verdict import Verdict


class SubmissionEnv(MultiTurnTextEnv):
    """Base class of single-answer envs with optional retries (`max_attempts`).

    Subclasses implement `verify(action) -> Verdict` and may override the messages:
    `accepted_message`, `rejected_message` (final) and `retry_feedback` (attempts left).
    """

    default_max_attempts: ClassVar[int] = 1
    outcome_component: ClassVar[str] = "correct"  # breakdown name of a turn-limit failure
    retry_instruction: ClassVar[str] = ""

    def __init__(self, *, max_attempts: int | None = None,
                 attempt_rewards: Sequence[float] | None = None, **kwargs: Any) -> None:
        max_attempts = self.default_max_attempts if max_attempts is None else max_attempts
        if int(max_attempts) < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.max_attempts = int(max_attempts)
        if attempt_rewards is None:
            attempt_rewards = [0.5**k for k in range(self.max_attempts)]
        self.attempt_rewards = [float(r) for r in attempt_rewards]
        if len(self.attempt_rewards) < self.max_attempts:
            raise ValueError(f"attempt_rewards has {len(self.attempt_rewards)} entries; "
                             f"need one per attempt ({self.max_attempts})")
        kwargs.setdefault("max_turns", self.max_attempts)
        super().__init__(**kwargs)

    # ---- hooks ------------------------------------------------------------------------

    def verify(self, action: str) -> Verdict:
        """Judge one submission (the domain's verifier on `self.task`)."""
        raise NotImplementedError

    def accepted_message(self, verdict: Verdict) -> str:
        return "Correct."

    def rejected_message(self, verdict: Verdict) -> str:
        """The observation after the last attempt failed (the episode is over)."""
        return f"Incorrect: {verdict.reason}."

    def retry_feedback(self, verdict: Verdict) -> str:
        """What to tell the agent about a wrong submission while attempts remain. Never
        anything derived from the gold answer or hidden tests."""
        return f"That is not correct ({verdict.reason})."

    # ---- the step -------------------------------------------------------------------

    def respond(self, action: str) -> Turn:
        verdict = self.verify(action)
        attempt = self.turn  # 1-based: the base class counted this message already
        factor = self.attempt_rewards[attempt - 1]
        if verdict.passed:
            return Turn(self.accepted_message(verdict), terminated=True,
                        verdict=verdict.scaled(factor))
        if verdict.infra_error or attempt >= self.max_attempts:
            return Turn(self.rejected_message(verdict), terminated=True,
                        verdict=verdict.scaled(factor))
        left = self.max_attempts - attempt
        text = (f"{self.retry_feedback(verdict)}\n\nYou have {left} more "
                f"attempt{'s' if left > 1 else ''}.")
        return Turn(f"{text} {self.retry_instruction}".rstrip())

    def on_turn_limit(self) -> Verdict:
        return Verdict(False, 0.0, f"no accepted answer in {self.max_turns} turns",
                       {self.outcome_component: 0.0})
