"""Optimisation of the GRPO learner: LR schedules with warmup (in optimizer steps) and PPO
mini-batches of whole groups, each one optimizer step, repeated `num_iterations` times."""

import math

import pytest
import torch

from agents.grpo import GRPOConfig, GRPOTrainer
from agents.grpo.batch import build_batch
from agents.grpo.schedule import lr_multiplier
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_trainer import EvenLengthEnv, _cfg

ENVS = {"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()}


def test_lr_multiplier_warms_up_then_follows_the_schedule():
    def m(step, kind, **kw):
        return lr_multiplier(step, kind=kind, warmup_steps=4, total_steps=14, **kw)

    assert [m(s, "constant") for s in range(6)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert m(4, "linear") == 1.0 and m(9, "linear") == 0.5 and m(14, "linear") == 0.0
    assert m(9, "cosine") == pytest.approx(0.5) and m(14, "cosine") == pytest.approx(0.0)
    assert m(6, "cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.2)))
    assert m(14, "cosine", min_lr_ratio=0.1) == pytest.approx(0.1)
    assert m(99, "linear", min_lr_ratio=0.1) == pytest.approx(0.1)  # stays at the floor
    assert lr_multiplier(0, kind="constant", warmup_steps=0, total_steps=5) == 1.0
    with pytest.raises(ValueError, match="lr_scheduler"):
        GRPOConfig(lr_scheduler="step")
    with pytest.raises(ValueError, match="mini_batches=3 > tasks_per_step=2"):
        GRPOConfig(tasks_per_step=2, mini_batches=3)


def _trainer(tmp_path, **kw):
    model, tok = build_tiny_model_and_tokenizer(0)
    return GRPOTrainer(_cfg(tmp_path, **kw), model, tok, envs=ENVS)


def _batch(tr):
    records, _ = tr.collect(0)
    groups, _, _, _ = tr.rewards_and_advantages(records)
    flat = [r for g in groups for r in g]
    batch = build_batch(flat, [1.0 - 0.3 * i for i in range(len(flat))],
                        pad_token_id=tr.tok.pad_token_id)
    tr.score(batch)
    return batch, [gi for gi, g in enumerate(groups) for _ in g], flat


def test_mini_batches_are_whole_groups_and_each_takes_one_optimizer_step(tmp_path):
    kw = dict(steps=1, tasks_per_step=3, mini_batches=2, num_iterations=2, lr_scheduler="linear",
              warmup_steps=1, learning_rate=1e-2)
    tr = _trainer(tmp_path / "a", **kw)
    batch, episode_group, flat = _batch(tr)
    parts = tr.mini_batches(batch, episode_group)
    groups_of = [{episode_group[int(e)] for e in p.episode} for p in parts]
    assert groups_of == [{0, 1}, {2}]  # contiguous whole groups, sizes differ by <= 1 group
    assert sum(p.num_rows for p in parts) == batch.num_rows
    # a mini-batch has its own normalisers: its gradient is that of a batch of its episodes
    first = [i for i, g in enumerate(episode_group) if g < 2]
    alone = build_batch([flat[i] for i in first], [1.0 - 0.3 * i for i in first],
                        pad_token_id=tr.tok.pad_token_id)
    tr.score(alone)
    grads = []
    for b in (parts[0], alone):
        tr.model.zero_grad(set_to_none=True)
        tr.accumulate_gradients(b, tr.cfg.micro_batch_size)
        grads.append([p.grad.clone() for p in tr.model.parameters()])
    assert all(torch.allclose(a, b, atol=1e-7, rtol=1e-5) for a, b in zip(*grads))
    tr.model.zero_grad(set_to_none=True)
    m = tr.update(batch, episode_group)
    assert tr.scheduler.last_epoch == 4  # 2 passes x 2 mini-batches
    # the same four steps by hand: passes outer, mini-batches inner, each normalised alone
    ref = _trainer(tmp_path / "b", **kw)
    lrs = []
    for _ in range(2):
        for part in parts:
            ref.optimizer.zero_grad(set_to_none=True)
            ref.accumulate_gradients(part, ref.cfg.micro_batch_size)
            torch.nn.utils.clip_grad_norm_(
                [p for p in ref.model.parameters() if p.grad is not None], 1.0)
            lrs.append(ref.optimizer.param_groups[0]["lr"])
            ref.optimizer.step()
            ref.scheduler.step()
    # warmup from 0, then linear to 0 over the run's 1 x 2 x 2 = 4 optimizer steps
    assert lrs == pytest.approx([0.0, 1e-2, 1e-2 * 2 / 3, 1e-2 / 3])
    assert m["lr"] == pytest.approx(lrs[-1])
    assert all(torch.equal(p, q) for p, q in zip(tr.model.parameters(), ref.model.parameters()))
    # one mini-batch is the whole batch (the default path, unchanged)
    (whole,) = _trainer(tmp_path / "c").mini_batches(batch, episode_group)
    assert whole is batch


def test_schedule_counts_optimizer_steps_over_the_run(tmp_path):
    tr = _trainer(tmp_path, steps=3, mini_batches=2, lr_scheduler="cosine", warmup_steps=2)
    assert tr.cfg.optimizer_steps() == 6
    hist = tr.train()
    taken = tr.scheduler.last_epoch
    updates = sum(not m["skipped_update"] for m in hist)
    assert 0 < updates <= taken <= 2 * updates  # a mini-batch without signal takes no step
    expected = lr_multiplier(taken, kind="cosine", warmup_steps=2, total_steps=6)
    assert tr.optimizer.param_groups[0]["lr"] == pytest.approx(tr.cfg.learning_rate * expected)
