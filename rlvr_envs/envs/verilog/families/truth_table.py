"""Truth table: a random Boolean function given as a table, minterms or maxterms."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import NamePicker, make_task, port

INPUT_SETS = (("a", "b", "c", "d"), ("x", "y", "z", "w"), ("p", "q", "r", "s"),
              ("in0", "in1", "in2", "in3"), ("s0", "s1", "s2", "s3"))
OUTPUTS = ("f", "out", "y", "g", "o")


@dataclass(frozen=True)
class TruthTable:
    """A function of k = 2, 3, 4 inputs (by level) that depends on every input, shown as a
    truth table (always at level 1) or as its minterms or maxterms."""
    name: str = "truth_table"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        k = {1: 2, 2: 3, 3: 4}[difficulty]
        ins = list(rng.choice(INPUT_SETS)[:k])
        names.used |= set(ins)
        f = names(OUTPUTS)
        rows = 1 << k
        table = [rng.randrange(2) for _ in range(rows)]
        while not all(_depends(table, k, j) for j in range(k)):
            # a function that ignores an input (a constant, or `f = b`) is passed by designs
            # that only echo or invert one input
            table = [rng.randrange(2) for _ in range(rows)]
        ports = [*(port(c, "input") for c in ins), port(f, "output")]
        minterms = [i for i in range(rows) if table[i]]
        cat = "{" + ", ".join(ins) + "}"
        terms = " || ".join(f"{cat} == {k}'d{m}" for m in minterms)
        body = f"  assign {f} = {terms};"
        args = ", ".join(ins)
        index = (f"(term index = {cat} read as a {k}-bit number with {ins[0]} the most "
                 "significant bit)")
        form = "table" if difficulty == 1 else rng.choice(("table", "minterms", "maxterms"))
        if form == "table":
            lines = [" ".join(ins) + f" | {f}"]
            lines += [" ".join(str((i >> (k - 1 - j)) & 1) for j in range(k)) + f" | {table[i]}"
                      for i in range(rows)]
            text = (f"The combinational function {f}({args}) given by this truth table "
                    f"({ins[0]} is the most significant input):\n" + "\n".join(lines))
        elif form == "minterms":
            text = (f"The combinational function {f}({args}) that is 1 exactly for the minterms "
                    f"{minterms} {index} and 0 otherwise.")
        else:
            maxterms = [i for i in range(rows) if not table[i]]
            text = (f"The combinational function {f}({args}) that is 0 exactly for the maxterms "
                    f"{maxterms} {index} and 1 otherwise.")
        return make_task(rng, text, ports, body)


def _depends(table: list[int], k: int, j: int) -> bool:
    """Whether the function changes with input j (bit k-1-j of the row index) somewhere."""
    bit = 1 << (k - 1 - j)
    return any(table[row] != table[row ^ bit] for row in range(len(table)))
