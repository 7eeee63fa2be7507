"""List and array algorithms: maximum subarray, rotation, merging, longest increasing run."""

from __future__ import annotations

import random

from ._common import CodeFamily, Variant

SIZES = {1: 6, 2: 15, 3: 40}


def max_subarray_sum(xs: list[int]) -> int:
    best = cur = xs[0]
    for x in xs[1:]:
        cur = max(x, cur + x)
        best = max(best, cur)
    return best


def rotate_right(xs: list[int], k: int) -> list[int]:
    if not xs:
        return []
    k %= len(xs)
    return xs[len(xs) - k:] + xs[:len(xs) - k]


def merge_sorted(a: list[int], b: list[int]) -> list[int]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    return out + a[i:] + b[j:]


def longest_increasing_run(xs: list[int]) -> int:
    best = cur = 1 if xs else 0
    for prev, x in zip(xs, xs[1:]):
        cur = cur + 1 if x > prev else 1
        best = max(best, cur)
    return best


def _ints(rng: random.Random, level: int, lo: int = 0) -> list[int]:
    return [rng.randint(-10 * level, 10 * level) for _ in range(rng.randint(lo, SIZES[level]))]


ARRAYS = CodeFamily("arrays", [
    Variant("max_subarray_sum(xs: list[int]) -> int",
            "Return the largest sum of a non-empty contiguous subarray of the non-empty list "
            "`xs`.", max_subarray_sum, lambda r, lv: (_ints(r, lv, 1),),
            edge_cases=[([-5],), ([-3, -1, -2],), ([0, 0],), ([5, -10, 6],)]),
    Variant("rotate_right(xs: list[int], k: int) -> list[int]",
            "Return a new list: `xs` rotated right by `k` places (`k >= 0`, possibly larger "
            "than the length). Do not modify `xs`.", rotate_right,
            lambda r, lv: (_ints(r, lv), r.randint(0, 3 * SIZES[lv])),
            edge_cases=[([], 3), ([1], 5), ([1, 2, 3], 3), ([1, 2, 3], 0)]),
    Variant("merge_sorted(a: list[int], b: list[int]) -> list[int]",
            "Merge two lists sorted in non-decreasing order into one sorted list (keep "
            "duplicates).", merge_sorted,
            lambda r, lv: (sorted(_ints(r, lv)), sorted(_ints(r, lv))),
            edge_cases=[([], []), ([1, 1], []), ([], [0]), ([2, 2], [2])], min_level=1),
    Variant("longest_increasing_run(xs: list[int]) -> int",
            "Return the length of the longest contiguous strictly increasing run in `xs` "
            "(0 for an empty list).", longest_increasing_run, lambda r, lv: (_ints(r, lv),),
            edge_cases=[([],), ([7],), ([1, 1, 1],), ([3, 2, 1],)], min_level=2),
])
