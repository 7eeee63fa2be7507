"""`rlvr-grpo/Digit-v0`: the easy multi-turn env the tiny CPU preset learns in minutes.

Description: the user names a digit; the agent must reply with exactly that digit. A wrong
reply gets "No." and one more try (2 turns by default), so episodes are multi-turn.
Rewards: 1.0 for the right digit on the first turn, 0.5 on the second, 0 otherwise.
Difficulty d: the digit is drawn from 0..(3*d) (d=3: all ten digits).
Verification: the stripped reply must equal the digit exactly.
It was the first tiny CPU demo (now the `tiny_digit` preset; the `tiny` preset trains on an
easy setting of `rlvr/Math-v0`) and stays as the toy env of the tests; the learner is
generic, so any registered env trains the same way.
"""

from __future__ import annotations

import random

import gymnasium as gym

from rlvr_envs.core import MultiTurnTextEnv, ProceduralSource, Turn, Verdict

DIGIT_ENV_ID = "rlvr-grpo/Digit-v0"


class _DigitFamily:
    name = "digit"
    difficulties = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        d = rng.randint(0, min(9, 3 * difficulty))
        return {"question": f"Say {d}", "answer": str(d)}


class DigitEnv(MultiTurnTextEnv):
    """Say the digit the user names (see the module docstring)."""

    domain = "toy-digit"
    default_max_turns = 2

    def make_task_source(self, seed: int) -> ProceduralSource:
        return ProceduralSource([_DigitFamily()], seed=seed, domain=self.domain)

    def initial_observation(self, task: dict) -> str:
        return task["question"]

    def respond(self, action: str) -> Turn:
        if action.strip() == self.task["answer"]:
            verdict = Verdict.success()
            # `self.turn` counts this message already: 1 on the first try
            return Turn("Yes.", terminated=True,
                        verdict=verdict if self.turn <= 1 else verdict.scaled(0.5))
        return Turn("No.")  # the base class ends the episode at the turn limit

    def oracle_action(self) -> str:
        return self.task["answer"]


def register_digit_env() -> None:
    """Register `rlvr-grpo/Digit-v0` with Gymnasium (idempotent)."""
    if DIGIT_ENV_ID not in gym.registry:
        gym.register(id=DIGIT_ENV_ID, entry_point=DigitEnv)
