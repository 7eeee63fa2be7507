"""Decoder: n-bit code to M one-hot (or one-cold) outputs, with an optional enable."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import NamePicker, asserted, describe_control, enable_spec, make_task, port

INPUTS = ("in", "a", "addr", "code", "sel")
OUTPUTS = {False: ("out", "y", "dec", "onehot", "q"), True: ("out_n", "y_n", "dec_n", "q_n")}


@dataclass(frozen=True)
class Decoder:
    """n-to-M decoder, M <= 2^n, active-high or -low outputs. Level 1: n = 2-3, M = 2^n;
    2: n = 3-4, M may be short of 2^n; 3: n = 4-5."""
    name: str = "decoder"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        n = rng.randint(*{1: (2, 3), 2: (3, 4), 3: (4, 5)}[difficulty])
        m = 1 << n if difficulty == 1 or rng.random() < 0.4 else rng.randint((1 << (n - 1)) + 1,
                                                                              (1 << n) - 1)
        low = rng.random() < 0.5
        code, out = names(INPUTS), names(OUTPUTS[low])
        enable = enable_spec(rng, names)
        ports = [port(code, "input", n)] + ([port(enable["name"], "input")] if enable else [])
        ports.append(port(out, "output", m))
        idle = f"{m}'d0" if not low else f"{{{m}{{1'b1}}}}"
        hot = f"({m}'d1 << {code})" if m == 1 << n else f"({code} < {n}'d{m} ? {m}'d1 << {code} : {m}'d0)"
        value = f"~{hot}" if low else hot
        if enable:
            value = f"{asserted(enable)} ? {value} : {idle}"
        body = f"  assign {out} = {value};"
        act, rest = ("0", "1") if low else ("1", "0")
        text = (f"A {n}-to-{m} decoder with active-{'low' if low else 'high'} outputs: output "
                f"bit {out}[{code}] is {act} and every other bit of {out} is {rest}.")
        if m != 1 << n:
            text += f" When {code} is {m} or more, every bit of {out} is {rest}."
        if enable:
            text += (f" {describe_control(enable, 'enable')}; while it is not asserted, every "
                     f"bit of {out} is {rest}.")
        return make_task(rng, text, ports, body)
