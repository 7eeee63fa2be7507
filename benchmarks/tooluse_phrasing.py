"""Benchmark: ToolUse gold answers re-expressed as models write them, and hedged, scored by a
ToolUse verifier (this checkout's, or another checkout's for a before/after comparison).

    python benchmarks/tooluse_phrasing.py [--seeds 6] [--against /path/to/other/checkout]

The variants come from this checkout's `phrasings.rephrasings` / `phrasings.hedges`
(34 re-expression classes, 13 hedge classes) on the gold answers of `--seeds` seeds x the 8
answering categories x 5 levels (task index 1). Each is scored by replacing one segment's
final answer in the gold episode (same calls, same state). `--against` scores with the
`rlvr_envs` of another checkout instead (e.g. `git worktree add /tmp/old 0eae955`): the
variants and the tool results they cite are still built here. Prints, per class, how many
re-expressions lost reward (FN) and how many hedges earned some (FP). Deterministic.
"""

from __future__ import annotations

import argparse
import collections
import copy
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rlvr_envs.envs.tooluse import ToolUseEnv  # noqa: E402
from rlvr_envs.envs.tooluse.phrasings import hedges, rephrasings  # noqa: E402
from rlvr_envs.envs.tooluse.reward import explained_numbers  # noqa: E402
from rlvr_envs.envs.tooluse.tasks import CATEGORIES, LEVELS  # noqa: E402


def gold_episode(env_cls: Any, task_id: str) -> Any:
    env = env_cls()
    env.reset(options={"task_id": task_id})
    while True:
        *_, terminated, truncated, _ = env.step(env.oracle_action())
        if terminated or truncated:
            return env


def variants(task_ids: list[str]) -> dict[str, list[tuple[int, str, str, bool]]]:
    """task id -> (segment, class, text, must pass) built with this checkout."""
    out: dict[str, list[tuple[int, str, str, bool]]] = {}
    for task_id in task_ids:
        env = gold_episode(ToolUseEnv, task_id)
        segments = env.task["gold"]["segments"]
        allowed = explained_numbers(segments)
        tokens = [f["value"] for s in segments for f in s["facts"] if f["kind"] == "token"]
        rows = []
        for k, seg in enumerate(segments):
            rng = random.Random(task_id)
            good = rephrasings(seg["answer"], seg["facts"], question=seg["user"],
                               context=env.log.context(), allowed=allowed, rng=rng)
            bad = hedges(seg["answer"], seg["facts"], allowed=allowed, allowed_tokens=tokens,
                         rng=rng)
            rows += [(k, n, t, True) for n, t in good.items()]
            rows += [(k, n, t, False) for n, t in bad.items()]
        out[task_id] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--against", type=Path, default=None,
                        help="score with the rlvr_envs of this checkout instead")
    args = parser.parse_args()
    task_ids = [f"{c}/d{level}/{seed}/1" for c in CATEGORIES if c != "irrelevance"
                for level in LEVELS for seed in range(args.seeds)]
    built = variants(task_ids)
    if args.against:  # swap the package: the scoring env comes from the other checkout
        for name in [m for m in sys.modules if m.startswith("rlvr_envs")]:
            del sys.modules[name]
        sys.path.insert(0, str(args.against.resolve()))
    from rlvr_envs.envs.tooluse import ToolUseEnv as Scorer
    from rlvr_envs.envs.tooluse.env import _final_text
    from rlvr_envs.envs.tooluse.reward import score_episode

    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for task_id, rows in built.items():
        env = gold_episode(Scorer, task_id)
        for k, cls, text, must_pass in rows:
            log = copy.copy(env.log)
            log.answers = list(env.log.answers)
            log.answers[k] = _final_text(text)
            reward = score_episode(env.task, env.gold, log, env.world.snapshot()).reward
            counts[cls]["n"] += 1
            counts[cls]["pass" if must_pass else "hedge"] += 1
            counts[cls]["wrong"] += (reward < 1.0) if must_pass else (reward > 0.0)
    scorer = args.against or ROOT
    print(f"scored by {scorer}")
    print(f"{'class':24s} {'kind':10s} {'n':>6s} {'wrong':>6s}")
    for kind in ("pass", "hedge"):
        for cls in sorted(c for c in counts if counts[c][kind]):
            label = "rephrase" if kind == "pass" else "hedge"
            print(f"{cls:24s} {label:10s} {counts[cls]['n']:6d} {counts[cls]['wrong']:6d}")
        total = sum(c["n"] for c in counts.values() if c[kind])
        wrong = sum(c["wrong"] for c in counts.values() if c[kind])
        what = "lost reward (FN)" if kind == "pass" else "earned reward (FP)"
        print(f"{'all':24s} {kind:10s} {total:6d} {wrong:6d}  <- {what}\n")


if __name__ == "__main__":
    main()
