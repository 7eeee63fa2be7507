"""Shared pieces of the procedural families: port names, controls, the spec text, the task.

Every parameter a family draws (widths, polarities, encodings, port names) is stated in the
spec, so a design memorised for one task rarely matches another: the verifier requires the
exact interface (names and widths), and the functions themselves differ.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

# Port-name pools. Every name compiles as a port under `iverilog -g2012` (no Verilog or
# SystemVerilog keyword) and none is an identifier of the generated testbench (`tb_*`,
# `mut_i`): tests/test_verilog_diversity.py compiles them all.
CLOCKS = ("clk", "clock", "clk_i", "sys_clk")
RESETS = {  # (active_low, sync) -> names
    (False, True): ("rst", "reset", "rst_i", "srst"),
    (False, False): ("rst", "reset", "rst_i", "areset"),
    (True, True): ("rst_n", "reset_n", "rstn", "srst_n"),
    (True, False): ("rst_n", "reset_n", "rstn", "arst_n"),
}
ENABLES = {False: ("en", "enable", "ce", "en_i"), True: ("en_n", "enable_n", "ce_n", "en_ni")}


class NamePicker:
    """Draws port names from pools, never the same name twice in one task."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, pool: Sequence[str]) -> str:
        choices = [n for n in pool if n not in self.used]
        name = self.rng.choice(choices)
        self.used.add(name)
        return name


def port(name: str, direction: str, width: int = 1, *, reg: bool = False) -> dict[str, Any]:
    p: dict[str, Any] = {"name": name, "dir": direction, "width": int(width)}
    if reg:
        p["reg"] = True
    return p


def vec(width: int) -> str:
    """The range of a declaration: `[w-1:0] ` (with its space) or nothing for one bit."""
    return f"[{width - 1}:0] " if width > 1 else ""


def header(ports: Sequence[dict[str, Any]], name: str = "RefModule") -> str:
    decls = []
    for p in ports:
        kind = "output reg" if p.get("reg") else p["dir"]
        rng = f" [{p['width'] - 1}:0]" if p["width"] > 1 else ""
        decls.append(f"  {kind}{rng} {p['name']}")
    return f"module {name} (\n" + ",\n".join(decls) + "\n);"


def make_task(rng: random.Random, description: str, ports: Sequence[dict[str, Any]],
              body: str, *, clock: str | None = None, reset: dict[str, Any] | None = None,
              stimulus: dict[str, Any] | None = None) -> dict[str, Any]:
    """A task dict: spec text and golden `RefModule` built from the same port list."""
    lines = ["Implement a Verilog module named TopModule with exactly this interface (port "
             "names and widths as listed, all ports unsigned; a width of N bits means "
             "[N-1:0]):"]
    for p in ports:
        lines.append(f"- {p['dir']} {p['name']} ({p['width']} bit{'s' if p['width'] > 1 else ''})")
    lines += ["", description.strip()]
    if clock:
        lines.append(f"\nAll flip-flops are triggered by the rising edge of {clock}.")
    if reset:
        level = "low" if reset["active_low"] else "high"
        kind = ("synchronous (takes effect at the rising clock edge)" if reset["sync"]
                else "asynchronous (takes effect immediately, independent of the clock)")
        lines.append(f"The reset input {reset['name']} is active-{level} and {kind}.")
    clean = [{k: v for k, v in p.items() if k != "reg"} for p in ports]
    reference = header(ports) + "\n" + body.strip("\n") + "\nendmodule\n"
    stim = {"seed": rng.randrange(1, 2**31 - 1), **(stimulus or {})}
    return {"spec": "\n".join(lines), "ports": clean, "reference": reference,
            "style": "sequential" if clock else "combinational", "clock": clock,
            "reset": reset, "stimulus": stim}


def reset_spec(rng: random.Random, names: NamePicker) -> dict[str, Any]:
    """A reset of random polarity, synchronous or asynchronous, with a name from the pool."""
    active_low, sync = rng.random() < 0.5, rng.random() < 0.5
    return {"name": names(RESETS[(active_low, sync)]), "active_low": active_low, "sync": sync}


def always_head(clock: str, reset: dict[str, Any]) -> tuple[str, str]:
    """The `always` line and the reset condition for a flop with this reset."""
    edge = f"posedge {clock}"
    if not reset["sync"]:
        edge += f" or {'negedge' if reset['active_low'] else 'posedge'} {reset['name']}"
    return f"always @({edge})", asserted(reset)


def control(rng: random.Random, names: NamePicker, pools: dict[bool, Sequence[str]],
            *, optional: bool = True, low_ok: bool = True) -> dict[str, Any] | None:
    """A 1-bit control input (enable, load...) of random polarity, or None when optional."""
    kinds = ([None] if optional else []) + [False] + ([True] if low_ok else [])
    active_low = rng.choice(kinds)
    if active_low is None:
        return None
    return {"name": names(pools[active_low]), "active_low": active_low}


def enable_spec(rng: random.Random, names: NamePicker, *,
                optional: bool = True) -> dict[str, Any] | None:
    return control(rng, names, ENABLES, optional=optional)


def asserted(sig: dict[str, Any]) -> str:
    """The Verilog condition that is true while the control signal is asserted."""
    return f"!{sig['name']}" if sig["active_low"] else sig["name"]


def on(sig: dict[str, Any] | None) -> int:
    """The value that asserts the control signal (1 when there is none: for directed vectors)."""
    return 0 if sig and sig["active_low"] else 1


def off(sig: dict[str, Any] | None) -> int:
    return 1 - on(sig)


def describe_control(sig: dict[str, Any], role: str) -> str:
    """`en_n is an active-low enable (asserted when en_n is 0)`."""
    level = "low" if sig["active_low"] else "high"
    return f"{sig['name']} is an active-{level} {role} (asserted when it is {on(sig)})"


def describe_reset(what: str) -> str:
    return f"While reset is asserted, {what}."


def literal(width: int, value: int) -> str:
    """A sized Verilog literal, hex for wide values (`8'h3c`), decimal for small ones."""
    return f"{width}'d{value}" if value < 10 else f"{width}'h{value:x}"
