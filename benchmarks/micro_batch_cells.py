"""Padded cells the trainer computes per step: micro-batches padded to the batch's widest row
(`trim_micro_batches` off) vs to their own widest row (on, the default), against real tokens.

Collects one step with the tiny model (no training) and counts, over the micro-batches of the
update, rows x width (cells) and attended tokens (real):

    python benchmarks/micro_batch_cells.py --envs rlvr-grpo/Digit-v0 --max-turns 3
    python benchmarks/micro_batch_cells.py --envs rlvr/ToolUse-v0 --max-turns 4 \
        --max-new-tokens 48 --max-episode-tokens 8192
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import torch

    from agents.grpo import GRPOConfig, GRPOTrainer
    from agents.grpo.batch import build_batch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--envs", default="rlvr-grpo/Digit-v0")
    ap.add_argument("--max-turns", type=int, default=3)
    ap.add_argument("--max-new-tokens", type=int, default=8)
    ap.add_argument("--max-episode-tokens", type=int, default=0)
    ap.add_argument("--tasks-per-step", type=int, default=16)
    ap.add_argument("--group-size", type=int, default=8)
    ap.add_argument("--micro-batch-size", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    kw = dict(envs=a.envs.split(","), max_turns=a.max_turns, max_new_tokens=a.max_new_tokens,
              tasks_per_step=a.tasks_per_step, group_size=a.group_size, seed=a.seed,
              micro_batch_size=a.micro_batch_size, difficulty=1, plot=False,
              output_dir="/tmp/micro_batch_cells")
    if a.max_episode_tokens:
        kw["max_episode_tokens"] = a.max_episode_tokens
    tr = GRPOTrainer(GRPOConfig(**kw))
    records, _ = tr.collect(0)
    batch = build_batch(records, [1.0] * len(records), pad_token_id=tr.tok.pad_token_id)
    real = int(batch.attention_mask.sum())
    print(f"{a.envs}, max_turns {a.max_turns}: {len(records)} episodes, {batch.num_rows} rows "
          f"({sum(bool(r.get('prefix_mismatch')) for r in records)} split into segments), "
          f"{real} real tokens, {batch.num_loss_tokens} trained, widest row "
          f"{batch.input_ids.shape[1]}; micro_batch_size {a.micro_batch_size}")
    for trim in (False, True):
        cells = sum(mb.input_ids.numel() for mb in batch.micro_batches(a.micro_batch_size, trim))
        print(f"  trim_micro_batches={trim!s:5s}: {cells:8d} cells = {cells / real:.2f} x real")
    # not implemented (it reorders the gradient sums): episodes ordered by their widest row
    lengths = batch.attention_mask.sum(1)
    eps = sorted(set(batch.episode.tolist()),
                 key=lambda e: int(lengths[batch.episode == e].max()))
    order = torch.cat([(batch.episode == e).nonzero().flatten() for e in eps])
    cells = sum(mb.input_ids.numel()
                for mb in batch.select(order).micro_batches(a.micro_batch_size, True))
    print(f"  (trimmed, episodes sorted by length: {cells:8d} cells = {cells / real:.2f} x real)")
    tr.close()


if __name__ == "__main__":
    main()
