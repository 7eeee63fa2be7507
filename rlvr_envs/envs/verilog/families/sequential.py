"""Sequential families: counters, shift registers, edge and sequence detectors, FSMs, FIFOs.

Every family has a reset (random polarity, sync or async) so no output is X once the
testbench starts sampling (after the first rising edge under reset).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import always_head, make_task, port, reset_spec


def _describe_reset(reset: dict[str, Any], what: str) -> str:
    return f"While reset is asserted, {what}."


@dataclass(frozen=True)
class Counter:
    """W-bit up (or down) counter with enable and, at higher levels, a parallel load."""
    name: str = "counter"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        w = rng.choice({1: (3, 4), 2: (4, 8), 3: (8, 16)}[difficulty])
        up = difficulty == 1 or rng.random() < 0.6
        reset = reset_spec(rng)
        init = rng.randrange(1 << w) if difficulty == 3 else 0
        has_load = difficulty >= 2
        ports = [port("clk", "input"), port(reset["name"], "input"), port("en", "input")]
        if has_load:
            ports += [port("load", "input"), port("d", "input", w)]
        ports.append({**port("q", "output", w), "reg": True})
        head, cond = always_head("clk", reset)
        step = "q + 1'b1" if up else "q - 1'b1"
        load = "    else if (load) q <= d;\n" if has_load else ""
        body = (f"  {head}\n    if ({cond}) q <= {w}'d{init};\n{load}"
                f"    else if (en) q <= {step};")
        text = (f"A {w}-bit {'up' if up else 'down'} counter q that wraps around. "
                + _describe_reset(reset, f"q becomes {init}")
                + (" Otherwise, when load is 1, q takes the value d (load has priority over en)."
                   if has_load else "")
                + f" Otherwise, when en is 1, q {'increments' if up else 'decrements'} by 1 at "
                "each rising clock edge; when en is 0 it holds its value.")
        stim = {"rare": ["load"] if has_load else [], "cycles": 200 + 100 * difficulty}
        return make_task(rng, text, ports, body, clock="clk", reset=reset, stimulus=stim)


@dataclass(frozen=True)
class ShiftRegister:
    """W-bit shift register with serial input and enable, left or right."""
    name: str = "shift_register"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        w = rng.choice({1: (4,), 2: (8,), 3: (16, 24)}[difficulty])
        left = rng.random() < 0.5
        reset = reset_spec(rng)
        ports = [port("clk", "input"), port(reset["name"], "input"), port("en", "input"),
                 port("sin", "input"), {**port("q", "output", w), "reg": True}]
        head, cond = always_head("clk", reset)
        shift = f"{{q[{w - 2}:0], sin}}" if left else f"{{sin, q[{w - 1}:1]}}"
        body = f"  {head}\n    if ({cond}) q <= {w}'d0;\n    else if (en) q <= {shift};"
        text = (f"A {w}-bit shift register q. " + _describe_reset(reset, "q becomes 0")
                + " Otherwise, when en is 1, at each rising clock edge q shifts "
                + (f"left by one: sin enters at q[0] and q[{w - 1}] is dropped." if left else
                   f"right by one: sin enters at q[{w - 1}] and q[0] is dropped.")
                + " When en is 0, q holds its value.")
        return make_task(rng, text, ports, body, clock="clk", reset=reset,
                         stimulus={"cycles": 300})


@dataclass(frozen=True)
class EdgeDetector:
    """Registered rising/falling/any-edge detector on each bit of an input."""
    name: str = "edge_detector"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        w = {1: 1, 2: 4, 3: 8}[difficulty]
        kind = rng.choice(["rising", "falling", "any"])
        reset = reset_spec(rng)
        ports = [port("clk", "input"), port(reset["name"], "input"), port("in", "input", w),
                 {**port("pulse", "output", w), "reg": True}]
        head, cond = always_head("clk", reset)
        expr = {"rising": "in & ~prev", "falling": "~in & prev", "any": "in ^ prev"}[kind]
        body = (f"  reg [{w - 1}:0] prev;\n  {head}\n    if ({cond}) begin prev <= {w}'d0; "
                f"pulse <= {w}'d0; end\n    else begin pulse <= {expr}; prev <= in; end")
        change = {"rising": "from 0 to 1", "falling": "from 1 to 0", "any": "in either direction"}
        text = ("An edge detector for each bit of in. At every rising clock edge, each bit of "
                f"pulse becomes 1 if the same bit of in changed {change[kind]} between the "
                "value sampled at the previous rising edge and the value sampled now, and 0 "
                "otherwise (so pulse is registered, one cycle long). "
                + _describe_reset(reset, "pulse becomes 0 and the remembered previous value of "
                                  "in becomes 0"))
        return make_task(rng, text, ports, body, clock="clk", reset=reset,
                         stimulus={"cycles": 300})


@dataclass(frozen=True)
class SequenceDetector:
    """Moore detector of a bit pattern on a serial input, overlapping matches allowed."""
    name: str = "sequence_detector"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        n = {1: 3, 2: 4, 3: 6}[difficulty]
        pattern = "".join(rng.choice("01") for _ in range(n))
        reset = reset_spec(rng)
        ports = [port("clk", "input"), port(reset["name"], "input"), port("x", "input"),
                 port("found", "output")]
        head, cond = always_head("clk", reset)
        cbits = n.bit_length()
        body = (f"  reg [{n - 1}:0] hist;\n  reg [{cbits - 1}:0] seen;\n  {head}\n"
                f"    if ({cond}) begin hist <= {n}'d0; seen <= {cbits}'d0; end\n"
                f"    else begin hist <= {{hist[{n - 2}:0], x}}; "
                f"if (seen != {cbits}'d{n}) seen <= seen + 1'b1; end\n"
                f"  assign found = (seen == {cbits}'d{n}) && (hist == {n}'b{pattern});")
        text = (f"A detector of the bit sequence {pattern} (first bit first) on the serial "
                "input x, which is sampled at each rising clock edge. found is 1 exactly "
                f"during the clock cycle after the edge at which the last {n} samples taken "
                f"since reset was released were {pattern}, and 0 otherwise; overlapping "
                "occurrences all count. " + _describe_reset(reset, "all history is cleared "
                                                              "(samples taken under reset do not "
                                                              "count)"))
        return make_task(rng, text, ports, body, clock="clk", reset=reset,
                         stimulus={"cycles": 400})


@dataclass(frozen=True)
class RandomFSM:
    """Moore FSM from a random state table with a 1-bit input and a 1- or 2-bit output."""
    name: str = "fsm"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        s = {1: 3, 2: 4, 3: 6}[difficulty]
        ow = 1 if difficulty < 3 else 2
        names = [chr(65 + i) for i in range(s)]
        nxt = [[rng.randrange(s), rng.randrange(s)] for _ in range(s)]
        for i in range(s):  # a ring through every state keeps them all reachable
            nxt[i][rng.randrange(2)] = (i + 1) % s
        out = [rng.randrange(1 << ow) for _ in range(s)]
        if len(set(out)) == 1:  # a constant output would make the state machine moot
            out[rng.randrange(1, s)] ^= 1
        reset = reset_spec(rng)
        ports = [port("clk", "input"), port(reset["name"], "input"), port("x", "input"),
                 port("z", "output", ow)]
        k = max(1, (s - 1).bit_length())
        head, cond = always_head("clk", reset)
        cases = "\n".join(f"      {k}'d{i}: state <= x ? {k}'d{nxt[i][1]} : {k}'d{nxt[i][0]};"
                          for i in range(s))
        outs = "\n".join(f"      {k}'d{i}: zr = {ow}'d{out[i]};" for i in range(s))
        body = (f"  reg [{k - 1}:0] state;\n  reg [{ow - 1}:0] zr;\n  assign z = zr;\n"
                f"  {head}\n    if ({cond}) state <= {k}'d0;\n    else case (state)\n{cases}\n"
                f"      default: state <= {k}'d0;\n    endcase\n"
                f"  always @(*) begin\n    case (state)\n{outs}\n      default: zr = {ow}'d0;\n"
                "    endcase\n  end")
        rows = [f"{names[i]}     | {names[nxt[i][0]]}     | {names[nxt[i][1]]}     | {out[i]}"
                for i in range(s)]
        text = ("A Moore state machine with states " + ", ".join(names) + ". At each rising "
                "clock edge it moves to the next state given by the table for the current "
                "state and input x; the output z depends only on the current state.\n"
                "state | x = 0 | x = 1 | z\n" + "\n".join(rows) + "\n"
                + _describe_reset(reset, f"the machine goes to state {names[0]}"))
        return make_task(rng, text, ports, body, clock="clk", reset=reset,
                         stimulus={"cycles": 400})


@dataclass(frozen=True)
class Fifo:
    """Synchronous FIFO with full/empty flags; writes when full and reads when empty are
    ignored."""
    name: str = "fifo"
    difficulties: tuple[int, ...] = (2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        depth = {2: 4, 3: 8}[difficulty]
        w = rng.choice((4, 8))
        reset = reset_spec(rng)
        a = (depth - 1).bit_length()
        ports = [port("clk", "input"), port(reset["name"], "input"), port("wr_en", "input"),
                 port("din", "input", w), port("rd_en", "input"), port("dout", "output", w),
                 port("full", "output"), port("empty", "output")]
        head, cond = always_head("clk", reset)
        body = (f"  reg [{w - 1}:0] mem [0:{depth - 1}];\n  reg [{a - 1}:0] rp, wp;\n"
                f"  reg [{a}:0] count;\n  wire do_wr = wr_en && count != {depth};\n"
                "  wire do_rd = rd_en && count != 0;\n"
                f"  assign full = count == {depth};\n  assign empty = count == 0;\n"
                f"  assign dout = empty ? {w}'d0 : mem[rp];\n"
                f"  {head}\n    if ({cond}) begin rp <= 0; wp <= 0; count <= 0; end\n"
                "    else begin\n      if (do_wr) begin mem[wp] <= din; wp <= wp + 1'b1; end\n"
                "      if (do_rd) rp <= rp + 1'b1;\n      count <= count + do_wr - do_rd;\n"
                "    end")
        text = (f"A first-in first-out queue of depth {depth} holding {w}-bit words. At a "
                "rising clock edge, if wr_en is 1 and the FIFO is not full, din is appended; "
                "if rd_en is 1 and the FIFO is not empty, the oldest word is removed. Both may "
                "happen at the same edge (the full/empty test uses the state before the edge). "
                f"full is 1 when it holds {depth} words, empty when it holds none. dout always "
                "shows the oldest word held, or 0 when empty. "
                + _describe_reset(reset, "the FIFO becomes empty"))
        return make_task(rng, text, ports, body, clock="clk", reset=reset,
                         stimulus={"cycles": 500})


SEQUENTIAL = (Counter(), ShiftRegister(), EdgeDetector(), SequenceDetector(), RandomFSM(),
              Fifo())
