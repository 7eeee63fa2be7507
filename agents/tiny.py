"""A tiny causal LM and tokenizer built locally (no downloads), for tests and CPU smoke runs.

    from agents.tiny import build_tiny_model_and_tokenizer
    model, tok = build_tiny_model_and_tokenizer(seed=0, save_dir="runs/tiny")  # hf:runs/tiny

The tokenizer is character-level with byte fallback: every character of a small built-in
text (plus printable ASCII, newline and tab) is one token, and any other character is
spelled as UTF-8 byte tokens `<0xNN>`. With no merges, re-encoding a decoded token sequence
gives the same ids back (except the rare sequence that spells a special token), so multi-turn
prompts rendered by the chat template extend the previous turn's tokens exactly; that is the
property the episode collector checks and the GRPO learner relies on.

The chat template is ChatML (Qwen-2.5 style): `<|im_start|>role\\n...<|im_end|>\\n`, tools
listed in the system message as JSON inside `<tools></tools>`, assistant tool calls rendered
as Hermes `<tool_call>\\n{"name": ..., "arguments": ...}\\n</tool_call>`, and `role: tool`
messages grouped into one user turn of `<tool_response>` blocks. `<|im_end|>` is the EOS.

The model is a randomly initialised `LlamaForCausalLM` (default hidden size 32, 2 layers;
Llama rather than Qwen2 because `AutoTokenizer` forces Qwen2's own BPE tokenizer class on any
`qwen2` checkpoint, which would not load this tokenizer);
its generation config suppresses byte-fallback tokens, `<|im_start|>` and the pad token so
that what it samples always decodes to clean text.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

PAD_TOKEN = "<|endoftext|>"
BOS_CHAT_TOKEN = "<|im_start|>"
EOS_TOKEN = "<|im_end|>"
# Non-special added tokens: kept by `decode(skip_special_tokens=True)`, like Qwen's.
ADDED_TOKENS = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>",
                "<think>", "</think>")

# The "training" text: the character inventory of the vocabulary (math, code and tool traffic).
TINY_CORPUS = (
    "You are a careful mathematician. Reason step by step, then give exactly one final answer "
    "in \\boxed{}. The answer is 42. x² + y² = z²; √2 ≈ 1.414; π ≈ 3.14159; 3 × 4 = 12; "
    "12 ÷ 4 = 3; a ≤ b ≥ c ≠ d; −5 · 2 = −10; ∞ ∈ ∑ ∫ α β γ δ θ λ μ σ φ ω … “quoted” ‘text’ — "
    "def f(x):\n\treturn x + 1\n{\"name\": \"search\", \"arguments\": {\"query\": \"café\"}} "
    "é è à ü ö ä ñ ç ° ± ½ ¼ ¾ € £ ¥ → ← ↔ ⇒ ✓ ✗"
)

CHATML_TOOLS_TEMPLATE = (
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] + '\\n\\n' }}{%- endif %}"
    "{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}"
    "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
    "{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\"name\": "
    "<function-name>, \"arguments\": <args-json-object>}\\n</tool_call><|im_end|>\\n' }}"
    "{%- elif messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'system' and loop.first %}"
    "{%- elif message['role'] in ['user', 'system'] %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' + (message['content'] or '') }}"
    "{%- for tool_call in message.get('tool_calls') or [] %}"
    "{%- set fn = tool_call['function'] if tool_call.get('function') else tool_call %}"
    "{%- if message['content'] or not loop.first %}{{- '\\n' }}{%- endif %}"
    "{{- '<tool_call>\\n{\"name\": \"' + fn['name'] + '\", \"arguments\": ' }}"
    "{%- if fn['arguments'] is string %}{{- fn['arguments'] }}"
    "{%- else %}{{- fn['arguments'] | tojson }}{%- endif %}"
    "{{- '}\\n</tool_call>' }}"
    "{%- endfor %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'tool' %}"
    "{%- if loop.first or messages[loop.index0 - 1]['role'] != 'tool' %}"
    "{{- '<|im_start|>user' }}{%- endif %}"
    "{{- '\\n<tool_response>\\n' + (message['content'] or '') + '\\n</tool_response>' }}"
    "{%- if loop.last or messages[loop.index0 + 1]['role'] != 'tool' %}"
    "{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def build_tiny_tokenizer(corpus: str = TINY_CORPUS) -> Any:
    """A character-level `PreTrainedTokenizerFast` with byte fallback and the ChatML template.

    Ids: 0 `<|endoftext|>` (pad), 1 `<|im_start|>`, 2 `<|im_end|>` (eos), the added tokens,
    the 256 byte tokens `<0x00>`..`<0xFF>`, then the characters (ASCII printable, `\\n`,
    `\\t`, and every other character of `corpus`, in order of first appearance).
    """
    from tokenizers import Tokenizer, decoders, models

    specials = [PAD_TOKEN, BOS_CHAT_TOKEN, EOS_TOKEN]
    vocab: dict[str, int] = {}
    for tok in [*specials, *ADDED_TOKENS, *(f"<0x{b:02X}>" for b in range(256))]:
        vocab[tok] = len(vocab)
    for ch in string.printable + corpus:
        if ch not in vocab and ch not in "\r\x0b\x0c":
            vocab[ch] = len(vocab)
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[], byte_fallback=True,
                                   unk_token=None, fuse_unk=False))
    backend.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Fuse()])
    return chat_tokenizer(backend)


def chat_tokenizer(backend: Any) -> Any:
    """A `tokenizers.Tokenizer` as the `PreTrainedTokenizerFast` of the tiny models: ChatML
    special tokens (`<|im_end|>` EOS, `<|endoftext|>` pad), the tool tags as added tokens,
    left padding and the ChatML tool template."""
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token=PAD_TOKEN,
                                  eos_token=EOS_TOKEN, bos_token=None, unk_token=None,
                                  additional_special_tokens=[BOS_CHAT_TOKEN],
                                  clean_up_tokenization_spaces=False)
    tok.add_tokens(list(ADDED_TOKENS))
    tok.padding_side = "left"
    tok.chat_template = CHATML_TOOLS_TEMPLATE
    tok.model_max_length = 1 << 20
    return tok


def build_tiny_model_and_tokenizer(seed: int = 0, *, hidden_size: int = 32,
                                   num_layers: int = 2, num_heads: int = 4,
                                   num_kv_heads: int = 2, intermediate_size: int = 64,
                                   max_position_embeddings: int = 8192,
                                   corpus: str = TINY_CORPUS,
                                   save_dir: str | Path | None = None) -> tuple[Any, Any]:
    """A randomly initialised tiny `LlamaForCausalLM` (fp32, eval mode) and its tokenizer.

    Deterministic in `seed`. With `save_dir`, both are saved there (`save_pretrained`), so
    `HFPolicy.from_pretrained(save_dir)` and the bench spec `hf:<save_dir>` load them.
    """
    tok = build_tiny_tokenizer(corpus)
    suppressed = [tok.pad_token_id, tok.convert_tokens_to_ids(BOS_CHAT_TOKEN)]
    suppressed += [tok.convert_tokens_to_ids(f"<0x{b:02X}>") for b in range(256)]
    model = build_tiny_model(tok, seed, hidden_size=hidden_size, num_layers=num_layers,
                             num_heads=num_heads, num_kv_heads=num_kv_heads,
                             intermediate_size=intermediate_size,
                             max_position_embeddings=max_position_embeddings,
                             suppress_token_ids=suppressed)
    if save_dir is not None:
        Path(save_dir).mkdir(parents=True, exist_ok=True)
        model.save_pretrained(save_dir)
        tok.save_pretrained(save_dir)
    return model, tok


def build_tiny_model(tok: Any, seed: int = 0, *, hidden_size: int = 32, num_layers: int = 2,
                     num_heads: int = 4, num_kv_heads: int = 2, intermediate_size: int = 64,
                     max_position_embeddings: int = 8192,
                     suppress_token_ids: list[int] | None = None) -> Any:
    """A randomly initialised tiny `LlamaForCausalLM` (fp32, eval mode) for tokenizer `tok`
    (vocabulary size, pad and EOS ids), deterministic in `seed`; its generation config
    suppresses `suppress_token_ids` when sampling."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=hidden_size, num_hidden_layers=num_layers,
        num_attention_heads=num_heads, num_key_value_heads=num_kv_heads,
        intermediate_size=intermediate_size, max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
        bos_token_id=None,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.eval()
    model.generation_config = GenerationConfig(
        eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
        suppress_tokens=list(suppress_token_ids or []) or None,
        do_sample=True, temperature=1.0, top_p=1.0, top_k=0,
    )
    return model
