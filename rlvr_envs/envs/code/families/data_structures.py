"""Data structures: bracket stacks, caches with eviction policies, priority queues, interval
merging, stacks and queues with aggregate queries, sliding windows. Parameters: the bracket
set and what to report, capacity and policy, order and tie-breaks, when intervals merge,
the query and the window length."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, Variant

SIZES = {1: 8, 2: 30, 3: 100}
OPS = {"ops": ["ops", "commands", "events"]}


# --- brackets -------------------------------------------------------------------------------

def brackets(s: str, *, pairs: str, report: str, base: int) -> bool | int:
    closing = dict(zip(pairs[1::2], pairs[::2]))
    stack: list[str] = []
    depth = 0
    for i, ch in enumerate(s):
        if ch in closing.values():
            stack.append(ch)
            depth = max(depth, len(stack))
        elif ch in closing:
            if not stack or stack.pop() != closing[ch]:
                return False if report == "balanced" else -1 if report == "depth" else i + base
    if report == "balanced":
        return not stack
    if report == "depth":
        return -1 if stack else depth
    return len(s) + base if stack else -1


BRACKET_SETS = {"()": "`(` `)`", "()[]": "`()` and `[]`", "()[]{}": "`()`, `[]` and `{}`",
                "()<>": "`()` and `<>`"}


def _brackets_text(spec: Spec) -> str:
    rules = (f"The bracket pairs are {BRACKET_SETS[spec.pairs]}; every other character of "
             f"`{spec.s}` (other brackets included) is ignored. Brackets are balanced when "
             "every closing bracket closes the most recent unclosed opening bracket of its "
             "kind and none stays open.")
    what = {"balanced": "True if they are balanced, else False",
            "depth": "the largest nesting depth (the most brackets open at once; 0 when there "
                     "are none) if they are balanced, else -1",
            "error": f"-1 if they are balanced; otherwise the {spec.base}-based index of the "
                     "first closing bracket that does not close the most recent unclosed "
                     "opening bracket (or comes when none is open), or, if there is no such "
                     f"bracket but some stay open, `len({spec.s})`"
                     f"{' + 1' if spec.base else ''}"}[spec.report]
    return f"{rules} Return {what}."


def _brackets_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    pairs = [spec.pairs[i:i + 2] for i in range(0, len(spec.pairs), 2)]
    if rng.random() < 0.5:   # often balanced, so every answer occurs
        s = ""
        for _ in range(rng.randint(0, SIZES[level] // 2)):
            o, c = rng.choice(pairs)
            s = rng.choice([o + s + c, s + o + c])
        if rng.random() < 0.5 and s:
            i = rng.randrange(len(s))
            s = s[:i] + rng.choice("([{<)]}>ab") + s[i:]
        return (s,)
    return ("".join(rng.choice(spec.pairs + "[]<>ab") for _ in range(rng.randint(0, SIZES[level]))),)


# --- caches ---------------------------------------------------------------------------------

def cache_run(ops: list[list], *, capacity: int, policy: str, report: str) -> list[int] | int:
    store: dict[int, int] = {}
    used: dict[int, int] = {}    # key -> time of last use (lru) or of insertion (fifo)
    hits: dict[int, int] = {}    # key -> number of uses (lfu)
    out, misses = [], 0
    for clock, op in enumerate(ops):
        key = op[1]
        if op[0] == "get":
            if key in store:
                out.append(store[key])
                hits[key] += 1
                if policy != "fifo":
                    used[key] = clock
            else:
                out.append(-1)
                misses += 1
            continue
        if key not in store and len(store) == capacity:
            if policy == "lfu":
                victim = min(store, key=lambda k: (hits[k], used[k]))
            else:
                victim = min(store, key=lambda k: used[k])
            del store[victim], used[victim], hits[victim]
        if key not in store:
            hits[key] = 0
            used[key] = clock
        elif policy != "fifo":
            hits[key] += 1
            used[key] = clock
        store[key] = op[2]
    return out if report == "gets" else misses


POLICIES = {"lru": "the least recently used key (a get or a put of a key uses it)",
            "fifo": "the key that was inserted earliest (gets and updates do not change that)",
            "lfu": "the least frequently used key (a get or an update of a present key counts "
                   "as a use; its insertion does not), the least recently used among ties"}


def _cache_text(spec: Spec) -> str:
    what = ("the results of the gets in order (-1 for a key that is absent)"
            if spec.report == "gets" else "the number of gets that found their key absent")
    return (f"Simulate a cache holding at most {spec.capacity} keys. Each op of `{spec.ops}` is "
            "`['put', key, value]` or `['get', key]`. A get returns the key's value if it is "
            "present. A put stores or updates the key; if the key is new and the cache is full, "
            f"it first evicts {POLICIES[spec.policy]}. Return {what}.")


def _cache_ops(rng: random.Random, level: int, spec: Spec) -> tuple:
    ops: list[list] = []
    for _ in range(rng.randint(1, SIZES[level])):
        key = rng.randint(0, spec.capacity + level + 1)
        ops.append(["get", key] if rng.random() < 0.5 else ["put", key, rng.randint(0, 99)])
    return (ops,)


def _cache_edges(spec: Spec) -> list[tuple]:
    c = spec.capacity
    fill = [["put", k, k] for k in range(c)]
    return [([["get", 5]],),
            (fill + [["get", 0], ["put", c, 9]] + [["get", k] for k in range(c + 1)],),
            (fill + [["put", 0, 7], ["get", 0], ["get", 0], ["put", c, 9], ["get", 0],
                     ["get", 1 % (c + 1)]],)]


# --- priority queues ------------------------------------------------------------------------

def priority_run(ops: list[list], *, highest: bool, tie: str, show_priority: bool,
                 empty: str) -> list[str]:
    waiting: list[tuple[int, int, str]] = []   # (priority, arrival, name)
    out = []
    for arrival, op in enumerate(ops):
        if op[0] == "add":
            waiting.append((op[2], arrival, op[1]))
            continue
        if not waiting:
            out.append(empty)
            continue
        best = max(p for p, _, _ in waiting) if highest else min(p for p, _, _ in waiting)
        tied = [w for w in waiting if w[0] == best]
        if tie == "earliest":
            chosen = min(tied, key=lambda w: w[1])
        elif tie == "latest":
            chosen = max(tied, key=lambda w: w[1])
        else:
            chosen = min(tied, key=lambda w: w[2])
        waiting.remove(chosen)
        out.append(f"{chosen[2]}:{chosen[0]}" if show_priority else chosen[2])
    return out


TIES = {"earliest": "the one added earliest", "latest": "the one added most recently",
        "name": "the one whose name comes first alphabetically"}


def _priority_text(spec: Spec) -> str:
    shown = "`NAME:PRIORITY`" if spec.show_priority else "its name"
    return (f"Run a priority queue. Each op of `{spec.ops}` is `['add', name, priority]` or "
            f"`['pop']`. A pop removes the entry with the {'highest' if spec.highest else 'lowest'}"
            f" priority (if several tie, {TIES[spec.tie]}) and records {shown}; a pop on an "
            f"empty queue records \"{spec.empty}\". Return the recorded strings in order.")


def _priority_ops(rng: random.Random, level: int, spec: Spec) -> tuple:
    names = ["ann", "bo", "cy", "di", "ed"]
    return ([["add", rng.choice(names), rng.randint(1, 2 + level)] if rng.random() < 0.6
             else ["pop"] for _ in range(rng.randint(1, SIZES[level]))],)


# --- intervals ------------------------------------------------------------------------------

def merge_intervals(intervals: list[list[int]], *, gap: int, report: str) -> list[list[int]] | int:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if report == "list":
        return merged
    if report == "count":
        return len(merged)
    return max((e - s for s, e in merged), default=0)


GAP_TEXT = {-1: "they overlap (share more than an endpoint: [1, 3] and [3, 5] stay apart)",
            0: "they overlap or touch ([1, 3] and [3, 5] merge; [1, 3] and [4, 5] do not)",
            1: "the next one starts at most 1 after the current one ends ([1, 3] and [4, 5] "
               "merge)",
            2: "the next one starts at most 2 after the current one ends ([1, 3] and [5, 6] "
               "merge)"}
INTERVAL_REPORT = {"list": "the merged intervals as `[start, end]` lists sorted by start",
                   "count": "the number of merged intervals",
                   "longest": "the largest `end - start` of a merged interval (0 for no "
                              "intervals)"}


def _interval_text(spec: Spec) -> str:
    return (f"`{spec.intervals}` is a list of `[start, end]` intervals (start <= end, in any "
            "order). Sort them by start and merge repeatedly: two intervals merge into one "
            f"(the smaller start, the larger end) when {GAP_TEXT[spec.gap]}. Return "
            f"{INTERVAL_REPORT[spec.report]}.")


def _intervals(rng: random.Random, level: int, spec: Spec) -> tuple:
    out = []
    for _ in range(rng.randint(0, SIZES[level] // 2 + 2)):
        start = rng.randint(0, 6 * level + 10)
        out.append([start, start + rng.randint(0, 4)])
    return (out,)


# --- stacks and queues with an aggregate query ----------------------------------------------

def aggregate_run(ops: list[list], *, queue: bool, query: str, empty: int) -> list[int]:
    items: list[int] = []
    out = []
    for op in ops:
        if op[0] == "push":
            items.append(op[1])
        elif op[0] == "pop":
            if items:
                items.pop(0 if queue else -1)
        elif not items:
            out.append(empty)
        elif query == "min":
            out.append(min(items))
        elif query == "max":
            out.append(max(items))
        else:
            out.append(items[0] if queue else items[-1])
    return out


def _aggregate_text(spec: Spec) -> str:
    kind = "queue (first in, first out)" if spec.queue else "stack (last in, first out)"
    what = {"min": "the smallest value held", "max": "the largest value held",
            "peek": "the value a pop would remove"}[spec.query]
    return (f"Simulate a {kind} of integers. Each op of `{spec.ops}` is `['push', x]`, "
            f"`['pop']` (does nothing when empty) or `['{spec.query}']`, which records {what}, "
            f"or {spec.empty} when empty. Return the recorded values in order.")


def _aggregate_ops(rng: random.Random, level: int, spec: Spec) -> tuple:
    ops: list[list] = []
    for _ in range(rng.randint(1, SIZES[level])):
        kind = rng.choice(["push", "push", "pop", spec.query])
        ops.append(["push", rng.randint(-50, 50)] if kind == "push" else [kind])
    return (ops,)


# --- sliding windows ------------------------------------------------------------------------

def window_stats(xs: list[int], *, k: int, stat: str) -> list[int]:
    out = []
    for i in range(len(xs) - k + 1):
        window = xs[i:i + k]
        if stat == "max":
            out.append(max(window))
        elif stat == "min":
            out.append(min(window))
        elif stat == "spread":
            out.append(max(window) - min(window))
        else:
            out.append(len(set(window)))
    return out


STATS = {"max": "its largest element", "min": "its smallest element",
         "spread": "its largest minus its smallest element",
         "distinct": "the number of distinct values in it"}


DATA_STRUCTURES = CodeFamily("data_structures", [
    Variant(brackets, lambda s: {"balanced": ["brackets_balanced", "is_balanced"],
                                 "depth": ["bracket_depth", "nesting_depth"],
                                 "error": ["first_bracket_error", "bracket_error_at"]}[s.report],
            _brackets_text, _brackets_args,
            lambda r, lv: {"pairs": r.choice(list(BRACKET_SETS)),
                           "report": r.choice(["balanced", "depth", "error"]),
                           "base": r.randint(0, 1)},
            lambda s: [("",), ("(]",), ("([)]",), ("((",), ("a)b(",), ("<[]>",), ("(()())",)],
            arg_names={"s": ["s", "text", "code"]},
            returns=lambda s: "bool" if s.report == "balanced" else "int"),
    Variant(cache_run, ["cache_run", "simulate_cache", "run_cache"], _cache_text, _cache_ops,
            lambda r, lv: {"capacity": r.randint(1, 5), "policy": r.choice(list(POLICIES)),
                           "report": r.choice(["gets", "misses"])},
            _cache_edges, arg_names=OPS,
            returns=lambda s: "list[int]" if s.report == "gets" else "int"),
    Variant(priority_run, ["priority_run", "serve_queue", "run_priority_queue"], _priority_text,
            _priority_ops,
            lambda r, lv: {"highest": r.random() < 0.5, "tie": r.choice(list(TIES)),
                           "show_priority": r.random() < 0.5, "empty": r.choice(["", "EMPTY"])},
            lambda s: [([["pop"]],), ([["add", "b", 1], ["add", "a", 1], ["add", "c", 1],
                                       ["pop"], ["pop"], ["pop"], ["pop"]],),
                       ([["add", "x", 1], ["add", "y", 3], ["pop"]],)],
            arg_names=OPS),
    Variant(merge_intervals, ["merge_intervals", "merge_ranges", "combine_spans"],
            _interval_text, _intervals,
            lambda r, lv: {"gap": r.randint(-1, 2), "report": r.choice(list(INTERVAL_REPORT))},
            lambda s: [([],), ([[1, 3], [3, 5]],), ([[1, 3], [4, 5]],), ([[5, 6], [1, 3]],),
                       ([[1, 10], [2, 3], [12, 12]],)],
            arg_names={"intervals": ["intervals", "spans", "ranges"]},
            returns=lambda s: "list[list[int]]" if s.report == "list" else "int"),
    Variant(aggregate_run, ["aggregate_run", "simulate", "run_ops"], _aggregate_text,
            _aggregate_ops,
            lambda r, lv: {"queue": r.random() < 0.5, "query": r.choice(["min", "max", "peek"]),
                           "empty": r.choice([-1, 0])},
            lambda s: [([[s.query]],),
                       ([["pop"], ["push", 3], ["push", 1], ["push", 2], ["pop"], [s.query]],),
                       ([["push", -4], ["push", 9], ["push", 0], ["pop"], [s.query], ["pop"],
                         [s.query]],)],
            arg_names=OPS, min_level=2),
    Variant(window_stats, ["window_stats", "sliding_window", "window_report"],
            lambda s: (f"For every window of {s.k} consecutive elements of `{s.xs}`, from left "
                       f"to right, record {STATS[s.stat]}. Return the list of records (empty if "
                       f"`{s.xs}` has fewer than {s.k} elements)."),
            lambda r, lv, s: ([r.randint(-5, 5 * lv) for _ in range(r.randint(0, SIZES[lv]))],),
            lambda r, lv: {"k": r.randint(2, 5), "stat": r.choice(list(STATS))},
            lambda s: [([],), ([1] * s.k,), (list(range(s.k + 2)),)],
            arg_names={"xs": ["xs", "nums", "values", "readings"]}, min_level=2),
])
