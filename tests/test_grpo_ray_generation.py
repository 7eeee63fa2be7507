"""vLLM engines as Ray actors (issue #17 item 4), plumbing only: the engines here are fakes
(an HF tiny model each, no GPU); sharding, ordering, seeds, the weight push through Ray's
object store with its version barrier, and a GRPO run whose sampler lives in two actors."""

from __future__ import annotations

import sys

import pytest
import torch

from agents.grpo import GRPOConfig, GRPOTrainer, ray_generation
from agents.hf_policy import HFPolicy
from agents.policy import Conversation, SamplingParams
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_trainer import EvenLengthEnv, _cfg, _params


class TinyEngine:
    """A stand-in for `VLLMEngine`: the tiny HF model, loading pushed weights by name."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.model, self.tok = build_tiny_model_and_tokenizer(1 + index)  # not the trainer's
        self.model.eval()
        self.model.generation_config.suppress_tokens = None
        self.pending: dict[str, torch.Tensor] = {}

    def generate(self, conversations, sampling):
        assert all(c.env is None for c in conversations)  # envs never leave the collector
        gens = HFPolicy(self.model, self.tok).generate(conversations, sampling)
        for g in gens:
            g.text = f"{self.index}|{g.text}"
        return gens

    def load_weights(self, pairs):
        self.pending.update({n: t.clone() for n, t in pairs})

    def finish_weights(self):
        self.model.load_state_dict(self.pending, strict=True)
        self.pending = {}


@pytest.fixture(scope="module")
def ray():
    import ray  # the ray extra (CI installs it): missing, this fails loudly
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=80 * 1024 * 1024)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


def _generator(model, engines=2, bucket_bytes=None):
    gen = ray_generation.ray_generator(
        GRPOConfig(vllm_num_engines=engines), model,
        engine_factory=lambda i: (lambda: TinyEngine(i)), num_gpus=0)
    if bucket_bytes:
        gen.sync.bucket_bytes = bucket_bytes
    return gen


def test_batches_are_split_in_order_and_weights_reach_every_engine(ray):
    model, tok = build_tiny_model_and_tokenizer(0)
    gen = _generator(model, bucket_bytes=4096)  # many buckets: each put once, read by both
    assert gen.sync.versions() == [0, 0]
    convs = [Conversation([{"role": "user", "content": f"What is {i}+1?"}]) for i in range(5)]
    sampling = SamplingParams(temperature=1.0, max_new_tokens=4, seed=3)
    out = gen.round_policy().generate(convs, sampling)
    assert [g.text.split("|")[0] for g in out] == ["0", "0", "0", "1", "1"]
    local = HFPolicy(model, tok)  # the engines hold the trainer's weights: same log-probs
    for conv, g in zip(convs, out):
        assert g.prompt_token_ids == local.render_prompt_ids(conv)
        ids = torch.tensor([g.prompt_token_ids + g.completion_token_ids])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, len(g.prompt_token_ids) - 1:-1]
        want = torch.log_softmax(logits, -1).gather(
            -1, torch.tensor(g.completion_token_ids)[:, None])[:, 0]
        assert torch.allclose(torch.tensor(g.completion_logprobs), want, atol=1e-4)
    assert out == gen.round_policy().generate(convs, sampling)  # seeded per shard: repeats
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.5)
    assert gen.sync.sync(model) == 1 and gen.sync.versions() == [1, 1]
    assert gen.round_policy().generate(convs, sampling) != out
    gen.close()


def test_a_grpo_run_samples_from_two_engine_actors_sync_and_async(ray, tmp_path):
    for mode in (False, True):
        model, tok = build_tiny_model_and_tokenizer(0)
        before = _params(model)
        tr = GRPOTrainer(_cfg(tmp_path, steps=3, async_collection=mode,
                              output_dir=str(tmp_path / str(mode))), model, tok,
                         envs={"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()},
                         generator=lambda m, t: _generator(m))
        history = tr.train()
        # the log-prob gap on the first batch proves the engines got the trainer's weights
        assert history[0]["logprob_gap_mean"] < 1e-3
        if not mode:  # a sync is a barrier: both engines hold the last version
            assert tr.sync.versions() == [history[-1]["version"]] * 2
        assert any(not torch.equal(before[n], p) for n, p in _params(tr.model).items())
        tr.close()


def test_without_ray_or_gpus_one_clear_line(monkeypatch):
    monkeypatch.setattr(ray_generation.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"rlvr-envs\[ray\]"):
        ray_generation.require_ray()

    class NoGPUs:
        def cluster_resources(self):
            return {"CPU": 2.0}
    with pytest.raises(RuntimeError, match="has 0 GPU.*--vllm-num-engines"):
        ray_generation.require_gpus(NoGPUs(), 2)
    with pytest.raises(ValueError, match="vllm_num_engines=0"):
        GRPOConfig(backend="vllm_ray", vllm_num_engines=0)
