"""Export to Hugging Face format, and the LoRA reference model (adapters switched off)."""

import copy

import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

from agents.grpo import GRPOTrainer
from agents.grpo.batch import build_batch, token_logprobs
from agents.tiny import build_tiny_model_and_tokenizer
from tests.test_grpo_trainer import EvenLengthEnv, _cfg

ENVS = {"rlvr-grpo/Digit-v0": lambda: EvenLengthEnv()}
IDS = torch.arange(300, 340).reshape(2, 20)


def _logits(model):
    with torch.no_grad():
        return model(input_ids=IDS).logits


def test_a_tiny_run_writes_a_model_that_transformers_loads(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, steps=2, checkpoint_every=1, learning_rate=5e-2), model,
                     tok, envs=ENVS)
    initial = _logits(tr.model)
    tr.train()
    out = tmp_path / "run"
    assert (out / "checkpoint-1" / "config.json").exists()
    assert (out / "checkpoint-2" / "model.safetensors").exists()
    loaded = AutoModelForCausalLM.from_pretrained(out / "hf")
    assert torch.equal(_logits(loaded), _logits(tr.model))
    assert not torch.equal(_logits(loaded), initial)  # the trained weights, not the initial
    loaded_tok = AutoTokenizer.from_pretrained(out / "hf")
    text = "What is 3+1?"
    assert loaded_tok(text)["input_ids"] == tok(text)["input_ids"]
    assert loaded_tok.chat_template == tok.chat_template
    # the export is a model directory the trainer (or a vLLM engine) starts from
    again = GRPOTrainer(_cfg(tmp_path / "again", model=str(out / "hf")), envs=ENVS)
    assert torch.equal(_logits(again.model), _logits(tr.model))


def test_lora_exports_adapters_that_peft_loads_and_optionally_the_merged_model(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, steps=2, lora_rank=4, learning_rate=5e-2,
                          export_merged=True), model, tok, envs=ENVS)
    hist = tr.train()
    assert any(not m["skipped_update"] for m in hist)
    hf = tmp_path / "run" / "hf"
    assert (hf / "adapter_config.json").exists() and (hf / "adapter_model.safetensors").exists()
    assert not (hf / "model.safetensors").exists()  # adapters only, not the whole base
    base, _ = build_tiny_model_and_tokenizer(0)
    adapted = PeftModel.from_pretrained(base, hf)
    trained = _logits(tr.model)
    assert torch.equal(_logits(adapted), trained)
    merged = AutoModelForCausalLM.from_pretrained(hf / "merged")
    assert torch.allclose(_logits(merged), trained, atol=1e-5, rtol=0)
    assert AutoTokenizer.from_pretrained(hf / "merged").eos_token == tok.eos_token


def test_export_can_be_switched_off(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    GRPOTrainer(_cfg(tmp_path, steps=1, export_hf=False), model, tok, envs=ENVS).train()
    assert not (tmp_path / "run" / "hf").exists()


def test_lora_reference_is_the_base_model_with_adapters_off_and_no_copy(tmp_path, monkeypatch):
    real_deepcopy = copy.deepcopy

    def no_model_copy(x, *args, **kwargs):
        if isinstance(x, torch.nn.Module):
            raise AssertionError("the LoRA reference must not copy the model")
        return real_deepcopy(x, *args, **kwargs)

    monkeypatch.setattr(copy, "deepcopy", no_model_copy)
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, steps=2, lora_rank=4, beta=0.04, learning_rate=5e-2),
                     model, tok, envs=ENVS)
    assert tr.ref_model.model is tr.model
    hist = tr.train()
    assert any(not m["skipped_update"] for m in hist) and all("kl" in m for m in hist
                                                              if not m["skipped_update"])
    records, _ = tr.collect(5)
    batch = build_batch(records, [1.0] * len(records), pad_token_id=tok.pad_token_id)
    tr.score(batch)
    base, _ = build_tiny_model_and_tokenizer(0)  # the weights before LoRA: the reference
    with torch.no_grad():
        expected, _ = token_logprobs(base, batch.input_ids, batch.attention_mask)
    mask = batch.loss_mask > 0
    assert torch.allclose(batch.ref_logp[mask], expected[mask], atol=1e-6, rtol=0)
    assert not torch.allclose(batch.old_logp[mask], expected[mask], atol=1e-3, rtol=0)
    # the switch is restored: the model scores with its adapters again
    with torch.no_grad():
        assert not torch.allclose(_logits(tr.model), _logits(base), atol=1e-4, rtol=0)


def test_full_fine_tuning_reference_is_a_frozen_copy(tmp_path):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, beta=0.04), model, tok, envs=ENVS)
    assert isinstance(tr.ref_model, torch.nn.Module)
    assert not any(p.requires_grad for p in tr.ref_model.parameters())
    assert not {p.data_ptr() for p in tr.ref_model.parameters()} & {
        p.data_ptr() for p in tr.model.parameters()}


@pytest.mark.parametrize("precision", ["fp32", "bf16-mixed"])
def test_export_keeps_the_trained_dtype(tmp_path, precision):
    model, tok = build_tiny_model_and_tokenizer(0)
    tr = GRPOTrainer(_cfg(tmp_path, steps=1, precision=precision), model, tok, envs=ENVS)
    path = tr.export(tmp_path / "out")
    loaded = AutoModelForCausalLM.from_pretrained(path, dtype="auto")
    assert {p.dtype for p in loaded.parameters()} == {torch.float32}  # the fp32 masters
