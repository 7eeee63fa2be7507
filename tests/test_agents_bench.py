"""`rlvr bench`: the acceptance runs (oracle 1, null 0 on every env), results.json,
resume after an interruption, compare, pass@k, agent specs, and the vLLM error path."""

from __future__ import annotations

import importlib.util
import json
from math import comb

import pytest
from test_agents_toy_envs import TOY_ENV_IDS, register_toy_envs

import rlvr_envs
from agents.bench import pass_at_k, run_bench, transcript_path
from agents.demo import run_demo
from agents.oracle import OraclePolicy
from agents.spec import AgentSpec, make_policy, parse_agent_spec
from rlvr_envs.cli import main


def _results(out):
    return json.loads((out / "results.json").read_text())


@pytest.mark.parametrize("agent,expected", [("oracle", 1.0), ("null", 0.0)])
def test_bench_all_envs_oracle_earns_1_and_null_0(tmp_path, capsys, agent, expected):
    rc = main(["bench", "--agent", agent, "--envs", "all", "--episodes", "2", "--seed", "3",
               "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    res = _results(tmp_path)
    assert set(res["envs"]) == set(rlvr_envs.ENV_IDS)
    for env_id, m in res["envs"].items():
        assert m["mean_reward"] == expected, env_id
        assert m["infra_error_rate"] == 0.0 and m["episodes"] == 2
        assert transcript_path(tmp_path, env_id).read_text().count("\n") == 2
    assert res["schema"] == "rlvr.bench/1" and res["agent"] == agent
    assert res["config"]["seed"] == 3 and "rlvr_envs" in res["versions"]
    assert len(res["episodes"]) == 2 * len(rlvr_envs.ENV_IDS)
    assert (tmp_path / "reward.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = capsys.readouterr().out
    assert "mean over envs" in table and rlvr_envs.ENV_IDS[0] in table


def test_samples_give_pass_at_k_and_the_table_shows_it(tmp_path, capsys):
    register_toy_envs()
    rc = main(["bench", "--agent", "oracle", "--envs", *TOY_ENV_IDS, "--episodes", "3",
               "--samples", "4", "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    m = _results(tmp_path)["envs"][TOY_ENV_IDS[1]]
    assert (m["episodes"], m["tasks"], m["pass@1"], m["pass@4"], m["k"]) == (12, 3, 1.0, 1.0, 4)
    assert "pass@4" in capsys.readouterr().out


class InterruptingOracle(OraclePolicy):
    """The oracle, until its `fail_at`-th generate call: then Ctrl-C."""

    def __init__(self, fail_at):
        self.calls, self.fail_at = 0, fail_at

    def generate(self, conversations, sampling=None):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt
        return super().generate(conversations, sampling)


def test_an_interrupted_run_resumes_where_it_stopped(tmp_path):
    register_toy_envs()
    envs = list(TOY_ENV_IDS)
    with pytest.raises(KeyboardInterrupt):
        run_bench(InterruptingOracle(fail_at=4), envs, out=tmp_path, episodes=5,
                  concurrency=1, progress=False)
    before = {e: transcript_path(tmp_path, e).read_text().count("\n") for e in envs}
    assert 0 < sum(before.values()) < 10
    with transcript_path(tmp_path, envs[0]).open("a") as f:
        f.write('{"episode": "torn')  # a write cut off by the interruption
    res = run_bench(OraclePolicy(), envs, out=tmp_path, episodes=5, progress=False)
    assert res["resumed_episodes"] == sum(before.values())
    for e in envs:
        lines = transcript_path(tmp_path, e).read_text().splitlines()
        keys = [json.loads(line)["episode"] for line in lines]
        assert len(keys) == len(set(keys)) == 5
        assert res["envs"][e]["mean_reward"] == 1.0
    # growing the run keeps the finished episodes; changing its settings is refused
    res = run_bench(OraclePolicy(), envs, out=tmp_path, episodes=6, progress=False)
    assert res["resumed_episodes"] == 10 and res["overall"]["episodes"] == 12
    with pytest.raises(ValueError, match="seed"):
        run_bench(OraclePolicy(), envs, out=tmp_path, episodes=6, seed=1, progress=False)


def test_compare_prints_two_runs_side_by_side(tmp_path, capsys):
    register_toy_envs()
    for agent in ("oracle", "null"):
        assert main(["bench", "--agent", agent, "--envs", TOY_ENV_IDS[0], "--episodes", "2",
                     "--out", str(tmp_path / agent), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["bench", "--compare", str(tmp_path / "oracle" / "results.json"),
                 str(tmp_path / "null" / "results.json")]) == 0
    out = capsys.readouterr().out
    assert "A = oracle" in out and "B = null" in out
    row = next(line for line in out.splitlines() if line.startswith(TOY_ENV_IDS[0]))
    assert row.split()[1:4] == ["1.000", "0.000", "-1.000"]


@pytest.mark.parametrize("n,c,k", [(1, 0, 1), (1, 1, 1), (5, 2, 1), (5, 2, 3), (10, 3, 5),
                                   (10, 0, 10), (20, 19, 2), (7, 5, 3)])
def test_pass_at_k_matches_the_closed_form(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(1 - comb(n - c, k) / comb(n, k), abs=1e-12)
    assert pass_at_k(n, c, 1) == pytest.approx(c / n)


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_agent_specs_parse_and_name_their_errors():
    assert parse_agent_spec("oracle") == AgentSpec("oracle")
    assert parse_agent_spec("hf:runs/ckpt") == AgentSpec("hf", "runs/ckpt")
    assert parse_agent_spec("vllm:/m/Qwen") == AgentSpec("vllm", "/m/Qwen")
    s = parse_agent_spec("openai:org/model@v2@http://127.0.0.1:8000/v1")
    assert s == AgentSpec("openai", "org/model@v2", "http://127.0.0.1:8000/v1")
    assert str(s) == "openai:org/model@v2@http://127.0.0.1:8000/v1"
    for bad in ("gpt", "hf:", "oracle:x", "openai:m@localhost"):
        with pytest.raises(ValueError, match="spec"):
            parse_agent_spec(bad)
    assert make_policy("null").generate([object()], None)[0].text


def test_vllm_missing_or_no_gpu_is_a_clear_error(monkeypatch, capsys, tmp_path):
    from agents.vllm_policy import VLLMPolicy
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(ImportError, match=r"pip install 'rlvr-envs\[gpu\]'"):
            VLLMPolicy("some/model")
        rc = main(["bench", "--agent", "vllm:some/model", "--envs", "rlvr/Math-v0",
                   "--episodes", "1", "--out", str(tmp_path), "--no-progress"])
        assert rc == 2 and "rlvr-envs[gpu]" in capsys.readouterr().err
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "vllm" else real(name, *a))
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(RuntimeError, match="vLLM needs a CUDA GPU; none found"):
        VLLMPolicy("some/model")


def test_demo_is_the_oracle_bench_over_all_envs(tmp_path, capsys):
    assert run_demo(episodes=1, out=str(tmp_path), progress=False) == 0
    out = capsys.readouterr().out
    assert "=== rlvr/Math-v0 | oracle" in out and "mean over envs" in out
    assert (tmp_path / "results.json").exists()


def test_env_lists_take_commas_and_an_unknown_id_fails_before_any_work(tmp_path):
    res = run_bench(OraclePolicy(), ["rlvr/Math-v0,rlvr/KGMultiHop-v0"], out=tmp_path / "a",
                    episodes=2, progress=False)
    assert set(res["envs"]) == {"rlvr/Math-v0", "rlvr/KGMultiHop-v0"}
    with pytest.raises(ValueError, match="unknown env 'rlvr/Nope-v0'.*rlvr list"):
        run_bench(OraclePolicy(), ["rlvr/Math-v0,rlvr/Nope-v0"], out=tmp_path / "b",
                  episodes=2, progress=False)
    assert not (tmp_path / "b").exists()
