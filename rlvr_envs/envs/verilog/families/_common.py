"""Shared pieces of the procedural families: ports, the spec text, the task dict."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def port(name: str, direction: str, width: int = 1) -> dict[str, Any]:
    return {"name": name, "dir": direction, "width": int(width)}


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
    lines = ["Implement a Verilog module named TopModule with this interface (all ports "
             "unsigned; a width of N bits means [N-1:0]):"]
    for p in ports:
        lines.append(f"- {p['dir']} {p['name']} ({p['width']} bit{'s' if p['width'] > 1 else ''})")
    lines += ["", description.strip()]
    if clock:
        lines.append(f"\nAll flip-flops are triggered by the rising edge of {clock}.")
    if reset:
        level = "low" if reset["active_low"] else "high"
        kind = ("synchronous (takes effect at the rising clock edge)" if reset["sync"]
                else "asynchronous (takes effect immediately, independent of the clock)")
        lines.append(f"The reset {reset['name']} is active-{level} and {kind}.")
    clean = [{k: v for k, v in p.items() if k != "reg"} for p in ports]
    reference = header(ports) + "\n" + body.strip("\n") + "\nendmodule\n"
    stim = {"seed": rng.randrange(1, 2**31 - 1), **(stimulus or {})}
    return {"spec": "\n".join(lines), "ports": clean, "reference": reference,
            "style": "sequential" if clock else "combinational", "clock": clock,
            "reset": reset, "stimulus": stim}


def reset_spec(rng: random.Random, name: str | None = None) -> dict[str, Any]:
    active_low = rng.random() < 0.5
    return {"name": name or ("rst_n" if active_low else "rst"), "active_low": active_low,
            "sync": rng.random() < 0.5}


def always_head(clock: str, reset: dict[str, Any]) -> tuple[str, str]:
    """The `always` line and the reset condition for a flop with this reset."""
    edge = f"posedge {clock}"
    if not reset["sync"]:
        edge += f" or {'negedge' if reset['active_low'] else 'posedge'} {reset['name']}"
    cond = f"!{reset['name']}" if reset["active_low"] else reset["name"]
    return f"always @({edge})", cond
