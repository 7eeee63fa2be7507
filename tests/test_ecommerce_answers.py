"""rlvr/Ecommerce-v0 answer reading, generated over many tasks: a negation covers a
coordinated list of statuses; one committed tracking number; refund claims for items that
get nothing; upsells and unit restatements next to a right answer."""

from __future__ import annotations

import pytest

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.answers import judge_answer, status_claims
from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.ecommerce.phrasings import play_messages, replay_messages
from rlvr_envs.envs.ecommerce.store import money

NEGATED = {
    "pending": ["It hasn't shipped or been delivered.", "It has neither shipped nor been "
                "delivered.", "It hasn't been processed, shipped or delivered yet."],
    "processing": ["It has not shipped or been delivered yet.", "It isn't shipped or "
                   "delivered yet."],
    "shipped": ["It hasn't been delivered or cancelled.", "It is not delivered or cancelled."],
    "delivered": ["It isn't pending or processing anymore.", "It is no longer processing or "
                  "shipped."],
    "cancelled": ["It won't be shipped or delivered.", "It will neither ship nor be "
                  "delivered.", "It was not shipped or delivered."],
}


def _gold_head(env: EcommerceEnv, task_id: str) -> tuple[list[str], str]:
    """The gold plan of `task_id` (reset on `env`) without its final message, and that."""
    env.reset(options={"task_id": task_id})
    messages, _ = replay_messages(env)
    return messages[:-1], messages[-1]


def _status_tasks(status: str, n: int, types: tuple[str, ...] = ("order_status",)) -> list[str]:
    env = EcommerceEnv()
    out = []
    for i in range(400):
        for t in types:
            task_id = f"{t}/d{1 + i % 5}/0/{i}"
            env.reset(options={"task_id": task_id})
            if any(it.get("status") == status for it in env.task["intents"]):
                out.append(task_id)
        if len(out) >= n:
            return out[:n]
    raise AssertionError(f"fewer than {n} tasks with a {status} order")


@pytest.mark.parametrize("status", sorted(NEGATED))
def test_a_negation_covers_the_statuses_coordinated_after_it(status: str) -> None:
    env = EcommerceEnv()
    for task_id in _status_tasks(status, 3, ("order_status", "journey")):
        env.reset(options={"task_id": task_id})
        for negated in NEGATED[status]:
            env.reset(options={"task_id": task_id})
            messages, _ = replay_messages(env)
            k = next(i for i, m in enumerate(messages) if m.startswith("Your order")
                     and f" is {status}." in m)
            head, tail = messages[k].split(".", 1)
            messages[k] = f"{head}. {negated}{tail}"
            verdict = play_messages(env, messages)
            assert verdict["reward"] == 1.0, (task_id, messages[k], verdict["reason"])


@pytest.mark.parametrize("text,claims", [
    ("It hasn't shipped yet and is still pending.", {"pending"}),
    ("It is shipped, not delivered or pending.", {"shipped"}),
    ("It's not pending, it's shipped or delivered.", {"shipped", "delivered"}),
    ("I'm not sure, shipped or delivered.", {"shipped", "delivered"}),
    ("It has not shipped, but is processing.", {"processing"}),
])
def test_a_negation_ends_where_a_new_predicate_starts(text: str, claims: set[str]) -> None:
    assert status_claims(text) == claims


def _tracked_everything(env: EcommerceEnv, task_id: str) -> tuple[list[str], str, dict]:
    """The gold plan up to its answer, plus one round tracking every order of the customer;
    the gold answer; {order id: tracking number} of the customer's orders."""
    head, final = _gold_head(env, task_id)
    customer = env.store.customers[env.task["customer_id"]]
    calls = [ToolCall("", "get_customer", {"customer_id": customer["customer_id"]})]
    calls += [ToolCall("", "track_order", {"order_id": o}) for o in customer["order_ids"]]
    trks = {o: env.store.orders[o].get("tracking_number") for o in customer["order_ids"]}
    return head + [env.tool_format.render(calls[:16])], final, trks


def test_one_committed_tracking_number_for_the_asked_order() -> None:
    env = EcommerceEnv()
    checked = 0
    for task_id in _status_tasks("shipped", 40):
        head, final, trks = _tracked_everything(env, task_id)
        oid = env.task["intents"][0]["order_id"]
        right = trks[oid]
        others = [(o, t) for o, t in trks.items() if t and o != oid]
        if not others:
            continue
        o2, t2 = others[0]
        wrong = [f"Your order {oid} is shipped. The tracking number is {right} or {t2}.",
                 f"Your order {oid} is shipped. Tracking numbers on your account: "
                 + ", ".join(sorted(t for t in trks.values() if t)) + ".",
                 f"Your order {oid} is shipped. Tracking: {t2}, {right}."]
        right_ones = [final,
                      f"Order {o2} has tracking number {t2}. Your order {oid} is shipped with "
                      f"tracking number {right}.",
                      f"| Order | Status | Tracking |\n|---|---|---|\n| {o2} | "
                      f"{env.store.orders[o2]['status']} | {t2} |\n| {oid} | shipped | {right} |"]
        for text, reward in [(t, 0.0) for t in wrong] + [(t, 1.0) for t in right_ones]:
            env.reset(options={"task_id": task_id})
            verdict = play_messages(env, head + [text])
            assert verdict["reward"] == reward, (task_id, text, verdict["reason"])
        checked += 1
    assert checked >= 10


def _two_item_refund_tasks(one_eligible: bool, n: int = 60) -> list[str]:
    env = EcommerceEnv()
    out = []
    for i in range(1000):
        task_id = f"policy/d{4 + i % 2}/0/{i}"
        env.reset(options={"task_id": task_id})
        items = env.task["intents"][0]["items"]
        if (sum(it["why_not"] is None for it in items) == 1) == one_eligible:
            out.append(task_id)
        if len(out) == n:
            return out
    raise AssertionError("too few two-item refund tasks")


CLAIMS = {  # per-item figures with no total, computed without checking eligibility
    "and_for_the_second": "You would get {a} back for the {ca} and {b} for the {cb}.",
    "both_qualify": "Both items qualify: you get {a} for the {ca} and {b} for the {cb}.",
    "list": "Refunds: {ca} {a}, {cb} {b}.",
    "no_refund_word": "{a} for the {ca}, {b} for the {cb}.",
    "semicolon": "You get {a} back for the {ca}; the {cb} is {b}.",
    "parentheses": "You get back: {ca} ({a}), {cb} ({b}).",
    "bullets": "Refund per item:\n- {ca}: {a}\n- {cb}: {b}",
    "table": "| Item | Refund |\n|---|---|\n| {ca} | {a} |\n| {cb} | {b} |",
    "arithmetic": "{ca}: {pa} less fees = {a}. {cb}: {pb} less fees = {b}.",
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_a_refund_claimed_for_an_item_that_gets_none_is_wrong(name: str) -> None:
    env = EcommerceEnv()
    for task_id in _two_item_refund_tasks(one_eligible=True, n=30):
        head, _ = _gold_head(env, task_id)
        a, b = env.task["intents"][0]["items"]
        text = CLAIMS[name].format(a=money(a["would_be"]), b=money(b["would_be"]),
                                   ca=a["category"], cb=b["category"],
                                   pa=money(a["paid"]), pb=money(b["paid"]))
        verdict = play_messages(env, head + [text])
        assert verdict["reward"] == 0.0, (task_id, text)


def _explanations(items: list[dict], total: str) -> list[str]:
    """Correct answers that go item by item, as models write them."""
    ok = [it for it in items if it["why_not"] is None]
    bad = [it for it in items if it["why_not"]]
    c, paid = (lambda it: it["category"]), (lambda it: money(it["paid"]))
    if not bad:
        a, b = items
        return [f"You get {money(a['refund'])} for the {c(a)} and {money(b['refund'])} for "
                f"the {c(b)}, so {total} in total.",
                f"The {c(a)} (paid {paid(a)}) gives {money(a['refund'])} back and the {c(b)} "
                f"(paid {paid(b)}) gives {money(b['refund'])} back: {total} in total."]
    g, x = ok[0], bad[0]
    out = [f"Only the {c(g)} qualifies ({x['why_not']} for the {c(x)}), so you'd get {total} "
           "back.",
           f"You'd get {money(g['refund'])} for the {c(g)} and nothing for the {c(x)} "
           f"({x['why_not']}). Total: {total}.",
           f"You bought the {c(g)} for {paid(g)} and the {c(x)} for {paid(x)}. The {c(x)} is "
           f"not eligible: {x['why_not']}. Your total refund is {total}.",
           f"Of the {paid(x)} you paid for the {c(x)}, none comes back ({x['why_not']}); the "
           f"{c(g)} gives you {money(g['refund'])}. That's {total} in total.",
           f"Here's the breakdown:\n- {c(g)} (paid {paid(g)}): {money(g['refund'])} back\n- "
           f"{c(x)} (paid {paid(x)}): $0.00, {x['why_not']}\n\nTotal: {total}",
           f"| Item | Paid | Refund |\n|---|---|---|\n| {c(g)} | {paid(g)} | "
           f"{money(g['refund'])} |\n| {c(x)} | {paid(x)} | $0.00 |\n| Total | | {total} |"]
    if "now" in x:
        out.append(f"The {c(x)} dropped by {money(x['would_be'])}, but it was {x['why_not']}. "
                   f"For the {c(g)} you get {money(g['refund'])} back. In total: {total}.")
    else:
        out.append(f"The {c(x)} would have refunded {money(x['would_be'])}, but it can't be "
                   f"returned ({x['why_not']}). You get {total} back in total.")
    return out


@pytest.mark.parametrize("one_eligible", [True, False])
def test_item_by_item_explanations_with_the_total_keep_the_reward(one_eligible: bool) -> None:
    env = EcommerceEnv()
    for task_id in _two_item_refund_tasks(one_eligible, n=20):
        head, _ = _gold_head(env, task_id)
        intent = env.task["intents"][0]
        for text in _explanations(intent["items"], money(intent["answer"])):
            env.reset(options={"task_id": task_id})
            verdict = play_messages(env, head + [text])
            assert verdict["reward"] == 1.0, (task_id, text, verdict["reason"])


def test_upsells_and_unit_restatements_next_to_the_answer_are_no_second_answer() -> None:
    env = EcommerceEnv(task_types=["policy"])
    checked = 0
    for i in range(120):
        task_id = f"policy/d{1 + i % 2}/0/{i}"
        head, _ = _gold_head(env, task_id)
        intent = env.task["intents"][0]
        ans = intent["answer"]
        if intent["answer_type"] == "days":
            right = [f"You have {ans} days left (about {round(ans / 7)} weeks).",
                     f"You have {ans} days left, that is {ans // 7} weeks and {ans % 7} days."]
            wrong = [f"You have {ans} days left, maybe {ans + 7} days."]
        else:
            right = [f"You will pay {money(ans)} in total. Tip: add $27.02 more to your order "
                     "to get free standard shipping!",
                     f"That comes to {money(ans)}; you are $12.50 away from free shipping."]
            wrong = [f"You will pay {money(ans)} in total, or {money(ans + 2702)}."]
        for text, reward in [(t, 1.0) for t in right] + [(t, 0.0) for t in wrong]:
            env.reset(options={"task_id": task_id})
            verdict = play_messages(env, head + [text])
            assert verdict["reward"] == reward, (task_id, text, verdict["reason"])
            checked += 1
    assert checked >= 300


def test_a_price_restated_in_a_refund_sentence_is_read_by_how_it_is_said() -> None:
    intent = {"kind": "policy", "answer_type": "money", "answer": 4250, "given": [4722, 3000],
              "context": [0, 472], "ineligible_refunds": [3000]}
    for text in ["You get $42.50 back for the jacket; the sunglasses cost $30.00 and are "
                 "final sale.",
                 "You get $42.50 back: the $47.22 you paid for the jacket minus the fee.",
                 "For the $30.00 sunglasses you get nothing; the jacket gives $42.50 back."]:
        assert judge_answer(intent, text) is True, text
    for text in ["You get back the $30.00 you paid for the sunglasses and $42.50 for the "
                 "jacket.", "You get $42.50 and $30.00 back."]:
        assert judge_answer(intent, text) is False, text
