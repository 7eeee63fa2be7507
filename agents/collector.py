"""The episode collector: many episodes over many envs at once, recorded as transcripts.

    from agents.collector import collect
    from agents.oracle import OraclePolicy
    records = collect(["rlvr/Math-v0"], OraclePolicy(), episodes=8, concurrency=8)

Up to `concurrency` episodes are live at a time. Every episode waiting for the model joins
the next `policy.generate` batch (continuous batching: while one batch generates, env
steps finish and queue up for the next); env `reset`/`step` calls run on a thread pool, so
verification in subprocesses and sandboxes overlaps with generation and with each other.

Each finished episode becomes a transcript record (a JSON-serializable dict, one JSONL
line; schema in docs/agents.md). For learning-capable policies it holds every turn's
prompt and completion token ids and sampled-token log-probs, and the episode's token
sequence with a loss mask that is 1 exactly on generated tokens. With `extend_prompts`
(the default for learning-capable policies) each later turn is given the previous turn's
prompt + completion ids (`Conversation.previous`) and the policy appends only the new
messages' tokens (`agents.prompt_ids`): the episode is one token sequence by construction
and the model sees its own tokens as generated. The collector checks that each turn's prompt
extends the previous turn's prompt + completion token for token; where it does not (plain
re-rendering, or a turn where extension was refused: `prompt_fallback` in the turn record)
it records `prefix_mismatch` and the first mismatching position and starts a new segment
(the learner trains on segments), never re-tokenizing generated text.

Failures outside the agent's control (a generation error, an env or verifier raising, a
verdict with `infra_error`) end the episode with `infra_error` set: such episodes are
excluded from reward means and counted in the infra-error rate, never scored as 0.
An env whose host went away (`EnvUnavailable`: a remote env worker died or hung, see
agents/ray_envs.py) is such an infra error too, and the episode is played again from reset
with the same seed, up to `env_retries` times; the record lists the failed attempts in
`env_retries` and is written once.
"""

from __future__ import annotations

import copy
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from .policy import Conversation, Generation, Policy, PreviousTurn, SamplingParams

TRANSCRIPT_SCHEMA = "rlvr.transcript/1"

EnvFactory = Callable[[], gym.Env]
EnvLike = str | tuple[str, EnvFactory]


class EnvUnavailable(RuntimeError):
    """The env's host is gone (a remote worker died or stopped answering): the episode is an
    infra error the collector may replay from reset on another host (`env_retries`)."""


@dataclass(frozen=True)
class EpisodeSpec:
    """Which episode to play: env label, task index, sample index, reset seed and options.

    All `samples` of one task share the reset seed, hence the task (for pass@k).
    """

    env_id: str
    task_index: int
    sample_index: int = 0
    seed: int = 0
    options: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """A stable id: `<env>#<task>.<sample>`."""
        return f"{self.env_id}#{self.task_index}.{self.sample_index}"


def plan_episodes(env_ids: Sequence[str], *, episodes: int, samples: int = 1, seed: int = 0,
                  difficulty: int | None = None) -> list[EpisodeSpec]:
    """`episodes` tasks per env, each played `samples` times; task `i` uses reset seed
    `seed + i`. Ordered task-major so that every env progresses together."""
    if episodes < 1 or samples < 1:
        raise ValueError(f"episodes and samples must be >= 1, got {episodes}, {samples}")
    options = {"difficulty": difficulty} if difficulty is not None else None
    return [EpisodeSpec(env_id, i, k, seed + i, options)
            for i in range(episodes) for env_id in env_ids for k in range(samples)]


@dataclass
class _Episode:
    spec: EpisodeSpec
    t0: float = field(default_factory=time.perf_counter)
    env: gym.Env | None = None
    info: dict[str, Any] = field(default_factory=dict)
    task: dict[str, Any] = field(default_factory=dict)
    turns: list[dict[str, Any]] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    verdict: dict[str, Any] | None = None
    terminated: bool = False
    truncated: bool = False
    end_reason: str = ""
    infra_error: str | None = None
    generate_s: float = 0.0
    env_s: float = 0.0
    tokens_used: int = 0
    prev_ids: list[int] | None = None  # last turn's prompt + completion ids
    previous: PreviousTurn | None = None  # what the next prompt extends
    mismatches: list[dict[str, int]] = field(default_factory=list)
    env_lost: bool = False  # the env raised EnvUnavailable: replayable elsewhere
    env_retries: list[str] = field(default_factory=list)  # errors of earlier attempts


class EpisodeCollector:
    """Plays `EpisodeSpec`s with one policy; see the module docstring.

    `envs` maps each env label of the specs to a factory (or is a list of registered ids
    made with `gym.make(id, **env_kwargs)`). `max_turns` caps assistant messages per
    episode on top of the env's own limit; `max_episode_tokens` caps the episode's token
    sequence (prompt of the last turn + its completion, observations included) for policies
    that count tokens. `on_episode(record)` is called (on the calling thread) as each
    episode finishes, for example to append it to a JSONL file. `env_retries` bounds how
    often one episode is replayed after its env raised `EnvUnavailable` (remote envs).
    `extend_prompts`: give each later turn the previous turn's tokens to extend
    (`Conversation.previous`); None (the default) means yes for learning-capable policies
    (`policy.returns_token_ids`), False asks them to re-render every prompt from the
    messages (policies that send messages, such as HTTP ones, always do).
    """

    def __init__(self, envs: Iterable[EnvLike] | dict[str, EnvFactory], policy: Policy, *,
                 sampling: SamplingParams | None = None, concurrency: int = 8,
                 max_turns: int | None = None, max_episode_tokens: int | None = None,
                 env_kwargs: dict[str, Any] | None = None, env_workers: int | None = None,
                 on_episode: Callable[[dict[str, Any]], None] | None = None,
                 agent: str | None = None, env_retries: int = 2,
                 extend_prompts: bool | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        self.factories = _factories(envs, env_kwargs or {})
        self.policy = policy
        self.sampling = sampling or SamplingParams()
        self.concurrency = int(concurrency)
        self.max_turns = max_turns
        self.max_episode_tokens = max_episode_tokens
        self.env_workers = int(env_workers or min(self.concurrency, 32))
        self.on_episode = on_episode
        self.agent = agent or policy.name
        self.env_retries = int(env_retries)
        self.extend_prompts = extend_prompts
        self._free: dict[str, list[gym.Env]] = {k: [] for k in self.factories}
        self._all_envs: list[gym.Env] = []

    # ---- the loop --------------------------------------------------------------------

    def run(self, specs: Sequence[EpisodeSpec]) -> list[dict[str, Any]]:
        """Play every spec; return the records in the order the episodes finished."""
        unknown = {s.env_id for s in specs} - set(self.factories)
        if unknown:
            raise ValueError(f"episodes name envs {sorted(unknown)} that the collector was "
                             f"not given (it has {sorted(self.factories)})")
        pending: deque[EpisodeSpec | _Episode] = deque(specs)
        ready: deque[_Episode] = deque()
        futures: dict[Future, tuple[str, Any]] = {}
        records: list[dict[str, Any]] = []
        live = 0
        gen_calls = 0
        max_batch = self.policy.max_batch_size or 1 << 30
        env_pool = ThreadPoolExecutor(self.env_workers, thread_name_prefix="rlvr-env")
        gen_pool = ThreadPoolExecutor(max(1, self.policy.max_concurrent_calls),
                                      thread_name_prefix="rlvr-gen")

        def finish(ep: _Episode) -> None:
            nonlocal live
            live -= 1
            if ep.env is not None and not ep.env_lost:  # a lost env's host is gone
                self._free[ep.spec.env_id].append(ep.env)
            if ep.env_lost and len(ep.env_retries) < self.env_retries:
                pending.appendleft(_Episode(ep.spec, env_retries=[*ep.env_retries,
                                                                  ep.infra_error or ""]))
                return
            record = self._record(ep)
            records.append(record)
            if self.on_episode is not None:
                self.on_episode(record)

        try:
            while pending or ready or futures:
                while pending and live < self.concurrency:
                    ep = pending.popleft()  # a spec, or a replay of a lost env's episode
                    ep = ep if isinstance(ep, _Episode) else _Episode(ep)
                    live += 1
                    futures[env_pool.submit(self._reset, ep)] = ("reset", ep)
                while ready and gen_calls < self.policy.max_concurrent_calls:
                    batch = [ready.popleft() for _ in range(min(max_batch, len(ready)))]
                    futures[gen_pool.submit(self._generate, batch)] = ("gen", batch)
                    gen_calls += 1
                done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for fut in done:
                    kind, payload = futures.pop(fut)
                    if kind == "gen":
                        gen_calls -= 1
                        for ep, gen in fut.result():
                            if self._after_generation(ep, gen):
                                futures[env_pool.submit(self._step, ep, gen.text)] = ("step", ep)
                            else:
                                finish(ep)
                    else:  # reset or step: the worker returns whether the episode goes on
                        ep = payload
                        if fut.result():
                            ready.append(ep)
                        else:
                            finish(ep)
        finally:
            gen_pool.shutdown(wait=False, cancel_futures=True)
            env_pool.shutdown(wait=True, cancel_futures=True)
        return records

    def close(self) -> None:
        """Close every env the collector made."""
        for env in self._all_envs:
            try:
                env.close()
            except Exception:  # closing is best effort
                pass
        self._all_envs.clear()
        self._free = {k: [] for k in self.factories}

    # ---- workers (run on the pools; never raise) ----------------------------------------

    def _reset(self, ep: _Episode) -> bool:
        t = time.perf_counter()
        try:
            free = self._free[ep.spec.env_id]
            try:
                env = free.pop()
            except IndexError:
                env = self.factories[ep.spec.env_id]()
                self._all_envs.append(env)
            ep.env = env
            _, info = env.reset(seed=ep.spec.seed, options=ep.spec.options)
            ep.info = info
            ep.task = dict(info.get("task") or {})
            return True
        except Exception as e:
            ep.infra_error = f"env reset raised {_describe(e)}"
            ep.end_reason = "infra_error"
            ep.env_lost = isinstance(e, EnvUnavailable)
            return False
        finally:
            ep.env_s += time.perf_counter() - t

    @property
    def extending(self) -> bool:
        """Whether later turns are given the previous turn's tokens to extend."""
        if self.extend_prompts is None:
            return bool(self.policy.returns_token_ids)
        return self.extend_prompts

    def _generate(self, batch: list[_Episode]) -> list[tuple[_Episode, Generation]]:
        extend = self.extending
        convs = [Conversation(ep.info["messages"], ep.info.get("tools") or [], env=ep.env,
                              max_total_tokens=self.max_episode_tokens,
                              previous=ep.previous if extend else None) for ep in batch]
        t = time.perf_counter()
        try:
            gens = self.policy.generate(convs, self.sampling)
            if len(gens) != len(convs):
                raise RuntimeError(f"{type(self.policy).__name__}.generate returned "
                                   f"{len(gens)} generations for {len(convs)} conversations")
        except Exception as e:  # one failing batch must not end a long run
            gens = [Generation.failed(f"policy.generate raised {_describe(e)}")] * len(convs)
            for ep in batch:  # a policy that reads the env (the oracle) met a lost host
                ep.env_lost = isinstance(e, EnvUnavailable)
        dt = time.perf_counter() - t
        for ep in batch:
            ep.generate_s += dt
        return list(zip(batch, gens))

    def _step(self, ep: _Episode, action: str) -> bool:
        t = time.perf_counter()
        try:
            _, reward, terminated, truncated, info = ep.env.step(action)
        except Exception as e:
            ep.infra_error = f"env.step raised {_describe(e)}"
            ep.end_reason = "infra_error"
            ep.env_lost = isinstance(e, EnvUnavailable)
            return False
        finally:
            dt = time.perf_counter() - t
            ep.env_s += dt
            ep.turns[-1]["env_s"] = round(dt, 6)
        ep.info = info
        ep.rewards.append(float(reward))
        ep.turns[-1]["reward"] = float(reward)
        if terminated or truncated:
            ep.terminated, ep.truncated = bool(terminated), bool(truncated)
            ep.end_reason = "terminated" if terminated else "env_truncated"
            ep.verdict = info.get("verdict")
            if ep.verdict and ep.verdict.get("infra_error"):
                ep.infra_error = f"verifier infra error: {ep.verdict.get('reason')}"
            return False
        if self.max_turns is not None and len(ep.turns) >= self.max_turns:
            ep.truncated, ep.end_reason = True, "max_turns"
            return False
        if self.max_episode_tokens is not None and ep.tokens_used >= self.max_episode_tokens:
            ep.truncated, ep.end_reason = True, "token_budget"
            return False
        return True

    # ---- bookkeeping (calling thread) -----------------------------------------------------

    def _after_generation(self, ep: _Episode, gen: Generation) -> bool:
        """Record the turn; return whether to step the env with it."""
        turn: dict[str, Any] = {
            "turn": len(ep.turns), "text": gen.text, "finish_reason": gen.finish_reason,
            "prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens,
            "prompt_token_ids": gen.prompt_token_ids,
            "completion_token_ids": gen.completion_token_ids,
            "logprobs": gen.completion_logprobs, "reward": None, "env_s": None,
            "error": gen.error, "prompt_extended": gen.prompt_extended,
            "prompt_fallback": gen.prompt_fallback,
        }
        ep.turns.append(turn)
        if gen.error is not None:
            ep.infra_error, ep.end_reason = gen.error, "infra_error"
            return False
        if (gen.finish_reason == "length" and gen.completion_tokens == 0
                and not gen.text):  # no room left for even one token: not a turn
            ep.turns.pop()
            ep.truncated, ep.end_reason = True, "token_budget"
            return False
        if gen.prompt_token_ids is not None and gen.completion_token_ids is not None:
            prompt = gen.prompt_token_ids
            if ep.prev_ids is not None and prompt[:len(ep.prev_ids)] != ep.prev_ids:
                ep.mismatches.append({"turn": turn["turn"],
                                      "position": _first_difference(prompt, ep.prev_ids)})
            ep.prev_ids = list(prompt) + list(gen.completion_token_ids)
            if self.extending:  # messages copied: the env may edit its own list in place
                ep.previous = PreviousTurn(copy.deepcopy(ep.info["messages"]),
                                           copy.deepcopy(ep.info.get("tools") or []),
                                           ep.prev_ids, gen.finish_reason)
        if gen.prompt_tokens is not None:
            ep.tokens_used = gen.prompt_tokens + (gen.completion_tokens or 0)
        return True

    def _record(self, ep: _Episode) -> dict[str, Any]:
        segments = _segments(ep.turns, ep.mismatches)
        whole = segments[0] if len(segments) == 1 and not ep.mismatches else None
        completion_tokens = sum(t["completion_tokens"] or 0 for t in ep.turns)
        verdict = ep.verdict
        return {
            "schema": TRANSCRIPT_SCHEMA,
            "episode": ep.spec.key,
            "env_id": ep.spec.env_id,
            "task_index": ep.spec.task_index,
            "sample_index": ep.spec.sample_index,
            "seed": ep.spec.seed,
            "options": ep.spec.options,
            "agent": self.agent,
            "task": ep.task,
            "messages": ep.info.get("messages", []),
            "tools": ep.info.get("tools", []),
            "turns": ep.turns,
            "num_turns": len(ep.turns),
            "rewards": ep.rewards,
            "reward": float(sum(ep.rewards)),
            "passed": bool(verdict and verdict.get("passed")),
            "verdict": verdict,
            "terminated": ep.terminated,
            "truncated": ep.truncated,
            "end_reason": ep.end_reason,
            "infra_error": ep.infra_error,
            "env_retries": ep.env_retries,
            "prompt_tokens": ep.turns[0]["prompt_tokens"] if ep.turns else None,
            "completion_tokens": completion_tokens,
            "tokens": ep.tokens_used or None,
            "token_ids": whole["token_ids"] if whole else None,
            "loss_mask": whole["loss_mask"] if whole else None,
            "logprobs": whole["logprobs"] if whole else None,
            "segments": segments,
            "prefix_mismatch": bool(ep.mismatches),
            "prefix_mismatch_at": ep.mismatches[0] if ep.mismatches else None,
            "prefix_mismatches": ep.mismatches,
            "timings": {"generate_s": round(ep.generate_s, 6), "env_s": round(ep.env_s, 6),
                        "wall_s": round(time.perf_counter() - ep.t0, 6)},
        }


def collect(envs: Iterable[EnvLike] | dict[str, EnvFactory], policy: Policy, *,
            episodes: int = 1, samples: int = 1, seed: int = 0, difficulty: int | None = None,
            concurrency: int = 8, max_turns: int | None = None,
            max_episode_tokens: int | None = None, sampling: SamplingParams | None = None,
            env_kwargs: dict[str, Any] | None = None,
            on_episode: Callable[[dict[str, Any]], None] | None = None,
            skip: Iterable[str] = (), extend_prompts: bool | None = None
            ) -> list[dict[str, Any]]:
    """Play `episodes` tasks (x `samples`) on every env with `policy`; return the records.

    `envs`: registered ids (made with `gym.make(id, **env_kwargs)`), `(label, factory)`
    pairs, or a `{label: factory}` dict. `skip` holds episode keys (`EpisodeSpec.key`)
    already done, e.g. when resuming. Records come back sorted by env, task and sample.
    `extend_prompts` as in `EpisodeCollector`.
    """
    collector = EpisodeCollector(envs, policy, sampling=sampling, concurrency=concurrency,
                                 max_turns=max_turns, max_episode_tokens=max_episode_tokens,
                                 env_kwargs=env_kwargs, on_episode=on_episode,
                                 extend_prompts=extend_prompts)
    skip = set(skip)
    specs = [s for s in plan_episodes(list(collector.factories), episodes=episodes,
                                      samples=samples, seed=seed, difficulty=difficulty)
             if s.key not in skip]
    try:
        records = collector.run(specs)
    finally:
        collector.close()
    order = list(collector.factories)
    return sorted(records, key=lambda r: (order.index(r["env_id"]), r["task_index"],
                                          r["sample_index"]))


# ---- helpers ------------------------------------------------------------------------------

def _factories(envs: Iterable[EnvLike] | dict[str, EnvFactory],
               env_kwargs: dict[str, Any]) -> dict[str, EnvFactory]:
    if isinstance(envs, dict):
        return dict(envs)
    out: dict[str, EnvFactory] = {}
    for item in envs:
        if isinstance(item, str):
            out[item] = _maker(item, env_kwargs)
        else:
            label, factory = item
            out[label] = factory
    if not out:
        raise ValueError("no envs given")
    return out


def _maker(env_id: str, kwargs: dict[str, Any]) -> EnvFactory:
    import rlvr_envs  # noqa: F401  (registers the rlvr envs)
    if env_id not in gym.registry:
        raise ValueError(f"unknown env {env_id!r}; registered rlvr envs: "
                         f"{', '.join(rlvr_envs.ENV_IDS)} (run `rlvr list`)")
    return lambda: gym.make(env_id, **kwargs)


def _first_difference(a: Sequence[int], b: Sequence[int]) -> int:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def _segments(turns: list[dict[str, Any]],
              mismatches: list[dict[str, int]]) -> list[dict[str, Any]]:
    """The episode's token sequences: turns whose prompts extend the previous turn's
    prompt + completion are concatenated; a mismatch starts a new segment. Each segment
    has `token_ids`, `loss_mask` (1 on generated tokens), `logprobs` (aligned, 0.0 where
    the mask is 0; None if the policy gave none) and `turns` (the turn indices in it)."""
    breaks = {m["turn"] for m in mismatches}
    segments: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for turn in turns:
        prompt, completion = turn["prompt_token_ids"], turn["completion_token_ids"]
        if prompt is None or completion is None:
            continue
        lps = turn["logprobs"]
        if cur is None or turn["turn"] in breaks:
            cur = {"token_ids": [], "loss_mask": [], "logprobs": [], "turns": []}
            segments.append(cur)
        delta = prompt[len(cur["token_ids"]):]
        cur["token_ids"] += list(delta) + list(completion)
        cur["loss_mask"] += [0] * len(delta) + [1] * len(completion)
        if cur["logprobs"] is not None and lps is not None and len(lps) == len(completion):
            cur["logprobs"] += [0.0] * len(delta) + [float(x) for x in lps]
        else:
            cur["logprobs"] = None
        cur["turns"].append(turn["turn"])
    return segments


def _describe(e: BaseException) -> str:
    where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return f"{type(e).__name__}: {str(e)[:500]}{at}"
