"""Rows of a training batch: episodes split into segments weigh as one, micro-batches keep
episodes whole and trim their padding, and the chunked log-probs equal the plain formula."""

import copy

import pytest
import torch

from agents.collector import _segments
from agents.grpo.batch import TrainBatch, build_batch, selective_logprobs
from tests.test_grpo_trainer import _trainer


def _batch(episode: list[int], lengths: list[int]) -> TrainBatch:
    n, width = len(episode), max(lengths)
    attn = (torch.arange(width)[None] < torch.tensor(lengths)[:, None]).long()
    ids = torch.arange(n * width).view(n, width) * attn
    loss = attn[:, 1:].float()
    return TrainBatch(ids, attn, loss, -loss, torch.ones(n), torch.tensor(episode))


def test_micro_batches_never_split_an_episode():
    b = _batch([0, 1, 1, 1, 2, 3, 3, 4], [3] * 8)
    ranges = [(r.start, r.stop) for r in b.micro_batch_rows(2)]
    # episode 1 (3 rows) exceeds the size: alone; the others pack up to 2 rows
    assert ranges == [(0, 1), (1, 4), (4, 5), (5, 7), (7, 8)]
    assert [(r.start, r.stop) for r in b.micro_batch_rows(4)] == [(0, 4), (4, 8)]
    assert [(r.start, r.stop) for r in b.micro_batch_rows(100)] == [(0, 8)]
    single = _batch(list(range(5)), [3] * 5)  # one row per episode: plain slices
    assert [(r.start, r.stop) for r in single.micro_batch_rows(2)] == [(0, 2), (2, 4), (4, 5)]
    with pytest.raises(ValueError, match="rows are not contiguous"):
        _batch([0, 1, 0], [3] * 3).micro_batch_rows(2)


def test_a_trimmed_micro_batch_is_as_wide_as_its_widest_row():
    b = _batch([0, 1, 2, 3], [9, 4, 3, 5])
    b.old_logp = torch.randn(4, 8)
    mbs = list(b.micro_batches(2, trim=True))
    assert [tuple(m.input_ids.shape) for m in mbs] == [(2, 9), (2, 5)]
    assert [tuple(m.old_logp.shape) for m in mbs] == [(2, 8), (2, 4)]
    assert torch.equal(mbs[1].input_ids, b.input_ids[2:, :5])
    assert torch.equal(mbs[1].loss_mask, b.loss_mask[2:, :4])
    assert mbs[1].loss_mask.sum() == b.loss_mask[2:].sum()  # only padding was cut
    assert [m.input_ids.shape[1] for m in b.micro_batches(2)] == [9, 9]  # trim off: as before


# ---- log-probs -------------------------------------------------------------------------------

def _plain(logits, targets, temperature):
    """The formula the chunked pass replaces: a full float32 log-softmax (and its entropy)."""
    x = logits[:, :-1].float()
    if temperature != 1.0:
        x = x / temperature
    lp_all = torch.log_softmax(x, dim=-1)
    return (lp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1),
            -(lp_all.exp() * lp_all).sum(-1))


@pytest.mark.parametrize("chunk_bytes", [1 << 26, 3 * 50 * 4, 50 * 4])  # all; 3 pos; 1 pos
@pytest.mark.parametrize("temperature", [1.0, 0.7])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_chunked_logprobs_equal_the_full_log_softmax(chunk_bytes, temperature, dtype):
    g = torch.Generator().manual_seed(0)
    R, T, V = 3, 8, 50
    base = (3 * torch.randn(R, T + 1, V, generator=g)).to(dtype)
    targets = torch.randint(0, V, (R, T), generator=g)
    upstream = torch.randn(R, T, generator=g)

    a = base.clone().requires_grad_()
    lp_a, ent_a = _plain(a, targets, temperature)
    (lp_a * upstream).sum().backward()
    b = base.clone().requires_grad_()
    lp_b, ent_b = selective_logprobs(b, targets, temperature, with_entropy=True,
                                     chunk_bytes=chunk_bytes)
    (lp_b * upstream).sum().backward()

    assert lp_b.dtype == torch.float32 and lp_b.shape == (R, T)
    assert torch.allclose(lp_b, lp_a, atol=1e-5, rtol=0)
    assert torch.allclose(ent_b, ent_a.detach(), atol=1e-5, rtol=0)
    assert not ent_b.requires_grad
    assert b.grad.dtype == dtype and torch.all(b.grad[:, -1] == 0)
    assert torch.allclose(b.grad.float(), a.grad.float(), atol=1e-6, rtol=0)
    assert torch.equal(lp_b, lp_a.detach()) and torch.equal(b.grad, a.grad)  # same ops, rows


# ---- the trainer: an episode in k segments trains as the same episode in one row -------------

def _split_into_turn_segments(records):
    """What the collector records when the chat template rewrote history before every turn:
    one row per turn, each the turn's whole prompt + its completion."""
    out = copy.deepcopy(records)
    for rec in out:
        turns = rec["turns"]
        rec["segments"] = _segments(turns, [{"turn": t["turn"]} for t in turns[1:]])
        rec["prefix_mismatch"] = len(rec["segments"]) > 1
    return out


@pytest.mark.parametrize("knobs", [
    {"aggregation": "seq_mean_token_mean"},
    {"aggregation": "seq_sum_over_constant", "max_tokens_constant": 6},
    {"aggregation": "seq_mean_token_mean", "importance_sampling_level": "sequence"},
    {"aggregation": "token_mean", "is_correction": "sequence_truncate", "is_cap": 1.05},
    {"aggregation": "token_mean", "trim_micro_batches": True},
])
def test_segmented_episodes_give_the_gradient_of_whole_ones(tmp_path, knobs):
    tr = _trainer(tmp_path, **knobs)
    records, _ = tr.collect(0)
    groups, _, _, _ = tr.rewards_and_advantages(records)
    whole = [r for g in groups for r in g]
    split = _split_into_turn_segments(whole)
    assert sum(len(r["segments"]) > 1 for r in split) >= 2  # several 2-turn episodes
    adv = [((i % 3) - 1.0) for i in range(len(whole))]
    pad = tr.tok.pad_token_id

    # off-policy, so that ratios and sequence-level terms are not all 1: noise on old and
    # sampler log-probs by (episode, position), the same for a token in a segment row
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(2, len(whole), 256, generator=g)

    def grads(records, micro_batch_size):
        batch = build_batch(records, adv, pad_token_id=pad)
        tr.score(batch)
        T = batch.old_logp.shape[1]
        batch.old_logp = batch.old_logp + 0.05 * noise[0, batch.episode, :T]
        batch.sampler_logp = batch.old_logp + 0.02 * noise[1, batch.episode, :T]
        tr.model.zero_grad(set_to_none=True)
        sums = tr.accumulate_gradients(batch, micro_batch_size)
        return batch, sums, [p.grad.clone() for p in tr.model.parameters()]

    b_whole, s_whole, g_whole = grads(whole, 64)
    b_split, _, g_split = grads(split, 64)
    assert b_split.num_rows > b_whole.num_rows
    assert b_split.num_loss_tokens == b_whole.num_loss_tokens
    for size in (64, 3, 1):  # any split of the rows (episodes whole) gives the same gradient
        _, s, g = grads(split, size)
        assert s["loss"] == pytest.approx(s_whole["loss"], rel=1e-5, abs=1e-7)
        assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(g_whole, g))
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(g_whole, g_split))


def test_trimmed_micro_batches_give_the_same_old_logprobs_and_gradient(tmp_path):
    out = []
    for trim in (False, True):
        tr = _trainer(tmp_path / str(trim), trim_micro_batches=trim, max_turns=3,
                      max_new_tokens=6)
        records, _ = tr.collect(0)
        batch = build_batch(records, [((i % 3) - 1.0) for i in range(len(records))],
                            pad_token_id=tr.tok.pad_token_id)
        tr.score(batch)
        tr.model.zero_grad(set_to_none=True)
        tr.accumulate_gradients(batch, 3)
        out.append((batch, [p.grad.clone() for p in tr.model.parameters()]))
    (full, g_full), (trim, g_trim) = out
    widths = {mb.input_ids.shape[1] for mb in trim.micro_batches(3, trim=True)}
    assert min(widths) < full.input_ids.shape[1]  # some micro-batch was actually cut
    on = full.loss_mask > 0
    assert torch.allclose(trim.old_logp[on], full.old_logp[on], atol=1e-6, rtol=0)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-7) for a, b in zip(g_full, g_trim))
