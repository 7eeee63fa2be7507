"""Counter: width, direction, modulus, step, enable, load and reset value all drawn."""

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
    make_task,
    off,
    on,
    port,
    reset_spec,
)

OUTPUTS = ("q", "count", "cnt", "value", "out")
LOADS = {False: ("load", "ld", "set", "wr"), True: ("load_n", "ld_n")}
DATA = ("d", "din", "load_val", "data_in")
DIRECTIONS = {"up": ("up", "count_up", "dir", "up_dn"), "down": ("down", "dn", "count_down")}
MAX_MODULUS = 40  # the directed stimulus walks a whole modulus cycle


@dataclass(frozen=True)
class Counter:
    """Level 1: 2-6 bits, up or down, optional enable, reset to 0; 2: 3-10 bits, a modulus
    or a step of 2, a reset value, an optional load; 3: 4-16 bits, also an up/down input,
    steps up to 7, loads of either polarity."""
    name: str = "counter"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        clock = names(CLOCKS)
        reset = reset_spec(rng, names)
        w = rng.randint(*{1: (2, 6), 2: (3, 10), 3: (4, 16)}[difficulty])
        mode = rng.choice(("up", "down") + (("updown",) if difficulty == 3 else ()))
        modulus = (rng.randint(3, min((1 << w) - 1, MAX_MODULUS))
                   if difficulty > 1 and rng.random() < 0.5 else 1 << w)
        step = 1 if modulus != 1 << w or difficulty == 1 else rng.randint(1, {2: 2, 3: 7}[difficulty])
        step = min(step, (1 << w) - 1)
        enable = enable_spec(rng, names)
        init = 0 if difficulty == 1 else rng.randrange(modulus)
        load = (control(rng, names, LOADS, optional=False, low_ok=difficulty == 3)
                if difficulty > 1 and rng.random() < {2: 0.5, 3: 0.7}[difficulty] else None)
        data = names(DATA) if load else None
        direction = None
        if mode == "updown":
            sense = rng.choice(("up", "down"))
            direction = {"name": names(DIRECTIONS[sense]), "up_when": int(sense == "up")}
        q = names(OUTPUTS)

        ports = [port(clock, "input"), port(reset["name"], "input")]
        ports += [port(enable["name"], "input")] if enable else []
        ports += [port(direction["name"], "input")] if direction else []
        ports += [port(load["name"], "input"), port(data, "input", w)] if load else []
        ports.append(port(q, "output", w, reg=True))

        up_expr, up_text = _advance("up", q, w, modulus, step)
        down_expr, down_text = _advance("down", q, w, modulus, step)
        if mode == "updown":
            dname, up_when = direction["name"], direction["up_when"]
            nxt = f"{dname if up_when else '!' + dname} ? {up_expr} : {down_expr}"
            advance = (f"{q} counts in the direction set by {dname}: when {dname} is {up_when}, "
                       f"{up_text}, and when {dname} is {1 - up_when}, {down_text}")
        else:
            nxt, advance = (up_expr, up_text) if mode == "up" else (down_expr, down_text)
        head, cond = always_head(clock, reset)
        lines = [f"  {head}", f"    if ({cond}) {q} <= {w}'d{init};"]
        if load:
            lines.append(f"    else if ({asserted(load)}) {q} <= {data};")
        lines.append(f"    else if ({asserted(enable)}) {q} <= {nxt};" if enable else
                     f"    else {q} <= {nxt};")

        steps = [f"while {load['name']} is asserted, {q} is loaded with {data} (load has "
                 "priority over counting)"] if load else []
        steps.append(f"while {enable['name']} is asserted, {advance}; while {enable['name']} is "
                     f"not asserted, {q} keeps its current value" if enable else
                     f"{advance} (there is no enable: it counts at every edge)")
        text = (f"A {w}-bit counter {q}. " + describe_reset(f"{q} becomes {init}")
                + f" Otherwise, at each rising edge of {clock}: " + "; otherwise, ".join(steps)
                + ". " + "; ".join(describe_control(sig, role) for sig, role in
                                   ((load, "load"), (enable, "enable")) if sig)).strip()
        text += "." if load or enable else ""

        directed = _directed(enable, load, data, direction, mode, modulus, step, w)
        stim = {"rare": [load["name"]] if load and not load["active_low"] else [],
                "cycles": 200 + 100 * difficulty, "directed": directed}
        return make_task(rng, text, ports, "\n".join(lines), clock=clock, reset=reset,
                         stimulus=stim)


def _advance(direction: str, q: str, w: int, modulus: int, step: int) -> tuple[str, str]:
    """The next value when counting in `direction`, as Verilog and as words."""
    if modulus == 1 << w:
        sign = "+" if direction == "up" else "-"
        words = "increases" if direction == "up" else "decreases"
        return (f"{q} {sign} {w}'d{step}",
                f"{q} {words} by {step} modulo 2^{w} (wrapping around)")
    top = modulus - 1
    if direction == "up":
        return (f"({q} >= {w}'d{top}) ? {w}'d0 : {q} + {w}'d1",
                f"{q} counts up modulo {modulus}: the next value is 0 when {q} is {top} or "
                f"greater, else {q} + 1")
    return (f"({q} == {w}'d0) ? {w}'d{top} : {q} - {w}'d1",
            f"{q} counts down modulo {modulus}: the next value is {top} when {q} is 0, else "
            f"{q} - 1")


def _directed(enable: dict[str, Any] | None, load: dict[str, Any] | None, data: str | None,
              direction: dict[str, Any] | None, mode: str, modulus: int, step: int,
              w: int) -> list[dict[str, int]]:
    """Cycles right after reset that walk through a wrap (random resets, 1 cycle in 32,
    rarely let a counter get that far): counting up for a whole modulus cycle (when it is
    short), then loads just below the wrap point and past the modulus."""
    base: dict[str, int] = {}
    if enable:
        base[enable["name"]] = on(enable)
    if load:
        base[load["name"]] = off(load)
    walk = modulus // step + 2 if modulus <= 64 else 0
    out = []
    for sense in (("up", "down") if mode == "updown" else (mode,)):
        v = dict(base)
        if direction:
            v[direction["name"]] = direction["up_when"] if sense == "up" else 1 - direction["up_when"]
        out += [v] * walk
        if load and data:
            for start in sorted({modulus - 2, modulus - 1, 1, 0, (1 << w) - 1}):
                out += [{**v, load["name"]: on(load), data: start}] + [v] * 3
    return out
