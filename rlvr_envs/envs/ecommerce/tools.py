"""The store's tools: one `ShopSession` per episode holds the episode's state (cart, order
changes, verified customer, consents, writes, policy violations, the facts tools have shown)
over the shared read-only `Store`, and offers its `@tool` methods to the agent.

`observed` is the grounding record: each successful tool result adds the facts it states
(`("status", order_id)`, `("order", order_id)` for items and dates, `("policy", topic)`).
An answer or a write counts in the reward only if the facts its intent needs were observed
before it (`answers.grounds_of`); each write keeps a snapshot of `observed` for that check.

Hard invariants are enforced by the tools (verification, ownership, order status, stock,
consent). Store *policy* (return windows, final-sale categories) is the agent's job, as in
tau-bench: a write that breaks it goes through and is recorded in `violations`, which the
reward turns into a hard gate.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Literal

from ...core.tools import ToolError, tool
from .store import (
    BRANDS,
    CATEGORY_NAMES,
    COLOURS,
    MATERIALS,
    SIZES,
    Store,
    day,
    money,
)

MAX_RESULTS = 20  # per search: no tool returns the catalog wholesale
PRODUCT_ID_RE = re.compile(r"\bP\d{5}\b")
ORDER_ID_RE = re.compile(r"\bO\d{7}\b")
POLICY_TOPICS = ("returns", "shipping", "price_match", "cancellation", "exchanges")

Consent = tuple[Any, ...]  # ("cancel", oid) | ("return", oid, pids) | ("exchange", ...) | ...


def parse_money(text: str) -> int:
    """`"$49.99"`, `"49.99"` or `49.99` as cents; ValueError otherwise."""
    m = re.fullmatch(r"\s*\$?\s*(\d{1,7})(?:\.(\d{1,2}))?\s*", str(text))
    if not m:
        raise ValueError(f"not an amount: {text!r}")
    return int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))


def _code(vocab: list[str], value: str | None, what: str) -> int | None:
    if value is None:
        return None
    for k, v in enumerate(vocab):
        if v.lower() == value.strip().lower():
            return k
    raise ToolError(f"unknown {what} {value!r}; use one of: {', '.join(vocab)}")


class ShopSession:
    """One episode's view of the store and its tools."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cart: dict[str, int] = {}
        self.order_changes: dict[str, dict[str, Any]] = {}
        self.verified: str | None = None
        self.consents: list[Consent] = []
        self.writes: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.unconsented: list[str] = []
        self.new_orders: list[dict[str, Any]] = []
        self.observed: set[tuple[str, ...]] = set()
        self.heard: list[str] = []  # the customer's messages so far (the env appends them)

    def _write(self, entry: dict[str, Any]) -> None:
        self.writes.append({**entry, "observed_before": frozenset(self.observed)})

    # ---- state helpers ------------------------------------------------------------------

    def order(self, order_id: str) -> dict[str, Any] | None:
        if order_id in self.order_changes:
            return self.order_changes[order_id]
        return self.store.orders.get(order_id)

    def _writable_order(self, order_id: str) -> dict[str, Any]:
        if order_id not in self.order_changes:
            self.order_changes[order_id] = copy.deepcopy(self.store.orders[order_id])
        return self.order_changes[order_id]

    def _owned_order(self, order_id: str) -> dict[str, Any]:
        order = self.order(order_id)
        if order is None:
            raise ToolError(f"no order {order_id!r}; order ids look like 'O1234567'")
        if self.verified is None:
            raise ToolError("verify the customer first (find_customer, then verify_customer)")
        if order["customer_id"] != self.verified:
            raise ToolError(f"order {order_id} does not belong to the verified customer")
        return order

    def _product(self, product_id: str) -> int:
        i = self.store.product_index(product_id)
        if i is None:
            raise ToolError(f"no product {product_id!r}; product ids look like 'P01234'")
        return i

    def _take_consent(self, consent: Consent, what: str) -> None:
        """Use up the customer's yes to `consent`. A yes to returning a set of items covers
        any part of it, in as many calls as the agent likes (each call uses up its items)."""
        if consent in self.consents:
            self.consents.remove(consent)
            return
        if consent[0] == "return":
            for k, (kind, *rest) in enumerate(self.consents):
                if kind == "return" and rest[0] == consent[1] and set(consent[2]) <= set(rest[1]):
                    left = tuple(p for p in rest[1] if p not in consent[2])
                    if left:
                        self.consents[k] = ("return", consent[1], left)
                    else:
                        del self.consents[k]
                    return
        self.unconsented.append(what)
        raise ToolError(f"the customer has not agreed to {what}; describe the exact action "
                        "(ids included) and get their explicit yes first")

    def cart_view(self) -> dict[str, Any]:
        lines = []
        subtotal = 0
        for pid, qty in self.cart.items():
            i = self.store.product_index(pid)
            assert i is not None
            price = int(self.store.price[i])
            subtotal += price * qty
            lines.append({"product_id": pid, "name": self.store.name(i), "quantity": qty,
                          "unit_price": money(price), "line_total": money(price * qty)})
        shipping = self.store.shipping_cost(subtotal) if lines else 0
        return {"items": lines, "subtotal": money(subtotal), "shipping": money(shipping),
                "total": money(subtotal + shipping)}

    def order_view(self, order: dict[str, Any]) -> dict[str, Any]:
        view = {"order_id": order["order_id"], "status": order["status"],
                "placed_on": day(order["placed_days_ago"]),
                "items": [{"product_id": it["product_id"], "name": it["name"],
                           "category": self.store.product(
                               int(it["product_id"][1:]))["category"],
                           "quantity": it["quantity"], "price_paid": money(it["price_cents"])}
                          for it in order["items"]],
                "payment_method_id": order["payment_method_id"]}
        if "delivered_days_ago" in order:
            view["delivered_on"] = day(order["delivered_days_ago"])
        if order["returned"]:
            view["returned_items"] = list(order["returned"])
        if order["exchanged"]:
            view["exchanges"] = list(order["exchanged"])
        return view

    # ---- catalog tools ------------------------------------------------------------------

    @tool
    def search_products(self, query: str = "", category: str | None = None,
                        brand: str | None = None, colour: str | None = None,
                        size: str | None = None, material: str | None = None,
                        max_price: float | None = None, min_rating: float | None = None,
                        in_stock_only: bool = False,
                        sort_by: Literal["relevance", "price_asc", "price_desc",
                                         "rating"] = "relevance",
                        limit: int = 10) -> dict[str, Any]:
        """Search the catalog with filters; returns at most 20 products, best first.

        Args:
            query: Free-text words (brand, colour, material or product type), e.g. "navy hoodie".
            category: Exact category, e.g. "hoodies".
            brand: Exact brand name.
            colour: Exact colour, e.g. "navy".
            size: Exact size, e.g. "M", "9" or "one size".
            material: Exact material, e.g. "cotton".
            max_price: Highest price in dollars, inclusive.
            min_rating: Lowest average rating (1.0 to 5.0), inclusive.
            in_stock_only: Only products with stock above zero.
            sort_by: Ranking: relevance (then rating), price_asc, price_desc or rating.
            limit: How many results to return (1 to 20).
        """
        if not 1 <= limit <= MAX_RESULTS:
            raise ToolError(f"limit must be between 1 and {MAX_RESULTS}, got {limit}")
        terms = []
        for word in query.split()[:20]:
            m = self.store.term_mask(word)
            if m is not None:
                terms.append(m)
        if query.strip() and not terms:
            return {"total_matches": 0, "results": [],
                    "note": "no query word names a brand, colour, material or product type"}
        idx, total = self.store.search(
            category=_code(CATEGORY_NAMES, category, "category"),
            brand=_code(BRANDS, brand, "brand"), colour=_code(COLOURS, colour, "colour"),
            size=_code(SIZES, size, "size"), material=_code(MATERIALS, material, "material"),
            max_price=None if max_price is None else int(round(max_price * 100)),
            min_rating=None if min_rating is None else int(round(min_rating * 10)),
            in_stock_only=in_stock_only, terms=terms, sort_by=sort_by)
        return {"total_matches": total,
                "results": [self.store.product(int(i)) for i in idx[:limit]]}

    @tool
    def get_product(self, product_id: str) -> dict[str, Any]:
        """Details of one product and of its variants (same model, other colours/sizes).

        Args:
            product_id: A product id such as "P01234".
        """
        i = self._product(product_id)
        info = self.store.product(i)
        info["variants"] = [{k: self.store.product(j)[k] for k in
                             ("product_id", "colour", "size", "price", "stock")}
                            for j in self.store.variants(i) if j != i]
        return info

    # ---- cart tools (no consent needed: the cart is not an order) -------------------------

    @tool
    def add_to_cart(self, product_id: str, quantity: int = 1) -> dict[str, Any]:
        """Add a product to the customer's cart.

        Args:
            product_id: The product id.
            quantity: How many to add (1 to 10).
        """
        i = self._product(product_id)
        if not 1 <= quantity <= 10:
            raise ToolError(f"quantity must be between 1 and 10, got {quantity}")
        want = self.cart.get(product_id, 0) + quantity
        if want > int(self.store.stock[i]):
            raise ToolError(f"{product_id} has only {int(self.store.stock[i])} in stock")
        self.cart[product_id] = want
        return self.cart_view()

    @tool
    def remove_from_cart(self, product_id: str, quantity: int | None = None) -> dict[str, Any]:
        """Remove a product from the cart (all of it, or `quantity` units).

        Args:
            product_id: The product id.
            quantity: How many units to remove; omit to remove the line.
        """
        if product_id not in self.cart:
            raise ToolError(f"{product_id!r} is not in the cart")
        if quantity is not None and quantity < 1:
            raise ToolError(f"quantity must be at least 1, got {quantity}")
        left = 0 if quantity is None else self.cart[product_id] - quantity
        if left > 0:
            self.cart[product_id] = left
        else:
            del self.cart[product_id]
        return self.cart_view()

    @tool
    def view_cart(self) -> dict[str, Any]:
        """The cart: lines, subtotal, shipping and total."""
        return self.cart_view()

    @tool
    def checkout(self, payment_method_id: str) -> dict[str, Any]:
        """Place an order for the cart (needs a verified customer and their explicit yes).

        Args:
            payment_method_id: One of the verified customer's payment method ids.
        """
        if self.verified is None:
            raise ToolError("verify the customer first")
        if not self.cart:
            raise ToolError("the cart is empty")
        methods = [p["id"] for p in self.store.customers[self.verified]["payment_methods"]]
        if payment_method_id not in methods:
            raise ToolError(f"{payment_method_id!r} is not one of {methods}")
        self._take_consent(("checkout", payment_method_id), "checkout")
        view = self.cart_view()
        order = {"order_id": f"N{len(self.new_orders) + 1:07d}", "status": "pending",
                 "items": dict(self.cart), "payment_method_id": payment_method_id}
        self.new_orders.append(order)
        self._write({"action": "checkout", **order})
        self.cart.clear()
        return {"order_id": order["order_id"], "total": view["total"], "status": "pending"}

    # ---- customers and orders ---------------------------------------------------------

    @tool
    def find_customer(self, email: str) -> dict[str, Any]:
        """Find a customer's id by email (does not verify them).

        Args:
            email: The customer's email address.
        """
        cid = self.store.email_index.get(email.strip().lower())
        if cid is None:
            raise ToolError(f"no customer with email {email[:100]!r}")
        return {"customer_id": cid}

    @tool
    def verify_customer(self, customer_id: str, zip_code: str) -> dict[str, Any]:
        """Verify a customer's identity with the zip code they gave in this conversation;
        needed before order tools.

        Args:
            customer_id: The id from find_customer.
            zip_code: The zip code the customer gave.
        """
        cust = self.store.customers.get(customer_id)
        if cust is None:
            raise ToolError(f"no customer {customer_id!r}")
        said = re.compile(r"(?<!\d)" + re.escape(zip_code.strip()[:20]) + r"(?!\d)")
        if not zip_code.strip() or not any(said.search(h) for h in self.heard):
            # identity is what this customer says now, not a zip remembered from elsewhere
            raise ToolError("the customer has not given this zip code in this conversation; "
                            "ask them for it")
        if cust["zip"] != zip_code.strip():
            raise ToolError("the zip code does not match our records")
        self.verified = customer_id
        return {"verified": True, "customer_id": customer_id}

    @tool
    def get_customer(self, customer_id: str) -> dict[str, Any]:
        """The verified customer's profile: name, address, payment methods and order ids.

        Args:
            customer_id: The verified customer's id.
        """
        if self.verified != customer_id:
            raise ToolError("verify this customer first (find_customer, then verify_customer)")
        return copy.deepcopy(self.store.customers[customer_id])

    @tool
    def get_order(self, order_id: str) -> dict[str, Any]:
        """An order of the verified customer: status, dates, items and prices paid.

        Args:
            order_id: An order id such as "O1234567".
        """
        view = self.order_view(self._owned_order(order_id))
        self.observed.update({("order", order_id), ("status", order_id)})
        return view

    @tool
    def track_order(self, order_id: str) -> dict[str, Any]:
        """Shipping status of an order of the verified customer.

        Args:
            order_id: The order id.
        """
        order = self._owned_order(order_id)
        out: dict[str, Any] = {"order_id": order_id, "status": order["status"]}
        if "tracking_number" in order:
            out.update(carrier=order["carrier"], tracking_number=order["tracking_number"])
        if "eta_days_ahead" in order:
            out["estimated_delivery"] = day(-order["eta_days_ahead"])
        if "delivered_days_ago" in order:
            out["delivered_on"] = day(order["delivered_days_ago"])
        self.observed.add(("status", order_id))
        return out

    @tool
    def cancel_order(self, order_id: str) -> dict[str, Any]:
        """Cancel a pending or processing order (needs the customer's explicit yes).

        Args:
            order_id: The order id.
        """
        order = self._owned_order(order_id)
        if order["status"] not in ("pending", "processing"):
            raise ToolError(f"order {order_id} is {order['status']}; only pending or "
                            "processing orders can be cancelled")
        self._take_consent(("cancel", order_id), f"cancel order {order_id}")
        order = self._writable_order(order_id)
        order["status"] = "cancelled"
        self._write({"action": "cancel", "order_id": order_id})
        self.observed.add(("status", order_id))
        return {"order_id": order_id, "status": "cancelled"}

    @tool
    def return_items(self, order_id: str, product_ids: list[str]) -> dict[str, Any]:
        """Return items of a delivered order for a refund (needs the customer's explicit yes).

        Args:
            order_id: The order id.
            product_ids: The product ids to return, each once.
        """
        order = self._owned_order(order_id)
        if order["status"] != "delivered":
            raise ToolError(f"order {order_id} is {order['status']}; only delivered orders "
                            "can be returned")
        items = {it["product_id"]: it for it in order["items"]}
        if not product_ids or len(set(product_ids)) != len(product_ids):
            raise ToolError("product_ids must list distinct product ids, at least one")
        for pid in product_ids:
            if pid not in items:
                raise ToolError(f"{pid!r} is not in order {order_id}")
            if pid in order["returned"]:
                raise ToolError(f"{pid} was already returned")
        self._take_consent(("return", order_id, tuple(sorted(product_ids))),
                           f"return {', '.join(product_ids)} from order {order_id}")
        refund = 0
        for pid in product_ids:
            cat = self.store.product(int(pid[1:]))["category"]
            it = items[pid]
            if self.store.final_sale(cat):
                self.violations.append(f"returned {pid}: {cat} are final sale")
            elif order["delivered_days_ago"] > self.store.return_window(cat):
                self.violations.append(
                    f"returned {pid}: delivered {order['delivered_days_ago']} days ago, past "
                    f"the {self.store.return_window(cat)}-day window for {cat}")
            paid = it["price_cents"] * it["quantity"]
            refund += paid - self.store.restocking_fee(cat, paid)
        order = self._writable_order(order_id)
        order["returned"].extend(product_ids)
        self._write({"action": "return", "order_id": order_id,
                     "product_ids": sorted(product_ids)})
        return {"order_id": order_id, "returned": product_ids, "refund": money(refund),
                "refund_to": order["payment_method_id"]}

    @tool
    def exchange_item(self, order_id: str, product_id: str,
                      new_product_id: str) -> dict[str, Any]:
        """Exchange an item of a delivered order for another variant of the same model
        (needs the customer's explicit yes).

        Args:
            order_id: The order id.
            product_id: The delivered item to exchange.
            new_product_id: The in-stock variant to send instead.
        """
        order = self._owned_order(order_id)
        if order["status"] != "delivered":
            raise ToolError(f"order {order_id} is {order['status']}; only delivered orders "
                            "can be exchanged")
        if product_id not in [it["product_id"] for it in order["items"]]:
            raise ToolError(f"{product_id!r} is not in order {order_id}")
        old, new = self._product(product_id), self._product(new_product_id)
        if new not in self.store.variants(old) or new == old:
            raise ToolError(f"{new_product_id} is not another variant of {product_id}")
        if int(self.store.stock[new]) < 1:
            raise ToolError(f"{new_product_id} is out of stock")
        self._take_consent(("exchange", order_id, product_id, new_product_id),
                           f"exchange {product_id} for {new_product_id}")
        cat = self.store.product(old)["category"]
        if self.store.final_sale(cat) or order["delivered_days_ago"] > \
                self.store.return_window(cat):
            self.violations.append(f"exchanged {product_id}: outside the exchange policy")
        order = self._writable_order(order_id)
        order["exchanged"].append({"from": product_id, "to": new_product_id})
        self._write({"action": "exchange", "order_id": order_id,
                     "from": product_id, "to": new_product_id})
        return {"order_id": order_id, "exchanged": product_id, "for": new_product_id}

    @tool
    def get_policy(self, topic: Literal["returns", "shipping", "price_match", "cancellation",
                                        "exchanges"]) -> dict[str, Any]:
        """The store's policy on one topic.

        Args:
            topic: returns, shipping, price_match, cancellation or exchanges.
        """
        p = self.store.policy
        if topic not in POLICY_TOPICS:
            raise ToolError(f"unknown topic {topic!r}; use one of {', '.join(POLICY_TOPICS)}")
        self.observed.add(("policy", topic))
        if topic == "returns":
            return {"return_window_days_by_category": p["return_window_days"],
                    "window_counts_from": "delivery date",
                    "final_sale_categories_not_returnable": p["final_sale_categories"],
                    "restocking_fee_percent_by_category": p["restocking_fee_pct"],
                    "other_categories_restocking_fee_percent": 0,
                    "refund": "price paid times quantity, minus the restocking fee "
                              "(rounded to the cent), to the original payment method",
                    "only_delivered_orders": True}
        if topic == "shipping":
            s = p["shipping"]
            return {"standard_shipping": money(s["flat_fee_cents"]),
                    "free_standard_shipping_from_subtotal": money(s["free_threshold_cents"]),
                    "express_shipping": money(s["express_fee_cents"])}
        if topic == "price_match":
            pm = p["price_match"]
            return {"refund": "the difference between the price paid and today's lower price",
                    "within_days_of_purchase": pm["days"],
                    "excluded_categories": pm["excluded_categories"]}
        if topic == "cancellation":
            return {"allowed_statuses": p["cancellation"]["allowed_statuses"],
                    "needs_explicit_customer_confirmation": True}
        return {"same_model_other_variant_only": True, "within_return_window": True,
                "final_sale_categories_not_exchangeable": p["final_sale_categories"]}
