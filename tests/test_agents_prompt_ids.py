"""Multi-turn prompts built by extension (agents/prompt_ids.py): with a real byte-level BPE
tokenizer and a Qwen-style tool template, every episode of the six envs, in every tool
format, is one token sequence (no `prefix_mismatch`), while re-rendering the same episodes
from the messages does mismatch; where extension would not be exact it falls back to the
rendered prompt and says why."""

from __future__ import annotations

import dataclasses

import pytest
from test_agents_toy_envs import ToyGuessEnv

from agents.collector import collect
from agents.hf_policy import HFPolicy
from agents.policy import Conversation, Generation, Policy, PreviousTurn, SamplingParams
from agents.prompt_ids import build_prompt_ids
from agents.tiny import CHATML_TOOLS_TEMPLATE
from agents.tiny_bpe import build_bpe_model_and_tokenizer, build_bpe_tokenizer, compact_tool_json

TOOL_FORMATS = ("hermes", "openai_json", "pythonic", "mistral")
WRONG = "My answer is \\boxed{-1}.\n```python\ndef f(): pass\n```"


@pytest.fixture(scope="module")
def tok():
    return build_bpe_tokenizer()


class ScriptedBPEPolicy(Policy):
    """A learning-capable stand-in for a model: prompts built as HFPolicy and VLLMPolicy
    build them (`build_prompt_ids`), completions scripted and fed as token ids: `WRONG`
    for the first `wrong_turns` turns, then the env's oracle action with compact JSON,
    followed by EOS. `by_char` spells the text one character at a time (a sampled split that
    is not the canonical BPE encoding); `cut_first` ends the first turn at the length cap
    (no EOS)."""

    returns_token_ids = True
    name = "scripted-bpe"

    def __init__(self, tok, *, wrong_turns: int = 0, by_char: bool = False,
                 cut_first: bool = False) -> None:
        self.tok, self.wrong_turns = tok, wrong_turns
        self.by_char, self.cut_first = by_char, cut_first

    def generate(self, conversations, sampling):
        out = []
        for conv in conversations:
            built = build_prompt_ids(self.tok, conv, [self.tok.eos_token_id])
            turn = sum(m["role"] == "assistant" for m in conv.messages)
            text = (WRONG if turn < self.wrong_turns
                    else compact_tool_json(conv.env.unwrapped.oracle_action()))
            pieces = list(text) if self.by_char else [text]
            ids = [i for p in pieces for i in self.tok(p, add_special_tokens=False)["input_ids"]]
            finish = "length" if (self.cut_first and turn == 0) else "stop"
            if finish == "stop":
                ids.append(self.tok.eos_token_id)
            out.append(Generation(text, finish, built.ids, ids, [-1.0] * len(ids),
                                  prompt_extended=built.extended, prompt_fallback=built.fallback))
        return out


CASES = [  # (env id, env kwargs, policy kwargs)
    ("rlvr/Math-v0", {"max_attempts": 3}, {"wrong_turns": 2, "by_char": True, "cut_first": True}),
    ("rlvr/Code-v0", {"max_attempts": 2}, {"wrong_turns": 1, "by_char": True}),
    ("rlvr/Verilog-v0", {"max_attempts": 2}, {"wrong_turns": 1, "by_char": True}),
    ("rlvr/ToolUse-v0", {"tool_format": "hermes"}, {"by_char": True}),
    *[(env_id, {"tool_format": fmt, **extra}, {})
      for fmt in TOOL_FORMATS
      for env_id, extra in (("rlvr/ToolUse-v0", {}), ("rlvr/Ecommerce-v0", {}),
                            ("rlvr/KGMultiHop-v0", {"mode": "search"}))],
]


@pytest.mark.parametrize("env_id,env_kwargs,script", CASES,
                         ids=[f"{c[0][5:-3]}-{c[1].get('tool_format', 'text')}"
                              f"{'-bychar' if c[2].get('by_char') else ''}" for c in CASES])
def test_every_env_and_tool_format_gives_one_sequence_per_episode(tok, env_id, env_kwargs,
                                                                  script):
    kwargs = dict(episodes=2, env_kwargs=env_kwargs, max_turns=5, concurrency=2)
    records = collect([env_id], ScriptedBPEPolicy(tok, **script), **kwargs)
    assert max(r["num_turns"] for r in records) >= 2  # multi-turn, or the check means nothing
    for rec in records:
        assert rec["infra_error"] is None
        assert not rec["prefix_mismatch"] and len(rec["segments"]) == 1
        assert [t["prompt_extended"] for t in rec["turns"]] == \
            [False] + [True] * (rec["num_turns"] - 1)
        assert all(t["prompt_fallback"] is None for t in rec["turns"])
        # exact: the template's text for everything but the assistant messages, which are
        # the generated tokens (+ EOS), or closed by the template when cut at the length cap
        at = [i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant"]
        for turn, i in zip(rec["turns"], at):
            shown = as_plain(rec["messages"][:i], rec["turns"])
            assert tok.decode(turn["prompt_token_ids"]) == tok.apply_chat_template(
                shown, tools=rec["tools"] or None, tokenize=False, add_generation_prompt=True)
        assert rec["token_ids"] == rec["segments"][0]["token_ids"]
        assert sum(rec["loss_mask"]) == rec["completion_tokens"]
    rendered = collect([env_id], ScriptedBPEPolicy(tok, **script), extend_prompts=False,
                       **kwargs)
    assert [r["num_turns"] for r in rendered] == [r["num_turns"] for r in records]
    assert any(r["prefix_mismatch"] for r in rendered)  # re-rendering the same turns splits
    assert sum(len(r["segments"]) for r in rendered) > len(rendered)


def as_plain(messages: list[dict], turns: list[dict]) -> list[dict]:
    """`messages` with the k-th assistant message replaced by turn k's generated text."""
    out, k = [], 0
    for m in messages:
        if m["role"] == "assistant":
            out.append({"role": "assistant", "content": turns[k]["text"]})
            k += 1
        else:
            out.append(m)
    return out


def _bpe_with_template(template: str):
    tok = build_bpe_tokenizer()
    tok.chat_template = template
    return tok


QWEN3_ASSISTANT = (  # Qwen3's rule: reasoning kept after the last user query, else stripped
    "{%- set content = message['content'] or '' %}{%- set reasoning = '' %}"
    "{%- if '</think>' in content %}"
    "{%- set reasoning = content.split('</think>')[0].split('<think>')[-1].strip('\\n') %}"
    "{%- set content = content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}"
    "{%- if loop.index0 > ns.last_query and (loop.last or reasoning) %}"
    "{{- '<|im_start|>assistant\\n<think>\\n' + reasoning + '\\n</think>\\n\\n' + content }}"
    "{%- else %}{{- '<|im_start|>assistant\\n' + content }}{%- endif %}")


def qwen3_like_template(thinking: bool) -> str:
    """The tiny ChatML template with Qwen3's handling of reasoning and, without thinking, its
    generation prompt `<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n`."""
    t = CHATML_TOOLS_TEMPLATE.replace(
        "{{- '<|im_start|>assistant\\n' + (message['content'] or '') }}", QWEN3_ASSISTANT)
    t = ("{%- set ns = namespace(last_query=-1) %}{%- for m in messages %}"
         "{%- if m['role'] == 'user' %}{%- set ns.last_query = loop.index0 %}{%- endif %}"
         "{%- endfor %}") + t
    if not thinking:
        t = t.replace("{{- '<|im_start|>assistant\\n' }}{%- endif %}",
                      "{{- '<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n' }}{%- endif %}")
    assert t.count("ns.last_query") == 2 and t != CHATML_TOOLS_TEMPLATE
    return t


class Thinker(ScriptedBPEPolicy):
    """Answers `<think>hmm</think>\\boxed{0}` every turn (a wrong guess in ToyGuessEnv)."""

    def generate(self, conversations, sampling):
        gens = []
        for conv in conversations:
            built = build_prompt_ids(self.tok, conv, [self.tok.eos_token_id])
            text = "<think>hmm</think>\\boxed{0}"
            ids = self.tok(text, add_special_tokens=False)["input_ids"] + [self.tok.eos_token_id]
            gens.append(Generation(text, "stop", built.ids, ids, [0.0] * len(ids),
                                   prompt_extended=built.extended,
                                   prompt_fallback=built.fallback))
        return gens


@pytest.mark.parametrize("thinking", [True, False])
def test_a_qwen3_like_template_that_strips_reasoning_no_longer_splits_episodes(thinking):
    tok = _bpe_with_template(qwen3_like_template(thinking))
    extended = collect([("guess", ToyGuessEnv)], Thinker(tok), episodes=1)[0]
    rendered = collect([("guess", ToyGuessEnv)], Thinker(tok), episodes=1,
                       extend_prompts=False)[0]
    assert extended["num_turns"] == rendered["num_turns"] == 3
    assert [t["prompt_fallback"] for t in extended["turns"]] == [None] * 3
    assert not extended["prefix_mismatch"] and len(extended["segments"]) == 1
    last_prompt = tok.decode(extended["turns"][2]["prompt_token_ids"])
    assert last_prompt.count("<think>hmm</think>") == 2  # the model's own reasoning, kept
    assert last_prompt.count("<think>\n\n</think>") == (0 if thinking else 3)
    # re-rendered, earlier reasoning is stripped: every turn starts a new segment
    assert rendered["prefix_mismatch"] and len(rendered["segments"]) == 3


def test_a_template_that_rewrites_the_system_text_every_turn_falls_back_to_segments():
    tok = _bpe_with_template(CHATML_TOOLS_TEMPLATE.replace(
        "messages[0]['content'] + '<|im_end|>\\n'",
        "messages[0]['content'] + ' (message ' + (messages|length|string) + ')<|im_end|>\\n'"))
    rec = collect([("guess", ToyGuessEnv)], ScriptedBPEPolicy(tok, wrong_turns=2),
                  episodes=1)[0]
    assert rec["num_turns"] == 3 and "(message 2)" in tok.decode(rec["turns"][0]["prompt_token_ids"])
    assert [t["prompt_extended"] for t in rec["turns"]] == [False, False, False]
    assert all("renders earlier turns differently" in t["prompt_fallback"]
               for t in rec["turns"][1:])
    # recorded as before: a mismatch per turn, one segment per turn
    assert rec["prefix_mismatch"] and [s["turns"] for s in rec["segments"]] == [[0], [1], [2]]


class _RewritingGuessEnv(ToyGuessEnv):
    """Edits its system message after every turn (history the previous prompt no longer has)."""

    def respond(self, action):
        self._messages[0] = {"role": "system", "content": f"Turn {self.turn}. Keep going."}
        return super().respond(action)


def test_an_env_that_rewrites_earlier_messages_falls_back_with_the_reason(tok):
    rec = collect([("guess", _RewritingGuessEnv)], ScriptedBPEPolicy(tok, wrong_turns=2),
                  episodes=1)[0]
    assert rec["num_turns"] == 3 and rec["prefix_mismatch"]
    assert [t["prompt_fallback"] for t in rec["turns"]] == \
        [None] + ["the env changed messages of earlier turns"] * 2


def test_a_stop_token_the_template_does_not_close_turns_with_falls_back(tok):
    msgs = [{"role": "user", "content": "hi"}]
    prompt = build_prompt_ids(tok, Conversation(msgs), [tok.eos_token_id]).ids
    after = [*msgs, {"role": "assistant", "content": "yo"}, {"role": "user", "content": "ok"}]
    for stop, extended in ((tok.eos_token_id, True), (tok.pad_token_id, False)):
        prev = PreviousTurn(msgs, [], prompt + tok("yo")["input_ids"] + [stop], "stop")
        built = build_prompt_ids(tok, Conversation(after, previous=prev),
                                 [tok.eos_token_id, tok.pad_token_id])
        assert built.extended is extended
        if extended:
            assert tok.decode(built.ids[len(prev.token_ids):]) == \
                "\n<|im_start|>user\nok<|im_end|>\n<|im_start|>assistant\n"
        else:
            assert "stopped on '<|endoftext|>'" in built.fallback
            assert built.ids == build_prompt_ids(tok, Conversation(after), []).ids


@pytest.mark.parametrize("extend", [True, False])
def test_hf_policy_samples_one_sequence_per_episode_with_the_bpe_model(extend):
    model, tok = build_bpe_model_and_tokenizer(seed=0)
    records = collect([("guess", ToyGuessEnv)], HFPolicy(model, tok), episodes=3,
                      concurrency=3, sampling=SamplingParams(max_new_tokens=12, seed=0),
                      extend_prompts=extend)
    assert all(r["num_turns"] == 3 for r in records)  # a random model uses every turn
    turns = [t for r in records for t in r["turns"]]
    assert [t["prompt_extended"] for t in turns] == [extend and t["turn"] > 0 for t in turns]
    if extend:
        assert not any(r["prefix_mismatch"] for r in records)
        assert all(len(r["segments"]) == 1 for r in records)


class _FakeVLLM:
    """Just enough of the `vllm` module for `VLLMPolicy` on CPU: an engine that "samples"
    `<think>x</think>\\boxed{0}` spelled one character per token, then EOS."""

    @dataclasses.dataclass
    class EngineArgs:  # the options VLLMPolicy may ask the engine about
        logprobs_mode: str = "raw"

    class SamplingParams:
        def __init__(self, **kw):
            self.kw = kw

    class LLM:
        tok = None

        def __init__(self, model, **kw):
            self.llm_engine = type("E", (), {"model_config": type("C", (), {
                "max_model_len": 4096})()})()

        def get_tokenizer(self):
            return self.tok

        def generate(self, requests, params, use_tqdm=False):
            out = []
            for _ in requests:
                text = "<think>x</think>\\boxed{0}"
                ids = [i for ch in text for i in self.tok(ch, add_special_tokens=False)["input_ids"]]
                ids.append(self.tok.eos_token_id)
                lps = [{t: type("L", (), {"logprob": -1.0})()} for t in ids]
                comp = type("O", (), {"token_ids": ids, "logprobs": lps, "finish_reason": "stop"})
                out.append(type("R", (), {"outputs": [comp]}))
            return out


def test_vllm_policy_builds_prompts_by_extension_too(monkeypatch, tok):
    import sys

    import agents.vllm_policy as vp
    fake = _FakeVLLM()
    monkeypatch.setattr(_FakeVLLM.LLM, "tok", tok)
    fake.__version__ = "fake"
    monkeypatch.setitem(sys.modules, "vllm", fake)
    monkeypatch.setattr(vp, "require_vllm", lambda: None)
    policy = vp.VLLMPolicy("fake/model")
    for extend in (True, False):
        rec = collect([("guess", ToyGuessEnv)], policy, episodes=1, extend_prompts=extend)[0]
        assert rec["num_turns"] == 3
        assert [t["prompt_extended"] for t in rec["turns"]] == [False, extend, extend]
        assert rec["prefix_mismatch"] is (not extend)  # the by-character split re-encodes
        assert rec["turns"][0]["text"] == "<think>x</think>\\boxed{0}"
