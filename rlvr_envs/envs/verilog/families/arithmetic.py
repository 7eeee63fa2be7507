"""Arithmetic: adders, subtractors, comparators, min/max, |a-b|, saturating add, and an ALU
with a random opcode table."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ._common import NamePicker, make_task, port

OPERANDS = (("a", "b"), ("x", "y"), ("lhs", "rhs"), ("op_a", "op_b"), ("in_a", "in_b"),
            ("p", "q"))
RELATIONS = {  # relation -> (output names, Verilog operator, words)
    "eq": (("eq", "equal", "is_eq"), "==", "equal to"),
    "ne": (("ne", "neq", "differ"), "!=", "not equal to"),
    "lt": (("lt", "less", "is_lt"), "<", "less than"),
    "le": (("le", "lte", "leq"), "<=", "less than or equal to"),
    "gt": (("gt", "greater", "is_gt"), ">", "greater than"),
    "ge": (("ge", "gte", "geq"), ">=", "greater than or equal to"),
}
# ALU operations: Verilog (with {a}, {b}, {w}, {m} = w-1) and words; the result is w bits
ALU_OPS = {
    "add": ("{a} + {b}", "{a} + {b} modulo 2^{w}"),
    "sub": ("{a} - {b}", "{a} - {b} modulo 2^{w}"),
    "and": ("{a} & {b}", "bitwise {a} AND {b}"),
    "or": ("{a} | {b}", "bitwise {a} OR {b}"),
    "xor": ("{a} ^ {b}", "bitwise {a} XOR {b}"),
    "nor": ("~({a} | {b})", "bitwise NOT ({a} OR {b})"),
    "nand": ("~({a} & {b})", "bitwise NOT ({a} AND {b})"),
    "xnor": ("~({a} ^ {b})", "bitwise NOT ({a} XOR {b})"),
    "shl": ("{a} << 1", "{a} shifted left by one bit (0 enters at bit 0)"),
    "shr": ("{a} >> 1", "{a} shifted right by one bit (0 enters at bit {m})"),
    "sra": ("{{{a}[{m}], {a}[{m}:1]}}", "{a} shifted right by one bit with bit {m} kept "
            "(arithmetic shift)"),
    "rol": ("{{{a}[{m1}:0], {a}[{m}]}}", "{a} rotated left by one bit"),
    "pass_a": ("{a}", "{a}"),
    "pass_b": ("{b}", "{b}"),
    "not_a": ("~{a}", "bitwise NOT {a}"),
    "inc": ("{a} + {w}'d1", "{a} + 1 modulo 2^{w}"),
    "dec": ("{a} - {w}'d1", "{a} - 1 modulo 2^{w}"),
    "sltu": ("({a} < {b}) ? {w}'d1 : {w}'d0", "1 if {a} < {b} as unsigned numbers, else 0"),
    "slt": ("($signed({a}) < $signed({b})) ? {w}'d1 : {w}'d0",
            "1 if {a} < {b} as two's-complement signed numbers, else 0"),
    "minu": ("({a} < {b}) ? {a} : {b}", "the smaller of {a} and {b} (unsigned)"),
    "maxu": ("({a} > {b}) ? {a} : {b}", "the larger of {a} and {b} (unsigned)"),
}


@dataclass(frozen=True)
class Arithmetic:
    """Level 1: 2-8-bit adders (optional carry in/out) and subtractors (optional borrow);
    2: 4-16 bits, also borrow in, comparators with a random set of relations (signed or
    not), min/max, |a-b|, saturating add; 3: an ALU with 4-8 operations and a random opcode
    table (8-32 bits), or a level-2 kind at 16-40 bits."""
    name: str = "arithmetic"
    difficulties: tuple[int, ...] = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict[str, Any]:
        names = NamePicker(rng)
        a, b = rng.choice(OPERANDS)
        names.used |= {a, b}
        if difficulty == 1:
            kind, w = rng.choice(("add", "sub")), rng.randint(2, 8)
        elif difficulty == 2 or rng.random() < 0.3:
            kind = rng.choice(("add", "sub", "compare", "minmax", "absdiff", "sat_add"))
            w = rng.randint(4, 16) if difficulty == 2 else rng.randint(16, 40)
        else:
            kind, w = "alu", rng.randint(8, 32)
        build = {"add": _adder, "sub": _subtractor, "compare": _comparator, "minmax": _minmax,
                 "absdiff": _absdiff, "sat_add": _sat_add, "alu": _alu}[kind]
        ins = [port(a, "input", w), port(b, "input", w)]
        extra, outs, body, text, directed = build(rng, names, a, b, w, difficulty)
        return make_task(rng, text, ins + extra + outs, body, stimulus={"directed": directed})


def _equal_pairs(rng: random.Random, a: str, b: str, w: int) -> list[dict[str, int]]:
    """a == b and a == b +- 1: random wide vectors almost never hit them."""
    out = []
    for _ in range(8):
        v = rng.randrange(1 << w)
        out += [{a: v, b: v}, {a: v, b: (v + 1) % (1 << w)}, {a: (v + 1) % (1 << w), b: v}]
    return out


def _adder(rng, names, a, b, w, level):
    cin = names(("cin", "ci", "carry_in")) if level > 1 or rng.random() < 0.5 else None
    cout = names(("cout", "co", "carry")) if level > 1 or rng.random() < 0.7 else None
    s = names(("sum", "s", "result"))
    extra = [port(cin, "input")] if cin else []
    outs = [port(s, "output", w)] + ([port(cout, "output")] if cout else [])
    rhs = f"{a} + {b}" + (f" + {cin}" if cin else "")
    lhs = f"{{{cout}, {s}}}" if cout else s
    text = f"An adder: {s} is the low {w} bits of {rhs}"
    text += f", and {cout} is the carry out (bit {w} of the sum)." if cout else " (the carry is dropped)."
    return extra, outs, f"  assign {lhs} = {rhs};", text, []


def _subtractor(rng, names, a, b, w, level):
    bin_ = names(("bin", "borrow_in", "bi")) if level > 1 and rng.random() < 0.5 else None
    bout = names(("borrow", "bout", "borrow_out")) if level > 1 or rng.random() < 0.7 else None
    d = names(("diff", "d", "result"))
    extra = [port(bin_, "input")] if bin_ else []
    outs = [port(d, "output", w)] + ([port(bout, "output")] if bout else [])
    rhs = f"{{1'b0, {a}}} - {{1'b0, {b}}}" + (f" - {bin_}" if bin_ else "")
    lhs = f"{{{bout}, {d}}}" if bout else f"{{unused_borrow, {d}}}"
    body = ("" if bout else "  wire unused_borrow;\n") + f"  assign {lhs} = {rhs};"
    expr = f"{a} - {b}" + (f" - {bin_}" if bin_ else "")
    text = f"A subtractor: {d} = {expr} modulo 2^{w}"
    text += (f"; {bout} is 1 when {expr} is negative ({a}, {b} unsigned), else 0."
             if bout else ".")
    return extra, outs, body, text, []


def _comparator(rng, names, a, b, w, level):
    signed = rng.random() < 0.5
    rels = rng.sample(sorted(RELATIONS), rng.randint(2, 3))
    outs, lines, words = [], [], []
    ca, cb = (f"$signed({a})", f"$signed({b})") if signed else (a, b)
    for rel in rels:
        pool, op, phrase = RELATIONS[rel]
        o = names(pool)
        outs.append(port(o, "output"))
        lines.append(f"  assign {o} = {ca} {op} {cb};")
        words.append(f"{o} is 1 when {a} is {phrase} {b}")
    how = "two's-complement signed" if signed else "unsigned"
    text = (f"A comparator of {a} and {b} as {how} numbers: " + "; ".join(words)
            + " (each output is 0 otherwise).")
    return [], outs, "\n".join(lines), text, _equal_pairs(rng, a, b, w)


def _minmax(rng, names, a, b, w, level):
    signed = rng.random() < 0.5
    which = rng.choice((("min",), ("max",), ("min", "max")))
    ca, cb = (f"$signed({a})", f"$signed({b})") if signed else (a, b)
    outs, lines, words = [], [], []
    for m in which:
        o = names(("min_v", "lo", "smaller", "mn") if m == "min" else ("max_v", "hi", "larger", "mx"))
        outs.append(port(o, "output", w))
        lines.append(f"  assign {o} = ({ca} {'<' if m == 'min' else '>'} {cb}) ? {a} : {b};")
        words.append(f"{o} is the {'smaller' if m == 'min' else 'larger'} of {a} and {b}")
    how = "two's-complement signed" if signed else "unsigned"
    text = "; ".join(words) + f", comparing them as {how} numbers."
    return [], outs, "\n".join(lines), text[0].upper() + text[1:], _equal_pairs(rng, a, b, w)


def _absdiff(rng, names, a, b, w, level):
    o = names(("absdiff", "abs_d", "delta", "diff"))
    body = f"  assign {o} = ({a} > {b}) ? {a} - {b} : {b} - {a};"
    text = f"{o} is the absolute difference |{a} - {b}| of {a} and {b} as unsigned numbers."
    return [], [port(o, "output", w)], body, text, _equal_pairs(rng, a, b, w)


def _sat_add(rng, names, a, b, w, level):
    s = names(("sum", "s", "result"))
    flag = names(("ovf", "sat", "overflow")) if rng.random() < 0.5 else None
    body = (f"  wire [{w}:0] full_sum = {a} + {b};\n"
            f"  assign {s} = full_sum[{w}] ? {{{w}{{1'b1}}}} : full_sum[{w - 1}:0];")
    text = (f"A saturating unsigned adder: {s} = {a} + {b} when the sum fits in {w} bits, "
            f"else {(1 << w) - 1} (all ones).")
    outs = [port(s, "output", w)]
    if flag:
        body += f"\n  assign {flag} = full_sum[{w}];"
        text += f" {flag} is 1 when the sum does not fit (the result saturated), else 0."
        outs.append(port(flag, "output"))
    return [], outs, body, text, []


def _alu(rng, names, a, b, w, level):
    k = rng.randint(4, 8)
    ow = (k - 1).bit_length()
    ops = rng.sample(sorted(ALU_OPS), k)
    codes = rng.sample(range(1 << ow), k)
    op, y = names(("op", "opcode", "alu_op", "func", "ctrl")), names(("y", "result", "res", "alu_out"))
    zero = names(("zero", "is_zero", "zf")) if rng.random() < 0.5 else None
    fmt = {"a": a, "b": b, "w": w, "m": w - 1, "m1": w - 2}
    rows = sorted(zip(codes, ops, strict=True))
    cases = "\n".join(f"      {ow}'d{c}: {y} = {ALU_OPS[o][0].format(**fmt)};" for c, o in rows)
    full = k == 1 << ow
    body = (f"  always @(*) begin\n    case ({op})\n{cases}\n"
            + ("" if full else f"      default: {y} = {w}'d0;\n") + "    endcase\n  end")
    table = "\n".join(f"{op} = {c} (binary {c:0{ow}b}): {y} = {ALU_OPS[o][1].format(**fmt)}"
                      for c, o in rows)
    text = f"An ALU on {w}-bit operands; {y} is selected by {op}:\n{table}"
    if not full:
        text += f"\nAny other value of {op}: {y} = 0."
    outs = [port(y, "output", w, reg=True)]
    if zero:
        body += f"\n  assign {zero} = {y} == {w}'d0;"
        text += f"\n{zero} is 1 when {y} is 0, else 0."
        outs.append(port(zero, "output"))
    return [port(op, "input", ow)], outs, body, text, []
