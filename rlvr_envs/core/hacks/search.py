"""The universal-response search: play every hack strategy over many tasks and compare the
best one's mean reward with the env's `chance_level`.

Tasks are drawn by seed (test seeds and the prior attack's training seeds never overlap),
spread over the env's difficulty levels and, for envs with a `tool_format`, over the tool
formats. Everything is seeded: the same arguments give the same report.
"""

from __future__ import annotations

import json
import random
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from .strategy import HackStrategy, OracleEpisode
from .view import EpisodeView

__all__ = ["HACK_MARGIN", "EpisodePlan", "HackReport", "StrategyError", "StrategyResult",
           "make_plan",
           "play_episode", "play_oracle", "run_hack_search"]

HACK_MARGIN = 0.02  # acceptance bar: best strategy mean <= chance_level + this
TEST_SEED_BASE = 1_000_000  # test tasks use seeds BASE + i; training (prior) tasks 2*BASE + i
TRAIN_SEED_BASE = 2_000_000
TOOL_FORMAT_NAMES = ("hermes", "openai_json", "pythonic", "mistral")

EnvFactory = Callable[[str | None], gym.Env]


@dataclass(frozen=True)
class EpisodePlan:
    """Where one episode is played: reset seed, level (None: the env's choice), format."""

    seed: int
    difficulty: int | None
    tool_format: str | None

    def options(self) -> dict[str, Any] | None:
        return None if self.difficulty is None else {"difficulty": self.difficulty}


def make_plan(n: int, difficulties: Sequence[int] | None, formats: Sequence[str | None],
              seed_base: int) -> list[EpisodePlan]:
    """`n` episodes cycling through levels and, across level cycles, through formats, so
    every (level, format) pair is played when `n >= levels x formats`."""
    levels: list[int | None] = list(difficulties) if difficulties else [None]
    fmts = list(formats) or [None]
    return [EpisodePlan(seed_base + i, levels[i % len(levels)],
                        fmts[(i // len(levels)) % len(fmts)]) for i in range(n)]


class StrategyError(RuntimeError):
    """A strategy (not the env) raised: a bug in the strategy, reported as such."""


@dataclass
class EpisodeOutcome:
    reward: float = 0.0
    passed: bool = False
    steps: int = 0
    capped: bool = False  # stopped by the search's step/time cap before the env ended it
    error: str | None = None  # the env raised: a contract break, reported on its own
    infra: bool = False  # the verdict says the verifier itself failed (trainers drop these)
    actions: list[str] = field(default_factory=list)
    reason: str = ""


def _rng(*parts: Any) -> random.Random:
    return random.Random(zlib.crc32(json.dumps([str(p) for p in parts]).encode()))


def _format_name(env: gym.Env) -> str | None:
    fmt = getattr(env.unwrapped, "tool_format", None)
    return None if fmt is None else getattr(fmt, "name", str(fmt))


def play_episode(env: gym.Env, strategy: HackStrategy, plan: EpisodePlan, *,
                 max_steps: int = 64, timeout_s: float = 60.0) -> EpisodeOutcome:
    """Play one episode of `strategy`; the env's exceptions are caught and reported."""
    out = EpisodeOutcome()
    start = time.perf_counter()
    try:
        obs, info = env.reset(seed=plan.seed, options=plan.options())
        view = EpisodeView([obs], info, _format_name(env), _rng(strategy.name, plan.seed))
        while True:
            if out.steps >= max_steps or time.perf_counter() - start > timeout_s:
                out.capped = True
                return out
            try:
                action = strategy.act(view)
            except Exception as e:  # a bug in the strategy, not in the env: say so, loudly
                raise StrategyError(f"hack strategy {strategy.name!r} raised "
                                    f"{type(e).__name__}: {e}") from e
            out.actions.append(action)
            obs, reward, terminated, truncated, info = env.step(action)
            out.steps += 1
            out.reward += float(reward)
            view.observations.append(obs)
            view.info = info
            if terminated or truncated:
                verdict = info.get("verdict") or {}
                out.passed = bool(verdict.get("passed"))
                out.infra = bool(verdict.get("infra_error"))
                out.reason = str(verdict.get("reason", ""))[:300]
                return out
    except StrategyError:
        raise
    except Exception as e:  # the search reports contract breaks, it does not stop on them
        out.error = f"{type(e).__name__}: {e}"[:300]
        return out


def play_oracle(env: gym.Env, plan: EpisodePlan, max_steps: int = 64) -> OracleEpisode | None:
    """The env's oracle on one training task: its actions and reward (None without one)."""
    base = env.unwrapped
    if not callable(getattr(base, "oracle_action", None)):
        return None
    _, info = env.reset(seed=plan.seed, options=plan.options())
    task = info.get("task", {})
    actions: list[str] = []
    reward = 0.0
    try:
        for _ in range(max_steps):
            action = base.oracle_action()
            actions.append(action)
            _, r, terminated, truncated, _ = env.step(action)
            reward += float(r)
            if terminated or truncated:
                break
    except NotImplementedError:
        return None
    return OracleEpisode(task.get("family"), task.get("difficulty"), _format_name(env),
                         tuple(actions), reward)


@dataclass
class StrategyResult:
    name: str
    family: str
    episodes: int = 0
    total_reward: float = 0.0
    passes: int = 0
    capped: int = 0
    infra: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    by_slice: dict[str, list[float]] = field(default_factory=dict)  # slice -> [n, reward sum]
    best_example: dict[str, Any] | None = None

    @property
    def mean_reward(self) -> float:
        return self.total_reward / self.episodes if self.episodes else 0.0

    @property
    def pass_rate(self) -> float:
        return self.passes / self.episodes if self.episodes else 0.0

    def add(self, outcome: EpisodeOutcome, slices: Sequence[str], task_id: str) -> None:
        self.episodes += 1
        self.total_reward += outcome.reward
        self.passes += outcome.passed
        self.capped += outcome.capped
        self.infra += outcome.infra
        if outcome.error and len(self.errors) < 5:
            self.errors.append(outcome.error)
        for key in slices:
            n_sum = self.by_slice.setdefault(key, [0, 0.0])
            n_sum[0] += 1
            n_sum[1] += outcome.reward
        if outcome.reward > 0 and (self.best_example is None
                                   or outcome.reward > self.best_example["reward"]):
            self.best_example = {"task_id": task_id, "reward": outcome.reward,
                                 "reason": outcome.reason,
                                 "turns": len(outcome.actions),  # first three and last
                                 "actions": [a[:400] for a in (outcome.actions[:3] +
                                                               outcome.actions[3:][-1:])]}

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "family": self.family, "episodes": self.episodes,
                "mean_reward": self.mean_reward, "pass_rate": self.pass_rate,
                "capped": self.capped, "infra_errors": self.infra, "errors": self.errors,
                "seconds": self.seconds,
                "by_slice": {k: {"n": int(n), "mean_reward": s / n if n else 0.0}
                             for k, (n, s) in sorted(self.by_slice.items())},
                "best_example": self.best_example}


@dataclass
class HackReport:
    """Each strategy's mean reward and pass rate, and the best one against chance."""

    env_id: str
    chance_level: float
    n_tasks: int
    difficulties: list[int | None]
    tool_formats: list[str | None]
    results: list[StrategyResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # strategy -> why it did not run
    train_tasks: int = 0
    seconds: float = 0.0
    margin: float = HACK_MARGIN

    @property
    def best(self) -> StrategyResult | None:
        return max(self.results, key=lambda r: r.mean_reward, default=None)

    @property
    def exceeds_chance(self) -> bool:
        best = self.best
        return best is not None and best.mean_reward > self.chance_level + self.margin

    def table(self) -> str:
        rows = [f"{'strategy':<40}{'episodes':>9}{'mean reward':>13}{'pass rate':>11}"
                f"{'capped':>8}{'infra':>7}{'errors':>8}"]
        for r in sorted(self.results, key=lambda r: (-r.mean_reward, r.name)):
            rows.append(f"{r.name:<40}{r.episodes:>9}{r.mean_reward:>13.3f}{r.pass_rate:>11.3f}"
                        f"{r.capped:>8}{r.infra:>7}{len(r.errors):>8}")
        best = self.best
        if best is not None:
            verdict = "EXCEEDS" if self.exceeds_chance else "within"
            rows.append(f"best: {best.name} mean {best.mean_reward:.3f} vs chance_level "
                        f"{self.chance_level:.3f} (+{self.margin}): {verdict}")
            if best.best_example:
                ex = best.best_example
                rows.append(f"  e.g. task {ex['task_id']} reward {ex['reward']:.3f}: "
                            f"{ex['actions'][-1][:160]!r}")
        for name, why in sorted(self.skipped.items()):
            rows.append(f"  skipped {name}: {why}")
        return "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        best = self.best
        return {"env_id": self.env_id, "chance_level": self.chance_level,
                "margin": self.margin, "n_tasks": self.n_tasks,
                "train_tasks": self.train_tasks, "difficulties": self.difficulties,
                "tool_formats": self.tool_formats, "seconds": self.seconds,
                "best": None if best is None else {"name": best.name,
                                                   "mean_reward": best.mean_reward,
                                                   "pass_rate": best.pass_rate},
                "exceeds_chance": self.exceeds_chance, "skipped": self.skipped,
                "strategies": [r.to_dict() for r in self.results]}


def env_difficulties(env: gym.Env) -> list[int] | None:
    levels = getattr(getattr(env.unwrapped, "task_source", None), "difficulties", None)
    return sorted({int(d) for d in levels}) if levels else None


def run_hack_search(make_env: EnvFactory, strategies: Sequence[HackStrategy], *,
                    env_id: str = "", n_tasks: int = 200, train_tasks: int | None = None,
                    tool_formats: Sequence[str] | None = None, seed: int = 0,
                    max_steps: int = 64, episode_timeout_s: float = 60.0,
                    chance_level: float | None = None,
                    progress: Callable[[str], None] | None = None) -> HackReport:
    """Play each strategy on `n_tasks` test tasks and report its mean reward.

    `make_env(tool_format)` builds the env (`tool_format` is None for envs without one).
    `tool_formats` defaults to all four formats when the env has a `tool_format`. The
    prior strategies first watch the oracle on `train_tasks` (default `n_tasks`) tasks
    with disjoint seeds. `progress` receives one line per strategy (readable in a log).
    """
    say = progress or (lambda line: None)
    start = time.perf_counter()
    first = make_env(None)
    has_format = hasattr(first.unwrapped, "tool_format")
    formats: list[str | None] = (list(tool_formats or TOOL_FORMAT_NAMES) if has_format
                                 else [None])
    envs: dict[str | None, gym.Env] = {_format_name(first): first}

    def env_for(fmt: str | None) -> gym.Env:
        if fmt not in envs:
            envs[fmt] = make_env(fmt)
        return envs[fmt]

    levels = env_difficulties(first)
    offset = seed * 10_000
    plan = make_plan(n_tasks, levels, formats, TEST_SEED_BASE + offset)
    chance = float(chance_level if chance_level is not None
                   else getattr(first.unwrapped, "chance_level", 0.0))
    report = HackReport(env_id or str(getattr(first.spec, "id", "") or type(first.unwrapped)
                                      .__name__), chance, n_tasks, list(levels or [None]),
                        formats)
    if not plan:
        return report
    # which strategies mean anything here: judged on the first test episode's view
    obs, info = env_for(plan[0].tool_format).reset(seed=plan[0].seed, options=plan[0].options())
    probe_view = EpisodeView([obs], info, plan[0].tool_format)
    active = []
    for s in strategies:
        if s.applies(probe_view):
            active.append(s)
        else:
            report.skipped[s.name] = "does not apply to this env's prompt"
    if any(s.needs_oracle for s in active):
        n_train = n_tasks if train_tasks is None else train_tasks
        train_plan = make_plan(n_train, levels, formats, TRAIN_SEED_BASE + offset)
        say(f"prior: playing the oracle on {n_train} training tasks")
        episodes = [ep for p in train_plan
                    if (ep := play_oracle(env_for(p.tool_format), p, max_steps)) is not None]
        report.train_tasks = len(episodes)
        for s in [s for s in active if s.needs_oracle]:
            if episodes:
                s.fit(episodes)
            else:
                active.remove(s)
                report.skipped[s.name] = "the env has no oracle_action to learn from"
    for k, s in enumerate(active, 1):
        result = StrategyResult(s.name, s.family)
        t0 = last_line = time.perf_counter()
        for i, p in enumerate(plan, 1):
            if time.perf_counter() - last_line > 30:  # slow envs: a line every half minute
                last_line = time.perf_counter()
                say(f"    {s.name}: {i - 1}/{len(plan)} episodes, mean so far "
                    f"{result.mean_reward:.3f}")
            env = env_for(p.tool_format)
            outcome = play_episode(env, s, p, max_steps=max_steps, timeout_s=episode_timeout_s)
            task = getattr(env.unwrapped, "task", None) or {}
            slices = [f"difficulty={task.get('difficulty', p.difficulty)}"]
            if task.get("family"):
                slices.append(f"family={task['family']}")
            if p.tool_format:
                slices.append(f"tool_format={p.tool_format}")
            result.add(outcome, slices, str(task.get("id", p.seed)))
        result.seconds = time.perf_counter() - t0
        report.results.append(result)
        say(f"[{k}/{len(active)}] {s.name}: mean {result.mean_reward:.3f} pass "
            f"{result.pass_rate:.3f} over {result.episodes} ({result.seconds:.1f}s)")
    report.seconds = time.perf_counter() - start
    for env in envs.values():
        env.close()
    return report
