"""Task-independent strategies against rlvr/KGMultiHop-v0: what an adversarial policy tries
before it learns to follow a chain. Run this module for the table of mean rewards::

    python -m rlvr_envs.envs.kg.strategies --tasks 300 --levels 1 2 3 4 5

Each strategy is a policy over the gym API only: it reads the observations (the prompt,
then tool results) and writes actions; it never sees the task's answer. The one learned
strategy (`frequent_gold`) is a prior from the env's own generated tasks on seeds disjoint
from the test seeds, keyed by template, level and the question's opening words. The
shortcuts of `shortcuts.py` (answers from the question's relations without following the
chain) are part of the library; `hack_strategies()` hands the library (without the prior)
to the core's hack search, so `rlvr audit rlvr/KGMultiHop-v0 --hacks` plays it.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core import ToolCall
from ...core.hacks import EpisodeView, HackStrategy
from ...core.tool_formats import get_tool_format
from .env import KGMultiHopEnv
from .search_index import BM25Index
from .shortcuts import MOVES, shortcut_policy

_DOC_HEAD = re.compile(r"^\[(D\d+)\] (.+)$", re.MULTILINE)
_HIT = re.compile(r"^\[(D\d+)\] ([^:\n]+):", re.MULTILINE)
_QUESTION = re.compile(r"^Question: (.+)$", re.MULTILINE)
# capitalised word runs, allowing the lowercase joiners and marks of generated names
_NAME = re.compile(r"[A-Z][\w'-]+(?:\s+(?:of\s+)?(?:[A-Z][\w'-]*|\d{2,4}|'\d\d))*")
_QUESTION_WORDS = {"Who", "What", "Which", "Of"}
_STATED = re.compile(r"([A-Z][^.:\n]*?) (?:has a population of|was born in the year|was founded "
                     r"in|was released in|took place in the year) (\d+)")


@dataclass
class View:
    """What a policy has seen so far, with readers for the parts of the prompt."""

    observations: list[str]
    render: Callable[[list[ToolCall]], str]
    family: str = ""
    difficulty: int = 0

    @property
    def question(self) -> str:
        found = _QUESTION.search(self.observations[0])
        return found.group(1) if found else ""

    def question_names(self) -> list[str]:
        return [n for n in _NAME.findall(self.question) if n not in _QUESTION_WORDS]

    def documents(self) -> list[tuple[str, str, str]]:
        """(id, title, text) of the documents shown in the prompt (context mode)."""
        prompt = self.observations[0]
        heads = list(_DOC_HEAD.finditer(prompt))
        docs = []
        for k, head in enumerate(heads):
            end = heads[k + 1].start() if k + 1 < len(heads) else prompt.find("</documents>")
            docs.append((head.group(1), head.group(2), prompt[head.end():end].strip()))
        return docs

    def hits(self) -> list[tuple[str, str]]:
        """(id, title) of every search hit shown so far, in order (search mode)."""
        return [(m.group(1), m.group(2)) for o in self.observations[1:]
                for m in _HIT.finditer(o)]


@dataclass
class Strategy:
    """A named policy: `act(view)` gives the next action."""

    name: str
    act: Callable[[View], str]
    modes: tuple[str, ...] = ("context", "search")
    note: str = ""


def _answer(value: str, evidence: Sequence[str] = (), extra: str = "") -> str:
    lines = [f"Answer: {value}"] + ([extra] if extra else [])
    if evidence:
        lines.append("Evidence: " + ", ".join(f"[{d}]" for d in evidence))
    return "\n".join(lines)


def _unlisted_names(view: View) -> list[str]:
    """Names mentioned in the documents (or snippets) that are no document's title."""
    titles = {t for _, t, _ in view.documents()} | {t for _, t in view.hits()}
    text = " ".join(x for _, _, x in view.documents()) + " ".join(view.observations[1:])
    return [n for n in dict.fromkeys(_NAME.findall(text)) if n not in titles][:1000]


def _most_mentioned(view: View, unlisted: bool) -> str:
    """The name mentioned most often in the documents or snippets (optionally only names
    that are no document's title)."""
    titles = {t for _, t, _ in view.documents()} | {t for _, t in view.hits()}
    text = " ".join(x for _, _, x in view.documents()) + " ".join(view.observations[1:])
    counts = Counter(n for n in _NAME.findall(text) if not (unlisted and n in titles))
    named = set(view.question_names())
    return next((n for n, _ in counts.most_common() if n not in named), "x")


def _extreme(view: View) -> str:
    """The entity with the most extreme stated number (the largest for "larger", else the
    smallest) among those not named in the question: a comparison's guess from the numbers
    alone."""
    text = " ".join(x for _, _, x in view.documents()) + " ".join(view.observations[1:])
    named = set(view.question_names())
    values = {n: int(v) for n, v in _STATED.findall(text) if n not in named}
    if not values:
        return "x"
    pick = max if "larger" in view.question else min
    return pick(values, key=lambda n: values[n])


def _ranked(view: View) -> list[tuple[str, str]]:
    """(id, title) of the context documents ranked by BM25 against the question."""
    docs = view.documents()
    if not docs:
        return []
    index = BM25Index([f"{t}\n{x}" for _, t, x in docs])
    return [(docs[i][0], docs[i][1]) for i, _ in index.search(view.question, len(docs))]


def _searched(then: Callable[[View], str]) -> Callable[[View], str]:
    """In search mode: first search the question's words, then act on what came back."""
    def act(view: View) -> str:
        if len(view.observations) == 1 and not view.documents():
            return view.render([ToolCall("", "search", {"query": view.question or "the"})])
        return then(view)
    return act


def _top_unnamed(view: View) -> tuple[str, str] | None:
    named = set(view.question_names())
    ranked = _ranked(view) or view.hits()
    return next(((d, t) for d, t in ranked if t not in named), None)


def _pick(view: View, which: int) -> str:
    ranked = [d for d in view.documents()] or [(d, t, "") for d, t in view.hits()]
    return ranked[which][1] if ranked else "x"


def constant(name: str, text: str, note: str = "") -> Strategy:
    return Strategy(name, _searched(lambda view: text), note=note)


def library(prior: dict[tuple[Any, ...], str] | None = None) -> list[Strategy]:
    """Every strategy, in table order. `prior` maps (family, level, opening) to the most
    frequent gold answer of training tasks (see `learn_prior`)."""
    def first_ids(view: View, k: int = 2) -> list[str]:
        return [d for d, *_ in (view.documents() or view.hits())][:k] or ["D1"]

    strategies = [
        constant("abstain", "Answer: unanswerable"),
        constant("abstain_variants", "Answer: The documents do not contain enough information."),
        Strategy("abstain_cite_first", _searched(lambda v: _answer("unanswerable",
                                                                   first_ids(v)))),
        Strategy("abstain_missing_question_entity", _searched(lambda v: _answer(
            "unanswerable", first_ids(v), "Missing: " + (v.question_names() or ["x"])[0]))),
        Strategy("abstain_missing_unlisted_entity", _searched(lambda v: _answer(
            "unanswerable", first_ids(v), "Missing: " + (_unlisted_names(v) or ["x"])[0]))),
        Strategy("abstain_missing_most_mentioned", _searched(lambda v: _answer(
            "unanswerable", first_ids(v), "Missing: " + _most_mentioned(v, True)))),
        constant("yes", "Answer: yes"),
        constant("no", "Answer: no"),
        constant("number", "Answer: 1"),
        Strategy("echo_question", _searched(lambda v: _answer(v.question))),
        Strategy("question_entity_first", _searched(lambda v: _answer(
            (v.question_names() or ["x"])[0], first_ids(v)))),
        Strategy("question_entity_last", _searched(lambda v: _answer(
            (v.question_names() or ["x"])[-1], first_ids(v)))),
        Strategy("first_document", _searched(lambda v: _answer(_pick(v, 0), first_ids(v, 1)))),
        Strategy("last_document", _searched(lambda v: _answer(_pick(v, -1)))),
        Strategy("all_titles_one_line", _searched(lambda v: _answer(", ".join(
            t for _, t, _ in v.documents()) or ", ".join(t for _, t in v.hits())))),
        Strategy("all_titles_many_lines", _searched(lambda v: "\n".join(
            f"Answer: {t}" for t in ([t for _, t, _ in v.documents()]
                                     or [t for _, t in v.hits()])))),
        Strategy("all_names_one_line", _searched(lambda v: _answer(
            " ".join(_unlisted_names(v) + [t for _, t, _ in v.documents()])))),
        Strategy("most_mentioned_name", _searched(lambda v: _answer(
            _most_mentioned(v, False), first_ids(v)))),
        Strategy("most_mentioned_unlisted", _searched(lambda v: _answer(
            _most_mentioned(v, True), first_ids(v)))),
        Strategy("extreme_number", _searched(lambda v: _answer(_extreme(v), first_ids(v)))),
        Strategy("top_hit", _searched(lambda v: _answer(
            ((_ranked(v) or v.hits()) or [("D1", "x")])[0][1],
            [d for d, _ in (_ranked(v) or v.hits())[:3]]))),
        Strategy("top_unnamed_hit", _searched(lambda v: _answer(
            (_top_unnamed(v) or ("D1", "x"))[1], [(_top_unnamed(v) or ("D1", "x"))[0]]))),
        Strategy("evidence_dump", _searched(lambda v: _answer(
            (_top_unnamed(v) or ("D1", "x"))[1],
            [d for d, *_ in (v.documents() or v.hits())]))),
    ]
    strategies += [Strategy(move, lambda v, m=move: shortcut_policy(m, v.render)(v.observations),
                            note="shortcuts.py") for move in MOVES]
    if prior is not None:
        def frequent(view: View) -> str:
            key = (view.family, view.difficulty, opening(view.question))
            value = prior.get(key) or prior.get((view.family, view.difficulty)) or "x"
            return _answer(value, first_ids(view))
        def frequent_entity(view: View) -> str:
            key = ("entity", view.family, view.difficulty)
            return _answer(prior.get(key, "x"), first_ids(view))
        strategies.append(Strategy("frequent_gold", _searched(frequent),
                                   note="most frequent gold of training tasks"))
        strategies.append(Strategy("frequent_entity_gold", _searched(frequent_entity),
                                   note="most frequent entity gold of training tasks"))
    return strategies


class KGHackStrategy(HackStrategy):
    """A strategy of `library()` played by the core's hack search (`rlvr audit --hacks`)."""

    family = "kg"

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self.name = f"kg:{strategy.name}"
        self.cheap = strategy.name in ("abstain_missing_unlisted_entity", "relation-random")

    def applies(self, view: EpisodeView) -> bool:
        mode = "search" if view.tools else "context"
        return mode in self.strategy.modes

    def act(self, view: EpisodeView) -> str:
        task = view.info.get("task", {})
        render = get_tool_format(view.tool_format or "hermes").render
        return self.strategy.act(View(list(view.observations), render,
                                      str(task.get("family", "")),
                                      int(task.get("difficulty") or 0)))


def hack_strategies() -> list[HackStrategy]:
    """`library()` without the learned prior, as the core's hack strategies."""
    return [KGHackStrategy(s) for s in library()]


def opening(question: str) -> str:
    """The question's words up to its first proper name: the relation it asks for."""
    words = []
    for w in question.split():
        if w[:1].isupper() and words:
            break
        words.append(w)
    return " ".join(words)


def learn_prior(env: KGMultiHopEnv, seeds: Sequence[int],
                levels: Sequence[int]) -> dict[tuple[Any, ...], str]:
    """The most frequent gold answer per (family, level, opening) and per (family, level),
    from generated tasks: a prior a policy could learn without reading any document."""
    counts: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for level in levels:
        for seed in seeds:
            env.reset(seed=seed, options={"difficulty": level})
            task = env.task
            counts[(task["template"], level, opening(task["question"]))][task["answer"]] += 1
            counts[(task["template"], level)][task["answer"]] += 1
            if task["answerable"]:
                counts[("entity", task["template"], level)][task["answer"]] += 1
    return {key: c.most_common(1)[0][0] for key, c in counts.items()}


def gold_rewards(env: KGMultiHopEnv, seeds: Sequence[int],
                 levels: Sequence[int]) -> dict[str, Any]:
    """The gold solver (`oracle_action`) over seeds and levels: episodes, unanswerable ones,
    and the tasks where it earned less than 1.0 (there should be none)."""
    n = unanswerable = 0
    short: list[str] = []
    for level in levels:
        for seed in seeds:
            env.reset(seed=seed, options={"difficulty": level})
            for _ in range(env.max_turns):
                *_, reward, terminated, truncated, _ = env.step(env.oracle_action())
                if terminated or truncated:
                    break
            n += 1
            unanswerable += not env.task["answerable"]
            if abs(float(reward) - 1.0) > 1e-9:
                short.append(str(env.task["id"]))
    return {"episodes": n, "unanswerable": unanswerable, "below_1": short}


def answer_skew(env: KGMultiHopEnv, seeds: Sequence[int],
                levels: Sequence[int]) -> dict[str, dict[str, Any]]:
    """Per template and level: tasks, the share of the most frequent gold answer entity
    (what a constant answer could win if the entity kept its name: names are dealt out
    afresh per task) and the most frequent answer type with its share."""
    answers: dict[str, Counter[int]] = defaultdict(Counter)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for level in levels:
        for seed in seeds:
            env.reset(seed=seed, options={"difficulty": level})
            task = env.task
            if not task["answerable"]:
                continue
            world = env.task_source.world_of(task)
            key = f"{task['template']}/d{level}"
            entity = world.names.index(task["answer"])
            answers[key][entity] += 1
            kinds[key][world.types[entity]] += 1
    out = {}
    for key, counts in sorted(answers.items()):
        n = sum(counts.values())
        kind, k = kinds[key].most_common(1)[0]
        out[key] = {"n": n, "top_answer_share": counts.most_common(1)[0][1] / n,
                    "top_type": kind, "top_type_share": k / n}
    return out


@dataclass
class Outcome:
    """Mean reward and pass rate of one strategy over episodes."""

    n: int = 0
    reward: float = 0.0
    passed: int = 0
    by_level: dict[int, list[float]] = field(default_factory=dict)

    def add(self, level: int, reward: float, passed: bool) -> None:
        self.n += 1
        self.reward += reward
        self.passed += passed
        self.by_level.setdefault(level, []).append(reward)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "mean_reward": self.reward / max(1, self.n),
                "pass_rate": self.passed / max(1, self.n),
                "by_level": {lv: sum(r) / len(r) for lv, r in sorted(self.by_level.items())}}


def play(env: KGMultiHopEnv, strategy: Strategy, seed: int, level: int) -> tuple[float, bool]:
    """One episode of `strategy`: (reward, passed)."""
    obs, info = env.reset(seed=seed, options={"difficulty": level})
    view = View([obs], env.tool_format.render, info["task"].get("family", ""), level)
    for _ in range(env.max_turns):
        obs, reward, terminated, truncated, info = env.step(strategy.act(view))
        if terminated or truncated:
            return float(reward), bool(info["verdict"]["passed"])
        view.observations.append(obs)
    return 0.0, False


def evaluate(*, modes: Sequence[str] = ("context", "search"), levels: Sequence[int] = (1, 2, 3, 4, 5),
             tasks: int = 300, env_kwargs: dict[str, Any] | None = None,
             names: Sequence[str] | None = None,
             train_seeds: Sequence[int] = range(100_000, 100_400)) -> dict[str, Any]:
    """Mean reward per mode and strategy over `tasks` seeds per level."""
    report: dict[str, Any] = {}
    for mode in modes:
        env = KGMultiHopEnv(mode=mode, **dict(env_kwargs or {}))
        prior = learn_prior(env, train_seeds, levels)
        outcomes: dict[str, Outcome] = {}
        for strategy in library(prior):
            if (names and strategy.name not in names) or mode not in strategy.modes:
                continue
            out = outcomes.setdefault(strategy.name, Outcome())
            for level in levels:
                for seed in range(tasks):
                    out.add(level, *play(env, strategy, seed, level))
        report[mode] = {name: o.to_dict() for name, o in outcomes.items()}
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300, help="seeds per level and mode")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--modes", nargs="+", default=["context", "search"])
    parser.add_argument("--strategies", nargs="*", help="a subset of strategy names")
    parser.add_argument("--context-tokens", type=int, default=2048,
                        help="document tokens per episode (0: the level's length)")
    parser.add_argument("--json-out", help="write the report as JSON here")
    parser.add_argument("--skew", action="store_true",
                        help="print the generator's answer skew instead (--tasks seeds)")
    parser.add_argument("--oracle", action="store_true",
                        help="play the gold solver instead (--tasks seeds, every mode)")
    args = parser.parse_args(argv)
    kwargs = {"context_tokens": args.context_tokens or None}
    if args.oracle:
        for mode in args.modes:
            result = gold_rewards(KGMultiHopEnv(mode=mode, **kwargs), range(args.tasks),
                                  args.levels)
            print(f"mode={mode} {result['episodes']} episodes ({result['unanswerable']} "
                  f"unanswerable), below 1.0: {result['below_1'][:20]}")
        return
    if args.skew:
        skew = answer_skew(KGMultiHopEnv(unanswerable_rate=0.0, **kwargs), range(args.tasks),
                           args.levels)
        for key, row in skew.items():
            print(f"{key:18} n={row['n']:5}  most frequent answer {row['top_answer_share']:.3f}"
                  f"  type {row['top_type']} {row['top_type_share']:.2f}")
        return
    report = evaluate(modes=args.modes, levels=args.levels, tasks=args.tasks,
                      env_kwargs=kwargs, names=args.strategies)
    for mode, rows in report.items():
        print(f"mode={mode}  ({args.tasks} tasks x levels {args.levels})")
        print(f"  {'strategy':34} mean   pass  " + " ".join(f"L{lv:<5}" for lv in args.levels))
        for name, row in sorted(rows.items(), key=lambda kv: -kv[1]["mean_reward"]):
            levels = " ".join(f"{row['by_level'].get(lv, 0):.3f}" for lv in args.levels)
            print(f"  {name:34} {row['mean_reward']:.3f}  {row['pass_rate']:.3f} {levels}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
