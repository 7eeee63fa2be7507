"""The episode's reward: hard gates, then graded components (see docs/envs/ecommerce.md).

    gates (any -> reward 0): a write that breaks store policy, a consent-needing write
        attempted without the customer's yes, an id told to the customer that no tool and no
        customer message ever showed (invented or guessed).
    task score S in [0, 1]: the weighted mean of
        pick intents    0.7 * pick credit of the cart's best line / units in the cart
                        + 0.3 * [cart is exactly it]; pick credit is 0 unless the product is
                        of the requested category, then the share of the *paid* constraints
                        (those <= 90% of the category's in-stock products meet) it meets
        bundle intents  0.6 * parts met * (units meeting a part / units in the cart)
                        + 0.2 * [every part met and total within budget] + 0.2 * [cart exact]
        cart intents    F1 of cart units against the wanted cart
        info intents    [the typed answer is right and grounded] (order status, policy numbers)
        state           F1 over orders: an order is right when its final facts (status, returned
                        items) are exactly those the gold solver's writes produce, each written
                        after its intent's grounds were observed (weight 1 when the task needs
                        writes)
    efficiency E = 1 if turns <= ref + 2 else linearly down to 0 at the turn limit, 0 unless S = 1
    reward = 0.9 * S + 0.1 * E;   passed = no gate and S = 1
"""

from __future__ import annotations

from typing import Any

from ...core.verdict import Verdict
from .answers import grounds_of
from .customer import SimulatedCustomer
from .goals import bundle_match, intent_done, pick_credit
from .tools import ShopSession

TASK_WEIGHT, EFFICIENCY_WEIGHT = 0.9, 0.1
WRITE_TOOLS = ("cancel_order", "return_items", "exchange_item", "checkout")


def order_facts(session: ShopSession) -> set[tuple[str, ...]]:
    """The final state of every order the episode changed, as comparable facts."""
    facts: set[tuple[str, ...]] = set()
    for oid, order in session.order_changes.items():
        base = session.store.orders[oid]
        if order["status"] != base["status"]:
            facts.add((oid, "status", order["status"]))
        facts.update((oid, "returned", p) for p in order["returned"])
        facts.update((oid, "exchanged", e["from"], e["to"]) for e in order["exchanged"])
    return facts


def write_facts(write: dict[str, Any]) -> set[tuple[str, ...]]:
    oid = write.get("order_id", "")
    if write["action"] == "cancel":
        return {(oid, "status", "cancelled")}
    if write["action"] == "return":
        return {(oid, "returned", p) for p in write["product_ids"]}
    if write["action"] == "exchange":
        return {(oid, "exchanged", write["from"], write["to"])}
    return set()


def ungrounded_facts(task: dict[str, Any], session: ShopSession) -> set[tuple[str, ...]]:
    """Facts written before the facts their intent needs were observed (a return decided
    without looking at the order and the return policy): written, never credited."""
    needs: dict[str, set[tuple[str, ...]]] = {}
    intents = list(task["intents"])
    intents += [it["replace_with"] for it in intents if it.get("replace_with")]
    for it in intents:
        if it["kind"] in ("return", "cancel"):
            needs.setdefault(it["order_id"], set()).update(grounds_of(it))
    out: set[tuple[str, ...]] = set()
    for w in session.writes:
        need = needs.get(w.get("order_id", ""))
        if need and not need <= w["observed_before"]:
            out |= write_facts(w)
    return out


def gold_facts(task: dict[str, Any]) -> set[tuple[str, ...]]:
    facts: set[tuple[str, ...]] = set()
    for step in task["gold_actions"]:
        for name, args in step.get("calls", []):
            if name == "cancel_order":
                facts.add((args["order_id"], "status", "cancelled"))
            elif name == "return_items":
                facts.update((args["order_id"], "returned", p) for p in args["product_ids"])
    return facts


def state_score(gold: set[tuple[str, ...]], got: set[tuple[str, ...]],
                ungrounded: set[tuple[str, ...]]) -> float:
    """F1 over orders: an order counts as right only if its final facts are exactly the
    gold ones, all grounded. Returning one of two returnable items, or an order changed
    that should not be, earns nothing for that order (no credit per item for a return
    whose policy reasoning was skipped); another intent's order done right still counts."""
    def by_order(facts: set[tuple[str, ...]]) -> dict[str, set[tuple[str, ...]]]:
        out: dict[str, set[tuple[str, ...]]] = {}
        for fact in facts:
            out.setdefault(fact[0], set()).add(fact)
        return out
    want, have = by_order(gold), by_order(got)
    right = sum(have.get(o) == facts and not facts & ungrounded for o, facts in want.items())
    return f1(right, len(have), len(want))


def f1(tp: float, n_got: float, n_gold: float) -> float:
    if n_got == 0 and n_gold == 0:
        return 1.0
    return 2 * tp / (n_got + n_gold) if n_got + n_gold else 0.0


def intent_components(session: ShopSession, intent: dict[str, Any],
                      answered: bool | None) -> dict[str, float]:
    """An intent's graded parts (each in [0, 1] before weighting; they sum to <= 1)."""
    store, cart = session.store, session.cart
    kind = intent["kind"]
    done = intent_done(session, intent, answered)
    units = sum(cart.values())
    if kind == "pick":
        # the best line's credit, divided by the units in the cart: flooding the cart with
        # every search hit (the best one among them) earns no more than a single wrong pick
        best = max((pick_credit(store, p, intent) for p in cart), default=0.0)
        return {"constraints": 0.7 * best / max(1, units), "cart_exact": 0.3 * done}
    if kind == "bundle":
        m = bundle_match(store, cart, intent)
        matched = sum(p is not None for p in m["parts"])
        # parts met, times the share of cart units that meet a part (flooding pays nothing)
        parts = matched / len(m["parts"]) * (matched / max(units, matched, 1))
        within = matched == len(m["parts"]) and m["total"] <= intent["budget"]
        return {"parts": 0.6 * parts, "budget": 0.2 * within, "cart_exact": 0.2 * done}
    if kind == "cart":
        want = intent["items"]
        tp = sum(min(q, want.get(p, 0)) for p, q in cart.items())
        return {"cart_f1": f1(tp, sum(cart.values()), sum(want.values()))}
    if kind in ("status", "policy"):
        return {"answer": float(answered is True)}
    return {}  # writes: graded once for the whole task by the state component


def grade(task: dict[str, Any], session: ShopSession, customer: SimulatedCustomer,
          turns: int, max_turns: int, gate: str | None) -> Verdict:
    """The verdict of an episode in its current state."""
    parts: dict[str, float] = {}
    weights: dict[str, float] = {}
    many = len(customer.intents) > 1
    for n, intent in enumerate(customer.intents):
        comps = intent_components(session, intent, customer.answers.get(n))
        for name, value in comps.items():
            key = f"{n + 1}.{intent['kind']}.{name}" if many else f"{intent['kind']}.{name}"
            parts[key] = value
        if comps:
            weights[f"{n}"] = 1.0
    gold = gold_facts(task)
    if gold:
        parts["state"] = state_score(gold, order_facts(session),
                                     ungrounded_facts(task, session))
        weights["state"] = 1.0
    total_w = sum(weights.values())
    # each intent's parts sum to at most 1, the state is in [0, 1]: normalise by the weights
    scale = TASK_WEIGHT / total_w
    score = sum(parts.values()) / total_w
    breakdown = {k: v * scale for k, v in parts.items()}
    complete = score >= 1 - 1e-9
    ref = int(task["ref_turns"]) + 2
    if not complete:
        eff = 0.0
    elif turns <= ref or max_turns <= ref:
        eff = 1.0
    else:
        eff = max(0.0, (max_turns - turns) / (max_turns - ref))
    breakdown["efficiency"] = EFFICIENCY_WEIGHT * eff
    details = {"task_score": score, "turns": turns, "ref_turns": task["ref_turns"],
               "mind_changes": customer.mind_changes, "customer_finished": customer.finished}
    if gate is not None:
        details["ungated"] = breakdown
        return Verdict(False, 0.0, f"hard gate: {gate}", {"gate": 0.0}, details)
    reward = round(sum(breakdown.values()), 9)  # 0.9 * 1 + 0.1 * 1 is 1.0000000000000002
    if complete:
        reason = "task complete" + ("" if eff == 1 else f"; {turns} turns (ref {ref})")
    else:
        missing = [k for k, v in parts.items() if v < 1e-9]
        reason = f"task incomplete (score {score:.2f}); zero components: {missing}"
    return Verdict(complete, reward, reason, breakdown, details)
