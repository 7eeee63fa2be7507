"""`rlvr bench --all-tasks` (issue #18): every record of a `tasks=` source exactly once,
`--samples K` times each, where plain `--episodes` draws records at random."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from agents.bench import plan_all_tasks
from rlvr_envs.cli import main

RECORDS = [{"id": f"q{i}", "question": f"What is {i} + {i}?", "answer": str(2 * i)}
           for i in range(1, 4)]


@pytest.fixture
def tasks_file(tmp_path):
    path = tmp_path / "three.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    return path


def _episodes(out):
    return json.loads((out / "results.json").read_text())["episodes"]


def test_all_tasks_plays_every_record_once_per_sample(tmp_path, tasks_file):
    out = tmp_path / "run"
    assert main(["bench", "--agent", "oracle", "--envs", "rlvr/Math-v0", "--kw",
                 f"tasks={tasks_file}", "--all-tasks", "--samples", "2", "--out", str(out),
                 "--quiet"]) == 0
    eps = _episodes(out)
    assert Counter(e["task_id"] for e in eps) == {"q1": 2, "q2": 2, "q3": 2}
    assert all(e["reward"] == 1.0 for e in eps)
    # resuming the same command plays nothing new; a run without --all-tasks is another run
    assert main(["bench", "--agent", "oracle", "--envs", "rlvr/Math-v0", "--kw",
                 f"tasks={tasks_file}", "--all-tasks", "--samples", "2", "--out", str(out),
                 "--quiet"]) == 0
    assert len(_episodes(out)) == 6
    assert main(["bench", "--agent", "oracle", "--envs", "rlvr/Math-v0", "--kw",
                 f"tasks={tasks_file}", "--samples", "2", "--out", str(out), "--quiet"]) == 2


def test_random_draws_can_repeat_a_record_which_all_tasks_never_does(tmp_path, tasks_file):
    seen = []
    for seed in range(4):  # 3 draws from 3 records: some seed repeats one
        out = tmp_path / f"s{seed}"
        main(["bench", "--agent", "null", "--envs", "rlvr/Math-v0", "--kw",
              f"tasks={tasks_file}", "--episodes", "3", "--seed", str(seed), "--out", str(out),
              "--quiet"])
        seen.append(len({e["task_id"] for e in _episodes(out)}))
    assert min(seen) < 3


def test_all_tasks_needs_records_and_no_difficulty(tmp_path, tasks_file, capsys):
    assert main(["bench", "--envs", "rlvr/Math-v0", "--all-tasks", "--out",
                 str(tmp_path / "a"), "--quiet"]) == 2
    assert "draws procedural tasks; pass your records with --kw tasks=PATH" in \
        capsys.readouterr().err
    assert main(["bench", "--envs", "rlvr/Math-v0", "--kw", f"tasks={tasks_file}",
                 "--all-tasks", "--difficulty", "2", "--out", str(tmp_path / "b"),
                 "--quiet"]) == 2
    assert "drop --difficulty" in capsys.readouterr().err


def test_plan_all_tasks_interleaves_envs_of_different_sizes():
    specs = plan_all_tasks(["a", "b"], {"a": ["x", "y"], "b": ["z"]}, samples=2, seed=10)
    assert [(s.env_id, s.options["task_id"], s.sample_index, s.seed) for s in specs] == [
        ("a", "x", 0, 10), ("a", "x", 1, 10), ("b", "z", 0, 10), ("b", "z", 1, 10),
        ("a", "y", 0, 11), ("a", "y", 1, 11)]
