"""Dynamic programming: edit distance, coin change counting, longest increasing subsequence."""

from __future__ import annotations

import random

from ._common import CodeFamily, Variant

SIZES = {1: 6, 2: 14, 3: 40}


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def count_change(amount: int, coins: list[int]) -> int:
    ways = [1] + [0] * amount
    for coin in coins:
        for total in range(coin, amount + 1):
            ways[total] += ways[total - coin]
    return ways[amount]


def lis_length(xs: list[int]) -> int:
    import bisect
    tails: list[int] = []
    for x in xs:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def _word(rng: random.Random, level: int) -> str:
    return "".join(rng.choice("abcd"[: level + 1]) for _ in range(rng.randint(0, SIZES[level])))


def _coins(rng: random.Random, level: int) -> tuple[int, list[int]]:
    coins = sorted(rng.sample(range(1, 6 * level + 2), rng.randint(1, level + 2)))
    return rng.randint(0, 25 * level * level), coins


DYNAMIC_PROGRAMMING = CodeFamily("dynamic_programming", [
    Variant("edit_distance(a: str, b: str) -> int",
            "Return the minimum number of single-character insertions, deletions and "
            "substitutions that turn `a` into `b`.", edit_distance,
            lambda r, lv: (_word(r, lv), _word(r, lv)),
            edge_cases=[("", ""), ("", "abc"), ("kitten", "sitting"), ("ab", "ba")]),
    Variant("count_change(amount: int, coins: list[int]) -> int",
            "Return the number of ways to make `amount >= 0` from unlimited coins of the "
            "distinct positive values in `coins` (order of coins does not matter; 1 way for "
            "amount 0).", count_change, _coins,
            edge_cases=[(0, [1, 2]), (3, [2]), (10, [1, 5, 10]), (7, [7])]),
    Variant("lis_length(xs: list[int]) -> int",
            "Return the length of the longest strictly increasing subsequence of `xs` (not "
            "necessarily contiguous).", lis_length,
            lambda r, lv: ([r.randint(-20, 20) for _ in range(r.randint(0, SIZES[lv] * 2))],),
            edge_cases=[([],), ([2, 2, 2],), ([5, 1, 6, 2, 7, 3, 8],)], min_level=2),
])
