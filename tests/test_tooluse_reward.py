"""Typed fact matching and the hacks the reward must not pay."""

from __future__ import annotations

import pytest

from rlvr_envs.core.tool_formats import get_tool_format
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.facts import (
    abstains,
    check_facts,
    has_token,
    number_fact,
    numbers_in,
    token_fact,
)


def test_numbers_are_whole_tokens() -> None:
    text = "ACC-1042 has $1,234.50 on 2025-03-14 at 14:30 (IC512), -5 degrees, 3.5."
    assert numbers_in(text) == [1234.5, -5.0, 3.5]


def test_ids_match_as_whole_tokens_only() -> None:
    assert has_token("cancelled EVT-123.", "EVT-123")
    assert not has_token("cancelled EVT-1234", "EVT-123")
    assert not has_token("cancelled XEVT-123", "EVT-123")
    assert has_token("it is alice chen", "Alice Chen")


def test_hedges_fail_and_allowed_values_do_not() -> None:
    fact = number_fact("balance", 120.5, [300.0, 99.99])
    [(_, ok, _)] = check_facts("The balance is $120.50.", [fact])
    assert ok
    [(_, ok, why)] = check_facts("It is 120.50 or maybe 300.", [fact])
    assert not ok and why.endswith("hedged")
    [(_, ok, _)] = check_facts("You sent 300 and it is 120.50.", [fact], allowed_numbers=[300])
    assert ok
    [(_, ok, _)] = check_facts("It is 120.50; 1, 2, 3, 4 more.", [number_fact("b", 120.5)])
    assert ok  # numbers that cannot be the slot's value (another magnitude) are no hedge
    [(_, ok, _)] = check_facts("It is 120.50, 118.20 or 122.90.", [number_fact("b", 120.5)])
    assert not ok  # nearby candidates hedge even a fact without declared rivals
    tok = token_fact("id", "EVT-5", ["EVT-6", "EVT-7"])
    assert [ok for _, ok, _ in check_facts("EVT-5", [tok])] == [True]
    assert [ok for _, ok, _ in check_facts("EVT-5, EVT-6, EVT-7", [tok])] == [False]
    assert [ok for _, ok, _ in check_facts("EVT-50", [tok])] == [False]


def test_abstention_phrases() -> None:
    assert abstains("Sorry, I can't book restaurants with these tools.")
    assert abstains("None of the available tools can do that.")
    assert not abstains("Done! I booked it.")


def episode(task_id: str, actions: list[str], fmt: str = "hermes") -> dict:
    return ToolUseEnv.audit_verdict({"task_id": task_id, "tool_format": fmt,
                                     "actions": actions}).__dict__


def gold(task_id: str) -> tuple[ToolUseEnv, list[str]]:
    env = ToolUseEnv()
    env.reset(options={"task_id": task_id})
    msgs = []
    while True:
        msgs.append(env.oracle_action())
        *_, terminated, truncated, _ = env.step(msgs[-1])
        if terminated or truncated:
            return env, msgs


def test_answering_without_calls_earns_nothing() -> None:
    for task_id in ("simple/d1/0/3", "chain/d1/0/3", "parallel/d3/0/1"):
        env, msgs = gold(task_id)
        v = episode(task_id, [msgs[-1]])
        assert v["reward"] == 0.0 and not v["passed"]


def test_calling_every_tool_on_a_long_list_earns_near_nothing() -> None:
    env, msgs = gold("long_tools/d5/0/0")
    render = get_tool_format("hermes").render
    reads = [t for t in env.task["tools"] if t not in env.world.writes]
    spray = render([ToolCall("", t, {}) for t in reads[:16]])
    v = episode("long_tools/d5/0/0", [*msgs[:-1], spray, msgs[-1]])
    assert v["reward"] < 0.1 and not v["passed"]


def test_dumping_every_id_earns_nothing() -> None:
    env, msgs = gold("simple/d2/0/5")
    facts = env.task["gold"]["segments"][0]["facts"]
    dump = msgs[-1] + " " + " ".join(str(c) for f in facts for c in f["conflicts"])
    v = episode("simple/d2/0/5", [*msgs[:-1], dump])
    assert v["reward"] == 0.0 and "hedged" in v["reason"]
    env, msgs = gold("simple/d2/0/6")  # a write task: the hedge also voids the state credit
    assert env.gold.writes
    facts = env.task["gold"]["segments"][0]["facts"]
    dump = msgs[-1] + " " + " ".join(str(c) for f in facts for c in f["conflicts"])
    v = episode("simple/d2/0/6", [*msgs[:-1], dump])
    assert v["reward"] == 0.0 and v["reward_breakdown"]["hedge_penalty"] == -0.5


def test_unrequested_write_and_late_call_are_penalized() -> None:
    env, msgs = gold("parallel/d1/0/0")
    render = get_tool_format("hermes").render
    people = [a for a in env.world.bank.ids() if a != env.world.bank.company_account()]
    write = render([ToolCall("", "transfer", {"from_account": people[0],
                                              "to_account": people[1], "amount": 1.0})])
    tools = env.task["tools"]
    v = episode("parallel/d1/0/0", [*msgs[:-1], write, msgs[-1]])
    if "transfer" in tools:
        assert v["reward_breakdown"]["extra_write_penalty"] == -0.5 and not v["passed"]
    v = episode("parallel/d1/0/0", [*msgs[:-1], msgs[0], msgs[-1]])
    assert v["reward_breakdown"]["late_call_penalty"] < 0 and not v["passed"]


@pytest.mark.parametrize("task_id", ["simple/d1/0/1", "chain/d5/0/0", "multi_turn/d3/0/2"])
def test_correct_answer_with_extra_words_and_reasoning_passes(task_id: str) -> None:
    env, msgs = gold(task_id)
    segments = env.task["gold"]["segments"]
    answers = {s["answer"] for s in segments}
    wrapped = [f"<think>maybe 1 or 2 or 3 or 4</think>Here you go: {m}" if m in answers else m
               for m in msgs]
    v = episode(task_id, wrapped)
    assert v["passed"] and v["reward"] == 1.0, v["reason"]
