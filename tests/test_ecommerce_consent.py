"""rlvr/Ecommerce-v0 consent and identity, generated over many tasks: the customer's yes
attaches to what a proposal offers (not every id it names), covers the agreed items returned
over several calls, and verification takes only a zip this customer gave in this dialogue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.ecommerce.phrasings import play_messages, replay_messages


def _returns(ok: Callable[[dict[str, Any]], bool], n: int) -> list[str]:
    env = EcommerceEnv(task_types=["returns"])
    out = []
    for i in range(600):
        task_id = f"returns/d{2 + i % 4}/0/{i}"
        env.reset(options={"task_id": task_id})
        if ok(env.task["intents"][0]):
            out.append(task_id)
        if len(out) == n:
            return out
    raise AssertionError(f"fewer than {n} returns tasks fit")


MIXED = _returns(lambda it: 0 < len(it["eligible"]) < len(it["requested"]), 12)
BOTH = _returns(lambda it: len(it["eligible"]) == 2, 12)


def _plan(env: EcommerceEnv, task_id: str) -> tuple[list[str], int, dict[str, Any]]:
    """The gold messages of `task_id`, the index of its proposal, and the return intent."""
    env.reset(options={"task_id": task_id})
    messages, _ = replay_messages(env)
    k = max(i for i, m in enumerate(messages) if "Shall I" in m)
    return messages, k, env.task["intents"][0]


def _names(env: EcommerceEnv, order_id: str) -> dict[str, str]:
    return {it["product_id"]: it["name"] for it in env.store.orders[order_id]["items"]}


PROPOSALS = {  # ways models ask, each naming the item that cannot be returned
    "excluded_id_after": lambda it, ok, bad, names: (
        f"I can return {ok} from order {it['order_id']}. The {names[bad]} ({bad}) cannot be "
        "returned under our policy. Shall I go ahead?"),
    "excluded_id_first": lambda it, ok, bad, names: (
        f"Unfortunately {bad} ({names[bad]}) is not eligible for a return.\n\nShall I return "
        f"{ok} from order {it['order_id']}?"),
    "order_contents_listed": lambda it, ok, bad, names: (
        f"Order {it['order_id']} contains: " + "; ".join(f"{p} {n}" for p, n in names.items())
        + f". I can return {ok} from order {it['order_id']}; {bad} is final sale or past its "
        "window. Shall I go ahead?"),
    "names_only": lambda it, ok, bad, names: (
        f"I can return the {names[ok]} from order {it['order_id']}, but not the "
        f"{names[bad]}. Would you like me to proceed?"),
    "other_order_named": lambda it, ok, bad, names: (
        f"(This is order {it['order_id']}, not your other orders.) Shall I return {ok} from "
        f"order {it['order_id']}?"),
}


@pytest.mark.parametrize("name", sorted(PROPOSALS))
def test_the_yes_attaches_to_the_proposed_items_not_every_id_named(name: str) -> None:
    env = EcommerceEnv()
    for task_id in MIXED:
        messages, k, intent = _plan(env, task_id)
        (ok,) = intent["eligible"]
        bad = next(p for p in intent["requested"] if p != ok)
        messages[k] = PROPOSALS[name](intent, ok, bad, _names(env, intent["order_id"]))
        env.reset(options={"task_id": task_id})
        verdict = play_messages(env, messages)
        assert verdict["reward"] == 1.0, (task_id, messages[k], verdict["reason"])


def test_an_item_the_proposal_excluded_is_not_agreed_to() -> None:
    env = EcommerceEnv()
    for task_id in MIXED:
        messages, k, intent = _plan(env, task_id)
        (ok,) = intent["eligible"]
        bad = next(p for p in intent["requested"] if p != ok)
        messages[k] = PROPOSALS["excluded_id_after"](intent, ok, bad,
                                                     _names(env, intent["order_id"]))
        messages[k + 1] = env.tool_format.render([ToolCall("", "return_items", {
            "order_id": intent["order_id"], "product_ids": [ok, bad]})])
        env.reset(options={"task_id": task_id})
        verdict = play_messages(env, messages)
        assert verdict["reward"] == 0.0
        assert "without the customer's consent" in verdict["reason"], verdict["reason"]


@pytest.mark.parametrize("split", ["two_calls_one_message", "two_messages"])
def test_agreed_items_returned_one_call_each_score_like_one_call(split: str) -> None:
    env = EcommerceEnv()
    for task_id in BOTH:
        messages, k, intent = _plan(env, task_id)
        calls = [ToolCall("", "return_items", {"order_id": intent["order_id"],
                                               "product_ids": [p]})
                 for p in intent["eligible"]]
        writes = ([env.tool_format.render(calls)] if split == "two_calls_one_message" else
                  [env.tool_format.render([c]) for c in calls])
        env.reset(options={"task_id": task_id})
        verdict = play_messages(env, messages[:k + 1] + writes + messages[k + 2:])
        assert verdict["reward"] == 1.0, (task_id, verdict["reason"])


def test_a_yes_covers_only_the_agreed_items_however_they_are_split() -> None:
    env = EcommerceEnv()
    for task_id in BOTH:
        messages, k, intent = _plan(env, task_id)
        first, second = intent["eligible"]
        oid = intent["order_id"]
        messages[k] = f"I can return {first} from order {oid}. Shall I go ahead?"
        write = [ToolCall("", "return_items", {"order_id": oid, "product_ids": [first]}),
                 ToolCall("", "return_items", {"order_id": oid, "product_ids": [second]})]
        env.reset(options={"task_id": task_id})
        verdict = play_messages(env, messages[:k + 1] + [env.tool_format.render(write)])
        assert verdict["reward"] == 0.0 and "consent" in verdict["reason"], verdict["reason"]


def _identity_tasks(level: int) -> list[str]:
    return [f"{t}/d{level}/0/{i}" for t in ("order_status", "returns", "journey")
            for i in range(8)]


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_verification_takes_only_a_zip_given_in_this_dialogue(level: int) -> None:
    """A zip remembered from other episodes (the store is the same in every episode) fails
    until the customer says it; the gold plan, which asks, still earns 1.0."""
    env = EcommerceEnv()
    for task_id in _identity_tasks(level):
        env.reset(options={"task_id": task_id})
        cust = env.store.customers[env.task["customer_id"]]
        verify = env.tool_format.render([ToolCall("", "verify_customer", {
            "customer_id": cust["customer_id"], "zip_code": cust["zip"]})])
        obs, *_ = env.step(verify)
        assert "has not given this zip code" in obs, (task_id, obs)
        assert env.session.verified is None
        env.reset(options={"task_id": task_id})
        assert play_messages(env, replay_messages(env)[0])["reward"] == 1.0, task_id


def test_a_zip_in_the_opening_verifies_at_once() -> None:
    env = EcommerceEnv()
    for task_id in _identity_tasks(1):
        env.reset(options={"task_id": task_id})
        cust = env.store.customers[env.task["customer_id"]]
        env.step(env.tool_format.render([ToolCall("", "verify_customer", {
            "customer_id": cust["customer_id"], "zip_code": cust["zip"]})]))
        assert env.session.verified == cust["customer_id"], task_id


@pytest.mark.parametrize("text", ["return {o}, " * 2000, "(" * 32_000,
                                  "(return {o} not the tee) " * 1000,
                                  "Shall I return " + "the tee, " * 3000 + "from {o}?"])
def test_hostile_proposals_are_read_without_backtracking(text: str) -> None:
    """The proposal reader is linear in the message (bounded parentheses, one pass per
    clause): these are answered at once, with a refusal, never an exception."""
    env = EcommerceEnv()
    task_id = next(t for t in MIXED if "/d2/" in t)  # the order id is in the opening
    env.reset(options={"task_id": task_id})
    text = text.replace("{o}", env.task["intents"][0]["order_id"])[:32_768]
    obs, reward, terminated, _, _ = env.step(text)
    assert not terminated and reward == 0.0 and not env.session.consents, obs
