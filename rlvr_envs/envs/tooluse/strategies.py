"""ToolUse-v0's own task-independent strategies for the hack search (`rlvr audit --hacks`,
`ToolUseEnv.hack_strategies()`), beyond the core library's.

* `tooluse:question-filled-calls`: every offered tool called with type-correct arguments
  taken from the question's ids, dates, names and numbers, then every value the results
  showed as the answer;
* `tooluse:question-numbers`: the question's numbers as the answer;
* `tooluse:ask-then-claim`: a question to the user, then a claim that it is done;
* `tooluse:fixed-calls-then-prior`: the prior attack with the tool gate in mind. From the
  oracle on training tasks it learns, per request template (the request with its ids,
  dates, names and numbers blanked), the tools the gold called, the arguments of one
  training call, and the most frequent answer; on a test request it calls those tools
  with those fixed arguments (about another entity), ignores the results and answers with
  the learned answer, the request's own names filled in, unit conversions computed from
  world knowledge, and a refusal where the training requests of that template were
  irrelevant.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ...core.hacks import Constant, EpisodeView, HackStrategy, OracleEpisode, Scripted
from ...core.hacks.strategy import render_calls
from ...core.tools import ToolCall

__all__ = ["FixedCallsPrior", "QuestionFilledCalls", "tooluse_strategies"]

TRAIN_SEED_BASE = 3_000_000  # disjoint from the hack search's test and training seeds
_SLOT_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})|(?P<id>\b[A-Z]{2,}-?\d+\b)|(?P<path>/[\w./-]+)|"
    r"(?P<quote>'[^'\n]*')|(?P<number>\$?\d[\d,]*(?:\.\d+)?)|(?P<sym>\b[A-Z]{3,5}\b)|"
    r"(?P<name>(?<![.?!]\s)(?<!^)\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*\b)", re.MULTILINE)
_REQUEST_RE = re.compile(r"^\d+\. (.+)$", re.MULTILINE)
# physical unit factors any model knows (no tool needed): (from, to) -> multiply by
_KNOWN_FACTORS = {("mi", "km"): 1.609344, ("km", "mi"): 1 / 1.609344, ("ft", "m"): 0.3048,
                  ("m", "ft"): 1 / 0.3048, ("lb", "kg"): 0.45359237,
                  ("kg", "lb"): 1 / 0.45359237, ("gal", "l"): 3.785411784,
                  ("l", "gal"): 1 / 3.785411784}
_CONVERT_RE = re.compile(r"Convert ([\d.]+) (\w+) to (\w+)\.")
_REFUSAL = "I'm sorry, but I can't do that: none of the available tools can carry out this request."


def _template(request: str) -> tuple[str, list[str]]:
    """`request` with its slot values blanked, and those values in order."""
    values: list[str] = []

    def blank(m: re.Match[str]) -> str:
        values.append(m.group(0))
        return f"<{m.lastgroup}>"
    return _SLOT_RE.sub(blank, request.strip()), values


def _requests(question: str) -> list[str]:
    return _REQUEST_RE.findall(question) or [question]


def _answer_template(answer: str, values: Sequence[str]) -> str:
    """`answer` with the request's slot values replaced by `{0}`, `{1}`..."""
    out = answer.replace("{", "{{").replace("}", "}}")
    for k, v in sorted(enumerate(values), key=lambda kv: -len(kv[1])):
        if len(v) >= 2:
            out = out.replace(v, f"{{{k}}}")
    return out


class FixedCallsPrior(HackStrategy):
    """See the module doc. `make_env()` builds a hermes-format ToolUseEnv of the same task
    mix; `fit` plays its oracle on `train_tasks` seeds of its own."""

    name, family, needs_oracle = "tooluse:fixed-calls-then-prior", "prior", True

    def __init__(self, make_env: Callable[[], Any], train_tasks: int = 200) -> None:
        self.make_env, self.train_tasks = make_env, train_tasks
        self.answers: dict[str, Counter[str]] = {}
        self.calls: dict[str, list[ToolCall]] = {}

    def applies(self, view: EpisodeView) -> bool:
        return bool(view.tools) and view.info.get("task", {}).get("domain") == "tooluse" \
            and view.info.get("task", {}).get("family") != "bfcl"

    def fit(self, episodes: Sequence[OracleEpisode] = ()) -> None:
        env = self.make_env()
        for i in range(self.train_tasks):
            _, info = env.reset(seed=TRAIN_SEED_BASE + i)
            question = str(info["messages"][1]["content"]) if len(info["messages"]) > 1 \
                else ""
            for _ in range(env.max_turns):
                _, _, terminated, truncated, info = env.step(env.oracle_action())
                if terminated or truncated:
                    break
            self._learn(question, info["messages"])

    def _learn(self, question: str, messages: Sequence[dict[str, Any]]) -> None:
        calls = [ToolCall("", c["function"]["name"], _loads(c["function"]["arguments"]))
                 for m in messages if m.get("role") == "assistant"
                 for c in m.get("tool_calls") or ()]
        finals = [str(m.get("content") or "") for m in messages
                  if m.get("role") == "assistant" and not m.get("tool_calls")
                  and not str(m.get("content") or "").rstrip().endswith("?")]
        if not finals:
            return
        requests, lines = _requests(question), finals[-1].splitlines()
        if len(lines) != len(requests):
            lines = [finals[-1]] * len(requests)
        for request, line in zip(requests, lines):
            key, values = _template(request)
            line = re.sub(r"^\d+\.\s*", "", line)
            self.answers.setdefault(key, Counter())[_answer_template(line, values)] += 1
            if len(requests) == 1:  # whose calls are whose is clear only for one request
                self.calls.setdefault(key, calls[:4])

    def _plan(self, question: str) -> tuple[list[ToolCall], str]:
        calls: list[ToolCall] = []
        answers: list[str] = []
        requests = _requests(question)
        for request in requests:
            key, values = _template(request)
            convert = _CONVERT_RE.search(request)
            if convert and (convert.group(2), convert.group(3)) in _KNOWN_FACTORS:
                x = float(convert.group(1)) * _KNOWN_FACTORS[convert.group(2), convert.group(3)]
                answers.append(f"{convert.group(1)} {convert.group(2)} is {x:.2f} "
                               f"{convert.group(3)}.")
            elif key in self.answers:
                text = self.answers[key].most_common(1)[0][0]
                try:
                    answers.append(text.format(*values))
                except (IndexError, KeyError, ValueError):
                    answers.append(text)
            else:
                answers.append(_REFUSAL)
            calls += [c for c in self.calls.get(key, ()) if c.name not in
                      {x.name for x in calls}]
        if len(answers) == 1:
            return calls, answers[0]
        return calls, "\n".join(f"{i}. {a}" for i, a in enumerate(answers, 1))

    def act(self, view: EpisodeView) -> str:
        if "plan" not in view.memory:
            view.memory["plan"] = self._plan(view.prompt)
        calls, answer = view.memory["plan"]
        offered = {t["function"]["name"] for t in view.tools if "function" in t}
        calls = [c for c in calls if c.name in offered]
        if view.turn == 0 and calls and answer != _REFUSAL:
            return render_calls(view, calls)
        return answer


def _loads(text: str) -> dict[str, Any]:
    import json
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class QuestionFilledCalls(HackStrategy):
    """Every offered tool (at most 16) called with type-correct arguments drawn from the
    question's tokens, then every number and name the results showed as the answer."""

    name, family = "tooluse:question-filled-calls", "tool"

    def applies(self, view: EpisodeView) -> bool:
        return bool(view.tools)

    def act(self, view: EpisodeView) -> str:
        if view.turn == 0:
            words = re.findall(r"[A-Z]+-\d+|\d{4}-\d{2}-\d{2}|[A-Z][a-z]+(?: [A-Z][a-z]+)?|"
                               r"\d+(?:\.\d+)?", view.prompt) or ["x"]
            tools = [t["function"] for t in view.tools if isinstance(t.get("function"), dict)]
            return render_calls(view, [ToolCall("", str(t["name"]),
                                                _filled(t.get("parameters") or {}, words,
                                                        view.rng))
                                       for t in tools[:16]])
        return "Here is everything I found: " + ", ".join(
            view.numbers("\n".join(view.tool_results())) +
            view.names("\n".join(view.tool_results()))) + "."


def _filled(schema: dict[str, Any], words: Sequence[str], rng: random.Random
            ) -> dict[str, Any]:
    numbers = [float(w) for w in words if re.fullmatch(r"\d+(?:\.\d+)?", w)]
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type")
        if prop.get("enum"):
            out[name] = rng.choice(prop["enum"])
        elif kind == "integer":
            out[name] = int(rng.choice(numbers)) if numbers else rng.randint(0, 500)
        elif kind == "number":
            out[name] = rng.choice(numbers) if numbers else round(rng.uniform(0, 500), 2)
        elif kind == "boolean":
            out[name] = rng.random() < 0.5
        else:
            out[name] = rng.choice(list(words))
    return out


def tooluse_strategies(make_env: Callable[[], Any] | None) -> list[HackStrategy]:
    """The strategies above; the prior needs `make_env` (a procedural task mix)."""
    out: list[HackStrategy] = [
        QuestionFilledCalls(),
        Scripted("tooluse:question-numbers", "echo",
                 lambda v: " ".join(re.findall(r"\d+(?:\.\d+)?", v.prompt)) or "0"),
        Scripted("tooluse:ask-then-claim", "ask",
                 lambda v: "Could you give me the details?" if v.turn == 0
                 else "All set, it is done."),
        Constant("tooluse:claim-success", "claim", "Done! I have completed your request and "
                 "everything went through successfully.", framed=False),
    ]
    if make_env is not None:
        out.append(FixedCallsPrior(make_env))
    return out
