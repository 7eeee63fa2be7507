"""`rlvr bench`: run one agent on every env, print a table, write results, transcripts, a plot.

    rlvr bench --agent oracle --envs all --episodes 20 --out runs/oracle
    rlvr bench --agent hf:runs/ckpt --envs rlvr/Math-v0 --episodes 50 --samples 4 --out runs/a
    rlvr bench --compare runs/a/results.json runs/b/results.json

Layout of `--out`: `config.json` (the run's settings, checked on resume), `transcripts/
<env>.jsonl` (one transcript record per episode, appended as episodes finish),
`results.json` (schema in docs/benchmarking.md) and `reward.png`. Running the same command
again resumes: episodes already in the transcripts are skipped.

Metrics leave infra errors out: an episode whose generation failed (timeouts, server
errors) or whose verifier reported `infra_error` counts in `infra_error_rate` only.
pass@k uses the unbiased estimator of Chen et al. (2021), `1 - C(n-c, k) / C(n, k)` per
task with `n` scored samples of which `c` passed, averaged over tasks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import functools
import json
import math
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .collector import EnvLike, EpisodeCollector, EpisodeSpec, plan_episodes
from .policy import Policy, SamplingParams

if TYPE_CHECKING:
    from .ray_envs import RayOptions

RESULTS_SCHEMA = "rlvr.bench/1"
# Settings that must match to resume into an existing --out (episodes and envs may grow).
IDENTITY_KEYS = ("agent", "seed", "difficulty", "samples", "sampling", "env_kwargs",
                 "max_turns", "max_episode_tokens", "all_tasks")


# ---- metrics ------------------------------------------------------------------------------

def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task: `n` samples, `c` correct (Chen et al. 2021).

    Equals `1 - C(n-c, k) / C(n, k)`, computed as a stable product. Requires `n >= k`.
    """
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if k < 1 or k > n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def summarize_env(records: Sequence[dict[str, Any]], k: int) -> dict[str, Any]:
    """Metrics of one env's episodes (see docs/benchmarking.md for each field)."""
    scored = [r for r in records if not r.get("infra_error")]
    n_all = len(records)
    rewards = [float(r["reward"]) for r in scored]
    mean = sum(rewards) / len(rewards) if rewards else None
    std = (math.sqrt(sum((x - mean) ** 2 for x in rewards) / (len(rewards) - 1))
           if mean is not None and len(rewards) > 1 else 0.0 if rewards else None)
    by_task: dict[int, list[bool]] = defaultdict(list)
    for r in scored:
        by_task[r["task_index"]].append(bool(r["passed"]))
    pass1 = (sum(sum(v) / len(v) for v in by_task.values()) / len(by_task)) if by_task else None
    eligible = [v for v in by_task.values() if len(v) >= k]
    passk = (sum(pass_at_k(len(v), sum(v), k) for v in eligible) / len(eligible)
             if eligible else None)

    def avg(key: str, rows: Sequence[dict[str, Any]] = scored) -> float | None:
        vals = [r[key] for r in rows if r.get(key) is not None]
        return sum(vals) / len(vals) if vals else None

    return {
        "episodes": n_all,
        "tasks": len({r["task_index"] for r in records}),
        "scored": len(scored),
        "mean_reward": mean,
        "reward_std": std,
        "reward_stderr": (std / math.sqrt(len(rewards))) if rewards and std is not None
        else None,
        "pass@1": pass1,
        "k": k,
        f"pass@{k}": passk,
        "pass_at_k": passk,
        "success_rate": (sum(r["passed"] for r in scored) / len(scored)) if scored else None,
        "mean_turns": avg("num_turns"),
        "mean_completion_tokens": avg("completion_tokens"),
        "mean_tokens": avg("tokens"),
        "mean_wall_s": avg("wall_s", records),
        "generate_s": sum(r["generate_s"] for r in records),
        "env_s": sum(r["env_s"] for r in records),
        "truncated_rate": (sum(r["truncated"] for r in scored) / len(scored)) if scored
        else None,
        "prefix_mismatch_rate": (sum(r["prefix_mismatch"] for r in scored) / len(scored))
        if scored else None,
        "infra_errors": n_all - len(scored),
        "infra_error_rate": ((n_all - len(scored)) / n_all) if n_all else None,
    }


def episode_summary(record: dict[str, Any]) -> dict[str, Any]:
    """The per-episode line of results.json (the transcript minus messages and tokens)."""
    t = record.get("timings") or {}
    return {
        "episode": record["episode"], "env_id": record["env_id"],
        "task_id": (record.get("task") or {}).get("id"),
        "task_index": record["task_index"], "sample_index": record["sample_index"],
        "seed": record["seed"], "reward": record["reward"], "passed": record["passed"],
        "num_turns": record["num_turns"], "completion_tokens": record["completion_tokens"],
        "tokens": record["tokens"], "terminated": record["terminated"],
        "truncated": record["truncated"], "end_reason": record["end_reason"],
        "infra_error": record["infra_error"], "prefix_mismatch": record["prefix_mismatch"],
        "env_retries": len(record.get("env_retries") or ()),
        "wall_s": t.get("wall_s"), "generate_s": t.get("generate_s", 0.0),
        "env_s": t.get("env_s", 0.0),
    }


# ---- files --------------------------------------------------------------------------------

def transcript_path(out: Path, env_id: str) -> Path:
    """`<out>/transcripts/<env id with '/' as '_'>.jsonl`."""
    return out / "transcripts" / (env_id.replace("/", "_").replace(":", "_") + ".jsonl")


def read_transcripts(path: Path) -> list[dict[str, Any]]:
    """The records of a transcript file; a torn last line (an interrupted write) and other
    unreadable lines are dropped, and the file is rewritten without them."""
    if not path.exists():
        return []
    good, bad = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict) or "episode" not in rec:
                raise ValueError
            good.append(rec)
        except ValueError:
            bad += 1
    if bad:
        _write_jsonl(path, good)
    return good


def _write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(path)


def versions(policy_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Versions of what produced the numbers."""
    import gymnasium
    import numpy

    import rlvr_envs
    v: dict[str, Any] = {"rlvr_envs": rlvr_envs.__version__, "python": platform.python_version(),
                         "platform": platform.platform(), "gymnasium": gymnasium.__version__,
                         "numpy": numpy.__version__}
    for mod in ("torch", "transformers", "vllm", "openai"):
        if mod in sys.modules:
            v[mod] = getattr(sys.modules[mod], "__version__", None)
    try:
        import subprocess
        root = Path(rlvr_envs.__file__).resolve().parent.parent
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], text=True,
                              capture_output=True, timeout=5)
        if head.returncode == 0:
            v["git_commit"] = head.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return v


# ---- the run ------------------------------------------------------------------------------

def run_bench(agent: str | Policy, envs: Sequence[EnvLike], *, out: str | Path,
              episodes: int = 10, samples: int = 1, seed: int = 0,
              difficulty: int | None = None, concurrency: int = 8,
              max_turns: int | None = None, max_episode_tokens: int | None = None,
              sampling: SamplingParams | None = None, env_kwargs: dict[str, Any] | None = None,
              overwrite: bool = False, retry_infra_errors: bool = False,
              progress: bool = True, plot: bool = True,
              policy_kwargs: dict[str, Any] | None = None,
              all_tasks: bool = False, ray: RayOptions | None = None) -> dict[str, Any]:
    """Run (or resume) a benchmark; write config.json, transcripts, results.json, reward.png.

    `agent` is a spec string (`oracle`, `hf:PATH`, ...) or a `Policy`. `envs` are
    registered env ids, `module:id` (imports `module` first; `rlvr_envs.registration.
    resolve_env_id`), `"all"` (every rlvr env) or `(label, factory)` pairs as for
    `collect`. With `all_tasks`, every record of each env's `tasks=` source is played
    exactly once (`samples` times), in place of `episodes` random draws. With `ray`, the
    envs run in Ray env workers (agents/ray_envs.py); the episodes and rewards are the
    same. Returns the results dict (also written to `<out>/results.json`).
    """
    import gymnasium as gym

    import rlvr_envs
    from rlvr_envs.registration import resolve_env_id

    env_ids: list[str] = []
    factories: dict[str, Any] = {}
    user_modules: dict[str, str] = {}  # env id -> the `module:id` it was given as
    for e in envs or ["all"]:
        if not isinstance(e, str):  # (label, factory)
            label, factory = e
            if label in env_ids:
                raise ValueError(f"env label {label!r} given twice")
            env_ids.append(label)
            factories[label] = factory
            continue
        for part in (p for p in e.split(",") if p):
            # an unknown id fails here, before any work or progress output
            for env_id in (rlvr_envs.ENV_IDS if part == "all" else [resolve_env_id(part)]):
                if env_id not in env_ids:
                    env_ids.append(env_id)
                if ":" in part:
                    user_modules[env_id] = part
    sampling = sampling or SamplingParams()
    out = Path(out)
    (out / "transcripts").mkdir(parents=True, exist_ok=True)
    agent_name = agent if isinstance(agent, str) else agent.name
    config = {"agent": agent_name, "envs": env_ids, "episodes": episodes, "samples": samples,
              "seed": seed, "difficulty": difficulty, "concurrency": concurrency,
              "max_turns": max_turns, "max_episode_tokens": max_episode_tokens,
              "sampling": sampling.to_dict(), "env_kwargs": env_kwargs or {}}
    if all_tasks:
        config["all_tasks"] = True  # absent otherwise, so earlier runs still resume
    _check_resume(out, config, overwrite)

    if all_tasks:
        if difficulty is not None:
            raise ValueError("--all-tasks plays every record whatever its level; drop "
                             "--difficulty (or filter the records in your tasks file)")
        specs = plan_all_tasks(env_ids, {e: record_task_ids(e, factories.get(e), env_kwargs)
                                         for e in env_ids}, samples=samples, seed=seed)
    else:
        specs = plan_episodes(env_ids, episodes=episodes, samples=samples, seed=seed,
                              difficulty=difficulty)
    wanted = {s.key for s in specs}
    done: dict[str, dict[str, Any]] = {}
    for env_id in env_ids:
        path = transcript_path(out, env_id)
        if overwrite and path.exists():
            path.unlink()
        recs = read_transcripts(path)
        if retry_infra_errors and any(r.get("infra_error") for r in recs):
            recs = [r for r in recs if not r.get("infra_error")]
            _write_jsonl(path, recs)
        for r in recs:
            done[r["episode"]] = r
    todo = [s for s in specs if s.key not in done]
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    policy: Policy | None = None
    ray_info: dict[str, Any] | None = None
    t0 = time.perf_counter()
    if todo:
        from .spec import make_policy
        policy = make_policy(agent, **(policy_kwargs or {})) if isinstance(agent, str) else agent
        files = {e: transcript_path(out, e).open("a", encoding="utf-8") for e in env_ids}
        bar = None
        if progress:
            from .progress import RunProgress
            bar = RunProgress(len(specs), labels=env_ids, desc="bench",
                              label_totals={e: sum(s.env_id == e for s in specs)
                                            for e in env_ids},
                              initial={e: sum(s.env_id == e and s.key in done for s in specs)
                                       for e in env_ids})

        def on_episode(record: dict[str, Any]) -> None:
            f = files[record["env_id"]]
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            done[record["episode"]] = record
            if bar is not None:
                bar.update(record["env_id"],
                           None if record.get("infra_error") else record["reward"])

        stack = contextlib.ExitStack()
        try:
            envs_in: Any = [(e, factories[e]) if e in factories else e for e in env_ids]
            if ray is not None:  # same collector, envs behind proxies on the workers
                # a user env (`module:id`) is made on the worker by gym.make("module:id"),
                # which imports the module there too
                pool = stack.enter_context(ray.pool(
                    [(e, functools.partial(gym.make, user_modules[e], **(env_kwargs or {})))
                     if e in user_modules else x for e, x in zip(env_ids, envs_in)],
                    env_kwargs))
                envs_in = pool.factories()
            collector = EpisodeCollector(envs_in, policy, sampling=sampling,
                                         concurrency=concurrency, max_turns=max_turns,
                                         max_episode_tokens=max_episode_tokens,
                                         env_kwargs=env_kwargs, on_episode=on_episode,
                                         agent=agent_name)
            stack.callback(collector.close)
            collector.run(todo)
            if ray is not None:
                ray_info = {"address": ray.address, "workers": ray.workers,
                            "restarts": pool.restarts, "lost": pool.lost}
        finally:
            stack.close()
            for f in files.values():
                f.close()
            if bar is not None:
                bar.close()
            if isinstance(agent, str):
                policy.close()
    wall = time.perf_counter() - t0

    records = [done[s.key] for s in specs if s.key in done]
    summaries = [episode_summary(r) for r in records]
    results = {
        "schema": RESULTS_SCHEMA,
        "agent": agent_name,
        "agent_info": policy.describe() if policy is not None else _previous_agent_info(out),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_s": round(wall, 3),
        "resumed_episodes": len(specs) - len(todo),
        "config": config,
        "versions": versions(),
        "envs": {e: summarize_env([s for s in summaries if s["env_id"] == e], samples)
                 for e in env_ids},
        "ray": ray_info,
        "episodes": summaries,
        "files": {"transcripts": {e: str(transcript_path(out, e).relative_to(out))
                                  for e in env_ids}},
    }
    results["overall"] = _overall(results["envs"])
    assert wanted >= {s["episode"] for s in summaries}
    if plot:
        try:
            plot_rewards(results, out / "reward.png")
            results["files"]["plot"] = "reward.png"
        except ImportError:
            results["files"]["plot"] = None  # matplotlib missing: the numbers still stand
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def record_task_ids(env_id: str, factory: Any = None,
                    env_kwargs: dict[str, Any] | None = None) -> list[str]:
    """The ids of every record in the env's `tasks=` source, in file order; `ValueError`
    for an env whose tasks are drawn from generators (no fixed set to go through)."""
    import gymnasium as gym
    env = factory() if factory is not None else gym.make(env_id, **(env_kwargs or {}))
    try:
        records = getattr(getattr(env.unwrapped, "task_source", None), "tasks", None)
        if not records:
            raise ValueError(f"--all-tasks needs a fixed set of records, but {env_id} draws "
                             "procedural tasks; pass your records with --kw tasks=PATH")
        return [str(t["id"]) for t in records]
    finally:
        env.close()


def plan_all_tasks(env_ids: Sequence[str], task_ids: dict[str, Sequence[str]], *,
                   samples: int = 1, seed: int = 0) -> list[EpisodeSpec]:
    """Every task id of each env once (`samples` times): task `i` is `reset(seed=seed + i,
    options={"task_id": task_ids[env][i]})`. Ordered task-major, as `plan_episodes`."""
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples}")
    longest = max((len(v) for v in task_ids.values()), default=0)
    return [EpisodeSpec(env_id, i, k, seed + i, {"task_id": task_ids[env_id][i]})
            for i in range(longest) for env_id in env_ids if i < len(task_ids[env_id])
            for k in range(samples)]


def _check_resume(out: Path, config: dict[str, Any], overwrite: bool) -> None:
    path = out / "config.json"
    if overwrite or not path.exists():
        return
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return
    for key in IDENTITY_KEYS:
        if old.get(key) != config.get(key):
            raise ValueError(
                f"{out} holds a different run ({key}: {old.get(key)!r} there, "
                f"{config.get(key)!r} now); resume only with the same settings, or pass "
                "--overwrite, or choose another --out")


def _previous_agent_info(out: Path) -> dict[str, Any] | None:
    try:
        return json.loads((out / "results.json").read_text(encoding="utf-8")).get("agent_info")
    except (OSError, ValueError):
        return None


def _overall(envs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    means = [m["mean_reward"] for m in envs.values() if m["mean_reward"] is not None]
    n = sum(m["episodes"] for m in envs.values())
    infra = sum(m["infra_errors"] for m in envs.values())
    return {"mean_reward": sum(means) / len(means) if means else None,
            "envs": len(envs), "episodes": n, "infra_errors": infra,
            "infra_error_rate": infra / n if n else None}


# ---- output -------------------------------------------------------------------------------

def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def format_table(results: dict[str, Any]) -> str:
    """The per-env table of a results dict (what `rlvr bench` prints)."""
    k = results["config"]["samples"]
    envs = results["envs"]
    width = max([len("mean over envs"), *(len(e) for e in envs)])
    cols = ["n", "reward", "± se", "pass@1"] + ([f"pass@{k}"] if k > 1 else []) + \
        ["turns", "gen tok", "ep s", "infra"]
    lines = [f"{'env':<{width}}  " + "  ".join(f"{c:>8}" for c in cols)]
    for env_id, m in envs.items():
        row = [str(m["episodes"]), _fmt(m["mean_reward"]), _fmt(m["reward_stderr"]),
               _fmt(m["pass@1"])] + ([_fmt(m["pass_at_k"])] if k > 1 else []) + [
            _fmt(m["mean_turns"], ".2f"), _fmt(m["mean_completion_tokens"], ".0f")
            if m["mean_completion_tokens"] else "-", _fmt(m["mean_wall_s"], ".2f"),
            _fmt(m["infra_error_rate"], ".1%")]
        lines.append(f"{env_id:<{width}}  " + "  ".join(f"{c:>8}" for c in row))
    o = results["overall"]
    lines.append(f"{'mean over envs':<{width}}  {o['episodes']:>8}  "
                 f"{_fmt(o['mean_reward']):>8}")
    lines.append(f"agent {results['agent']}; {o['episodes']} episodes "
                 f"({results.get('resumed_episodes', 0)} resumed) in {results['wall_s']:.1f}s; "
                 f"infra errors {o['infra_errors']}")
    return "\n".join(lines)


def plot_rewards(results: dict[str, Any], path: str | Path) -> None:
    """A bar chart of mean reward per env with standard-error bars (PNG)."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    envs = list(results["envs"])
    means = [results["envs"][e]["mean_reward"] or 0.0 for e in envs]
    errs = [results["envs"][e]["reward_stderr"] or 0.0 for e in envs]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(envs) + 1.5), 3.6))
    bars = ax.bar(range(len(envs)), means, yerr=errs, capsize=4, color="#4C72B0")
    # the value on each bar, so a reward of 0 reads as 0 and not as a missing bar
    ax.bar_label(bars, labels=[_fmt(results["envs"][e]["mean_reward"]) for e in envs],
                 padding=2, fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(envs)))
    ax.set_xticklabels([e.split("/")[-1] for e in envs], rotation=30, ha="right")
    ax.set_ylabel("mean reward (± s.e.)")
    ax.set_ylim(0, max(1.05, max(means, default=0) * 1.1))
    ax.set_title(f"{results['agent']}: {results['overall']['episodes']} episodes")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def format_comparison(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Two results side by side per env: reward, pass@1 and infra-error rate, with deltas."""
    envs = list(dict.fromkeys([*a["envs"], *b["envs"]]))
    width = max([len("env"), len("mean over envs"), *(len(e) for e in envs)])

    def metric(res: dict[str, Any], env: str, key: str) -> float | None:
        return (res["envs"].get(env) or {}).get(key)

    def delta(x: float | None, y: float | None) -> str:
        return "-" if x is None or y is None else f"{y - x:+.3f}"

    head = ["A reward", "B reward", "Δ", "A pass@1", "B pass@1", "Δ", "A infra", "B infra"]
    lines = [f"A = {a['agent']}  ({a['config']['episodes']} tasks x {a['config']['samples']})",
             f"B = {b['agent']}  ({b['config']['episodes']} tasks x {b['config']['samples']})",
             f"{'env':<{width}}  " + "  ".join(f"{h:>8}" for h in head)]
    for env in envs:
        ra, rb = metric(a, env, "mean_reward"), metric(b, env, "mean_reward")
        pa, pb = metric(a, env, "pass@1"), metric(b, env, "pass@1")
        row = [_fmt(ra), _fmt(rb), delta(ra, rb), _fmt(pa), _fmt(pb), delta(pa, pb),
               _fmt(metric(a, env, "infra_error_rate"), ".1%"),
               _fmt(metric(b, env, "infra_error_rate"), ".1%")]
        lines.append(f"{env:<{width}}  " + "  ".join(f"{c:>8}" for c in row))
    oa, ob = a["overall"]["mean_reward"], b["overall"]["mean_reward"]
    lines.append(f"{'mean over envs':<{width}}  {_fmt(oa):>8}  {_fmt(ob):>8}  "
                 f"{delta(oa, ob):>8}")
    return "\n".join(lines)


# ---- the command line ----------------------------------------------------------------------

def add_bench_arguments(p: argparse.ArgumentParser) -> None:
    """The `rlvr bench` options (cli.py adds the subcommand)."""
    p.add_argument("--agent", default="oracle",
                   help="oracle | null | hf:PATH | vllm:PATH | openai:MODEL@URL (default oracle)")
    p.add_argument("--envs", nargs="+", default=["all"], metavar="ENV",
                   help="env ids (space- or comma-separated): any registered id, MODULE:ID to "
                        "import your module first (e.g. myenv:my/Reverse-v0), or 'all' for "
                        "every rlvr env (default all)")
    p.add_argument("--episodes", type=int, default=10, help="tasks per env (default 10)")
    p.add_argument("--samples", type=int, default=1,
                   help="samples per task; k for pass@k (default 1)")
    p.add_argument("--all-tasks", action="store_true",
                   help="play every record of each env's tasks= source exactly once (x "
                        "--samples) instead of --episodes random draws")
    p.add_argument("--seed", type=int, default=0, help="task i of each env uses seed+i")
    p.add_argument("--difficulty", type=int, default=None, help="task difficulty level")
    p.add_argument("--out", default=None, help="output dir (default runs/bench-<agent>)")
    p.add_argument("--concurrency", type=int, default=8, help="episodes in flight (default 8)")
    p.add_argument("--max-turns", type=int, default=None, help="cap on agent turns per episode")
    p.add_argument("--max-episode-tokens", type=int, default=None,
                   help="token budget per episode (prompt + all turns), tokenizing backends")
    p.add_argument("--max-new-tokens", type=int, default=1024, help="per assistant message")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--kw", action="append", metavar="KEY=VALUE",
                   help="env kwarg for every env (JSON value or string; repeatable)")
    p.add_argument("--timeout", type=float, default=None, help="openai: seconds per request")
    p.add_argument("--retries", type=int, default=None, help="openai: retries per request")
    p.add_argument("--batch-size", type=int, default=None, help="hf: conversations per batch")
    p.add_argument("--overwrite", action="store_true", help="discard transcripts in --out")
    p.add_argument("--retry-infra-errors", action="store_true",
                   help="on resume, run episodes that ended in an infra error again")
    p.add_argument("--quiet", "--no-progress", dest="quiet", action="store_true",
                   help="no progress output (one bar on a terminal, plain lines otherwise)")
    p.add_argument("--ray", default=None, metavar="local|ADDRESS",
                   help="run the envs in Ray env workers: 'local' starts a local Ray, an "
                        "address (or 'auto') joins a cluster (needs the ray extra; "
                        "docs/scaling.md)")
    p.add_argument("--ray-workers", default="2", metavar="N|ENV=N,...",
                   help="env worker actors: N shared by every env, or a count per env "
                        "(default 2)")
    p.add_argument("--ray-cpus", type=float, default=None,
                   help="CPUs each env worker reserves (default: the env's ENV_CPUS entry)")
    p.add_argument("--ray-call-timeout", type=float, default=600.0,
                   help="seconds one env reset/step may take on a worker before the worker "
                        "counts as hung and the episode is retried (default 600)")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"),
                   help="print two results.json side by side and exit")


def bench_main(args: argparse.Namespace) -> int:
    """Run `rlvr bench` from parsed arguments."""
    if args.compare:
        a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.compare)
        print(format_comparison(a, b))
        return 0
    from rlvr_envs.cli import parse_kwargs
    env_kwargs = parse_kwargs(args.kw)
    policy_kwargs: dict[str, Any] = {}
    backend = args.agent.partition(":")[0]
    if backend == "openai":
        if args.timeout is not None:
            policy_kwargs["timeout_s"] = args.timeout
        if args.retries is not None:
            policy_kwargs["max_retries"] = args.retries
        policy_kwargs["max_concurrency"] = args.concurrency
    if backend == "hf" and args.batch_size is not None:
        policy_kwargs["batch_size"] = args.batch_size
    out = args.out or os.path.join("runs", "bench-" + _slug(args.agent))
    try:
        ray = None
        if args.ray:
            from .ray_envs import RayOptions, parse_workers
            ray = RayOptions(args.ray, parse_workers(args.ray_workers), args.ray_cpus,
                             args.ray_call_timeout)
        sampling = SamplingParams(temperature=args.temperature, top_p=args.top_p,
                                  top_k=args.top_k, max_new_tokens=args.max_new_tokens,
                                  seed=args.seed)
        results = run_bench(args.agent, args.envs, out=out, episodes=args.episodes,
                            samples=args.samples, seed=args.seed, difficulty=args.difficulty,
                            concurrency=args.concurrency, max_turns=args.max_turns,
                            max_episode_tokens=args.max_episode_tokens, sampling=sampling,
                            env_kwargs=env_kwargs, overwrite=args.overwrite,
                            retry_infra_errors=args.retry_infra_errors,
                            progress=not args.quiet, policy_kwargs=policy_kwargs,
                            all_tasks=args.all_tasks, ray=ray)
    except (ValueError, ImportError, RuntimeError) as e:
        print(f"rlvr bench: {e}", file=sys.stderr)
        return 2
    print(format_table(results))
    print(f"results: {Path(out) / 'results.json'}; transcripts: {Path(out) / 'transcripts'}")
    errors = [e["infra_error"] for e in results["episodes"] if e.get("infra_error")]
    if errors:
        reason, count = Counter(errors).most_common(1)[0]
        print(f"rlvr bench: {len(errors)} of {len(results['episodes'])} episodes ended in an "
              f"infra error; most common ({count}x): {reason}", file=sys.stderr)
    return 1 if errors and len(errors) == len(results["episodes"]) else 0


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)[:80].strip("-")
