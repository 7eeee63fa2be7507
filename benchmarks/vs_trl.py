"""Our GRPO learner vs TRL's GRPOTrainer: same tiny model, task, group size and steps.

    pip install --target /tmp/trl_site --no-deps trl accelerate   # benchmark-only dependency
    PYTHONPATH=/tmp/trl_site python benchmarks/vs_trl.py [--steps 30]

Task: `rlvr-grpo/Digit-v0` single-turn (max_turns=1, so TRL's single-turn trainer sees the
same task): the prompt "Say d", reward 1 for exactly d. Both learners start from the same
SFT-warm-started tiny model, use G=8, 8 prompts per step, 4 new tokens, lr 3e-3, beta 0,
token-mean loss, one update per batch, on CPU. Prints seconds per step and held-out greedy
reward (200 tasks) for both, and the speed ratio.
"""

from __future__ import annotations

import argparse
import copy
import random
import tempfile
import time

import torch

from agents.grpo.config import apply_preset
from agents.grpo.trainer import GRPOTrainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(2)
    common = dict(seed=args.seed, steps=args.steps, max_turns=1, output_dir=tempfile.mkdtemp(),
                  plot=False, tasks_per_step=8, group_size=8, eval_tasks=200,
                  difficulty=1)
    ours = GRPOTrainer(apply_preset("tiny_digit", **common))
    ours.warm_start(ours.cfg.sft_episodes, ours.cfg.sft_steps, ours.cfg.sft_learning_rate)
    start_state = copy.deepcopy(ours.model.state_dict())
    before = ours.evaluate(200)

    t0 = time.perf_counter()
    ours.train()
    ours_s = (time.perf_counter() - t0) / args.steps
    ours_after = ours.evaluate(200)

    ours_state = copy.deepcopy(ours.model.state_dict())
    trl_model = copy.deepcopy(ours.model)
    trl_model.load_state_dict(start_state)
    trl_s, trl_after = run_trl(trl_model, ours, args)
    diff = max(float((ours_state[k] - v).abs().max()) for k, v in trl_model.state_dict().items())
    moved = max(float((start_state[k] - v).abs().max()) for k, v in trl_model.state_dict().items())

    print(f"start (SFT warm start): held-out reward {before:.3f}")
    print(f"ours: {ours_s:.3f} s/step, held-out reward {ours_after:.3f}")
    print(f"TRL : {trl_s:.3f} s/step, held-out reward {trl_after:.3f}")
    print(f"speed ratio TRL/ours: {trl_s / ours_s:.2f}x")
    print(f"max |param| change by TRL {moved:.3g}; max |ours - TRL| {diff:.3g} (distinct runs)")


def run_trl(model, ours: GRPOTrainer, args: argparse.Namespace) -> tuple[float, float]:
    from datasets import Dataset
    from trl import GRPOConfig as TRLConfig
    from trl import GRPOTrainer as TRLTrainer

    rng = random.Random(args.seed)
    rows = []
    for _ in range(8 * args.steps):
        d = str(rng.randint(0, 3))  # difficulty 1 of the Digit env (0..3)
        rows.append({"prompt": [{"role": "user", "content": f"Say {d}"}], "answer": d})

    def reward(completions, answer, **_):
        return [float(c[0]["content"].strip() == a) for c, a in zip(completions, answer)]

    cfg = TRLConfig(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=64,
                    num_generations=8, max_completion_length=4, learning_rate=3e-3,
                    beta=0.0, max_steps=args.steps, use_cpu=True, report_to="none",
                    logging_steps=1, temperature=1.0, seed=args.seed, bf16=False,
                    save_strategy="no", adam_beta2=0.99, weight_decay=0.0,
                    lr_scheduler_type="constant", dataloader_num_workers=0)
    trainer = TRLTrainer(model=model, reward_funcs=reward, args=cfg,
                         train_dataset=Dataset.from_list(rows), processing_class=ours.tok)
    t0 = time.perf_counter()
    trainer.train()
    per_step = (time.perf_counter() - t0) / args.steps
    ours.model.load_state_dict(trainer.model.state_dict())
    return per_step, ours.evaluate(200)


if __name__ == "__main__":
    main()
