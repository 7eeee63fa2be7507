"""The `rlvr` command as a person uses it."""

import subprocess
import sys

from rlvr_envs.cli import main


def rlvr(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "rlvr_envs.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_list_prints_every_env_with_a_description(capsys):
    import rlvr_envs
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for env_id in rlvr_envs.ENV_IDS:
        line = next(line for line in out.splitlines() if line.startswith(env_id))
        assert len(line.split(None, 1)[1]) > 20


def test_play_a_math_episode_from_the_terminal():
    task = '{"question": "What is 6 times 7?", "answer": "42"}'
    out = rlvr("play", "rlvr/Math-v0", "--seed", "0", "--kw", f"tasks=[{task}]",
               stdin="Six sevens are\n\\boxed{42}\n.\n")
    assert out.returncode == 0, out.stderr
    assert "What is 6 times 7?" in out.stdout
    assert "PASSED" in out.stdout and "[reward 1.0]" in out.stdout


def test_play_unknown_env_says_what_to_do():
    out = rlvr("play", "rlvr/Nope-v0", stdin="")
    assert out.returncode != 0 and "rlvr list" in out.stderr


def test_audit_prints_rates_by_class():
    out = rlvr("audit", "rlvr/Math-v0", "--show", "0")
    assert out.returncode == 0, out.stderr
    assert "FP rate" in out.stdout and "ALL" in out.stdout
