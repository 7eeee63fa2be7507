"""Benchmark: our math verifier vs Math-Verify on the audit corpus (accuracy and speed).

    python benchmarks/math_verify.py [--corpus tasks/audit/math.jsonl] [--repeat 1]

Both verifiers run in this one process pinned to one core (our sympy workers inherit the
pinning), sequentially. Each case is one full verification: extraction + parsing + comparison
of a raw response against a gold string (Math-Verify: `parse(gold)`, `parse(response)`,
`verify`). Ours is timed twice: cold (parsed-gold cache emptied before every case, the
emptying not timed) and warm (second pass; the cache of parsed golds is legitimate in RL,
where one gold is checked against G samples). Math-Verify has no such cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the package it compares against: keep its folder off the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run_ours(cases: list[dict[str, Any]], cold: bool) -> tuple[list[bool], list[float]]:
    from rlvr_envs.envs.math.verify import clear_caches, verify_math

    results: list[bool] = []
    times: list[float] = []
    for c in cases:
        if cold:
            clear_caches()
        task = {"answer": c["gold"], "answer_type": c.get("answer_type"),
                "choices": c.get("choices")}
        t0 = time.perf_counter()
        v = verify_math(task, c["response"])
        times.append(time.perf_counter() - t0)
        results.append(v.passed)
    return results, times


def run_math_verify(cases: list[dict[str, Any]]) -> tuple[list[bool], list[float]]:
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # its timeout warnings

    results: list[bool] = []
    times: list[float] = []
    for c in cases:
        t0 = time.perf_counter()
        try:
            gold = parse("$" + c["gold"] + "$")
            pred = parse(c["response"])
            ok = bool(verify(gold, pred))
        except Exception:  # noqa: BLE001 - count a crash as "not equivalent"
            ok = False
        times.append(time.perf_counter() - t0)
        results.append(ok)
    return results, times


def score(name: str, cases: list[dict[str, Any]], results: list[bool], seconds: float) -> float:
    fp = sum(r and not c["equivalent"] for c, r in zip(cases, results))
    fn = sum(c["equivalent"] and not r for c, r in zip(cases, results))
    acc = 1 - (fp + fn) / len(cases)
    rate = len(cases) / seconds
    print(f"{name:28s} accuracy {acc:6.1%}  FP {fp:3d}  FN {fn:3d}  {rate:8.0f} verifications/s")
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "tasks/audit/math.jsonl")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the corpus per timing")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # before any worker starts, so they are pinned too
    cases = load(args.corpus) * args.repeat
    print(f"{len(cases)} cases from {args.corpus.relative_to(ROOT)}; one core")

    from rlvr_envs.envs.math.verify import verify_math

    verify_math({"answer": "1"}, "\\boxed{x+1}")  # start the worker (not timed)
    ours_cold, t_cold = run_ours(cases, cold=True)
    ours_warm, t_warm = run_ours(cases, cold=False)
    mv, t_mv = run_math_verify(cases)
    for title, keep in (("all cases", lambda c: True),
                        ("without the 'robustness' class (Math-Verify hits its 5 s timeouts "
                         "there)", lambda c: c.get("class") != "robustness")):
        idx = [i for i, c in enumerate(cases) if keep(c)]
        sub = [cases[i] for i in idx]
        print(f"-- {title}: {len(sub)} cases")
        r_cold = score("ours (cold gold cache)", sub, [ours_cold[i] for i in idx],
                       sum(t_cold[i] for i in idx))
        r_warm = score("ours (warm gold cache)", sub, [ours_warm[i] for i in idx],
                       sum(t_warm[i] for i in idx))
        r_mv = score("Math-Verify 0.9.0", sub, [mv[i] for i in idx], sum(t_mv[i] for i in idx))
        print(f"throughput ratio ours/Math-Verify: cold {r_cold / r_mv:.1f}x, "
              f"warm {r_warm / r_mv:.1f}x")

if __name__ == "__main__":
    main()
