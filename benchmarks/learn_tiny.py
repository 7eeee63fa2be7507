"""Does the learner learn? The tiny preset on CPU: held-out reward before/after, per seed.

    python benchmarks/learn_tiny.py [--seeds 0 1 2 3] [--steps N] [--preset tiny]
                                    [--out runs/learn_tiny]

For each seed: build the tiny model, SFT warm start on oracle transcripts, evaluate greedy
on held-out tasks (reset seeds never trained on), run GRPO, evaluate again. The `tiny`
preset trains on an easy setting of the real `rlvr/Math-v0` ("What is a+1?", a in 0..4,
checked by the env's own verifier); `--preset tiny_digit` runs the earlier toy digit env.
Prints one line per seed (before, after, gain, wall) and the minimum and mean gain, and
writes results.json (curves included). Target (issue 10): +0.3 absolute on each of 2 seeds,
each within 10 min on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from agents.grpo.config import apply_preset
from agents.grpo.trainer import run_training


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--steps", type=int, default=None, help="GRPO steps (default: preset)")
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--preset", default="tiny", help="tiny (Math-v0) or tiny_digit (toy env)")
    p.add_argument("--out", default="runs/learn_tiny")
    args = p.parse_args()
    results = []
    t0 = time.perf_counter()
    for seed in args.seeds:
        over = {"seed": seed, "output_dir": f"{args.out}/seed{seed}"}
        if args.steps is not None:
            over["steps"] = args.steps
        if args.learning_rate is not None:
            over["learning_rate"] = args.learning_rate
        cfg = apply_preset(args.preset, **over)
        s = run_training(cfg, log=lambda _: None)
        gain = s["eval_after"] - s["eval_before"]
        results.append({"seed": seed, "before": s["eval_before"], "after": s["eval_after"],
                        "gain": gain, "seconds": s["seconds"], "curve": s["reward_curve"]})
        print(f"seed {seed}: held-out reward {s['eval_before']:.3f} -> {s['eval_after']:.3f} "
              f"({gain:+.3f}) in {s['seconds']:.0f}s, {cfg.steps} steps on {cfg.envs[0]}",
              flush=True)
    mean_gain = sum(r["gain"] for r in results) / len(results)
    min_gain = min(r["gain"] for r in results)
    total = time.perf_counter() - t0
    print(f"gain min {min_gain:+.3f} mean {mean_gain:+.3f} (target +0.3 per seed); "
          f"total {total:.0f}s, slowest seed {max(r['seconds'] for r in results):.0f}s "
          f"(target < 600s per seed)")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps(
        {"preset": args.preset, "results": results, "mean_gain": mean_gain,
         "min_gain": min_gain, "seconds": total}, indent=2))


if __name__ == "__main__":
    main()
