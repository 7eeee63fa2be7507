"""Our GRPO learner vs TRL's GRPOTrainer: same tiny model, task, batch, loss and steps.

    pip install --target /work/pkgs/trl --no-deps trl accelerate   # benchmark-only dependency
    PYTHONPATH=/work/pkgs/trl python benchmarks/vs_trl.py [--seeds 0 1 2] [--steps 30]

Task: the `tiny` preset's (single-turn `rlvr/Math-v0`, "What is 47+1?"): both learners train
on its 54 training questions, with the same prompts (the env's messages) and the same
verifier (`math_reward` is the env's `verify_math`), and are evaluated by the same greedy
evaluation on the 27 held-out questions and on the training questions. Both start from the
same SFT-warm-started tiny model and use G=8, 8 prompts per step, 4 new tokens, lr 3e-3,
beta 0, eps 0.2, group-scaled advantages, token-mean loss (TRL's default "dapo"), one
optimizer step per batch, on CPU. Prints, per seed, seconds per step and rewards for both and
the speed ratio (wall, and CPU seconds of this process, which a shared machine's load
disturbs less), then the median and range of the CPU-time ratio. Runs are deterministic per
seed and torch thread count (`--threads`, default 1); the timings are not.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import tempfile
import time

import gymnasium as gym
import torch

from agents.grpo.config import TINY_MATH_TASKS, apply_preset
from agents.grpo.trainer import GRPOTrainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=1, help="torch threads (results depend on it)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    import trl
    print(f"TRL {trl.__version__}, torch {torch.__version__}, {args.threads} thread(s)")
    ratios = []
    for seed in args.seeds:
        ratios.append(compare(seed, args.steps))
    print(f"CPU-time ratio TRL/ours: median {statistics.median(ratios):.2f}x "
          f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x) over {len(ratios)} seeds")


def _rewards(tr: GRPOTrainer) -> str:
    n = tr.cfg.eval_tasks
    return f"held-out {tr.evaluate(n):.3f}, train-q {tr.evaluate(n, split='train'):.3f}"


def compare(seed: int, steps: int) -> float:
    common = dict(seed=seed, steps=steps, output_dir=tempfile.mkdtemp(), plot=False,
                  tasks_per_step=8, group_size=8, num_iterations=1, epsilon_high=0.2,
                  eval_every=0)
    ours = GRPOTrainer(apply_preset("tiny", **common))
    ours.warm_start(ours.cfg.sft_episodes, ours.cfg.sft_steps, ours.cfg.sft_learning_rate)
    start_state = copy.deepcopy(ours.model.state_dict())
    before = _rewards(ours)

    t0, c0 = time.perf_counter(), time.process_time()
    ours.train()
    ours_s, ours_cpu = (time.perf_counter() - t0) / steps, (time.process_time() - c0) / steps
    ours_after = _rewards(ours)

    trl_model = copy.deepcopy(ours.model)
    trl_model.load_state_dict(start_state)
    trl_s, trl_cpu = run_trl(trl_model, ours, seed, steps)
    trl_after = _rewards(ours)  # `ours.model` now holds TRL's weights
    print(f"seed {seed}: start (SFT) {before}; ours {ours_s:.3f} s/step ({ours_cpu:.3f} CPU "
          f"s/step), {ours_after}; TRL {trl_s:.3f} s/step ({trl_cpu:.3f} CPU s/step), "
          f"{trl_after}; ratio TRL/ours {trl_s / ours_s:.2f}x wall, "
          f"{trl_cpu / ours_cpu:.2f}x CPU", flush=True)
    ours.close()
    return trl_cpu / ours_cpu


def run_trl(model, ours: GRPOTrainer, seed: int, steps: int) -> tuple[float, float]:
    """TRL trains `model` on the same questions; returns its wall and CPU seconds per step
    and leaves its weights in `ours.model` for the shared evaluation."""
    from datasets import Dataset
    from trl import GRPOConfig as TRLConfig
    from trl import GRPOTrainer as TRLTrainer

    from rlvr_envs.envs.math.verify import math_reward

    env = gym.make("rlvr/Math-v0", **ours.cfg.env_kwargs)
    prompts = {}
    for i, task in enumerate(TINY_MATH_TASKS):  # the env's own messages for each question
        _, info = env.reset(seed=0, options={"task_id": f"records/{i}"})
        prompts[task["question"]] = info["messages"]
    env.close()
    rng = random.Random(seed)
    rows = [{"prompt": prompts[t["question"]], "answer": t["answer"]}
            for t in (rng.choice(TINY_MATH_TASKS) for _ in range(8 * steps))]
    cfg = TRLConfig(output_dir=tempfile.mkdtemp(), per_device_train_batch_size=64,
                    num_generations=8, max_completion_length=4, learning_rate=3e-3,
                    beta=0.0, epsilon=0.2, loss_type="dapo", scale_rewards="group",
                    num_iterations=1, max_steps=steps, use_cpu=True, report_to="none",
                    logging_steps=steps, disable_tqdm=True, temperature=1.0, seed=seed, bf16=False,
                    save_strategy="no", adam_beta2=0.99, weight_decay=0.0,
                    lr_scheduler_type="constant", dataloader_num_workers=0)
    trainer = TRLTrainer(model=model, reward_funcs=math_reward, args=cfg,
                         train_dataset=Dataset.from_list(rows), processing_class=ours.tok)
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.train()
    wall, cpu = (time.perf_counter() - t0) / steps, (time.process_time() - c0) / steps
    ours.model.load_state_dict(trainer.model.state_dict())
    return wall, cpu


if __name__ == "__main__":
    main()
