"""Sync vs async collection on the tiny preset: held-out reward and seconds per step.

    python benchmarks/async_tiny.py [--seeds 0 1 2] [--steps 60] [--max-staleness 1]
                                    [--threads N] [--out runs/async_tiny]

For each seed, the `tiny` preset twice, one after the other: synchronous (the default) and
with `async_collection` (the next batch sampled by a model copy in a background thread
while this step updates). Prints per run the held-out reward before/after, the median
seconds per step (`time_step_s`), the process CPU seconds of the run, the medians of its generation and update parts and of the
time the async step waited for its batch, and the staleness; writes results.json. The
machine load (`os.getloadavg`) is printed at the start and the end: on a shared box the
seconds per step move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch

from agents.grpo.config import apply_preset
from agents.grpo.trainer import run_training


def _median(history: list[dict], key: str) -> float:
    values = [m[key] for m in history if key in m]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--max-staleness", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--out", default="runs/async_tiny")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"load average at start: {os.getloadavg()}, torch threads {torch.get_num_threads()}",
          flush=True)
    results = []
    for seed in args.seeds:
        for mode in ("sync", "async"):
            out = Path(args.out) / f"{mode}-seed{seed}"
            cfg = apply_preset("tiny", seed=seed, steps=args.steps, output_dir=str(out),
                               async_collection=mode == "async",
                               max_staleness=args.max_staleness, plot=False)
            cpu = time.process_time()
            s = run_training(cfg, log=lambda _: None)
            cpu = time.process_time() - cpu
            history = [json.loads(line) for line in open(out / "metrics.jsonl")]
            row = {"seed": seed, "mode": mode, "before": s["eval_before"],
                   "after": s["eval_after"], "seconds": s["seconds"], "cpu_s": cpu,
                   "step_s": _median(history, "time_step_s"),
                   "generate_s": _median(history, "time_generate_s"),
                   "update_s": _median(history, "time_update_s"),
                   "wait_s": _median(history, "time_wait_s"),
                   "staleness_max": max((m.get("staleness_max", 0) for m in history),
                                        default=0)}
            results.append(row)
            print(f"seed {seed} {mode:5s}: held-out {row['before']:.3f} -> {row['after']:.3f}"
                  f"  step {row['step_s']:.3f}s (generate {row['generate_s']:.3f}, update "
                  f"{row['update_s']:.3f}, wait {row['wait_s']:.3f})  staleness max "
                  f"{row['staleness_max']}  total {row['seconds']:.0f}s ({cpu:.0f} CPU-s)", flush=True)
    print(f"load average at end: {os.getloadavg()}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps(
        {"steps": args.steps, "max_staleness": args.max_staleness, "results": results},
        indent=2))


if __name__ == "__main__":
    main()
