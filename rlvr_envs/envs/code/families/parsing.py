"""Parsing: Roman numerals, ``key=value`` records, arithmetic expressions without ``eval``."""

from __future__ import annotations

import random

from ._common import CodeFamily, Variant

ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def roman_to_int(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(s):
        v = values[ch]
        if i + 1 < len(s) and values[s[i + 1]] > v:
            total -= v
        else:
            total += v
    return total


def parse_record(s: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in s.split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        key = key.strip()
        out[key] = out.get(key, 0) + int(value.strip())
    return out


def evaluate(expr: str) -> int:
    tokens = expr.replace("(", " ( ").replace(")", " ) ").split()
    pos = 0

    def parse_sum() -> int:
        nonlocal pos
        value = parse_product()
        while pos < len(tokens) and tokens[pos] in "+-":
            op = tokens[pos]
            pos += 1
            rhs = parse_product()
            value = value + rhs if op == "+" else value - rhs
        return value

    def parse_product() -> int:
        nonlocal pos
        value = parse_atom()
        while pos < len(tokens) and tokens[pos] == "*":
            pos += 1
            value *= parse_atom()
        return value

    def parse_atom() -> int:
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == "(":
            value = parse_sum()
            pos += 1
            return value
        return int(token)

    return parse_sum()


def _roman(rng: random.Random, level: int) -> tuple[str]:
    n = rng.randint(1, (50, 500, 3999)[level - 1])
    out = ""
    for value, sym in ROMAN:
        while n >= value:
            out += sym
            n -= value
    return (out,)


def _record(rng: random.Random, level: int) -> tuple[str]:
    keys = ["a", "b", "cpu", "mem", "disk", "net"][: 2 + 2 * level]
    parts = [f"{' ' * rng.randint(0, level - 1)}{rng.choice(keys)}={rng.randint(-99, 999)}"
             for _ in range(rng.randint(0, 3 * level))]
    return (";".join(parts) + (";" if rng.random() < 0.3 else ""),)


def _expr(rng: random.Random, level: int, depth: int = 0) -> str:
    if depth >= level or rng.random() < 0.3:
        return str(rng.randint(0, 20))
    left, right = _expr(rng, level, depth + 1), _expr(rng, level, depth + 1)
    text = f"{left} {rng.choice('+-*')} {right}"
    return f"({text})" if rng.random() < 0.5 else text


PARSING = CodeFamily("parsing", [
    Variant("roman_to_int(s: str) -> int",
            "Convert a valid Roman numeral (I, V, X, L, C, D, M with subtractive pairs such as "
            "IV, XC, CM) to an integer.", roman_to_int, _roman,
            edge_cases=[("I",), ("IV",), ("MCMXCIV",), ("MMMCMXCIX",)]),
    Variant("parse_record(s: str) -> dict[str, int]",
            "`s` is a list of `key=value` items separated by `;` (spaces around keys and "
            "values, empty items and a trailing `;` may occur). Return a dict from each key to "
            "the sum of its integer values.", parse_record, _record,
            edge_cases=[("",), (";",), ("a=1;a=-1",), (" x = 5 ;",)]),
    Variant("evaluate(expr: str) -> int",
            "Evaluate an expression of non-negative integers, `+`, `-`, `*` and parentheses "
            "with the usual precedence (`*` before `+`/`-`, left to right). Tokens may be "
            "separated by spaces.", evaluate, lambda r, lv: (_expr(r, lv + 1),),
            edge_cases=[("0",), ("2 - 3 - 4",), ("2 * (3 + 4) * 5",), ("((7))",)],
            min_level=2),
])
