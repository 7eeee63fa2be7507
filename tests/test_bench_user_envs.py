"""A user's own env in `rlvr bench`, `rlvr audit` and `run_bench` (issue #18): `MODULE:ID`
imports the module from the current directory; `run_bench` takes `(label, factory)`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest

from agents.bench import run_bench
from agents.oracle import OraclePolicy
from rlvr_envs.cli import main
from rlvr_envs.registration import resolve_env_id

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "adding-an-env.md"


def _doc_env_module(tmp_path: Path) -> None:
    """docs/adding-an-env.md's example saved as myenv.py (without its checker call, which
    tests/test_adding_an_env.py runs)."""
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    code = "\n".join(line for line in code.splitlines() if not line.startswith("check_rlvr_env"))
    (tmp_path / "myenv.py").write_text(code)


def _rlvr(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # not tmp_path: the cwd must be enough
    return subprocess.run([sys.executable, "-m", "rlvr_envs.cli", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def test_bench_a_user_env_from_the_docs_example_by_module_and_id(tmp_path):
    _doc_env_module(tmp_path)
    r = _rlvr(tmp_path, "bench", "--agent", "oracle", "--envs", "myenv:my/Reverse-v0",
              "rlvr/Math-v0", "--episodes", "3", "--out", "run", "--quiet")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "run" / "results.json").read_text())
    assert list(res["envs"]) == ["my/Reverse-v0", "rlvr/Math-v0"]
    assert res["envs"]["my/Reverse-v0"]["mean_reward"] == 1.0
    assert "my/Reverse-v0" in r.stdout


def test_unknown_modules_and_ids_fail_in_one_line(tmp_path):
    _doc_env_module(tmp_path)
    for args, expected in [
            (["bench", "--envs", "nomod:my/X-v0"], "cannot import 'nomod'"),
            (["bench", "--envs", "myenv:my/Nope-v0"], "importing 'myenv' registered no env"),
            (["audit", "rlvr/Nope-v0"], "unknown env 'rlvr/Nope-v0'"),
            (["audit", "rlvr/Math-v0", "--kw", "nope=1"], "cannot make rlvr/Math-v0")]:
        r = _rlvr(tmp_path, *args, *(["--out", "o", "--quiet"] if args[0] == "bench" else []))
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and expected in r.stderr, r.stderr


def test_any_registered_id_resolves_and_an_import_path_is_added_once(tmp_path, monkeypatch):
    assert resolve_env_id("rlvr/Math-v0") == "rlvr/Math-v0"
    gym.register("test18/Reg-v0", entry_point="rlvr_envs.envs.math.env:MathEnv")
    try:
        assert resolve_env_id("test18/Reg-v0") == "test18/Reg-v0"
        with pytest.raises(ValueError, match="unknown env 'test18/Nope-v0'"):
            resolve_env_id("test18/Nope-v0")
    finally:
        gym.registry.pop("test18/Reg-v0")


def test_run_bench_takes_label_factory_pairs_as_collect_does(tmp_path, capsys):
    res = run_bench(OraclePolicy(), [("math-easy", lambda: gym.make("rlvr/Math-v0")),
                                     "rlvr/Code-v0"],
                    out=tmp_path, episodes=2, progress=False, plot=False)
    assert list(res["envs"]) == ["math-easy", "rlvr/Code-v0"]
    assert res["envs"]["math-easy"]["mean_reward"] == 1.0
    assert (tmp_path / "transcripts" / "math-easy.jsonl").exists()
    with pytest.raises(ValueError, match="given twice"):
        run_bench(OraclePolicy(), [("a", lambda: gym.make("rlvr/Math-v0"))] * 2,
                  out=tmp_path / "b", episodes=1, progress=False)


def test_main_accepts_module_ids_in_process(tmp_path, monkeypatch, capsys):
    _doc_env_module(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    try:
        assert main(["bench", "--envs", "myenv:my/Reverse-v0", "--episodes", "2",
                     "--out", str(tmp_path / "o"), "--quiet"]) == 0
    finally:
        gym.registry.pop("my/Reverse-v0", None)
        sys.modules.pop("myenv", None)
    assert "my/Reverse-v0" in capsys.readouterr().out
