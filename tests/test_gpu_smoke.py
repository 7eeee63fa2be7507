"""benchmarks/gpu_smoke.py on a machine without a GPU: it refuses fast and clearly, and what it
builds (a Qwen2 model + the local BPE tokenizer) loads with the Auto classes and trains with
the hf backend, so the day a GPU is lent only the GPU parts are new."""

import importlib.util
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_smoke.py"


def _load_smoke():
    spec = importlib.util.spec_from_file_location("gpu_smoke", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(tmp_path, extra_path=None, **env):
    path = os.pathsep.join(filter(None, [extra_path, str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": path, **env})


def test_without_vllm_it_exits_at_once_with_one_line(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "gpu_smoke: vLLM is not installed (pip install 'rlvr-envs[gpu]' on a machine with a "
        "CUDA GPU); nothing was run"]
    assert not (tmp_path / "r.json").exists()


def test_with_vllm_but_no_gpu_it_names_the_missing_gpu(tmp_path):
    fake = tmp_path / "fake"
    (fake / "vllm").mkdir(parents=True)
    (fake / "vllm" / "__init__.py").write_text("__version__ = '0.0.0-fake'\n")
    proc = _run(tmp_path, extra_path=str(fake), CUDA_VISIBLE_DEVICES="")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "gpu_smoke: no CUDA GPU is visible (torch.cuda.is_available() is False, "
        "CUDA_VISIBLE_DEVICES=''); nothing was run"]


def test_its_model_loads_with_the_auto_classes_and_trains_one_step_on_cpu(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agents.grpo import GRPOTrainer

    smoke = _load_smoke()
    model_dir = smoke.build_model_dir(tmp_path / "model")
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    tok = AutoTokenizer.from_pretrained(model_dir)
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert type(tok).__name__.startswith("Qwen2Tokenizer") and tok.is_fast
    assert model.config.hidden_size // model.config.num_attention_heads == 64  # vLLM kernels
    assert model.config.vocab_size == len(tok) and model.config.tie_word_embeddings
    ids = tok.apply_chat_template([{"role": "user", "content": "What is 3+1?"}],
                                  add_generation_prompt=True, tokenize=True)
    assert tok.decode(ids).endswith("<|im_start|>assistant\n")

    # the smoke's own config, on CPU with the hf backend: the trainer loads the saved dir
    cfg = smoke.smoke_config(model_dir, tmp_path / "run", steps=1, sleep_mode=False,
                             backend="hf", device="cpu", tasks_per_step=2, group_size=4)
    assert cfg.envs == ["rlvr/Math-v0"] and cfg.dtype == "bfloat16"
    trainer = GRPOTrainer(cfg)
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters()}
    trainer.warm_start(8, 2, cfg.sft_learning_rate)
    hist = trainer.train()
    assert [m["version"] for m in hist] == [2]  # warm start sync + one GRPO step
    assert math.isfinite(hist[0]["reward_mean"]) and hist[0]["generated_tokens"] > 0
    assert hist[0]["logprob_gap_mean"] < cfg.logprob_gap_tol
    assert any(not torch.equal(before[n], p) for n, p in trainer.model.named_parameters())
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())  # fp32 masters
    trainer.close()


def test_a_scenario_dry_runs_on_cpu_against_a_fake_engine(tmp_path, monkeypatch, capsys):
    """The scenario's own code (config, warm start, steps, gap check, engine == trainer
    check, JSON) with the vLLM engine replaced by the recording fake of
    tests/test_grpo_vllm_engine.py: on a GPU day only vLLM itself is new."""
    import json

    from transformers import AutoTokenizer

    from agents.grpo import vllm_engine, vllm_worker
    from tests.test_grpo_vllm_engine import _fake_vllm_generator

    smoke = _load_smoke()
    model_dir = smoke.build_model_dir(tmp_path / "model")
    tok = AutoTokenizer.from_pretrained(model_dir)
    events = []
    factory = _fake_vllm_generator(events, dtype=torch.bfloat16, sleep_mode=True)
    monkeypatch.setattr(vllm_engine, "require_gpu", lambda cfg=None: None)
    monkeypatch.setattr(vllm_worker, "_process_weights_after_loading", lambda: lambda *a: None)
    monkeypatch.setattr(vllm_engine, "vllm_generator", lambda cfg, model: factory(model, tok))
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *a: (6 * 2**30, 8 * 2**30))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda *a: 2**30)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "fake GPU")
    result = tmp_path / "inproc.json"
    rc = smoke.run_scenario("inproc", model_dir, 2, result, device="cpu", tasks_per_step=2,
                            group_size=4, sft_episodes=8, sft_steps=2)
    res = json.loads(result.read_text())
    out = capsys.readouterr().out
    # a random model's rewards are all 0 here, so no step updates: the smoke says so and fails
    assert rc == 1 and res["failures"] == [
        "no step before the last updated the weights (every group had one reward), so no gap "
        "was measured after a real push"]
    assert res["transport"] == "direct" and res["sleep_mode"] is True
    assert [r["step"] for r in res["steps"]] == [1, 2]
    assert all(r["logprob_gap_mean"] < 5e-2 and r["sync_push_s"] >= 0 for r in res["steps"])
    assert res["engine_matches_trainer"] and res["peak_gpu_used_gib"] == 2.0
    assert "sleep(1)" in events and out.count("[inproc] step ") == 2 and "FAIL: no step" in out


def test_a_scenario_past_the_deadline_is_killed_with_its_subprocesses(tmp_path):
    smoke = _load_smoke()
    pid_file = tmp_path / "grandchild.pid"
    code = ("import subprocess, sys, time; p = subprocess.Popen(['sleep', '60']); "
            f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(60)")
    assert smoke._run_child([sys.executable, "-c", code], dict(os.environ), timeout=3) == 124
    status = Path(f"/proc/{pid_file.read_text()}/status")

    def gone() -> bool:  # exited, or a zombie waiting for init to reap it
        try:
            return "\nState:\tZ" in status.read_text()
        except FileNotFoundError:
            return True
    # SIGKILL is delivered asynchronously: on a loaded machine the process may still be
    # listed as running for a moment after killpg returns
    for _ in range(200):
        if gone():
            break
        time.sleep(0.05)
    assert gone()
