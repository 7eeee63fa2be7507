"""Closed-form checks of the GRPO loss module on hand-made tensors."""

import math

import pytest
import torch

from agents.grpo.loss import (
    LossSettings,
    aggregate,
    episode_total,
    group_advantages,
    kl_estimate,
    overlong_penalty,
    policy_loss,
)


def test_group_advantages_mean_std_loo_and_infra():
    r = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    adv, st = group_advantages(r, scale="none")
    assert torch.allclose(adv[0], torch.tensor([0.5, -0.5, -0.5, 0.5]))
    assert st["frac_reward_zero_std"] == 0.5 and torch.all(adv[1] == 0)
    adv, _ = group_advantages(r, scale="group")
    std = torch.tensor([1.0, 0, 0, 1]).std()
    assert torch.allclose(adv[0], torch.tensor([0.5, -0.5, -0.5, 0.5]) / (std + 1e-6))
    adv, _ = group_advantages(r[:1], scale="none", leave_one_out=True)
    assert torch.allclose(adv[0], torch.tensor([1 - 1 / 3, -2 / 3, -2 / 3, 1 - 1 / 3]))
    valid = torch.tensor([[True, True, False, True]])
    adv, _ = group_advantages(torch.tensor([[1.0, 0.0, 5.0, 1.0]]), valid, scale="none")
    assert torch.allclose(adv[0], torch.tensor([1 / 3, -2 / 3, 0.0, 1 / 3]))  # 5.0 ignored


def test_loss_value_at_ratio_one_is_minus_mean_advantage_with_gradient():
    logp = torch.tensor([[-1.0, -2.0, -3.0], [-0.5, -0.5, 0.0]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    A = torch.tensor([1.0, -2.0])
    loss, st = policy_loss(logp, logp.detach(), A, mask, LossSettings(),
                           total_tokens=5, total_sequences=2)
    assert loss.item() == pytest.approx(-(3 * 1 + 2 * -2) / 5)
    loss.backward()
    assert torch.allclose(logp.grad, -A.unsqueeze(1) * mask / 5)
    assert st["clip_low_sum"] == 0 and st["clip_high_sum"] == 0


def test_clip_fractions_and_clipped_value():
    old = torch.zeros(2, 2)
    logp = torch.log(torch.tensor([[1.5, 1.0], [0.5, 1.0]]))
    mask = torch.ones(2, 2)
    s = LossSettings(epsilon_low=0.2, epsilon_high=0.28)
    loss, st = policy_loss(logp, old, torch.tensor([1.0, -1.0]), mask, s,
                           total_tokens=4, total_sequences=2)
    assert st["clip_high_sum"] == 1 and st["clip_low_sum"] == 1
    # row 0: -min(1.5, 1.28)*1 and -1; row 1: max(0.5, 0.8) and 1
    assert loss.item() == pytest.approx((-1.28 - 1.0 + 0.8 + 1.0) / 4)


def test_gspo_sequence_ratio_is_geometric_mean():
    old = torch.zeros(1, 3)
    logp = torch.tensor([[0.1, -0.3, 0.5]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    s = LossSettings(importance_sampling_level="sequence", aggregation="seq_mean_token_mean",
                     epsilon_low=10, epsilon_high=10, is_correction="none")
    loss, st = policy_loss(logp, old, torch.tensor([1.0]), mask, s,
                           total_tokens=2, total_sequences=1)
    s_i = math.exp((0.1 - 0.3) / 2)
    assert loss.item() == pytest.approx(-s_i)
    assert float(st["ratio_sum"]) == pytest.approx(2 * s_i)
    loss.backward()  # grad of s_i = s_i * (1/|o|) on each masked token
    assert torch.allclose(logp.grad, torch.tensor([[-s_i / 2, -s_i / 2, 0.0]]))


def test_dr_grpo_normalization_and_token_mean_across_micro_batches():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
    m = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    assert aggregate(x, m, "seq_sum_over_constant", total_tokens=4, total_sequences=2,
                     max_tokens=8).item() == pytest.approx(10 / (2 * 8))
    assert aggregate(x, m, "seq_mean_token_mean", total_tokens=4,
                     total_sequences=2).item() == pytest.approx((2 + 4) / 2)
    whole = aggregate(x, m, "token_mean", total_tokens=4, total_sequences=2)
    parts = sum(aggregate(x[i:i + 1], m[i:i + 1], "token_mean", total_tokens=4,
                          total_sequences=2) for i in range(2))
    assert whole.item() == pytest.approx(10 / 4) == parts.item()


def test_k3_kl_and_overlong_penalty():
    logp = torch.tensor([-1.0, -2.0])
    assert torch.all(kl_estimate(logp, logp, "k3") == 0)
    ref = torch.tensor([-1.5, -1.0])
    d = ref - logp
    assert torch.allclose(kl_estimate(logp, ref, "k3"), torch.exp(d) - d - 1)
    assert torch.all(kl_estimate(logp, ref, "k3") >= 0)
    pen = overlong_penalty(torch.tensor([10, 14, 15, 30]), max_tokens=16, cache_tokens=4)
    assert pen.tolist() == pytest.approx([0.0, -0.5, -0.75, -1.0])


def test_tis_weight_is_truncated():
    old = torch.zeros(1, 2)
    sampler = torch.tensor([[0.0, -5.0]])  # w = exp(5) capped at 2
    loss, _ = policy_loss(old.clone(), old, torch.tensor([1.0]), torch.ones(1, 2),
                          LossSettings(is_cap=2.0), total_tokens=2, total_sequences=1,
                          sampler_logp=sampler)
    assert loss.item() == pytest.approx(-(1 + 2) / 2)


def test_dapo_overlong_limits_follow_the_generation_cap():
    from agents.grpo import GRPOConfig
    cfg = GRPOConfig(max_new_tokens=1024, max_turns=1, overlong_penalty=True)
    assert cfg.overlong_limits() == (1024, 204)
    # a full-length response is penalised -1, one well inside the cap not at all
    pen = overlong_penalty(torch.tensor([500, 1024]), *cfg.overlong_limits())
    assert pen.tolist() == pytest.approx([0.0, -1.0])
    assert GRPOConfig(max_new_tokens=8, max_turns=3).overlong_limits() == (24, 4)
    assert GRPOConfig(overlong_max_tokens=48, overlong_cache_tokens=4).overlong_limits() == (48, 4)
    with pytest.raises(ValueError, match="overlong_cache_tokens=64 exceeds L_max=48"):
        GRPOConfig(overlong_max_tokens=48, overlong_cache_tokens=64).overlong_limits()


# ---- an episode split into segments (rows) weighs as one episode ----------------------------

SPLIT_SETTINGS = [
    LossSettings(aggregation=agg, importance_sampling_level=level, is_correction=isc,
                 max_tokens=16, epsilon_low=0.1, epsilon_high=0.15, beta=beta)
    for agg in ("token_mean", "seq_mean_token_mean", "seq_sum_over_constant")
    for level in ("token", "sequence")
    for isc in ("none", "token_truncate", "sequence_truncate")
    for beta in (0.0, 0.1)
]


def _episode_tensors(T: int = 7):
    """Two episodes of T token slots: episode 0 with generated tokens at slots 1-2 and 4-6
    (two turns, an env token between), episode 1 at slots 2-5; a bit off-policy."""
    g = torch.Generator().manual_seed(0)
    logp = (-torch.rand(2, T, generator=g) * 2).requires_grad_()
    old = logp.detach() + 0.3 * torch.randn(2, T, generator=g)
    sampler = old + 0.2 * torch.randn(2, T, generator=g)
    ref = old + 0.1 * torch.randn(2, T, generator=g)
    mask = torch.tensor([[0, 1, 1, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1, 0]], dtype=torch.float32)
    return logp, old, sampler, ref, mask, torch.tensor([1.5, -0.7])


def _loss(logp, old, sampler, ref, mask, adv, s, episode):
    # the step's normalisers: 8 loss tokens, 2 episodes (whatever rows this call holds)
    return policy_loss(logp, old, adv, mask, s, total_tokens=8.0, total_sequences=2,
                       sampler_logp=sampler, ref_logp=ref, episode=episode)[0]


@pytest.mark.parametrize("s", SPLIT_SETTINGS, ids=lambda s: f"{s.aggregation}-"
                         f"{s.importance_sampling_level}-{s.is_correction}-b{s.beta}")
def test_an_episode_split_into_segments_gives_the_loss_and_gradient_of_one_row(s):
    logp, old, sampler, ref, mask, adv = _episode_tensors()
    whole = _loss(logp, old, sampler, ref, mask, adv, s, episode=None)
    (g_whole,) = torch.autograd.grad(whole, logp)

    # episode 0 as 3 rows (turn 1; turn 2's first token; the rest), each the whole prefix
    # with its own tokens' mask, as the collector's segments are; then episode 1
    rows = [0, 0, 0, 1]
    seg_mask = torch.stack([torch.tensor([0, 1, 1, 0, 0, 0, 0.0]),
                            torch.tensor([0, 0, 0, 0, 1, 0, 0.0]),
                            torch.tensor([0, 0, 0, 0, 0, 1, 1.0]), mask[1]])
    assert torch.equal(seg_mask[:3].sum(0), mask[0])  # no loss token counted twice
    episode = torch.tensor(rows)
    split = _loss(logp[rows], old[rows], sampler[rows], ref[rows], seg_mask, adv[rows], s,
                  episode)
    (g_split,) = torch.autograd.grad(split, logp)
    assert split.item() == pytest.approx(whole.item(), rel=1e-6, abs=1e-7)
    assert torch.allclose(g_split, g_whole, rtol=1e-5, atol=1e-7)

    # micro-batches of whole episodes: the shares add up to the same loss and gradient
    parts = [_loss(logp[r], old[r], sampler[r], ref[r], seg_mask[k], adv[r], s, episode[k])
             for k, r in ((slice(0, 3), rows[:3]), (slice(3, 4), rows[3:]))]
    (g_parts,) = torch.autograd.grad(sum(parts), logp)
    assert sum(p.item() for p in parts) == pytest.approx(whole.item(), rel=1e-6, abs=1e-7)
    assert torch.allclose(g_parts, g_whole, rtol=1e-5, atol=1e-7)


def test_without_episode_ids_each_segment_counts_as_a_sequence():
    """The bug the episode ids fix: three segment rows weighed as three sequences."""
    logp, old, sampler, ref, mask, adv = _episode_tensors()
    s = LossSettings(aggregation="seq_mean_token_mean", is_correction="none")
    whole = _loss(logp, old, sampler, ref, mask, adv, s, episode=None).item()
    rows = [0, 0, 0, 1]
    seg_mask = torch.stack([torch.tensor([0, 1, 1, 0, 0, 0, 0.0]),
                            torch.tensor([0, 0, 0, 0, 1, 0, 0.0]),
                            torch.tensor([0, 0, 0, 0, 0, 1, 1.0]), mask[1]])
    rowwise = _loss(logp[rows], old[rows], sampler[rows], ref[rows], seg_mask, adv[rows], s,
                    episode=None).item()
    assert rowwise != pytest.approx(whole)
    # at ratio 1 each row is -A: episode 0 (A=1.5) weighs 3 rows, episode 1 (A=-0.7) one
    at_one = _loss(old[rows].clone(), old[rows], None, None, seg_mask, adv[rows], s, None)
    assert at_one.item() == pytest.approx(-(3 * 1.5 - 0.7) / 2)
    at_one = _loss(old[rows].clone(), old[rows], None, None, seg_mask, adv[rows], s,
                   torch.tensor(rows))
    assert at_one.item() == pytest.approx(-(1.5 - 0.7) / 2)


def test_episode_total_sums_rows_of_each_episode():
    x = torch.tensor([1.0, 2.0, 4.0, 8.0])
    assert episode_total(x, torch.tensor([5, 5, 9, 9])).tolist() == [3, 3, 12, 12]
    assert episode_total(x, torch.tensor([0, 1, 1, 1])).tolist() == [1, 14, 14, 14]
    assert episode_total(x, None) is x
