"""What a hack strategy sees of an episode: the gym API's observations and info, nothing else.

`EpisodeView` is the whole input of a strategy's `act`: the observations so far, the last
`info` (`messages`, `tools`, `task` without the answer), the tool-call format the env asked
for in its instructions, a seeded `random.Random` and a scratch `memory` dict. The helpers
read candidate values out of that text the way a task-independent policy would.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_CANDIDATES = 40  # values one candidate list holds (keeps actions short)

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*(?:\.\d+)?(?![\w])")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ '-][A-Z][a-z]+)*\b")
# id-like: a token mixing letters and digits (O1234, SKU-55, D3, acct_17)
_ID = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]*[A-Za-z0-9](?![\w-])")
_BRACKET_ID = re.compile(r"\[([A-Z]{1,3}\d+)\]")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]")
# a sentence ends after a word of 3+ lower-case letters or digits ("days. What"), not after
# an abbreviation ("St. Ives", "J. Smith")
_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9]{3}[.!?])\s+(?=[A-Z])")
# words that start sentences, not names
_STOP_NAMES = frozenset({
    "The", "A", "An", "What", "Which", "Who", "Whom", "Where", "When", "How", "Why", "Is",
    "Are", "Do", "Does", "Did", "In", "On", "Of", "For", "To", "If", "It", "This", "That",
    "Answer", "Evidence", "Question", "Put", "Write", "Return", "Use", "Each", "All", "Hi",
    "Please", "Find", "Give", "Set", "Tell", "I", "You", "My", "Your", "We", "Then", "Other",
    "Otherwise", "While", "Examples", "Implement", "Hello", "Thanks", "Yes", "No",
})


@dataclass
class EpisodeView:
    """An episode as a policy sees it through the gym API (never the task's answer)."""

    observations: list[str]
    info: dict[str, Any]
    tool_format: str | None = None  # the env's tool-call format name, if it offers tools
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    memory: dict[str, Any] = field(default_factory=dict)

    @property
    def turn(self) -> int:
        """Actions sent so far this episode."""
        return len(self.observations) - 1

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.info.get("messages") or [])

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.info.get("tools") or [])

    @property
    def system(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.messages
                         if m.get("role") == "system")

    @property
    def prompt(self) -> str:
        """The first user message (the task statement)."""
        for m in self.messages:
            if m.get("role") == "user":
                return str(m.get("content") or "")
        return self.observations[0] if self.observations else ""

    @property
    def instructions(self) -> str:
        """System prompt and task statement: where the answer format is stated."""
        return f"{self.system}\n{self.prompt}"

    def seen_text(self) -> str:
        """Everything the env said: user and tool messages, in order."""
        return "\n".join(str(m.get("content") or "") for m in self.messages
                         if m.get("role") in ("user", "tool"))

    def tool_results(self) -> list[str]:
        return [str(m.get("content") or "") for m in self.messages if m.get("role") == "tool"]

    # ---- candidates -------------------------------------------------------------------

    def numbers(self, text: str | None = None) -> list[str]:
        return _unique(_NUMBER.findall(self.seen_text() if text is None else text))

    def names(self, text: str | None = None) -> list[str]:
        found = _NAME.findall(self.seen_text() if text is None else text)
        return _unique(n for n in found if n not in _STOP_NAMES)

    def ids(self, text: str | None = None) -> list[str]:
        return _unique(_ID.findall(self.seen_text() if text is None else text))

    def tool_values(self) -> list[str]:
        """Every scalar value in the tool results (JSON leaves, or tokens of plain text)."""
        values: list[str] = []
        for content in self.tool_results():
            if content.startswith("error"):
                continue
            try:
                values.extend(json_leaves(json.loads(content)))
            except (ValueError, RecursionError):
                values.extend(self.ids(content) + self.names(content) + self.numbers(content))
        return _unique(values)

    # ---- the answer format the instructions ask for -------------------------------------

    def answer(self, value: str) -> str:
        """`value` written as the final answer the instructions ask for: `\\boxed{}`, an
        `Answer:` line (with an `Evidence:` line citing every bracketed id seen, when the
        instructions ask for one), or the bare text."""
        text = self.instructions
        if "\\boxed" in text:
            return f"\\boxed{{{value}}}"
        if "Answer:" in text:
            out = f"Answer: {value}"
            if "Evidence:" in text:
                cited = _unique(_BRACKET_ID.findall(self.seen_text()))[:MAX_CANDIDATES]
                out += "\nEvidence: " + ", ".join(f"[{c}]" for c in cited)
            return out
        return value

    def answer_lines(self, values: Sequence[str]) -> str:
        """Each value as its own final answer, one per line."""
        return "\n".join(self.answer(v) for v in values[:MAX_CANDIDATES]) or self.answer("")

    def answer_line(self, values: Sequence[str]) -> str:
        """All values as one final answer on one line."""
        return self.answer(", ".join(values[:MAX_CANDIDATES]))

    def most_frequent_name(self) -> str:
        """The capitalised name seen most often, names in the question itself excluded."""
        asked = set(self.names(self.last_sentence()))
        counts = Counter(n for n in _NAME.findall(self.seen_text())
                         if n not in _STOP_NAMES and n not in asked)
        return counts.most_common(1)[0][0] if counts else ""

    def last_sentence(self) -> str:
        """The prompt's question: the last line holding a '?' (up to it; questions sit on
        their own line more reliably than sentence splitting survives "St. Ives"), else
        the prompt's last sentence."""
        lines = [ln.strip() for ln in self.prompt.splitlines() if "?" in ln]
        if lines:
            line = lines[-1][: lines[-1].rfind("?") + 1]
            return _SENTENCE_BREAK.split(line)[-1]
        sentences = [s.strip() for s in _SENTENCE.findall(self.prompt)]
        return (sentences or [self.prompt.strip()])[-1]


def json_leaves(value: Any, limit: int = 400) -> list[str]:
    """The scalar leaves of a JSON value as text (strings, numbers, booleans), in order."""
    out: list[str] = []
    stack = [value]
    while stack and len(out) < limit:
        v = stack.pop(0)
        if isinstance(v, dict):
            stack[:0] = list(v.values())
        elif isinstance(v, list):
            stack[:0] = v
        elif v is not None and not isinstance(v, bool):
            out.append(str(v))
    return out


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        item = str(item).strip()
        if item and item not in seen:
            seen[item] = None
    return list(seen)
