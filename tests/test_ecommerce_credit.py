"""rlvr/Ecommerce-v0 partial credit for little work, generated over many tasks: the sold-out
product's sibling variant pays nothing unless it fits, and half a return pays nothing for
that order while another intent's order done right still counts."""

from __future__ import annotations

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.ecommerce.goals import pick_ok
from rlvr_envs.envs.ecommerce.phrasings import replay_messages
from rlvr_envs.envs.ecommerce.reward import state_score


def play_out(env: EcommerceEnv, messages: list[str]) -> dict:
    """Send `messages`, then courtesy lines until the customer ends or gives up."""
    for message in messages + ["Is there anything else I can help with?"] * 40:
        *_, terminated, truncated, info = env.step(message)
        if terminated or truncated:
            return info["verdict"]
    raise AssertionError("the episode never ended")


def _sibling_run(env: EcommerceEnv, task_id: str) -> tuple[float, bool] | None:
    """Add the sold-out product's first in-stock sibling, reading no constraint: the reward,
    and whether that sibling meets every constraint (None: no sibling in stock)."""
    env.reset(options={"task_id": task_id})
    intent = env.task["intents"][0]
    anchor = intent["exclude"][0]
    i = env.store.product_index(anchor)
    assert i is not None
    siblings = [f"P{j:05d}" for j in env.store.variants(i)
                if j != i and int(env.store.stock[j]) > 0]
    if not siblings:
        return None
    fits = all(pick_ok(env.store, siblings[0], intent).values())
    messages = [env.tool_format.render([ToolCall("", "get_product", {"product_id": anchor})]),
                env.tool_format.render([ToolCall("", "add_to_cart",
                                                 {"product_id": siblings[0]})]),
                "I added a similar item to your cart."]
    return play_out(env, messages)["reward"], fits


def test_a_sibling_of_the_sold_out_product_pays_only_when_it_fits() -> None:
    env = EcommerceEnv()
    seen = {True: 0, False: 0}
    for level in (1, 2, 3, 4, 5):
        for i in range(20):
            out = _sibling_run(env, f"substitution/d{level}/0/{i}")
            if out is None:
                continue
            reward, fits = out
            seen[fits] += 1
            assert not (fits and level >= 3), "from L3 no sibling fits the request"
            assert reward == (1.0 if fits else 0.0), (level, i, reward)
    assert seen[True] >= 5 and seen[False] >= 40


def test_half_a_return_earns_nothing_for_that_order() -> None:
    env = EcommerceEnv(task_types=["returns"])
    checked = 0
    for i in range(300):
        task_id = f"returns/d{2 + i % 4}/0/{i}"
        env.reset(options={"task_id": task_id})
        intent = env.task["intents"][0]
        if len(intent["eligible"]) != 2:
            continue
        messages, _ = replay_messages(env)
        k = max(n for n, m in enumerate(messages) if "Shall I" in m)
        first, oid = intent["eligible"][0], intent["order_id"]
        half = [f"I can return {first} from order {oid}. Shall I go ahead?",
                env.tool_format.render([ToolCall("", "return_items", {
                    "order_id": oid, "product_ids": [first]})]),
                f"Done: the return of {first} from order {oid} is recorded."]
        env.reset(options={"task_id": task_id})
        verdict = play_out(env, messages[:k] + half)
        assert verdict["reward"] == 0.0, (task_id, verdict["reward_breakdown"])
        checked += 1
    assert checked >= 20


def test_the_state_is_scored_per_order() -> None:
    gold = {("O1", "returned", "P1"), ("O1", "returned", "P2"), ("O2", "status", "cancelled")}
    assert state_score(gold, set(gold), set()) == 1.0
    half = {("O1", "returned", "P1"), ("O2", "status", "cancelled")}
    assert state_score(gold, half, set()) == 2 * 1 / (2 + 2)  # O2 right, O1 not
    assert state_score(gold, set(gold), {("O1", "returned", "P2")}) == 0.5  # O1 ungrounded
    extra = set(gold) | {("O3", "status", "cancelled")}
    assert state_score(gold, extra, set()) == 2 * 2 / (3 + 2)
