"""Parsing: Roman numerals, ``key=value`` records, delimited lines with quotes, dates,
version strings, arithmetic expressions without ``eval``. Parameters: direction and letter
case, separators, how repeated keys combine, quote characters, date layouts, the operator
set and precedence of a grammar, comparison conventions."""

from __future__ import annotations

import random

from ._common import CodeFamily, Spec, Variant

TEXT = {"s": ["s", "text", "line", "record"]}
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


# --- Roman numerals -------------------------------------------------------------------------

def roman_values(s: str, *, upper: bool, subtractive: bool, sep: str,
                 combine: str) -> int | list[int]:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    if not upper:
        values = {k.lower(): v for k, v in values.items()}
    results = []
    for numeral in s.split(sep):
        total = 0
        for i, ch in enumerate(numeral):
            if i + 1 < len(numeral) and values[numeral[i + 1]] > values[ch]:
                total -= values[ch]
            else:
                total += values[ch]
        results.append(total)
    if combine == "list":
        return results
    return sum(results) if combine == "sum" else max(results)


def write_romans(nums: list[int], *, upper: bool, subtractive: bool, sep: str) -> str:
    table = ([(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
              (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
             if subtractive else
             [(1000, "M"), (500, "D"), (100, "C"), (50, "L"), (10, "X"), (5, "V"), (1, "I")])
    numerals = []
    for n in nums:
        out = ""
        for value, symbol in table:
            while n >= value:
                out += symbol
                n -= value
        numerals.append(out if upper else out.lower())
    return sep.join(numerals)


def int_to_roman(n: int, *, upper: bool, subtractive: bool) -> str:
    return write_romans([n], upper=upper, subtractive=subtractive, sep="")


def _roman_rules(spec: Spec) -> str:
    case = "upper-case" if spec.upper else "lower-case"
    form = ("with the subtractive pairs IV, IX, XL, XC, CD, CM (so 4 is IV and 1994 is "
            "MCMXCIV)" if spec.subtractive else
            "in the purely additive style: symbols from largest to smallest, no subtractive "
            "pairs (so 4 is IIII, 9 is VIIII and 1994 is MDCCCCLXXXXIIII)")
    return f"{case} Roman numerals (I=1, V=5, X=10, L=50, C=100, D=500, M=1000) {form}"


def _roman_params(rng: random.Random, level: int) -> dict:
    return {"upper": rng.random() < 0.5, "subtractive": rng.random() < 0.5}


ROMAN_SEPS = {" ": "single spaces", ",": "commas (no spaces)", "+": "`+` signs"}
ROMAN_COMBINE = {"list": "the list of their values, in order", "sum": "the sum of their values",
                 "max": "the largest of their values"}


def _roman_list(rng: random.Random, level: int, spec: Spec) -> tuple:
    rules = {"upper": spec.upper, "subtractive": spec.subtractive}
    return (spec.sep.join(int_to_roman(_roman_number(rng, level), **rules)
                          for _ in range(rng.randint(1, level + 2))),)


def _roman_list_edges(spec: Spec) -> list[tuple]:
    rules = {"upper": spec.upper, "subtractive": spec.subtractive}
    return [(int_to_roman(n, **rules),) for n in (4, 1994, 3999)] + [
        (spec.sep.join(int_to_roman(n, **rules) for n in (9, 40, 9)),)]


def _roman_number(rng: random.Random, level: int) -> int:
    return rng.randint(1, (50, 500, 3999)[level - 1])


# --- key/value records ----------------------------------------------------------------------

def parse_record(s: str, *, item_sep: str, kv_sep: str, combine: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in s.split(item_sep):
        if not part.strip():
            continue
        key, _, raw = part.partition(kv_sep)
        key, value = key.strip(), int(raw.strip())
        if key not in out:
            out[key] = 1 if combine == "count" else value
        elif combine == "sum":
            out[key] += value
        elif combine == "last":
            out[key] = value
        elif combine == "max":
            out[key] = max(out[key], value)
        elif combine == "count":
            out[key] += 1
    return out


COMBINE = {"sum": "the sum of its values", "last": "its last value",
           "first": "its first value", "max": "its largest value",
           "count": "the number of items with that key"}
ITEM_SEPS = {";": "`;`", ",": "`,`", "&": "`&`", "|": "`|`"}


def _record_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    keys = ["a", "b", "cpu", "mem", "disk", "net"][: 2 + 2 * level]
    parts = [f"{' ' * rng.randint(0, level - 1)}{rng.choice(keys)}{spec.kv_sep}"
             f"{' ' * rng.randint(0, 1)}{rng.randint(-99, 999)}"
             for _ in range(rng.randint(0, 3 * level))]
    return (spec.item_sep.join(parts) + (spec.item_sep if rng.random() < 0.3 else ""),)


def _record_edges(spec: Spec) -> list[tuple]:
    i, k = spec.item_sep, spec.kv_sep
    return [("",), (i,), (f"a{k}1{i}a{k}-1",), (f" x {k} 5 {i}",), (f"b{k}2{i}b{k}7{i}b{k}3",)]


# --- delimited lines with quotes ------------------------------------------------------------

def split_fields(s: str, *, sep: str, quote: str, strip: bool) -> list[str]:
    fields, current, quoted = [], "", False
    for ch in s:
        if ch == quote:
            quoted = not quoted
        elif ch == sep and not quoted:
            fields.append(current)
            current = ""
        else:
            current += ch
    fields.append(current)
    return [f.strip() for f in fields] if strip else fields


FIELD_SEPS = {",": "commas", ";": "semicolons", "|": "`|`", "\t": "tab characters"}


def _fields_text(spec: Spec) -> str:
    q = '"' if spec.quote == '"' else "'"
    strip = ("then strip spaces from both ends of each field" if spec.strip else
             "keep spaces inside fields as they are")
    return (f"`{spec.s}` is one line of fields separated by {FIELD_SEPS[spec.sep]}. A part "
            f"enclosed in {q} quotes (a quoted field starts with the quote) may contain the "
            "separator, which then does not split; the quote characters themselves are "
            "dropped (quotes never nest or escape). "
            f"Return the list of fields as strings ({strip}). An empty line is one empty "
            "field.")


def _fields_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    def field() -> str:
        word = "".join(rng.choice("ab xy") for _ in range(rng.randint(0, 4)))
        if rng.random() < 0.3 * level:
            word = spec.quote + word + rng.choice([spec.sep, " ", ",", ";"]) + spec.quote
        return word
    return (spec.sep.join(field() for _ in range(rng.randint(1, 2 + 2 * level))),)


# --- dates ----------------------------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DATE_FORMATS = {"iso": "YYYY-MM-DD (2024-03-07)", "dmy": "DD/MM/YYYY (07/03/2024)",
                "mdy": "MM/DD/YYYY (03/07/2024)", "dots": "DD.MM.YYYY (07.03.2024)",
                "long": "Month D, YYYY with the English month name and no leading zero "
                        "(March 7, 2024)"}


def reformat_date_layout(s: str, *, src: str, dst: str) -> str:
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    if src == "iso":
        y, m, d = map(int, s.split("-"))
    elif src == "dmy":
        d, m, y = map(int, s.split("/"))
    elif src == "mdy":
        m, d, y = map(int, s.split("/"))
    elif src == "dots":
        d, m, y = map(int, s.split("."))
    else:
        name, day, year = s.replace(",", "").split()
        d, m, y = int(day), months.index(name) + 1, int(year)
    if dst == "iso":
        return f"{y:04d}-{m:02d}-{d:02d}"
    if dst == "dmy":
        return f"{d:02d}/{m:02d}/{y:04d}"
    if dst == "mdy":
        return f"{m:02d}/{d:02d}/{y:04d}"
    if dst == "dots":
        return f"{d:02d}.{m:02d}.{y:04d}"
    return f"{months[m - 1]} {d}, {y}"


def _date_params(rng: random.Random, level: int) -> dict:
    src, dst = rng.sample(list(DATE_FORMATS), 2)
    return {"src": src, "dst": dst}


def _date_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    y, m = rng.randint(1000 if level > 1 else 1990, 2099), rng.randint(1, 12)
    d = rng.randint(1, 28)
    return (reformat_date_layout(f"{y:04d}-{m:02d}-{d:02d}", src="iso", dst=spec.src),)


def _date_edges(spec: Spec) -> list[tuple]:
    return [(reformat_date_layout(iso, src="iso", dst=spec.src),)
            for iso in ("2024-03-07", "1999-12-31", "2000-01-02", "2010-11-12")]


# --- version strings ------------------------------------------------------------------------

def compare_versions(a: str, b: str, *, sep: str, pad: bool, result: str) -> int | str | bool:
    x, y = [int(p) for p in a.split(sep)], [int(p) for p in b.split(sep)]
    if pad:
        width = max(len(x), len(y))
        x, y = x + [0] * (width - len(x)), y + [0] * (width - len(y))
    order = (x > y) - (x < y)
    if result == "sign":
        return order
    if result == "newer":
        return order == 1
    return {-1: "older", 0: "same", 1: "newer"}[order]


def _version_text(spec: Spec) -> str:
    short, full = spec.sep.join("12"), spec.sep.join("120")
    missing = (f"a missing part counts as 0 (so {short} and {full} are the same)" if spec.pad
               else f"if one is a prefix of the other, the shorter one is older ({short} is "
                    f"older than {full})")
    answer = {"sign": "-1 if `{a}` is older than `{b}`, 0 if they are the same, 1 if `{a}` is "
                      "newer",
              "word": "\"older\" if `{a}` is older than `{b}`, \"same\" if they are the "
                      "same, \"newer\" if `{a}` is newer",
              "newer": "True if `{a}` is strictly newer than `{b}`, else False"}[spec.result]
    answer = answer.format(a=spec.a, b=spec.b)
    return (f"`{spec.a}` and `{spec.b}` are version numbers: non-negative integers joined by "
            f"`{spec.sep}`. Compare them part by part from the left, numerically; {missing}. "
            f"Return {answer}.")


def _version_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    def version(base: list[int]) -> str:
        parts = list(base)
        if rng.random() < 0.5:
            parts[rng.randrange(len(parts))] = rng.randint(0, 12)
        if rng.random() < 0.4:
            parts = parts[: rng.randint(1, len(parts))] + [0] * rng.randint(0, 1)
        return spec.sep.join(map(str, parts))
    base = [rng.randint(0, 12) for _ in range(rng.randint(1, 2 + level))]
    return version(base), version(base)


# --- expressions ----------------------------------------------------------------------------

def evaluate(expr: str, *, ops: str, precedence: str, brackets: str) -> int:
    tokens = []
    for ch in expr:
        if ch.isdigit() and tokens and tokens[-1].isdigit():
            tokens[-1] += ch
        elif not ch.isspace():
            tokens.append(ch)
    pos = 0

    def apply(op: str, x: int, y: int) -> int:
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return x // y
        if op == "%":
            return x % y
        return x ** y

    def level_of(op: str) -> int:
        if precedence == "none":
            return 1
        if precedence == "additive_first":
            return {"+": 3, "-": 3, "*": 2, "/": 2, "%": 2, "^": 2}[op]
        return {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "^": 3}[op]

    def parse(min_level: int) -> int:
        nonlocal pos
        token = tokens[pos]
        pos += 1
        if token == brackets[0]:
            value = parse(1)
            pos += 1
        else:
            value = int(token)
        while pos < len(tokens) and tokens[pos] in ops and level_of(tokens[pos]) >= min_level:
            op = tokens[pos]
            pos += 1
            right_assoc = precedence == "usual" and op == "^"
            value = apply(op, value, parse(level_of(op) + (0 if right_assoc else 1)))
        return value

    return parse(1)


OPS_TEXT = {"/": "`/` (integer division rounding down, like Python's `//`; no division by "
                 "zero occurs)",
            "%": "`%` (remainder, like Python's `%`; never by zero)",
            "^": "`^` (power; exponents are small and non-negative)"}


def _expr_text(spec: Spec) -> str:
    extra = spec.ops[3:]
    ops = f"`+`, `-`, `*` and {OPS_TEXT[extra]}"
    if spec.precedence == "usual":
        order = ("with the usual precedence: " + ("`^` first (right to left: 2^3^2 is "
                                                  "2^9), then " if extra == "^" else "")
                 + "`*`" + (f" and `{extra}`" if extra != "^" else "")
                 + " before `+` and `-`; operators of the same level go left to right")
    elif spec.precedence == "none":
        order = ("with NO precedence: every operator has the same priority and applies "
                 "strictly from left to right (so 2 + 3 * 4 is 20)")
    else:
        order = (f"with REVERSED precedence: `+` and `-` bind tighter than `*` and `{extra}`, "
                 "which share one level (so 2 * 3 + 4 is 14); operators of the same level go "
                 "left to right")
    return (f"Evaluate `{spec.expr}`, an expression of non-negative integers, the operators "
            f"{ops}, and grouping brackets `{spec.brackets[0]}` `{spec.brackets[1]}`, "
            f"{order}. Brackets are evaluated first. Tokens may be separated by spaces. Do "
            "not use `eval`.")


def _expr_params(rng: random.Random, level: int) -> dict:
    precedence = rng.choice(["usual", "none", "additive_first"])
    # powers only with the usual precedence, where exponents stay the small literals
    return {"ops": "+-*" + rng.choice("/%^" if precedence == "usual" else "/%"),
            "precedence": precedence, "brackets": rng.choice(["()", "[]", "{}"])}


def _expr(rng: random.Random, level: int, spec: Spec, depth: int = 0) -> str:
    if depth >= level + 1 or rng.random() < 0.25:
        return str(rng.randint(0, 20))
    op = rng.choice(spec.ops)
    left = _expr(rng, level, spec, depth + 1)
    right = (str(rng.randint(0, 3)) if op == "^" else str(rng.randint(1, 9)) if op in "/%"
             else _expr(rng, level, spec, depth + 1))
    text = f"{left} {op} {right}"
    return f"{spec.brackets[0]}{text}{spec.brackets[1]}" if rng.random() < 0.4 else text


def _expr_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    for _ in range(50):   # keep powers of powers small; no division by zero
        expr = _expr(rng, level, spec)
        try:
            if abs(evaluate(expr, **spec.params)) < 10 ** 12:
                return (expr,)
        except ZeroDivisionError:
            continue
    return ("1 + 2",)


PARSING = CodeFamily("parsing", [
    Variant(roman_values, ["roman_values", "parse_roman", "from_roman", "read_numerals"],
            lambda s: (f"`{s.s}` holds one or more numbers from 1 to 3999, separated by "
                       f"{ROMAN_SEPS[s.sep]}, each written in {_roman_rules(s)}. Return "
                       f"{ROMAN_COMBINE[s.combine]}."),
            _roman_list,
            lambda r, lv: {**_roman_params(r, lv), "sep": r.choice(list(ROMAN_SEPS)),
                           "combine": r.choice(list(ROMAN_COMBINE))},
            _roman_list_edges, arg_names={"s": ["s", "numerals", "roman"]},
            returns=lambda s: "list[int]" if s.combine == "list" else "int"),
    Variant(write_romans, ["to_roman", "write_romans", "roman_numerals"],
            lambda s: (f"Write each number of `{s.nums}` (each from 1 to 3999) in "
                       f"{_roman_rules(s)}, and return them in order, separated by "
                       f"{ROMAN_SEPS[s.sep]} ("" for an empty list)."),
            lambda r, lv, s: ([_roman_number(r, lv) for _ in range(r.randint(0, lv + 2))],),
            lambda r, lv: {**_roman_params(r, lv), "sep": r.choice(list(ROMAN_SEPS))},
            lambda s: [([],), ([4],), ([49, 1994],), ([3999, 9, 1],)],
            arg_names={"nums": ["nums", "numbers", "values"]}),
    Variant(parse_record, ["parse_record", "parse_pairs", "read_settings", "tally_keys"],
            lambda s: (f"`{s.s}` is a list of `key{s.kv_sep}value` items separated by "
                       f"{ITEM_SEPS[s.item_sep]} (spaces around keys and values, empty items "
                       f"and a trailing {ITEM_SEPS[s.item_sep]} may occur; values are "
                       f"integers). Return a dict from each key to {COMBINE[s.combine]}."),
            _record_args,
            lambda r, lv: {"item_sep": r.choice(list(ITEM_SEPS)), "kv_sep": r.choice("=:"),
                           "combine": r.choice(list(COMBINE))},
            _record_edges, arg_names=TEXT),
    Variant(split_fields, ["split_fields", "parse_line", "split_quoted"], _fields_text,
            _fields_args,
            lambda r, lv: {"sep": r.choice(list(FIELD_SEPS)), "quote": r.choice("\"'"),
                           "strip": r.random() < 0.5},
            lambda s: [("",), (s.sep * 2,), (f"{s.quote}a{s.sep}b{s.quote}{s.sep} c ",)],
            arg_names=TEXT),
    Variant(reformat_date_layout, ["convert_date", "reformat_date", "normalize_date"],
            lambda s: (f"`{s.s}` is a valid date written as {DATE_FORMATS[s.src]}. Return the "
                       f"same date written as {DATE_FORMATS[s.dst]}."),
            _date_args, _date_params, _date_edges, arg_names={"s": ["s", "date", "text"]}),
    Variant(compare_versions, ["compare_versions", "version_cmp", "compare_releases"],
            _version_text, _version_args,
            lambda r, lv: {"sep": r.choice([".", "-", "_"]), "pad": r.random() < 0.5,
                           "result": r.choice(["sign", "word", "newer"])},
            lambda s: [(s.sep.join("12"), s.sep.join("120")), ("3", "3"),
                       (s.sep.join(["1", "10"]), s.sep.join(["1", "9"]))],
            arg_names={("a", "b"): [("a", "b"), ("v1", "v2"), ("left", "right")]},
            returns=lambda s: {"sign": "int", "word": "str", "newer": "bool"}[s.result]),
    Variant(evaluate, ["evaluate", "calculate", "eval_expression"], _expr_text, _expr_args,
            _expr_params,
            lambda s: [("0",), ("2 - 3 - 4",), (f"2 * {s.brackets[0]}3 + 4{s.brackets[1]} * 5",),
                       ("2 + 3 * 4",), (f"{s.brackets[0]}{s.brackets[0]}7{s.brackets[1]}"
                                        f"{s.brackets[1]}",)],
            arg_names={"expr": ["expr", "expression", "formula"]}, min_level=2),
])
