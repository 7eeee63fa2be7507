"""Priority encoder: index of the highest or lowest set bit, with a valid or an idle flag."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..testbench import EXHAUSTIVE_BITS
from ._common import NamePicker, make_task, port

INPUTS = ("in", "req", "bits", "d", "x")
INDEXES = ("pos", "idx", "index", "enc", "y")
FLAGS = {True: ("valid", "v", "any", "found", "hit"), False: ("none", "zero", "idle", "nop")}


@dataclass(frozen=True)
class PriorityEncoder:
    """n-bit priority encoder. Level 1: n = 3-6; 2: 7-12; 3: 13-32 (random plus directed
    one-hot vectors, since random wide vectors almost always have their top bit set)."""
    name: str = "priority_encoder"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        n = rng.randint(*{1: (3, 6), 2: (7, 12), 3: (13, 32)}[difficulty])
        k = (n - 1).bit_length()
        high = rng.random() < 0.5
        valid = rng.random() < 0.6  # a valid flag (1 when any bit is set), else an idle flag
        empty = rng.choice((0, (1 << k) - 1))
        src, pos, flag = names(INPUTS), names(INDEXES), names(FLAGS[valid])
        ports = [port(src, "input", n), port(pos, "output", k, reg=True), port(flag, "output")]
        order = range(n) if high else range(n - 1, -1, -1)  # the last assignment wins
        lines = "\n".join(f"    if ({src}[{i}]) {pos} = {k}'d{i};" for i in order)
        body = (f"  assign {flag} = {'|' if valid else '~|'}{src};\n  always @(*) begin\n"
                f"    {pos} = {k}'d{empty};\n{lines}\n  end")
        which = "highest" if high else "lowest"
        text = (f"A priority encoder: {pos} is the index of the {which}-numbered bit of {src} "
                f"that is 1 (bit 0 is the least significant). ")
        text += (f"{flag} is 1 when any bit of {src} is 1, else 0. " if valid else
                 f"{flag} is 1 when no bit of {src} is 1, else 0. ")
        text += (f"When {src} is all zeros, {pos} is "
                 f"{'0' if empty == 0 else f'all ones ({empty})'}.")
        directed = []
        for i in range(n if n > EXHAUSTIVE_BITS else 0):  # each bit alone, and with random
            # bits on either side (narrower inputs are tested exhaustively)
            below, above = rng.randrange(1 << i), rng.randrange(1 << (n - 1 - i)) << (i + 1)
            directed += [{src: 1 << i}, {src: (1 << i) | below}, {src: (1 << i) | above}]
        return make_task(rng, text, ports, body, stimulus={"directed": directed})
