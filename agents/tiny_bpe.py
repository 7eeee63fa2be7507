"""A small byte-level BPE tokenizer trained locally (no downloads), Qwen2-style, with a
Qwen-2.5-style tool-calling chat template; and a tiny random model that samples with it.

    from agents.tiny_bpe import build_bpe_tokenizer, build_bpe_model_and_tokenizer
    tok = build_bpe_tokenizer(save_dir="runs/bpe")     # AutoTokenizer.from_pretrained works
    model, tok = build_bpe_model_and_tokenizer(seed=0) # HFPolicy(model, tok) samples

Unlike `agents.tiny`'s character-level tokenizer, this one has merges, so decoding and
re-encoding text does not always give the same ids back (BPE merges across the boundary of
two pieces of text, a token sequence the model sampled that is not the canonical encoding of
its text). That is the tokenizer multi-turn collection must be tested with: with it a
re-rendered chat history does not extend the tokens generated before, while a prompt built
by extension (`agents.prompt_ids`) always does.

The pipeline is Qwen2's (`transformers`' `Qwen2Tokenizer`): NFC normalization, Qwen2's
pre-tokenization regex, byte-level alphabet (any text encodes, no unknown token), BPE trained
with `tokenizers` on `BPE_CORPUS` (chat, math, code, Verilog, JSON tool traffic) in well
under a second. `save_dir` gets `tokenizer.json`, `vocab.json`, `merges.txt` and the
tokenizer config with `tokenizer_class: Qwen2Tokenizer`, so `AutoTokenizer.from_pretrained`
loads the same fast tokenizer from the directory alone or next to a `qwen2` model config
(`benchmarks/gpu_smoke.py` builds a small Qwen2 model with it, for vLLM).

Special tokens as in Qwen2.5: `<|endoftext|>` (pad), `<|im_start|>`, `<|im_end|>` (EOS);
`<tool_call>`, `</tool_call>`, `<tool_response>`, `</tool_response>`, `<think>`, `</think>`
are added, non-special tokens. The chat template (`CHATML_TOOLS_TEMPLATE`, shared with
`agents.tiny`): tools listed in the system message as JSON in `<tools></tools>`, assistant
`tool_calls` rendered as Hermes `<tool_call>\\n{"name": ..., "arguments": ...}\\n</tool_call>`
with the template's own JSON serialization (whatever spacing the model wrote), `role: tool`
messages grouped into one user turn of `<tool_response>` blocks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .tiny import BOS_CHAT_TOKEN, EOS_TOKEN, PAD_TOKEN, chat_tokenizer

# Qwen2's pre-tokenization regex (transformers' tokenization_qwen2.PRETOKENIZE_REGEX).
QWEN2_PRETOKENIZE_REGEX = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
                           r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

BPE_VOCAB_SIZE = 1024

# The training text: what the six envs and their agents write, in small samples.
BPE_CORPUS = "\n".join([
    "You are a careful mathematician. Reason step by step, then give exactly one final "
    "answer in \\boxed{}. What is 3+1? The answer is \\boxed{4}. Let x = 12, then 2x + 3 = 27.",
    "Solve for x: x^2 - 5x + 6 = 0. The roots are x = 2 and x = 3, so the answer is "
    "\\boxed{2, 3}. The probability is \\frac{1}{6}; the area is 12\\pi; \\sqrt{2} ~ 1.414.",
    "Your answer is not correct. You have 2 attempts left. Please answer in \\boxed{}.",
    "Write a Python function `solve(xs: list[int]) -> int` that returns the largest sum.",
    "```python\ndef solve(xs):\n    best = 0\n    for x in xs:\n        best = max(best, x)\n"
    "    return best\n```",
    "Tests failed: assert solve([1, 2, 3]) == 6, got 3. Traceback (most recent call last):",
    "module counter(input clk, input rst, output reg [3:0] q);\n  always @(posedge clk) begin\n"
    "    if (rst) q <= 4'd0;\n    else q <= q + 4'd1;\n  end\nendmodule",
    "assign y = a & b | ~c; wire [7:0] sum = a + b; reg [1:0] state;",
    '<tool_call>\n{"name": "search_products", "arguments": {"query": "red shoes", '
    '"max_price": 50}}\n</tool_call>',
    '<tool_call>\n{"name": "get_order", "arguments": {"order_id": "A1001"}}\n</tool_call>',
    '<tool_call>\n{"name": "get_relations", "arguments": {"entity": "Marie Curie"}}\n'
    '</tool_call>',
    '<tool_response>\n{"results": [{"id": "p12", "name": "Red Shoe", "price": 39.9}]}\n'
    '</tool_response>',
    '{"name": "lookup", "arguments": {"key": "alpha"}} {"answer": "42", "source": "calendar"}',
    "[get_weather(city=\"Paris\"), get_time(timezone=\"CET\")]",
    '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}]',
    "# Tools\n\nYou may call one or more functions to assist with the user query.",
    "The knowledge graph links people, places and works. Who directed the film that won? "
    "Answer with the entity's name.",
    "Your order has been cancelled and refunded. Is there anything else I can help with?",
    "I will check the calendar first, then send the email. The meeting is at 10:30 on Monday.",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!"
    "<|im_end|>\n<|im_start|>assistant\nHello! How can I help you today?<|im_end|>\n",
    "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n"
    "<|im_start|>assistant\n",
])


def build_bpe_tokenizer(save_dir: str | Path | None = None, *, corpus: str = BPE_CORPUS,
                        vocab_size: int = BPE_VOCAB_SIZE) -> Any:
    """A byte-level BPE `PreTrainedTokenizerFast` trained on `corpus`, Qwen2's pipeline, with
    the ChatML tool-calling template; deterministic in its arguments. With `save_dir`, saved
    there so that `AutoTokenizer.from_pretrained(save_dir)` loads it (see module docstring)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from tokenizers.trainers import BpeTrainer

    backend = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    backend.decoder = decoders.ByteLevel()
    specials = [PAD_TOKEN, BOS_CHAT_TOKEN, EOS_TOKEN]
    trainer = BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                         special_tokens=specials,
                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    backend.train_from_iterator([corpus], trainer=trainer)
    tok = chat_tokenizer(backend)
    if save_dir is not None:
        save_bpe_tokenizer(tok, save_dir)
    return tok


def save_bpe_tokenizer(tok: Any, save_dir: str | Path) -> None:
    """`tok.save_pretrained(save_dir)` plus `vocab.json`/`merges.txt` (what Qwen2's tokenizer
    class reads) and `tokenizer_class: Qwen2Tokenizer` in the config."""
    out = Path(save_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(out)
    state = json.loads(tok.backend_tokenizer.to_str())
    model = state["model"]
    (out / "vocab.json").write_text(json.dumps(model["vocab"], ensure_ascii=False),
                                    encoding="utf-8")
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n",
                                    encoding="utf-8")
    config_path = out / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "Qwen2Tokenizer"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")


def build_bpe_model_and_tokenizer(seed: int = 0, *, save_dir: str | Path | None = None,
                                  **model_kwargs: Any) -> tuple[Any, Any]:
    """`agents.tiny`'s tiny random `LlamaForCausalLM` sized for the BPE tokenizer, and the
    tokenizer; `model_kwargs` go to `agents.tiny.build_tiny_model` (hidden size, layers...).
    Sampling never proposes `<|endoftext|>` or `<|im_start|>` (the generation config
    suppresses them), so what it samples is clean chat text."""
    from .tiny import build_tiny_model

    tok = build_bpe_tokenizer()
    suppressed = [tok.pad_token_id, tok.convert_tokens_to_ids(BOS_CHAT_TOKEN)]
    model = build_tiny_model(tok, seed, suppress_token_ids=suppressed, **model_kwargs)
    if save_dir is not None:
        model.save_pretrained(save_dir)
        save_bpe_tokenizer(tok, save_dir)
    return model, tok


# Tool-call JSON in a Hermes block (`compact_tool_json`).
HERMES_BLOCK = re.compile(r"(<tool_call>\s*)(.*?)(\s*</tool_call>)", re.S)


def compact_tool_json(text: str) -> str:
    """Tool calls as a model may write them: JSON without spaces (a chat template
    re-serialises them with `, ` and `: `), in Hermes blocks or as the whole (`[TOOL_CALLS]`)
    message; other text unchanged. Scripted completions use it to test prompt extension."""
    def one(m: re.Match) -> str:
        try:
            body = json.dumps(json.loads(m.group(2)), separators=(",", ":"))
        except ValueError:
            return m.group(0)
        return m.group(1) + body + m.group(3)
    text = HERMES_BLOCK.sub(one, text)
    prefix = "[TOOL_CALLS]" if text.startswith("[TOOL_CALLS]") else ""
    try:
        return prefix + json.dumps(json.loads(text[len(prefix):]), separators=(",", ":"))
    except ValueError:
        return text
