"""How many distinct problems rlvr/Code-v0's procedural families hold (docs/envs/code.md).

Per family: the share of the most frequent oracle answer (over all levels and the worst
level), the number of distinct answers, the cross-task pass rate (task i's oracle on task j,
as submitted and with the function renamed to j's entry point) and the prior attack
(the most frequent oracle answer of each family on training seeds, played on test seeds).
Everything runs our own reference solutions in this process, no sandbox.

    python benchmarks/code_diversity.py --tasks 3000 --pairs 1000 --json-out div.json
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

from rlvr_envs.envs.code.diversity import (
    TEST_SEED_BASE,
    TRAIN_SEED_BASE,
    by_family,
    cross_task_pass_rate,
    env_tasks,
    prior_attack,
    top_share,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=3000, help="tasks drawn (all families)")
    parser.add_argument("--pairs", type=int, default=1000, help="cross-task pairs per family")
    parser.add_argument("--prior-tasks", type=int, default=200,
                        help="training and test tasks of the prior attack (as the audit)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the pair sampling")
    parser.add_argument("--json-out", help="write the figures as JSON here")
    args = parser.parse_args()

    t0 = time.perf_counter()
    tasks = env_tasks(args.tasks, TEST_SEED_BASE + 500_000)
    prior = prior_attack(env_tasks(args.prior_tasks, TRAIN_SEED_BASE),
                         env_tasks(args.prior_tasks, TEST_SEED_BASE))
    rows = {}
    for fam, ts in by_family(tasks).items():
        share, distinct = top_share(ts)
        levels = defaultdict(list)
        for t in ts:
            levels[t["difficulty"]].append(t)
        rows[fam] = {
            "n": len(ts), "distinct": distinct, "top_share": share,
            "top_share_by_level": {lv: top_share(v)[0] for lv, v in sorted(levels.items())},
            "cross_pass": cross_task_pass_rate(ts, args.pairs, args.seed),
            "cross_pass_renamed": cross_task_pass_rate(ts, args.pairs, args.seed, renamed=True),
            "prior_attack": prior.get(fam, 0.0),
        }
    print(f"{'family':20} {'n':>5} {'distinct':>8} {'top':>6} {'top/lvl':>7} {'cross':>6} "
          f"{'renamed':>7} {'prior':>6}")
    for fam, r in rows.items():
        print(f"{fam:20} {r['n']:5d} {r['distinct']:8d} {r['top_share']:6.3f} "
              f"{max(r['top_share_by_level'].values()):7.3f} {r['cross_pass']:6.3f} "
              f"{r['cross_pass_renamed']:7.3f} {r['prior_attack']:6.3f}")
    print(f"prior attack, all families: {prior['all']:.3f} over {args.prior_tasks} tasks; "
          f"{time.perf_counter() - t0:.0f} s")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"env_id": "rlvr/Code-v0", "tasks": args.tasks, "pairs": args.pairs,
                       "prior_tasks": args.prior_tasks, "prior_all": prior["all"],
                       "families": rows}, f, indent=1)


if __name__ == "__main__":
    main()
