"""`rlvr serve` under load: 100 concurrent sessions on loopback, against the same episodes
played in process.

    python benchmarks/serve_load.py [--sessions 100] [--episodes 2] [--repeats 3]
        [--envs rlvr/Math-v0 rlvr/ToolUse-v0 rlvr/Ecommerce-v0] [--timeout 600]

Reference: the in-process run. Each session's episodes (env `envs[k % len(envs)]`, seeds
`1000 + k * episodes + j`) are first played in this process by the env's oracle, which
records its actions and the transcripts; then, in each repeat, those actions are replayed in
this process, one episode after another (the reference: episodes/s and per-call latencies,
no oracle time in either run). Then a server (`rlvr serve`, a separate process, so the clients' threads do not share its
interpreter) gets `--sessions` clients at once, one thread and one `rlvr/Remote-v0` each:
every session is opened before any episode starts, then all replay the oracle's actions.
Each remote transcript (observation, reward, flags and the whole `info` of every call) must
equal the in-process one. Reported per run: episodes/s and p50/p99 latency of reset and
step, remote and in process. The whole run is bounded by `--timeout`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gymnasium as gym  # noqa: E402

import rlvr_envs  # noqa: E402, F401  (registers the envs)
from rlvr_envs.serve import RemoteEnv  # noqa: E402

Plan = list[tuple[str, list[int]]]  # per session: env id, seeds


def make_plan(envs: list[str], sessions: int, episodes: int) -> Plan:
    return [(envs[k % len(envs)], [1000 + k * episodes + j for j in range(episodes)])
            for k in range(sessions)]


def record_oracle(plan: Plan) -> dict:
    """The oracle's actions and the in-process transcript of every episode (untimed)."""
    envs = {env_id: gym.make(env_id) for env_id in {e for e, _ in plan}}
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for env_id, seeds in plan:
        env = envs[env_id]
        for seed in seeds:
            calls: list[Any] = [env.reset(seed=seed)]
            actions = []
            for _ in range(64):
                actions.append(env.unwrapped.oracle_action())
                calls.append(env.step(actions[-1]))
                if calls[-1][2] or calls[-1][3]:
                    break
            out[(env_id, seed)] = {"actions": actions, "calls": calls}
    return out


def replay_in_process(plan: Plan, ref: dict) -> tuple[float, dict[str, list[float]], int]:
    """The reference run: the same actions replayed in this process, one episode after
    another, each call timed; returns seconds, latencies and transcripts that differ."""
    envs = {env_id: gym.make(env_id) for env_id in {e for e, _ in plan}}
    lat: dict[str, list[float]] = {"reset": [], "step": []}
    bad = 0
    t0 = time.perf_counter()
    for env_id, seeds in plan:
        env = envs[env_id]
        for seed in seeds:
            want = ref[(env_id, seed)]
            t = time.perf_counter()
            calls: list[Any] = [env.reset(seed=seed)]
            lat["reset"].append(time.perf_counter() - t)
            for action in want["actions"]:
                t = time.perf_counter()
                calls.append(env.step(action))
                lat["step"].append(time.perf_counter() - t)
            bad += calls != want["calls"]
    return time.perf_counter() - t0, lat, bad


def start_server(envs: list[str], sessions: int, threads: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rlvr_envs.cli", "serve", *envs, "--port", "0",
         "--max-sessions", str(sessions), "--threads", str(threads)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    if "serving" not in line:
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, line.split()[2]


def play_remote(url: str, plan: Plan, ref: dict, deadline: float
                ) -> tuple[float, dict[str, list[float]], int, int, list[str]]:
    """All sessions at once; returns seconds, latencies, episodes, mismatches, errors."""
    n = len(plan)
    opened = threading.Barrier(n + 1)
    lat: dict[str, list[float]] = {"reset": [], "step": []}
    counts = {"episodes": 0, "mismatches": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def session(k: int) -> None:
        env_id, seeds = plan[k]
        env = None
        try:
            env = RemoteEnv(url, env_id, timeout=max(1.0, deadline - time.monotonic()))
            opened.wait(timeout=max(1.0, deadline - time.monotonic()))
            mine: dict[str, list[float]] = {"reset": [], "step": []}
            for seed in seeds:
                want = ref[(env_id, seed)]
                t = time.perf_counter()
                calls: list[Any] = [env.reset(seed=seed)]
                mine["reset"].append(time.perf_counter() - t)
                for action in want["actions"]:
                    if time.monotonic() > deadline:
                        raise TimeoutError("--timeout reached")
                    t = time.perf_counter()
                    calls.append(env.step(action))
                    mine["step"].append(time.perf_counter() - t)
                with lock:
                    counts["episodes"] += 1
                    counts["mismatches"] += calls != want["calls"]
            with lock:
                for key in lat:
                    lat[key] += mine[key]
        except Exception as e:  # noqa: BLE001 - counted and shown, the run goes on
            with lock:
                errors.append(f"session {k} ({env_id}): {type(e).__name__}: {e}"[:300])
            if opened.n_waiting and not opened.broken:
                opened.abort()
        finally:
            if env is not None:
                env.close()

    workers = [threading.Thread(target=session, args=(k,), daemon=True) for k in range(n)]
    for w in workers:
        w.start()
    try:
        opened.wait(timeout=max(1.0, deadline - time.monotonic()))
    except threading.BrokenBarrierError:
        pass
    t0 = time.perf_counter()
    for w in workers:
        w.join(max(0.1, deadline - time.monotonic()))
    return (time.perf_counter() - t0, lat, counts["episodes"], counts["mismatches"], errors)


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--episodes", type=int, default=2, help="episodes per session")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--envs", nargs="+",
                    default=["rlvr/Math-v0", "rlvr/ToolUse-v0", "rlvr/Ecommerce-v0"])
    ap.add_argument("--threads", type=int, default=32, help="the server's worker threads")
    ap.add_argument("--timeout", type=float, default=600.0, help="bound on the whole run (s)")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    deadline = time.monotonic() + args.timeout
    plan = make_plan(args.envs, args.sessions, args.episodes)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} cores; "
          f"{args.sessions} sessions x {args.episodes} episodes over {', '.join(args.envs)}",
          flush=True)
    runs = []
    ref = record_oracle(plan)
    gc.freeze()  # the reference transcripts are kept out of every later collection
    proc, url = start_server(args.envs, args.sessions, args.threads)
    try:
        for r in range(args.repeats):
            ref_s, ref_lat, ref_bad = replay_in_process(plan, ref)
            if ref_bad:
                raise SystemExit(f"{ref_bad} in-process replays differ from their first run: "
                                 "an env is not deterministic")
            secs, lat, done, bad, errors = play_remote(url, plan, ref, deadline)
            n_eps = sum(len(s) for _, s in plan)
            run = {"repeat": r, "episodes": n_eps, "remote_done": done, "mismatches": bad,
                   "errors": errors[:5], "n_errors": len(errors),
                   "in_process_eps_per_s": n_eps / ref_s, "remote_eps_per_s": done / secs,
                   "load_1m": os.getloadavg()[0]}
            for key in ("reset", "step"):
                for q in (0.5, 0.99):
                    run[f"in_process_{key}_p{int(q * 100)}_ms"] = pct(ref_lat[key], q)
                    run[f"remote_{key}_p{int(q * 100)}_ms"] = pct(lat[key], q)
            runs.append(run)
            print(f"run {r}: remote {run['remote_eps_per_s']:.1f} ep/s ({done}/{n_eps} "
                  f"episodes, {bad} differ from in process, {len(errors)} errors); in process "
                  f"{run['in_process_eps_per_s']:.1f} ep/s; step p50/p99 remote "
                  f"{run['remote_step_p50_ms']:.1f}/{run['remote_step_p99_ms']:.1f} ms, in "
                  f"process {run['in_process_step_p50_ms']:.1f}/"
                  f"{run['in_process_step_p99_ms']:.1f} ms; reset p50/p99 remote "
                  f"{run['remote_reset_p50_ms']:.1f}/{run['remote_reset_p99_ms']:.1f} ms, in "
                  f"process {run['in_process_reset_p50_ms']:.1f}/"
                  f"{run['in_process_reset_p99_ms']:.1f} ms", flush=True)
            for e in errors[:3]:
                print("   ", e)
            if time.monotonic() > deadline:
                print("--timeout reached; stopping")
                break
    finally:
        proc.terminate()
        proc.wait(30)
    keys = [k for k in runs[0] if k.endswith(("_ms", "_per_s"))]
    summary = {k: {"median": statistics.median(r[k] for r in runs),
                   "min": min(r[k] for r in runs), "max": max(r[k] for r in runs)}
               for k in keys}
    print("\n| measure | median | min | max |\n|---|---|---|---|")
    for k, v in summary.items():
        print(f"| {k} | {v['median']:.2f} | {v['min']:.2f} | {v['max']:.2f} |")
    ok = all(r["mismatches"] == 0 and r["n_errors"] == 0 and r["remote_done"] == r["episodes"]
             for r in runs)
    print(f"\nidentical to in process in every run: {ok}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"args": vars(args), "runs": runs,
                                                   "summary": summary}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
