"""List algorithms: window extremes, best segment, rearrangements, sorted merges, runs,
pair counting, stable partitions. Parameters: window length, largest or smallest, what to
report (value or index, 0- or 1-based, first or last on ties), costs, directions, orders."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, Variant

SIZES = {1: 8, 2: 15, 3: 40}
LISTS = {"xs": ["xs", "nums", "values", "arr", "data"]}
ORDINAL = {0: "0-based", 1: "1-based"}


def _ints(rng: random.Random, level: int, lo: int = 0, spread: int | None = None) -> list[int]:
    spread = spread or 4 * level
    return [rng.randint(-spread, spread) for _ in range(rng.randint(lo, SIZES[level]))]


def _where(spec: Spec, what: str) -> str:
    side = "leftmost" if not spec.last else "rightmost"
    return (f"the {ORDINAL[spec.base]} index where {what} starts; if several tie, the "
            f"{side} one")


# --- the best window of K consecutive elements -------------------------------------------

def window_extreme(xs: list[int], *, k: int, largest: bool, report: str, base: int,
                   last: bool) -> int:
    sums = [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]
    best = max(sums) if largest else min(sums)
    if report == "sum":
        return best
    starts = [i for i, s in enumerate(sums) if s == best]
    return (starts[-1] if last else starts[0]) + base


def _window_params(rng: random.Random, level: int) -> dict:
    report = rng.choice(["sum", "index"])
    return {"k": rng.randint(2, 3 + level), "largest": rng.random() < 0.5, "report": report,
            "base": rng.randint(0, 1) if report == "index" else 0,
            "last": rng.random() < 0.5 if report == "index" else False}


def _window_names(spec: Spec) -> list[str]:
    if spec.report == "index":
        return ["best_window_start", "find_window", "locate_block", "window_position"]
    word = "max" if spec.largest else "min"
    return [f"{word}_window_sum", f"{word}_block_total", f"{word}_run_of_{spec.k}"]


def _window_text(spec: Spec) -> str:
    best = "largest" if spec.largest else "smallest"
    what = (f"the {best} such sum" if spec.report == "sum"
            else _where(spec, f"a window with the {best} sum"))
    return (f"`{spec.xs}` holds at least {spec.k} integers. Among all windows of exactly "
            f"{spec.k} consecutive elements, consider the sum of each window. Return {what}.")


def _window_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    return ([rng.randint(-3 * level, 3 * level)
             for _ in range(rng.randint(spec.k, spec.k + SIZES[level]))],)


# --- the best segment, a cost per element --------------------------------------------------

def best_segment(xs: list[int], *, cost: int, allow_empty: bool, largest: bool) -> int:
    best = 0 if allow_empty else None
    run = None
    for x in xs:
        score = x - cost
        if run is None:
            run = score
        elif largest:
            run = max(score, run + score)
        else:
            run = min(score, run + score)
        if best is None:
            best = run
        best = max(best, run) if largest else min(best, run)
    return best


def _segment_params(rng: random.Random, level: int) -> dict:
    return {"cost": rng.randint(-2, 3), "allow_empty": rng.random() < 0.5,
            "largest": rng.random() < 0.5}


def _segment_text(spec: Spec) -> str:
    score = "the sum of its elements"
    if spec.cost:
        score += (f" {'minus' if spec.cost > 0 else 'plus'} {abs(spec.cost)} for each element "
                  "it contains")
    empty = ("The empty segment is allowed and scores 0." if spec.allow_empty else
             "Segments must be non-empty.")
    return (f"`{spec.xs}` is a non-empty list of integers. A segment is a run of consecutive "
            f"elements; its score is {score}. {empty} Return the "
            f"{'largest' if spec.largest else 'smallest'} score of a segment.")


def _segment_edges(spec: Spec) -> list[tuple]:
    sign = 1 if spec.largest else -1
    return [([-sign * (spec.cost + 2), -sign * (spec.cost + 1)],), ([spec.cost],),
            ([5, -9, 6, 1],)]


# --- rearrangements: rotations and reversed blocks -----------------------------------------

def rearrange(xs: list[int], *, k: int, mode: str) -> list[int]:
    if not xs:
        return []
    if mode == "left":
        s = k % len(xs)
        return xs[s:] + xs[:s]
    if mode == "right":
        s = k % len(xs)
        return xs[len(xs) - s:] + xs[:len(xs) - s]
    out = []
    for i in range(0, len(xs), k):
        block = xs[i:i + k]
        out += block[::-1] if mode == "blocks_all" or len(block) == k else block
    return out


def _rearrange_text(spec: Spec) -> str:
    if spec.mode in ("left", "right"):
        return (f"Return a new list: `{spec.xs}` rotated {spec.mode} by {spec.k} places "
                f"(an element moved past the {'start' if spec.mode == 'left' else 'end'} "
                "wraps around to the other end; the list may be shorter than "
                f"{spec.k}, or empty). Do not modify `{spec.xs}`.")
    tail = ("a last, shorter block is reversed too" if spec.mode == "blocks_all" else
            "a last block shorter than that is left as it is")
    return (f"Cut `{spec.xs}` into blocks of {spec.k} consecutive elements from the start "
            f"and reverse the order of the elements inside each block; {tail}. Return the "
            f"new list (`{spec.xs}` may be empty) and do not modify `{spec.xs}`.")


def _rearrange_names(spec: Spec) -> list[str]:
    if spec.mode in ("left", "right"):
        return [f"rotate_{spec.mode}", f"shift_{spec.mode}", f"rotated_{spec.mode}"]
    return ["reverse_blocks", "flip_chunks", "reverse_in_groups"]


def _rearrange_edges(spec: Spec) -> list[tuple]:
    return [([],), ([7],), (list(range(spec.k + 1)),), (list(range(2 * spec.k + 2)),)]


# --- merging sorted lists with set semantics -----------------------------------------------

def combine_sorted(a: list[int], b: list[int], *, descending_in: bool, order: str,
                   mode: str) -> list[int]:
    if mode == "all":
        merged = a + b
    elif mode == "union":
        merged = list(set(a) | set(b))
    elif mode == "common":
        merged = list(set(a) & set(b))
    elif mode == "common_counted":
        merged = [v for v in set(a) & set(b) for _ in range(min(a.count(v), b.count(v)))]
    elif mode == "exclusive":
        merged = list(set(a) ^ set(b))
    else:
        merged = list(set(a) - set(b))
    if order == "abs":
        return sorted(merged, key=lambda v: (abs(v), v))
    return sorted(merged, reverse=order == "desc")


MERGE_WHAT = {"all": "every element of both lists (duplicates kept)",
              "union": "each value that occurs in either list, once",
              "common": "each value that occurs in both lists, once",
              "common_counted": "each value that occurs in both lists, as many times as it "
                                "occurs in the list where it occurs fewer times",
              "only_first": "each value of the first list that does not occur in the second, "
                            "once",
              "exclusive": "each value that occurs in exactly one of the two lists, once"}


def _merge_text(spec: Spec) -> str:
    order = {False: "non-decreasing", True: "non-increasing"}
    return (f"`{spec.a}` and `{spec.b}` are each sorted in {order[spec.descending_in]} order "
            f"and may hold repeated values. Return a list of {MERGE_WHAT[spec.mode]}, sorted "
            + ("by absolute value (of two values with the same absolute value, the negative "
               "one first)." if spec.order == "abs" else
               f"in {order[spec.order == 'desc']} order."))


def _merge_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    def one() -> list[int]:
        return sorted((rng.randint(-3 - level, 3 + level)
                       for _ in range(rng.randint(0, SIZES[level]))), reverse=spec.descending_in)
    return one(), one()


def _merge_edges(spec: Spec) -> list[tuple]:
    d = spec.descending_in
    return [([], []), (sorted([1, 1, 2], reverse=d), [])]


# --- the longest run of a relation ---------------------------------------------------------

def longest_run(xs: list[int], *, rel: str, step: int, report: str, base: int,
                last: bool) -> int:
    def follows(p: int, x: int) -> bool:
        if rel == "<":
            return p < x
        if rel == "<=":
            return p <= x
        if rel == ">":
            return p > x
        if rel == ">=":
            return p >= x
        if rel == "==":
            return p == x
        return x - p == step

    best_len, best_start, start = 1, 0, 0
    for i in range(1, len(xs) + 1):
        if i == len(xs) or not follows(xs[i - 1], xs[i]):
            size = i - start
            if size > best_len or (last and size == best_len):
                best_len, best_start = size, start
            start = i
    return best_len if report == "length" else best_start + base


RUN_TEXT = {"<": "is strictly greater than the one before it",
            "<=": "is greater than or equal to the one before it",
            ">": "is strictly smaller than the one before it",
            ">=": "is smaller than or equal to the one before it",
            "==": "equals the one before it"}


def _run_params(rng: random.Random, level: int) -> dict:
    rel = rng.choice(["<", "<=", ">", ">=", "==", "step"])
    report = rng.choice(["length", "start"])
    return {"rel": rel, "step": rng.choice([-2, -1, 1, 2, 3]) if rel == "step" else 0,
            "report": report, "base": rng.randint(0, 1) if report == "start" else 0,
            "last": rng.random() < 0.5 if report == "start" else False}


def _run_text(spec: Spec) -> str:
    rule = RUN_TEXT.get(spec.rel) or f"equals the one before it plus {spec.step}"
    if spec.step < 0:
        rule = f"equals the one before it minus {-spec.step}"
    what = ("the length of the longest such run" if spec.report == "length"
            else _where(spec, "a longest such run"))
    return (f"`{spec.xs}` is a non-empty list of integers. A run is a stretch of consecutive "
            f"elements in which every element after the first {rule} (a single element is "
            f"a run). Return {what}.")


def _run_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    xs = [rng.randint(-2 * level, 2 * level)]
    for _ in range(rng.randint(0, SIZES[level])):
        xs.append(xs[-1] + spec.step if spec.rel == "step" and rng.random() < 0.6
                  else rng.randint(-2 * level, 2 * level))
    return (xs,)


# --- counting pairs ------------------------------------------------------------------------

def count_pairs(xs: list[int], *, op: str, k: int, r: int) -> int:
    count = 0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            if op == "+":
                value = xs[i] + xs[j]
            elif op == "*":
                value = xs[i] * xs[j]
            else:
                value = abs(xs[i] - xs[j])
            count += value % k == r
    return count


PAIR_TEXT = {"+": "sum", "*": "product", "-": "absolute difference"}

# --- stable partition ----------------------------------------------------------------------


def partition_by(xs: list[int], *, pred: str, k: int, front: bool) -> list[int]:
    def chosen(x: int) -> bool:
        if pred == "even":
            return x % 2 == 0
        if pred == "negative":
            return x < 0
        if pred == "multiple":
            return x % k == 0
        if pred == "far":
            return abs(x) > k
        return x > k

    picked = [x for x in xs if chosen(x)]
    others = [x for x in xs if not chosen(x)]
    return picked + others if front else others + picked


PRED_TEXT = {"even": "even", "negative": "negative", "multiple": "multiples of {k}",
             "above": "greater than {k}", "far": "greater than {k} in absolute value"}


def _partition_params(rng: random.Random, level: int) -> dict:
    pred = rng.choice(["even", "negative", "multiple", "multiple", "above", "above", "far"])
    k = {"multiple": rng.randint(3, 7), "above": rng.choice([-3, 0, 3, 6]),
         "far": rng.choice([2, 5])}.get(pred, 0)
    return {"pred": pred, "k": k, "front": rng.random() < 0.5}


def _partition_text(spec: Spec) -> str:
    kind = PRED_TEXT[spec.pred].format(k=spec.k)
    return (f"Return a new list with the same elements as `{spec.xs}`: the elements that are "
            f"{kind} at the {'front' if spec.front else 'back'}, all others at the other "
            f"end, each group in its original order. Do not modify `{spec.xs}`.")


ARRAYS = CodeFamily("arrays", [
    Variant(window_extreme, _window_names, _window_text, _window_args, _window_params,
            lambda s: [([2] * (s.k + 2),), (list(range(s.k)),)], arg_names=LISTS),
    Variant(best_segment, lambda s: ["best_segment_score", "segment_score", "best_stretch"],
            _segment_text, lambda r, lv, s: (_ints(r, lv, 1),), _segment_params,
            _segment_edges, arg_names=LISTS),
    Variant(rearrange, _rearrange_names, _rearrange_text, lambda r, lv, s: (_ints(r, lv),),
            lambda r, lv: {"k": r.randint(2, 7),
                           "mode": r.choice(["left", "right", "blocks_all", "blocks_full"])},
            _rearrange_edges, arg_names=LISTS),
    Variant(combine_sorted, ["merge_sorted", "combine_sorted", "merge_lists", "join_sorted"],
            _merge_text, _merge_args,
            lambda r, lv: {"descending_in": r.random() < 0.5,
                           "order": r.choice(["asc", "desc", "abs"]),
                           "mode": r.choice(list(MERGE_WHAT))},
            _merge_edges, arg_names={("a", "b"): [("a", "b"), ("left", "right"), ("first", "second")]}),
    Variant(partition_by, ["stable_partition", "partition_by", "group_first", "split_keep_order"],
            _partition_text, lambda r, lv, s: (_ints(r, lv, spread=5 * lv + 4),),
            _partition_params, lambda s: [([],), ([s.k, s.k + 1, -s.k, 0],)], arg_names=LISTS),
    Variant(longest_run, lambda s: ["longest_run", "best_streak", "longest_stretch"] if
            s.report == "length" else ["longest_run_start", "streak_start", "find_longest_run"],
            _run_text, _run_args, _run_params,
            lambda s: [([4],), ([1, 1, 2, 2, 3, 3],), ([3, 2, 1, 1, 2, 3],)], arg_names=LISTS,
            min_level=2),
    Variant(count_pairs, ["count_pairs", "pair_count", "count_good_pairs"],
            lambda s: (f"`{s.xs}` is a list of non-negative integers. Return the number of "
                       f"index pairs `i < j` such that the {PAIR_TEXT[s.op]} of `{s.xs}[i]` "
                       f"and `{s.xs}[j]` " + (f"is divisible by {s.k} (0 is)." if s.r == 0 else
                                              f"leaves remainder {s.r} when divided by "
                                              f"{s.k}.")),
            lambda r, lv, s: ([r.randint(0, 6 * lv) for _ in range(r.randint(0, SIZES[lv]))],),
            lambda r, lv: {"op": r.choice(list(PAIR_TEXT)), "k": r.randint(2, 7),
                           "r": r.randint(0, 1)},
            lambda s: [([],), ([0, 0],), ([1, s.k - 1, s.k + 1],)], arg_names=LISTS,
            min_level=2),
])
