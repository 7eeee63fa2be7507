"""Synchronous FIFO: depth, width, port names, an optional fill count, write-through-full."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import CLOCKS, NamePicker, always_head, describe_reset, make_task, port, reset_spec

WRITES = ("wr_en", "push", "we", "write")
DATA_INS = ("din", "wdata", "data_in", "wr_data")
READS = ("rd_en", "pop", "re", "read")
DATA_OUTS = ("dout", "rdata", "data_out", "rd_data")
FULLS = ("full", "is_full", "fifo_full")
EMPTIES = ("empty", "is_empty", "fifo_empty")
COUNTS = ("count", "level", "fill", "used")


@dataclass(frozen=True)
class Fifo:
    """Show-ahead FIFO with full/empty flags. Level 2: depth 2-8, 1-8-bit words; 3: depth
    5-16, 4-16-bit words, optionally a fill count and writes accepted when full if a read
    happens at the same edge."""
    name: str = "fifo"
    difficulties: tuple[int, ...] = (2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        clock = names(CLOCKS)
        reset = reset_spec(rng, names)
        depth = rng.randint(*{2: (2, 8), 3: (5, 16)}[difficulty])
        w = rng.randint(*{2: (1, 8), 3: (4, 16)}[difficulty])
        through = difficulty == 3 and rng.random() < 0.5
        wr, din, rd, dout = names(WRITES), names(DATA_INS), names(READS), names(DATA_OUTS)
        full, empty = names(FULLS), names(EMPTIES)
        count = names(COUNTS) if difficulty == 3 and rng.random() < 0.5 else None
        a, c = max(1, (depth - 1).bit_length()), depth.bit_length()
        ports = [port(clock, "input"), port(reset["name"], "input"), port(wr, "input"),
                 port(din, "input", w), port(rd, "input"), port(dout, "output", w),
                 port(full, "output"), port(empty, "output")]
        ports += [port(count, "output", c)] if count else []
        head, cond = always_head(clock, reset)
        last = f"{a}'d{depth - 1}"
        room = f"(n_r != {c}'d{depth} || do_rd)" if through else f"n_r != {c}'d{depth}"
        body = (f"  reg [{w - 1}:0] mem [0:{depth - 1}];\n  reg [{a - 1}:0] rp, wp;\n"
                f"  reg [{c - 1}:0] n_r;\n  wire do_rd = {rd} && n_r != {c}'d0;\n"
                f"  wire do_wr = {wr} && {room};\n"
                f"  assign {full} = n_r == {c}'d{depth};\n  assign {empty} = n_r == {c}'d0;\n"
                f"  assign {dout} = {empty} ? {w}'d0 : mem[rp];\n"
                + (f"  assign {count} = n_r;\n" if count else "")
                + f"  {head}\n    if ({cond}) begin rp <= {a}'d0; wp <= {a}'d0; n_r <= {c}'d0; end\n"
                f"    else begin\n      if (do_wr) begin mem[wp] <= {din}; "
                f"wp <= (wp == {last}) ? {a}'d0 : wp + 1'b1; end\n"
                f"      if (do_rd) rp <= (rp == {last}) ? {a}'d0 : rp + 1'b1;\n"
                f"      n_r <= n_r + do_wr - do_rd;\n    end")
        text = (f"A first-in first-out queue of depth {depth} holding {w}-bit words. At a "
                f"rising edge of {clock}: if {rd} is 1 and the FIFO is not empty, the oldest "
                f"word is removed; if {wr} is 1, {din} is appended ")
        text += ("unless the FIFO is full and no word is removed at the same edge (a write "
                 "to a full FIFO succeeds when a read happens at the same edge). "
                 if through else "unless the FIFO is full (then the write is ignored, even if "
                 "a read happens at the same edge). ")
        text += (f"A read and a write may happen at the same edge; the empty and full tests use "
                 f"the state before the edge. {full} is 1 when it holds {depth} words, {empty} "
                 f"is 1 when it holds none. {dout} always shows the oldest word held, or 0 when "
                 "empty. ")
        if count:
            text += f"{count} is the number of words held (0 to {depth}). "
        text += describe_reset("the FIFO becomes empty")
        # fill it past full, write and read at once while full, then drain it past empty
        fill = [{wr: 1, din: rng.randrange(1 << w), rd: 0} for _ in range(depth + 2)]
        both = [{wr: 1, din: rng.randrange(1 << w), rd: 1} for _ in range(3)]
        drain = [{wr: 0, din: 0, rd: 1}] * (depth + 2)
        stim = {"cycles": 500, "directed": fill + both + drain + both}
        return make_task(rng, text, ports, body, clock=clock, reset=reset, stimulus=stim)
