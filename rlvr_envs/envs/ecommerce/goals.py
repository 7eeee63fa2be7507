"""What a customer's goal requires, checked against a session: constraint checks (and which
constraints are informative enough to pay), intent completion, ids as whole tokens. Shared by
the simulated customer and the reward, so they never disagree. Typed answers: `answers.py`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .store import BRANDS, CATEGORY_NAMES, COLOURS, MATERIALS, SIZES, Store
from .tools import ShopSession

ID_RE = re.compile(r"\b(?:P\d{5}|O\d{7}|TRK\d{9})\b")

ATTRS = {"category": (CATEGORY_NAMES, "category"), "brand": (BRANDS, "brand"),
         "colour": (COLOURS, "colour"), "size": (SIZES, "size"),
         "material": (MATERIALS, "material")}


def ids_in(text: str) -> set[str]:
    """Product, order and tracking ids written in `text`, as whole tokens."""
    return set(ID_RE.findall(text))


def constraint_checks(store: Store, i: int, constraints: dict[str, Any]) -> dict[str, bool]:
    """Which of `constraints` product `i` meets (plus `in_stock` and `not_excluded`)."""
    out: dict[str, bool] = {}
    for name, value in constraints.items():
        if name in ATTRS:
            vocab, attr = ATTRS[name]
            out[name] = vocab[int(getattr(store, attr)[i])] == value
        elif name == "max_price":
            out[name] = int(store.price[i]) <= int(value)
        elif name == "min_rating":
            out[name] = int(store.rating[i]) >= int(value)
    out["in_stock"] = int(store.stock[i]) > 0
    return out


INFORMATIVE_MAX_SHARE = 0.9  # a constraint more of its category meets pays nothing alone


def constraint_mask(store: Store, name: str, value: Any) -> np.ndarray:
    """Which products meet constraint `name=value` (vectorised)."""
    if name in ATTRS:
        vocab, attr = ATTRS[name]
        return getattr(store, attr) == vocab.index(value)
    if name == "max_price":
        return store.price <= int(value)
    if name == "min_rating":
        return store.rating >= int(value)
    raise ValueError(f"unknown constraint {name!r}; use one of {[*ATTRS, 'max_price', 'min_rating']}")


def category_share(store: Store, category: str, name: str, value: Any) -> float:
    """The share of the in-stock products of `category` that meet `name=value` (cached)."""
    cache = store.__dict__.setdefault("_share_cache", {})
    key = (category, name, value)
    if key not in cache:
        pool = constraint_mask(store, "category", category) & (store.stock > 0)
        cache[key] = float((constraint_mask(store, name, value) & pool).sum()
                           / max(1, int(pool.sum())))
    return cache[key]


def paid_constraints(store: Store, constraints: dict[str, Any]) -> list[str]:
    """The constraints that earn partial credit: not the category (the prerequisite), and
    only those at most `INFORMATIVE_MAX_SHARE` of the category's in-stock products meet."""
    cat = constraints["category"]
    return [n for n, v in constraints.items() if n != "category"
            and category_share(store, cat, n, v) <= INFORMATIVE_MAX_SHARE]


def sibling_of_excluded(store: Store, pid: str, intent: dict[str, Any]) -> bool:
    """Whether `pid` is another variant of a product the request excludes (the sold-out
    product of a substitution): same model, so same category, brand, material and price."""
    i = store.product_index(pid)
    return i is not None and any(
        (j := store.product_index(x)) is not None and i in store.variants(j)
        for x in intent.get("exclude", []))


def pick_credit(store: Store, pid: str, intent: dict[str, Any]) -> float:
    """Credit of one picked product in [0, 1]: 1 if it meets every constraint; 0 unless it
    is of the requested category, in stock, not the excluded product and not another
    variant of it (a sibling meets brand, material and price by construction: taking the
    same model in another colour reads none of the request); else the share of the paid
    constraints it meets (0 when none is paid)."""
    checks = pick_ok(store, pid, intent)
    if all(checks.values()):
        return 1.0
    if not (checks["category"] and checks["in_stock"] and checks["not_excluded"]):
        return 0.0
    if sibling_of_excluded(store, pid, intent):
        return 0.0
    paid = paid_constraints(store, intent["constraints"])
    return sum(checks[n] for n in paid) / len(paid) if paid else 0.0


def pick_ok(store: Store, pid: str, intent: dict[str, Any]) -> dict[str, bool]:
    i = store.product_index(pid)
    assert i is not None
    checks = constraint_checks(store, i, intent["constraints"])
    checks["not_excluded"] = pid not in intent.get("exclude", [])
    return checks


def bundle_match(store: Store, cart: dict[str, int], intent: dict[str, Any]) -> dict[str, Any]:
    """For each part of a bundle, the cart line that meets it (or None); total; extras."""
    used: set[str] = set()
    parts: list[str | None] = []
    for part in intent["parts"]:
        found = None
        for pid in sorted(cart):
            if pid in used:
                continue
            if all(pick_ok(store, pid, {"constraints": part}).values()):
                found = pid
                break
        if found:
            used.add(found)
        parts.append(found)
    total = sum(int(store.price[int(p[1:])]) * q for p, q in cart.items())
    return {"parts": parts, "total": total, "extra": sorted(set(cart) - used),
            "single_units": all(q == 1 for q in cart.values())}


def intent_done(session: ShopSession, intent: dict[str, Any], answered: bool | None) -> bool:
    """Whether the state (or the answer given) completes `intent`."""
    kind = intent["kind"]
    store, cart = session.store, session.cart
    if kind == "pick":
        return (len(cart) == 1 and list(cart.values()) == [1]
                and all(pick_ok(store, next(iter(cart)), intent).values()))
    if kind == "bundle":
        m = bundle_match(store, cart, intent)
        return (all(m["parts"]) and not m["extra"] and m["single_units"]
                and m["total"] <= intent["budget"])
    if kind == "cart":
        return cart == intent["items"]
    if kind == "return":
        order = session.order(intent["order_id"])
        return order is not None and set(intent["eligible"]) <= set(order["returned"])
    if kind == "cancel":
        order = session.order(intent["order_id"])
        return order is not None and order["status"] == "cancelled"
    return answered is not None
