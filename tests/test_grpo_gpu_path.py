"""The GPU path of the GRPO learner, checked on CPU: weight sync (LoRA merge included) through a
separate copy generator, LoRA, gradient checkpointing, bf16, and the vLLM backend's error.

vLLM itself never runs here (no GPU); the copy generator receives weights exactly as the vLLM
engine does (`weights_for_sync`), so the sync logic is what these tests check.
"""

import math

import pytest
import torch
from peft import LoraConfig, get_peft_model

from agents.grpo import GRPOConfig, GRPOTrainer, vllm_engine
from agents.grpo.batch import build_batch, token_logprobs
from agents.grpo.generator import copy_generator
from agents.grpo.sync import CopySync, is_peft_model, weights_for_sync
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_trainer import EvenLengthEnv, _cfg

ENVS = {"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()}


class StaleSync(CopySync):
    """A broken sync: it counts versions but never copies the weights."""

    def push(self, model):
        pass


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def _lora(model, **kw):
    return get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear",
                                            task_type="CAUSAL_LM", **kw))


def test_weights_for_sync_of_a_plain_model_is_its_state_dict():
    model, _ = build_tiny_model_and_tokenizer(0)
    pushed = list(weights_for_sync(model))
    state = model.state_dict()
    assert [n for n, _ in pushed] == list(state)
    assert all(torch.equal(t, state[n]) for n, t in pushed)


def test_weights_for_sync_pushes_merged_lora_weights_under_base_names():
    base, _ = build_tiny_model_and_tokenizer(0)
    base_names = list(base.state_dict())
    torch.manual_seed(0)  # the adapters' init
    model = _lora(base)  # wraps `base` in place
    ids = torch.randint(300, 400, (2, 12), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(3):  # train the adapters so that B != 0 and the merge is not a no-op
        opt.zero_grad()
        (-token_logprobs(model, ids, mask)[0].mean()).backward()
        opt.step()
    state_before = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        logits_before = model(input_ids=ids).logits

    pushed = {n: t.clone() for n, t in weights_for_sync(model)}

    assert list(pushed) == base_names  # plain HF names, in order; no lora_* tensors
    modules = dict(model.named_modules())
    merged = 0
    for name in base_names:
        layer = modules.get("base_model.model." + name.removesuffix(".weight"))
        if layer is not None and hasattr(layer, "lora_A"):
            W = layer.base_layer.weight
            B, A = layer.lora_B["default"].weight, layer.lora_A["default"].weight
            assert B.abs().sum() > 0
            expected = W + (B @ A) * (8 / 4)  # scale = lora_alpha / r
            assert torch.allclose(pushed[name], expected, atol=1e-6, rtol=0)
            assert not torch.allclose(pushed[name], W, atol=1e-6, rtol=0)
            merged += 1
        else:
            assert torch.equal(pushed[name], state_before["base_model.model." + name])
    assert merged == 14  # 7 linear layers x 2 decoder layers
    # the model is left as it was: same tensors bit for bit, same forward
    assert all(torch.equal(state_before[k], v) for k, v in model.state_dict().items())
    with torch.no_grad():
        assert torch.equal(model(input_ids=ids).logits, logits_before)
        # a plain model loaded with the pushed weights computes what the LoRA model computes
        plain, _ = build_tiny_model_and_tokenizer(1)
        plain.load_state_dict(pushed, strict=True)
        assert torch.allclose(plain(input_ids=ids).logits, logits_before, atol=1e-5, rtol=0)


def test_weights_for_sync_refuses_a_lora_variant_it_cannot_merge():
    model = _lora(build_tiny_model_and_tokenizer(0)[0], use_dora=True)
    with pytest.raises(ValueError, match="not vanilla LoRA"):
        list(weights_for_sync(model))


@pytest.mark.parametrize("generator", ["shared", "copy"])
def test_lora_training_moves_only_the_adapters(tmp_path, generator):
    model, tok = build_tiny_model_and_tokenizer(0)
    # the factory form: the copy is made from the LoRA-wrapped model (adapters merged)
    gen = copy_generator if generator == "copy" else None
    tr = GRPOTrainer(_cfg(tmp_path, lora_rank=4, steps=3), model, tok, envs=ENVS, generator=gen)
    assert is_peft_model(tr.model)
    assert is_peft_model(tr.generator.model) == (generator == "shared")
    before = _params(tr.model)
    hist = tr.train()
    after = _params(tr.model)
    lora = [n for n in before if ".lora_" in n]
    base = [n for n in before if ".lora_" not in n]
    assert len(lora) == 28 and base
    assert sum(not m["skipped_update"] for m in hist) >= 2
    assert [n for n in lora if torch.equal(before[n], after[n])] == []
    assert all(torch.equal(before[n], after[n]) for n in base)  # bit-identical, frozen
    if generator == "copy":  # every push merged the adapters; the base weights did not drift
        assert all(m["logprob_gap_mean"] < tr.cfg.logprob_gap_tol for m in hist)
        gen_state = tr.generator.model.state_dict()
        assert all(torch.equal(t, gen_state[n]) for n, t in weights_for_sync(tr.model))


def _counting(forward, calls):
    def counted(*args, **kwargs):
        calls.append(1)
        return forward(*args, **kwargs)
    return counted


def test_gradient_checkpointing_gives_the_same_gradient_and_really_recomputes(tmp_path):
    def gradients(checkpointing: bool):
        model, tok = build_tiny_model_and_tokenizer(0)
        tr = GRPOTrainer(_cfg(tmp_path / str(checkpointing),
                              gradient_checkpointing=checkpointing), model, tok, envs=ENVS)
        records, _ = tr.collect(0)
        groups, _, _, _ = tr.rewards_and_advantages(records)
        flat = [r for g in groups for r in g]
        batch = build_batch(flat, [1.0 - 0.3 * i for i in range(len(flat))],
                            pad_token_id=tok.pad_token_id)
        tr.score(batch)
        calls = []
        for layer in tr.model.model.layers:  # count MLP forwards (hooks miss the recompute)
            layer.mlp.forward = _counting(layer.mlp.forward, calls)
        tr.model.zero_grad(set_to_none=True)
        tr.accumulate_gradients(batch, 4)
        assert not any(m.training for m in tr.model.modules())  # eval mode is restored
        grads = {n: p.grad.clone() for n, p in tr.model.named_parameters()}
        return batch.input_ids, grads, len(calls)

    ids0, g0, calls0 = gradients(False)
    ids1, g1, calls1 = gradients(True)
    assert torch.equal(ids0, ids1)  # the same batch
    assert calls0 > 0 and calls1 == 2 * calls0  # each layer recomputed once in backward
    assert all(torch.allclose(g0[n], g1[n], atol=1e-6, rtol=1e-5) for n in g0)
    assert any(g0[n].abs().sum() > 0 for n in g0)


@pytest.mark.parametrize("generator", ["shared", "copy"])
def test_bf16_training_on_cpu(tmp_path, generator):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, precision="bf16", steps=3, learning_rate=5e-2, beta=0.04),
                     model, tok, envs=ENVS,
                     generator=copy_generator if generator == "copy" else None)
    before = _params(tr.model)
    hist = tr.train()
    updates = [m for m in hist if not m["skipped_update"]]
    assert updates and all(math.isfinite(m["loss"]) and math.isfinite(m["grad_norm"])
                           for m in updates)
    assert all(p.dtype == torch.bfloat16 for p in tr.model.parameters())
    assert tr.model.model.rotary_emb.inv_freq.dtype == torch.float32  # buffers not downcast
    assert [n for n, p in tr.model.named_parameters() if torch.equal(before[n], p)] == []
    assert all(m["logprob_gap_mean"] < tr.cfg.logprob_gap_tol for m in hist)
    assert all(p.dtype == torch.bfloat16 for p in tr.generator.model.parameters())


def test_copy_generator_gets_every_update(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    gen = copy_generator(model, tok, batch_size=8)
    assert not {p.data_ptr() for p in gen.model.parameters()} & {
        p.data_ptr() for p in model.parameters()}  # a separate model, not shared storage
    tr = GRPOTrainer(_cfg(tmp_path, steps=3), model, tok, envs=ENVS, generator=gen)
    initial = _params(tr.model)
    hist = tr.train()
    assert [m["version"] for m in hist] == [1, 2, 3]
    assert not hist[0]["skipped_update"]  # later batches come from updated weights
    assert all(m["logprob_gap_mean"] < tr.cfg.logprob_gap_tol for m in hist)
    assert any(not torch.equal(initial[n], p) for n, p in tr.model.named_parameters())
    gen_state = gen.model.state_dict()
    assert all(torch.equal(t, gen_state[n]) for n, t in tr.model.state_dict().items())


def test_a_stale_generator_stops_the_run(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    gen = copy_generator(model, tok, batch_size=8)
    gen.sync = StaleSync(gen.model)
    tr = GRPOTrainer(_cfg(tmp_path, steps=3), model, tok, envs=ENVS, generator=gen)
    with pytest.raises(RuntimeError, match="the generator's weights are stale"):
        tr.train()
    assert tr.step == 1  # the batch before any update passed; the first one after it did not

    # with on_logprob_gap="warn" the run goes on and the metrics show it
    model, tok = build_tiny_model_and_tokenizer(0)
    gen = copy_generator(model, tok, batch_size=8)
    gen.sync = StaleSync(gen.model)
    tr = GRPOTrainer(_cfg(tmp_path / "warn", steps=3, on_logprob_gap="warn"), model, tok,
                     envs=ENVS, generator=gen)
    hist = tr.train()
    tol = tr.cfg.logprob_gap_tol
    assert not hist[0]["skipped_update"]
    assert hist[0]["logprob_gap_mean"] < tol and "warning" not in hist[0]
    for m in hist[1:]:
        assert m["logprob_gap_mean"] > 10 * tol
        assert "weights are stale" in m["warning"]


def test_resume_pushes_the_checkpoint_into_a_separate_generator(tmp_path):
    def trainer(out, **kw):
        model, tok = build_tiny_model_and_tokenizer(0)  # the generator starts from init weights
        gen = copy_generator(model, tok, batch_size=8)
        return GRPOTrainer(_cfg(out, steps=3, **kw), model, tok, envs=ENVS, generator=gen)

    whole = trainer(tmp_path / "a")
    whole.train()
    first = trainer(tmp_path / "b")
    first.train(steps=2)
    resumed = trainer(tmp_path / "b", resume=True)
    hist = resumed.train()  # a generator left at init weights would fail the gap check here
    assert [m["step"] for m in hist] == [3] and hist[0]["version"] == 3
    assert hist[0]["logprob_gap_mean"] < resumed.cfg.logprob_gap_tol
    pw, pr = _params(whole.model), _params(resumed.model)
    assert all(torch.equal(pw[n], pr[n]) for n in pw)  # exact resume


def test_vllm_backend_fails_at_construction_without_a_gpu(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    model, tok = build_tiny_model_and_tokenizer(0)
    with pytest.raises(RuntimeError, match="backend='vllm' needs a CUDA GPU"):
        GRPOTrainer(_cfg(tmp_path, backend="vllm"), model, tok, envs=ENVS)
    # past the GPU check, the engine needs a checkpoint directory, which the tiny model is not
    monkeypatch.setattr(vllm_engine, "require_gpu", lambda: None)
    with pytest.raises(ValueError, match="checkpoint directory"):
        vllm_engine.vllm_generator(GRPOConfig(backend="vllm"), model)
