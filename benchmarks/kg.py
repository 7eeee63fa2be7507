"""Episode build time and memory of rlvr/KGMultiHop-v0 at 8k, 32k and 128k tokens.

Run: `python benchmarks/kg.py [--episodes 20]`. Measures the one-off world build (graph,
documents, token counts; once per task seed per process), then `env.reset()` per episode
(question, distractor selection, context rendering) in context mode, and in search mode the
first `search` call (which builds the world's BM25 index once). Memory: tracemalloc peak of
one episode build and the process RSS.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

from rlvr_envs.core import ToolCall
from rlvr_envs.envs.kg.context import regex_token_count
from rlvr_envs.envs.kg.env import KGMultiHopEnv


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    KGMultiHopEnv(context_tokens=1024).reset(seed=0)
    print(f"world build (4000 entities, docs, token counts): "
          f"{time.perf_counter() - start:.2f} s, RSS {rss_mb():.0f} MB")
    print(f"{'tokens':>8} {'mode':>8} {'median ms':>10} {'max ms':>8} {'docs':>6} "
          f"{'counted':>8} {'peak MB':>8}")
    for target in (8_192, 32_768, 131_072):
        for mode in ("context", "search"):
            env = KGMultiHopEnv(mode=mode, context_tokens=target, difficulty=5)
            times = []
            for seed in range(args.episodes):
                t = time.perf_counter()
                obs, _ = env.reset(seed=seed)
                if mode == "search":
                    env.tools.execute(ToolCall("c", "search", {"query": env._docs[0][1]}))
                times.append(time.perf_counter() - t)
            tracemalloc.start()
            env.reset(seed=10_000)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            counted = regex_token_count("\n".join(t + x for _, t, x in env._docs))
            print(f"{target:>8} {mode:>8} {1000 * statistics.median(times):>10.1f} "
                  f"{1000 * max(times):>8.1f} {len(env._docs):>6} {counted:>8} {peak:>8.1f}")
    print(f"process RSS (max): {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
