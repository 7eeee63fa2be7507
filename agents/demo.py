"""`rlvr demo`: `rlvr bench --agent oracle --envs all` with a few episodes, one transcript per
env printed, then the table. The oracle needs no download; it must earn reward 1 everywhere."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from rlvr_envs.core.env import render_transcript

from .bench import format_table, run_bench, transcript_path


def run_demo(episodes: int = 2, seed: int = 0, out: str | None = None,
             progress: bool = True) -> int:
    """Benchmark the oracle on every registered env; exit code 1 unless every env's mean
    reward is 1 and there were no infra errors."""
    out_dir = Path(out or tempfile.mkdtemp(prefix="rlvr-demo-"))
    results = run_bench("oracle", ["all"], out=out_dir, episodes=episodes, seed=seed,
                        concurrency=8, progress=progress, overwrite=True)
    for env_id in results["envs"]:
        lines = transcript_path(out_dir, env_id).read_text(encoding="utf-8").splitlines()
        if not lines:
            continue
        first = json.loads(lines[0])
        v = first.get("verdict") or {}
        print(f"\n=== {env_id} | oracle | task {first['task'].get('id')} ===")
        print(render_transcript(first["messages"], width=600))
        print(f"--> reward {first['reward']:.2f} ({'passed' if v.get('passed') else 'failed'}: "
              f"{v.get('reason')})")
    print()
    print(format_table(results))
    print(f"\ntranscripts, results.json and reward.png in {out_dir}")
    bad = [e for e, m in results["envs"].items()
           if m["mean_reward"] is None or abs(m["mean_reward"] - 1.0) > 1e-9 or m["infra_errors"]]
    if bad:
        print(f"the oracle did not earn reward 1 on: {', '.join(bad)}")
    return 1 if bad else 0
