"""Search for task-independent answers that earn reward on rlvr/Math-v0 (reward hacks).

    python benchmarks/math_universal_answers.py [--per-level 4] [--seed 7] [--json-out PATH]
        [--strict] [--responses N] [--random 300]

Plays every response of `universal_responses()` (special values such as `\\infty`,
`\\frac{1}{0}`, `zoo`, `nan`, overflowing powers, free variables, letters, generic forms, each
also wrapped in the shapes of every answer type, plus `--random` random expressions over special atoms)
against `--per-level` items of every level of
the 15 procedural families, and against the dataset loaders: the shipped samples
(`tasks/math/*.jsonl`) and a user dataset made of the distinct golds of the audit corpus read
through `normalize_math_record` (answer types inferred, as for `tasks=`). A response is a hack
on a group of tasks when its mean reward exceeds the group's chance level (1/k on k-option
multiple choice, else 0) by more than `--margin` (0.02) with 95% confidence (the lower end of
the Wilson interval of its mean: one lucky hit in ten tasks is a constant equal to one gold, not
a hack). Prints the best response per group and every hack; `--strict` exits 1 when there is
one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def procedural_tasks(per_level: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    from rlvr_envs.envs.math.families import ALL_FAMILIES, make_math_source

    src = make_math_source(seed=seed)
    return [(f.name, src.build(f.name, level, i)) for f in ALL_FAMILIES
            for level in f.difficulties for i in range(per_level)]


def dataset_tasks() -> list[tuple[str, dict[str, Any]]]:
    from rlvr_envs.core.data import task_file
    from rlvr_envs.envs.math.loaders import load_math_records, normalize_math_record

    out: list[tuple[str, dict[str, Any]]] = []
    for name in ("gsm8k_sample.jsonl", "math_sample.jsonl"):
        for t in load_math_records(task_file("math", name)):
            out.append((f"dataset:{name.split('.')[0]}", t))
    seen: set[tuple[str, str]] = set()
    for line in task_file("audit", "math.jsonl").read_text().splitlines():
        case = json.loads(line)
        key = (case["gold"], json.dumps(case.get("choices")))
        if key in seen:
            continue
        seen.add(key)
        rec: dict[str, Any] = {"question": "Solve the problem.", "answer": case["gold"]}
        if case.get("choices"):
            rec["choices"] = case["choices"]
        try:
            out.append(("dataset:audit_golds", normalize_math_record(rec)))
        except ValueError:
            continue
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-level", type=int, default=4, help="items per family level")
    ap.add_argument("--seed", type=int, default=7, help="task seed of the procedural items")
    ap.add_argument("--responses", type=int, default=0, help="first N responses only (0: all)")
    ap.add_argument("--random", type=int, default=300,
                    help="random answers over special atoms added to the fixed lists")
    ap.add_argument("--margin", type=float, default=0.02)
    ap.add_argument("--json-out", type=Path)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a hack is found")
    args = ap.parse_args()

    from rlvr_envs.envs.math.universal_answers import (
        play_universal,
        random_expressions,
        universal_responses,
    )

    responses = universal_responses()
    if args.responses:
        responses = responses[: args.responses]
    responses += [f"The answer is $\\boxed{{{e}}}$."
                  for e in random_expressions(args.random, args.seed)]
    tasks = procedural_tasks(args.per_level, args.seed) + dataset_tasks()
    groups = sorted({g for g, _ in tasks})
    print(f"{len(responses)} responses x {len(tasks)} tasks in {len(groups)} groups")
    t0 = time.monotonic()
    scores = play_universal(tasks, responses)
    seconds = time.monotonic() - t0
    hacks = []
    best: dict[str, tuple[float, str, Any]] = {}
    for resp, per in scores.items():
        for g, s in per.items():
            excess = s.mean - s.chance
            if g not in best or excess > best[g][0]:
                best[g] = (excess, resp, s)
            if s.mean_lower > s.chance + args.margin:
                hacks.append({"response": resp, "group": g, "n": s.n, "passed": s.passed,
                              "mean": round(s.mean, 4), "chance": round(s.chance, 4),
                              "golds_paid": s.examples})
    print(f"{'group':24s} {'tasks':>5s} {'chance':>7s} {'best':>6s}  best response")
    for g in groups:
        excess, resp, s = best[g]
        print(f"{g:24s} {s.n:5d} {s.chance:7.3f} {s.mean:6.3f}  {resp[:70]}")
    print(f"{len(hacks)} hacks (95% lower bound of the mean reward > chance + {args.margin}); "
          f"{seconds:.0f} s")
    for h in hacks:
        print(f"  HACK {h['group']}: {h['response'][:70]} mean {h['mean']} "
              f"(chance {h['chance']}), golds {h['golds_paid']}")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "env_id": "rlvr/Math-v0", "responses": len(responses), "tasks": len(tasks),
            "seconds": round(seconds, 1), "hacks": hacks,
            "best": {g: {"response": r, "mean": round(s.mean, 4), "chance": round(s.chance, 4),
                         "n": s.n} for g, (_, r, s) in best.items()}}, indent=1))
    return 1 if hacks and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
