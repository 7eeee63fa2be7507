"""The simulated customer: a deterministic policy over the task's hidden goal.

Each agent message addressed to the customer (one with no tool calls) is read in this order:

1. **Done?** The current intent is complete (state checked against the session, or an answer
   judged for info intents, grounded in what tools showed: `answers.judge_answer`): the
   customer thanks the agent and opens the next intent, or says
   goodbye and ends. It never ends before every intent's writes are in the state.
2. **A proposal** (an action verb plus an order id): what it proposes is read by
   `read_proposal` (ids in clauses that exclude them, recaps and other orders' mentions are
   not part of it; products may be named by name). A proposal that matches the goal gets an
   explicit yes, recorded as a consent for exactly the proposed action and items; a wrong
   one gets a correction; a decoy intent triggers a change of mind.
3. **Questions** (keyword/intent matching per slot: colour, size, budget, email, zip...): the
   customer reveals the asked slots, or says it has no preference.
4. **Cart feedback**: a cart that changed but does not meet the goal gets a correction.
5. Otherwise a nudge; after `patience` unhelpful turns in a row the customer gives up.

Replies come from templates written at task generation; typos are added by difficulty, and an
optional `paraphrase(text) -> text` hook may reword them (it must keep ids and numbers, and be
deterministic if episodes must replay).
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .answers import judge_answer, sentences
from .goals import bundle_match, intent_done, pick_ok
from .tools import ORDER_ID_RE, PRODUCT_ID_RE, ShopSession

SLOT_PATTERNS: dict[str, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in {
    "email": r"e-?mail",
    "zip": r"\bzip|postal|post ?code",
    "order_id": r"\border\s*(?:id|number|no\b|#)|which order",
    "category": r"what (?:kind|type|sort) of|categor|what (?:are you|product)",
    "colour": r"colou?r",
    "size": r"\bsizes?\b",
    "max_price": r"budget|price range|how much .*spend|spend|max(?:imum)? price|price limit",
    "min_rating": r"rating|\bstars?\b|reviews?",
    "brand": r"\bbrands?\b",
    "material": r"material|made of|fabric",
    "quantity": r"how many|quantit",
}.items()}
VERBS = {"cancel": re.compile(r"\bcancel", re.I), "return": re.compile(r"\breturn", re.I),
         "exchange": re.compile(r"\bexchang", re.I)}
NO_PREFERENCE = "I don't have a preference about that."
YES = {"cancel": "Yes, please cancel it.", "return": "Yes, please go ahead with that return."}


@dataclass
class CustomerReply:
    text: str
    ended: bool = False  # the customer is satisfied and says goodbye
    quit: bool = False  # the customer gave up
    helpful: bool = True  # False: the agent's message moved nothing forward


class SimulatedCustomer:
    """The customer of one episode; `reply(text, session)` answers one agent message."""

    def __init__(self, task: dict[str, Any],
                 paraphrase: Callable[[str], str] | None = None) -> None:
        self.task = task
        self.intents: list[dict[str, Any]] = copy.deepcopy(task["intents"])
        self.current = 0
        self.answers: dict[int, bool] = {}
        self.revealed: set[str] = set()
        self.unhelpful = 0
        self.turn = 0
        self.paraphrase = paraphrase
        self.last_cart: dict[str, int] = {}
        self.last_state: tuple[Any, ...] = ()
        self.finished = False  # the dialogue is over (goodbye or gave up)
        self.satisfied = False  # said goodbye: every intent is complete
        self.mind_changes = 0
        self.mentioned: set[str] = set()  # ids the customer has written

    @property
    def intent(self) -> dict[str, Any]:
        return self.intents[min(self.current, len(self.intents) - 1)]

    def opening(self) -> str:
        return self._say(self.task["opening"])

    def _say(self, text: str) -> str:
        from .goals import ids_in
        if self.paraphrase is not None:
            text = str(self.paraphrase(text))
        rate = float(self.task.get("typo_rate", 0.0))
        if rate > 0:
            rng = random.Random(f"{self.task['typo_seed']}:{self.turn}")
            text = re.sub(r"\b[A-Za-z]{5,}\b", lambda m: _typo(m.group(0), rng, rate), text)
        self.mentioned |= ids_in(text)
        return text

    def reply(self, text: str, session: ShopSession) -> CustomerReply:
        self.turn += 1
        state = (tuple(sorted(session.cart.items())), len(session.writes))
        progressed = state != self.last_state
        self.last_state = state
        out = self._react(text, session)
        if out is None:
            out = CustomerReply(self._say(self.intent["nudge"]), helpful=False)
        if out.helpful or progressed:
            self.unhelpful = 0
        else:
            self.unhelpful += 1
            if self.unhelpful >= int(self.task["patience"]):
                self.finished = True
                return CustomerReply(self._say("This isn't getting anywhere. I'll shop "
                                               "somewhere else. Goodbye."), quit=True)
        return out

    # ---- the decision list ------------------------------------------------------------

    def _react(self, text: str, session: ShopSession) -> CustomerReply | None:
        intent = self.intent
        answer = (judge_answer(intent, text, session.observed)
                  if intent["kind"] in ("policy", "status") else None)
        if answer is not None:
            self.answers[self.current] = answer
        if intent_done(session, intent, self.answers.get(self.current)):
            if intent.get("change"):  # the customer changes its mind once it sees the cart
                self.mind_changes += 1
                intent["items"] = intent.pop("change")
                intent["correction"] = intent.pop("change_text")
                self.last_cart = dict(session.cart)
                return CustomerReply(self._say(intent["correction"]))
            return self._advance(session)
        proposal = self._proposal(text, session)
        if proposal is not None:
            return proposal
        flat = " ".join(text.split())  # "how\nmany", "order  id": one space between words
        asked = [s for s, pat in SLOT_PATTERNS.items() if pat.search(flat)]
        if asked:
            return self._reveal(asked)
        return self._cart_feedback(session)

    def _advance(self, session: ShopSession) -> CustomerReply:
        self.current += 1
        self.last_cart = dict(session.cart)
        if self.current >= len(self.intents):
            self.finished = self.satisfied = True
            return CustomerReply(self._say("Thanks, that's everything I needed. Goodbye!"),
                                 ended=True)
        return CustomerReply(self._say("Thank you. " + self.intent["opening"]))

    def _reveal(self, asked: list[str]) -> CustomerReply:
        slots = {**self.task.get("profile_slots", {}), **self.intent.get("slots", {})}
        known = [s for s in asked if s in slots]
        unknown = [f"none:{s}" for s in asked if s not in slots]
        new = [s for s in known + unknown if s not in self.revealed]
        self.revealed.update(known + unknown)
        parts = [slots[s] for s in known] + ([NO_PREFERENCE] if unknown else [])
        prefix = "" if new else "As I said: "
        return CustomerReply(self._say(prefix + " ".join(parts)), helpful=bool(new))

    def _proposal(self, text: str, session: ShopSession) -> CustomerReply | None:
        verbs = [v for v, pat in VERBS.items() if pat.search(text)]
        if not verbs or not _order_ids(text):
            return None
        orders, pids = read_proposal(text, session)
        intent = self.intent
        kind = intent["kind"]
        if kind not in verbs:
            if kind in ("return", "cancel"):
                return CustomerReply(self._say("No, that's not what I want. "
                                               + intent["correction"]))
            return CustomerReply(self._say("Please don't change any orders. "
                                           + intent["nudge"]))
        if orders != {intent["order_id"]}:
            return CustomerReply(self._say("No, that's not the right order. "
                                           + intent["correction"]))
        if kind == "cancel":
            if intent.get("replace_with"):
                self.mind_changes += 1
                self.intents[self.current] = intent["replace_with"]
                return CustomerReply(self._say(intent["change_text"]))
            session.consents.append(("cancel", intent["order_id"]))
            return CustomerReply(self._say(YES["cancel"]))
        if pids and set(pids) <= set(intent["requested"]):
            consent = ("return", intent["order_id"], tuple(pids))
            if consent not in session.consents:
                session.consents.append(consent)
            return CustomerReply(self._say(YES["return"]))
        return CustomerReply(self._say("No, that's not what I want. " + intent["correction"]))

    def _cart_feedback(self, session: ShopSession) -> CustomerReply | None:
        intent = self.intent
        cart = dict(session.cart)
        if intent["kind"] not in ("pick", "bundle", "cart") or not cart or \
                cart == self.last_cart:
            return None
        self.last_cart = cart
        slots = intent.get("slots", {})
        if intent["kind"] == "pick":
            if len(cart) > 1 or list(cart.values()) != [1]:
                return CustomerReply(self._say("I only want one of one item in my cart."))
            checks = pick_ok(session.store, next(iter(cart)), intent)
            why = [slots[k] for k, ok in checks.items() if not ok and k in slots]
            if not checks["in_stock"]:
                why.append("And it has to be in stock.")
            if not checks["not_excluded"]:
                why.append("That's the one that's out of stock.")
            return CustomerReply(self._say("That one doesn't work for me. " + " ".join(why)))
        if intent["kind"] == "bundle":
            m = bundle_match(session.store, cart, intent)
            why = []
            if not all(m["parts"]) or m["extra"] or not m["single_units"]:
                why.append(intent["correction"])
            if m["total"] > intent["budget"]:
                why.append(slots["max_price"])
            return CustomerReply(self._say("That's not quite it. " + " ".join(why)))
        return CustomerReply(self._say("That's not what I asked for. " + intent["correction"]))


# a clause that excludes what it names: "P06608 cannot be returned", "except the mug"
_EXCLUDES = re.compile(r"\b(?:not|cannot|never|no longer|non-returnable|ineligible|unable|"
                       r"except|excluding|apart from|other than|final[- ]sale|past the|"
                       r"outside the)\b|n't\b", re.I)
_EITHER_WAY = re.compile(r"\b(?:or|if|whether or) not\b", re.I)  # "shall I, or not?"
_CLAUSE = re.compile(r"[,;:]|\s-\s|\b(?=but\b|except\b|excluding\b|apart from\b|"
                     r"other than\b)", re.I)
_PAREN = re.compile(r"\([^()]{0,200}\)")
_ACTION = re.compile("|".join(p.pattern for p in VERBS.values()), re.I)


def _excludes(text: str) -> bool:
    return bool(_EXCLUDES.search(_EITHER_WAY.sub(" ", text)))


def _clauses(text: str) -> list[tuple[str, bool, bool]]:
    """(clause, its sentence has an action verb, the clause excludes what it names). A
    parenthesis belongs to its clause ("The tee (P01234) cannot be returned") unless it
    excludes on its own ("return P01234 (not P05678)"): then it is a clause of its own."""
    out = []
    for start, end, _ in sentences(text):
        sentence = text[start:end]
        acts = bool(_ACTION.search(sentence))
        masked = _PAREN.sub(lambda m: "(" + "x" * (len(m.group(0)) - 2) + ")", sentence)
        cuts = [0] + [m.start() for m in _CLAUSE.finditer(masked)] + [len(sentence)]
        for a, b in zip(cuts, cuts[1:]):
            clause = sentence[a:b]
            parens = [m for m in _PAREN.finditer(clause) if _excludes(m.group(0))]
            out += [(m.group(0), acts, True) for m in parens]
            rest = _PAREN.sub(lambda m: m.group(0) if not _excludes(m.group(0)) else " ",
                              clause)
            outer = _PAREN.sub(" ", rest)
            out.append((rest, acts, _excludes(outer)))
    return out


def read_proposal(text: str, session: ShopSession) -> tuple[set[str], list[str]]:
    """The order ids and product ids an agent's message proposes to act on. Ids in a clause
    that excludes them ("P06608 cannot be returned", "not order O1234567") are not part of
    it; ids in sentences without an action verb (a recap, the order's contents) count only
    when no action sentence names any. Products may be named by their name in the proposed
    order, if this episode looked it up ("the Brisk Cotton Tee")."""
    clauses = _clauses(text)
    found = [(_order_ids(c), set(PRODUCT_ID_RE.findall(c)), acts, no)
             for c, acts, no in clauses]
    orders = set().union(*(o for o, _, acts, no in found if acts and not no)) or \
        set().union(*(o for o, _, _, no in found if not no))
    names = _item_names(session, next(iter(orders))) if len(orders) == 1 else {}
    for k, (clause, _, _) in enumerate(clauses):
        low = " ".join(clause.lower().split())
        found[k][1].update(pid for name, pid in names.items()
                           if re.search(r"\b" + re.escape(name) + r"\b", low))
    excluded = set().union(*(p for _, p, _, no in found if no))
    pids = set().union(*(p for _, p, acts, no in found if acts and not no)) or \
        set().union(*(p for _, p, _, no in found if not no))
    return orders, sorted(pids - excluded)


_LOOSE_ORDER = re.compile(r"(?:\border\s*(?:id|number|no\.?)?\s*#?\s*|#)(\d{7})\b", re.I)


def _order_ids(text: str) -> set[str]:
    """Order ids as written, and "order #1234567" / "#1234567" without the O."""
    return set(ORDER_ID_RE.findall(text)) | {"O" + d for d in _LOOSE_ORDER.findall(text)}


def _item_names(session: ShopSession, order_id: str) -> dict[str, str]:
    """{lower-case name: product id} of an order this episode looked up (names that more
    than one item of the order share are left out)."""
    order = session.order(order_id)
    if order is None or ("order", order_id) not in session.observed:
        return {}
    by_name: dict[str, list[str]] = {}
    for it in order["items"]:
        by_name.setdefault(" ".join(it["name"].lower().split()), []).append(it["product_id"])
    return {name: pids[0] for name, pids in by_name.items() if len(pids) == 1}


def _typo(word: str, rng: random.Random, rate: float) -> str:
    if rng.random() >= rate:
        return word
    k = rng.randrange(1, len(word) - 2)
    return word[:k] + word[k + 1] + word[k] + word[k + 2:]
