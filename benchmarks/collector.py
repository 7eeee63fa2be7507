"""Episode collector throughput: oracle episodes per second over every registered env at
1, 8 and 64 concurrent episodes.

    python benchmarks/collector.py [--episodes 256] [--repeats 3] [--concurrency 1 8 64]
    python benchmarks/collector.py --step-latency-ms 50   # envs that wait (sandboxes, APIs)

The oracle costs nothing to "generate", so this measures the collector and the envs
(reset, step, verification in worker processes) with no model in the way: the ceiling
that a model-backed run approaches as generation gets faster. Each setting runs
`--episodes` tasks per env after one warm-up run (verifier workers started, imports done);
the best of `--repeats` runs is reported, with the median. `--step-latency-ms` adds a
sleep to every `env.step` (a stand-in for a sandbox or a remote service that waits without
using the CPU), which shows how far concurrency hides such latency.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gymnasium as gym  # noqa: E402

import rlvr_envs  # noqa: E402
from agents.collector import collect  # noqa: E402
from agents.oracle import OraclePolicy  # noqa: E402


class SlowStep(gym.Wrapper):
    """Sleeps `latency` seconds in every step, like an env waiting on a sandbox."""

    def __init__(self, env: gym.Env, latency: float) -> None:
        super().__init__(env)
        self.latency = latency

    def step(self, action):
        time.sleep(self.latency)
        return self.env.step(action)


def run(concurrency: int, episodes: int, latency: float = 0.0) -> tuple[float, int, int]:
    """Seconds, episodes and env steps of one collection."""
    envs = [(e, (lambda e=e: SlowStep(gym.make(e), latency)) if latency else
             (lambda e=e: gym.make(e))) for e in rlvr_envs.ENV_IDS]
    t = time.perf_counter()
    records = collect(envs, OraclePolicy(), episodes=episodes, concurrency=concurrency,
                      seed=1000)
    dt = time.perf_counter() - t
    bad = [r["episode"] for r in records if r["reward"] != 1.0 or r["infra_error"]]
    if bad:
        raise SystemExit(f"the oracle failed on {bad[:5]}: fix the env before benchmarking")
    return dt, len(records), sum(r["num_turns"] for r in records)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--episodes", type=int, default=256, help="tasks per env per run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 64])
    p.add_argument("--step-latency-ms", type=float, default=0.0,
                   help="sleep added to every env.step (default 0)")
    args = p.parse_args()
    latency = args.step_latency_ms / 1000
    run(8, 4)  # warm-up: imports, verifier worker processes
    print(f"envs: {', '.join(rlvr_envs.ENV_IDS)}; {args.episodes} episodes per env; "
          f"step latency {args.step_latency_ms:g} ms; {os.cpu_count()} CPUs; "
          f"Python {platform.python_version()}")
    print(f"{'concurrency':>11}  {'episodes':>8}  {'steps':>6}  {'best s':>7}  "
          f"{'episodes/s':>10}  {'median ep/s':>11}  {'steps/s':>8}")
    for c in args.concurrency:
        times = []
        for _ in range(args.repeats):
            dt, n, steps = run(c, args.episodes, latency)
            times.append(dt)
        best = min(times)
        print(f"{c:>11}  {n:>8}  {steps:>6}  {best:>7.2f}  {n / best:>10.1f}  "
              f"{n / statistics.median(times):>11.1f}  {steps / best:>8.1f}")


if __name__ == "__main__":
    main()
