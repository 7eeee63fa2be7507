"""Data-structure manipulation: bracket matching with a stack, an LRU cache, a min-stack."""

from __future__ import annotations

import random

from ._common import CodeFamily, Variant

SIZES = {1: 8, 2: 30, 3: 100}


def brackets_balanced(s: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack


def lru_cache_run(capacity: int, ops: list[list]) -> list[int]:
    from collections import OrderedDict
    cache: OrderedDict = OrderedDict()
    out = []
    for op in ops:
        if op[0] == "get":
            if op[1] in cache:
                cache.move_to_end(op[1])
                out.append(cache[op[1]])
            else:
                out.append(-1)
        else:
            cache[op[1]] = op[2]
            cache.move_to_end(op[1])
            if len(cache) > capacity:
                cache.popitem(last=False)
    return out


def min_stack_run(ops: list[list]) -> list[int]:
    stack: list[tuple[int, int]] = []
    out = []
    for op in ops:
        if op[0] == "push":
            stack.append((op[1], min(op[1], stack[-1][1]) if stack else op[1]))
        elif op[0] == "pop":
            if stack:
                stack.pop()
        else:
            out.append(stack[-1][1] if stack else -1)
    return out


def _brackets(rng: random.Random, level: int) -> tuple[str]:
    chars = "()" if level == 1 else "()[]{}" + ("ab " if level == 3 else "")
    if rng.random() < 0.5:   # often balanced, so both answers occur
        s = ""
        for _ in range(rng.randint(0, SIZES[level] // 2)):
            o, c = rng.choice(["()", "[]", "{}"] if level > 1 else ["()"])
            s = rng.choice([o + s + c, s + o + c])
        return (s,)
    return ("".join(rng.choice(chars) for _ in range(rng.randint(0, SIZES[level]))),)


def _lru(rng: random.Random, level: int) -> tuple[int, list[list]]:
    ops: list[list] = []
    for _ in range(rng.randint(1, SIZES[level])):
        key = rng.randint(0, 2 + 2 * level)
        ops.append(["get", key] if rng.random() < 0.5 else ["put", key, rng.randint(0, 99)])
    return rng.randint(1, 1 + level), ops


def _min_stack(rng: random.Random, level: int) -> tuple[list[list]]:
    ops: list[list] = []
    for _ in range(rng.randint(1, SIZES[level])):
        kind = rng.choice(["push", "push", "pop", "min"])
        ops.append(["push", rng.randint(-50, 50)] if kind == "push" else [kind])
    return (ops,)


DATA_STRUCTURES = CodeFamily("data_structures", [
    Variant("brackets_balanced(s: str) -> bool",
            "Return True when the brackets `()[]{}` in `s` are balanced and properly nested "
            "(other characters are ignored), else False.", brackets_balanced, _brackets,
            edge_cases=[("",), ("(]",), ("([)]",), ("((",), ("a)b(",)]),
    Variant("lru_cache_run(capacity: int, ops: list[list]) -> list[int]",
            "Simulate an LRU cache of `capacity >= 1` entries. Each op is `['put', key, value]` "
            "or `['get', key]`. A get returns the value (or -1 if absent) and marks the key "
            "most recently used; a put inserts or updates the key, marks it most recently used "
            "and then evicts the least recently used key if over capacity. Return the results "
            "of the gets in order.", lru_cache_run, _lru,
            edge_cases=[(1, [["put", 1, 1], ["put", 2, 2], ["get", 1], ["get", 2]]),
                        (2, [["get", 5]]),
                        # a get refreshes a key: FIFO eviction fails these two
                        (2, [["put", 1, 1], ["put", 2, 2], ["get", 1], ["put", 3, 3],
                             ["get", 1], ["get", 2], ["get", 3]]),
                        (2, [["put", 1, 1], ["put", 2, 2], ["put", 1, 9], ["put", 3, 3],
                             ["get", 1], ["get", 2]])]),
    Variant("min_stack_run(ops: list[list]) -> list[int]",
            "Simulate a stack of integers. Each op is `['push', x]`, `['pop']` (does nothing on "
            "an empty stack) or `['min']`, which records the smallest value on the stack (-1 if "
            "empty). Return the recorded values in order.", min_stack_run, _min_stack,
            edge_cases=[([["min"]],), ([["pop"], ["push", 3], ["push", 3], ["pop"], ["min"]],)],
            min_level=2),
])
