"""Shift register: direction, shift or rotate, enable, parallel load, serial out, reset value."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import (
    CLOCKS,
    NamePicker,
    always_head,
    asserted,
    control,
    describe_control,
    describe_reset,
    enable_spec,
    literal,
    make_task,
    port,
    reset_spec,
)

OUTPUTS = ("q", "sr", "shreg", "data", "out")
SERIAL_INS = ("sin", "si", "ser_in", "serial_in")
SERIAL_OUTS = ("sout", "so", "ser_out", "serial_out")
LOADS = {False: ("load", "ld", "wr")}
PARALLEL = ("d", "din", "pdata", "par_in")
DIRECTIONS = {"left": ("left", "shl", "dir_left"), "right": ("right", "shr", "dir_right")}


@dataclass(frozen=True)
class ShiftRegister:
    """Level 1: 3-8 bits, shift left or right with a serial input, reset to 0 or all ones;
    2: 6-16 bits, also rotations, a random reset value, parallel load and a serial output;
    3: 12-32 bits, also a direction input."""
    name: str = "shift_register"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        clock = names(CLOCKS)
        reset = reset_spec(rng, names)
        w = rng.randint(*{1: (3, 8), 2: (6, 16), 3: (12, 32)}[difficulty])
        kinds = ["shift"] + (["rotate"] if difficulty > 1 else [])
        kind = rng.choice(kinds)
        sense = rng.choice(("left", "right") + (("both",) if difficulty == 3 else ()))
        init = (rng.choice((0, (1 << w) - 1)) if difficulty == 1 else
                rng.choice((0, (1 << w) - 1, rng.randrange(1 << w))))
        while kind == "rotate" and _rotate(init, w, 1) == _rotate(init, w, -1):
            init = rng.randrange(1 << w)  # all zeros, all ones, 0101...: rotation is moot
        enable = enable_spec(rng, names)
        load = (control(rng, names, LOADS, optional=False, low_ok=False)
                if difficulty > 1 and rng.random() < 0.5 else None)
        pdata = names(PARALLEL) if load else None
        sin = names(SERIAL_INS) if kind == "shift" else None
        sout = names(SERIAL_OUTS) if kind == "shift" and difficulty > 1 and rng.random() < 0.5 else None
        toward = rng.choice(("left", "right"))
        dname = names(DIRECTIONS[toward]) if sense == "both" else None
        q = names(OUTPUTS)

        ports = [port(clock, "input"), port(reset["name"], "input")]
        ports += [port(enable["name"], "input")] if enable else []
        ports += [port(dname, "input")] if dname else []
        ports += [port(sin, "input")] if sin else []
        ports += [port(load["name"], "input"), port(pdata, "input", w)] if load else []
        ports.append(port(q, "output", w, reg=True))
        ports += [port(sout, "output")] if sout else []

        fill = {"left": sin or f"{q}[{w - 1}]", "right": sin or f"{q}[0]"}
        moves = {"left": f"{{{q}[{w - 2}:0], {fill['left']}}}",
                 "right": f"{{{fill['right']}, {q}[{w - 1}:1]}}"}
        words = {"left": (f"left by one: {sin} enters at {q}[0] and {q}[{w - 1}] is dropped" if sin
                          else f"rotates left by one: {q}[{w - 1}] moves to {q}[0]"),
                 "right": (f"right by one: {sin} enters at {q}[{w - 1}] and {q}[0] is dropped"
                           if sin else f"rotates right by one: {q}[0] moves to {q}[{w - 1}]")}
        verb = "shifts " if sin else ""
        if sense == "both":
            other = "right" if toward == "left" else "left"
            nxt = f"{dname} ? {moves[toward]} : {moves[other]}"
            action = (f"when {dname} is 1, {q} {verb}{words[toward]}; when {dname} is 0, {q} "
                      f"{verb}{words[other]}")
        else:
            nxt, action = moves[sense], f"{q} {verb}{words[sense]}"
        head, cond = always_head(clock, reset)
        lines = [f"  {head}", f"    if ({cond}) {q} <= {literal(w, init)};"]
        if load:
            lines.append(f"    else if ({asserted(load)}) {q} <= {pdata};")
        lines.append(f"    else if ({asserted(enable)}) {q} <= {nxt};" if enable else
                     f"    else {q} <= {nxt};")
        if sout:
            dropped = {"left": f"{q}[{w - 1}]", "right": f"{q}[0]"}
            drop = (f"{dname} ? {dropped[toward]} : {dropped[other]}" if sense == "both"
                    else dropped[sense])
            lines.append(f"  assign {sout} = {drop};")

        steps = [f"while {load['name']} is 1, {q} is loaded with {pdata} (load has "
                 "priority over shifting)"] if load else []
        steps.append(f"while {enable['name']} is asserted, {action}; while {enable['name']} is "
                     f"not asserted, {q} keeps its current value" if enable else
                     f"{action} (there is no enable: this happens at every edge)")
        text = (f"A {w}-bit {'shift register' if sin else 'rotating register'} {q}. "
                + describe_reset(f"{q} becomes {literal(w, init)}")
                + f" Otherwise, at each rising edge of {clock}: " + "; otherwise, ".join(steps)
                + ".")
        if enable:
            text += f" {describe_control(enable, 'enable')}."
        if sout:
            text += (f" {sout} always shows the bit that the next shift drops "
                     + (f"(the current {dropped[sense]})." if sense != "both" else
                        f"({dropped[toward]} when {dname} is 1, else {dropped[other]})."))
        stim = {"rare": [load["name"]] if load else [], "cycles": 300}
        return make_task(rng, text, ports, "\n".join(lines), clock=clock, reset=reset,
                         stimulus=stim)


def _rotate(value: int, w: int, k: int) -> int:
    """`value` rotated left by k bits (right for negative k) in a w-bit register."""
    k %= w
    return ((value << k) | (value >> (w - k))) & ((1 << w) - 1)
