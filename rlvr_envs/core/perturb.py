"""Out-of-sample false negatives: re-express a correct final message the ways models phrase
answers, and check the env still pays it.

The transforms (`PERTURBATIONS`, `perturbations(text)`) are plain text functions: use them in
an env's tests (`for cls, variant in perturbations(gold).items(): assert verify(task, variant)`).
`run_perturbation_suite(make_env, n)` plays the env's oracle on `n` tasks, replays each
episode with its final message perturbed, and counts, per class, how often the reward drops.

Each transform finds the *answer span* of the message: the last fenced code block, else the
last line holding `\\boxed{`, else the last `Answer:` line, else the last non-empty line. A
transform that means nothing for a span (bold on a code block) returns None. An env adds
domain perturbations with `answer_perturbations(self, text) -> {class: text or None}`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

__all__ = ["PERTURBATIONS", "PerturbationReport", "answer_span", "perturbations",
           "run_perturbation_suite"]

THINK = "<think>\nLet me work through this step by step and check the result.\n</think>\n\n"
EXPLANATION = "This follows from the steps above."
_LABEL = re.compile(r"^(\s*)(?:\*\*)?(answer)\s*:\s*(?:\*\*)?\s*", re.I)
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Span:
    """Where the answer sits: lines[start:end] of the message; `kind` is code, labeled
    (an `Answer:` line) or line; `calls` when the message is tool calls."""

    lines: tuple[str, ...]
    start: int
    end: int
    kind: str

    def replace(self, new: Sequence[str]) -> str:
        return "\n".join([*self.lines[: self.start], *new, *self.lines[self.end:]])

    @property
    def text(self) -> str:
        return "\n".join(self.lines[self.start: self.end])


def answer_span(text: str) -> Span | None:
    """The answer span of a message (see the module docstring), or None for blank text."""
    lines = tuple(text.split("\n"))
    fences = [i for i, ln in enumerate(lines) if _FENCE.match(ln)]
    if len(fences) >= 2:
        return Span(lines, fences[-2], fences[-1] + 1, "code")
    for pick in (lambda ln: "\\boxed{" in ln, lambda ln: _LABEL.match(ln) is not None,
                 lambda ln: ln.strip() != ""):
        hits = [i for i, ln in enumerate(lines) if pick(ln)]
        if hits:
            i = hits[-1]
            kind = "labeled" if _LABEL.match(lines[i]) else "line"
            return Span(lines, i, i + 1, kind)
    return None


def _value(line: str) -> tuple[str, str]:
    """(indent, value) of an `Answer:` line."""
    m = _LABEL.match(line)
    return (m.group(1), line[m.end():]) if m else ("", line.strip())


def think(text: str) -> str | None:
    return THINK + text


def final_answer_prefix(text: str) -> str | None:
    span = answer_span(text)
    if span is None:
        return None
    if span.kind == "code":
        return span.replace(["Final answer:", *span.lines[span.start: span.end]])
    indent, value = _value(span.text)
    if span.kind == "labeled":
        return span.replace([f"{indent}Final Answer: {value}"])
    return span.replace([f"Final answer: {span.text.strip()}"])


def bold_answer_prefix(text: str) -> str | None:
    span = answer_span(text)
    if span is None:
        return None
    if span.kind == "code":
        return span.replace(["**Answer:**", *span.lines[span.start: span.end]])
    indent, value = _value(span.text)
    return span.replace([f"{indent}**Answer:** {value}"])


def answer_next_line(text: str) -> str | None:
    span = answer_span(text)
    if span is None or span.kind == "code":
        return None
    indent, value = _value(span.text)
    if span.kind == "labeled":
        return span.replace([f"{indent}Answer:", value])
    return span.replace(["The final answer is:", span.text.strip()])


def bold(text: str) -> str | None:
    span = answer_span(text)
    if span is None or span.kind == "code":
        return None
    indent, value = _value(span.text)
    if span.kind == "labeled":
        return span.replace([f"{indent}Answer: **{value}**"])
    return span.replace([f"**{span.text.strip()}**"])


def trailing_explanation(text: str) -> str | None:
    return f"{text.rstrip()}\n\n{EXPLANATION}"


def markdown_bullet(text: str) -> str | None:
    span = answer_span(text)
    if span is None or span.kind == "code":
        return None
    return span.replace([f"- {span.text.strip()}"])


def extra_whitespace(text: str) -> str | None:
    """Blank lines around the message and trailing spaces on its lines, except inside
    fenced code (where a trailing space can change the program: a backslash continuation)."""
    out, in_code = [], False
    for line in text.split("\n"):
        fence = _FENCE.match(line) is not None
        out.append(line if in_code or fence or not line.strip() else f"{line}  ")
        in_code = in_code != fence
    return "\n\n" + "\n".join(out) + "\n\n\n"


def crlf(text: str) -> str | None:
    return text.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n"


PERTURBATIONS: dict[str, Callable[[str], str | None]] = {
    "think": think, "final-answer-prefix": final_answer_prefix,
    "bold-answer-prefix": bold_answer_prefix, "answer-next-line": answer_next_line,
    "bold": bold, "trailing-explanation": trailing_explanation,
    "markdown-bullet": markdown_bullet, "extra-whitespace": extra_whitespace, "crlf": crlf,
}
# a message made of tool calls is re-expressed only in ways that leave the calls alone
CALL_SAFE = ("think", "trailing-explanation", "extra-whitespace", "crlf")


def perturbations(text: str, *, calls: bool = False) -> dict[str, str]:
    """Every applicable generic re-expression of `text`, by class (only `CALL_SAFE` ones
    when the message holds tool calls)."""
    out = {}
    for name, fn in PERTURBATIONS.items():
        if calls and name not in CALL_SAFE:
            continue
        variant = fn(text)
        if variant is not None and variant != text:
            out[name] = variant
    return out


# ---- the suite ----------------------------------------------------------------------------

@dataclass
class ClassRate:
    n: int = 0
    fn: int = 0  # the perturbed answer earned less than the oracle's
    gain: int = 0  # it earned more (a perturbation should not change the reward either way)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PerturbationReport:
    env_id: str
    tasks: int = 0
    oracle_failed: int = 0
    by_class: dict[str, ClassRate] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def fn(self) -> int:
        return sum(c.fn for c in self.by_class.values())

    @property
    def n(self) -> int:
        return sum(c.n for c in self.by_class.values())

    def table(self, show: int = 3) -> str:
        rows = [f"{'perturbation':<24}{'cases':>7}{'FN':>5}{'FN rate':>9}{'gain':>6}"]
        for name, c in sorted(self.by_class.items()):
            rows.append(f"{name:<24}{c.n:>7}{c.fn:>5}{c.fn / max(1, c.n):>9.3f}{c.gain:>6}")
        rows.append(f"{'ALL':<24}{self.n:>7}{self.fn:>5}{self.fn / max(1, self.n):>9.3f}"
                    f"{sum(c.gain for c in self.by_class.values()):>6}")
        rows.append(f"{self.tasks} oracle episodes ({self.oracle_failed} where the oracle "
                    f"itself failed, not perturbed)")
        shown = 0
        for name, c in sorted(self.by_class.items()):
            for ex in c.examples:
                if shown < show:
                    rows.append(f"  FN {name}: task {ex['task_id']} reward {ex['reward']:.3f} "
                                f"< {ex['oracle_reward']:.3f}: {ex['text'][-120:]!r}")
                    shown += 1
        return "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"env_id": self.env_id, "tasks": self.tasks, "oracle_failed": self.oracle_failed,
                "n": self.n, "fn": self.fn, "seconds": self.seconds,
                "by_class": {k: {"n": c.n, "fn": c.fn, "fn_rate": c.fn / max(1, c.n),
                                 "gain": c.gain, "examples": c.examples}
                             for k, c in sorted(self.by_class.items())}}


def _play(env: gym.Env, plan: Any, actions: Sequence[str], max_steps: int) -> float:
    """Reset to `plan`, send `actions`, then the oracle's until the episode ends: the return."""
    env.reset(seed=plan.seed, options=plan.options())
    total = 0.0
    for i in range(max_steps):
        action = actions[i] if i < len(actions) else env.unwrapped.oracle_action()
        _, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        if terminated or truncated:
            break
    return total


def run_perturbation_suite(make_env: Callable[[str | None], gym.Env], n_tasks: int = 50, *,
                           env_id: str = "", seed: int = 0, max_steps: int = 64,
                           progress: Callable[[str], None] | None = None) -> PerturbationReport:
    """Play the oracle on `n_tasks` tasks (spread over levels and tool formats like the hack
    search), replay each with its final message perturbed, and count reward drops."""
    from .hacks.search import (
        TEST_SEED_BASE,
        TOOL_FORMAT_NAMES,
        env_difficulties,
        make_plan,
        play_oracle,
    )
    start = time.perf_counter()
    first = make_env(None)
    fmt = getattr(first.unwrapped, "tool_format", None)
    formats: list[str | None] = list(TOOL_FORMAT_NAMES) if fmt is not None else [None]
    envs: dict[str | None, gym.Env] = {getattr(fmt, "name", None): first}
    report = PerturbationReport(env_id or str(getattr(first.spec, "id", "")))
    plan = make_plan(n_tasks, env_difficulties(first), formats,
                     TEST_SEED_BASE + 500_000 + seed * 10_000)
    for k, p in enumerate(plan, 1):
        if p.tool_format not in envs:
            envs[p.tool_format] = make_env(p.tool_format)
        env = envs[p.tool_format]
        oracle = play_oracle(env, p, max_steps)
        if oracle is None:
            raise ValueError(f"{report.env_id or env} has no oracle_action; the perturbation "
                             "suite needs one (or pass --perturb-tasks 0)")
        report.tasks += 1
        task_id = str((env.unwrapped.task or {}).get("id", p.seed))
        if oracle.reward <= 0 or not oracle.actions:
            report.oracle_failed += 1
            continue
        *head, last = oracle.actions
        parser = getattr(env.unwrapped, "tool_format", None)
        calls = bool(parser is not None and parser.parse(last).has_tool_calls)
        variants: dict[str, str | None] = dict(perturbations(last, calls=calls))
        hook = getattr(env.unwrapped, "answer_perturbations", None)
        if callable(hook):
            _play(env, p, head, len(head))  # the env stands just before the final message
            variants.update(_domain(hook(last)))
        for name, text in variants.items():
            if text is None:
                continue
            reward = _play(env, p, [*head, text], max_steps)
            rate = report.by_class.setdefault(name, ClassRate())
            rate.n += 1
            if reward < oracle.reward - 1e-9:
                rate.fn += 1
                if len(rate.examples) < 3:
                    rate.examples.append({"task_id": task_id, "reward": reward,
                                          "oracle_reward": oracle.reward, "text": text[-600:]})
            elif reward > oracle.reward + 1e-9:
                rate.gain += 1
        if progress and (k % max(1, len(plan) // 10) == 0 or k == len(plan)):
            progress(f"perturbations: {k}/{len(plan)} tasks, {report.fn} FN so far")
    report.seconds = time.perf_counter() - start
    return report


def _domain(found: Any) -> dict[str, str | None]:
    if not isinstance(found, Mapping):
        raise TypeError(f"answer_perturbations() must return a mapping {{class: text}}, got "
                        f"{type(found).__name__}")
    return {f"domain:{k}": (None if v is None else str(v)) for k, v in found.items()}
