"""rlvr/Ecommerce-v0 phrasing robustness: the gold solver's messages re-expressed the ways
models write them (`phrasings.REWRITES`) keep the full reward over many tasks of every type
and level; hedged answers (`phrasings.hedges`) earn nothing for the answer."""

from __future__ import annotations

import pytest

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.answers import judge_answer, status_claims
from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.ecommerce.phrasings import (
    REWRITES,
    answer_steps,
    hedges,
    play_messages,
    replay_messages,
)
from rlvr_envs.envs.ecommerce.tasks import LEVELS, TASK_TYPES

TASKS = [f"{t}/d{d}/0/{900 + i}" for t in TASK_TYPES for d in LEVELS for i in range(2)]
INFO_TASKS = [f"{t}/d{d}/0/{950 + i}" for t in ("policy", "order_status", "journey")
              for d in LEVELS for i in range(2)]


def _bulk_orders(n: int = 6) -> list[str]:
    """Shipping-total tasks whose answer is $1,000 or more (digit groups to re-format)."""
    env = EcommerceEnv(task_types=["policy"])
    out = []
    for i in range(400):
        env.reset(options={"task_id": f"policy/d2/0/{i}"})
        if env.task["intents"][0]["answer"] >= 100_000:
            out.append(env.task["id"])
        if len(out) == n:
            return out
    raise AssertionError("no shipping-total task of $1,000 or more in 400")


BULK = _bulk_orders()


@pytest.mark.parametrize("name", sorted(REWRITES))
def test_rephrased_gold_messages_keep_the_full_reward(name: str) -> None:
    env = EcommerceEnv()
    applied = 0
    for task_id in TASKS + INFO_TASKS + BULK:
        env.reset(options={"task_id": task_id})
        messages, changed = replay_messages(env, name)
        if not changed:
            continue
        applied += 1
        verdict = play_messages(env, messages)
        assert verdict["reward"] == 1.0, (task_id, messages, verdict["reason"])
    assert applied >= 2, f"{name} applied to only {applied} tasks"


def test_hedged_answers_earn_nothing_for_the_answer() -> None:
    env = EcommerceEnv()
    checked = 0
    for task_id in INFO_TASKS:
        env.reset(options={"task_id": task_id})
        intent = next(iter(answer_steps(env.task).values()))
        for hedge in hedges(intent):
            env.reset(options={"task_id": task_id})
            messages, _ = replay_messages(env, hedge=hedge)
            verdict = play_messages(env, messages)
            answers = {k: v for k, v in verdict["reward_breakdown"].items()
                       if k.endswith("answer")}
            assert answers and not any(answers.values()), (task_id, hedge, verdict)
            if not task_id.startswith("journey"):
                assert verdict["reward"] == 0.0, (task_id, hedge)
            checked += 1
    assert checked >= 60


REFUND = {"kind": "policy", "answer_type": "money", "answer": 4250, "given": [4722],
          "context": [472]}


@pytest.mark.parametrize("text", [
    "The refund is $42.50 after the 10% restocking fee of $4.72.",
    "You paid $47.22; minus the $4.72 fee ($47.22 - $4.72 = $42.50) you get $42.50 back.",
    "| Item | Amount |\n|---|---|\n| Paid | $47.22 |\n| Fee | −$4.72 |\n| **Refund** | **$42.50** |",
    "Refund:\n42.50 USD (issued 2025-06-01 09:30 to pm_card_00042)",
    "You'll get USD 42.50; refunds take 5-7 business days.",
    "1. Price: $47.22\n2. Restocking fee (10%): $4.72\n3. Refund: $42.5",
])
def test_explanations_naming_other_amounts_are_right(text: str) -> None:
    assert judge_answer(REFUND, text) is True


@pytest.mark.parametrize("text", [
    "It is $42.50 or $4.72.", "Either $42.50 or $43.50.", "$42.50/$43.00", "$42.50-$45",
    "Between $42.50 and $45.00.", "$42.50, maybe $4.72.", "42.50 or 43.50",
    "Refund: $42.50 (about $43)", "Final answer: $42.50\nFinal answer: $40.00",
])
def test_two_amounts_offered_are_a_hedge(text: str) -> None:
    assert judge_answer(REFUND, text) is False


def test_intermediates_alone_are_wrong_and_questions_are_not_answers() -> None:
    assert judge_answer(REFUND, "The restocking fee is $4.72.") is False
    assert judge_answer(REFUND, "You paid $47.22, right?") is None
    assert judge_answer(REFUND, "Is it $42.50 or $43.50? Which item do you mean?") is None
    assert judge_answer(REFUND, "Did you pay $47.22 for it?") is None


@pytest.mark.parametrize("text,status", [
    ("It is being processed.", "processing"), ("It's on its way!", "shipped"),
    ("It has been delivered.", "delivered"), ("It was canceled.", "cancelled"),
    ("It was cancelled yesterday.", "cancelled"), ("Good news - it's in transit.", "shipped"),
    ("It's out for delivery today.", "shipped"), ("It arrived on 2025-05-28.", "delivered"),
    ("It is awaiting processing.", "pending"),
    ("It shipped on May 20 and was delivered on May 24.", "delivered"),
    ("It hasn't shipped yet; it is still processing.", "processing"),
    ("It has shipped and should be delivered by Friday.", "shipped"),
])
def test_status_paraphrases_are_read(text: str, status: str) -> None:
    intent = {"kind": "status", "order_id": "O1234567", "status": status, "tracking": None}
    assert judge_answer(intent, text) is True, status_claims(text)


def test_clarifying_questions_that_name_statuses_are_not_answers() -> None:
    intent = {"kind": "status", "order_id": "O1234567", "status": "shipped", "tracking": None}
    for text in ("Do you mean the order that was delivered, or the one that is pending?",
                 "I see one delivered order and one pending order. Which one do you mean?",
                 "Is it order O7654321, the one that was cancelled?"):
        assert judge_answer(intent, text) is None, text
    other = "Your other order O7654321 was delivered. Order O1234567 has shipped."
    assert judge_answer(intent, other) is True, "a sentence about another order is no claim"


@pytest.mark.parametrize("text,right", [
    ("You have 3 orders: O1111111 (delivered), O7654321 (pending), O1234567 (shipped). The "
     "one you asked about, O1234567, has shipped.", True),
    ("O1111111 was delivered, but O1234567 is on its way.", True),
    ("| Order | Status |\n|---|---|\n| O1111111 | Delivered |\n| O1234567 | Shipped |", True),
    ("O1111111: shipped. O1234567: delivered.", False),
    ("Your order O1234567 is shipped or delivered.", False),
])
def test_each_status_belongs_to_the_nearest_order(text: str, right: bool) -> None:
    intent = {"kind": "status", "order_id": "O1234567", "status": "shipped", "tracking": None}
    assert judge_answer(intent, text) is right


@pytest.mark.parametrize("text", ["1" * 32_000, "1," * 16_000, "$42.50 or $43.50 " * 1_900,
                                  "shipped " * 4_000, "twenty-" * 4_500 + "days",
                                  "5 business days 18 days " * 1_300, " " * 32_000 + "?"])
def test_hostile_long_answers_are_read_without_backtracking(text: str) -> None:
    """Every reader is linear in the message (tokens parsed in Python, windows bounded), so
    these finish at once; a regression to regex backtracking would hang here."""
    status = {"kind": "status", "order_id": "O1234567", "status": "shipped", "tracking": None}
    days = {"kind": "policy", "answer_type": "days", "answer": 18, "given": [], "context": []}
    for intent in (REFUND, status, days):
        assert judge_answer(intent, text, set()) in (None, False, True)
    assert judge_answer(status, "shipped " * 4_000) is True  # one status, said many times
    assert judge_answer(REFUND, "$42.50 or $43.50 " * 1_900) is False


def test_the_env_offers_its_rewrites_to_the_core_perturbation_suite() -> None:
    """`answer_perturbations` (the hook core/perturb.py calls just before the final message):
    every variant it returns, sent instead of the gold answer, keeps the reward."""
    env = EcommerceEnv()
    for task_id in ("policy/d5/0/3", "order_status/d4/0/3", "discovery/d2/0/3"):
        env.reset(options={"task_id": task_id})
        head = env.task["gold_actions"][:-1]
        final = env.task["gold_actions"][-1]["say"]
        replay = [env.tool_format.render([ToolCall("", n, dict(a)) for n, a in s["calls"]])
                  if "calls" in s else s["say"] for s in head]
        for message in replay:
            env.step(message)
        variants = {k: v for k, v in env.answer_perturbations(final).items() if v}
        assert len(variants) >= 8, task_id
        for name, text in variants.items():
            env.reset(options={"task_id": task_id})
            verdict = play_messages(env, replay + [text])
            assert verdict["reward"] == 1.0, (task_id, name, text)
