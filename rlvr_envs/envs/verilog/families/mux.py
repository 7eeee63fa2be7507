"""Multiplexer: N W-bit inputs, a binary or one-hot select, an optional enable."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import NamePicker, asserted, describe_control, enable_spec, make_task, port

PREFIXES = ("in", "d", "data", "src", "x")
SELECTS = ("sel", "s", "select", "addr")
ONEHOT_SELECTS = ("sel", "sel_oh", "grant", "onehot")
OUTPUTS = ("out", "y", "q", "dout", "result")


@dataclass(frozen=True)
class Mux:
    """N-to-1 multiplexer. Level 1: 2-4 inputs, binary select; 2: up to 8 inputs, one-hot
    (AND-OR) select, enable; 3: up to 16 inputs of up to 32 bits."""
    name: str = "mux"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        n = rng.randint(*{1: (2, 4), 2: (3, 8), 3: (5, 16)}[difficulty])
        w = rng.randint(*{1: (1, 4), 2: (2, 16), 3: (4, 32)}[difficulty])
        onehot = difficulty > 1 and rng.random() < 0.4
        prefix = names(PREFIXES)
        sel = names(ONEHOT_SELECTS if onehot else SELECTS)
        out = names(OUTPUTS)
        enable = enable_spec(rng, names) if difficulty > 1 else None
        s = n if onehot else max(1, (n - 1).bit_length())
        ins = [f"{prefix}{i}" for i in range(n)]
        full = not onehot and n == 1 << s
        fill = 0 if full else rng.choice((0, (1 << w) - 1))
        ports = [port(x, "input", w) for x in ins] + [port(sel, "input", s)]
        ports += [port(enable["name"], "input")] if enable else []
        ports.append(port(out, "output", w, reg=True))
        if onehot:
            terms = "\n".join(f"    if ({sel}[{i}]) {out} = {out} | {x};" for i, x in enumerate(ins))
            logic = f"    {out} = {w}'d0;\n{terms}"
            text = (f"A {n}-input AND-OR multiplexer with a one-hot select: {out} is the bitwise "
                    f"OR of every input {prefix}<i> whose select bit {sel}[i] is 1 ({sel}[0] "
                    f"selects {ins[0]}, and so on), and 0 when {sel} is 0. Several select bits "
                    f"may be 1 at once; then their inputs are ORed.")
        else:
            cases = "\n".join(f"      {s}'d{i}: {out} = {x};" for i, x in enumerate(ins))
            default = "" if full else f"\n      default: {out} = {w}'d{fill};"
            logic = f"    case ({sel})\n{cases}{default}\n    endcase"
            text = (f"A {n}-to-1 multiplexer: {out} = {prefix}<{sel}> ({sel} = 0 selects "
                    f"{ins[0]}, {sel} = 1 selects {ins[1]}, and so on).")
            if not full:
                text += (f" When {sel} is {n} or more, {out} is "
                         f"{'0' if fill == 0 else 'all ones'}.")
        if enable:
            logic = f"    if ({asserted(enable)}) begin\n{logic}\n    end else {out} = {w}'d0;"
            text += (f" {describe_control(enable, 'enable')}; while it is not asserted, {out} "
                     "is 0 whatever the select.")
        body = f"  always @(*) begin\n{logic}\n  end"
        return make_task(rng, text, ports, body)
