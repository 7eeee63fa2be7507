"""Benchmark rlvr/Ecommerce-v0: store generation time and env steps per second.

    python benchmarks/ecommerce.py [--episodes 400]

Store generation: `build_store(seed)` from scratch (12,000 products, 1,000 customers,
~4,500 orders), median of 5 seeds. Steps/s: gold-solver (oracle) episodes over every task
type and level, with the store already cached, counting `env.step` calls (tool rounds and
customer turns alike), reset and oracle included.
"""

from __future__ import annotations

import argparse
import statistics
import time

from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.ecommerce.store import build_store
from rlvr_envs.envs.ecommerce.tasks import LEVELS, TASK_TYPES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=400)
    args = parser.parse_args()
    times = []
    for seed in range(1, 6):
        start = time.perf_counter()
        build_store(seed)
        times.append(time.perf_counter() - start)
    print(f"store generation: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over 5 seeds")
    env = EcommerceEnv()
    env.reset(seed=0)  # build and cache store 0
    grid = [(t, d) for t in TASK_TYPES for d in LEVELS]
    steps = rewards = 0
    start = time.perf_counter()
    for k in range(args.episodes):
        t, d = grid[k % len(grid)]
        env.reset(options={"task_id": f"{t}/d{d}/0/{k}"})
        while True:
            *_, reward, term, trunc, _ = env.step(env.oracle_action())
            steps += 1
            if term or trunc:
                rewards += reward
                break
    elapsed = time.perf_counter() - start
    print(f"oracle episodes: {args.episodes} in {elapsed:.2f} s, {steps} steps, "
          f"{steps / elapsed:.0f} steps/s, {args.episodes / elapsed:.0f} episodes/s, "
          f"mean reward {rewards / args.episodes:.3f}")


if __name__ == "__main__":
    main()
