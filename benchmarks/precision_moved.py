"""Which weights move under each `--precision` at a small learning rate (CPU, tiny model).

    PYTHONPATH=. python benchmarks/precision_moved.py [--lr 1e-6] [--updates 10] [--seeds 0,1,2]

For each precision and seed: the tiny model (agents/tiny.py) collects one batch on the toy
digit env, then takes `--updates` AdamW steps on it (fixed advantages 1 - 0.3 i, so every step
has a gradient); prints the fraction of weight elements that changed and the sampler/trainer
log-prob gap of that batch (the generator shares the model: the gap shows that sampling and
scoring compute the same function under the precision's autocast).
"""

from __future__ import annotations

import argparse
import tempfile

import torch

from agents.grpo import GRPOConfig, GRPOTrainer
from agents.grpo.batch import build_batch
from agents.grpo.toy_env import DigitEnv
from agents.tiny import build_tiny_model_and_tokenizer


def fraction_moved(precision: str, seed: int, lr: float, updates: int) -> tuple[float, float]:
    model, tok = build_tiny_model_and_tokenizer(seed)
    with tempfile.TemporaryDirectory() as out:
        cfg = GRPOConfig(group_size=4, tasks_per_step=1, max_new_tokens=3, max_turns=1,
                         seed=seed, learning_rate=lr, precision=precision, output_dir=out,
                         plot=False, export_hf=False)
        tr = GRPOTrainer(cfg, model, tok, envs={"rlvr-grpo/Digit-v0": DigitEnv})
        records, _ = tr.collect(0)
        batch = build_batch(records, [1.0 - 0.3 * i for i in range(len(records))],
                            pad_token_id=tok.pad_token_id)
        tr.score(batch)
        gap = float(((batch.sampler_logp - batch.old_logp).abs() * batch.loss_mask).sum()
                    / batch.loss_mask.sum())
        before = [p.detach().clone() for p in tr.model.parameters()]
        for _ in range(updates):
            tr.update(batch)
        moved = sum(int((p != b).sum()) for p, b in zip(tr.model.parameters(), before))
        tr.close()
    return moved / sum(b.numel() for b in before), gap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lr", type=float, default=1e-6)
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, lr {args.lr}, "
          f"{args.updates} AdamW steps")
    for precision in ("fp32", "bf16-mixed", "bf16"):
        for seed in (int(s) for s in args.seeds.split(",")):
            frac, gap = fraction_moved(precision, seed, args.lr, args.updates)
            print(f"{precision:<11} seed {seed}: weights moved {100 * frac:7.3f}%   "
                  f"sampler/trainer gap {gap:.1e}")


if __name__ == "__main__":
    main()
