"""The locally trained byte-level BPE tokenizer (agents/tiny_bpe.py): built offline in
seconds, deterministic, any text round-trips, `AutoTokenizer` loads it from a directory (alone
or next to a `qwen2` model config), its chat template renders tool traffic the Qwen-2.5 way,
and a tiny model samples with it."""

from __future__ import annotations

import json

import pytest
from transformers import AutoTokenizer, Qwen2Config

from agents.hf_policy import HFPolicy
from agents.policy import Conversation, SamplingParams
from agents.tiny_bpe import build_bpe_model_and_tokenizer, build_bpe_tokenizer

TOOLS = [{"type": "function", "function": {
    "name": "lookup", "description": "Read a value.",
    "parameters": {"type": "object", "properties": {"key": {"type": "string"}}}}}]
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Σ 日本 \\boxed{√2} 😀 é"},
    {"role": "assistant", "content": "Let me look.", "tool_calls": [
        {"id": "c0000k000", "type": "function",
         "function": {"name": "lookup", "arguments": "{\"key\": \"alpha\"}"}},
        {"id": "c0000k001", "type": "function",
         "function": {"name": "lookup", "arguments": {"key": "beta"}}}]},
    {"role": "tool", "tool_call_id": "c0000k000", "content": "1"},
    {"role": "tool", "tool_call_id": "c0000k001", "content": "2"},
]


@pytest.fixture(scope="module")
def tok():
    return build_bpe_tokenizer()


def _ids(t, text):
    return t(text, add_special_tokens=False)["input_ids"]


def test_it_is_a_real_bpe_that_round_trips_any_text_and_is_deterministic(tok):
    assert tok.is_fast and 300 < len(tok) < 2000
    assert build_bpe_tokenizer().backend_tokenizer.to_str() == tok.backend_tokenizer.to_str()
    text = 'x² <tool_call>{"name":"f"}</tool_call>\t\x00 𝔘 <|im_end|>\n<|im_start|>user\n'
    ids = _ids(tok, text)
    assert tok.decode(ids) == text
    assert len(ids) < len(text.encode())  # merges happened
    assert tok.convert_ids_to_tokens(ids).count("<tool_call>") == 1
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    # merges make tokenization depend on context: the pieces encoded apart differ
    assert _ids(tok, "answer") != _ids(tok, "ans") + _ids(tok, "wer")


def test_the_chat_template_renders_tools_calls_and_responses_qwen_style(tok):
    text = tok.apply_chat_template(MESSAGES, tools=TOOLS, tokenize=False,
                                   add_generation_prompt=True)
    assert text.startswith("<|im_start|>system\nBe brief.\n\n# Tools\n")
    assert "<tools>\n" + json.dumps(TOOLS[0]) + "\n</tools>" in text
    assert ('<|im_start|>assistant\nLet me look.\n<tool_call>\n{"name": "lookup", '
            '"arguments": {"key": "alpha"}}\n</tool_call>\n<tool_call>\n{"name": "lookup", '
            '"arguments": {"key": "beta"}}\n</tool_call><|im_end|>\n') in text
    assert text.endswith("<|im_start|>user\n<tool_response>\n1\n</tool_response>\n"
                         "<tool_response>\n2\n</tool_response><|im_end|>\n"
                         "<|im_start|>assistant\n")
    assert tok.decode(_ids(tok, text)) == text


@pytest.mark.parametrize("with_qwen2_config", [False, True])
def test_auto_tokenizer_loads_the_saved_directory(tmp_path, tok, with_qwen2_config):
    build_bpe_tokenizer(save_dir=tmp_path)
    assert {"tokenizer.json", "vocab.json", "merges.txt"} <= {p.name for p in tmp_path.iterdir()}
    if with_qwen2_config:
        Qwen2Config(vocab_size=len(tok), hidden_size=16, num_hidden_layers=1,
                    num_attention_heads=2, num_key_value_heads=1,
                    intermediate_size=32).save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded.is_fast and type(loaded).__name__.startswith("Qwen2Tokenizer")
    text = loaded.apply_chat_template(MESSAGES, tools=TOOLS, tokenize=False,
                                      add_generation_prompt=True)
    assert text == tok.apply_chat_template(MESSAGES, tools=TOOLS, tokenize=False,
                                           add_generation_prompt=True)
    assert _ids(loaded, text) == _ids(tok, text)
    for name in ("eos_token_id", "pad_token_id"):
        assert getattr(loaded, name) == getattr(tok, name)
    vocab = json.loads((tmp_path / "vocab.json").read_text())
    assert vocab == {k: v for k, v in tok.get_vocab().items() if v < len(vocab)}


def test_a_tiny_model_samples_with_it(tmp_path):
    model, tok = build_bpe_model_and_tokenizer(seed=0, save_dir=tmp_path)
    assert model.config.vocab_size == len(tok)
    policy = HFPolicy.from_pretrained(str(tmp_path), device="cpu")
    conv = Conversation(MESSAGES, TOOLS)
    gens = policy.generate([conv, conv], SamplingParams(max_new_tokens=12, seed=0))
    same = HFPolicy(model, tok).generate([conv, conv], SamplingParams(max_new_tokens=12, seed=0))
    assert [g.completion_token_ids for g in gens] == [g.completion_token_ids for g in same]
    for g in gens:
        assert 1 <= len(g.completion_token_ids) == len(g.completion_logprobs) <= 12
        assert tok.pad_token_id not in g.completion_token_ids
