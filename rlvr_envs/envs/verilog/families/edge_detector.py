"""Edge detector: rising, falling or any edge per bit, registered or immediate output."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import (
    CLOCKS,
    NamePicker,
    always_head,
    describe_reset,
    literal,
    make_task,
    port,
    reset_spec,
)

INPUTS = ("in", "sig", "d", "level", "x")
OUTPUTS = {"rising": ("pulse", "rise", "rose", "up_edge", "det"),
           "falling": ("pulse", "fall", "fell", "down_edge", "det"),
           "any": ("pulse", "chg", "toggled", "changed", "det")}
CHANGE = {"rising": ("from 0 to 1", "{x} & ~{p}"), "falling": ("from 1 to 0", "~{x} & {p}"),
          "any": ("in either direction", "{x} ^ {p}")}
NOW = {"rising": "is 1 and its remembered value is 0",
       "falling": "is 0 and its remembered value is 1",
       "any": "differs from its remembered value"}


@dataclass(frozen=True)
class EdgeDetector:
    """Per-bit edge detector on a w-bit input (w: 1-2, 2-8, 8-16 by level). Level 1: the
    pulse is registered (one cycle after the edge); from 2 it may be immediate (compares the
    input with its value at the last clock edge) and the remembered value may reset to ones."""
    name: str = "edge_detector"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        clock = names(CLOCKS)
        reset = reset_spec(rng, names)
        w = rng.randint(*{1: (1, 2), 2: (2, 8), 3: (8, 16)}[difficulty])
        kind = rng.choice(("rising", "falling", "any"))
        immediate = difficulty > 1 and rng.random() < 0.5
        init = 0 if difficulty == 1 else rng.choice((0, (1 << w) - 1))
        x, out = names(INPUTS), names(OUTPUTS[kind])
        ports = [port(clock, "input"), port(reset["name"], "input"), port(x, "input", w),
                 port(out, "output", w, reg=not immediate)]
        head, cond = always_head(clock, reset)
        words, expr = CHANGE[kind]
        expr = expr.format(x=x, p="prev_r")
        decl = f"  reg [{w - 1}:0] prev_r;\n" if w > 1 else "  reg prev_r;\n"
        zero, start = f"{w}'d0", literal(w, init)
        if immediate:
            body = (f"{decl}  {head}\n    if ({cond}) prev_r <= {start};\n"
                    f"    else prev_r <= {x};\n  assign {out} = {expr};")
            text = (f"An edge detector for each bit of {x}. A register remembers the value of "
                    f"{x} sampled at the most recent rising edge of {clock}. {out} is "
                    f"combinational: each bit of {out} is 1 while the same bit of {x} "
                    f"{NOW[kind]}, else 0; it follows {x} immediately, also while reset is asserted. "
                    + describe_reset(f"the remembered value becomes {start}"))
        else:
            body = (f"{decl}  {head}\n    if ({cond}) begin prev_r <= {start}; {out} <= {zero}; "
                    f"end\n    else begin {out} <= {expr}; prev_r <= {x}; end")
            text = (f"An edge detector for each bit of {x}. At every rising edge of {clock}, "
                    f"each bit of {out} becomes 1 if the same bit of {x} changed {words} "
                    f"between the value sampled at the previous rising edge and the value "
                    f"sampled now, and 0 otherwise (so {out} is registered, one cycle long). "
                    + describe_reset(f"{out} becomes 0 and the remembered previous value of "
                                     f"{x} becomes {start}"))
        return make_task(rng, text, ports, body, clock=clock, reset=reset,
                         stimulus={"cycles": 300})
