"""GPU smoke test of the GRPO learner's vLLM path, for the day a GPU is lent.

    python benchmarks/gpu_smoke.py [--steps 5] [--scenarios inproc,ipc] [--timeout 480]
                                   [--out runs/gpu_smoke/result.json]

Builds a small Qwen2-architecture model (random, 4 layers, hidden 256, head dim 64) and the
locally trained BPE tokenizer (`agents.tiny_bpe`), no hub, into a temporary directory; then,
per scenario, in a fresh subprocess (one vLLM engine per process, as sleep mode requires):
loads it with `--backend vllm`, a short supervised warm start, and `--steps` GRPO steps on
`rlvr/Math-v0` (the tiny preset's "What is a+1?" records) with a weight push after each
update. Scenarios: `inproc` (engine core in this process, direct push, sleep mode on) and
`ipc` (VLLM_ENABLE_V1_MULTIPROCESSING=1: engine in a subprocess, CUDA IPC push, sleep mode
on); `ray` (asked for explicitly: `--scenarios inproc,ipc,ray`) runs the same with
`--backend vllm_ray`, one engine as a Ray actor on a local Ray instance, weights pushed
through Ray's object store, sleep mode off. Prints, per step, the sampler/trainer log-prob gap on the batch sampled right after the
previous sync, generation tokens/s and the sleep/load timings; at the end the peak GPU memory
(device-wide, sampled every 0.1 s) and whether the engine's weights equal the trainer's.
Writes a JSON result and exits 0 only when every scenario passed (gap under the tolerance
after every sync, at least one real update, engine weights == trainer weights, no error).

Without vLLM or a CUDA GPU it exits 2 within seconds with one line; every scenario runs under
the global `--timeout` (default 8 minutes, sized for one H100), after which it is killed
with a traceback dump rather than left hanging.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {  # name -> (environment, sleep mode)
    "inproc": ({"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}, True),
    "ipc": ({"VLLM_ENABLE_V1_MULTIPROCESSING": "1"}, True),
    # backend vllm_ray: one engine actor on a local Ray instance, weights via the object store
    "ray": ({"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}, False),
}
# parameters compared between engine and trainer (unsharded, same name in vLLM and HF)
CHECKED_PARAMS = ["model.norm.weight", "model.layers.0.input_layernorm.weight",
                  "model.layers.3.post_attention_layernorm.weight"]


def preflight() -> str | None:
    """Why this machine cannot run the smoke test (one line), or None. vLLM is looked up
    without importing it or torch, so a machine without it answers in well under a second."""
    if importlib.util.find_spec("vllm") is None:
        return ("gpu_smoke: vLLM is not installed (pip install 'rlvr-envs[gpu]' on a machine "
                "with a CUDA GPU); nothing was run")
    import torch
    if not torch.cuda.is_available():
        shown = os.environ.get("CUDA_VISIBLE_DEVICES")
        return ("gpu_smoke: no CUDA GPU is visible (torch.cuda.is_available() is False"
                + (f", CUDA_VISIBLE_DEVICES={shown!r}" if shown is not None else "")
                + "); nothing was run")
    return None


def build_model_dir(path: str | Path, seed: int = 0) -> Path:
    """A random small `Qwen2ForCausalLM` and the BPE tokenizer, saved (bf16 weights) so that
    `AutoModelForCausalLM`/`AutoTokenizer.from_pretrained(path)` and vLLM load them."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    from agents.tiny_bpe import build_bpe_tokenizer

    out = Path(path)
    tok = build_bpe_tokenizer(save_dir=out)
    config = Qwen2Config(
        vocab_size=len(tok), hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=2, intermediate_size=512, max_position_embeddings=2048,
        tie_word_embeddings=True, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
        bos_token_id=None, torch_dtype="bfloat16")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id,
                                               pad_token_id=tok.pad_token_id)
    model.to(torch.bfloat16).save_pretrained(out)
    return out


def smoke_config(model_dir: str | Path, out_dir: str | Path, *, steps: int,
                 sleep_mode: bool, **overrides: Any) -> Any:
    """The tiny preset on the saved model with the vLLM backend: Math-v0 "What is a+1?",
    bare-answer warm start, bf16 autocast on fp32 masters (the engine in bf16); the engine's context derived (max_episode_tokens)."""
    from agents.grpo.config import apply_preset
    return apply_preset("tiny", **{
        "model": str(model_dir), "backend": "vllm", "device": "cuda", "precision": "bf16-mixed",
        "steps": steps, "sft_steps": 30, "sft_episodes": 64, "eval_tasks": 0, "plot": False,
        "vllm_enable_sleep_mode": sleep_mode, "vllm_gpu_memory_utilization": 0.3,
        "on_logprob_gap": "warn", "output_dir": str(out_dir), **overrides})


class MemorySampler:
    """Peak device-wide used GPU memory (total - free, as nvidia-smi shows it, every process
    on the GPU included), sampled every `period` seconds on a thread."""

    def __init__(self, period: float = 0.1) -> None:
        import torch
        self.torch, self.period, self.peak = torch, period, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        free, total = self.torch.cuda.mem_get_info()
        self.peak = max(self.peak, total - free)
        return total - free

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def run_scenario(name: str, model_dir: str | Path, steps: int, result_path: str | Path,
                 **overrides: Any) -> int:
    """One scenario in this process (the child): train, print, write its JSON result;
    `overrides` go to the config (tests: a CPU dry run against a fake engine)."""
    import torch

    from agents.grpo.trainer import GRPOTrainer, seed_everything

    sleep_mode = SCENARIOS[name][1]
    if name == "ray":
        overrides = {"backend": "vllm_ray", "vllm_num_engines": 1, **overrides}
    cfg = smoke_config(model_dir, Path(result_path).parent / f"run-{name}", steps=steps,
                       sleep_mode=sleep_mode, **overrides)
    res: dict[str, Any] = {"scenario": name, "gpu": torch.cuda.get_device_name(0),
                           "steps": [], "failures": []}
    t0 = time.perf_counter()
    with MemorySampler() as mem:
        seed_everything(cfg.seed)
        trainer = GRPOTrainer(cfg)
        sync = trainer.sync
        res.update(transport=sync.transport, sleep_mode=sleep_mode,
                   engine_start_s=time.perf_counter() - t0,
                   policy=trainer.generator.policy.describe())
        losses = trainer.warm_start(cfg.sft_episodes, cfg.sft_steps, cfg.sft_learning_rate)
        print(f"[{name}] transport={sync.transport} sleep={sleep_mode} engine up in "
              f"{res['engine_start_s']:.1f}s; warm start loss {losses[0]:.2f} -> "
              f"{losses[-1]:.2f}", flush=True)
        for _ in range(steps):
            m = trainer.train_step()
            row = {k: m.get(k) for k in (
                "step", "version", "reward_mean", "logprob_gap_mean", "logprob_gap_max",
                "generated_tokens", "tokens_per_s", "time_generate_s", "time_update_s",
                "time_sync_s", "time_step_s", "skipped_update", "warning")}
            row.update({f"sync_{k}": v for k, v in sync.timings.items()})
            row["gpu_used_gib"] = mem.sample() / 2**30
            res["steps"].append(row)
            gap = row["logprob_gap_mean"]
            print(f"[{name}] step {row['step']} v{row['version']}  reward "
                  f"{row['reward_mean']:.3f}  gap after sync {gap if gap is None else f'{gap:.2e}'}"
                  f" (max {row['logprob_gap_max'] or 0:.2e})  {row['tokens_per_s']:.0f} tok/s  "
                  f"sleep {sync.timings.get('sleep_s', 0):.2f}s  push {row['sync_push_s']:.2f}s  "
                  f"{row['time_step_s']:.1f}s", flush=True)
            if gap is None or gap > cfg.logprob_gap_tol:
                res["failures"].append(f"step {row['step']}: gap {gap} > {cfg.logprob_gap_tol}")
        # a gap measured at step k checks the push after step k-1's update
        if all(r["skipped_update"] for r in res["steps"][:-1]):
            res["failures"].append("no step before the last updated the weights (every group "
                                   "had one reward), so no gap was measured after a real push")
        trainer_params = dict(trainer.model.named_parameters())
        engine = (sync.param_sums(CHECKED_PARAMS)[0] if name == "ray" else
                  sync.llm.collective_rpc("rlvr_param_sums", args=(CHECKED_PARAMS,))[0])
        for n in CHECKED_PARAMS:
            engine_dtype = getattr(torch, cfg.dtype)  # the engine runs in cfg.dtype
            mine = float(trainer_params[n].detach().to(engine_dtype).double().sum())
            if n not in engine or abs(engine[n] - mine) > 1e-6 * max(1.0, abs(mine)):
                res["failures"].append(f"engine {n} sum {engine.get(n)} != trainer {mine}")
        res["engine_matches_trainer"] = not any("engine" in f for f in res["failures"])
        trainer.close()
    res.update(peak_gpu_used_gib=mem.peak / 2**30,
               torch_max_allocated_gib=torch.cuda.max_memory_allocated() / 2**30,
               seconds=time.perf_counter() - t0, passed=not res["failures"])
    tps = [r["tokens_per_s"] for r in res["steps"]]
    res["tokens_per_s_median"] = sorted(tps)[len(tps) // 2] if tps else None
    print(f"[{name}] peak GPU memory used {res['peak_gpu_used_gib']:.2f} GiB (device-wide), "
          f"torch max allocated {res['torch_max_allocated_gib']:.2f} GiB; engine weights == "
          f"trainer weights: {res['engine_matches_trainer']}; "
          f"{'PASS' if res['passed'] else 'FAIL: ' + '; '.join(res['failures'])}", flush=True)
    Path(result_path).write_text(json.dumps(res, indent=2))
    return 0 if res["passed"] else 1


def _run_child(cmd: list[str], env: dict[str, str], timeout: float) -> int:
    """Run a scenario in its own session; at the timeout, or once it exits, kill what is left
    of that session (vLLM's engine-core and worker processes must not outlive it)."""
    proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        rc = 124
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return rc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--scenarios", default="inproc,ipc", help=f"of {', '.join(SCENARIOS)}")
    p.add_argument("--timeout", type=float, default=480.0, help="global limit, seconds")
    p.add_argument("--out", default="runs/gpu_smoke/result.json")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--model-dir", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # this checkout's `agents`, also when run as a script
    if args.child:  # a scenario's subprocess: dump tracebacks and exit at the deadline
        import faulthandler
        faulthandler.dump_traceback_later(args.timeout, exit=True)
        return run_scenario(args.child, args.model_dir, args.steps, args.out)

    deadline = time.monotonic() + args.timeout
    names = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        print(f"gpu_smoke: unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}",
              file=sys.stderr)
        return 2
    why = preflight()
    if not why and "ray" in names and importlib.util.find_spec("ray") is None:
        why = ("gpu_smoke: scenario ray needs Ray (pip install 'rlvr-envs[ray]'); nothing "
               "was run")
    if why:
        print(why, file=sys.stderr)
        return 2
    import torch

    from agents.grpo.vllm_engine import _installed_vllm_version

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # no CUDA context here: the peak memory the scenarios sample is theirs alone
    result: dict[str, Any] = {
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "vllm": _installed_vllm_version(), "torch": torch.__version__, "steps": args.steps,
        "timeout_s": args.timeout, "scenarios": {}}
    print(f"gpu_smoke: vllm {result['vllm']}, torch {torch.__version__}", flush=True)
    with tempfile.TemporaryDirectory(prefix="gpu_smoke_") as tmp:
        model_dir = build_model_dir(Path(tmp) / "model")
        for name in names:
            left = deadline - time.monotonic()
            part = Path(tmp) / f"{name}.json"
            env = {**os.environ, **SCENARIOS[name][0],
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                               os.environ.get("PYTHONPATH")]))}
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name,
                   "--model-dir", str(model_dir), "--steps", str(args.steps),
                   "--out", str(part), "--timeout", str(max(left - 5, 1))]
            rc = _run_child(cmd, env, max(left, 1))
            res = (json.loads(part.read_text()) if part.exists()
                   else {"passed": False, "failures": [f"exit code {rc}, no result"]})
            result["scenarios"][name] = res
            if time.monotonic() >= deadline:
                print(f"gpu_smoke: global timeout of {args.timeout:.0f}s reached", flush=True)
                break
    t_total = args.timeout - (deadline - time.monotonic())
    result["seconds"] = t_total
    result["passed"] = bool(result["scenarios"]) and all(
        result["scenarios"].get(n, {}).get("passed") for n in names)
    out.write_text(json.dumps(result, indent=2))
    print(f"gpu_smoke: {'PASS' if result['passed'] else 'FAIL'} in {t_total:.0f}s; result in "
          f"{out}", flush=True)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
