"""Two small envs for the agent tests (a multi-turn guessing game and a tool-calling lookup),
plus a scripted token-level policy. Other `test_agents_*` files import them from here."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence

import gymnasium as gym

from agents.policy import Conversation, Generation, Policy, SamplingParams
from rlvr_envs.core import MultiTurnTextEnv, ProceduralSource, Turn, Verdict
from rlvr_envs.core.checker import check_rlvr_env

BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)


class _Secret:
    name = "secret"
    difficulties = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        return {"question": f"Guess my number in 1..{10 ** difficulty}.",
                "answer": rng.randint(1, 10**difficulty)}


class ToyGuessEnv(MultiTurnTextEnv):
    """Guess a number in \\boxed{}; the env answers higher/lower. Reward 1 when found."""

    domain = "toy-guess"
    default_max_turns = 3
    default_system_prompt = "Play the guessing game. Answer in \\boxed{}."

    def make_task_source(self, seed):
        return ProceduralSource([_Secret()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        return task["question"]

    def respond(self, action):
        m = BOXED.findall(action)
        if not m or not m[-1].strip().isdigit():
            return Turn("Please answer with a number in \\boxed{}.")
        guess = int(m[-1])
        if guess == self.task["answer"]:
            return Turn("Found it.", terminated=True, verdict=Verdict.success())
        return Turn("Higher." if guess < self.task["answer"] else "Lower.")

    def oracle_action(self):
        return f"\\boxed{{{self.task['answer']}}}"


class _Lookup:
    name = "lookup"
    difficulties = (1,)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        key = rng.choice(["alpha", "beta", "gamma", "delta"])
        return {"question": f"What is the value stored under '{key}'? Use the lookup tool, "
                            "then answer in \\boxed{}.",
                "key": key, "answer": str(rng.randint(100, 999))}


LOOKUP_TOOL = {"type": "function", "function": {
    "name": "lookup", "description": "Read the value stored under a key.",
    "parameters": {"type": "object", "properties": {"key": {"type": "string"}},
                   "required": ["key"]}}}


class ToyToolEnv(MultiTurnTextEnv):
    """Call `lookup(key)` (Hermes `<tool_call>`), then answer the value in \\boxed{}."""

    domain = "toy-tool"
    default_max_turns = 3

    def make_task_source(self, seed):
        return ProceduralSource([_Lookup()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        return task["question"]

    def tool_schemas(self, task):
        return [LOOKUP_TOOL]

    def respond(self, action):
        calls = TOOL_CALL.findall(action)
        if calls:
            content = TOOL_CALL.sub("", action).strip()
            tool_calls, replies = [], []
            for i, raw in enumerate(calls):
                cid = f"call_{self.turn}_{i}"
                try:
                    call = json.loads(raw)
                    name, args = call["name"], call.get("arguments") or {}
                    result = ({"alpha": "1", "beta": "2", "gamma": "3", "delta": "4"}
                              .get(args.get("key"), "no such key") if name == "lookup"
                              else f"unknown tool {name!r}")
                    if name == "lookup" and args.get("key") == self.task["key"]:
                        result = self.task["answer"]
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    name, args, result = "invalid", {}, f"bad tool call: {e}"
                tool_calls.append({"id": cid, "type": "function",
                                   "function": {"name": name, "arguments": args}})
                replies.append({"role": "tool", "tool_call_id": cid, "content": result})
            # the conversation records the call as structured tool_calls (OpenAI format)
            self._messages[-1] = {"role": "assistant", "content": content,
                                  "tool_calls": tool_calls}
            return Turn("\n".join(r["content"] for r in replies), messages=replies)
        m = BOXED.findall(action)
        if m and m[-1].strip() == self.task["answer"]:
            return Turn("Correct.", terminated=True, verdict=Verdict.success())
        return Turn("Wrong.", terminated=True, verdict=Verdict.fail("wrong answer"))

    def oracle_action(self):
        if self.turn == 0:
            return ('<tool_call>\n{"name": "lookup", "arguments": {"key": "'
                    + self.task["key"] + '"}}\n</tool_call>')
        return f"\\boxed{{{self.task['answer']}}}"


TOY_ENV_IDS = ("rlvr-test/Guess-v0", "rlvr-test/Tool-v0")


def register_toy_envs() -> None:
    """Register the toy envs with Gymnasium (idempotent), for CLI tests."""
    for env_id, cls in zip(TOY_ENV_IDS, (ToyGuessEnv, ToyToolEnv)):
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=cls)


class ScriptedTokenPolicy(Policy):
    """A learning-capable stand-in for a model: renders prompts with a real tokenizer and
    chat template, and "samples" scripted replies (turn t of every episode gets
    `replies[t]`, or the env's oracle action when `replies` is None), each followed by EOS."""

    returns_token_ids = True

    def __init__(self, tokenizer, replies: Sequence[str] | None = None):
        self.tok = tokenizer
        self.replies = replies
        self.name = "scripted"

    def generate(self, conversations, sampling: SamplingParams):
        out = []
        for conv in conversations:
            text = self._reply(conv)
            prompt = self.tok(self.tok.apply_chat_template(
                conv.messages, tools=conv.tools or None, tokenize=False,
                add_generation_prompt=True), add_special_tokens=False)["input_ids"]
            completion = self.tok(text, add_special_tokens=False)["input_ids"]
            completion.append(self.tok.eos_token_id)
            out.append(Generation(text, "stop", prompt, completion, [-1.0] * len(completion)))
        return out

    def _reply(self, conv: Conversation) -> str:
        turn = sum(m["role"] == "assistant" for m in conv.messages)
        if self.replies is None:
            return conv.env.unwrapped.oracle_action()
        return self.replies[min(turn, len(self.replies) - 1)]


def test_toy_envs_keep_the_contract():
    for cls in (ToyGuessEnv, ToyToolEnv):
        check_rlvr_env(cls(), seeds=(0,), n_random=3, hostile=("", "a" * 50_000))
