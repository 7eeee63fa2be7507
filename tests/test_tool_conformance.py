"""Format conformance: one scripted episode, written in every tool-call format, gives the same
state, the same tool messages and the same reward; the messages render with a chat template."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from rlvr_envs.core import MultiTurnTextEnv, ProceduralSource, Verdict
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.env import Turn
from rlvr_envs.core.tool_env import ToolEnvMixin
from rlvr_envs.core.tool_formats import TOOL_FORMATS, get_tool_format
from rlvr_envs.core.tools import ToolCall, ToolError, tool

FORMATS = sorted(TOOL_FORMATS)
NOTE = 'He said "hi"\nünï </tool_call> [TOOL_CALLS] ``` </think>'


class Ledger:
    name = "ledger"
    difficulties = (1,)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        a, b, by = rng.randint(1, 9), rng.randint(1, 9), rng.randint(1, 9)
        return {"a": a, "b": b, "by": by, "answer": a + b + by,
                "question": f"Store a={a} and b={b}, add {by} to a, then answer a+b as "
                            "'ANSWER: <n>'."}


class LedgerEnv(ToolEnvMixin, MultiTurnTextEnv):
    """A key-value ledger with three stateful tools; a reply without tool calls is final."""

    domain = "ledger"
    default_max_turns = 5

    def make_task_source(self, seed: int) -> ProceduralSource:
        return ProceduralSource([Ledger()], seed=seed, domain=self.domain)

    def initial_observation(self, task: dict) -> str:
        return task["question"]

    def start_episode(self, task: dict) -> None:
        self.store: dict[str, int] = {}
        self.notes: list[str] = []

    @tool
    def put(self, key: str, value: int) -> str:
        """Store an integer under a key.

        Args:
            key: The key.
            value: The integer to store.
        """
        self.store[key] = value
        return f"stored {key}"

    @tool
    def add(self, key: str, by: int = 1) -> int:
        """Add to a stored integer and return the new value.

        Args:
            key: A key that holds a value.
            by: How much to add.
        """
        if key not in self.store:
            raise ToolError(f"no key {key!r}; store it first with put")
        self.store[key] += by
        return self.store[key]

    @tool
    def get(self, keys: list[str], note: str | None = None) -> dict[str, int | None]:
        """Read several keys at once.

        Args:
            keys: The keys to read.
            note: A note to keep with the ledger.
        """
        if note is not None:
            self.notes.append(note)
        return {k: self.store.get(k) for k in keys}

    def respond(self, action: str) -> Turn:
        tool_round = self.run_tool_calls(action)
        if tool_round.has_tool_calls:
            return tool_round.to_turn()
        match = re.search(r"ANSWER:\s*(-?\d+)", action)
        gold = {"a": self.task["a"] + self.task["by"], "b": self.task["b"]}
        state_ok = {k: self.store.get(k) for k in gold} == gold
        answer_ok = match is not None and int(match.group(1)) == self.task["answer"]
        verdict = Verdict(state_ok and answer_ok, 0.5 * state_ok + 0.5 * answer_ok,
                          f"state {'ok' if state_ok else 'wrong'}, "
                          f"answer {'ok' if answer_ok else 'wrong'}",
                          {"state": 0.5 * state_ok, "answer": 0.5 * answer_ok})
        return Turn("Episode over.", terminated=True, verdict=verdict)

    def oracle_action(self) -> str:
        steps = scripted_calls(self.task)
        if self.turn < len(steps):
            return self.tool_format.render(steps[self.turn], "Working on it.")
        return f"ANSWER: {self.task['answer']}"


def scripted_calls(task: dict) -> list[list[ToolCall]]:
    """Turns 1-2 of the episode (parallel calls, with a tool error and an invalid call)."""
    return [
        [ToolCall("", "put", {"key": "a", "value": task["a"]}),
         ToolCall("", "put", {"key": "b", "value": task["b"]})],
        [ToolCall("", "add", {"key": "a", "by": task["by"]}),
         ToolCall("", "add", {"key": "zz"}),
         ToolCall("", "put", {"key": "c", "value": "5"}),
         ToolCall("", "get", {"keys": ["a", "b"], "note": NOTE})],
    ]


def play(fmt: str, seed: int = 3) -> dict[str, Any]:
    env = LedgerEnv(tool_format=fmt)
    _, info = env.reset(seed=seed)
    renderer = get_tool_format(fmt)
    observations, rewards = [], []
    actions = [renderer.render(calls, "Let me use the ledger.") for calls in
               scripted_calls(env.task)] + [f"ANSWER: {env.task['answer']}"]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        observations.append(obs)
        rewards.append(reward)
    assert terminated and not truncated
    messages = info["messages"]
    return {"state": (dict(env.store), list(env.notes)), "rewards": rewards,
            "observations": observations, "verdict": info["verdict"], "tools": info["tools"],
            "tool_messages": [m for m in messages if m["role"] == "tool"],
            "assistant": [(m["content"], m.get("tool_calls")) for m in messages
                          if m["role"] == "assistant"],
            "messages": messages, "actions": actions}


def test_same_episode_in_every_format_gives_the_same_result() -> None:
    runs = {fmt: play(fmt) for fmt in FORMATS}
    reference = runs["hermes"]
    assert reference["rewards"] == [0.0, 0.0, 1.0]
    assert reference["verdict"]["reward_breakdown"] == {"state": 0.5, "answer": 0.5}
    for fmt, run in runs.items():
        assert run["state"] == reference["state"], fmt
        assert run["tool_messages"] == reference["tool_messages"], fmt
        assert run["assistant"] == reference["assistant"], fmt
        assert run["rewards"] == reference["rewards"], fmt
        assert run["observations"] == reference["observations"], fmt
        assert run["tools"] == reference["tools"], fmt
    assert len({run["actions"][0] for run in runs.values()}) == len(FORMATS)  # really differ


def test_tool_messages_carry_ids_results_and_errors() -> None:
    run = play("hermes")
    a, b = run["state"][0]["a"], run["state"][0]["b"]
    assert run["tool_messages"][2:] == [
        {"role": "tool", "tool_call_id": "c0002k000", "name": "add", "content": str(a)},
        {"role": "tool", "tool_call_id": "c0002k001", "name": "add",
         "content": "error: add: no key 'zz'; store it first with put"},
        {"role": "tool", "tool_call_id": "c0002k002", "name": "put",
         "content": "error: put: argument 'value' must be an integer, got string \"5\""},
        {"role": "tool", "tool_call_id": "c0002k003", "name": "get",
         "content": json.dumps({"a": a, "b": b})},
    ]
    assert run["state"][1] == [NOTE]
    content, tool_calls = run["assistant"][1]
    assert content == "Let me use the ledger."  # the calls are not repeated in the content
    assert [c["id"] for c in tool_calls] == ["c0002k000", "c0002k001", "c0002k002", "c0002k003"]
    assert json.loads(tool_calls[3]["function"]["arguments"]) == {"keys": ["a", "b"],
                                                                  "note": NOTE}
    assert run["observations"][1].startswith('<tool_response id="c0002k000" name="add">\n')
    assert [t["function"]["name"] for t in run["tools"]] == ["put", "add", "get"]
    assert_openai_chat_shape(run["messages"])


def assert_openai_chat_shape(messages: list[dict]) -> None:
    """Every tool message answers a call of the assistant message before it, in order."""
    pending: list[str] = []
    for m in messages:
        if m["role"] == "tool":
            assert pending and m["tool_call_id"] == pending.pop(0), m
            continue
        assert not pending, f"calls {pending} were not answered before {m}"
        if m["role"] == "assistant" and m.get("tool_calls"):
            for call in m["tool_calls"]:
                assert call["type"] == "function" and isinstance(
                    json.loads(call["function"]["arguments"]), dict)
            pending = [c["id"] for c in m["tool_calls"]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_calls_are_answered_not_raised(fmt: str) -> None:
    env = LedgerEnv(tool_format=fmt, max_tool_calls=2)
    env.reset(seed=0)
    bad = {"hermes": "<tool_call>{broken</tool_call>", "openai_json": '{"name": "put", "arguments": ',
           "pythonic": '[put("a", 1)]', "mistral": "[TOOL_CALLS][{]"}[fmt]
    obs, reward, terminated, truncated, info = env.step(bad)
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert obs.startswith("error: tool call 1:")
    assert info["messages"][-1] == {"role": "user", "content": obs}
    assert info["messages"][-2]["role"] == "assistant"
    assert "tool_calls" not in info["messages"][-2]
    assert info["tool_round"]["unreadable"] == 1
    three = get_tool_format(fmt).render([ToolCall("", "get", {"keys": []})] * 3)
    obs, *_, info = env.step(three)
    statuses = [r["status"] for r in info["tool_round"]["results"]]
    assert statuses == ["ok", "ok", "not_run"]
    assert "at most 2 tool calls are run per message" in info["messages"][-1]["content"]
    assert_openai_chat_shape(info["messages"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_rlvr_contract_holds_in_every_format(fmt: str) -> None:
    check_rlvr_env(LedgerEnv(tool_format=fmt), seeds=(0, 1), n_random=5)


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown tool_format 'json'"):
        LedgerEnv(tool_format="json")


# A Qwen2.5-style tool chat template (condensed): tools in the system turn, calls rendered from
# `tool_calls` after the content, consecutive tool messages in one user turn.
QWEN_STYLE_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n# Tools\n<tools>{% for t in tools %}\n{{ t | tojson }}"
    "{% endfor %}\n</tools><|im_end|>\n{%- endif %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'user' or m.role == 'system' %}<|im_start|>{{ m.role }}\n{{ m.content }}"
    "<|im_end|>\n"
    "{%- elif m.role == 'assistant' %}<|im_start|>assistant\n{{ m.content or '' }}"
    "{%- for c in m.tool_calls or [] %}\n<tool_call>\n{\"name\": \"{{ c.function.name }}\", "
    "\"arguments\": {{ c.function.arguments }}}\n</tool_call>{%- endfor %}<|im_end|>\n"
    "{%- elif m.role == 'tool' %}"
    "{%- if loop.first or messages[loop.index0 - 1].role != 'tool' %}<|im_start|>user{% endif %}"
    "\n<tool_response>\n{{ m.content }}\n</tool_response>"
    "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' %}<|im_end|>\n{% endif %}"
    "{%- endif %}{%- endfor %}")


def test_messages_render_with_a_chat_template() -> None:
    import tokenizers
    import transformers
    vocab = {"[UNK]": 0}
    backend = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=backend)
    run = play("hermes")
    prompt = tok.apply_chat_template(run["messages"], tools=run["tools"], tokenize=False,
                                     chat_template=QWEN_STYLE_TEMPLATE)
    assert prompt.count("<tool_call>") == 6  # each call once: content holds no call text
    assert prompt.count("<tool_response>") == 6 and '"name": "put"' in prompt
    # what the template writes for the assistant is what the hermes parser reads back
    turn2 = prompt.split("<|im_start|>assistant\n")[2].split("<|im_end|>")[0]
    parsed = get_tool_format("hermes").parse(turn2, turn=2)
    assert [c.to_openai() for c in parsed.calls] == run["assistant"][1][1]
