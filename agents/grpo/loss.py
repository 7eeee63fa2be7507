"""GRPO: advantages and the policy loss, in the papers' order and names.

Read top to bottom against the equations (x = prompt, o_i = the i-th of G sampled episodes,
o_{i,t} its t-th *generated* token; environment and template tokens have loss mask 0). An
episode whose chat template rewrote history is several rows (its `segments`, `episode` maps
rows to episodes); o_i is still the episode: t runs over its generated tokens in all its rows
and |o_i| counts them all, so a split episode weighs exactly as the unsplit one in 3., 5., 7.

1. Reward shaping (DAPO, arXiv 2503.14476, Eq. 13): the soft overlong penalty
   R_length(|o|) = 0 if |o| <= L_max - L_cache; (L_max - L_cache - |o|) / L_cache inside the
   cache; -1 beyond L_max (times `factor`).
2. Group advantages (GRPO, arXiv 2402.03300, Eq. 3 outcome supervision):
   A_i = (r_i - mean(r)) / std(r). Dr. GRPO (arXiv 2503.20783) drops the std (`scale="none"`);
   Lite-PPO/TRL "batch" uses the std of the whole batch. Leave-one-out (RLOO) uses the mean of
   the other G-1 rewards as the baseline. Episodes that failed for infra reasons are `valid=0`:
   they leave the baseline and get A = 0.
3. Importance ratio per token r_{i,t} = pi_theta(o_{i,t}) / pi_old(o_{i,t}); GSPO (arXiv
   2507.18071, Eq. 7) replaces it by the sequence ratio s_i = exp((1/|o_i|) sum_t log r_{i,t}),
   used in its "GSPO-token" form sg[s_i] * pi_theta / sg[pi_theta] so its value is s_i on
   every token and its gradient is grad s_i under per-sequence mean aggregation.
4. Clipped surrogate (PPO; DAPO clip-higher): L_{i,t} = -min(r A, clip(r, 1-eps_low, 1+eps_high) A).
5. Truncated importance sampling (TIS) against the sampler (vLLM/HF generate) log-probs:
   w_{i,t} = min(pi_old / pi_sampler, C), detached, multiplies L_{i,t}; per sequence, the
   same w_i = min(prod_t pi_old / pi_sampler, C) on every token of o_i.
6. KL to a reference (GRPO Eq. 4 uses k3): with d = log pi_ref - log pi_theta,
   k1 = -d, k2 = d^2 / 2, k3 = exp(d) - d - 1; added as beta * KL_{i,t}.
7. Aggregation over the optimizer step (all micro-batches together; the normaliser is passed in):
   token_mean:            sum_{i,t} L / (total loss tokens in the step)      (DAPO, verl default)
   seq_mean_token_mean:   sum_i (1/|o_i|) sum_t L / (total episodes)         (GRPO)
   seq_sum_over_constant: sum_{i,t} L / (total episodes * L_max)             (Dr. GRPO)
   ("total episodes" counts those with at least one loss token.) The per-episode sums in 3., 5.
   and 7. need all rows of an episode in one call: micro-batches never split an episode.

Everything here is a pure function of tensors; the trainer owns models and data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

ScaleRewards = Literal["group", "batch", "none"]
Aggregation = Literal["token_mean", "seq_mean_token_mean", "seq_sum_over_constant"]
ImportanceLevel = Literal["token", "sequence"]
KLEstimator = Literal["k1", "k2", "k3"]
ISCorrection = Literal["none", "token_truncate", "sequence_truncate"]


@dataclass(frozen=True)
class LossSettings:
    """The knobs of `policy_loss` (the trainer copies them from `GRPOConfig`)."""

    epsilon_low: float = 0.2
    epsilon_high: float = 0.2
    importance_sampling_level: ImportanceLevel = "token"
    aggregation: Aggregation = "token_mean"
    max_tokens: int | None = None  # L_max of seq_sum_over_constant
    beta: float = 0.0
    kl_estimator: KLEstimator = "k3"
    is_correction: ISCorrection = "token_truncate"
    is_cap: float = 2.0


# ---- 1. reward shaping ------------------------------------------------------------------------

def overlong_penalty(lengths: Tensor, max_tokens: int, cache_tokens: int,
                     factor: float = 1.0) -> Tensor:
    """DAPO's soft overlong punishment for generated lengths |o| (a reward term, <= 0)."""
    lengths = lengths.to(torch.float64)
    start = max_tokens - cache_tokens
    inside = (start - lengths) / max(cache_tokens, 1)
    penalty = torch.where(lengths <= start, torch.zeros_like(lengths),
                          torch.where(lengths <= max_tokens, inside, -torch.ones_like(lengths)))
    return penalty * factor


# ---- 2. group advantages ----------------------------------------------------------------------

def group_advantages(rewards: Tensor, valid: Tensor | None = None, *,
                     scale: ScaleRewards = "group", leave_one_out: bool = False,
                     eps: float = 1e-6) -> tuple[Tensor, dict[str, float]]:
    """Advantages for `rewards` of shape (num_groups, G); `valid` (same shape, bool) marks
    episodes that count (False: infra error, excluded from the baseline, advantage 0).

    Returns (advantages, stats) with stats `frac_reward_zero_std` (groups whose valid rewards
    are all equal: no learning signal) and `reward_std` (std over valid rewards of the batch).
    The std is the unbiased one (torch's default, as in TRL).
    """
    r = rewards.to(torch.float64)
    v = torch.ones_like(r, dtype=torch.bool) if valid is None else valid.to(torch.bool)
    vf = v.to(r.dtype)
    n = vf.sum(dim=1, keepdim=True)
    total = (r * vf).sum(dim=1, keepdim=True)
    mean = total / n.clamp(min=1)
    if leave_one_out:
        baseline = (total - r) / (n - 1).clamp(min=1)
    else:
        baseline = mean
    adv = (r - baseline) * vf
    dev = (r - mean) * vf
    group_std = torch.sqrt((dev**2).sum(dim=1, keepdim=True) / (n - 1).clamp(min=1))
    zero_std = (group_std.squeeze(1) < eps) & (n.squeeze(1) > 0)
    flat = r[v]
    batch_std = flat.std() if flat.numel() > 1 else torch.zeros((), dtype=r.dtype)
    if scale == "group":
        adv = adv / (group_std + eps)
    elif scale == "batch":
        adv = adv / (batch_std + eps)
    elif scale != "none":
        raise ValueError(f"scale must be 'group', 'batch' or 'none', got {scale!r}")
    adv = torch.where(zero_std.unsqueeze(1), torch.zeros_like(adv), adv) * vf
    groups = max(int((n.squeeze(1) > 0).sum()), 1)
    stats = {"frac_reward_zero_std": float(zero_std.sum()) / groups,
             "reward_std": float(batch_std)}
    return adv.to(rewards.dtype if rewards.is_floating_point() else torch.float32), stats


# ---- 3.-7. the policy loss ----------------------------------------------------------------------

def masked_sum(x: Tensor, mask: Tensor, dim: int | None = None) -> Tensor:
    """Sum of x where mask is 1 (mask positions never leak NaN/inf from x)."""
    x = torch.where(mask > 0, x, torch.zeros_like(x))
    return x.sum() if dim is None else x.sum(dim=dim)


def episode_total(per_row: Tensor, episode: Tensor | None) -> Tensor:
    """Each row's value summed over every row of its episode, repeated on each of those rows
    (rows with the same `episode` id); `episode=None` means one row per episode (identity)."""
    if episode is None or per_row.numel() == 0:
        return per_row
    _, row_to_ep = torch.unique(episode, return_inverse=True)
    totals = per_row.new_zeros(int(row_to_ep.max()) + 1).index_add(0, row_to_ep, per_row)
    return totals[row_to_ep]


def kl_estimate(logp: Tensor, ref_logp: Tensor, estimator: KLEstimator = "k3") -> Tensor:
    """Per-token estimate of KL(pi_theta || pi_ref) from samples of pi_theta (Schulman)."""
    d = ref_logp - logp
    if estimator == "k1":
        return -d
    if estimator == "k2":
        return 0.5 * d**2
    if estimator == "k3":
        d = d.clamp(-20.0, 20.0)  # exp overflow guard (verl clamps the same way)
        return (torch.exp(d) - d - 1.0).clamp(-10.0, 10.0)
    raise ValueError(f"kl_estimator must be k1, k2 or k3, got {estimator!r}")


def aggregate(per_token: Tensor, mask: Tensor, mode: Aggregation, *, total_tokens: float,
              total_sequences: float, max_tokens: int | None = None,
              episode: Tensor | None = None) -> Tensor:
    """This micro-batch's share of the step loss; summing the shares of every micro-batch
    gives the loss of the whole step, whatever the split (the normalisers are global).
    `total_sequences` counts episodes; `episode` (B,) maps rows to them (None: one row each)."""
    if mode == "token_mean":
        return masked_sum(per_token, mask) / max(total_tokens, 1.0)
    if mode == "seq_mean_token_mean":
        # each row's sum / |o_i| of its whole episode: an episode's rows add up to its mean
        episode_tokens = episode_total(mask.sum(dim=1), episode).clamp(min=1)
        per_seq = masked_sum(per_token, mask, dim=1) / episode_tokens
        return per_seq.sum() / max(total_sequences, 1.0)
    if mode == "seq_sum_over_constant":
        if not max_tokens:
            raise ValueError("seq_sum_over_constant (Dr. GRPO) needs max_tokens, the constant "
                             "L_max (normally the episode's generated-token budget)")
        return masked_sum(per_token, mask) / (max(total_sequences, 1.0) * max_tokens)
    raise ValueError(f"unknown aggregation {mode!r}; use token_mean, seq_mean_token_mean "
                     "or seq_sum_over_constant")


def policy_loss(logp: Tensor, old_logp: Tensor, advantages: Tensor, mask: Tensor,
                settings: LossSettings, *, total_tokens: float, total_sequences: float,
                sampler_logp: Tensor | None = None, ref_logp: Tensor | None = None,
                episode: Tensor | None = None) -> tuple[Tensor, dict[str, Tensor]]:
    """The clipped GRPO/DAPO/GSPO loss of one micro-batch.

    logp, old_logp, sampler_logp, ref_logp, mask: (B, T), one slot per target token (mask 1
    on generated tokens); advantages: (B,), one per row (its episode's); episode: (B,) row ->
    episode id (None: each row is an episode), every row of an episode in this micro-batch.
    `total_tokens` and `total_sequences` (episodes with a loss token) count the whole
    optimizer step (every micro-batch). Returns the loss share and detached
    per-micro-batch sums for metrics (`*_sum` over masked tokens).
    """
    s = settings
    mask = mask.to(logp.dtype)
    old_logp = old_logp.detach()
    A = advantages.to(logp.dtype).unsqueeze(1)

    # 3. importance ratio: per token, or GSPO's per sequence (length-normalised)
    log_ratio = logp - old_logp
    if s.importance_sampling_level == "sequence":
        seq_log_ratio = (episode_total(masked_sum(log_ratio, mask, dim=1), episode)
                         / episode_total(mask.sum(dim=1), episode).clamp(min=1))
        log_ratio = logp - logp.detach() + seq_log_ratio.detach().unsqueeze(1)
    elif s.importance_sampling_level != "token":
        raise ValueError(f"importance_sampling_level must be token or sequence, "
                         f"got {s.importance_sampling_level!r}")
    ratio = torch.exp(log_ratio.clamp(max=20.0))

    # 4. clipped surrogate
    unclipped = -A * ratio
    clipped = -A * ratio.clamp(1.0 - s.epsilon_low, 1.0 + s.epsilon_high)
    per_token = torch.maximum(unclipped, clipped)

    # 5. truncated importance sampling against the sampler's log-probs
    if s.is_correction != "none" and sampler_logp is not None:
        is_log = old_logp - sampler_logp.detach()
        if s.is_correction == "sequence_truncate":
            is_log = episode_total(masked_sum(is_log, mask, dim=1), episode)
            is_log = is_log.unsqueeze(1).expand_as(old_logp)
        w = torch.exp(is_log.clamp(max=20.0)).clamp(max=s.is_cap)
        per_token = per_token * w

    # 6. KL to the reference
    kl = None
    if s.beta != 0.0:
        if ref_logp is None:
            raise ValueError("beta != 0 needs ref_logp (the trainer loads a reference model)")
        kl = kl_estimate(logp, ref_logp.detach(), s.kl_estimator)
        per_token = per_token + s.beta * kl

    # 7. aggregation with the step's global normalisers
    loss = aggregate(per_token, mask, s.aggregation, total_tokens=total_tokens,
                     total_sequences=total_sequences, max_tokens=s.max_tokens,
                     episode=episode)

    with torch.no_grad():
        r = ratio.detach()
        stats = {
            "tokens": mask.sum(),
            "clip_low_sum": masked_sum(((r < 1 - s.epsilon_low) & (A < 0)).to(mask.dtype), mask),
            "clip_high_sum": masked_sum(((r > 1 + s.epsilon_high) & (A > 0)).to(mask.dtype),
                                        mask),
            "ratio_sum": masked_sum(r, mask),
            "kl_sum": masked_sum(kl.detach(), mask) if kl is not None else torch.zeros(()),
        }
    return loss, stats
