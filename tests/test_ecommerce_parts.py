"""Typed answer matching, tools and the simulated customer of rlvr/Ecommerce-v0."""

from __future__ import annotations

from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.answers import (
    day_counts,
    judge_answer,
    money_amounts,
    status_claims,
)
from rlvr_envs.envs.ecommerce.customer import SimulatedCustomer
from rlvr_envs.envs.ecommerce.goals import ids_in
from rlvr_envs.envs.ecommerce.store import get_store
from rlvr_envs.envs.ecommerce.tools import ShopSession


def test_amounts_days_ids_are_typed_and_whole() -> None:
    assert money_amounts("costs $1,234.5 or $7 and $0.99") == {123450, 700, 99}
    assert money_amounts("version 2010 has 10 items") == set()
    assert day_counts("within 30 days, not 300days; 14-day window") == {30, 300, 14}
    assert ids_in("P01234 P012345 xP01234 O1234567 TRK123456789") == {
        "P01234", "O1234567", "TRK123456789"}


def test_status_claims_ignore_future_and_negated_mentions() -> None:
    assert status_claims("It has shipped and will be delivered by Friday.") == {"shipped"}
    assert status_claims("It is not delivered yet; it is processing.") == {"processing"}
    assert status_claims("Your order was canceled.") == {"cancelled"}


def test_answers_reject_hedges_and_given_numbers() -> None:
    intent = {"kind": "policy", "answer_type": "money", "answer": 1800, "given": [12000]}
    assert judge_answer(intent, "On $120.00 the fee is $18.00.") is True
    assert judge_answer(intent, "It's $18.00 or $20.00.") is False
    assert judge_answer(intent, "The item cost $120.00.") is None
    assert judge_answer(intent, "The fee is 1800 cents, i.e. 18") is None
    status = {"kind": "status", "status": "shipped", "tracking": "TRK000000001"}
    assert judge_answer(status, "It has shipped: TRK000000001.") is True
    assert judge_answer(status, "It has shipped.") is False


def test_search_is_capped_and_filters_exactly() -> None:
    session = ShopSession(get_store(0))
    out = session.search_products.run(ToolCall("c", "search_products", {
        "category": "hoodies", "colour": "navy", "max_price": 60.0, "limit": 20}))
    assert out.ok and 0 < len(out.value["results"]) <= 20
    for p in out.value["results"]:
        assert p["category"] == "hoodies" and p["colour"] == "navy"
        assert float(p["price"][1:]) <= 60.0
    bad = session.search_products.run(ToolCall("c", "search_products", {"limit": 500}))
    assert not bad.ok and "between 1 and 20" in bad.content
    bad = session.search_products.run(ToolCall("c", "search_products", {"colour": "vantablack"}))
    assert "unknown colour" in bad.content


def test_customer_reveals_only_what_is_asked_and_quits_when_ignored() -> None:
    task = {"intents": [{"kind": "policy", "answer_type": "days", "answer": 30, "given": [],
                         "opening": "Q?", "nudge": "Still waiting.", "slots": {}}],
            "opening": "Q?", "profile_slots": {"email": "My email is a@b.c."},
            "patience": 2, "typo_rate": 0.0, "typo_seed": 0}
    session = ShopSession(get_store(0))
    customer = SimulatedCustomer(task)
    assert customer.reply("What is your email?", session).text == "My email is a@b.c."
    assert customer.reply("Hmm.", session).text == "Still waiting."
    assert customer.reply("Hmm.", session).quit
    customer = SimulatedCustomer(task)
    reply = customer.reply("You have 30 days.", session)
    assert reply.ended and customer.answers == {0: True}
