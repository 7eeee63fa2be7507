"""Benchmark: how much a memorised design earns on other Verilog-v0 tasks.

    python benchmarks/verilog_diversity.py [--tasks 3000] [--pairs 200] [--train 3000]
        [--test 600] [--seed 0] [--show] [--json-out PATH]

Per family (levels drawn as the env draws them) and per family x level (`--tasks` / 3
each), with the measures of `rlvr_envs.envs.verilog.families.diversity`:

* `top_share`: the share of the most frequent oracle design among `--tasks` tasks;
* `cross`: `--pairs` random pairs (i, j); task i's oracle design submitted to task j (the
  verifier in full: lint, compile, simulation); passes / pairs;
* `functional`: `--pairs` pairs of the same interface shape, task i's design renamed to task
  j's ports and still different from j's own; passes / pairs (`--show` prints each pass);
* `prior_attack`: issue #14's attack: play the oracle on env seeds 0..`--train`-1, keep each
  family's most frequent design, submit it on the next `--test` seeds; the mean reward.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlvr_envs.envs.verilog.families import FAMILIES, make_verilog_source  # noqa: E402
from rlvr_envs.envs.verilog.families.diversity import (  # noqa: E402
    cross_pairs,
    functional_pairs,
    oracle_design,
    top_share,
)
from rlvr_envs.envs.verilog.simulate import verify_verilog  # noqa: E402

Task = dict[str, Any]


def draw(family: str, n: int, rng: np.random.Generator, level: int | None = None) -> list[Task]:
    source = make_verilog_source(0)
    return [source.sample(rng, difficulty=level, family=family) for _ in range(n)]


def passes(pairs: list[tuple[Task, str]], threads: int) -> list[bool]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda it: verify_verilog(it[0], it[1]).passed, pairs))


def family_figures(family: str, args: argparse.Namespace, rng: np.random.Generator
                   ) -> dict[str, Any]:
    tasks = draw(family, args.tasks, rng)
    levels = {f"d{d}": round(top_share(draw(family, args.tasks // 3, rng, d)), 4)
              for d in FAMILIES[family].difficulties}
    cross = cross_pairs(draw(family, 2 * args.pairs, rng))
    functional = functional_pairs(draw(family, 20 * args.pairs, rng), args.pairs, args.seed)
    cross_ok, func_ok = passes(cross, args.threads), passes(functional, args.threads)
    if args.show:
        for (task, design), good in zip(functional, func_ok, strict=True):
            if good:
                print(f"--- {task['id']} passed by a design for other parameters:\n{design}\n"
                      f"--- its own reference:\n{task['reference']}")
    return {"family": family, "n": len(tasks), "distinct": len({oracle_design(t) for t in tasks}),
            "top_share": round(top_share(tasks), 4), "top_share_by_level": levels,
            "cross_pairs": len(cross), "cross_passed": sum(cross_ok),
            "functional_pairs": len(functional), "functional_passed": sum(func_ok)}


def prior_attack(train: int, test: int, threads: int) -> dict[str, Any]:
    """Issue #14: the most frequent oracle design per family on train seeds, replayed."""
    import gymnasium as gym

    import rlvr_envs  # noqa: F401 - registers the envs
    env = gym.make("rlvr/Verilog-v0")
    memory: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for s in range(train):
        _, info = env.reset(seed=s)
        memory[info["task"]["family"]][env.unwrapped.oracle_action()] += 1
    best = {f: c.most_common(1)[0][0] for f, c in memory.items()}
    items = []
    for s in range(train, train + test):
        env.reset(seed=s)
        task = env.unwrapped.task
        items.append((task, best[task["family"]]))
    ok = passes(items, threads)
    per = collections.defaultdict(list)
    for (task, _), good in zip(items, ok, strict=True):
        per[task["family"]].append(good)
    return {"train": train, "test": test, "mean_reward": round(sum(ok) / len(ok), 4),
            "by_family": {f: f"{sum(v)}/{len(v)}" for f, v in sorted(per.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--train", type=int, default=3000)
    parser.add_argument("--test", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--families", nargs="*", default=sorted(FAMILIES))
    parser.add_argument("--show", action="store_true", help="print functional passes")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    rows = []
    print("family                n distinct  top    top by level                cross     "
          "functional")
    for family in args.families:
        r = family_figures(family, args, rng)
        rows.append(r)
        lv = " ".join(f"{k}={v:.4f}" for k, v in r["top_share_by_level"].items())
        print(f"{family:<17} {r['n']:>5} {r['distinct']:>6}  {r['top_share']:.4f}  {lv:<27} "
              f"{r['cross_passed']:>3}/{r['cross_pairs']:<4}  {r['functional_passed']:>3}/"
              f"{r['functional_pairs']}", flush=True)
    attack = prior_attack(args.train, args.test, args.threads) if args.test else None
    if attack:
        print(f"prior attack: mean reward {attack['mean_reward']} over {attack['test']} "
              f"held-out seeds ({attack['by_family']})")
    print(f"{time.perf_counter() - start:.0f} s")
    if args.json_out:
        args.json_out.write_text(json.dumps({"families": rows, "prior_attack": attack,
                                             "args": {k: str(v) for k, v in vars(args).items()}},
                                            indent=2))


if __name__ == "__main__":
    main()
