"""Generation beyond one GPU: vLLM engines as Ray actors, data-parallel (issue #17 item 4).

    generator = ray_generator(cfg, model)        # backend="vllm_ray", cfg.vllm_num_engines
    policy = generator.round_policy()            # splits each batch over the engines
    generator.sync.sync(model)                   # weights to every engine, version + 1

Each `GenerationEngine` actor holds one engine on one GPU (`num_gpus=1`; a `vllm.LLM` with
its own tensor parallelism of 1, its engine core in the actor's process) and answers
`generate` for a shard of the batch. `RayGenerationPolicy` cuts the batch into contiguous
shards, one per engine, in engine order, and returns the results in the batch's order;
shard i samples with seed `seed * 7919 + i`, so a seeded run repeats for a fixed engine count.

Weights (`RaySync.push`): `weights_for_sync(model)` (plain HF names, LoRA merged) is copied
to CPU in buckets, each bucket put once in Ray's object store (`ray.put`) and its reference
sent to every engine, which loads it with the same `WeightLoader` worker extension as the
colocated engine (`vllm_worker.py`), runs `process_weights_after_loading` and resets its
prefix cache. The trainer waits for every engine, so a sync is a barrier: no engine samples
a mix of versions. Every engine reports its version; `RaySync.versions()` checks them.

What this costs and where it stops (docs/scaling.md, "Generation beyond one GPU"): the object store moves
each weight through host memory (one copy per node, then one host-to-GPU copy per engine),
about 2 x model bytes per node per step; at 7B bf16 (14 GB) that is seconds per sync,
fine for the one-step-off async loop (the push overlaps nothing but is amortised), slow for
70B. The faster transport is an NCCL broadcast from the trainer's GPU to the engines' GPUs
(vLLM's `StatelessProcessGroup` + `PyNcclCommunicator`, as in its RLHF examples, TRL's
server mode, OpenRLHF): not implemented here. Never run on a GPU or a cluster here; the
plumbing is tested on CPU with fake engines (tests/test_grpo_ray_generation.py).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..policy import Conversation, Generation, Policy, SamplingParams
from .config import GRPOConfig
from .generator import Generator
from .sync import WeightSync, weights_for_sync
from .vllm_worker import weight_buckets

RAY_HINT = "pip install 'rlvr-envs[ray]'"
DEFAULT_BUCKET_BYTES = 1 << 28


def require_ray() -> Any:
    """The `ray` module, or an ImportError that says how to install it."""
    if importlib.util.find_spec("ray") is None:
        raise ImportError(f"backend='vllm_ray' needs Ray, which is not installed: {RAY_HINT} "
                          "(and vLLM on the GPU nodes), or use backend='vllm' on one GPU")
    import ray
    return ray


def require_gpus(ray: Any, engines: int) -> None:
    """One line unless the Ray cluster has a GPU per engine (start Ray first)."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    if gpus < engines:
        raise RuntimeError(f"backend='vllm_ray' wants {engines} engine(s) of one GPU each but "
                           f"the Ray cluster has {gpus} GPU(s): lower --vllm-num-engines or "
                           "join GPU nodes (ray start --address ... on each)")


class VLLMEngine:
    """A `VLLMPolicy` (one GPU, engine core in this process) that loads pushed weights."""

    def __init__(self, model: str, seed: int, engine_kwargs: dict[str, Any]) -> None:
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")  # direct tensor push
        from ..vllm_policy import VLLMPolicy
        self.policy = VLLMPolicy(model, name="grpo", seed=seed, **engine_kwargs)

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        return self.policy.generate(conversations, sampling)

    def load_weights(self, pairs: list[tuple[str, Any]]) -> None:
        import torch
        device = torch.device("cuda", torch.cuda.current_device())
        self.policy.llm.collective_rpc(
            "rlvr_load_weights", args=([(n, t.to(device)) for n, t in pairs],))

    def finish_weights(self) -> None:
        self.policy.llm.collective_rpc("rlvr_finish_weight_update")
        self.policy.llm.reset_prefix_cache()  # its KV blocks came from the old weights

    def param_sums(self, names: list[str]) -> dict[str, float]:
        return self.policy.llm.collective_rpc("rlvr_param_sums", args=(names,))[0]


class GenerationEngine:
    """The body of one Ray actor: an engine (`factory()`: a `VLLMEngine`, or a fake in
    tests) and the version of the weights it holds."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.engine = factory()
        self.version = 0

    def generate(self, conversations: list[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        return self.engine.generate(conversations, sampling)

    def load_bucket(self, pairs: list[tuple[str, Any]]) -> int:
        self.engine.load_weights(pairs)
        return len(pairs)

    def finish(self, version: int) -> int:
        self.engine.finish_weights()
        self.version = version
        return version

    def get_version(self) -> int:
        return self.version

    def param_sums(self, names: list[str]) -> dict[str, float]:
        """float64 sums of the named engine parameters (checks that a push took effect)."""
        return self.engine.param_sums(names)


class RayGenerationPolicy(Policy):
    """Data-parallel generation over engine actors (contiguous shards, results in order)."""

    returns_token_ids = True
    name = "grpo"

    def __init__(self, actors: Sequence[Any], ray: Any) -> None:
        self.actors, self._ray = list(actors), ray
        self.max_batch_size = None
        self.max_concurrent_calls = 1

    def generate(self, conversations: Sequence[Conversation],
                 sampling: SamplingParams) -> list[Generation]:
        # envs stay with the collector: only messages, tools and the budget travel
        convs = [Conversation(c.messages, c.tools, None, c.max_total_tokens)
                 for c in conversations]
        n = len(self.actors)
        size = -(-len(convs) // n) if convs else 0
        calls = []
        for i, actor in enumerate(self.actors):
            shard = convs[i * size:(i + 1) * size]
            if shard:
                seeded = sampling if sampling.seed is None else dataclasses.replace(
                    sampling, seed=sampling.seed * 7919 + i)
                calls.append(actor.generate.remote(shard, seeded))
        return [g for part in self._ray.get(calls) for g in part]


class RaySync(WeightSync):
    """Pushes the trainer's weights to every engine actor through Ray's object store."""

    def __init__(self, actors: Sequence[Any], ray: Any,
                 bucket_bytes: int = DEFAULT_BUCKET_BYTES) -> None:
        super().__init__()
        self.actors, self._ray, self.bucket_bytes = list(actors), ray, bucket_bytes
        self.transport = "ray"
        self.timings: dict[str, float] = {}  # seconds of the last push (as VLLMSync's)

    def push(self, model: Any) -> None:
        self._push(model, self.version)

    def sync(self, model: Any) -> int:
        self._push(model, self.version + 1)
        self.version += 1
        return self.version

    def _push(self, model: Any, version: int) -> None:
        ray, t = self._ray, time.perf_counter()
        cpu = ((n, t.detach().to("cpu")) for n, t in weights_for_sync(model))
        for bucket in weight_buckets(cpu, self.bucket_bytes):
            ref = ray.put(bucket)  # one copy in the object store, read by every engine
            ray.get([a.load_bucket.remote(ref) for a in self.actors])
        got = ray.get([a.finish.remote(version) for a in self.actors])
        self.timings["push_s"] = self.timings["load_s"] = time.perf_counter() - t
        if got != [version] * len(self.actors):
            raise RuntimeError(f"engines report weight versions {got} after pushing "
                               f"version {version}")

    def versions(self) -> list[int]:
        """The weight version each engine holds."""
        return list(self._ray.get([a.get_version.remote() for a in self.actors]))

    def param_sums(self, names: list[str]) -> list[dict[str, float]]:
        """Per engine, float64 sums of the named parameters."""
        return list(self._ray.get([a.param_sums.remote(names) for a in self.actors]))


class RayGenerator(Generator):
    """`RayGenerationPolicy` + `RaySync` over the same engine actors."""

    sync: RaySync

    def __init__(self, actors: Sequence[Any], ray: Any) -> None:
        super().__init__(RayGenerationPolicy(actors, ray), RaySync(actors, ray))
        self.actors = list(actors)

    def close(self) -> None:
        for a in self.actors:
            self.sync._ray.kill(a)


def ray_generator(cfg: GRPOConfig, model: Any,
                  engine_factory: Callable[[int], Callable[[], Any]] | None = None,
                  num_gpus: float = 1.0) -> RayGenerator:
    """`cfg.vllm_num_engines` engine actors on the running Ray cluster (`ray.init()` is
    called with no address when Ray is not initialised: a local instance, or the cluster of
    RAY_ADDRESS), synced from `model` now. `engine_factory(i)` returns engine i's factory
    (default: a `VLLMEngine` of `cfg.model` with the colocated path's options); tests pass
    fakes with `num_gpus=0`."""
    ray = require_ray()
    if engine_factory is None and (cfg.model == "tiny" or not os.path.isdir(cfg.model)):
        raise ValueError(f"backend='vllm_ray' loads the model from a checkpoint directory "
                         f"every engine node can read, got model={cfg.model!r}")
    if not ray.is_initialized():
        ray.init()
    engines = cfg.vllm_num_engines
    if engine_factory is None:
        require_gpus(ray, engines)
        from .vllm_engine import engine_kwargs, model_context_length
        kwargs = {**engine_kwargs(cfg, model_context_length(cfg.model)),
                  "tensor_parallel_size": 1, "enable_sleep_mode": False}

        def engine_factory(i: int) -> Callable[[], Any]:
            return lambda: VLLMEngine(cfg.model, cfg.seed + i, kwargs)
    actor_cls = ray.remote(num_gpus=num_gpus)(GenerationEngine)
    actors = [actor_cls.remote(engine_factory(i)) for i in range(engines)]
    generator = RayGenerator(actors, ray)
    generator.sync.push(model)  # the trainer's weights (LoRA merged) from step 0
    return generator


__all__ = ["GenerationEngine", "RayGenerationPolicy", "RayGenerator", "RaySync", "VLLMEngine",
           "ray_generator", "require_gpus", "require_ray"]
