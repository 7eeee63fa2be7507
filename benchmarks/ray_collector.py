"""Env workers on Ray: oracle episodes/s over all six envs in process (the reference) and
through 1, 2 and 4 Ray env workers, and each env's CPU seconds per episode.

    python benchmarks/ray_collector.py [--episodes 24] [--repeats 3] [--workers 1 2 4]

Throughput: the oracle generates nothing, so this measures what Ray adds to the collector
and the envs (a round trip per reset, oracle read and step; pickled infos) with no model in
the way. Each setting plays `--episodes` tasks per env (`--concurrency` at a time) after a
warm-up run; the best, median and worst of `--repeats` runs are printed, with the time per
episode as a ratio against in process, and the median round trip of a no-op call to a
worker ("call ms"; an oracle episode makes about 2 calls per turn plus a reset). A local
Ray gets `max(--workers)` logical CPUs so every worker count fits, whatever the cores (on
fewer cores the workers share them).

CPU seconds per episode: for each env, a child process plays N oracle episodes one at a time
in process and exits (its sandbox and simulator processes reaped), once with N = 1 (imports,
env construction, first-call warm-ups) and once with N = 1 + `--cpu-episodes`; the
difference over `--cpu-episodes` is the CPU the env costs per episode once warm, the
verifier's child processes included (getrusage of the waited-for children).
docs/scaling.md sizes a cluster from it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rlvr_envs  # noqa: E402
from agents.collector import collect  # noqa: E402
from agents.oracle import OraclePolicy  # noqa: E402

SEED = 1000


def play(envs, episodes: int, concurrency: int) -> float:
    """Seconds to play `episodes` oracle tasks per env; fails unless every one passes."""
    t = time.perf_counter()
    records = collect(envs, OraclePolicy(), episodes=episodes, concurrency=concurrency,
                      seed=SEED)
    dt = time.perf_counter() - t
    bad = [r["episode"] for r in records if r["reward"] <= 0 or r["infra_error"]]
    if bad:
        raise SystemExit(f"the oracle failed on {bad[:5]}: fix the env before benchmarking")
    return dt


def cpu_probe(env_id: str, episodes: int) -> None:
    """(In a child process.) Play `episodes` oracle tasks of `env_id` one at a time."""
    if episodes:
        play([env_id], episodes, 1)
    from rlvr_envs.core import sandbox
    if sandbox._default is not None:
        sandbox._default.close()  # its processes exit and are reaped before we do


def child_cpu_s(env_id: str, episodes: int) -> float:
    """CPU seconds (user + system) of one probe process and everything it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, __file__, "--cpu-probe", env_id, str(episodes)],
                   check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def round_trip_ms(pool, calls: int = 200) -> float:
    """Median milliseconds of one no-op call to an env worker (`ping`), one at a time."""
    import ray
    actor, out = pool.workers[0].actor, []
    for _ in range(calls):
        t = time.perf_counter()
        ray.get(actor.ping.remote())
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def spread(times: list[float], n: int) -> str:
    eps = sorted(n / t for t in times)
    return f"{eps[-1]:>8.1f}  {statistics.median(eps):>8.1f}  {eps[0]:>8.1f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--episodes", type=int, default=24, help="tasks per env per run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=8, help="episodes in flight")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--cpu-episodes", type=int, default=16,
                   help="episodes per env for the CPU-seconds probe (0: skip it)")
    p.add_argument("--address", default="local", help="'local' or a Ray cluster address")
    p.add_argument("--cpu-probe", nargs=2, metavar=("ENV", "N"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.cpu_probe:
        cpu_probe(args.cpu_probe[0], int(args.cpu_probe[1]))
        return
    import ray

    from agents.ray_envs import RayEnvPool

    env_ids = list(rlvr_envs.ENV_IDS)
    n = args.episodes * len(env_ids)
    print(f"envs: {', '.join(env_ids)}; {args.episodes} episodes per env ({n} per run), "
          f"{args.concurrency} in flight; best/median/worst of {args.repeats}; "
          f"{os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; Ray {ray.__version__}; "
          f"Python {platform.python_version()}")
    print(f"{'setting':<14}  {'start s':>7}  {'best':>8}  {'median':>8}  {'worst':>8}  "
          f"{'s/ep ratio':>10}  {'call ms':>7}  (episodes/s)")
    play(env_ids, 2, args.concurrency)  # warm-up: imports, verifier worker processes
    times = [play(env_ids, args.episodes, args.concurrency) for _ in range(args.repeats)]
    ref = statistics.median(times)
    print(f"{'in process':<14}  {'-':>7}  {spread(times, n)}  {1.0:>10.2f}  (reference)")
    if args.address == "local":
        ray.init(address="local", num_cpus=max(args.workers), include_dashboard=False,
                 log_to_driver=False)
    else:
        ray.init(address=args.address, log_to_driver=False)
    try:
        for w in args.workers:
            t = time.perf_counter()
            with RayEnvPool(env_ids, workers=w) as pool:
                start = time.perf_counter() - t
                call_ms = round_trip_ms(pool)
                play(pool.factories(), 2, args.concurrency)  # warm-up on the workers
                times = [play(pool.factories(), args.episodes, args.concurrency)
                         for _ in range(args.repeats)]
            ratio = statistics.median(times) / ref
            print(f"{f'Ray, {w} worker' + 's' * (w > 1):<14}  {start:>7.1f}  "
                  f"{spread(times, n)}  {ratio:>10.2f}  {call_ms:>7.2f}")
    finally:
        ray.shutdown()
    if not args.cpu_episodes:
        return
    print(f"\nCPU seconds per episode (oracle, {args.cpu_episodes} episodes, one at a time, "
          "child processes included)")
    print(f"{'env':<20}  {'CPU s/ep':>8}  {'first episode CPU s':>19}")
    for env_id in env_ids:
        base = child_cpu_s(env_id, 1)
        full = child_cpu_s(env_id, 1 + args.cpu_episodes)
        print(f"{env_id:<20}  {(full - base) / args.cpu_episodes:>8.3f}  {base:>19.2f}")


if __name__ == "__main__":
    main()
