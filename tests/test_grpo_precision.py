"""Precision of the trainer (`--precision`): fp32 master weights with bf16 autocast keep the
small updates that pure bf16 rounds away, and the generator computes what the trainer does."""

import pytest
import torch

from agents.grpo import GRPOTrainer
from agents.grpo.batch import build_batch
from agents.grpo.generator import copy_generator
from agents.grpo.precision import inner_model
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_gpu_path import StaleSync
from tests.test_grpo_trainer import EvenLengthEnv, _cfg

ENVS = {"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()}


def _scored_batch(tr):
    records, _ = tr.collect(0)
    groups, _, _, _ = tr.rewards_and_advantages(records)
    flat = [r for g in groups for r in g]
    batch = build_batch(flat, [1.0 - 0.3 * i for i in range(len(flat))],
                        pad_token_id=tr.tok.pad_token_id)
    tr.score(batch)
    return batch


def _fraction_moved_after_10_steps(tmp_path, precision):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path / precision, precision=precision, learning_rate=1e-6,
                          tasks_per_step=1, max_turns=1),
                     model, tok, envs=ENVS)
    batch = _scored_batch(tr)
    before = {n: p.detach().clone() for n, p in tr.model.named_parameters()}
    for _ in range(10):  # ten AdamW steps on the same batch
        assert tr.update(batch)["skipped_update"] == 0
    moved = sum(int((p != before[n]).sum()) for n, p in tr.model.named_parameters())
    return moved / sum(p.numel() for p in tr.model.parameters()), tr


def test_bf16_mixed_moves_every_weight_at_lr_1e_6_where_pure_bf16_rounds_updates_away(tmp_path):
    mixed, tr = _fraction_moved_after_10_steps(tmp_path, "bf16-mixed")
    pure, _ = _fraction_moved_after_10_steps(tmp_path, "bf16")
    assert mixed > 0.999  # measured 0.99997: every weight with a gradient
    assert pure < 0.05    # measured 0.0195 (the 1.9%): only weights near 0 move
    # master weights and AdamW state are float32; the forward computes in bf16
    assert all(p.dtype == torch.float32 for p in tr.model.parameters())
    assert all(s.dtype == torch.float32 for st in tr.optimizer.state.values()
               for s in st.values() if s.is_floating_point() and s.dim())
    ids = torch.arange(300, 320).unsqueeze(0)
    with torch.no_grad():
        assert tr.model(input_ids=ids).logits.dtype == torch.bfloat16
    assert not torch.is_autocast_enabled("cpu")  # the forward's autocast was exited


def test_fp32_default_has_no_autocast(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path), model, tok, envs=ENVS)
    assert getattr(inner_model(tr.model), "_rlvr_autocast", None) is None
    with torch.no_grad():
        assert tr.model(input_ids=torch.arange(300, 310)[None]).logits.dtype == torch.float32


@pytest.mark.parametrize("generator", ["shared", "copy"])
def test_bf16_mixed_generator_samples_what_the_trainer_scores(tmp_path, generator):
    """The hf generator (the shared model, or a copy fed by weight sync) samples under the same
    autocast: the sampler/trainer gap stays small after every update, and a stale copy is
    still caught, so the gap remains a check of the weights."""
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, precision="bf16-mixed", steps=3, learning_rate=5e-2),
                     model, tok, envs=ENVS,
                     generator=copy_generator if generator == "copy" else None)
    hist = tr.train()
    assert any(not m["skipped_update"] for m in hist[:-1])  # a later batch follows an update
    assert all(m["logprob_gap_mean"] < tr.cfg.logprob_gap_tol for m in hist)
    if generator == "copy":
        assert all(p.dtype == torch.float32 for p in tr.generator.model.parameters())
        ids = torch.arange(300, 320).unsqueeze(0)
        with torch.no_grad():  # the copy kept its own autocast hooks
            assert tr.generator.model(input_ids=ids).logits.dtype == torch.bfloat16

    model, tok = build_tiny_model_and_tokenizer(0)
    stale = GRPOTrainer(_cfg(tmp_path / "stale", precision="bf16-mixed", steps=3,
                             learning_rate=5e-2, on_logprob_gap="warn"),
                        model, tok, envs=ENVS, generator=copy_generator)
    stale.generator.sync = StaleSync(stale.generator.model)  # counts versions, copies nothing
    hist = stale.train()
    assert hist[0]["logprob_gap_mean"] < stale.cfg.logprob_gap_tol
    assert all("weights are stale" in m["warning"] for m in hist[1:])


def test_bf16_mixed_with_lora_keeps_the_frozen_base_in_bf16(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, precision="bf16-mixed", lora_rank=4, steps=2), model,
                     tok, envs=ENVS)
    names = dict(tr.model.named_parameters())
    assert all(p.dtype == torch.float32 for n, p in names.items() if ".lora_" in n)
    assert all(p.dtype == torch.bfloat16 for n, p in names.items() if ".lora_" not in n)
    before = {n: p.detach().clone() for n, p in names.items()}
    hist = tr.train()
    assert all(m["logprob_gap_mean"] < tr.cfg.logprob_gap_tol for m in hist)
    assert all(torch.equal(before[n], p) for n, p in names.items() if ".lora_" not in n)
    assert any(not torch.equal(before[n], p) for n, p in names.items() if ".lora_" in n)


def test_bf16_mixed_gradient_checkpointing_recomputes_under_the_same_autocast(tmp_path):
    """The recompute in backward runs outside the forward hooks; torch's checkpoint restores
    the autocast state of the forward, so the gradient is the one without checkpointing."""
    def gradients(checkpointing):
        model, tok = build_tiny_model_and_tokenizer(0)
        tr = GRPOTrainer(_cfg(tmp_path / str(checkpointing), precision="bf16-mixed",
                              gradient_checkpointing=checkpointing), model, tok, envs=ENVS)
        batch = _scored_batch(tr)
        tr.model.zero_grad(set_to_none=True)
        tr.accumulate_gradients(batch, 4)
        return batch.input_ids, {n: p.grad.clone() for n, p in tr.model.named_parameters()}

    ids0, g0 = gradients(False)
    ids1, g1 = gradients(True)
    assert torch.equal(ids0, ids1)
    assert all(torch.allclose(g0[n], g1[n], atol=1e-6, rtol=1e-5) for n in g0)
