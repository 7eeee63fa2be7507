"""The vLLM engine of the GRPO learner, checked on CPU with a fake `vllm.LLM` that records calls.

vLLM never runs here (no GPU, not installed). The fake engine keeps the state a real one has
(which memory is asleep, whether the call crosses a process boundary) and refuses what vLLM
would get wrong (loading weights into slept memory, generating while asleep, tensors through
a multiprocess RPC), and its workers are `WeightLoader`s over a plain HF model whose
`load_weights` copies by name as vLLM's default loader does. So these tests check the engine
options, the environment checks, the weight transports and the order of the lifecycle:
sleep -> update -> wake weights -> load -> process_weights_after_loading -> wake KV cache ->
reset prefix cache.
"""

import os
import re
from types import SimpleNamespace

import pytest
import torch

from agents.grpo import GRPOConfig, GRPOTrainer, vllm_engine, vllm_worker
from agents.grpo.sync import plain_copy, weights_for_sync
from agents.grpo.vllm_engine import (
    EngineEnvironmentError,
    VLLMGenerator,
    VLLMSync,
    check_engine_environment,
    engine_kwargs,
    model_context_length,
)
from agents.grpo.vllm_worker import (
    WORKER_EXTENSION,
    WeightLoader,
    pack_weights,
    unpack_weights,
    weight_buckets,
)
from agents.hf_policy import HFPolicy
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_gpu_path import ENVS, _lora
from tests.test_grpo_trainer import _cfg

# ---- the fake engine -------------------------------------------------------------------------


class EngineModel(torch.nn.Module):
    """A vLLM-style model over a plain HF model: `load_weights` copies by name."""

    def __init__(self, hf_model):
        super().__init__()
        self.hf = hf_model

    def named_parameters(self, *args, **kwargs):  # the HF names, as vLLM's unfused layers
        return self.hf.named_parameters(*args, **kwargs)

    @torch.no_grad()
    def load_weights(self, weights):
        params = self.hf.state_dict()
        loaded = set()
        for name, tensor in weights:
            params[name].copy_(tensor)  # KeyError on a name the engine does not have
            loaded.add(name)
        return loaded


class FakeWorker(WeightLoader):
    def __init__(self, hf_model):
        self.model_runner = SimpleNamespace(model=EngineModel(hf_model))
        self.model_config = "model-config"
        self.device = torch.device("cpu")


def _msgpack_plain(x) -> bool:
    """What msgpack carries without vLLM's pickle fallback: no tensors, no arbitrary objects."""
    if isinstance(x, (list, tuple)):
        return all(_msgpack_plain(v) for v in x)
    return x is None or isinstance(x, (bytes, str, int, float, bool))


class FakeLLM:
    """Records every call in `events`; `multiprocess=True` accepts only RPC arguments that
    vLLM's msgpack transport carries between processes (no tensors, no pickled objects)."""

    def __init__(self, engine_models, events, *, multiprocess=False):
        self.workers = [FakeWorker(m) for m in engine_models]
        self.events, self.multiprocess = events, multiprocess
        self.sleeping: set[str] = set()

    def sleep(self, level=1):
        self.events.append(f"sleep({level})")
        self.sleeping = {"weights", "kv_cache"}

    def wake_up(self, tags=None):
        self.events.append(f"wake_up({','.join(tags) if tags else 'all'})")
        self.sleeping -= set(tags or ("weights", "kv_cache"))

    def collective_rpc(self, method, timeout=None, args=(), kwargs=None):
        self.events.append(f"rpc:{method}")
        if "weights" in self.sleeping:
            raise AssertionError(f"{method} while the weights sleep: it would write freed memory")
        if self.multiprocess:
            assert all(_msgpack_plain(a) for a in args), args
        return [getattr(w, method)(*args, **(kwargs or {})) for w in self.workers]

    def reset_prefix_cache(self):
        self.events.append("reset_prefix_cache")
        return True


@pytest.fixture
def post_load(monkeypatch):
    """Stands in for vLLM's process_weights_after_loading; records (model, config, device)."""
    calls = []
    monkeypatch.setattr(vllm_worker, "_process_weights_after_loading",
                        lambda: lambda model, config, device: calls.append(
                            (model, config, device)))
    return calls


def _events_compact(events):
    """Consecutive identical events collapsed ('rpc:rlvr_load_weights' x3 -> one)."""
    return [e for i, e in enumerate(events) if i == 0 or events[i - 1] != e]


def _state_equal(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


# ---- engine options ----------------------------------------------------------------------------


def test_engine_kwargs_derive_the_context_from_the_episode_budget(tmp_path):
    kw = engine_kwargs(GRPOConfig(backend="vllm", max_episode_tokens=1536), model_max_len=8192)
    assert kw == {"dtype": "float32", "gpu_memory_utilization": 0.3,
                  "enable_prefix_caching": True, "max_model_len": 1536,
                  "max_num_batched_tokens": 4096, "tensor_parallel_size": 1,
                  "enable_sleep_mode": False, "worker_extension_cls": WORKER_EXTENSION}
    assert WORKER_EXTENSION == "agents.grpo.vllm_worker.WeightLoader"
    # capped at the model's context; explicit values win
    assert engine_kwargs(GRPOConfig(max_episode_tokens=4096), 2048)["max_model_len"] == 2048
    cfg = GRPOConfig(vllm_max_model_len=1024, vllm_max_num_batched_tokens=8192,
                     vllm_tensor_parallel_size=2, vllm_enable_sleep_mode=True,
                     vllm_gpu_memory_utilization=0.5, precision="bf16-mixed")
    kw = engine_kwargs(cfg, None)
    assert (kw["max_model_len"], kw["max_num_batched_tokens"], kw["tensor_parallel_size"],
            kw["enable_sleep_mode"], kw["gpu_memory_utilization"], kw["dtype"]) == (
        1024, 8192, 2, True, 0.5, "bfloat16")
    with pytest.raises(ValueError, match="vllm_max_model_len=1024 exceeds the model's context"):
        engine_kwargs(cfg, 512)
    with pytest.raises(ValueError, match="vllm_tensor_parallel_size must be >= 1"):
        GRPOConfig(vllm_tensor_parallel_size=0)
    # the model's context comes from its saved config
    build_tiny_model_and_tokenizer(0, save_dir=str(tmp_path / "m"))
    assert model_context_length(str(tmp_path / "m")) == 8192


def test_engine_options_are_cli_flags():
    import argparse

    from agents.grpo.config import add_config_arguments, config_from_args
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    cfg = config_from_args(parser.parse_args(
        ["--vllm-max-model-len", "2048", "--vllm-max-num-batched-tokens", "8192",
         "--vllm-enable-sleep-mode", "--vllm-tensor-parallel-size", "2"]))
    assert (cfg.vllm_max_model_len, cfg.vllm_max_num_batched_tokens,
            cfg.vllm_enable_sleep_mode, cfg.vllm_tensor_parallel_size) == (2048, 8192, True, 2)


# ---- the environment -------------------------------------------------------------------------


def _check(env, gpus=1, version="0.11.0", **cfg):
    cfg = {"backend": "vllm", "device": "cuda", **cfg}
    return check_engine_environment(GRPOConfig(**cfg), env, gpus, vllm_version=version)


def test_the_environment_picks_the_weight_transport():
    assert _check({}) == "direct"  # engine core and its one worker in this process
    assert _check({"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}) == "direct"
    assert _check({"VLLM_ENABLE_V1_MULTIPROCESSING": "1"}) == "ipc"
    assert _check({}, gpus=2, vllm_tensor_parallel_size=2) == "ipc"
    assert _check({"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True"}) == "direct"
    assert _check({}, version="0.29.0rc1+cu128") == "direct"


@pytest.mark.parametrize("env,gpus,cfg,names", [
    ({"VLLM_USE_V1": "0"}, 1, {}, "VLLM_USE_V1=0"),
    ({"VLLM_ENABLE_V1_MULTIPROCESSING": "true"}, 1, {}, "VLLM_ENABLE_V1_MULTIPROCESSING='true'"),
    ({"PYTORCH_CUDA_ALLOC_CONF": "max_split_size_mb:128,expandable_segments:True"}, 1,
     {"vllm_enable_sleep_mode": True}, "PYTORCH_CUDA_ALLOC_CONF="),
    ({"CUDA_VISIBLE_DEVICES": "3"}, 1, {"vllm_tensor_parallel_size": 2},
     "CUDA_VISIBLE_DEVICES='3'"),
    ({"CUDA_VISIBLE_DEVICES": "0"}, 1, {"device": "cuda:1"}, "CUDA_VISIBLE_DEVICES='0'"),
])
def test_an_environment_that_breaks_the_engine_fails_in_one_line(env, gpus, cfg, names):
    with pytest.raises(EngineEnvironmentError) as e:
        _check(env, gpus, **cfg)
    msg = str(e.value)
    assert "\n" not in msg and names in msg
    assert re.search(r": (unset|set|remove|list|use) ", msg)  # ... and what to do


def test_an_old_vllm_is_refused_with_the_version_to_install():
    with pytest.raises(EngineEnvironmentError, match=r"needs vllm>=0\.10\.2.*found vllm 0\.8\.5"):
        _check({}, version="0.8.5")


def test_a_gpu_hidden_by_cuda_visible_devices_is_named(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="CUDA_VISIBLE_DEVICES='' hides every GPU"):
        vllm_engine.require_gpu(environ={"CUDA_VISIBLE_DEVICES": ""})
    with pytest.raises(RuntimeError, match=r"is False\); use backend='hf'"):
        vllm_engine.require_gpu(environ={})


# ---- weight transport --------------------------------------------------------------------------


def test_weight_buckets_keep_order_and_bound_the_size():
    model, _ = build_tiny_model_and_tokenizer(0)
    pairs = list(weights_for_sync(model))
    limit = 20_000
    buckets = list(weight_buckets(pairs, limit))
    assert [n for b in buckets for n, _ in b] == [n for n, _ in pairs]
    assert len(buckets) > 3
    for b in buckets:
        assert len(b) == 1 or sum(t.nbytes for _, t in b) <= limit
    assert len(list(weight_buckets(pairs, 1 << 40))) == 1


def test_packed_weights_are_bytes_that_unpack_to_the_same_tensors():
    model, _ = build_tiny_model_and_tokenizer(0)
    bucket = next(weight_buckets(weights_for_sync(model), 1 << 40))
    payload = pack_weights(bucket)
    assert isinstance(payload, bytes)
    back = unpack_weights(payload)
    assert [n for n, _ in back] == [n for n, _ in bucket]
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(back, bucket))


@pytest.mark.parametrize("transport,workers", [("direct", 1), ("ipc", 1), ("ipc", 2)])
def test_push_loads_every_worker_then_post_processes_then_resets(post_load, transport, workers):
    model, _ = build_tiny_model_and_tokenizer(0)
    engines = [build_tiny_model_and_tokenizer(1)[0] for _ in range(workers)]
    assert not _state_equal(model, engines[0])
    events = []
    llm = FakeLLM(engines, events, multiprocess=transport == "ipc")
    sync = VLLMSync(llm, transport=transport, bucket_bytes=50_000)
    assert sync.sync(model) == 1
    assert all(_state_equal(model, e) for e in engines)
    loads = events.count("rpc:rlvr_load_weights")
    assert loads == len(list(weight_buckets(weights_for_sync(model), 50_000))) > 1
    assert events == ["rpc:rlvr_load_weights"] * loads + [
        "rpc:rlvr_finish_weight_update", "reset_prefix_cache"]
    # vLLM's post-load step ran once per worker, on its model, after all the loads
    assert [(m, c, d) for m, c, d in post_load] == [
        (w.model_runner.model, "model-config", torch.device("cpu")) for w in llm.workers]
    assert sync.timings["tensors"] == len(model.state_dict())
    sums = llm.collective_rpc("rlvr_param_sums", args=(["model.norm.weight", "nope"],))
    assert sums == [{"model.norm.weight": float(model.model.norm.weight.double().sum())}] * workers


def test_a_push_of_a_lora_model_loads_the_merged_weights_in_buckets(post_load):
    torch.manual_seed(0)
    model = _lora(build_tiny_model_and_tokenizer(0)[0])
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_()  # B != 0: the merge changes the weights
    engine = build_tiny_model_and_tokenizer(1)[0]
    VLLMSync(FakeLLM([engine], [], multiprocess=True), transport="ipc",
             bucket_bytes=10_000).push(model)
    assert _state_equal(plain_copy(model), engine)


def test_sleep_mode_order_sleep_update_wake_weights_load_wake_cache_reset(post_load):
    model, _ = build_tiny_model_and_tokenizer(0)
    events = []
    llm = FakeLLM([build_tiny_model_and_tokenizer(1)[0]], events)
    sync = VLLMSync(llm, sleep_mode=True)
    sync.sleep()
    sync.sleep()  # idempotent
    assert llm.sleeping == {"weights", "kv_cache"}
    events.append("update")
    sync.sync(model)
    assert _events_compact(events) == [
        "sleep(1)", "update", "wake_up(weights)", "rpc:rlvr_load_weights",
        "rpc:rlvr_finish_weight_update", "wake_up(kv_cache)", "reset_prefix_cache"]
    assert not llm.sleeping and not sync.asleep
    assert {"sleep_s", "load_s", "push_s"} <= set(sync.timings)
    # without sleep mode, sleep() does nothing
    events.clear()
    VLLMSync(llm, sleep_mode=False).sleep()
    assert events == []


def test_a_round_never_samples_from_a_sleeping_engine(post_load):
    events = []
    llm = FakeLLM([build_tiny_model_and_tokenizer(1)[0]], events)
    sync = VLLMSync(llm, sleep_mode=True)
    model, tok = build_tiny_model_and_tokenizer(1)
    gen = VLLMGenerator(HFPolicy(model, tok), sync)
    sync.sleep()
    assert gen.round_policy() is gen.policy
    assert events == ["sleep(1)", "wake_up(all)"] and not llm.sleeping


# ---- the whole loop --------------------------------------------------------------------------


class GuardedPolicy(HFPolicy):
    """HF generation on the engine's model that refuses to run while the engine sleeps."""

    def __init__(self, model, tok, llm):
        super().__init__(model, tok, batch_size=8)
        self.llm = llm

    def generate(self, conversations, sampling):
        assert not self.llm.sleeping, "generation while the engine sleeps"
        self.llm.events.append("generate")
        return super().generate(conversations, sampling)


def _fake_vllm_generator(events, dtype=None, **sync_kw):
    """A generator on a fake engine holding a plain copy of the model; in `dtype` when given
    (vLLM runs in `cfg.dtype`, bfloat16 under both bf16 precisions: pushes cast to it)."""
    def factory(model, tok):
        target = plain_copy(model).eval()
        if dtype is not None:
            target.to(dtype)
        target.generation_config.suppress_tokens = None  # sample what the trainer scores
        llm = FakeLLM([target], events)
        sync = VLLMSync(llm, **sync_kw)
        sync.push(model)
        return VLLMGenerator(GuardedPolicy(target, tok, llm), sync)
    return factory


@pytest.mark.parametrize("sleep_mode", [True, False])
def test_a_training_run_drives_the_engine_lifecycle_every_step(tmp_path, post_load, sleep_mode):
    events = []
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, steps=3), model, tok, envs=ENVS,
                     generator=_fake_vllm_generator(events, sleep_mode=sleep_mode))
    update = tr.update
    tr.update = lambda *a, **k: (events.append("update"), update(*a, **k))[1]
    hist = tr.train()
    per_step = (["generate", "sleep(1)", "update", "wake_up(weights)", "rpc:rlvr_load_weights",
                 "rpc:rlvr_finish_weight_update", "wake_up(kv_cache)", "reset_prefix_cache"]
                if sleep_mode else
                ["generate", "update", "rpc:rlvr_load_weights", "rpc:rlvr_finish_weight_update",
                 "reset_prefix_cache"])
    initial = ["rpc:rlvr_load_weights", "rpc:rlvr_finish_weight_update", "reset_prefix_cache"]
    assert _events_compact(events) == initial + per_step * 3
    assert [m["version"] for m in hist] == [1, 2, 3]
    assert not any(m["skipped_update"] for m in hist)
    # every push took: the engine's model is the trainer's, the gap stays at fp32 noise
    assert _state_equal(tr.model, tr.generator.policy.model)
    assert all(m["logprob_gap_mean"] < tr.cfg.logprob_gap_tol for m in hist)
    assert len(post_load) == 4  # initial push + one per step


# ---- building the engine ---------------------------------------------------------------------


def _fake_vllm_module(monkeypatch, events, *, with_logprobs_mode=True):
    """A stand-in `vllm` package: EngineArgs fields, and an LLM that records its kwargs."""
    import dataclasses
    import importlib.machinery
    import sys
    import types

    fields = [("model", str, "")] + ([("logprobs_mode", str, "raw_logprobs")]
                                     if with_logprobs_mode else [])
    module = types.ModuleType("vllm")
    module.__spec__ = importlib.machinery.ModuleSpec("vllm", None)
    module.__version__ = "0.11.0"
    module.EngineArgs = dataclasses.make_dataclass("EngineArgs", fields)
    built = []

    class LLM(FakeLLM):
        def __init__(self, model, **kwargs):
            built.append(kwargs)
            hf, tok = build_tiny_model_and_tokenizer(1)
            super().__init__([hf], events)
            self.tok = tok
            self.llm_engine = SimpleNamespace(
                model_config=SimpleNamespace(max_model_len=kwargs["max_model_len"]))

        def get_tokenizer(self):
            return self.tok

    module.LLM = LLM
    monkeypatch.setitem(sys.modules, "vllm", module)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: None)
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    return built


@pytest.mark.parametrize("with_logprobs_mode", [True, False])
def test_vllm_generator_builds_one_engine_with_the_configured_options(
        tmp_path, monkeypatch, post_load, with_logprobs_mode):
    events = []
    built = _fake_vllm_module(monkeypatch, events, with_logprobs_mode=with_logprobs_mode)
    monkeypatch.delenv("VLLM_ENABLE_V1_MULTIPROCESSING", raising=False)
    build_tiny_model_and_tokenizer(0, save_dir=str(tmp_path / "ckpt"))
    cfg = GRPOConfig(backend="vllm", model=str(tmp_path / "ckpt"), seed=7,
                     max_episode_tokens=700, vllm_enable_sleep_mode=True)
    model, _ = build_tiny_model_and_tokenizer(0)
    gen = vllm_engine.vllm_generator(cfg, model)
    assert len(built) == 1  # one engine, never a retry
    expected = {**engine_kwargs(cfg, 8192), "seed": 7}
    if with_logprobs_mode:
        expected["logprobs_mode"] = "processed_logprobs"
    assert built[0] == expected and built[0]["max_model_len"] == 700
    assert isinstance(gen, VLLMGenerator) and gen.sync.transport == "direct"
    assert gen.sync.sleep_mode and os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] == "0"
    assert gen.policy.max_context == 700
    info = gen.policy.describe()
    assert info["logprobs_mode"] == ("processed_logprobs" if with_logprobs_mode else "raw")
    assert info["engine"]["enable_sleep_mode"] is True
    # the engine starts with the trainer's weights
    assert events == ["rpc:rlvr_load_weights", "rpc:rlvr_finish_weight_update",
                      "reset_prefix_cache"]
    assert _state_equal(model, gen.sync.llm.workers[0].model_runner.model.hf)


def test_vllm_generator_uses_the_ipc_push_when_the_engine_runs_in_a_subprocess(
        tmp_path, monkeypatch, post_load):
    _fake_vllm_module(monkeypatch, [])
    monkeypatch.setenv("VLLM_ENABLE_V1_MULTIPROCESSING", "1")
    build_tiny_model_and_tokenizer(0, save_dir=str(tmp_path / "ckpt"))
    gen = vllm_engine.vllm_generator(GRPOConfig(backend="vllm", model=str(tmp_path / "ckpt")),
                                     build_tiny_model_and_tokenizer(0)[0])
    assert gen.sync.transport == "ipc"
