"""The procedurally generated store: catalog, customers, orders and policies, from one seed.

Products are numpy arrays (built vectorised: 12,000 products in a few milliseconds), grouped in
variant groups of `VARIANTS` consecutive products that share category, brand, material, name
and price and differ in colour and/or size. Customers and their order histories are plain
dicts built from `random.Random(f"{seed}:...")`. Prices are integer cents everywhere.
`get_store(seed)` caches built stores (LRU), so episodes never rebuild one.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

VARIANTS = 4  # products per variant group
TODAY = dt.date(2025, 6, 1)  # the store's "today"; every date is relative to it

# category, noun, size scheme, materials, price range in dollars, electronics?
CATEGORIES: list[tuple[str, str, str, tuple[str, ...], int, int, bool]] = [
    ("tees", "tee", "apparel", ("cotton", "polyester", "linen", "bamboo"), 8, 40, False),
    ("hoodies", "hoodie", "apparel", ("cotton", "fleece", "polyester", "wool"), 25, 90, False),
    ("jackets", "jacket", "apparel", ("nylon", "leather", "wool", "denim"), 40, 300, False),
    ("jeans", "jeans", "apparel", ("denim", "cotton"), 30, 120, False),
    ("dresses", "dress", "apparel", ("cotton", "silk", "linen", "polyester"), 30, 200, False),
    ("sneakers", "sneaker", "shoes", ("canvas", "leather", "mesh", "suede"), 40, 180, False),
    ("boots", "boot", "shoes", ("leather", "suede", "rubber"), 60, 250, False),
    ("sandals", "sandal", "shoes", ("leather", "rubber", "cork"), 20, 90, False),
    ("backpacks", "backpack", "none", ("nylon", "canvas", "leather", "polyester"), 25, 150,
     False),
    ("headphones", "headphones", "none", ("plastic", "aluminum"), 20, 400, True),
    ("speakers", "speaker", "none", ("plastic", "aluminum", "wood"), 25, 350, True),
    ("smartwatches", "smartwatch", "none", ("aluminum", "steel", "plastic"), 80, 500, True),
    ("keyboards", "keyboard", "none", ("plastic", "aluminum"), 20, 200, True),
    ("lamps", "lamp", "none", ("ceramic", "steel", "wood", "glass"), 15, 150, False),
    ("mugs", "mug", "none", ("ceramic", "glass", "steel"), 6, 35, False),
    ("skillets", "skillet", "none", ("steel", "iron", "aluminum", "ceramic"), 20, 200, False),
    ("blankets", "blanket", "none", ("wool", "cotton", "fleece"), 20, 150, False),
    ("pillows", "pillow", "none", ("cotton", "bamboo", "foam"), 15, 90, False),
    ("mats", "mat", "none", ("rubber", "cork", "foam"), 15, 90, False),
    ("bottles", "bottle", "none", ("steel", "plastic", "glass"), 8, 45, False),
    ("sunglasses", "sunglasses", "none", ("plastic", "metal"), 15, 250, False),
    ("candles", "candle", "none", ("wax", "soy"), 8, 60, False),
]
CATEGORY_NAMES = [c[0] for c in CATEGORIES]
COLOURS = ["black", "white", "grey", "navy", "blue", "red", "green", "yellow", "pink",
           "purple", "brown", "beige", "orange"]
SIZE_SCHEMES = {"apparel": ["XS", "S", "M", "L", "XL"],
                "shoes": ["6", "7", "8", "9", "10", "11", "12"], "none": ["one size"]}
SIZES = ["one size"] + SIZE_SCHEMES["apparel"] + SIZE_SCHEMES["shoes"]
MATERIALS = sorted({m for c in CATEGORIES for m in c[3]})
BRANDS = ["Aldren", "Brisk", "Corvo", "Dunmore", "Elkan", "Fennick", "Galloway", "Halden",
          "Ivers", "Jorvik", "Kestrel", "Lumen", "Marlow", "Norvik", "Orrin", "Pell", "Quill",
          "Rowan", "Sable", "Tamsin", "Ulric", "Vesper", "Wexley", "Yarrow", "Zephyr",
          "Ashby", "Bexley", "Calder", "Dorran", "Esker", "Fable", "Gryce", "Hollis", "Ingle",
          "Juniper", "Kinver", "Larkin", "Moss", "Nettle", "Oakes"]
ORDER_STATUSES = ("pending", "processing", "shipped", "delivered", "cancelled")
FIRST_NAMES = ["ava", "ben", "chloe", "dev", "emma", "finn", "grace", "hugo", "isla", "jack",
               "kai", "lena", "mila", "noah", "olga", "priya", "quinn", "ravi", "sofia", "tom",
               "uma", "vera", "wes", "yara", "zane"]
LAST_NAMES = ["adams", "brook", "chen", "diaz", "evans", "fox", "garcia", "hughes", "ito",
              "jones", "khan", "lopez", "moore", "nguyen", "ortiz", "patel", "reyes", "smith",
              "tanaka", "usman", "vogel", "walsh", "young", "zhang"]
STREETS = ["Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Lake", "Hill", "River"]
CITIES = ["Springfield", "Riverton", "Fairview", "Madison", "Georgetown", "Salem", "Clinton"]


def money(cents: int) -> str:
    """Cents as the store writes them: `$1,234.50`."""
    return f"${cents / 100:,.2f}"


def day(days_ago: int) -> str:
    return (TODAY - dt.timedelta(days=int(days_ago))).isoformat()


@dataclass
class Store:
    """A whole store. Product arrays are indexed by product index (`P{index:05d}`)."""

    seed: int
    n_products: int
    category: np.ndarray  # per product, index into CATEGORIES
    brand: np.ndarray  # index into BRANDS
    material: np.ndarray  # index into MATERIALS
    colour: np.ndarray  # index into COLOURS
    size: np.ndarray  # index into SIZES
    price: np.ndarray  # cents
    rating: np.ndarray  # tenths of a star, 10..50
    stock: np.ndarray
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    email_index: dict[str, str] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)

    # ---- products -----------------------------------------------------------------------

    def product_index(self, product_id: str) -> int | None:
        """The index of a well-formed, existing product id, else None."""
        if (not isinstance(product_id, str) or len(product_id) != 6 or product_id[0] != "P"
                or not product_id[1:].isdigit()):
            return None
        i = int(product_id[1:])
        return i if i < self.n_products else None

    def has_product(self, product_id: str) -> bool:
        return self.product_index(product_id) is not None

    def name(self, i: int) -> str:
        cat = CATEGORIES[int(self.category[i])]
        return f"{BRANDS[int(self.brand[i])]} {MATERIALS[int(self.material[i])].title()} " \
               f"{cat[1].title()}"

    def product(self, i: int) -> dict[str, Any]:
        """The attributes of product `i`, as the tools show them."""
        return {"product_id": f"P{i:05d}", "name": self.name(i),
                "category": CATEGORY_NAMES[int(self.category[i])],
                "brand": BRANDS[int(self.brand[i])], "colour": COLOURS[int(self.colour[i])],
                "size": SIZES[int(self.size[i])], "material": MATERIALS[int(self.material[i])],
                "price": money(int(self.price[i])), "rating": int(self.rating[i]) / 10,
                "stock": int(self.stock[i])}

    def variants(self, i: int) -> list[int]:
        g = i - i % VARIANTS
        return list(range(g, min(g + VARIANTS, self.n_products)))

    def search(self, *, category: int | None = None, brand: int | None = None,
               colour: int | None = None, size: int | None = None,
               material: int | None = None, max_price: int | None = None,
               min_rating: int | None = None, in_stock_only: bool = False,
               terms: list[np.ndarray] | None = None,
               sort_by: str = "relevance") -> tuple[np.ndarray, int]:
        """Indices of matching products, ranked, and the number of matches (vectorised)."""
        mask = np.ones(self.n_products, dtype=bool)
        for arr, value in ((self.category, category), (self.brand, brand),
                           (self.colour, colour), (self.size, size),
                           (self.material, material)):
            if value is not None:
                mask &= arr == value
        if max_price is not None:
            mask &= self.price <= max_price
        if min_rating is not None:
            mask &= self.rating >= min_rating
        if in_stock_only:
            mask &= self.stock > 0
        relevance = np.zeros(self.n_products, dtype=np.int16)
        for term_mask in terms or []:
            relevance += term_mask
        if terms:
            mask &= relevance > 0
        idx = np.flatnonzero(mask)
        if sort_by == "price_asc":
            order = np.lexsort((idx, self.price[idx]))
        elif sort_by == "price_desc":
            order = np.lexsort((idx, -self.price[idx]))
        elif sort_by == "rating":
            order = np.lexsort((idx, -self.rating[idx]))
        else:  # relevance, then rating, then id
            order = np.lexsort((idx, -self.rating[idx], -relevance[idx]))
        return idx[order], int(idx.size)

    def term_mask(self, word: str) -> np.ndarray | None:
        """Products a query word refers to (brand, colour, material, category or noun)."""
        w = word.lower().strip(".,!?;:'\"()")
        if not w:
            return None
        w1 = w[:-1] if w.endswith("s") else w
        masks = []
        for vocab, arr in ((BRANDS, self.brand), (COLOURS, self.colour),
                           (MATERIALS, self.material)):
            for k, v in enumerate(vocab):
                if v.lower() in (w, w1):
                    masks.append(arr == k)
        for k, cat in enumerate(CATEGORIES):
            if w in (cat[0], cat[1]) or w1 in (cat[0], cat[1]) or cat[1] == w + "s":
                masks.append(self.category == k)
        if not masks:
            return None
        out = masks[0].copy()
        for m in masks[1:]:
            out |= m
        return out

    # ---- orders and policies ------------------------------------------------------------

    def final_sale(self, category: str) -> bool:
        return category in self.policy["final_sale_categories"]

    def return_window(self, category: str) -> int:
        return int(self.policy["return_window_days"][category])

    def restocking_fee(self, category: str, price_cents: int) -> int:
        pct = int(self.policy["restocking_fee_pct"].get(category, 0))
        return (price_cents * pct + 50) // 100

    def shipping_cost(self, subtotal_cents: int) -> int:
        ship = self.policy["shipping"]
        return 0 if subtotal_cents >= ship["free_threshold_cents"] else ship["flat_fee_cents"]

    def price_match_refund(self, category: str, paid: int, now: int, days_ago: int) -> int:
        pm = self.policy["price_match"]
        if category in pm["excluded_categories"] or days_ago > pm["days"] or now >= paid:
            return 0
        return paid - now


def _build_products(seed: int, n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 1])
    groups = (n + VARIANTS - 1) // VARIANTS
    cat = rng.integers(0, len(CATEGORIES), groups)
    brand = rng.integers(0, len(BRANDS), groups)
    mat_pick = rng.random(groups)
    material = np.empty(groups, dtype=np.int64)
    lo = np.empty(groups)
    hi = np.empty(groups)
    scheme = np.empty(groups, dtype=np.int64)  # 0 none, 1 apparel, 2 shoes
    for k, (_, _, sch, mats, p_lo, p_hi, _) in enumerate(CATEGORIES):
        sel = cat == k
        codes = np.array([MATERIALS.index(m) for m in mats])
        material[sel] = codes[(mat_pick[sel] * len(mats)).astype(int)]
        lo[sel], hi[sel] = p_lo, p_hi
        scheme[sel] = {"none": 0, "apparel": 1, "shoes": 2}[sch]
    dollars = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    price = np.maximum(np.round(dollars).astype(np.int64), 2) * 100 - 1
    # colours: 4 distinct per group for size-less products, 2 otherwise (x 2 sizes)
    col_perm = rng.random((groups, len(COLOURS))).argsort(axis=1)[:, :VARIANTS]
    size_perm_app = rng.random((groups, 5)).argsort(axis=1)[:, :2]
    size_perm_shoe = rng.random((groups, 7)).argsort(axis=1)[:, :2]
    v = np.arange(VARIANTS)
    colour = np.where(scheme[:, None] == 0, col_perm, col_perm[:, v // 2])
    app_size = 1 + size_perm_app[:, v % 2]
    shoe_size = 6 + size_perm_shoe[:, v % 2]
    size = np.where(scheme[:, None] == 1, app_size,
                    np.where(scheme[:, None] == 2, shoe_size, 0))
    base_rating = rng.integers(25, 49, groups)
    rating = np.clip(base_rating[:, None] + rng.integers(-3, 4, (groups, VARIANTS)), 10, 50)
    stock = np.where(rng.random((groups, VARIANTS)) < 0.12, 0,
                     rng.integers(1, 31, (groups, VARIANTS)))
    per_group = {"category": cat, "brand": brand, "material": material, "price": price}
    out = {k: np.repeat(a, VARIANTS)[:n] for k, a in per_group.items()}
    for k, a in (("colour", colour), ("size", size), ("rating", rating), ("stock", stock)):
        out[k] = a.reshape(-1)[:n]
    return out


def _build_policy(seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:policy")
    windows = {c[0]: rng.choice([14, 30, 30, 60]) for c in CATEGORIES}
    fees = {c[0]: rng.choice([10, 15, 20]) for c in CATEGORIES if c[6]}
    fees.update({c: rng.choice([5, 10]) for c in rng.sample(["jackets", "boots", "dresses",
                                                             "lamps", "skillets"], 2)})
    return {
        "return_window_days": windows,
        "final_sale_categories": sorted(rng.sample(["pillows", "candles", "sunglasses",
                                                    "mats"], 2)),
        "restocking_fee_pct": dict(sorted(fees.items())),
        "shipping": {"free_threshold_cents": rng.choice([3500, 5000, 7500]),
                     "flat_fee_cents": rng.choice([499, 599, 699]),
                     "express_fee_cents": rng.choice([1499, 1999])},
        "price_match": {"days": rng.choice([7, 14]),
                        "excluded_categories": sorted(rng.sample(
                            [c[0] for c in CATEGORIES if c[6]], 2))},
        "cancellation": {"allowed_statuses": ["pending", "processing"]},
        "exchanges": {"same_variant_group_only": True, "within_return_window": True},
    }


def _order_id(k: int) -> str:
    return f"O{(k * 7919 + 1_234_567) % 10_000_000:07d}"  # 7919 is coprime with 10**7


def _build_customers(store: Store, n_customers: int) -> None:
    rng = random.Random(f"{store.seed}:customers")
    k_order = 0
    for c in range(n_customers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        cid = f"C{c:05d}"
        zip_code = f"{rng.randrange(10000, 99999)}"
        email = f"{first}.{last}{c}@example.com"
        address = f"{rng.randrange(1, 999)} {rng.choice(STREETS)} St, {rng.choice(CITIES)} " \
                  f"{zip_code}"
        payments = [{"id": f"pm_card_{c:05d}", "type": "credit_card",
                     "last4": f"{rng.randrange(10000):04d}"}]
        if rng.random() < 0.5:
            payments.append({"id": f"pm_paypal_{c:05d}", "type": "paypal"})
        if rng.random() < 0.3:
            payments.append({"id": f"pm_gift_{c:05d}", "type": "gift_card",
                             "balance": money(rng.randrange(1, 200) * 100)})
        order_ids = []
        days = sorted(rng.sample(range(0, 90), rng.randint(1, 8)))
        for placed in days:  # distinct placement dates: "most recent" is unambiguous
            oid = _order_id(k_order)
            k_order += 1
            status = _status_for(rng, placed)
            items = []
            for i in rng.sample(range(store.n_products), rng.randint(1, 3)):
                now = int(store.price[i])
                paid = now + (rng.choice([0, 0, 0, 10, 20]) * now) // 100 // 100 * 100
                items.append({"product_id": f"P{i:05d}", "name": store.name(i),
                              "quantity": rng.choice([1, 1, 1, 2]), "price_cents": paid})
            order: dict[str, Any] = {"order_id": oid, "customer_id": cid, "status": status,
                                     "placed_days_ago": placed, "items": items,
                                     "payment_method_id": payments[0]["id"],
                                     "address": address, "returned": [], "exchanged": []}
            if status in ("shipped", "delivered"):
                order["tracking_number"] = f"TRK{rng.randrange(10**9):09d}"
                order["carrier"] = rng.choice(["UPS", "FedEx", "USPS"])
            if status == "delivered":
                order["delivered_days_ago"] = max(0, placed - rng.randint(2, 5))
            if status == "shipped":
                order["eta_days_ahead"] = rng.randint(1, 4)
            store.orders[oid] = order
            order_ids.append(oid)
        store.customers[cid] = {"customer_id": cid, "name": f"{first.title()} {last.title()}",
                                "email": email, "zip": zip_code, "address": address,
                                "payment_methods": payments, "order_ids": order_ids}
        store.email_index[email] = cid


def _status_for(rng: random.Random, placed: int) -> str:
    if placed <= 3:
        return rng.choice(["pending", "processing"])
    if placed <= 8:
        return rng.choice(["processing", "shipped", "shipped"])
    if placed <= 14:
        return rng.choice(["shipped", "delivered"])
    return "cancelled" if rng.random() < 0.08 else "delivered"


@lru_cache(maxsize=4)
def get_store(seed: int = 0, n_products: int = 12_000, n_customers: int = 1_000) -> Store:
    """The store of `seed`, built once per process (LRU of 4). Treat it as read-only:
    episodes keep their changes in their own `ShopSession`."""
    return build_store(seed, n_products, n_customers)


def build_store(seed: int = 0, n_products: int = 12_000, n_customers: int = 1_000) -> Store:
    """Build a store from scratch (use `get_store` to share built ones)."""
    if not 1 <= n_products <= 99_999:
        raise ValueError(f"n_products must be in 1..99999, got {n_products}")
    if not 1 <= n_customers <= 99_999:
        raise ValueError(f"n_customers must be in 1..99999, got {n_customers}")
    store = Store(seed=int(seed), n_products=int(n_products),
                  **_build_products(int(seed), int(n_products)))
    store.policy = _build_policy(int(seed))
    _build_customers(store, int(n_customers))
    return store
