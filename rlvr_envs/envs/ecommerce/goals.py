"""What a customer's goal requires, checked against a session: constraint checks, intent
completion, and typed answer extraction (amounts in cents, day counts, status words, ids as
whole tokens). Shared by the simulated customer and the reward, so they never disagree.
"""

from __future__ import annotations

import re
from typing import Any

from .store import BRANDS, CATEGORY_NAMES, COLOURS, MATERIALS, SIZES, Store
from .tools import ShopSession

ID_RE = re.compile(r"\b(?:P\d{5}|O\d{7}|TRK\d{9})\b")
_MONEY_RE = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?![\d.,]*\d)")
_DAYS_RE = re.compile(r"\b(\d{1,4})[\s-]*(?:calendar\s+|business\s+)?days?\b", re.I)
_STATUS_RE = re.compile(r"\b(pending|processing|shipped|delivered|cancell?ed)\b", re.I)
_NOT_A_CLAIM = re.compile(r"(?:\b(?:be|not|never|until|once|when|if|after|before)|n't)\s+$",
                          re.I)
# "shipped (if not delivered already)", "unless delivered": an alternative, so a claim
_ALTERNATIVE = re.compile(r"\b(?:if not|unless|or)\s+(?:[\w']+\s+){0,3}$", re.I)
TRACKING_RE = re.compile(r"\bTRK\d{9}\b")

ATTRS = {"category": (CATEGORY_NAMES, "category"), "brand": (BRANDS, "brand"),
         "colour": (COLOURS, "colour"), "size": (SIZES, "size"),
         "material": (MATERIALS, "material")}


def ids_in(text: str) -> set[str]:
    """Product, order and tracking ids written in `text`, as whole tokens."""
    return set(ID_RE.findall(text))


def money_amounts(text: str) -> set[int]:
    """Every `$` amount in `text`, in cents (`$1,234.5` -> 123450)."""
    out = set()
    for whole, cents in _MONEY_RE.findall(text):
        out.add(int(whole.replace(",", "")) * 100 + int((cents or "0").ljust(2, "0")))
    return out


_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
_NOT_MONEY_AFTER = r"(?![\d.,]*\d)(?!\s*(?:%|percent|days?\b|weeks?\b|months?\b))"
# amounts written without `$`, and bare numbers offered as alternatives to a `$` amount:
# "16 dollars", "USD 18", "18 USD", "$13.20-17", "$13.20 or 16", "16 or $13.20"
_OTHER_MONEY_RES = (
    re.compile(_NUM + r"\s*(?:dollars?|bucks|usd)\b", re.I),
    re.compile(r"\b(?:usd|us\$)\s*" + _NUM + _NOT_MONEY_AFTER, re.I),
    re.compile(r"\$\s?[\d,]+(?:\.\d{1,2})?\s*(?:-|–|—|/|\bor\b|\bto\b|\band\b)\s*"
               + _NUM + _NOT_MONEY_AFTER, re.I),
    re.compile(r"(?<![\w.$])" + _NUM + r"\s*(?:-|–|—|/|\bor\b|\bto\b|\band\b)\s*\$", re.I),
)
_FREE_RE = re.compile(r"(?<!feel )\bfree\b", re.I)
_DAY_ALT_RE = re.compile(r"\b(\d{1,4})\s*(?:-|–|—|/|,|\bor\b|\bto\b|\band\b)\s*"
                         r"(?=\d{1,4}[\s-]*(?:calendar\s+|business\s+)?days?\b)", re.I)
_WEEKS_RE = re.compile(r"\b(\d{1,3})[\s-]*weeks?\b", re.I)
_MONTHS_RE = re.compile(r"\b(\d{1,2})[\s-]*months?\b", re.I)


def money_candidates(text: str) -> set[int]:
    """Every amount `text` offers, in cents: `$` amounts plus amounts written another way
    ("16 dollars", "USD 16"), bare numbers given as alternatives to a `$` amount
    ("$13.20 or 16", "$13.20-17") and "free" (0). A hedge shows up as several."""
    out = money_amounts(text)
    for pattern in _OTHER_MONEY_RES:
        for whole, cents in pattern.findall(text):
            out.add(int(whole.replace(",", "")) * 100 + int((cents or "0").ljust(2, "0")))
    if _FREE_RE.search(text):
        out.add(0)
    return out


def day_counts(text: str) -> set[int]:
    """Day counts in `text`: "30 days", plus alternatives ("30 or 45 days", "30-45 days")
    and counts in weeks or months (7 and 30 days each)."""
    out = {int(n) for n in _DAYS_RE.findall(text)}
    out |= {int(n) for n in _DAY_ALT_RE.findall(text)}
    out |= {7 * int(n) for n in _WEEKS_RE.findall(text)}
    out |= {30 * int(n) for n in _MONTHS_RE.findall(text)}
    return out


def status_claims(text: str) -> set[str]:
    """Order statuses `text` asserts; "will be delivered", "not shipped" do not count."""
    out = set()
    for m in _STATUS_RE.finditer(text):
        before = text[max(0, m.start() - 12):m.start()]
        alternative = _ALTERNATIVE.search(text[max(0, m.start() - 40):m.start()])
        if _NOT_A_CLAIM.search(before) and not alternative:
            continue
        word = m.group(1).lower()
        out.add("cancelled" if word.startswith("cancel") else word)
    return out


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


def judge_answer(intent: dict[str, Any], text: str) -> bool | None:
    """None if `text` gives no answer to an info intent; else whether the answer is right.

    Money and day answers: the amounts written, minus the ones the question itself gave,
    must be exactly the gold one (a hedge listing several is wrong). Status answers: the
    statuses asserted must be exactly the gold one, plus the tracking number when shipped.
    """
    if intent["kind"] == "policy":
        given = set(intent["given"])
        if intent["answer_type"] == "money":
            found = money_candidates(text) - given
        else:
            found = day_counts(text) - given
        if not found:
            return None
        return found == {intent["answer"]}
    if intent["kind"] == "status":
        claims = status_claims(text)
        if not claims:
            return None
        ok = claims == {intent["status"]}
        if intent.get("tracking"):
            ok = ok and intent["tracking"] in TRACKING_RE.findall(text)
        return ok
    return None
