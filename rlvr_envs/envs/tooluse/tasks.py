"""Task families of rlvr/ToolUse-v0, one per BFCL-style category, with difficulty 1..5.

A task holds everything needed to rebuild its episode: the world seed (`world.seed`), the
tools offered (names, in order) and, under the private key `gold`, the segments: the user's
message, the gold solver's steps (tool-call messages, or a question to the user), the user's
reply to that question, the gold final answer and the facts it must state. Gold values come
from running the real tools on the task's world while generating.

Difficulty knobs (per level 1..5): distractor tools offered (more at higher levels, "near
miss" tools for irrelevance from level 3), chain length (2 at levels 1-2, 3 at 3-4, 4 at 5),
parallel requests (2, 3, 4), missing information (a value the user gives at levels 1-2, a
name the agent must then look up at 3-5), tool-list length (all 18 world tools plus 2 decoys
per level for `long_tools`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ...core.tasks import ProceduralSource, Task
from .intents import (
    CHAINS,
    IRRELEVANT,
    MISSING,
    MULTI_TURN,
    PARALLEL_READS,
    READS,
    SIMPLE_WRITES,
    Builder,
    Intent,
    IntentFn,
    irrelevant,
)
from .worlds import DECOY_TOOLS, REAL_TOOLS, World

LEVELS = (1, 2, 3, 4, 5)
CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance",
              "missing_info", "multi_turn", "chain", "long_tools")
ABSTAIN_ANSWER = ("I'm sorry, but I can't do that: none of the available tools can carry out "
                  "this request.")


def _tools_of(intents: Sequence[Intent]) -> list[str]:
    names: list[str] = []
    for intent in intents:
        for part in (intent, intent.follow_up):
            for rnd in part.rounds if part else []:
                names += [c["name"] for c in rnd if c["name"] not in names]
    return names


def _offer(rng: random.Random, needed: list[str], extra: int,
           pool: Sequence[str] = REAL_TOOLS + DECOY_TOOLS) -> list[str]:
    """The needed tools plus `extra` distractors, shuffled."""
    others = [t for t in pool if t not in needed]
    tools = list(needed) + rng.sample(others, min(extra, len(others)))
    rng.shuffle(tools)
    return tools


def _segment(intent: Intent, user: str | None = None) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    if intent.ask:
        steps.append({"ask": intent.ask["question"]})
    steps += [{"calls": rnd} for rnd in intent.rounds]
    return {"user": user or intent.question, "steps": steps,
            "reply": intent.ask["reply"] if intent.ask else None,
            "answer": intent.answer, "facts": intent.facts, "abstain": False}


def _combine(intents: Sequence[Intent]) -> dict[str, Any]:
    """Several requests in one message; their calls go out in parallel, round by round."""
    if len(intents) == 1:
        return _segment(intents[0])
    rounds: list[list[dict[str, Any]]] = []
    for intent in intents:
        for k, rnd in enumerate(intent.rounds):
            if k == len(rounds):
                rounds.append([])
            rounds[k] += rnd
    question = f"I have {len(intents)} requests:\n" + "\n".join(
        f"{i + 1}. {x.question}" for i, x in enumerate(intents))
    answer = "\n".join(f"{i + 1}. {x.answer}" for i, x in enumerate(intents))
    facts = [f for x in intents for f in x.facts]
    return {"user": question, "steps": [{"calls": r} for r in rounds], "reply": None,
            "answer": answer, "facts": facts, "abstain": False}


class ToolUseFamily:
    """One task category. `generate` builds a world from a seed drawn from `rng`, runs the
    gold solver on it and returns the task."""

    difficulties = LEVELS

    def __init__(self, name: str) -> None:
        if name not in CATEGORIES:
            raise ValueError(f"unknown category {name!r}; choose from {CATEGORIES}")
        self.name = name

    def generate(self, rng: random.Random, difficulty: int) -> Task:
        world_seed = rng.randrange(2**31)
        b = Builder(rng, World(world_seed), difficulty)
        segments, tools = getattr(self, f"_{self.name}")(b, difficulty)
        return {"category": self.name, "world": {"seed": world_seed}, "tools": tools,
                "question": segments[0]["user"], "gold": {"segments": segments}}

    # one method per category: (segments, offered tool names)

    def _single(self, b: Builder, pool: Sequence[IntentFn], extra: int,
                tool_pool: Sequence[str] = REAL_TOOLS + DECOY_TOOLS
                ) -> tuple[list[dict[str, Any]], list[str]]:
        intent = b.rng.choice(pool)(b)
        return [_segment(intent)], _offer(b.rng, _tools_of([intent]), extra, tool_pool)

    def _simple(self, b: Builder, d: int):
        return self._single(b, READS + SIMPLE_WRITES, d - 1)

    def _multiple(self, b: Builder, d: int):
        return self._single(b, READS + SIMPLE_WRITES, 2 + 2 * d)

    def _chain(self, b: Builder, d: int):
        return self._single(b, CHAINS[2 if d <= 2 else 3 if d <= 4 else 4], d)

    def _long_tools(self, b: Builder, d: int):
        segments, tools = self._single(b, READS + SIMPLE_WRITES + CHAINS[2], 0)
        decoys = b.rng.sample(DECOY_TOOLS, min(2 * d, len(DECOY_TOOLS)))
        everything = list(REAL_TOOLS) + decoys
        b.rng.shuffle(everything)
        return segments, everything

    def _parallel(self, b: Builder, d: int):
        k = 2 if d <= 2 else 3 if d <= 4 else 4
        kind = b.rng.choice(PARALLEL_READS)
        intents = [kind(b) for _ in range(k)]
        return [_combine(intents)], _offer(b.rng, _tools_of(intents), d - 1)

    def _parallel_multiple(self, b: Builder, d: int):
        k = 2 if d <= 2 else 3 if d <= 4 else 4
        kinds = b.rng.sample(PARALLEL_READS, k)
        intents = [kind(b) for kind in kinds]
        return [_combine(intents)], _offer(b.rng, _tools_of(intents), d)

    def _missing_info(self, b: Builder, d: int):
        intent = b.rng.choice(MISSING["value" if d <= 2 else "lookup"])(b)
        return [_segment(intent)], _offer(b.rng, _tools_of([intent]), d)

    def _multi_turn(self, b: Builder, d: int):
        intent = b.rng.choice(MULTI_TURN)(b)
        assert intent.follow_up is not None
        segments = [_segment(intent), _segment(intent.follow_up)]
        return segments, _offer(b.rng, _tools_of([intent]), d)

    def _irrelevance(self, b: Builder, d: int):
        request, near = irrelevant(b)
        pool = [t for t in REAL_TOOLS + DECOY_TOOLS if t not in near]
        tools = b.rng.sample(pool, 1 + d)
        if d >= 3:  # near misses: tools that look related but cannot do it
            tools = list(near) + tools[: max(1, 1 + d - len(near))]
            b.rng.shuffle(tools)
        segment = {"user": request, "steps": [], "reply": None, "answer": ABSTAIN_ANSWER,
                   "facts": [], "abstain": True}
        return [segment], tools


def make_tooluse_source(seed: int = 0, categories: Sequence[str] | None = None,
                        weights: dict[str, float] | None = None) -> ProceduralSource:
    names = list(categories) if categories else list(CATEGORIES)
    return ProceduralSource([ToolUseFamily(n) for n in names], seed=seed, domain="tooluse",
                            family_weights=weights)


__all__ = ["ABSTAIN_ANSWER", "CATEGORIES", "IRRELEVANT", "LEVELS", "ToolUseFamily",
           "make_tooluse_source"]
