"""Held-out evaluation of the GRPO learner: other questions than training, reset seeds that
no training step uses, periodic points that leave training untouched."""

import json

import pytest
import torch

from agents.grpo.config import (
    TINY_MATH_HELDOUT,
    TINY_MATH_TASKS,
    GRPOConfig,
    apply_preset,
    shared_records,
)
from agents.grpo.trainer import GRPOTrainer, eval_reset_seeds, is_training_seed, run_training
from agents.tiny import build_tiny_model_and_tokenizer


def _tiny(tmp_path, **kw) -> GRPOConfig:
    base = dict(steps=2, tasks_per_step=2, group_size=4, sft_episodes=4, sft_steps=2,
                eval_tasks=6, output_dir=str(tmp_path / "run"), plot=False)
    return apply_preset("tiny", **{**base, **kw})


def _question(rec: dict) -> str:
    text = next(m["content"] for m in rec["messages"] if m["role"] == "user")
    return text.split("\n\n")[0]  # the env appends its answer instruction


def test_tiny_preset_holds_out_other_questions_of_the_same_rule():
    cfg = apply_preset("tiny")
    train_q = {t["question"] for t in cfg.env_kwargs["tasks"]}
    held_q = {t["question"] for t in cfg.eval_env_kwargs["tasks"]}
    assert len(train_q) == len(TINY_MATH_TASKS) == 54 and len(held_q) == 27
    assert not train_q & held_q
    # every digit is seen in each position in training, so the rule can carry over
    for pos in (0, 1):
        held_digits = {t["question"][8:10][pos] for t in TINY_MATH_HELDOUT}
        assert held_digits <= {t["question"][8:10][pos] for t in TINY_MATH_TASKS}


def test_held_out_records_shared_with_training_are_refused():
    leak = TINY_MATH_HELDOUT[:3] + TINY_MATH_TASKS[5:6]
    assert shared_records(TINY_MATH_TASKS, leak) == TINY_MATH_TASKS[5:6]
    with pytest.raises(ValueError, match="shares 1 records.*held-out records must differ"):
        apply_preset("tiny", eval_env_kwargs={"tasks": leak})


@pytest.mark.parametrize("seed", [0, 10, 23])
def test_eval_reset_seeds_never_replay_a_training_reset(tmp_path, seed):
    """Seed 10's training seeds start at 10_000_030, inside the old eval range from
    10_000_000: the eval seeds must step around them."""
    cfg = GRPOConfig(seed=seed, tasks_per_step=16, max_refill_rounds=3, sft_episodes=64,
                     output_dir=str(tmp_path))
    tr = GRPOTrainer(cfg, *build_tiny_model_and_tokenizer(0))
    trained = {s.seed for step in range(0, 700) for round_ in range(4)
               for s in tr._specs(step, round_, cfg.tasks_per_step)}
    trained |= {s.seed for s in tr._specs(10**6, 0, cfg.sft_episodes)}  # the warm start
    assert all(is_training_seed(cfg, s) for s in trained)
    evals = eval_reset_seeds(cfg, 5000)
    assert len(set(evals)) == 5000 and not set(evals) & trained
    # the collision the skipping avoids: seed 10's first steps; seed 0's from step ~610
    first_200 = {s.seed for step in range(200) for s in tr._specs(step, 0, cfg.tasks_per_step)}
    naive = set(range(cfg.eval_seed, cfg.eval_seed + 5000))
    assert bool(naive & first_200) == (seed == 10) and bool(naive & trained) == (seed != 23)
    tr.close()


def test_evaluate_plays_held_out_questions_or_training_ones(tmp_path):
    cfg = _tiny(tmp_path)
    tr = GRPOTrainer(cfg)
    held = {t["question"] for t in TINY_MATH_HELDOUT}
    train = {t["question"] for t in TINY_MATH_TASKS}
    score = tr.evaluate(12)
    assert 0.0 <= score <= 1.0 and {_question(r) for r in tr.eval_records} <= held
    assert [r["seed"] for r in tr.eval_records] == eval_reset_seeds(cfg, 12)
    tr.evaluate(12, split="train")
    assert {_question(r) for r in tr.eval_records} <= train
    with pytest.raises(ValueError, match="split"):
        tr.evaluate(2, split="test")
    tr.close()


def test_periodic_evaluation_adds_points_and_leaves_training_unchanged(tmp_path):
    plain = run_training(_tiny(tmp_path / "a", steps=3), log=lambda _: None)
    lines: list[str] = []
    every = run_training(_tiny(tmp_path / "b", steps=3, eval_every=2, plot=True),
                         log=lines.append)
    assert every["reward_curve"] == plain["reward_curve"]  # evaluation samples nothing
    assert every["eval_after"] == plain["eval_after"]
    assert [e["step"] for e in every["eval_curve"]] == [0, 2, 3]
    assert every["eval_curve"][0]["heldout"] == every["eval_before"]
    assert every["eval_curve"][-1]["train"] == every["eval_train_after"]
    metrics = [json.loads(x) for x in (tmp_path / "b/run/metrics.jsonl").read_text().split("\n")
               if x]
    assert ["eval_heldout" in m for m in metrics] == [False, True, False]
    assert "eval_train" in metrics[1]
    a = torch.load(tmp_path / "a/run/checkpoint.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "b/run/checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert (tmp_path / "b/run/reward_over_steps.png").stat().st_size > 0
    steps = [x for x in lines if x.startswith("step ")]
    assert len(steps) == 3 and "held-out" in steps[1] and "held-out" not in steps[0]
    assert any(x.startswith("rlvr train: writing to") for x in lines)
    assert "reward_over_steps.png" in lines[-1]
