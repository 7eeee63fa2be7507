"""How many distinct problems rlvr/Code-v0's procedural families hold (docs/envs/code.md).

Per family, on tasks the env draws (``--tasks`` resets, levels cycling as in the audit):
the share of the most frequent oracle answer, the collision probability (two tasks, same
answer), the number of distinct answers, the cross-task pass rate (task i's oracle on task
j, as submitted and with the function renamed to j's entry point), the parameter confusion
(same variant, different parameters, renamed) and the prior attack (the most frequent oracle
answer of each family on training seeds, played on test seeds). Per family and level, on
``--per-level`` tasks built directly: the top share and the collision probability.
All that runs our own reference solutions in this process, no sandbox; ``--oracle-seeds N``
also plays the env's oracle on seeds 0..N-1 through the sandbox (the real judge).

    python benchmarks/code_diversity.py --tasks 3000 --pairs 1000 --per-level 1000 \
        --oracle-seeds 500 --json-out div.json
"""

from __future__ import annotations

import argparse
import json
import random
import time

from rlvr_envs.envs.code.diversity import (
    TEST_SEED_BASE,
    TRAIN_SEED_BASE,
    by_family,
    collision,
    cross_task_pass_rate,
    env_tasks,
    parameter_confusion,
    prior_attack,
    top_share,
)
from rlvr_envs.envs.code.families import ALL_FAMILIES, make_code_source


def per_level(n: int, seed: int) -> dict[str, dict[int, dict[str, float]]]:
    source, rng = make_code_source(seed=7), random.Random(seed)
    out: dict[str, dict[int, dict[str, float]]] = {}
    for family in ALL_FAMILIES:
        out[family.name] = {}
        for level in family.difficulties:
            tasks = [source.build(family.name, level, rng.randrange(2**31)) for _ in range(n)]
            out[family.name][level] = {"top_share": top_share(tasks)[0],
                                       "collision": collision(tasks)}
    return out


def oracle_run(n: int) -> dict[str, object]:
    """The env's oracle on seeds 0..n-1, through the sandbox (the real judge)."""
    import gymnasium as gym

    import rlvr_envs  # noqa: F401  (registers the envs)
    env = gym.make("rlvr/Code-v0")
    rewards, failures, t0 = [], [], time.perf_counter()
    for seed in range(n):
        _, info = env.reset(seed=seed)
        _, reward, _, _, step_info = env.step(env.unwrapped.oracle_action())
        rewards.append(reward)
        if reward != 1.0:
            failures.append({"seed": seed, "task": info["task"]["id"],
                             "reason": step_info["verdict"]["reason"]})
    return {"n": n, "mean_reward": sum(rewards) / n, "failures": failures,
            "seconds": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=3000, help="tasks drawn (all families)")
    parser.add_argument("--pairs", type=int, default=1000, help="cross-task pairs per family")
    parser.add_argument("--per-level", type=int, default=1000,
                        help="tasks per family and level for the per-level figures (0: skip)")
    parser.add_argument("--prior-tasks", type=int, default=200,
                        help="training and test tasks of the prior attack (as the audit)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the pair sampling")
    parser.add_argument("--oracle-seeds", type=int, default=0,
                        help="also play the oracle on env seeds 0..N-1 through the sandbox")
    parser.add_argument("--json-out", help="write the figures as JSON here")
    args = parser.parse_args()

    t0 = time.perf_counter()
    tasks = env_tasks(args.tasks, TEST_SEED_BASE + 500_000)
    prior = prior_attack(env_tasks(args.prior_tasks, TRAIN_SEED_BASE),
                         env_tasks(args.prior_tasks, TEST_SEED_BASE))
    levels = per_level(args.per_level, args.seed) if args.per_level > 1 else {}
    rows = {}
    for fam, ts in by_family(tasks).items():
        share, distinct = top_share(ts)
        rows[fam] = {
            "n": len(ts), "distinct": distinct, "top_share": share, "collision": collision(ts),
            "cross_pass": cross_task_pass_rate(ts, args.pairs, args.seed),
            "cross_pass_renamed": cross_task_pass_rate(ts, args.pairs, args.seed, renamed=True),
            "parameter_confusion": (parameter_confusion(ts, args.pairs, args.seed)
                                    if any("params" in t for t in ts) else None),
            "prior_attack": prior.get(fam, 0.0),
            "by_level": levels.get(fam, {}),
        }
    print(f"{'family':20} {'n':>5} {'distinct':>8} {'top':>6} {'coll':>6} {'lvl top':>7} "
          f"{'lvl coll':>8} {'cross':>6} {'renamed':>7} {'params':>6} {'prior':>6}")
    for fam, r in rows.items():
        lv_top = max((v["top_share"] for v in r["by_level"].values()), default=float("nan"))
        lv_coll = max((v["collision"] for v in r["by_level"].values()), default=float("nan"))
        confusion = r["parameter_confusion"]
        print(f"{fam:20} {r['n']:5d} {r['distinct']:8d} {r['top_share']:6.3f} "
              f"{r['collision']:6.3f} {lv_top:7.3f} {lv_coll:8.4f} {r['cross_pass']:6.3f} "
              f"{r['cross_pass_renamed']:7.3f} "
              f"{'-' if confusion is None else f'{confusion:.3f}':>6} {r['prior_attack']:6.3f}")
    print(f"prior attack, all families: {prior['all']:.3f} over {args.prior_tasks} tasks; "
          f"per-level figures over {args.per_level} tasks per family and level; "
          f"{time.perf_counter() - t0:.0f} s")
    oracle = oracle_run(args.oracle_seeds) if args.oracle_seeds else None
    if oracle:
        print(f"oracle through the sandbox: mean reward {oracle['mean_reward']:.4f} over "
              f"{oracle['n']} seeds, {len(oracle['failures'])} failures "
              f"{oracle['failures'][:5]}, {oracle['seconds']:.0f} s")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"env_id": "rlvr/Code-v0", "tasks": args.tasks, "pairs": args.pairs,
                       "per_level": args.per_level, "prior_tasks": args.prior_tasks,
                       "prior_all": prior["all"], "families": rows, "oracle": oracle}, f,
                      indent=1)


if __name__ == "__main__":
    main()
