"""Solutions written from a procedural task's statement alone, the way a programmer would
(the standard library's csv and datetime, a textbook LRU/FIFO/LFU cache), pass the task:
the statement, not the reference's code, is what the hidden tests check."""

from __future__ import annotations

import random
from collections.abc import Iterator

from rlvr_envs.envs.code.diversity import passes
from rlvr_envs.envs.code.families import make_code_source

DATE_FORMATS = {"iso": "%Y-%m-%d", "dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y", "dots": "%d.%m.%Y",
                "long": "%B %d, %Y"}


def tasks_of(family: str, variant: str, n: int, seed: int = 0) -> Iterator[dict]:
    source, rng, found = make_code_source(seed=seed), random.Random(seed), 0
    while found < n:
        task = source.build(family, rng.randint(1, 3), rng.randrange(2**31))
        if task["variant"] == variant:
            found += 1
            yield task


def test_csv_module_solves_the_quoted_fields_tasks() -> None:
    for task in tasks_of("parsing", "split_fields", 40):
        p = task["params"]
        code = (f"import csv\ndef {task['entry_point']}(s):\n"
                "    if s == '':\n        return ['']   # the statement: one empty field\n"
                f"    row = next(csv.reader([s], delimiter={p['sep']!r}, "
                f"quotechar={p['quote']!r}))\n"
                f"    return {'[f.strip() for f in row]' if p['strip'] else 'row'}\n")
        assert passes(code, task), (task["id"], task["prompt"])


def test_datetime_solves_the_date_tasks() -> None:
    for task in tasks_of("parsing", "reformat_date_layout", 40):
        p = task["params"]
        out = ("d.strftime('%B') + f' {d.day}, {d.year}'" if p["dst"] == "long"
               else f"d.strftime({DATE_FORMATS[p['dst']]!r})")
        code = (f"from datetime import datetime\ndef {task['entry_point']}(s):\n"
                f"    d = datetime.strptime(s, {DATE_FORMATS[p['src']]!r})\n"
                f"    return {out}\n")
        assert passes(code, task), (task["id"], task["prompt"])


CACHES = {
    "lru": """
    from collections import OrderedDict
    store, out, misses = OrderedDict(), [], 0
    for op in ops:
        if op[0] == 'get':
            if op[1] in store:
                store.move_to_end(op[1])
                out.append(store[op[1]])
            else:
                out.append(-1)
                misses += 1
        else:
            if op[1] in store:
                store.move_to_end(op[1])
            elif len(store) >= CAP:
                store.popitem(last=False)
            store[op[1]] = op[2]
""",
    "fifo": """
    from collections import deque
    store, order, out, misses = {}, deque(), [], 0
    for op in ops:
        if op[0] == 'get':
            out.append(store.get(op[1], -1))
            misses += op[1] not in store
        else:
            if op[1] not in store:
                if len(store) >= CAP:
                    del store[order.popleft()]
                order.append(op[1])
            store[op[1]] = op[2]
""",
    # the LeetCode 460 bookkeeping: an insertion counts as one use
    "lfu": """
    freq, last, store, out, misses = {}, {}, {}, [], 0
    for tick, op in enumerate(ops):
        key = op[1]
        if op[0] == 'get':
            if key in store:
                freq[key] += 1
                last[key] = tick
                out.append(store[key])
            else:
                out.append(-1)
                misses += 1
        elif key in store:
            store[key], freq[key], last[key] = op[2], freq[key] + 1, tick
        else:
            if len(store) >= CAP:
                del store[min(store, key=lambda k: (freq[k], last[k]))]
            store[key], freq[key], last[key] = op[2], 1, tick
""",
}


def test_textbook_caches_solve_the_cache_tasks() -> None:
    seen = set()
    for task in tasks_of("data_structures", "cache_run", 60):
        p = task["params"]
        seen.add(p["policy"])
        code = (f"def {task['entry_point']}(ops):\n    CAP = {p['capacity']}"
                + CACHES[p["policy"]]
                + f"    return {'out' if p['report'] == 'gets' else 'misses'}\n")
        assert passes(code, task), (task["id"], p)
    assert seen == set(CACHES)
