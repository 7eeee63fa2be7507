"""How much a memorised design is worth on other tasks: the measures behind
`benchmarks/verilog_diversity.py` and `tests/test_verilog_diversity.py`.

* `top_share`: the share of the most frequent oracle design among tasks (what the "prior
  attack" of issue #14 earns when designs are never equivalent);
* `cross_pairs`: (task j, task i's oracle design) for random pairs of one family: the pass
  rate of these is what a memorised design earns on another task;
* `functional_pairs`: the same for pairs whose interfaces have the same shape, with the design
  renamed to task j's ports and kept only when it still differs from task j's own: whether
  the testbench tells apart parameterisations that differ beyond names and widths.
"""

from __future__ import annotations

import collections
import random
import re
from collections.abc import Sequence
from typing import Any

Task = dict[str, Any]


def oracle_design(task: Task) -> str:
    """The reference renamed to TopModule, fenced as the env's oracle sends it."""
    return "```verilog\n" + re.sub(r"\bRefModule\b", "TopModule", str(task["reference"])) + "```"


def top_share(tasks: Sequence[Task]) -> float:
    """The share of the most frequent oracle design among `tasks`."""
    counts = collections.Counter(oracle_design(t) for t in tasks)
    return counts.most_common(1)[0][1] / len(tasks)


def interface_shape(task: Task) -> tuple[tuple[str, int], ...]:
    """Port directions and widths in order (names left out)."""
    return tuple((p["dir"], int(p["width"])) for p in task["ports"])


def renamed_design(design: str, source: Task, target: Task) -> str:
    """`design` (written for `source`) with its ports renamed, by position, to `target`'s
    (one pass, so swapped names stay swapped)."""
    mapping = {p["name"]: q["name"] for p, q in zip(source["ports"], target["ports"],
                                                      strict=True)}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], design)


def cross_pairs(tasks: Sequence[Task]) -> list[tuple[Task, str]]:
    """(task 2k+1, oracle design of task 2k): each task used once."""
    return [(tasks[k + 1], oracle_design(tasks[k])) for k in range(0, len(tasks) - 1, 2)]


def functional_pairs(tasks: Sequence[Task], n: int, seed: int = 0) -> list[tuple[Task, str]]:
    """Up to `n` (task j, task i's design renamed to j's ports) for tasks i, j of the same
    interface shape whose renamed design still differs from j's own."""
    groups = collections.defaultdict(list)
    for t in tasks:
        groups[interface_shape(t)].append(t)
    usable = [g for _, g in sorted(groups.items()) if len(g) >= 2]
    rng, out = random.Random(seed), []
    for _ in range(100 * n):
        if not usable or len(out) >= n:
            break
        a, b = rng.sample(rng.choice(usable), 2)
        design = renamed_design(oracle_design(a), a, b)
        if design != oracle_design(b):
            out.append((b, design))
    return out
