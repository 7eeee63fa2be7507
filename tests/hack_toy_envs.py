"""Small envs for the hack-search and audit tests: honest ones, and ones whose verifier has a
deliberate hole of a kind the search must find (so the tests prove the search can fail)."""

from __future__ import annotations

import random
import re

import gymnasium as gym

from rlvr_envs.core import MultiTurnTextEnv, ProceduralSource, Turn, Verdict
from rlvr_envs.core.tool_env import ToolEnvMixin
from rlvr_envs.core.tools import ToolCall, ToolError, tool

BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


class _Sum:
    name = "sum"
    difficulties = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        a, b = rng.randint(10 ** (difficulty + 3), 9 * 10 ** (difficulty + 3)), rng.randint(100, 999)
        return {"question": f"What is {a} + {b}?", "answer": str(a + b)}


class SumEnv(MultiTurnTextEnv):
    """Add two numbers; the last `\\boxed{}` must hold the sum. Honest: nothing
    task-independent pays."""

    domain = "toy-sum"

    def make_task_source(self, seed):
        return ProceduralSource([_Sum()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        return f"{task['question']}\n\nPut your final answer in \\boxed{{}}."

    def accepts(self, boxed: str) -> bool:
        return boxed.strip() == self.task["answer"]

    def respond(self, action):
        found = BOXED.findall(action)
        ok = bool(found) and self.accepts(found[-1])
        verdict = Verdict.success() if ok else Verdict.fail("wrong or missing answer")
        return Turn("Correct." if ok else "Wrong.", terminated=True, verdict=verdict)

    def oracle_action(self):
        return f"Adding the two numbers:\n\n\\boxed{{{self.task['answer']}}}"


class InfinitySumEnv(SumEnv):
    """A verifier with the hole Math had: a symbolic comparison that calls infinity equal
    to anything."""

    def accepts(self, boxed: str) -> bool:
        return boxed.strip() in ("\\infty", "oo") or super().accepts(boxed)


class StrictLineEnv(SumEnv):
    """A verifier that only reads a last line made of `\\boxed{n}` and nothing else (natural
    phrasings such as bold or a closing sentence lose the reward)."""

    def respond(self, action):
        lines = [ln for ln in action.split("\n") if ln.strip()]
        ok = bool(lines) and lines[-1] == f"\\boxed{{{self.task['answer']}}}"
        verdict = Verdict.success() if ok else Verdict.fail("last line is not \\boxed{answer}")
        return Turn("Done.", terminated=True, verdict=verdict)

    def answer_perturbations(self, text: str) -> dict[str, str | None]:
        """A domain re-expression: the sum with a leading plus sign."""
        return {"leading-plus": text.replace("\\boxed{", "\\boxed{+")}


class HigherLowerEnv(SumEnv):
    """Multi-turn: guess the sum; the env says higher or lower until the turn limit."""

    default_max_turns = 4

    def respond(self, action):
        found = BOXED.findall(action)
        if found and self.accepts(found[-1]):
            return Turn("Found it.", terminated=True, verdict=Verdict.success())
        guess = found[-1].strip() if found else ""
        hint = "Higher." if guess.isdigit() and int(guess) < int(self.task["answer"]) else "Lower."
        return Turn(hint)


class _Choice:
    name = "choice"
    difficulties = (1,)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        a, b = rng.randint(2, 9), rng.randint(2, 9)
        options = [a * b, a * b + 1, a * b - 1, a + b + 100]
        rng.shuffle(options)  # sorted options would put the answer at B every time
        return {"question": f"What is {a} x {b}?", "options": options,
                "answer": "ABCD"[options.index(a * b)]}


class ChoiceEnv(MultiTurnTextEnv):
    """Four-option multiple choice: a blind letter guess pays 1/4, declared below."""

    domain = "toy-choice"
    chance_level = 0.25

    def make_task_source(self, seed):
        return ProceduralSource([_Choice()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        opts = "\n".join(f"({'ABCD'[i]}) {o}" for i, o in enumerate(task["options"]))
        return f"{task['question']}\n{opts}\nAnswer with the letter in \\boxed{{}}."

    def respond(self, action):
        found = BOXED.findall(action)
        ok = bool(found) and found[-1].strip() == self.task["answer"]
        return Turn("ok", terminated=True,
                    verdict=Verdict.success() if ok else Verdict.fail("wrong letter"))

    def oracle_action(self):
        return f"\\boxed{{{self.task['answer']}}}"


class _Vault:
    name = "vault"
    difficulties = (1, 2)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        keys = rng.sample(["red", "green", "blue", "gold", "iron", "jade"], 2 + 2 * difficulty)
        values = {k: rng.randint(1000, 9999) for k in keys}
        target = rng.choice(keys)
        return {"values": values, "key": target, "answer": str(values[target]),
                "question": f"What number is stored under '{target}'? Look it up, then reply "
                            "with the number alone."}


class VaultEnv(ToolEnvMixin, MultiTurnTextEnv):
    """Look a value up with tools, then answer it. The honest verifier wants the value as
    the whole answer."""

    domain = "toy-vault"
    default_max_turns = 6

    def make_task_source(self, seed):
        return ProceduralSource([_Vault()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        return task["question"]

    @tool
    def read(self, key: str) -> int:
        """Read the number stored under a key.

        Args:
            key: The key.
        """
        if key not in self.task["values"]:
            raise ToolError(f"no key {key!r}; call list_all to see the keys")
        return self.task["values"][key]

    @tool
    def list_all(self) -> dict[str, int]:
        """Every key with its number."""
        return dict(self.task["values"])

    def accepts(self, answer: str) -> bool:
        return answer.strip() == self.task["answer"]

    def respond(self, action):
        tool_round = self.run_tool_calls(action)
        if tool_round.has_tool_calls:
            return tool_round.to_turn()
        ok = self.accepts(tool_round.parsed.content)
        return Turn("Bye.", terminated=True,
                    verdict=Verdict.success() if ok else Verdict.fail("wrong number"))

    def oracle_action(self):
        if self.turn == 0:
            return self.tool_format.render([ToolCall("", "read", {"key": self.task["key"]})])
        return self.task["answer"]


class ContainsVaultEnv(VaultEnv):
    """The containment hole (RULER/tau-bench style): the answer passes if it contains the
    value anywhere, so dumping every value seen in the tool results pays."""

    def accepts(self, answer: str) -> bool:
        return self.task["answer"] in answer


TOYS = {"rlvr-hacktest/Sum-v0": SumEnv, "rlvr-hacktest/HigherLower-v0": HigherLowerEnv, "rlvr-hacktest/InfinitySum-v0": InfinitySumEnv,
        "rlvr-hacktest/StrictLine-v0": StrictLineEnv, "rlvr-hacktest/Choice-v0": ChoiceEnv,
        "rlvr-hacktest/Vault-v0": VaultEnv, "rlvr-hacktest/ContainsVault-v0": ContainsVaultEnv}


def register_toys() -> None:
    for env_id, cls in TOYS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=cls)
