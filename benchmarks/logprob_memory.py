"""Peak memory of the trainer's log-prob pass: chunked selective log-softmax vs the old formula.

The pass under test is what `GRPOTrainer.accumulate_gradients` runs per micro-batch after the
model body: LM head -> per-token log-probs (+ entropy) -> backward. The model body is left
out (a random hidden state and a `torch.nn.Linear` head stand in), so the figure isolates the
log-prob step. Each method runs in its own subprocess; its peak is the process's peak resident
memory (VmHWM) minus its resident memory after setup, so torch allocations are counted
(tracemalloc does not see them).

  old:     log_softmax(logits[:, :-1].float() / T) over the full vocabulary, gather the
           targets, entropy from that full tensor (agents/grpo/batch.py before issue #16)
  chunked: `agents.grpo.batch.selective_logprobs` (one chunk of float32 at a time)

    python benchmarks/logprob_memory.py --vocab 32768 --rows 8 --tokens 1024
    python benchmarks/logprob_memory.py --device cuda --dtype bfloat16 --vocab 151936 --tokens 4096

On CUDA the peak is `torch.cuda.max_memory_allocated` over the same baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status (Linux only)")


def old_formula(logits, targets, temperature):
    import torch
    x = logits[:, :-1].float()
    if temperature > 0 and temperature != 1.0:
        x = x / temperature
    logp_all = torch.log_softmax(x, dim=-1)
    logp = logp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    with torch.no_grad():
        entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def child(args: argparse.Namespace) -> dict:
    import torch

    from agents.grpo.batch import selective_logprobs
    torch.manual_seed(0)
    dtype = getattr(torch, args.dtype)
    dev = torch.device(args.device)
    head = torch.nn.Linear(args.hidden, args.vocab, bias=False).to(dev, dtype)
    hidden = torch.randn(args.rows, args.tokens + 1, args.hidden, device=dev, dtype=dtype)
    targets = torch.randint(0, args.vocab, (args.rows, args.tokens), device=dev)
    cuda = dev.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = _rss_kib("VmRSS") * 1024
    t0 = time.perf_counter()
    logits = head(hidden)
    if args.method == "old":
        logp, entropy = old_formula(logits, targets, args.temperature)
    else:
        logp, entropy = selective_logprobs(logits, targets, args.temperature, with_entropy=True)
    del logits
    (-logp.mean()).backward()
    if cuda:
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated()
    else:
        peak = _rss_kib("VmHWM") * 1024
    return {"method": args.method, "peak_bytes": peak - base,
            "seconds": time.perf_counter() - t0,
            "logp_sum": float(logp.detach().double().sum()),
            "entropy_sum": float(entropy.double().sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vocab", type=int, default=32768)
    ap.add_argument("--rows", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=1024, help="target positions per row")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--dtype", default="float32", choices=("float32", "bfloat16"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--method", choices=("old", "chunked"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.method:
        print(json.dumps(child(args)))
        return
    out = {}
    for method in ("old", "chunked"):
        cmd = [sys.executable, __file__, *sys.argv[1:], "--method", method]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            sys.exit(f"{method} failed:\n{res.stderr[-2000:]}")
        out[method] = json.loads(res.stdout.strip().splitlines()[-1])
    import torch
    cell = torch.finfo(getattr(torch, args.dtype)).bits // 8
    logits_gib = args.rows * (args.tokens + 1) * args.vocab * cell / 2**30
    print(f"shape {args.rows} x {args.tokens} tokens, vocab {args.vocab}, {args.dtype} on "
          f"{args.device}; the logits alone: {logits_gib:.2f} GiB")
    for m, r in out.items():
        print(f"  {m:8s} peak {r['peak_bytes'] / 2**30:6.2f} GiB  ({r['seconds']:.1f} s)")
    same = abs(out["old"]["logp_sum"] - out["chunked"]["logp_sum"]) <= 1e-6 * abs(
        out["old"]["logp_sum"])
    print(f"  old / chunked peak: {out['old']['peak_bytes'] / out['chunked']['peak_bytes']:.2f}x"
          f"  (same log-prob sum: {same})")


if __name__ == "__main__":
    main()
