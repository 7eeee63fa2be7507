"""The transformers backend on a tiny local model, through the collector on real envs:
sampled-token log-probs, EOS and budgets, token ids that re-decode to the messages, loss
masks on exactly the generated tokens, and multi-turn prompts that extend token for token."""

from __future__ import annotations

import json

import pytest
import torch
from test_agents_toy_envs import ScriptedTokenPolicy, ToyGuessEnv, ToyToolEnv

from agents.collector import collect
from agents.hf_policy import HFPolicy
from agents.policy import Conversation, SamplingParams
from agents.spec import make_policy
from agents.tiny import CHATML_TOOLS_TEMPLATE, build_tiny_model_and_tokenizer, build_tiny_tokenizer


@pytest.fixture(scope="module")
def tiny():
    return build_tiny_model_and_tokenizer(seed=0)


def _render(tok, messages, tools, gen_prompt):
    return tok.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                   add_generation_prompt=gen_prompt)


def test_tiny_tokenizer_round_trips_any_text_and_the_chat_template(tiny):
    _, tok = tiny
    text = "Σ 日本 \\boxed{√2} <tool_call>\n{\"a\": 1}\n</tool_call>\t😀 é\x00"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": text},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "c", "type": "function",
                 "function": {"name": "f", "arguments": {"x": 1}}}]},
            {"role": "tool", "tool_call_id": "c", "content": "2"}]
    rendered = _render(tok, msgs, [{"type": "function", "function": {"name": "f"}}], True)
    assert '<tool_call>\n{"name": "f", "arguments": {"x": 1}}\n</tool_call><|im_end|>' in rendered
    assert "<tool_response>\n2\n</tool_response><|im_end|>" in rendered
    assert rendered.endswith("<|im_start|>assistant\n")
    assert tok.decode(tok(rendered, add_special_tokens=False)["input_ids"]) == rendered


@pytest.mark.parametrize("temperature,top_k", [(1.0, 0), (0.7, 5), (0.0, 0)])
def test_logprobs_are_those_of_the_sampling_distribution(tiny, temperature, top_k):
    model, tok = tiny
    policy = HFPolicy(model, tok, batch_size=3)
    convs = [Conversation([{"role": "user", "content": "hi " * n}]) for n in (1, 7, 20)]
    gens = policy.generate(convs, SamplingParams(temperature=temperature, top_k=top_k,
                                                 max_new_tokens=10, seed=3))
    suppressed = model.generation_config.suppress_tokens
    for g in gens:
        assert len(g.completion_logprobs) == len(g.completion_token_ids) > 0
        ids = torch.tensor([g.prompt_token_ids + g.completion_token_ids])
        with torch.no_grad():  # recompute unpadded, one sequence: independent of batching
            logits = model(ids).logits[0, len(g.prompt_token_ids) - 1:-1].float()
        logits[:, suppressed] = -float("inf")
        if temperature > 0:
            logits = logits / temperature
        if top_k:
            kth = logits.topk(top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, -float("inf"))
        ref = torch.log_softmax(logits, -1).gather(
            1, torch.tensor(g.completion_token_ids)[:, None]).squeeze(1)
        assert torch.allclose(ref, torch.tensor(g.completion_logprobs), atol=1e-4)
        if temperature == 0:  # greedy picks the argmax
            assert g.completion_token_ids[0] == int(logits[0].argmax())


def test_eos_ends_the_completion_and_budgets_cap_it(tiny):
    model, tok = tiny
    eos = tok.eos_token_id
    policy = HFPolicy(model, tok, generation_kwargs={"sequence_bias": {(eos,): 6.0}})
    gens = policy.generate([Conversation([{"role": "user", "content": "x"}])] * 4,
                           SamplingParams(max_new_tokens=30, seed=0))
    stopped = [g for g in gens if g.finish_reason == "stop"]
    assert stopped
    for g in stopped:
        assert g.completion_token_ids[-1] == eos and eos not in g.completion_token_ids[:-1]
        assert g.text == tok.decode(g.completion_token_ids[:-1])
    conv = Conversation([{"role": "user", "content": "x"}], max_total_tokens=None)
    plen = len(policy.render_prompt_ids(conv))
    conv.max_total_tokens = plen + 3
    g = HFPolicy(model, tok).generate([conv], SamplingParams(max_new_tokens=30))[0]
    assert len(g.completion_token_ids) <= 3
    conv.max_total_tokens = plen  # no room: an empty completion, cut by length
    g = policy.generate([conv], SamplingParams())[0]
    assert (g.text, g.completion_token_ids, g.finish_reason) == ("", [], "length")


def _check_record(tok, rec):
    """Token ids re-decode to the messages; the mask is 1 exactly on generated tokens;
    each prompt extends the previous prompt + completion."""
    assert not rec["prefix_mismatch"] and rec["infra_error"] is None
    assistant_at = [i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant"]
    prev = None
    expected_mask: list[int] = []
    expected_lp: list[float] = []
    for turn, idx in zip(rec["turns"], assistant_at):
        prompt, completion = turn["prompt_token_ids"], turn["completion_token_ids"]
        assert tok.decode(prompt) == _render(tok, rec["messages"][:idx], rec["tools"], True)
        body = completion[:-1] if turn["finish_reason"] == "stop" else completion
        assert tok.decode(body) == turn["text"] == rec["messages"][idx]["content"]
        if prev is not None:
            assert prompt[:len(prev)] == prev  # the extension property, token for token
        expected_mask += [0] * (len(prompt) - len(expected_mask)) + [1] * len(completion)
        expected_lp += [0.0] * (len(prompt) - len(expected_lp)) + turn["logprobs"]
        prev = prompt + completion
    assert rec["token_ids"] == prev and rec["loss_mask"] == expected_mask
    assert rec["logprobs"] == expected_lp
    assert sum(rec["loss_mask"]) == rec["completion_tokens"]
    assert len(rec["segments"]) == 1 and rec["segments"][0]["token_ids"] == rec["token_ids"]


def test_hf_policy_through_the_collector_on_multi_turn_math(tiny):
    model, tok = tiny
    records = collect(["rlvr/Math-v0"], HFPolicy(model, tok), episodes=3, concurrency=3,
                      sampling=SamplingParams(max_new_tokens=16, seed=0),
                      env_kwargs={"max_attempts": 3})
    assert len(records) == 3
    assert max(r["num_turns"] for r in records) == 3  # a random model needs all attempts
    for rec in records:
        json.dumps(rec)
        _check_record(tok, rec)
        assert rec["tokens"] == len(rec["token_ids"])
        assert rec["verdict"] is not None and rec["reward"] == 0.0


def test_tool_calls_and_tool_messages_keep_the_extension_property(tiny):
    _, tok = tiny
    records = collect([("tool", ToyToolEnv)], ScriptedTokenPolicy(tok), episodes=2)
    for rec in records:
        assert rec["reward"] == 1.0 and rec["num_turns"] == 2
        assert rec["messages"][1]["tool_calls"] and rec["messages"][2]["role"] == "tool"
        assert not rec["prefix_mismatch"]
        assert rec["token_ids"][:len(rec["turns"][1]["prompt_token_ids"])] == \
            rec["turns"][1]["prompt_token_ids"]


def test_a_history_rewriting_template_is_recorded_as_a_prefix_mismatch():
    tok = build_tiny_tokenizer()  # a fresh one: the fixture's keeps its template
    # a Qwen3-like template: earlier assistant messages lose their <think> block
    tok.chat_template = CHATML_TOOLS_TEMPLATE.replace(
        "'<|im_start|>assistant\\n' + (message['content'] or '')",
        "'<|im_start|>assistant\\n' + (message['content'] or '').split('</think>')[-1]")
    policy = ScriptedTokenPolicy(tok, ["<think>hmm</think>\\boxed{0}"])
    rec = collect([("guess", ToyGuessEnv)], policy, episodes=1)[0]
    first_prompt = rec["turns"][0]["prompt_token_ids"]
    assert rec["prefix_mismatch"] is True
    assert rec["prefix_mismatch_at"] == {"turn": 1, "position": len(first_prompt)}
    assert rec["token_ids"] is None and rec["loss_mask"] is None
    # every later turn strips the previous turn's thinking again: one segment per turn
    assert [s["turns"] for s in rec["segments"]] == [[0], [1], [2]]
    assert [m["turn"] for m in rec["prefix_mismatches"]] == [1, 2]
    for seg in rec["segments"]:
        assert len(seg["token_ids"]) == len(seg["loss_mask"]) == len(seg["logprobs"])


def test_saved_tiny_model_loads_through_the_hf_spec(tmp_path, tiny):
    model, tok = tiny
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    policy = make_policy(f"hf:{tmp_path}")
    conv = Conversation([{"role": "user", "content": "√2?"}])
    assert policy.render_prompt_ids(conv) == HFPolicy(model, tok).render_prompt_ids(conv)
    g = policy.generate([conv], SamplingParams(max_new_tokens=4, seed=0))[0]
    assert len(g.completion_token_ids) >= 1 and policy.describe()["model"] == str(tmp_path)


def test_samples_of_one_task_in_separate_batches_differ(tiny):
    model, tok = tiny
    records = collect(["rlvr/Math-v0"], HFPolicy(model, tok), episodes=1, samples=2,
                      concurrency=1, sampling=SamplingParams(max_new_tokens=8, seed=0))
    a, b = (r["turns"][0] for r in records)
    assert a["prompt_token_ids"] == b["prompt_token_ids"]  # the same task
    assert a["completion_token_ids"] != b["completion_token_ids"]  # fresh samples
