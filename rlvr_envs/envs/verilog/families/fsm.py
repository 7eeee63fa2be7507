"""Random Moore FSM given as a state table."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import (
    CLOCKS,
    NamePicker,
    always_head,
    describe_reset,
    make_task,
    on,
    port,
    reset_spec,
)

INPUTS = ("x", "in", "din", "a")
OUTPUTS = ("z", "out", "y", "q")
STATE_NAMES = ("ABCDEFGH", ("S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7"))


@dataclass(frozen=True)
class RandomFSM:
    """Moore machine from a random state table with a 1-bit input; states 3, 4, 6 and a 1-,
    1-, 2-bit output by level; all states reachable; a random reset state."""
    name: str = "fsm"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        clock = names(CLOCKS)
        reset = reset_spec(rng, names)
        s = {1: 3, 2: 4, 3: 6}[difficulty]
        ow = 1 if difficulty < 3 else 2
        labels = list(rng.choice(STATE_NAMES)[:s])
        nxt = [[rng.randrange(s), rng.randrange(s)] for _ in range(s)]
        for i in range(s):  # a ring through every state keeps them all reachable
            nxt[i][rng.randrange(2)] = (i + 1) % s
        out = [rng.randrange(1 << ow) for _ in range(s)]
        if len(set(out)) == 1:  # a constant output would make the state machine moot
            out[rng.randrange(1, s)] ^= 1
        start = 0 if difficulty == 1 else rng.randrange(s)
        x, z = names(INPUTS), names(OUTPUTS)
        ports = [port(clock, "input"), port(reset["name"], "input"), port(x, "input"),
                 port(z, "output", ow)]
        k = max(1, (s - 1).bit_length())
        head, cond = always_head(clock, reset)
        cases = "\n".join(f"      {k}'d{i}: state <= {x} ? {k}'d{nxt[i][1]} : {k}'d{nxt[i][0]};"
                          for i in range(s))
        outs = "\n".join(f"      {k}'d{i}: zr = {ow}'d{out[i]};" for i in range(s))
        body = (f"  reg [{k - 1}:0] state;\n  reg [{ow - 1}:0] zr;\n  assign {z} = zr;\n"
                f"  {head}\n    if ({cond}) state <= {k}'d{start};\n    else case (state)\n"
                f"{cases}\n      default: state <= {k}'d{start};\n    endcase\n"
                f"  always @(*) begin\n    case (state)\n{outs}\n      default: zr = {ow}'d0;\n"
                "    endcase\n  end")
        pad = max(len("state"), len(x) + 4) + 1
        rows = [f"{labels[i]:<{pad}}| {labels[nxt[i][0]]:<{pad}}| {labels[nxt[i][1]]:<{pad}}| "
                f"{out[i]}" for i in range(s)]
        head_row = f"{'state':<{pad}}| {x + ' = 0':<{pad}}| {x + ' = 1':<{pad}}| {z}"
        text = (f"A Moore state machine with states {', '.join(labels)}. At each rising edge "
                f"of {clock} it moves to the next state given by the table for the current "
                f"state and input {x}; the output {z} depends only on the current state.\n"
                f"{head_row}\n" + "\n".join(rows) + "\n"
                + describe_reset(f"the machine goes to state {labels[start]}"))
        stim = {"cycles": 400, "directed": _visits(rng, nxt, out, start, x, reset)}
        return make_task(rng, text, ports, body, clock=clock, reset=reset, stimulus=stim)


def _visits(rng: random.Random, nxt: list[list[int]], out: list[int], start: int, x: str,
            reset: dict[str, Any]) -> list[dict[str, int]]:
    """Inputs right after reset that walk from the reset state to every state whose output
    differs from the reset state's and assert the reset there (a synchronous and an
    asynchronous reset differ only while the output differs); shortest paths by BFS."""
    paths = {start: []}
    frontier = [start]
    while frontier:
        state = frontier.pop(0)
        for bit in (0, 1):
            target = nxt[state][bit]
            if target not in paths:
                paths[target] = paths[state] + [bit]
                frontier.append(target)
    vectors: list[dict[str, int]] = []
    for state in sorted(paths):
        if out[state] != out[start]:
            vectors += [{x: bit} for bit in paths[state]]
            vectors.append({x: rng.randrange(2), reset["name"]: on(reset)})
    return vectors
