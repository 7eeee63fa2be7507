"""Population count: the number of 1 (or 0) bits of an input, optionally under a mask."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import NamePicker, make_task, port

INPUTS = ("in", "data", "bits", "vec", "x")
MASKS = ("mask", "m", "keep")
COUNTS = {"ones": ("count", "cnt", "ones", "weight", "n_set"),
          "zeros": ("count", "cnt", "zeros", "n_clear"),
          "masked": ("count", "cnt", "ones", "n_set")}


@dataclass(frozen=True)
class Popcount:
    """Count the 1 bits (or 0 bits) of an n-bit input; from level 2 also the 1 bits of
    in AND mask. n: 3-8, 9-24, 25-64 by level; the count has exactly bit_length(n) bits."""
    name: str = "popcount"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        n = rng.randint(*{1: (3, 8), 2: (9, 24), 3: (25, 64)}[difficulty])
        kind = rng.choice(("ones", "zeros") + (("masked",) if difficulty > 1 else ()))
        k = n.bit_length()
        src = names(INPUTS)
        mask = names(MASKS) if kind == "masked" else None
        out = names(COUNTS[kind])
        ports = [port(src, "input", n)] + ([port(mask, "input", n)] if mask else [])
        ports.append(port(out, "output", k, reg=True))
        bit = {"ones": f"{src}[i]", "zeros": f"!{src}[i]", "masked": f"{src}[i] & {mask}[i]"}[kind]
        body = (f"  integer i;\n  always @(*) begin\n    {out} = {k}'d0;\n"
                f"    for (i = 0; i < {n}; i = i + 1) {out} = {out} + {bit};\n  end")
        what = {"ones": f"bits of {src} that are 1",
                "zeros": f"bits of {src} that are 0",
                "masked": f"bit positions where both {src} and {mask} are 1"}[kind]
        text = f"A population count: {out} is the number of {what} (0 to {n})."
        return make_task(rng, text, ports, body)
