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
  family's (and each family x level's) most frequent design, submit it on the next `--test`
  seeds; the mean reward.
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


INFRA: list[str] = []  # verifications that stayed infra errors after retries: id, reason


def _verdict(task: Task, design: str) -> bool:
    """Passed or not; an infra error (a starved or disturbed sandbox run) is retried with a
    pause, and recorded in INFRA if it persists, so it never hides inside a failure count."""
    for attempt in range(5):
        verdict = verify_verilog(task, design)
        if not verdict.infra_error:
            return verdict.passed
        time.sleep(1.0 + 2 * attempt)
    INFRA.append(f"{task['id']}: {verdict.reason[:200]}")
    return False


def passes(pairs: list[tuple[Task, str]], threads: int) -> list[bool]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda it: _verdict(*it), pairs))


def family_figures(family: str, args: argparse.Namespace, rng: np.random.Generator
                   ) -> dict[str, Any]:
    tasks = draw(family, args.tasks, rng)
    levels = {f"d{d}": round(top_share(draw(family, args.tasks // 3, rng, d)), 4)
              for d in FAMILIES[family].difficulties}
    cross = cross_pairs(draw(family, 2 * args.pairs, rng))
    functional = functional_pairs(draw(family, 20 * args.pairs, rng), args.pairs, args.seed)
    # controls: each target's own oracle must pass, or a broken simulator (all verdicts
    # "incomplete") would read as a perfect score
    targets = [t for t, _ in cross[:5] + functional[:5]]
    if not all(passes([(t, oracle_design(t)) for t in targets], args.threads)):
        raise RuntimeError(f"{family}: an oracle design failed its own task; the simulator or "
                           "sandbox is broken, figures would be meaningless")
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
    """Issue #14: the most frequent oracle design per family (and per family x level: both
    are public in info["task"]) on train seeds, replayed on the test seeds."""
    import gymnasium as gym

    import rlvr_envs  # noqa: F401 - registers the envs
    env = gym.make("rlvr/Verilog-v0")
    memory: dict[Any, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for s in range(train):
        _, info = env.reset(seed=s)
        design = env.unwrapped.oracle_action()
        memory[info["task"]["family"]][design] += 1
        memory[(info["task"]["family"], info["task"]["difficulty"])][design] += 1
    best = {key: c.most_common(1)[0][0] for key, c in memory.items()}
    tasks = []
    for s in range(train, train + test):
        env.reset(seed=s)
        tasks.append(env.unwrapped.task)
    if not all(passes([(t, oracle_design(t)) for t in tasks[:20]], threads)):
        raise RuntimeError("an oracle design failed its own task; the simulator is broken")
    out: dict[str, Any] = {"train": train, "test": test}
    for name, key in (("family", lambda t: t["family"]),
                      ("family_level", lambda t: (t["family"], t["difficulty"]))):
        ok = passes([(t, best.get(key(t), "")) for t in tasks], threads)
        per = collections.defaultdict(list)
        for t, good in zip(tasks, ok, strict=True):
            per[t["family"]].append(good)
        out[f"by_{name}"] = {"mean_reward": round(sum(ok) / len(ok), 4),
                             "passed": {f: f"{sum(v)}/{len(v)}" for f, v in sorted(per.items())}}
    return out


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
    for key in ("by_family", "by_family_level") if attack else ():
        print(f"prior attack, keyed {key[3:]}: mean reward {attack[key]['mean_reward']} over "
              f"{attack['test']} held-out seeds ({attack[key]['passed']})")
    print(f"{time.perf_counter() - start:.0f} s; infra errors after 5 tries: {len(INFRA)} "
          f"{INFRA[:5]}")
    if args.json_out:
        args.json_out.write_text(json.dumps({"families": rows, "prior_attack": attack,
                                             "infra_errors": INFRA,
                                             "args": {k: str(v) for k, v in vars(args).items()}},
                                            indent=2))


if __name__ == "__main__":
    main()
