"""Dynamic programming: weighted edit distance, coin systems, knapsacks, spaced picks, longest
monotone subsequences. Parameters: the cost of each edit and whether swaps are allowed, the
coins and what to count, the capacity and whether items repeat or must fill it exactly, the
spacing rule, the order relation and what to report."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, Variant

SIZES = {1: 6, 2: 14, 3: 40}
LISTS = {"xs": ["xs", "nums", "values", "prices"]}


# --- weighted edit distance -----------------------------------------------------------------

def edit_distance(a: str, b: str, *, ins: int, dele: int, sub: int, swap: bool) -> int:
    dist = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        for j in range(len(b) + 1):
            if i == 0 or j == 0:
                dist[i][j] = i * dele + j * ins
                continue
            best = min(dist[i - 1][j] + dele, dist[i][j - 1] + ins)
            if a[i - 1] == b[j - 1]:
                best = min(best, dist[i - 1][j - 1])
            elif sub:
                best = min(best, dist[i - 1][j - 1] + sub)
            if swap and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, dist[i - 2][j - 2] + 1)
            dist[i][j] = best
    return dist[len(a)][len(b)]


def _edit_text(spec: Spec) -> str:
    ops = [f"inserting one character costs {spec.ins}", f"deleting one costs {spec.dele}"]
    ops.append(f"replacing one by another costs {spec.sub}" if spec.sub else
               "replacing is not allowed")
    if spec.swap:
        ops.append("swapping two adjacent characters costs 1 (a swapped pair is not edited "
                   "again)")
    return (f"Return the minimum total cost to turn `{spec.a}` into `{spec.b}`, where "
            f"{', '.join(ops[:-1])} and {ops[-1]}.")


def _edit_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    def word() -> str:
        return "".join(rng.choice("abcd"[: level + 1]) for _ in range(rng.randint(0, SIZES[level])))
    a = word()
    if rng.random() < 0.5 and len(a) > 1:   # a near copy: swaps and single edits matter
        chars = list(a)
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
        return a, "".join(chars) + rng.choice(["", "a", "b"])
    return a, word()


# --- coin systems ---------------------------------------------------------------------------

def coin_problem(amount: int, *, coins: tuple, mode: str) -> int:
    if mode == "ways":
        ways = [1] + [0] * amount
        for coin in coins:
            for total in range(coin, amount + 1):
                ways[total] += ways[total - coin]
        return ways[amount]
    if mode == "sequences":
        seqs = [1] + [0] * amount
        for total in range(1, amount + 1):
            seqs[total] = sum(seqs[total - c] for c in coins if c <= total)
        return seqs[amount]
    best: list[int | None] = [0] + [None] * amount
    for total in range(1, amount + 1):
        options = [best[total - c] for c in coins if c <= total and best[total - c] is not None]
        if options:
            best[total] = min(options) + 1 if mode == "fewest" else max(options) + 1
    return -1 if best[amount] is None else best[amount]


COIN_TEXT = {"ways": "the number of different ways to pay exactly `{n}` (only how many coins of "
                     "each value count, not their order; 1 way for 0)",
             "sequences": "the number of ordered sequences of coins whose values add up to "
                          "exactly `{n}` (1+2 and 2+1 are different; 1 for 0)",
             "fewest": "the fewest coins that pay exactly `{n}`, or -1 if it cannot be paid",
             "most": "the most coins that pay exactly `{n}`, or -1 if it cannot be paid"}


def _coin_params(rng: random.Random, level: int) -> dict:
    mode = rng.choice(list(COIN_TEXT))
    low = 2 if mode == "most" else 1   # with a 1-coin the most coins is the amount itself
    return {"coins": tuple(sorted(rng.sample(range(low, 10), rng.randint(2, 3)))), "mode": mode}


def _coin_text(spec: Spec) -> str:
    values = ", ".join(map(str, spec.coins[:-1])) + f" and {spec.coins[-1]}"
    return (f"A country has coins of values {values} (as many of each as needed). For an "
            f"integer `{spec.amount} >= 0`, return {COIN_TEXT[spec.mode].format(n=spec.amount)}.")


# --- knapsacks ------------------------------------------------------------------------------

def knapsack(items: list[list[int]], *, capacity: int, exact: bool, repeat: bool) -> int:
    none = -1
    best = [0] + [none if exact else 0] * capacity
    for weight, value in items:
        order = range(weight, capacity + 1) if repeat else range(capacity, weight - 1, -1)
        for c in order:
            if best[c - weight] != none:
                best[c] = max(best[c], best[c - weight] + value)
    return best[capacity]


def _knapsack_text(spec: Spec) -> str:
    use = ("each item may be taken any number of times" if spec.repeat else
           "each item may be taken at most once")
    fill = (f"whose weights add up to exactly {spec.capacity}; return -1 if no choice does"
            if spec.exact else f"whose weights add up to at most {spec.capacity}")
    return (f"`{spec.items}` is a list of `[weight, value]` pairs (positive integers). A bag "
            f"holds weight {spec.capacity}. Return the largest total value of a choice of "
            f"items ({use}) {fill}.")


def _items(rng: random.Random, level: int, spec: Spec) -> tuple:
    return ([[rng.randint(1, max(2, spec.capacity // 2)), rng.randint(1, 20)]
             for _ in range(rng.randint(0, SIZES[level]))],)


# --- spaced picks ---------------------------------------------------------------------------

def spaced_pick(xs: list[int], *, gap: int, circular: bool, allow_empty: bool) -> int:
    n = len(xs)

    def best_between(lo: int, hi: int) -> int:   # picks in xs[lo..hi], maybe none
        best = [0] * (max(0, hi - lo + 1) + 1)
        for k in range(1, len(best)):
            best[k] = max(best[k - 1], xs[lo + k - 1] + best[max(0, k - gap)])
        return best[-1]

    options = [0] if allow_empty else []
    for first in range(n):   # the first chosen position; around a circle the last one must
        last = first + n - gap if circular else n - 1   # stay gap positions before it
        options.append(xs[first] + best_between(first + gap, min(n - 1, last)))
    return max(options)


def _spaced_text(spec: Spec) -> str:
    where = ("around a circle (the last element is next to the first)" if spec.circular
             else "in a row")
    empty = ("Choosing nothing is allowed (sum 0)." if spec.allow_empty else
             "At least one element must be chosen.")
    return (f"The integers of the non-empty list `{spec.xs}` stand {where}. Choose some of "
            f"them so that any two chosen positions are at least {spec.gap} apart "
            f"({'neighbours' if spec.gap == 2 else 'positions closer than that'} cannot both "
            f"be chosen). {empty} Return the largest possible sum of the chosen elements.")


# --- longest monotone subsequences ----------------------------------------------------------

def longest_chain(xs: list[int], *, rel: str, max_step: int, report: str) -> int:
    def ok(p: int, x: int) -> bool:
        if max_step and abs(x - p) > max_step:
            return False
        if rel == "<":
            return p < x
        if rel == "<=":
            return p <= x
        if rel == ">":
            return p > x
        return p >= x

    length = [1] * len(xs)
    count = [1] * len(xs)
    for i in range(len(xs)):
        for j in range(i):
            if ok(xs[j], xs[i]):
                if length[j] + 1 > length[i]:
                    length[i], count[i] = length[j] + 1, count[j]
                elif length[j] + 1 == length[i]:
                    count[i] += count[j]
    best = max(length, default=0)
    if report == "length":
        return best
    return sum(c for c, k in zip(count, length) if k == best) if xs else 0


CHAIN_TEXT = {"<": "strictly increasing", "<=": "non-decreasing", ">": "strictly decreasing",
              ">=": "non-increasing"}


def _chain_text(spec: Spec) -> str:
    step = (f" in which consecutive chosen elements differ by at most {spec.max_step}"
            if spec.max_step else "")
    what = ("the length of the longest such subsequence (0 for an empty list)"
            if spec.report == "length" else
            "how many such subsequences have the maximum length (subsequences are told "
            "apart by the positions they use; 0 for an empty list)")
    return (f"A subsequence of `{spec.xs}` keeps some elements in their order (not "
            f"necessarily adjacent). Consider the {CHAIN_TEXT[spec.rel]} subsequences{step}. "
            f"Return {what}.")


DYNAMIC_PROGRAMMING = CodeFamily("dynamic_programming", [
    Variant(edit_distance, ["edit_distance", "edit_cost", "transform_cost"], _edit_text,
            _edit_args,
            lambda r, lv: {"ins": r.randint(1, 3), "dele": r.randint(1, 3),
                           "sub": r.choice([0, 1, 2, 3]), "swap": r.random() < 0.5},
            lambda s: [("", ""), ("", "abc"), ("ab", ""), ("kitten", "sitting"), ("ab", "ba"),
                       ("abcd", "acbd")],
            arg_names={("a", "b"): [("a", "b"), ("source", "target"), ("s", "t")]}),
    Variant(coin_problem, lambda s: {"ways": ["count_ways", "change_ways"],
                                     "sequences": ["count_sequences", "ordered_ways"],
                                     "fewest": ["fewest_coins", "min_coins"],
                                     "most": ["most_coins", "max_coins"]}[s.mode],
            _coin_text, lambda r, lv, s: (r.randint(0, 25 * lv * lv),), _coin_params,
            lambda s: [(0,), (1,), (s.coins[-1] - 1,), (s.coins[0] + s.coins[-1],)],
            arg_names={"amount": ["amount", "n", "value", "target"]}),
    Variant(knapsack, ["knapsack", "best_load", "pack_value"], _knapsack_text, _items,
            lambda r, lv: {"capacity": r.randint(5, 10 * lv + 10), "exact": r.random() < 0.5,
                           "repeat": r.random() < 0.5},
            lambda s: [([],), ([[s.capacity + 1, 50]],), ([[1, 1], [s.capacity, 3]],),
                       ([[2, 3], [3, 4]],)],
            arg_names={"items": ["items", "goods", "things"]}),
    Variant(spaced_pick, ["spaced_pick", "best_spaced_sum", "pick_apart"], _spaced_text,
            lambda r, lv, s: ([r.randint(-5, 20) for _ in range(r.randint(1, SIZES[lv]))],),
            lambda r, lv: {"gap": r.randint(2, 4), "circular": r.random() < 0.5,
                           "allow_empty": r.random() < 0.5},
            lambda s: [([-3],), ([-1, -2, -3],), ([5, 1, 1, 5],), ([4, 1, 1, 1, 4, 9],)],
            arg_names=LISTS),
    Variant(longest_chain, lambda s: ["longest_chain", "longest_subsequence", "lis_length"]
            if s.report == "length" else ["count_longest", "count_best_chains"],
            _chain_text,
            lambda r, lv, s: ([r.randint(-10, 10) for _ in range(r.randint(0, SIZES[lv] * 2))],),
            lambda r, lv: {"rel": r.choice(list(CHAIN_TEXT)), "max_step": r.choice([0, 0, 3, 5]),
                           "report": r.choice(["length", "count"])},
            lambda s: [([],), ([2, 2, 2],), ([5, 1, 6, 2, 7, 3, 8],), ([1, 9, 2, 8, 3, 7],)],
            arg_names=LISTS, min_level=2),
])
