"""Closed-form checks of the GRPO loss module on hand-made tensors."""

import math

import pytest
import torch

from agents.grpo.loss import (
    LossSettings,
    aggregate,
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
