"""Episodes (the collector's transcript records) -> groups -> padded training tensors.

Token ids come from generation and are never re-tokenized: each row is one `segment` of an
episode (the whole episode when every turn's prompt extended the previous one; one row per
segment when the chat template rewrote history, `prefix_mismatch`). Tensors are aligned to
*targets*: position t of `loss_mask`, `sampler_logp` holds token t+1 of `input_ids`, the
slot the logits at position t predict.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor


def group_records(records: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group episodes by task: same env, task index and reset seed (hence the same task)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["env_id"], r["task_index"], r["seed"]), []).append(r)
    return [sorted(g, key=lambda r: r["sample_index"]) for _, g in sorted(groups.items(),
                                                                         key=lambda kv: kv[0])]


def generated_tokens(record: dict[str, Any]) -> int:
    """Tokens the policy generated in the episode (all turns)."""
    return int(sum(t.get("completion_tokens") or 0 for t in record["turns"]))


@dataclass
class TrainBatch:
    """Rows of token ids with target-aligned masks, log-probs and advantages.

    input_ids, attention_mask: (R, T); loss_mask, sampler_logp, old_logp, ref_logp: (R, T-1);
    advantages: (R,) (the episode's advantage on every row of it); episode: (R,) row -> episode.
    """

    input_ids: Tensor
    attention_mask: Tensor
    loss_mask: Tensor
    sampler_logp: Tensor
    advantages: Tensor
    episode: Tensor
    has_sampler_logp: bool = True
    old_logp: Tensor | None = None
    ref_logp: Tensor | None = None

    @property
    def num_rows(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def num_loss_tokens(self) -> int:
        return int(self.loss_mask.sum())

    def select(self, rows: slice | Tensor) -> TrainBatch:
        """A micro-batch of these rows."""
        def take(x: Tensor | None) -> Tensor | None:
            return None if x is None else x[rows]
        return TrainBatch(self.input_ids[rows], self.attention_mask[rows], self.loss_mask[rows],
                          self.sampler_logp[rows], self.advantages[rows], self.episode[rows],
                          self.has_sampler_logp, take(self.old_logp), take(self.ref_logp))

    def to(self, device: torch.device | str) -> TrainBatch:
        """These rows on `device` (tensors already there are reused, not copied)."""
        def move(x: Tensor | None) -> Tensor | None:
            return None if x is None else x.to(device)
        return TrainBatch(self.input_ids.to(device), self.attention_mask.to(device),
                          self.loss_mask.to(device), self.sampler_logp.to(device),
                          self.advantages.to(device), self.episode.to(device),
                          self.has_sampler_logp, move(self.old_logp), move(self.ref_logp))

    def trimmed(self) -> TrainBatch:
        """These rows without the padding columns that none of them uses (the trailing ones)."""
        used = self.attention_mask.any(dim=0).nonzero()
        width = int(used.max()) + 1 if used.numel() else 1
        if width == self.input_ids.shape[1]:
            return self
        cut = slice(0, width - 1)

        def trim(x: Tensor | None) -> Tensor | None:
            return None if x is None else x[:, cut]
        return TrainBatch(self.input_ids[:, :width], self.attention_mask[:, :width],
                          self.loss_mask[:, cut], self.sampler_logp[:, cut], self.advantages,
                          self.episode, self.has_sampler_logp, trim(self.old_logp),
                          trim(self.ref_logp))

    def micro_batch_rows(self, size: int) -> list[slice]:
        """Row ranges of at most `size` rows that never split an episode (its rows are
        contiguous), so per-episode sums (GSPO's ratio, sequence TIS, per-episode means) are
        whole in every micro-batch; an episode of more than `size` rows is one range alone."""
        ep = self.episode.tolist()
        runs = sum(1 for k in range(len(ep)) if k == 0 or ep[k] != ep[k - 1])
        if runs != len(set(ep)):
            raise ValueError("an episode's rows are not contiguous in this batch; select rows "
                             "episode by episode (whole episodes, their rows in order)")
        n, out, start = len(ep), [], 0
        while start < n:
            end = min(start + size, n)
            if end < n and ep[end] == ep[end - 1]:  # `end` would cut an episode: move back
                first = end - 1
                while first > start and ep[first - 1] == ep[end]:
                    first -= 1
                end = first
                if end == start:  # the episode alone exceeds `size`: take all of its rows
                    while end < n and ep[end] == ep[start]:
                        end += 1
            out.append(slice(start, end))
            start = end
        return out

    def micro_batches(self, size: int, trim: bool = False) -> Iterator[TrainBatch]:
        """Micro-batches of whole episodes (`micro_batch_rows`); with `trim`, each cut to its
        own widest row, so padding columns none of its rows uses are never computed."""
        for rows in self.micro_batch_rows(size):
            mb = self.select(rows)
            yield mb.trimmed() if trim else mb


def cut_at_length(rec: dict[str, Any]) -> bool:
    """Whether a length limit cut the episode's generation: a turn stopped at
    `max_new_tokens` (`finish_reason="length"`) or the episode's token budget ran out. DAPO's
    overlong filtering masks these (their reward says nothing about the answer); an episode
    that ran out of turns or that the env truncated is a failure and keeps its signal."""
    return rec.get("end_reason") == "token_budget" or any(
        t.get("finish_reason") == "length" for t in rec.get("turns") or [])


def build_batch(records: Sequence[dict[str, Any]], advantages: Sequence[float], *,
                pad_token_id: int, mask_truncated: bool = False,
                on_prefix_mismatch: str = "split") -> TrainBatch:
    """Rows for `records` (episode i gets `advantages[i]` on every generated token).

    Loss mask is 1 only on generated tokens; episodes with an infra error, and those whose
    generation a length limit cut (`cut_at_length`) when `mask_truncated`, keep their rows but
    with an all-zero mask.
    """
    rows: list[tuple[list[int], list[int], list[float] | None, float, int]] = []
    for i, (rec, adv) in enumerate(zip(records, advantages, strict=True)):
        if rec.get("prefix_mismatch") and on_prefix_mismatch == "error":
            raise ValueError(
                f"episode {rec['episode']}: the chat template rewrote earlier turns (at "
                f"{rec['prefix_mismatch_at']}); its tokens no longer extend the previous "
                "prompt. Use a prefix-preserving template, or on_prefix_mismatch='split' "
                "to train on the segments")
        segments = rec.get("segments") or []
        if not segments and rec.get("infra_error") is None and rec.get("turns"):
            raise ValueError(f"episode {rec['episode']} has no token ids: the policy "
                             f"{rec.get('agent')!r} is not learning-capable (returns_token_ids)")
        off = rec.get("infra_error") is not None or (mask_truncated and cut_at_length(rec))
        for seg in segments:
            mask = [0] * len(seg["loss_mask"]) if off else list(seg["loss_mask"])
            rows.append((list(seg["token_ids"]), mask, seg["logprobs"], float(adv), i))
    width = max((len(r[0]) for r in rows), default=1)
    n = len(rows)
    ids = torch.full((n, width), pad_token_id, dtype=torch.long)
    attn = torch.zeros((n, width), dtype=torch.long)
    loss_mask = torch.zeros((n, max(width - 1, 0)))
    samp = torch.zeros((n, max(width - 1, 0)))
    has_lp = True
    for k, (tok, mask, lps, _, _) in enumerate(rows):
        L = len(tok)
        ids[k, :L] = torch.tensor(tok, dtype=torch.long)
        attn[k, :L] = 1
        loss_mask[k, :L - 1] = torch.tensor(mask[1:], dtype=torch.float32)
        if lps is None:
            has_lp = False
        else:
            samp[k, :L - 1] = torch.tensor(lps[1:], dtype=torch.float32)
    return TrainBatch(ids, attn, loss_mask, samp,
                      torch.tensor([r[3] for r in rows], dtype=torch.float32),
                      torch.tensor([r[4] for r in rows], dtype=torch.long), has_lp)


# Bytes of float32 log-probs one chunk of the log-prob pass holds: the pass never builds the
# whole (R, T, V) float32 log-softmax (about 20 GB for 8 x 4k tokens of a 152k vocabulary).
LOGPROB_CHUNK_BYTES = 1 << 26


def _chunks(rows: int, positions: int, vocab: int, chunk_bytes: int
            ) -> list[tuple[slice, slice]]:
    """(rows, positions) blocks of at most `chunk_bytes` of float32 (vocab,) vectors: several
    whole rows per block when they fit, else one row cut along its positions."""
    per_row = max(positions * vocab * 4, 1)
    if per_row <= chunk_bytes:
        step = chunk_bytes // per_row
        return [(slice(r, r + step), slice(0, positions)) for r in range(0, rows, step)]
    step = max(chunk_bytes // (vocab * 4), 1)
    return [(slice(r, r + 1), slice(p, min(p + step, positions)))
            for r in range(rows) for p in range(0, positions, step)]


def _log_softmax(logits: Tensor, temperature: float) -> Tensor:
    """The sampler's log-distribution over the vocabulary, in float32 (logits / T)."""
    logits = logits.float()
    if temperature > 0 and temperature != 1.0:
        logits = logits / temperature
    return torch.log_softmax(logits, dim=-1)


class _SelectiveLogSoftmax(torch.autograd.Function):
    """log p(target) for every position of `logits` (R, T+1, V) but the last, chunk by chunk.

    Forward keeps per chunk only the targets' log-probs (and the entropy); backward
    recomputes each chunk's log-softmax and writes its gradient into one (R, T+1, V) tensor.
    Each chunk runs the same float32 ops, row by row, as the whole-tensor formula
    `log_softmax(logits[:, :-1].float() / T).gather(targets)`, so values and gradients equal it.
    """

    @staticmethod
    def forward(ctx: Any, logits: Tensor, targets: Tensor, temperature: float,
                with_entropy: bool, chunk_bytes: int) -> tuple[Tensor, Tensor]:
        R, T = targets.shape
        blocks = _chunks(R, T, logits.shape[-1], chunk_bytes)
        logp = torch.empty((R, T), dtype=torch.float32, device=logits.device)
        entropy = torch.empty((R, T) if with_entropy else (0,), dtype=torch.float32,
                              device=logits.device)
        for rows, pos in blocks:
            lp = _log_softmax(logits[rows, pos], temperature)
            logp[rows, pos] = lp.gather(-1, targets[rows, pos].unsqueeze(-1)).squeeze(-1)
            if with_entropy:
                entropy[rows, pos] = -(lp.exp() * lp).sum(-1)
        ctx.save_for_backward(logits, targets)
        ctx.temperature, ctx.blocks = temperature, blocks
        ctx.mark_non_differentiable(entropy)
        return logp, entropy

    @staticmethod
    def backward(ctx: Any, grad_logp: Tensor, _grad_entropy: Tensor | None
                 ) -> tuple[Tensor | None, ...]:
        logits, targets = ctx.saved_tensors
        grad = torch.zeros_like(logits)
        for rows, pos in ctx.blocks:
            with torch.enable_grad():
                x = logits[rows, pos].detach().requires_grad_()
                lp = _log_softmax(x, ctx.temperature).gather(
                    -1, targets[rows, pos].unsqueeze(-1)).squeeze(-1)
                (grad[rows, pos],) = torch.autograd.grad(lp, x, grad_logp[rows, pos])
        return grad, None, None, None, None


def selective_logprobs(logits: Tensor, targets: Tensor, temperature: float = 1.0,
                       with_entropy: bool = False, chunk_bytes: int = LOGPROB_CHUNK_BYTES
                       ) -> tuple[Tensor, Tensor | None]:
    """log softmax(logits[:, t] / T)[targets[:, t]] for logits (R, T+1, V) (the last position
    predicts nothing) and targets (R, T): float32, (R, T), differentiable; and the entropy of
    each position's distribution when asked (detached). Peak extra memory is one chunk of
    `chunk_bytes`, not a float32 copy of the logits (plus their gradient in backward)."""
    logp, entropy = _SelectiveLogSoftmax.apply(logits, targets, temperature, with_entropy,
                                               chunk_bytes)
    return logp, entropy if with_entropy else None


def token_logprobs(model: Any, input_ids: Tensor, attention_mask: Tensor,
                   with_entropy: bool = False, temperature: float = 1.0
                   ) -> tuple[Tensor, Tensor | None]:
    """log pi(token t+1 | tokens <= t) for every position, shape (R, T-1), float32, at the
    sampling `temperature` (logits / T, as the sampler drew them; TRL does the same); and
    the per-position entropy of that distribution when asked (detached). Chunked
    (`selective_logprobs`): no full-vocabulary float32 copy of the logits is made."""
    # no KV cache: nothing is generated here (and gradient checkpointing would refuse one)
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).logits
    return selective_logprobs(logits, input_ids[:, 1:], temperature, with_entropy)
