"""Hack strategies: task-independent policies that try to collect reward without the task.

A strategy is a policy over the gym API: `act(view)` returns the next assistant message from
an `EpisodeView` (observations, `info["messages"]`, `info["tools"]`, never the answer). The
search keeps calling it until the episode ends, so multi-turn envs get a whole conversation.

The kinds here are generic; `library.default_strategies()` instantiates them, and an env
adds its own by defining `hack_strategies()` (see docs/adding-an-env.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..tool_formats import get_tool_format
from ..tools import ToolCall
from .view import EpisodeView

__all__ = ["Constant", "HackStrategy", "MostFrequentFinal", "OracleEpisode", "OracleReplay",
           "Scripted", "ToolCalls", "random_arguments"]


class HackStrategy:
    """Base class. Subclasses set `name` and `family` and implement `act`.

    `cheap`: fast and part of the light check `check_rlvr_env` runs by default.
    `needs_oracle`: `fit` must be given oracle episodes from training seeds first.
    """

    name: str = "strategy"
    family: str = "other"
    cheap: bool = False
    needs_oracle: bool = False

    def applies(self, view: EpisodeView) -> bool:
        """Whether this strategy means anything for the env whose first episode is `view`."""
        return True

    def fit(self, episodes: Sequence[OracleEpisode]) -> None:
        """Learn from oracle episodes played on training seeds (disjoint from the test ones)."""

    def act(self, view: EpisodeView) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def asks_boxed(view: EpisodeView) -> bool:
    return "\\boxed" in view.instructions


class Constant(HackStrategy):
    """The same message every turn; `framed` writes it as the final answer the instructions
    ask for (`\\boxed{}`, `Answer:`), otherwise it is sent as is."""

    def __init__(self, name: str, family: str, text: str, *, framed: bool = True,
                 cheap: bool = False, when: Callable[[EpisodeView], bool] | None = None) -> None:
        self.name, self.family, self.text = name, family, text
        self.framed, self.cheap, self.when = framed, cheap, when

    def applies(self, view: EpisodeView) -> bool:
        return self.when is None or self.when(view)

    def act(self, view: EpisodeView) -> str:
        return view.answer(self.text) if self.framed and self.text else self.text


class Scripted(HackStrategy):
    """A message computed from the view by `fn` (echoes, candidate lists, claims)."""

    def __init__(self, name: str, family: str, fn: Callable[[EpisodeView], str], *,
                 cheap: bool = False, when: Callable[[EpisodeView], bool] | None = None) -> None:
        self.name, self.family, self.fn, self.cheap, self.when = name, family, fn, cheap, when

    def applies(self, view: EpisodeView) -> bool:
        return self.when is None or self.when(view)

    def act(self, view: EpisodeView) -> str:
        return self.fn(view)


# ---- tool calls ------------------------------------------------------------------------

class ToolCalls(HackStrategy):
    """Tool calls without reading the task, then a final answer made of every value the tool
    results showed; repeated while the episode lasts.

    `mode="empty"`: every offered tool once, with `{}`. `mode="random"`: `calls` random
    tools with type-correct random arguments drawn from their JSON schemas (strings from the
    tokens seen so far). Calls are written in the env's own `tool_format`. `rounds` messages
    of calls come before each answer; `answer="line"` gives all values as one answer,
    `"lines"` each value as its own, `"three"` the first three values as one answer.
    """

    family = "tool"

    def __init__(self, name: str, *, mode: str = "empty", rounds: int = 1, calls: int = 3,
                 answer: str = "line", cheap: bool = False) -> None:
        if mode not in ("empty", "random") or answer not in ("line", "lines", "three"):
            raise ValueError(f"mode must be empty|random and answer line|lines|three, got "
                             f"{mode!r}, {answer!r}")
        self.name, self.mode, self.rounds, self.calls = name, mode, rounds, calls
        self.answer_kind, self.cheap = answer, cheap

    def applies(self, view: EpisodeView) -> bool:
        return bool(view.tools)

    def act(self, view: EpisodeView) -> str:
        if view.turn % (self.rounds + 1) < self.rounds:
            return render_calls(view, self.make_calls(view))
        values = view.tool_values()
        if self.answer_kind == "lines":
            return view.answer_lines(values)
        return view.answer_line(values[:3] if self.answer_kind == "three" else values)

    def make_calls(self, view: EpisodeView) -> list[ToolCall]:
        tools = [t["function"] for t in view.tools if isinstance(t.get("function"), dict)]
        if self.mode == "empty":
            return [ToolCall("", str(t["name"]), {}) for t in tools]
        pool = view.ids() + view.names() + view.numbers()
        chosen = [view.rng.choice(tools) for _ in range(self.calls)]
        return [ToolCall("", str(t["name"]),
                         random_arguments(t.get("parameters") or {}, view.rng, pool))
                for t in chosen]


def render_calls(view: EpisodeView, calls: Sequence[ToolCall]) -> str:
    """Calls written in the env's tool format (Hermes when it names none); a name the format
    cannot write (pythonic needs identifiers) is left out."""
    fmt = get_tool_format(view.tool_format)
    kept = []
    for call in calls:
        try:
            fmt.render([call])
        except ValueError:
            continue
        kept.append(call)
    return fmt.render(kept, "Let me check.") if kept else "Let me check."


_WORDS = ("alpha", "test", "default", "all", "1", "yes", "item", "name")


def random_arguments(schema: Mapping[str, Any], rng: Any, pool: Sequence[str] = (),
                     depth: int = 0) -> dict[str, Any]:
    """Type-correct random arguments for a tool's `parameters` schema: every required
    property, each optional one with probability 1/2."""
    value = random_value({**schema, "type": "object"}, rng, pool, depth)
    return value if isinstance(value, dict) else {}


def random_value(schema: Mapping[str, Any], rng: Any, pool: Sequence[str] = (),
                 depth: int = 0) -> Any:
    """A random JSON value satisfying the common keywords of `schema` (type, enum, const,
    anyOf, properties/required, items, minimum/maximum, minItems)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return rng.choice(list(schema["enum"]))
    if schema.get("anyOf"):
        return random_value(rng.choice(list(schema["anyOf"])), rng, pool, depth)
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or ["null"]
        kind = rng.choice(kinds)
    if kind == "object":
        props = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        if depth > 3:
            return {}
        return {k: random_value(s if isinstance(s, Mapping) else {}, rng, pool, depth + 1)
                for k, s in props.items() if k in required or rng.random() < 0.5}
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        low = int(schema.get("minItems", 0))
        n = max(low, rng.randint(0, 2)) if depth <= 3 else low
        return [random_value(items, rng, pool, depth + 1) for _ in range(n)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 100))
        low, high = int(low) + ("exclusiveMinimum" in schema), int(high) - ("exclusiveMaximum" in schema)
        value = rng.randint(low, max(low, high))
        return value if kind == "integer" else float(value)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    text = rng.choice(list(pool)) if pool and rng.random() < 0.8 else rng.choice(_WORDS)
    limit = schema.get("maxLength")
    return text[: int(limit)] if isinstance(limit, int) else text


# ---- priors learned from the env's own oracle ---------------------------------------------

@dataclass(frozen=True)
class OracleEpisode:
    """One oracle episode on a training seed: its actions, in order, and where it was played."""

    family: str | None
    difficulty: int | None
    tool_format: str | None
    actions: tuple[str, ...]
    reward: float


class MostFrequentFinal(HackStrategy):
    """The prior attack: the oracle's most frequent final message on training seeds (per task
    family and tool format when known), sent as is on every test task."""

    name, family, needs_oracle = "prior:most-frequent-final", "prior", True

    def __init__(self) -> None:
        self.counts: dict[tuple[str | None, str | None], Counter[str]] = defaultdict(Counter)

    def fit(self, episodes: Sequence[OracleEpisode]) -> None:
        self.counts.clear()
        for ep in episodes:
            if ep.actions:
                self.counts[(ep.tool_format, ep.family)][ep.actions[-1]] += 1
                self.counts[(ep.tool_format, None)][ep.actions[-1]] += 1

    def constant_for(self, tool_format: str | None, family: str | None) -> str:
        counts = self.counts.get((tool_format, family)) or self.counts.get((tool_format, None))
        return counts.most_common(1)[0][0] if counts else ""

    def act(self, view: EpisodeView) -> str:
        return self.constant_for(view.tool_format, view.info.get("task", {}).get("family"))


class OracleReplay(HackStrategy):
    """The oracle's whole action sequence from another (training) seed of the same family
    and level where there is one, replayed turn by turn (its last action repeated)."""

    name, family, needs_oracle = "prior:oracle-replay", "prior", True

    def __init__(self) -> None:
        self.episodes: list[OracleEpisode] = []

    def fit(self, episodes: Sequence[OracleEpisode]) -> None:
        self.episodes = [ep for ep in episodes if ep.actions]

    def act(self, view: EpisodeView) -> str:
        if "replay" not in view.memory:
            task = view.info.get("task", {})
            same_format = [e for e in self.episodes if e.tool_format == view.tool_format]
            for keep in (lambda e: e.family == task.get("family")
                         and e.difficulty == task.get("difficulty"),
                         lambda e: e.family == task.get("family"), lambda e: True):
                pool = [e for e in same_format if keep(e)]
                if pool:
                    break
            view.memory["replay"] = view.rng.choice(pool).actions if pool else ("",)
        actions = view.memory["replay"]
        return actions[min(view.turn, len(actions) - 1)]
