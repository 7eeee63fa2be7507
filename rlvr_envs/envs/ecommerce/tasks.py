"""Task families (one per task type) and their gold solver.

Each family builds item `index` at level `d` from `item_rng(seed, family, d, index)` and the
store of `store_seed`: the customer's hidden goal (`intents`), the opening message, the reply
templates, and the gold plan (`gold_actions`: what a correct agent says and calls, turn by
turn, computed from the store by the env's own solver). `ref_turns` is the plan's length and
`max_turns` adds the level's slack.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .store import (
    CATEGORIES,
    CATEGORY_NAMES,
    COLOURS,
    ORDER_STATUSES,
    SIZES,
    Store,
    day,
    get_store,
    money,
)

LEVELS = (1, 2, 3, 4, 5)
# difficulty axes, indexed by level - 1 (documented in docs/envs/ecommerce.md)
AXES: dict[str, tuple[Any, ...]] = {
    "constraints": (2, 3, 3, 4, 5),  # discovery/substitution constraints, category included
    "missing": (0, 1, 1, 2, 3),  # slots left out of the opening (must be asked)
    "typo_rate": (0.0, 0.0, 0.03, 0.06, 0.1),  # per word of 5+ letters in customer text
    "patience": (4, 4, 3, 3, 2),  # unhelpful turns in a row before the customer quits
    "turn_slack": (10, 8, 6, 5, 4),  # turns allowed beyond the gold plan
    "history": (1, 2, 3, 4, 5),  # minimum orders in the customer's history
    "cart_items": (1, 2, 3, 3, 4),
    "bundle_parts": (2, 2, 3, 3, 4),
    "budget_slack": (0.3, 0.2, 0.1, 0.05, 0.0),
}
TASK_TYPES = ("discovery", "substitution", "cart", "bundle", "returns", "order_status",
              "policy", "journey")
QUESTIONS = {"category": "what kind of product you are looking for",
             "colour": "which colour you prefer", "size": "what size you need",
             "max_price": "what your budget is", "min_rating": "what minimum rating you want",
             "brand": "which brand you prefer", "material": "what material you prefer",
             "email": "your email address", "zip": "your zip code",
             "order_id": "the order id", "quantity": "how many you need"}

Step = dict[str, Any]  # {"say": text} or {"calls": [[tool name, arguments], ...]}


def ax(name: str, d: int) -> Any:
    return AXES[name][d - 1]


def ask(slots: list[str]) -> Step:
    qs = [QUESTIONS[s] for s in slots]
    text = qs[0] if len(qs) == 1 else ", ".join(qs[:-1]) + " and " + qs[-1]
    return {"say": f"Could you tell me {text}?"}


def calls(*pairs: tuple[str, dict[str, Any]]) -> Step:
    return {"calls": [[name, args] for name, args in pairs]}


def attr_value(store: Store, name: str, i: int) -> Any:
    from .goals import ATTRS
    if name == "max_price":
        return (int(store.price[i]) // 1000 + 1) * 1000
    if name == "min_rating":
        return int(store.rating[i]) // 5 * 5
    vocab, attr = ATTRS[name]
    return vocab[int(getattr(store, attr)[i])]


def slot_text(name: str, value: Any) -> str:
    return {"category": lambda v: f"I'm looking for {v}.",
            "colour": lambda v: f"I'd like it in {v}.", "size": lambda v: f"I need size {v}.",
            "max_price": lambda v: f"My budget is at most {money(v)}.",
            "min_rating": lambda v: f"It should be rated at least {v / 10:.1f} stars.",
            "brand": lambda v: f"I only buy {v}.",
            "material": lambda v: f"It should be made of {v}."}[name](value)


def search_args(constraints: dict[str, Any], sort_by: str, limit: int = 5) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for k, v in constraints.items():
        if k == "max_price":
            args[k] = v / 100
        elif k == "min_rating":
            args[k] = v / 10
        else:
            args[k] = v
    return {**args, "in_stock_only": True, "sort_by": sort_by, "limit": limit}


def gold_search(store: Store, constraints: dict[str, Any], sort_by: str,
                exclude: tuple[str, ...] = ()) -> list[int]:
    from .goals import ATTRS
    codes = {k: ATTRS[k][0].index(v) for k, v in constraints.items() if k in ATTRS}
    idx, _ = store.search(**codes, max_price=constraints.get("max_price"),
                          min_rating=constraints.get("min_rating"), in_stock_only=True,
                          sort_by=sort_by)
    return [int(i) for i in idx if f"P{int(i):05d}" not in exclude]


def describe(store: Store, i: int) -> str:
    p = store.product(i)
    size = "" if p["size"] == "one size" else f", size {p['size']}"
    return f"{p['product_id']} ({p['name']}, {p['colour']}{size}, {p['price']})"


@dataclass
class EcomFamily:
    """One task type as a `TaskFamily` over the store of `store_seed`."""

    name: str
    store_seed: int = 0
    difficulties: tuple[int, ...] = LEVELS

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        store = get_store(self.store_seed)
        task = GENERATORS[self.name](store, rng, difficulty)
        plan = task.pop("plan")
        task.update(type=self.name, store_seed=self.store_seed, gold_actions=plan,
                    ref_turns=len(plan), max_turns=len(plan) + ax("turn_slack", difficulty),
                    typo_rate=ax("typo_rate", difficulty), patience=ax("patience", difficulty),
                    typo_seed=rng.randrange(2**31))
        return task


# ---- product tasks ---------------------------------------------------------------------

def _in_stock(store: Store, rng: random.Random, min_stock: int = 1) -> int:
    while True:
        i = rng.randrange(store.n_products)
        if int(store.stock[i]) >= min_stock:
            return i


def _constraint_names(store: Store, i: int) -> list[str]:
    names = ["colour", "max_price", "min_rating", "brand", "material"]
    if SIZES[int(store.size[i])] != "one size":
        names.insert(1, "size")
    return names


def gen_discovery(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    i = _in_stock(store, rng)
    names = rng.sample(_constraint_names(store, i), ax("constraints", d) - 1)
    constraints = {"category": attr_value(store, "category", i)}
    constraints.update({n: attr_value(store, n, i) for n in names})
    missing = rng.sample(names, ax("missing", d))
    slots = {n: slot_text(n, constraints[n]) for n in names}
    cat = constraints["category"]
    stated = " ".join(slots[n] for n in names if n not in missing)
    intent = {"kind": "pick", "constraints": constraints, "slots": slots,
              "opening": f"Hi! I'm looking for {cat}. {stated} Could you put one that fits in "
                         "my cart?".replace("  ", " "),
              "nudge": f"I'm still looking for {cat}, one in my cart please."}
    best = gold_search(store, constraints, "rating")[0]
    plan = ([ask(missing)] if missing else []) + [
        calls(("search_products", search_args(constraints, "rating"))),
        calls(("add_to_cart", {"product_id": f"P{best:05d}", "quantity": 1})),
        {"say": f"I added {describe(store, best)} to your cart."}]
    return {"intents": [intent], "opening": intent["opening"], "plan": plan}


def gen_substitution(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    while True:
        a = rng.randrange(store.n_products)
        if int(store.stock[a]) > 0:
            continue
        pid = f"P{a:05d}"
        names = rng.sample(_constraint_names(store, a), ax("constraints", d) - 1)
        constraints = {"category": attr_value(store, "category", a)}
        constraints.update({n: attr_value(store, n, a) for n in names})
        feasible = gold_search(store, constraints, "rating", exclude=(pid,))
        if not feasible:
            continue
        if d >= 3 and set(feasible) & set(store.variants(a)):
            continue  # the out-of-stock axis: no in-stock sibling variant fits either
        break
    missing = rng.sample(names, ax("missing", d))
    slots = {n: slot_text(n, constraints[n]) for n in names}
    stated = " ".join(slots[n] for n in names if n not in missing)
    intent = {"kind": "pick", "constraints": constraints, "slots": slots, "exclude": [pid],
              "opening": f"Hi, I wanted to buy {store.name(a)} ({pid}), but it seems to be "
                         f"sold out. Could you put a similar one in my cart instead? {stated}"
                         .strip(),
              "nudge": f"I still need something to replace {pid} in my cart."}
    best = feasible[0]
    plan = [calls(("get_product", {"product_id": pid}))]
    plan += [ask(missing)] if missing else []
    plan += [calls(("search_products", search_args(constraints, "rating"))),
             calls(("add_to_cart", {"product_id": f"P{best:05d}", "quantity": 1})),
             {"say": f"{pid} is out of stock, so I added {describe(store, best)} to your cart "
                     "instead."}]
    return {"intents": [intent], "opening": intent["opening"], "plan": plan}


def gen_cart(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    k = ax("cart_items", d)
    chosen: list[int] = []
    while len(chosen) < k:
        i = _in_stock(store, rng, min_stock=4)
        if all(store.variants(i) != store.variants(j) for j in chosen):
            chosen.append(i)
    qty = {f"P{i:05d}": rng.randint(1, 3) for i in chosen}
    refs, lookups = {}, []
    for n, i in enumerate(chosen):
        pid = f"P{i:05d}"
        if d >= 3 and n == 0:  # named as a variant of a sibling: the agent must look it up
            sib = next(j for j in store.variants(i) if j != i)
            p = store.product(i)
            size = "" if p["size"] == "one size" else f" size {p['size']}"
            refs[pid] = f"the {p['colour']}{size} version of {p['name']} (P{sib:05d})"
            lookups.append(("get_product", {"product_id": f"P{sib:05d}"}))
        else:
            refs[pid] = f"{store.name(i)} ({pid})"
    vague = list(qty)[-1] if d >= 3 else None  # the missing slot: one quantity
    listing = "; ".join(("some of " if p == vague else f"{q} x ") + refs[p]
                        for p, q in qty.items())
    exact = "; ".join(f"{q} x {refs[p]}" for p, q in qty.items())
    intent: dict[str, Any] = {
        "kind": "cart", "items": qty,
        "opening": f"Hi! Please put these in my cart: {listing}.",
        "nudge": "I'm still waiting for my cart to be filled.",
        "correction": f"I need exactly: {exact}.",
        "slots": {"quantity": f"I need {qty[vague]} of {refs[vague]}."} if vague else {}}
    plan: list[Step] = [calls(*lookups)] if lookups else []
    plan += [ask(["quantity"])] if vague else []
    plan += [calls(*[("add_to_cart", {"product_id": p, "quantity": q}) for p, q in qty.items()]),
             {"say": "I added " + "; ".join(f"{q} x {p}" for p, q in qty.items())
                     + " to your cart."}]
    if d >= 4:  # the customer changes its mind about one quantity once the cart is right
        first = next(iter(qty))
        new = dict(qty)
        new[first] = qty[first] + 1
        intent["change"] = new
        intent["change_text"] = (f"Actually, I'd like {new[first]} of {refs[first]} instead of "
                                 f"{qty[first]}. Could you update that?")
        plan += [calls(("add_to_cart", {"product_id": first, "quantity": 1})),
                 {"say": f"Done: your cart now has {new[first]} x {first}."}]
    return {"intents": [intent], "opening": intent["opening"], "plan": plan}


def gen_bundle(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    cats = rng.sample(range(len(CATEGORIES)), ax("bundle_parts", d))
    parts, cheapest = [], []
    for c in cats:
        part: dict[str, Any] = {"category": CATEGORY_NAMES[c]}
        if d >= 3:
            pool = gold_search(store, part, "price_asc")
            part["colour"] = COLOURS[int(store.colour[pool[rng.randrange(len(pool))]])]
        best = gold_search(store, part, "price_asc")[0]
        parts.append(part)
        cheapest.append(best)
    total = sum(int(store.price[i]) for i in cheapest)
    budget = -(-int(total * (1 + ax("budget_slack", d))) // 500) * 500
    names = ", ".join(p["category"] for p in parts)
    colours = "; ".join(f"the {p['category']} in {p['colour']}" for p in parts if "colour" in p)
    slots = {"max_price": f"My total budget is {money(budget)}."}
    if colours:
        slots["colour"] = f"I'd like {colours}."
    missing = [s for s, lvl in (("max_price", 2), ("colour", 4)) if s in slots and d >= lvl]
    stated = " ".join(v for s, v in slots.items() if s not in missing)
    intent = {"kind": "bundle", "parts": parts, "budget": budget, "slots": slots,
              "opening": f"Hi! I need one each of these in my cart: {names}, within a total "
                         f"budget. {stated}".strip(),
              "nudge": f"I still need one each of {names} in my cart, within my budget.",
              "correction": f"I need exactly one each of: {names}."}
    plan = ([ask(missing)] if missing else []) + [
        calls(*[("search_products", search_args(p, "price_asc", 3)) for p in parts]),
        calls(*[("add_to_cart", {"product_id": f"P{i:05d}", "quantity": 1})
                for i in cheapest]),
        {"say": "I added " + ", ".join(f"P{i:05d}" for i in cheapest)
                + f" to your cart; the total is {money(total)}."}]
    return {"intents": [intent], "opening": intent["opening"], "plan": plan}


# ---- order tasks -----------------------------------------------------------------------

def _eligible(store: Store, order: dict[str, Any], pid: str) -> bool:
    cat = store.product(int(pid[1:]))["category"]
    return (not store.final_sale(cat)
            and order["delivered_days_ago"] <= store.return_window(cat))


def _customer(store: Store, rng: random.Random, d: int, ok: Any) -> tuple[dict, Any]:
    """A customer with at least `history` orders for which `ok(customer)` finds orders."""
    ids = sorted(store.customers)
    for _ in range(5000):
        cust = store.customers[ids[rng.randrange(len(ids))]]
        if len(cust["order_ids"]) < ax("history", d):
            continue
        found = ok(cust)
        if found:
            return cust, found
    raise RuntimeError("no customer fits; the store is too small for this task")


def _identity(cust: dict[str, Any]) -> dict[str, str]:
    return {"email": f"My email is {cust['email']}.", "zip": f"My zip code is {cust['zip']}."}


def _order_ref(store: Store, order: dict[str, Any], given: bool) -> tuple[str, str]:
    """How the customer names an order: (in text, answer to 'which order?')."""
    if given:
        return f"order {order['order_id']}", f"It's order {order['order_id']}."
    desc = f"the order with the {order['items'][0]['name']} I placed on " \
           f"{day(order['placed_days_ago'])}"
    return desc, f"I don't have the order number; it's {desc}."


def _identify(cust: dict[str, Any]) -> Step:
    return calls(("find_customer", {"email": cust["email"]}),
                 ("verify_customer", {"customer_id": cust["customer_id"],
                                      "zip_code": cust["zip"]}))


def _return_intent(store: Store, order: dict[str, Any], requested: list[str],
                   given: bool) -> dict[str, Any]:
    ref, answer = _order_ref(store, order, given)
    names = {it["product_id"]: it["name"] for it in order["items"]}
    items = " and ".join(f"the {names[p]}" for p in requested)
    return {"kind": "return", "order_id": order["order_id"], "requested": requested,
            "eligible": [p for p in requested if _eligible(store, order, p)],
            "grounds": [["order", order["order_id"]], ["policy", "returns"]],
            "opening": f"I'd like to return {items} from {ref}.",
            "nudge": f"I'm still waiting to return {items}.",
            "correction": f"I want to return {items} from {ref}.",
            "slots": {"order_id": answer}, "order_given": given}


def _return_steps(store: Store, intent: dict[str, Any], cust_id: str) -> list[Step]:
    oid = intent["order_id"]
    order = store.orders[oid]
    names = {it["product_id"]: it["name"] for it in order["items"]}
    lookups = [] if intent["order_given"] else [("get_customer", {"customer_id": cust_id})]
    ok = intent["eligible"]
    bad = [p for p in intent["requested"] if p not in ok]
    note = (" The " + " and the ".join(names[p] for p in bad)
            + " cannot be returned under our policy.") if bad else ""
    listing = ", ".join(f"{p} ({names[p]})" for p in ok)
    return [calls(*lookups, ("get_order", {"order_id": oid}), ("get_policy", {"topic": "returns"})),
            {"say": f"I can return {listing} from order {oid}.{note} Shall I go ahead?"},
            calls(("return_items", {"order_id": oid, "product_ids": ok})),
            {"say": f"Done: the return of {', '.join(ok)} from order {oid} is recorded."}]


RETURN_MIXES = ("returnable then not", "not then returnable", "both returnable")


def _delivered_with(store: Store, cust: dict[str, Any], mix: str | None) -> Any:
    """A delivered order of `cust` and the items to request: up to two returnable ones
    (`mix` None), or two items in one of `RETURN_MIXES`."""
    for oid in cust["order_ids"]:
        o = store.orders[oid]
        pids = [it["product_id"] for it in o["items"]]
        if o["status"] != "delivered" or len({it["name"] for it in o["items"]}) != len(pids):
            continue
        good = [p for p in pids if _eligible(store, o, p)]
        bad = [p for p in pids if p not in good]
        if mix is None and good:
            return o, good[:2]
        if mix == RETURN_MIXES[0] and good and bad:
            return o, [good[0], bad[0]]
        if mix == RETURN_MIXES[1] and good and bad:
            return o, [bad[0], good[0]]
        if mix == RETURN_MIXES[2] and len(good) >= 2:
            return o, good[:2]
    return None


def gen_returns(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    # from L2 which requested items are returnable varies, so no fixed choice is usually
    # right; L1 is one returnable item (the workflow alone)
    mix = None if d == 1 else rng.choice(((None,) if d == 2 else ()) + RETURN_MIXES)
    cust, (order, requested) = _customer(store, rng, d,
                                         lambda c: _delivered_with(store, c, mix))
    if d == 1:
        requested = requested[:1]
    stated = {1: ["email", "zip", "order_id"], 2: ["email", "order_id"], 3: ["email"]}.get(d, [])
    intent = _return_intent(store, order, requested, "order_id" in stated)
    identity = _identity(cust)
    opening = "Hi, " + intent["opening"] + "".join(" " + identity[s] for s in stated
                                                   if s in identity)
    missing = [s for s in ("email", "zip", "order_id") if s not in stated]
    plan = ([ask(missing)] if missing else []) + [_identify(cust)]
    plan += _return_steps(store, intent, cust["customer_id"])
    return {"intents": [intent], "opening": opening, "profile_slots": identity, "plan": plan,
            "customer_id": cust["customer_id"]}


def _status_intent(store: Store, order: dict[str, Any], ref: tuple[str, str],
                   given: bool) -> dict[str, Any]:
    return {"kind": "status", "order_id": order["order_id"], "status": order["status"],
            "tracking": order.get("tracking_number") if order["status"] == "shipped" else None,
            "opening": f"What's the status of {ref[0]}? If it has shipped, I need the tracking "
                       "number too.",
            "nudge": f"I still want to know the status of {ref[0]}.",
            "correction": f"I'm asking about {ref[0]}.", "slots": {"order_id": ref[1]},
            "order_given": given, "grounds": [["status", order["order_id"]]]}


def _status_steps(intent: dict[str, Any], cust_id: str) -> list[Step]:
    oid = intent["order_id"]
    lookups = [] if intent["order_given"] else [("get_customer", {"customer_id": cust_id})]
    text = f"Your order {oid} is {intent['status']}."
    if intent["tracking"]:
        text += f" The tracking number is {intent['tracking']}."
    return [calls(*lookups, ("track_order", {"order_id": oid})), {"say": text}]


def _customer_by_status(store: Store, rng: random.Random, d: int, ok: Any) -> tuple[dict, Any]:
    """`_customer` for `ok(customer, status)`, the status drawn uniformly (no status is the
    usual answer); the next status is tried when no customer of the store fits."""
    statuses = list(ORDER_STATUSES)
    rng.shuffle(statuses)
    for status in statuses:
        try:
            return _customer(store, rng, d, lambda c, s=status: ok(c, s))
        except RuntimeError:
            continue
    raise RuntimeError("no customer has an order that fits; the store is too small")


def gen_order_status(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    def ok(c: dict[str, Any], status: str) -> Any:
        recent = min(c["order_ids"], key=lambda o: store.orders[o]["placed_days_ago"])
        for oid in ([recent] if d >= 4 else c["order_ids"]):
            if store.orders[oid]["status"] == status:
                return store.orders[oid]
        return None

    cust, order = _customer_by_status(store, rng, d, ok)
    given = d <= 2
    if d >= 4:
        ref = ("my most recent order", "I don't have the number; it's my most recent order.")
    else:
        ref = _order_ref(store, order, given)
    intent = _status_intent(store, order, ref, given)
    identity = _identity(cust)
    stated = ["email", "zip"] if d == 1 else ["email"] if d <= 3 else []
    opening = "Hi! " + intent["opening"] + "".join(" " + identity[s] for s in stated)
    missing = [s for s in ("email", "zip") if s not in stated] + ([] if given else ["order_id"])
    plan = ([ask(missing)] if missing else []) + [_identify(cust)]
    plan += _status_steps(intent, cust["customer_id"])
    return {"intents": [intent], "opening": opening, "profile_slots": identity, "plan": plan,
            "customer_id": cust["customer_id"]}


def _policy_intent(q: str, answer_type: str, answer: int, given: list[int],
                   context: set[int], topic: str, store: Store,
                   ineligible: list[int] | None = None) -> dict[str, Any]:
    """A policy question's intent: the gold, what the question gave, the intermediates an
    explanation may name (true ones only: never the gold, never what an item that gets
    nothing would have paid; for amounts, the store's shipping figures too), and the lookup
    that grounds an answer. `ineligible`: for a refund over several items, what each item
    that gets nothing would have paid (claimed as money back, such a figure is wrong)."""
    assert answer not in given, (q, answer, given)
    if answer_type == "money":
        ship = store.policy["shipping"]
        context = context | {ship["flat_fee_cents"], ship["free_threshold_cents"],
                             ship["express_fee_cents"]}
    context = context - {answer} - set(ineligible or ())  # a would-be refund is no fact
    intent = {"kind": "policy", "answer_type": answer_type, "answer": answer, "given": given,
              "context": sorted(context), "grounds": [["policy", topic]],
              "opening": q, "nudge": f"I'm still waiting for an answer: {q}"}
    if ineligible is not None:
        intent["ineligible_refunds"] = sorted(set(ineligible) - {answer})
    return intent


def gen_policy(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    """One question per level; each answer depends on numbers drawn for the task, so no
    constant answer is right often (docs/envs/ecommerce.md, "Gold answer spread")."""
    cats = [c for c in CATEGORY_NAMES if not store.final_sale(c)]
    fee_cats = sorted(store.policy["restocking_fee_pct"])
    if d == 1:  # days left in the return window
        # the answer first, uniformly, then a category whose window leaves it: a flat spread
        longest = max(store.return_window(c) for c in cats)
        ans = rng.choice([a for a in range(1, longest) if any(
            store.return_window(c) > a and store.return_window(c) != 2 * a for c in cats)])
        cat = rng.choice([c for c in cats if store.return_window(c) > ans
                          and store.return_window(c) != 2 * ans])
        win = store.return_window(cat)
        n = win - ans
        q = (f"I received one of your {cat} {n} days ago. How many days do I have left to "
             "return it?")
        intent = _policy_intent(q, "days", ans, [n], {win}, "returns", store)
        say = f"The return window for {cat} is {win} days from delivery, so you have {ans} " \
              "days left."
    elif d == 2:  # total with standard shipping
        qty = rng.randint(2, 5)  # half small orders near the free-shipping threshold, half bulk
        unit = rng.randrange(500, 4000, 100) + 99 if rng.random() < 0.5 else \
            rng.randrange(2000, 40000, 100) + 99
        sub = qty * unit
        fee = store.shipping_cost(sub)
        ans = sub + fee
        q = (f"I want to order {qty} of an item that costs {money(unit)} each. What will I pay "
             "in total with standard shipping?")
        intent = _policy_intent(q, "money", ans, [unit], {sub, fee, 0}, "shipping", store)
        say = f"The subtotal is {money(sub)} and standard shipping is " \
              f"{'free' if fee == 0 else money(fee)}, so you pay {money(ans)} in total."
    elif d == 3:  # a restocking fee
        cat = rng.choice(fee_cats)
        x = rng.randrange(2000, 40000, 100) + 99
        ans = store.restocking_fee(cat, x)
        q = f"If I return one of your {cat} that cost {money(x)}, how much is the restocking fee?"
        intent = _policy_intent(q, "money", ans, [x], {x - ans}, "returns", store)
        say = f"The restocking fee would be {money(ans)}."
    elif d == 4:  # price match over two purchases
        items = _two(lambda: _price_match_item(store, rng), lambda it: it[1:3], 4, rng)
        ans = sum(it[4] for it in items if it[-1])
        q = ("Under your price match policy, how much would you refund me in total for these: "
             + "; ".join(f"one of your {cat} I bought for {money(x)} {n} days ago that now "
                         f"costs {money(y)}" for cat, x, y, n, _, _ in items) + "?")
        intent = _policy_intent(q, "money", ans, [v for it in items for v in it[1:3]],
                                {it[4] for it in items if it[-1]} | {0}, "price_match", store,
                                [it[4] for it in items if not it[-1]])
        pm = store.policy["price_match"]
        intent["items"] = [
            {"category": cat, "paid": x, "now": y, "days_ago": n, "would_be": dx,
             "refund": dx if ok else 0,
             "why_not": None if ok else "excluded from price matching"
             if cat in pm["excluded_categories"] else
             f"bought more than {pm['days']} days ago"} for cat, x, y, n, dx, ok in items]
        say = f"Under our price match policy you would get {money(ans)} back in total."
    else:  # refund after returning two items: final sale, late, restocking fee or none
        items = _two(lambda: _return_item(store, rng), lambda it: it[1:2], 4, rng)
        ans = sum(it[4] for it in items if it[-1])
        q = ("If I return these today, how much will I get back in total: "
             + "; ".join(f"one of your {cat} that cost {money(x)}, received {n} days ago"
                         for cat, x, n, _, _, _ in items) + "?")
        intent = _policy_intent(q, "money", ans, [it[1] for it in items],
                                {it[3] for it in items} | {it[4] for it in items if it[-1]}
                                | {0}, "returns", store, [it[4] for it in items if not it[-1]])
        intent["items"] = [
            {"category": cat, "paid": x, "days_ago": n, "fee": fee, "would_be": r,
             "refund": r if ok else 0,
             "why_not": None if ok else "final sale" if store.final_sale(cat) else
             f"past the {store.return_window(cat)}-day return window"}
            for cat, x, n, fee, r, ok in items]
        say = f"You would get {money(ans)} back in total."
    topic = intent["grounds"][0][1]
    plan = [calls(("get_policy", {"topic": topic})), {"say": say}]
    return {"intents": [intent], "opening": "Hi! " + intent["opening"], "plan": plan}


TWO_ITEM_PATTERNS = ((True, True), (True, False), (False, True))  # which items count


def _two(draw: Any, given: Any, amount: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """Two items of different categories, at least one of which counts (its `amount` field
    is in the answer), with an answer that is none of the numbers the question gives. Which
    items count is drawn first, uniformly, so summing both (or taking the first) without
    checking the policy is right a third of the time."""
    pattern = rng.choice(TWO_ITEM_PATTERNS)
    while True:
        items = [draw(), draw()]
        total = sum(it[amount] for it in items if it[-1])
        if (tuple(bool(it[-1]) for it in items) == pattern and items[0][0] != items[1][0]
                and all(total not in given(it) for it in items)):
            return items


def _price_match_item(store: Store, rng: random.Random) -> tuple[Any, ...]:
    """(category, paid, price now, days ago, difference, eligible): eligible half the time,
    else bought too long ago or of an excluded category."""
    pm = store.policy["price_match"]
    branch = rng.choice(["ok", "ok", "late", "excluded"])
    pool = pm["excluded_categories"] if branch == "excluded" else \
        [c for c in CATEGORY_NAMES if c not in pm["excluded_categories"]]
    cat = rng.choice(pool)
    x = rng.randrange(3000, 30000, 100) + 99
    y = x - x * rng.randint(5, 40) // 100  # a 5-40% markdown: differences rarely repeat
    n = rng.randint(pm["days"] + 1, 2 * pm["days"] + 10) if branch == "late" else \
        rng.randint(1, pm["days"])
    return cat, x, y, n, x - y, store.price_match_refund(cat, x, y, n) > 0


def _return_item(store: Store, rng: random.Random) -> tuple[Any, ...]:
    """(category, price, days since delivery, fee, refund, returnable): a final-sale item, one
    past its window, one with a restocking fee, or one with none (returnable half the
    time)."""
    fees = store.policy["restocking_fee_pct"]
    branch = rng.choice(["final", "late", "fee", "free"])
    pool = {"final": store.policy["final_sale_categories"], "fee": sorted(fees),
            "late": [c for c in CATEGORY_NAMES if not store.final_sale(c)],
            "free": [c for c in CATEGORY_NAMES if c not in fees and not store.final_sale(c)]}
    cat = rng.choice(pool[branch])
    x = rng.randrange(2000, 40000, 100) + 99
    win = store.return_window(cat) if not store.final_sale(cat) else 30
    n = rng.randint(win + 1, win + 30) if branch == "late" else rng.randint(1, min(win, 14))
    fee = store.restocking_fee(cat, x)
    ok = not store.final_sale(cat) and n <= win
    return cat, x, n, fee, x - fee, ok


def gen_journey(store: Store, rng: random.Random, d: int) -> dict[str, Any]:
    def ok(c: dict[str, Any], status: str) -> Any:
        orders = [store.orders[o] for o in c["order_ids"]]
        cancellable = [o for o in orders if o["status"] in ("pending", "processing")]
        ret = _delivered_with(store, c, None)
        if not cancellable or not ret:
            return None
        rest = [o for o in orders if o is not cancellable[0] and o is not ret[0]
                and o["status"] == status]
        return (cancellable[0], ret, rest[0]) if rest else None

    cust, (cancel_o, (ret_o, requested), other) = _customer_by_status(store, rng, max(d, 2),
                                                                      ok)
    given = d <= 3
    status = _status_intent(store, other, _order_ref(store, other, given), given)
    ret = _return_intent(store, ret_o, requested[:1], given)
    a = cancel_o["order_id"]
    cancel: dict[str, Any] = {"kind": "cancel", "order_id": a,
                              "opening": f"I'd like to cancel order {a}.",
                              "nudge": f"I still want to cancel order {a}.",
                              "correction": f"I want to cancel order {a}.", "slots": {}}
    cid = cust["customer_id"]
    cancel_steps = [calls(("get_order", {"order_id": a})),
                    {"say": f"Order {a} is {cancel_o['status']}. Shall I cancel order {a}?"}]
    if d >= 3:  # the customer changes its mind when the agent proposes the cancellation
        cancel["replace_with"] = ret
        cancel["change_text"] = ("Actually, wait. I changed my mind: please keep that order. "
                                 "Instead, " + ret["opening"])
        first, second = cancel, status
        steps = cancel_steps + _with_ask(ret, _return_steps(store, ret, cid)) + \
            _with_ask(status, _status_steps(status, cid))
        if d >= 4:
            first, second = status, cancel
            steps = _with_ask(status, _status_steps(status, cid)) + cancel_steps + \
                _with_ask(ret, _return_steps(store, ret, cid))
        intents = [first, second]
    else:
        done = [calls(("cancel_order", {"order_id": a})),
                {"say": f"Order {a} is now cancelled."}]
        pair = [(status, _status_steps(status, cid)), (cancel, cancel_steps + done)]
        if d == 2:
            pair = [(ret, _return_steps(store, ret, cid)), (status, _status_steps(status, cid))]
        intents = [pair[0][0], pair[1][0]]
        steps = pair[0][1] + pair[1][1]
    identity = _identity(cust)
    stated = ["email", "zip"] if d == 1 else ["email"] if d <= 3 else []
    first_text = intents[0]["opening"]
    opening = ("Hi, I have a couple of things today. First, " + first_text[0].lower()
               + first_text[1:]
               + "".join(" " + identity[s] for s in stated))
    missing = [s for s in ("email", "zip") if s not in stated]
    plan = ([ask(missing)] if missing else []) + [_identify(cust)] + steps
    return {"intents": intents, "opening": opening, "profile_slots": identity, "plan": plan,
            "customer_id": cid}


def _with_ask(intent: dict[str, Any], steps: list[Step]) -> list[Step]:
    return steps if intent.get("order_given", True) else [ask(["order_id"])] + steps


GENERATORS = {"discovery": gen_discovery, "substitution": gen_substitution, "cart": gen_cart,
              "bundle": gen_bundle, "returns": gen_returns, "order_status": gen_order_status,
              "policy": gen_policy, "journey": gen_journey}
