"""Combinational families: mux, decoder, priority encoder, arithmetic, popcount, truth table."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import make_task, port


@dataclass(frozen=True)
class Mux:
    """N-way multiplexer of W-bit inputs; levels grow N and W."""
    name: str = "mux"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        n = rng.choice({1: (2,), 2: (3, 4), 3: (5, 6, 8)}[difficulty])
        w = rng.choice({1: (1, 4), 2: (4, 8), 3: (8, 16)}[difficulty])
        s = max(1, (n - 1).bit_length())
        ins = [port(f"in{i}", "input", w) for i in range(n)]
        ports = [*ins, port("sel", "input", s), port("out", "output", w)]
        cases = "\n".join(f"      {s}'d{i}: out = in{i};" for i in range(n))
        extra = "" if n == 1 << s else "\n      default: out = 0;"
        body = f"  always @(*) begin\n    case (sel)\n{cases}{extra}\n    endcase\n  end"
        ports[-1] = {**ports[-1], "reg": True}
        text = (f"A {n}-to-1 multiplexer: out = in<sel> (sel = 0 selects in0, and so on)."
                + ("" if n == 1 << s else f" When sel is {n} or more, out is 0."))
        return make_task(rng, text, ports, body)


@dataclass(frozen=True)
class Decoder:
    """n-to-2^n one-hot decoder with an enable."""
    name: str = "decoder"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        n = {1: 2, 2: 3, 3: 4}[difficulty]
        low = rng.random() < 0.5
        ports = [port("in", "input", n), port("en", "input"), port("out", "output", 1 << n)]
        value = f"{{{1 << n}{{1'b1}}}} ^ " if low else ""
        body = f"  assign out = en ? ({value}({1 << n}'d1 << in)) : {{{1 << n}{{1'b{int(low)}}}}};"
        text = (f"A {n}-to-{1 << n} decoder with enable. When en is 1, output bit out[in] is "
                f"{'0 and every other bit is 1' if low else '1 and every other bit is 0'} "
                f"(active-{'low' if low else 'high'} outputs). When en is 0, every bit of out "
                f"is {int(low)}.")
        return make_task(rng, text, ports, body)


@dataclass(frozen=True)
class PriorityEncoder:
    """Index of the highest (or lowest) set bit, with a valid flag."""
    name: str = "priority_encoder"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        n = {1: 4, 2: 8, 3: 16}[difficulty]
        k = (n - 1).bit_length()
        high = rng.random() < 0.5
        ports = [port("in", "input", n), {**port("pos", "output", k), "reg": True},
                 port("valid", "output")]
        order = range(n) if high else range(n - 1, -1, -1)  # the last assignment wins
        lines = "\n".join(f"    if (in[{i}]) pos = {k}'d{i};" for i in order)
        body = (f"  assign valid = |in;\n  always @(*) begin\n    pos = {k}'d0;\n{lines}\n"
                "  end")
        which = "highest" if high else "lowest"
        text = (f"A priority encoder: pos is the index of the {which}-numbered bit of in that "
                "is 1, and valid is 1 when any bit of in is 1. When in is all zeros, pos is 0 "
                "and valid is 0.")
        return make_task(rng, text, ports, body)


@dataclass(frozen=True)
class Arithmetic:
    """N-bit adder with carry, subtractor with borrow, or comparator (unsigned/signed)."""
    name: str = "arithmetic"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        n = rng.choice({1: (4,), 2: (8, 12), 3: (16, 32, 40)}[difficulty])
        kind = rng.choice(["add", "sub", "compare"] + (["compare_signed"] if difficulty > 1
                                                        else []))
        a, b = port("a", "input", n), port("b", "input", n)
        if kind == "add":
            ports = [a, b, port("cin", "input"), port("sum", "output", n), port("cout", "output")]
            body = "  assign {cout, sum} = a + b + cin;"
            text = ("An adder: {cout, sum} = a + b + cin, where sum holds the low "
                    f"{n} bits of the result and cout the carry out.")
        elif kind == "sub":
            ports = [a, b, port("diff", "output", n), port("borrow", "output")]
            body = "  assign diff = a - b;\n  assign borrow = a < b;"
            text = (f"A subtractor: diff = a - b modulo 2^{n}; borrow is 1 when b is greater "
                    "than a (as unsigned numbers), else 0.")
        else:
            signed = kind == "compare_signed"
            ports = [a, b, port("eq", "output"), port("lt", "output"), port("gt", "output")]
            cast = ("$signed(a)", "$signed(b)") if signed else ("a", "b")
            body = (f"  assign eq = a == b;\n  assign lt = {cast[0]} < {cast[1]};\n"
                    f"  assign gt = {cast[0]} > {cast[1]};")
            how = "two's-complement signed" if signed else "unsigned"
            text = (f"A comparator of a and b as {how} numbers: eq is 1 when a equals b, "
                    "lt when a is less than b, gt when a is greater than b.")
        return make_task(rng, text, ports, body)


@dataclass(frozen=True)
class Popcount:
    """Number of 1 bits of an N-bit input."""
    name: str = "popcount"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        n = rng.choice({1: (3, 4), 2: (8, 12), 3: (16, 32, 64)}[difficulty])
        k = n.bit_length()
        ports = [port("in", "input", n), {**port("count", "output", k), "reg": True}]
        body = ("  integer i;\n  always @(*) begin\n    count = 0;\n"
                f"    for (i = 0; i < {n}; i = i + 1) count = count + in[i];\n  end")
        text = f"A population count: count is the number of bits of in that are 1 (0 to {n})."
        return make_task(rng, text, ports, body)


@dataclass(frozen=True)
class TruthTable:
    """A random Boolean function of k inputs, given as a truth table or as minterms."""
    name: str = "truth_table"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        k = {1: 2, 2: 3, 3: 4}[difficulty]
        names = "abcd"[:k]
        rows = 1 << k
        table = [rng.randrange(2) for _ in range(rows)]
        if all(table) or not any(table):
            table[rng.randrange(rows)] ^= 1
        ports = [*(port(c, "input") for c in names), port("f", "output")]
        minterms = [i for i in range(rows) if table[i]]
        cat = "{" + ", ".join(names) + "}"
        terms = " || ".join(f"{cat} == {k}'d{m}" for m in minterms)
        body = f"  assign f = {terms};"
        if rng.random() < 0.5 or difficulty == 1:
            head = " ".join(names) + " | f"
            lines = [head] + [" ".join(str((i >> (k - 1 - j)) & 1) for j in range(k))
                              + f" | {table[i]}" for i in range(rows)]
            text = (f"The combinational function f({', '.join(names)}) given by this truth "
                    f"table ({names[0]} is the most significant input):\n" + "\n".join(lines))
        else:
            text = (f"The combinational function f({', '.join(names)}) that is 1 exactly for "
                    f"the minterms {minterms} (minterm index = {cat} read as a {k}-bit number "
                    f"with {names[0]} the most significant bit) and 0 otherwise.")
        return make_task(rng, text, ports, body)


COMBINATIONAL = (Mux(), Decoder(), PriorityEncoder(), Arithmetic(), Popcount(), TruthTable())
