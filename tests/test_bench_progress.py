"""Progress of `rlvr bench` and `rlvr demo` (issue #18): no cursor escapes when piped,
one bar on a terminal, nothing with --quiet; the plot shows a reward of 0."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from agents.bench import plot_rewards, run_bench
from agents.oracle import NullPolicy
from agents.progress import RunProgress

ROOT = Path(__file__).resolve().parents[1]


def _bench(tmp_path, *extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "rlvr_envs.cli", "bench", "--agent", "null", "--envs",
         "rlvr/Math-v0,rlvr/Code-v0", "--episodes", "3", "--out", str(tmp_path), *extra],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def test_piped_bench_output_has_no_cursor_escapes_and_says_how_far_it_got(tmp_path):
    r = _bench(tmp_path)
    assert r.returncode == 0, r.stderr
    for stream in (r.stdout, r.stderr):
        assert "\x1b" not in stream and "\r" not in stream
    lines = r.stderr.splitlines()
    assert lines[-1].startswith("[bench] ") and "6/6 episodes (100%)" in r.stderr
    assert "rlvr/Math-v0: all 3 episodes done, mean reward 0.000" in r.stderr
    assert "mean over envs" in r.stdout


def test_quiet_bench_prints_only_the_table(tmp_path):
    r = _bench(tmp_path, "--quiet")
    assert r.returncode == 0 and r.stderr == ""
    assert "mean over envs" in r.stdout


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_one_bar_counts_the_whole_run():
    stream = _Terminal()
    p = RunProgress(4, labels=["a", "b"], label_totals={"a": 2, "b": 2}, stream=stream)
    for label in "abab":
        p.update(label, reward=1.0)
    p.close()
    text = stream.getvalue()
    assert "4/4" in text and "reward 1.000" in text
    assert "[run]" not in text and " a:" not in text  # no per-env bars or plain lines


def test_plain_lines_report_a_resumed_run_and_each_env_at_its_end():
    stream = io.StringIO()
    p = RunProgress(4, labels=["a", "b"], label_totals={"a": 2, "b": 2},
                    initial={"a": 1}, desc="x", stream=stream)
    p.update("b", reward=0.5)
    p.update("b", reward=None)  # an infra error: counted, not scored
    p.update("a", reward=1.0)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "[x] 1 episodes already done (resumed)"
    assert "[x] b: all 2 episodes done, mean reward 0.500" in lines
    assert "[x] a: all 2 episodes done" in lines  # resumed: no mean of part of the episodes
    assert any(line.startswith("[x] 4/4 episodes (100%)") for line in lines)


def test_the_plot_labels_each_bar_with_its_reward_so_zero_is_visible(tmp_path, monkeypatch):
    res = run_bench(NullPolicy(), ["rlvr/Math-v0"], out=tmp_path, episodes=2, progress=False,
                    plot=False)
    import matplotlib.figure
    figures = []
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *a, **k: figures.append(self))
    plot_rewards(res, tmp_path / "reward.png")
    texts = [t.get_text() for t in figures[0].axes[0].texts]
    assert texts == ["0.000"]
