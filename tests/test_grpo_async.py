"""Async collection (issue #17 item 3): the next batch is sampled while this step updates,
by weights at most `max_staleness` versions old, each episode stamped with its version."""

import copy

import pytest
import torch

from agents.grpo import GRPOConfig, GRPOTrainer
from agents.grpo import trainer as trainer_module
from agents.grpo.async_loop import AsyncGRPOTrainer
from agents.grpo.batch import token_logprobs
from agents.grpo.generator import HFGenerator
from agents.grpo.sync import IdentitySync
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_trainer import EvenLengthEnv, _cfg, _params

TIMING = ("time_", "tokens_per_s")


def _trainer(tmp_path, name="run", **kw) -> GRPOTrainer:
    model, tok = build_tiny_model_and_tokenizer(0)
    kw = {"async_collection": True, "steps": 4, "output_dir": str(tmp_path / name), **kw}
    return GRPOTrainer(_cfg(tmp_path, **kw), model, tok,
                       envs={"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()})


def _capture_batches(tr):
    """Record every collected batch the trainer learns from."""
    seen = []
    learn = tr.learn_step

    def spy(collected, t0):
        seen.append((tr.sync.version, collected))
        return learn(collected, t0)
    tr.learn_step = spy
    return seen


def _values(history):
    return [{k: v for k, v in m.items() if not k.startswith(TIMING)} for m in history]


@pytest.mark.parametrize("bound", [1, 2])
def test_async_run_stamps_episodes_and_keeps_staleness_within_the_bound(tmp_path, bound):
    # bound 2 with DAPO refill rounds: they run in the background thread too
    tr = _trainer(tmp_path, max_staleness=bound, dynamic_sampling=bound == 2)
    assert isinstance(tr, AsyncGRPOTrainer)
    seen = _capture_batches(tr)
    v0 = tr.sync.version
    history = tr.train()
    tr.close()
    # batch k is sampled by the weights of max(0, k - bound) updates: staleness min(k, bound)
    assert [m["staleness_max"] for m in history] == [min(k, bound) for k in range(4)]
    assert [m["policy_version"] for m in history] == [v0 + max(0, k - bound) for k in range(4)]
    assert [m["version"] for m in history] == [v0 + k + 1 for k in range(4)]
    for k, (trainer_version, collected) in enumerate(seen):
        versions = {r["policy_version"] for r in collected.records + collected.records_for_loss}
        assert versions == {v0 + max(0, k - bound)}  # every episode stamped, one version
        assert trainer_version - min(versions) <= bound
    assert all(m["recollected_batches"] == 0 for m in history)
    # the sync check runs on the on-policy first batch; later batches log the drift instead
    assert "logprob_gap_mean" in history[0] and history[0]["logprob_gap_mean"] < 1e-3
    assert all("policy_drift_mean" in m and "logprob_gap_mean" not in m for m in history[1:])


def test_a_seeded_async_run_repeats_and_resumes_exactly(tmp_path):
    a = _trainer(tmp_path, "a")
    ha = a.train()
    a.close()
    b = _trainer(tmp_path, "b")
    hb = b.train()
    b.close()
    assert _values(ha) == _values(hb)
    pa, pb = _params(a.model), _params(b.model)
    assert all(torch.equal(pa[n], pb[n]) for n in pa)
    # 2 steps, checkpoint (with the queued batches' snapshots), a new trainer resumes to 4
    c = _trainer(tmp_path, "c")
    c.train(steps=2)
    c.close()
    d = _trainer(tmp_path, "c", resume=True)
    hd = d.train()
    d.close()
    assert _values(hd[-2:]) == _values(ha[-2:])
    pd = _params(d.model)
    assert all(torch.equal(pa[n], pd[n]) for n in pa)


def test_the_loss_corrects_with_the_samplers_log_probs_of_the_older_weights(tmp_path,
                                                                             monkeypatch):
    tr = _trainer(tmp_path, steps=4)
    w0 = copy.deepcopy(tr.model)  # the weights that sample batches 0 and 1
    batches, loss_args = {}, {}
    score = tr.score

    def spy_score(batch):
        score(batch)
        batches[tr.step] = batch
    tr.score = spy_score
    real_loss = trainer_module.policy_loss

    def spy_loss(logp, old_logp, advantages, mask, settings, **kw):
        loss_args.setdefault(tr.step, []).append(kw["sampler_logp"])
        return real_loss(logp, old_logp, advantages, mask, settings, **kw)
    monkeypatch.setattr(trainer_module, "policy_loss", spy_loss)
    history = tr.train()
    tr.close()
    stale = batches[1]  # sampled by W_0, trained at W_1 (update 0 had a signal)
    assert history[0]["skipped_update"] == 0.0
    mask = stale.loss_mask > 0
    with torch.no_grad():
        by_w0, _ = token_logprobs(w0, stale.input_ids, stale.attention_mask)
    assert torch.allclose(stale.sampler_logp[mask], by_w0[mask], atol=1e-5)
    drift = (stale.old_logp - stale.sampler_logp)[mask].abs()
    assert float(drift.max()) > 1e-3  # off-policy: the IS weight exp(old - sampler) != 1
    # every micro-batch of every stale step that updated got its rows' sampler log-probs
    updated = [k for k in range(1, 4) if k in loss_args]
    assert updated
    for k in updated:
        row = 0
        for s in loss_args[k]:
            assert s is not None
            assert torch.equal(s, batches[k].sampler_logp[row:row + len(s), :s.shape[1]])
            row += len(s)


def test_a_batch_over_the_bound_is_recollected_with_the_current_weights(tmp_path):
    a = _trainer(tmp_path, "r", max_staleness=2, steps=3)
    a.train()
    a.close()
    # resumed with a tighter bound: the saved batches 3 and 4 are 2 versions behind
    b = _trainer(tmp_path, "r", max_staleness=1, steps=5, resume=True)
    history = b.train()
    b.close()
    assert [m["recollected_batches"] for m in history] == [1, 1]
    assert all(m["staleness_max"] <= 1 for m in history)


def test_sync_stays_the_default_and_stamps_the_current_version(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path), model, tok,
                     envs={"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()})
    assert type(tr) is GRPOTrainer and isinstance(tr.sync, IdentitySync)
    seen = _capture_batches(tr)
    history = tr.train()
    tr.close()
    assert all({r["policy_version"] for r in c.records} == {v} for v, c in seen)
    assert not any("staleness_max" in m for m in history)


def test_async_refuses_a_shared_generator_and_timing_dependent_settings(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    with pytest.raises(ValueError, match="generator with its own weights"):
        GRPOTrainer(_cfg(tmp_path, async_collection=True), model, tok,
                    envs={"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()},
                    generator=lambda m, t: HFGenerator(m, t, IdentitySync()))
    with pytest.raises(ValueError, match="curriculum"):
        GRPOConfig(async_collection=True, curriculum=True)
    with pytest.raises(ValueError, match="max_staleness=0"):
        GRPOConfig(async_collection=True, max_staleness=0)


def test_an_evaluation_mid_training_does_not_change_the_run(tmp_path):
    a = _trainer(tmp_path, "plain")
    a.train()
    a.close()
    b = _trainer(tmp_path, "evaluated")
    b.train(steps=2)  # batches 2 and 3 are queued with their snapshots
    b.evaluate(4)  # waits for the thread, evaluates the current weights on the generator
    b.train()
    b.close()
    pa, pb = _params(a.model), _params(b.model)
    assert all(torch.equal(pa[n], pb[n]) for n in pa)
