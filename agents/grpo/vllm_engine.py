"""The GPU path: a colocated vLLM engine, its options, its lifecycle and weight sync.

`vllm_generator(cfg, model)` builds `agents.vllm_policy.VLLMPolicy` on a `vllm.LLM` on the
trainer's GPU(s) (`engine_kwargs`: memory share, context, batched tokens, tensor parallelism,
sleep mode) and a `VLLMSync` for it. Targets vLLM >= 0.10.2 (the V1 engine with
`logprobs_mode`, `worker_extension_cls`, `collective_rpc`, `sleep`/`wake_up(tags=...)`);
every call was checked in vLLM's source (a 2026 `entrypoints/llm.py`, the V1 GPU worker, the
RLHF examples), never run here (no GPU).

One step with sleep mode (`vllm_enable_sleep_mode`), as the trainer drives it:

    generate (engine awake) -> sync.sleep(): llm.sleep(level=1), weights to CPU, KV cache
    freed -> trainer scores and updates (the freed memory is the trainer's) -> sync.sync():
    torch.cuda.empty_cache(); llm.wake_up(["weights"]); load weights; post-process;
    llm.wake_up(["kv_cache"]); llm.reset_prefix_cache() -> next generate

Weights are woken before the KV cache so that the push (merged LoRA tensors, IPC views) runs
while the cache is still unallocated. Without sleep mode the push is the same minus the
sleep/wake calls. `VLLMSync.push` streams `weights_for_sync(model)` (plain HF names; LoRA
merged) in buckets through `llm.collective_rpc` into every worker's `load_weights`, then
runs `process_weights_after_loading` (`vllm_worker.py`), then resets the prefix cache (its
KV blocks were computed with the old weights). The trainer's log-prob gap check catches a
push that did not take effect; the loss's TIS correction (`is_correction`) covers the normal
bf16 kernel mismatch.
"""

from __future__ import annotations

import importlib.metadata
import os
import time
from collections.abc import Mapping
from typing import Any

from .config import GRPOConfig
from .generator import Generator
from .sync import WeightSync, weights_for_sync
from .vllm_worker import WORKER_EXTENSION, pack_weights, weight_buckets

MIN_VLLM = "0.10.2"
DEFAULT_MAX_NUM_BATCHED_TOKENS = 4096
DEFAULT_BUCKET_BYTES = 1 << 30


class EngineEnvironmentError(RuntimeError):
    """The environment (a variable, the GPUs, the vLLM version) makes the engine unusable;
    the message names it and what to set."""


def require_gpu(cfg: GRPOConfig | None = None, environ: Mapping[str, str] | None = None
                ) -> None:
    """Raise a clear one-line error unless a CUDA GPU is visible, vLLM is installed, and (with
    `cfg`) the environment lets the configured engine work (`check_engine_environment`). The
    GPU is checked first: without one, installing vLLM would not help."""
    import torch

    env = os.environ if environ is None else environ
    if not torch.cuda.is_available():
        hidden = ("CUDA_VISIBLE_DEVICES" in env and not env["CUDA_VISIBLE_DEVICES"].strip()
                  or env.get("CUDA_VISIBLE_DEVICES", "").strip() == "-1")
        raise RuntimeError(
            "backend='vllm' needs a CUDA GPU and none is visible (torch.cuda.is_available() "
            "is False" + (f"; CUDA_VISIBLE_DEVICES={env['CUDA_VISIBLE_DEVICES']!r} hides every "
                          "GPU: unset it or list one" if hidden else "")
            + "); use backend='hf' (CPU or GPU) instead")
    from ..vllm_policy import require_vllm
    require_vllm()
    if cfg is not None:
        check_engine_environment(cfg, env, torch.cuda.device_count())


def check_engine_environment(cfg: GRPOConfig, environ: Mapping[str, str],
                             visible_gpus: int, vllm_version: str | None = None) -> str:
    """Fail fast, with one line naming the variable and what to set, where the environment
    makes the configured engine unusable; returns the weight transport it allows (`direct`:
    engine in this process, one worker; `ipc`: vLLM worker processes, CUDA IPC handles)."""
    version = vllm_version or _installed_vllm_version()
    if _version_tuple(version) < _version_tuple(MIN_VLLM):
        raise EngineEnvironmentError(
            f"backend='vllm' needs vllm>={MIN_VLLM} (V1 engine with logprobs_mode, "
            f"worker_extension_cls and sleep tags), found vllm {version}: "
            f"pip install 'vllm>={MIN_VLLM}'")
    if environ.get("VLLM_USE_V1", "").strip() == "0":
        raise EngineEnvironmentError(
            "VLLM_USE_V1=0 asks for vLLM's V0 engine, which backend='vllm' does not support "
            "(V1 only; vLLM 0.11 removed V0): unset VLLM_USE_V1")
    mp = environ.get("VLLM_ENABLE_V1_MULTIPROCESSING", "0").strip()
    if mp not in ("0", "1"):
        raise EngineEnvironmentError(
            f"VLLM_ENABLE_V1_MULTIPROCESSING={mp!r} is not 0 or 1 (vLLM reads an integer): set "
            "0 (engine in this process, direct weight push) or 1 (engine subprocess, CUDA IPC "
            "push), or unset it (0)")
    alloc = environ.get("PYTORCH_CUDA_ALLOC_CONF", "")
    if cfg.vllm_enable_sleep_mode and "expandable_segments:True" in alloc.replace(" ", ""):
        raise EngineEnvironmentError(
            f"PYTORCH_CUDA_ALLOC_CONF={alloc!r} enables expandable segments, which vLLM's sleep "
            "mode allocator rejects (pytorch#147851): remove expandable_segments:True from it "
            "or drop --vllm-enable-sleep-mode")
    tp = cfg.vllm_tensor_parallel_size
    shown = environ.get("CUDA_VISIBLE_DEVICES")
    where = f" (CUDA_VISIBLE_DEVICES={shown!r})" if shown is not None else ""
    if tp > visible_gpus:
        raise EngineEnvironmentError(
            f"--vllm-tensor-parallel-size {tp} needs {tp} GPUs but {visible_gpus} visible"
            f"{where}: list more GPUs in CUDA_VISIBLE_DEVICES or lower "
            "--vllm-tensor-parallel-size")
    index = _cuda_index(cfg.device)
    if index is not None and index >= visible_gpus:
        raise EngineEnvironmentError(
            f"device={cfg.device!r} but {visible_gpus} GPU(s) visible{where}: use --device "
            f"cuda:0..cuda:{visible_gpus - 1} or list that GPU in CUDA_VISIBLE_DEVICES")
    return "direct" if mp == "0" and tp == 1 else "ipc"


def _installed_vllm_version() -> str:
    try:
        return importlib.metadata.version("vllm")
    except importlib.metadata.PackageNotFoundError:  # importable without package metadata
        import vllm
        return str(vllm.__version__)


def _version_tuple(version: str) -> tuple[int, ...]:
    from packaging.version import Version
    return Version(version).release[:3]  # "0.11.0rc1+cu128" -> (0, 11, 0)


def _cuda_index(device: str) -> int | None:
    if not device.startswith("cuda"):
        return None
    _, _, idx = device.partition(":")
    return int(idx) if idx.isdigit() else 0


def engine_kwargs(cfg: GRPOConfig, model_max_len: int | None) -> dict[str, Any]:
    """The `vllm.LLM` keyword arguments of `cfg` (besides the model and seed).

    `max_model_len` is `vllm_max_model_len`, else `max_episode_tokens` (no request of an
    episode can be longer: prompt and every turn count against that budget), capped at the
    model's `model_max_len`; vLLM sizes its KV cache blocks and CUDA graphs by it.
    `max_num_batched_tokens` is `vllm_max_num_batched_tokens`, else 4096 (TRL's colocate
    value: vLLM's memory profiling reserves activations for that many tokens at once, and the
    V1 engine chunks longer prefills)."""
    if model_max_len and cfg.vllm_max_model_len > model_max_len:
        raise ValueError(f"vllm_max_model_len={cfg.vllm_max_model_len} exceeds the model's "
                         f"context ({model_max_len} max_position_embeddings): lower "
                         "--vllm-max-model-len (0 derives it)")
    max_len = cfg.vllm_max_model_len or cfg.max_episode_tokens
    if model_max_len:
        max_len = min(max_len, model_max_len)
    return {
        "dtype": cfg.dtype,
        "gpu_memory_utilization": cfg.vllm_gpu_memory_utilization,
        "enable_prefix_caching": True,
        "max_model_len": max_len,
        "max_num_batched_tokens": (cfg.vllm_max_num_batched_tokens
                                   or DEFAULT_MAX_NUM_BATCHED_TOKENS),
        "tensor_parallel_size": cfg.vllm_tensor_parallel_size,
        "enable_sleep_mode": cfg.vllm_enable_sleep_mode,
        "worker_extension_cls": WORKER_EXTENSION,
    }


def model_context_length(model_dir: str) -> int | None:
    """`max_position_embeddings` of the checkpoint's config (None when it has none)."""
    from transformers import AutoConfig
    config = AutoConfig.from_pretrained(model_dir)
    config = getattr(config, "text_config", None) or config
    value = getattr(config, "max_position_embeddings", None)
    return int(value) if value else None


def _empty_cuda_cache() -> None:
    import torch
    if torch.cuda.is_available():
        torch.cuda.empty_cache()  # the trainer's cached free blocks back to the driver


class VLLMSync(WeightSync):
    """Pushes trainer weights into a vLLM engine through `collective_rpc`, and puts the
    engine to sleep around the trainer's update when `sleep_mode` is on.

    `transport` is `direct` (the engine's workers run in this process: tensors passed as
    they are) or `ipc` (worker processes: CUDA IPC handles, `vllm_worker.pack_weights`).
    `timings` holds the seconds of the last sleep, wake and load phases."""

    def __init__(self, llm: Any, *, transport: str = "direct", sleep_mode: bool = False,
                 bucket_bytes: int = DEFAULT_BUCKET_BYTES) -> None:
        super().__init__()
        if transport not in ("direct", "ipc"):
            raise ValueError(f"transport={transport!r}; choose 'direct' or 'ipc'")
        self.llm, self.transport = llm, transport
        self.sleep_mode, self.bucket_bytes = sleep_mode, bucket_bytes
        self.asleep = False
        self.timings: dict[str, float] = {}

    def sleep(self) -> None:
        """Level-1 sleep (weights offloaded to CPU, KV cache freed) until the next push; a
        no-op without sleep mode. Level 1 rather than 2: level 2 discards the weights and
        buffers that a push does not rewrite (vLLM#29341 shows garbled output after it)."""
        if not self.sleep_mode or self.asleep:
            return
        t = time.perf_counter()
        self.llm.sleep(level=1)
        self.asleep = True
        self.timings["sleep_s"] = time.perf_counter() - t

    def wake(self) -> None:
        """Wake without a push (level 1 kept the weights): before sampling from an engine
        that slept without a sync after it."""
        if self.asleep:
            _empty_cuda_cache()
            self.llm.wake_up()
            self.asleep = False

    def push(self, model: Any) -> None:
        timings, t = self.timings, time.perf_counter()
        woke = self.asleep
        if woke:
            _empty_cuda_cache()
            self.llm.wake_up(tags=["weights"])  # weights first, KV cache after the load
        t_load = time.perf_counter()
        tensors = 0
        for bucket in weight_buckets(weights_for_sync(model), self.bucket_bytes):
            payload = bucket if self.transport == "direct" else pack_weights(bucket)
            self.llm.collective_rpc("rlvr_load_weights", args=(payload,))
            tensors += len(bucket)
            del payload, bucket  # freed before the next bucket is built (merged LoRA tensors)
        self.llm.collective_rpc("rlvr_finish_weight_update")
        timings["load_s"] = time.perf_counter() - t_load
        if woke:
            _empty_cuda_cache()
            self.llm.wake_up(tags=["kv_cache"])
            self.asleep = False
        self.llm.reset_prefix_cache()  # cached KV blocks were computed with the old weights
        timings["push_s"] = time.perf_counter() - t
        timings["tensors"] = float(tensors)


class VLLMGenerator(Generator):
    """`VLLMPolicy` + `VLLMSync`; a collection round never samples from a sleeping engine."""

    sync: VLLMSync

    def round_policy(self) -> Any:
        self.sync.wake()
        return self.policy


def vllm_generator(cfg: GRPOConfig, model: Any) -> Generator:
    """`VLLMPolicy` on an engine loaded from `cfg.model` (`engine_kwargs`), synced from `model`
    now; the engine core runs in this process unless VLLM_ENABLE_V1_MULTIPROCESSING=1."""
    require_gpu()
    if cfg.model == "tiny" or not os.path.isdir(cfg.model):
        raise ValueError(f"backend='vllm' loads the model from a checkpoint directory, got "
                         f"model={cfg.model!r}; pass --model path/to/checkpoint (the tiny "
                         "model is for backend='hf' on CPU)")
    # the direct push needs the engine core (and its one worker) in this process
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    import torch
    transport = check_engine_environment(cfg, os.environ, torch.cuda.device_count())
    from ..vllm_policy import VLLMPolicy
    policy = VLLMPolicy(cfg.model, name="grpo", seed=cfg.seed,
                        **engine_kwargs(cfg, model_context_length(cfg.model)))
    sync = VLLMSync(policy.llm, transport=transport, sleep_mode=cfg.vllm_enable_sleep_mode)
    sync.push(model)  # the trainer's weights (an injected model, LoRA merged) from step 0
    return VLLMGenerator(policy, sync)


__all__ = ["EngineEnvironmentError", "VLLMGenerator", "VLLMSync", "check_engine_environment",
           "engine_kwargs", "model_context_length", "require_gpu", "vllm_generator"]
