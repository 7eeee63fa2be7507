"""Does the learner learn, and does it generalise? The tiny preset on CPU, per seed.

    python benchmarks/learn_tiny.py [--seeds 0 1 2] [--threads 1] [--steps N]
                                    [--preset tiny] [--out runs/learn_tiny]

For each seed: build the tiny model, SFT warm start on oracle transcripts of the training
questions, evaluate greedy, run GRPO (evaluating every `eval_every` steps), evaluate again.
The `tiny` preset trains on 54 questions "What is 47+1?" of the real `rlvr/Math-v0` and
holds out 27 others of the same rule (`eval_env_kwargs`), so "held-out" is the reward on
questions never trained on and "train-q" the greedy reward on the training questions (on
reset seeds no training step used). `--preset tiny_digit` runs the toy digit env, which
has no held-out questions: its "held-out" column is the training questions on unused seeds.

Runs are deterministic per seed and torch thread count (`--threads`, default 1, so that a
machine with more cores gives the same numbers). Prints one line per seed and the median and
range over seeds; writes results.json (curves included) and each seed's run (with its
`rlvr train` lines in train.log) under --out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from agents.grpo.config import apply_preset
from agents.grpo.trainer import run_training

COLUMNS = ("eval_train_before", "eval_train_after", "eval_before", "eval_after")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=1, help="torch threads (results depend on it)")
    p.add_argument("--steps", type=int, default=None, help="GRPO steps (default: preset)")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--preset", default="tiny", help="tiny (Math-v0) or tiny_digit (toy env)")
    p.add_argument("--out", default="runs/learn_tiny")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    t0 = time.perf_counter()
    for seed in args.seeds:
        over = {"seed": seed, "output_dir": f"{args.out}/seed{seed}", "overwrite": True}
        if args.steps is not None:
            over["steps"] = args.steps
        if args.learning_rate is not None:
            over["learning_rate"] = args.learning_rate
        cfg = apply_preset(args.preset, **over)
        lines: list[str] = []
        s = run_training(cfg, log=lines.append)
        (Path(cfg.output_dir) / "train.log").write_text("\n".join(lines) + "\n")
        row = {"seed": seed, **{k: s[k] for k in COLUMNS}, "seconds": s["seconds"],
               "eval_curve": s["eval_curve"], "curve": s["reward_curve"]}
        results.append(row)
        print(f"seed {seed}: train-q {row['eval_train_before']:.3f} -> "
              f"{row['eval_train_after']:.3f}, held-out {row['eval_before']:.3f} -> "
              f"{row['eval_after']:.3f} ({row['eval_after'] - row['eval_before']:+.3f}) in "
              f"{row['seconds']:.0f}s, {cfg.steps} steps on {cfg.envs[0]}", flush=True)
    summary = {k: _spread([r[k] for r in results]) for k in COLUMNS}
    summary["held_out_gain"] = _spread([r["eval_after"] - r["eval_before"] for r in results])
    for k, (med, lo, hi) in summary.items():
        print(f"{k}: median {med:.3f} (min {lo:.3f}, max {hi:.3f}) over {len(results)} seeds")
    total = time.perf_counter() - t0
    print(f"total {total:.0f}s with {args.threads} torch thread(s)")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps(
        {"preset": args.preset, "threads": args.threads, "results": results,
         "median_min_max": summary, "seconds": total}, indent=2))


def _spread(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


if __name__ == "__main__":
    main()
