"""Differential benchmark: our math verifier vs Math-Verify against ground truth by construction.

    python benchmarks/math_verify.py [--per-level 5] [--seed 11] [--limit N]
        [--json-out PATH] [--show 3]

Pairs are generated, not taken from the audit corpus: golds come from the 15 procedural
families (`--per-level` items per level) and from the dataset loaders' samples
(`tasks/math/*.jsonl`). Each gold is rendered as real model outputs write answers (the RIGHT
classes in `RIGHT`: boxed, inline math, Minerva's "Final Answer: The final answer is X. I hope
it is correct.", GSM8K's `####`, bold "**Answer:**", a `<think>` block before the answer,
several boxes, `\\dfrac`/`\\left(`, sympy's own LaTeX, thousands separators, units, `x = v`,
matrices in other environments, equations rearranged, intervals as inequalities, `x \\neq a`,
decimal approximations; golds written as datasets write them: `$..$`, `\\boxed{}`, a full
solution, `#### 42`) and perturbed into WRONG variants (off by one, perturbed values, sign flips,
swapped tuples, wrong interval ends, a missing set element, transposed matrices, two-answer
hedges, special values, decimals with a wrong digit or too few digits, the form the question
did not ask for). Ground truth is known from construction; a decimal approximation (at least 4
significant digits, rounded or truncated) is right unless the question asks for an exact form
(the documented policy of `verify_math(approximate=True)`).

Both verifiers see the same gold and the whole response: ours as `verify_math(task, response)`
with the task's question and form; Math-Verify as `verify(parse(gold), parse(response))` with
the gold wrapped in `$...$` unless it is written as a dataset writes it (then as it is).
Prints agreement with Math-Verify and with the ground truth by class; `--json-out` writes the
shared differential schema (fp/fn of ours against the ground truth).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the package it compares against: keep its folder off the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402
from latex2sympy2_extended import latex2sympy  # noqa: E402

from rlvr_envs.envs.math.parse import split_top_level  # noqa: E402  (structure only)


@dataclass
class Pair:
    cls: str
    task: dict[str, Any]  # what our verifier gets (answer, answer_type, question, ...)
    gold_for_mv: str  # the gold as Math-Verify parses it
    response: str
    right: bool  # ground truth by construction


# ---------------------------------------------------------------------------------------
# Values of gold pieces (for perturbations and numeric renderings)
# ---------------------------------------------------------------------------------------

I_SYM = sympy.Symbol("i")


def value(tex: str) -> sympy.Expr:
    """The exact value of a LaTeX number (`i` as the imaginary unit)."""
    v = latex2sympy(tex)
    if v.has(I_SYM):
        return sympy.nsimplify(v.subs(I_SYM, sympy.I))
    return sympy.nsimplify(v, rational=True) if v.has(sympy.Float) else v  # "28.8" is 144/5


def tex(v: sympy.Expr) -> str:
    """LaTeX of a value as sympy writes it (evaluated first: latex2sympy leaves `-10\\sqrt{13}`
    as the product (-1)(10)(sqrt 13), which sympy would print as `\\left(-1\\right) 10`)."""
    return sympy.latex(v.doit() if isinstance(v, sympy.Basic) else v)


def is_int_str(s: str) -> bool:
    return re.fullmatch(r"-?\d+", s.strip()) is not None


def approx(v: sympy.Expr, digits: int, mode: str = "round") -> str:
    """`v` with `digits` significant digits, rounded (or truncated), as a plain decimal."""
    x = sympy.N(v, 40)
    exp10 = int(sympy.floor(sympy.log(abs(x), 10))) if x != 0 else 0
    places = max(digits - 1 - exp10, 1)
    q = sympy.Integer(10) ** places
    scaled = x * q
    n = int(sympy.floor(scaled + sympy.Rational(1, 2))) if mode == "round" else int(scaled)
    sign = "-" if n < 0 else ""
    s = str(abs(n)).rjust(places + 1, "0")
    return f"{sign}{s[:-places]}.{s[-places:]}"


def exact_form_asked(question: str) -> bool:
    return bool(re.search(r"fraction|lowest terms|simplest|exact|radical form|"
                          r"in terms of \\?pi|simplify|rationali[sz]e", question, re.IGNORECASE))


def question_expressions(question: str) -> list[str]:
    """The math the question writes between `$...$` (what an echo policy boxes)."""
    return [next(g for g in m.groups() if g is not None).strip() for m in
            re.finditer(r"\$\$(.+?)\$\$|\$(.+?)\$", question, re.DOTALL)]


def thousands(n: int, rng: random.Random) -> str:
    s = f"{abs(n):,}"
    sep = rng.choice([",", "{,}", ",\\!", "\\,"])
    return ("-" if n < 0 else "") + s.replace(",", sep)


# ---------------------------------------------------------------------------------------
# Renderings of a whole response around a final answer
# ---------------------------------------------------------------------------------------

PROSE = "Let me work through this carefully. Combining the steps above gives the result."

WRAPS: dict[str, Callable[[str], str]] = {
    "boxed": lambda a: f"{PROSE}\n\nTherefore, the answer is $\\boxed{{{a}}}$.",
    "inline_math": lambda a: f"{PROSE} So the answer is ${a}$.",
    "minerva": lambda a: f"{PROSE}\nFinal Answer: The final answer is ${a}$. I hope it is "
                         f"correct.",
    "bold_answer": lambda a: f"{PROSE}\n\n**Answer:** ${a}$",
    "think_block": lambda a: f"<think>\nMaybe it is 17? No, let me redo the algebra. {PROSE}"
                             f"\n</think>\n\nThe answer is $\\boxed{{{a}}}$.",
}


def boxed(a: str) -> str:
    return WRAPS["boxed"](a)


# ---------------------------------------------------------------------------------------
# Variants per answer type: (class, answer text or full response, right?)
# ---------------------------------------------------------------------------------------

SPECIALS = [r"\infty", r"-\infty", r"\frac{1}{0}", "zoo", "nan", r"\text{undefined}",
            r"\infty - \infty", r"\log 0"]


def number_variants(gold: str, question: str, rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    v = value(gold)
    exact_asked = exact_form_asked(question)
    yield "dfrac_left_right", gold.replace("\\frac", "\\dfrac").replace("(", "\\left(").replace(
        ")", "\\right)"), True
    if tex(v) != gold:
        yield "sympy_latex", tex(v), True
    yield "value_named", f"x = {gold}", True
    if v.is_Integer and abs(int(v)) >= 1000:
        yield "thousands_sep", thousands(int(v), rng), True
    if v.is_Integer:
        yield "units", f"{gold} \\text{{ units}}", True
        yield "off_by_one", str(int(v) + rng.choice([-1, 1])), False
    elif v.is_real:
        if not (v.is_Rational and 10**12 % int(v.q) == 0):  # not a terminating decimal
            yield "decimal_6", approx(v, 7), not exact_asked
            yield "decimal_4sig", approx(v, 4, rng.choice(["round", "trunc"])), not exact_asked
            d = approx(v, 7)
            wrong_last = d[:-1] + str((int(d[-1]) + 2) % 10)
            yield "decimal_wrong_digit", wrong_last, False
            yield "decimal_too_short", approx(v, 2), False
        yield "perturbed", tex(perturb(v)), False
    if v != 0:
        yield "sign_flip", tex(-v), False
    yield "special_value", rng.choice(SPECIALS), False
    w = tex(perturb(v))
    yield "hedge_two_boxes", f"$\\boxed{{{gold}}}$ or $\\boxed{{{w}}}$", False
    yield "hedge_inline", f"{gold} \\text{{ or }} {w}", False
    if v.is_Integer and abs(int(v)) > 3:
        # The computation, not its result: a sum left for the reader (plain-value rule).
        k = rng.randint(1, abs(int(v)) - 1)
        yield "unevaluated_sum", f"{int(v) - k} + {k}", False
    for m in re.finditer(r"(-?\d*)\\sqrt\{(\d+)\}", gold):
        yield "unicode_root", gold.replace(m.group(0), f"{m.group(1)}\u221a{m.group(2)}"), True
        break


def perturb(v: sympy.Expr) -> sympy.Expr:
    """A nearby different value: numerator +1 for fractions, coefficient +1 for surds."""
    if v.is_Integer:
        return v + 1
    if v.is_Rational:
        return sympy.Rational(v.p + 1, v.q) if v.p + 1 != 0 else sympy.Rational(v.p - 1, v.q)
    c, rest = v.as_coeff_Mul()
    if rest != 1 and c != -1:
        return (c + 1) * rest
    return v + 1


def tuple_variants(gold: str, rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    parts = split_top_level(gold.strip()[1:-1])
    names = ["x", "y", "z"][: len(parts)]
    yield "value_named", f"({', '.join(names)}) = {gold}", True
    yield "left_right", "\\left(" + ", ".join(p.replace("\\frac", "\\dfrac") for p in parts) \
        + "\\right)", True
    yield "named_coords", ", ".join(f"{n} = {p}" for n, p in zip(names, parts)), True
    yield "multi_box", " and ".join(f"${n} = \\boxed{{{p}}}$" for n, p in zip(names, parts)) \
        + ".", True
    yield "cases_env", "\\begin{cases} " + " \\\\ ".join(
        f"{n} = {p}" for n, p in zip(names, parts)) + " \\end{cases}", True
    vals = [value(p) for p in parts]
    if len(set(vals)) > 1:
        yield "swapped_tuple", "(" + ", ".join(reversed(parts)) + ")", False
    k = rng.randrange(len(parts))
    bad = parts.copy()
    bad[k] = tex(perturb(vals[k]))
    yield "perturbed", "(" + ", ".join(bad) + ")", False
    bad = parts.copy()
    bad[k] = rng.choice(SPECIALS[:5])
    yield "special_value", "(" + ", ".join(bad) + ")", False
    yield "hedge_two_boxes", f"$\\boxed{{{gold}}}$ or $\\boxed{{({', '.join(reversed(parts))})}}$", \
        len(set(vals)) == 1


def set_variants(gold: str, rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    if gold.strip() == "\\emptyset":
        yield "empty_set_words", "\\text{no real solutions}", True
        yield "special_value", rng.choice(SPECIALS), False
        return
    inner = gold.strip()[2:-2] if gold.strip().startswith("\\{") else gold  # MATH's "2, 5"
    parts = split_top_level(inner)
    yield "set_reordered", ", ".join(reversed(parts)), True
    yield "set_or", " \\text{ or } ".join(f"x = {p}" for p in parts), True
    if len(parts) > 1:
        yield "multi_box", ", ".join(f"$\\boxed{{{p}}}$" for p in parts), True
        yield "set_missing_element", "\\{" + ", ".join(parts[1:]) + "\\}", False
    vals = [value(p) for p in parts]
    k = rng.randrange(len(parts))
    bad = parts.copy()
    bad[k] = tex(perturb(vals[k]))
    if perturb(vals[k]) not in vals:
        yield "perturbed", "\\{" + ", ".join(bad) + "\\}", False
    if all(v.is_real for v in vals) and not all(v.is_Rational for v in vals):
        yield "decimal_4sig", "\\{" + ", ".join(approx(v, 5) for v in vals) + "\\}", True
    yield "special_value", rng.choice(SPECIALS), False


LE, GE = "\\le", "\\ge"
_PIECE = re.compile(r"([\[(])\s*(.+?)\s*,\s*(.+?)\s*([\])])$")


def interval_variants(gold: str, rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    pieces = [p.strip() for p in gold.split("\\cup")]
    parsed = [_PIECE.match(p) for p in pieces]
    if gold.strip() == "\\emptyset" or not all(parsed):
        yield "special_value", rng.choice(SPECIALS), False
        return
    ineqs = []
    for m in parsed:
        assert m is not None
        lo, hi = m.group(2), m.group(3)
        lo_op = "\\le" if m.group(1) == "[" else "<"
        hi_op = "\\le" if m.group(4) == "]" else "<"
        if "infty" in lo and "infty" in hi:
            ineqs.append("x \\in \\mathbb{R}")
        elif "infty" in lo:
            ineqs.append(f"x {hi_op} {hi}")
        elif "infty" in hi:
            ineqs.append(f"x {GE if lo_op == LE else '>'} {lo}")
        else:
            ineqs.append(f"{lo} {lo_op} x {hi_op} {hi}")
    if len(pieces) == 1:
        if "mathbb" not in ineqs[0]:
            yield "interval_as_inequality", ineqs[0], True
        yield "interval_in", f"x \\in {gold}", True
    else:
        yield "interval_as_inequality", " \\text{ or } ".join(ineqs), True
        yield "union_reordered", " \\cup ".join(reversed(pieces)), True
        m0, m1 = parsed[0], parsed[1]
        if m0 and m1 and m0.group(3) == m1.group(2) and m0.group(4) == ")" and m1.group(1) == "(":
            yield "neq", f"x \\neq {m0.group(3)}", True
            yield "set_complement", f"\\mathbb{{R}} \\setminus \\{{{m0.group(3)}\\}}", True
    # wrong ends: toggle the closedness of a finite end, or move it by one
    k = rng.randrange(len(pieces))
    m = parsed[k]
    assert m is not None
    if "infty" not in m.group(2):
        flipped = ("(" if m.group(1) == "[" else "[") + pieces[k][1:]
    else:
        flipped = pieces[k][:-1] + (")" if m.group(4) == "]" else "]")
    if "infty" not in flipped.split(",")[-1] or flipped.endswith(")"):
        yield "wrong_interval_end", " \\cup ".join(
            flipped if j == k else p for j, p in enumerate(pieces)), False
    finite = m.group(3) if "infty" not in m.group(3) else m.group(2)
    if "infty" not in finite:
        moved = pieces[k].replace(finite, tex(value(finite) + 1), 1)
        yield "wrong_interval_end", " \\cup ".join(
            moved if j == k else p for j, p in enumerate(pieces)), False
    yield "special_value", rng.choice(SPECIALS), False


def equation_variants(gold: str, question: str,
                      rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    lhs, rhs = gold.split("=")
    left, right = latex2sympy(lhs), latex2sympy(rhs)
    std = sympy.expand(right - left)
    den = sympy.lcm([sympy.fraction(c)[1] for c in sympy.Poly(std, *std.free_symbols).coeffs()]) \
        if std.free_symbols else 1
    # Right unless the question asks for slope-intercept form (then it is the wrong form).
    slope_form = bool(re.search(r"slope[- ]intercept", question, re.IGNORECASE))
    yield "equation_rearranged", f"{tex(sympy.expand(std * den))} = 0", not slope_form
    yield "sympy_latex", f"{lhs.strip()} = {tex(right)}", True
    if lhs.strip() == "y" and "x" in rhs:
        yield "function_notation", f"f(x) = {rhs.strip()}", True
    x = sympy.Symbol("x")
    wrong = right + (1 if not right.has(x) else x)
    yield "perturbed", f"{lhs.strip()} = {tex(wrong)}", False
    yield "special_value", f"{lhs.strip()} = {rng.choice(SPECIALS[:5])}", False


def matrix_variants(gold: str, rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    body = re.search(r"\\begin\{pmatrix\}(.*)\\end\{pmatrix\}", gold, re.S)
    assert body is not None
    rows = [[c.strip() for c in r.split("&")] for r in body.group(1).split("\\\\")]
    yield "matrix_bmatrix", gold.replace("pmatrix", "bmatrix"), True
    cols = "c" * len(rows[0])
    yield "matrix_array", f"\\left[\\begin{{array}}{{{cols}}}{body.group(1)}\\end{{array}}\\right]", \
        True
    transposed = [list(r) for r in zip(*rows)]
    if transposed != rows:
        t = " \\\\ ".join(" & ".join(r) for r in transposed)
        yield "matrix_transpose", f"\\begin{{pmatrix}} {t} \\end{{pmatrix}}", False
    bad = [list(r) for r in rows]
    bad[0][0] = str(int(bad[0][0]) + 1) if is_int_str(bad[0][0]) else tex(value(bad[0][0]) + 1)
    b = " \\\\ ".join(" & ".join(r) for r in bad)
    yield "perturbed", f"\\begin{{pmatrix}} {b} \\end{{pmatrix}}", False
    yield "special_value", rng.choice(SPECIALS), False


def mcq_variants(task: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    letter = task["answer"]
    k = ord(letter) - 65
    yield "mcq_text", f"\\text{{({letter})}}", True
    yield "mcq_letter_and_option", f"({letter}) {task['choices'][k]}", True
    others = [chr(65 + j) for j in range(len(task["choices"])) if j != k]
    yield "mcq_wrong_letter", rng.choice(others), False
    yield "hedge_inline", f"{letter} \\text{{ or }} {rng.choice(others)}", False


def expression_variants(task: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, str, bool]]:
    gold = task["answer"]
    e = latex2sympy(gold)
    form = task.get("metadata", {}).get("required_form")
    x = sympy.Symbol("x")
    if form == "expanded":
        yield "form_not_required", tex(sympy.factor(e)), sympy.factor(e) == sympy.expand(e)
    elif form == "factored":
        yield "form_not_required", tex(sympy.expand(e)), False
    yield "sympy_latex", tex(e), True
    yield "value_named", f"f(x) = {gold}", True
    yield "perturbed", tex(sympy.expand(e + 1)), False
    yield "sign_flip", tex(sympy.expand(-e)), False
    yield "special_value", rng.choice([r"x \cdot \infty", r"\frac{1}{x - x}", r"\infty"]), False
    yield "hedge_inline", f"{gold} \\text{{ or }} {tex(sympy.expand(e + x))}", False


# ---------------------------------------------------------------------------------------
# Pairs
# ---------------------------------------------------------------------------------------

def gold_variants(gold: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    """The gold as datasets write it (our verifier and Math-Verify both get it raw)."""
    yield "gold_dollar", f"${gold}$"
    yield "gold_boxed", f"\\boxed{{{gold}}}"
    yield "gold_solution", f"Adding the two cases, we find the total is $\\boxed{{{gold}}}$."
    if is_int_str(gold):
        yield "gold_gsm8k", f"First 3 * 4 = <<3*4=12>>12.\nThen we add the rest.\n#### {gold}"


def pairs_for(task: dict[str, Any], rng: random.Random) -> list[Pair]:
    out: list[Pair] = []
    from rlvr_envs.envs.math.loaders import infer_answer_type

    gold = task["answer"]
    kind = task.get("answer_type") or infer_answer_type(gold)
    if kind == "tuple" and "interval notation" in str(task.get("question", "")):
        kind = "interval"  # "(-3, 4)" answers "Express your answer in interval notation"
    ours_task = {k: task[k] for k in ("answer", "answer_type", "choices", "question",
                                      "metadata") if task.get(k) is not None}
    mv_gold = "$" + gold + "$"

    def add(cls: str, answer: str, right: bool, wrap: str | None = None) -> None:
        if answer.lstrip().startswith(("$", "\\boxed")) or "\\boxed" in answer:
            response = f"{PROSE}\n\n{answer}"
        else:
            response = WRAPS[wrap or "boxed"](answer)
        out.append(Pair(cls, ours_task, mv_gold, response, right))

    for name in WRAPS:
        add(name, gold, True, name)
    if kind in ("integer", "number"):
        if is_int_str(gold):
            out.append(Pair("gsm8k_hashes", ours_task, mv_gold, f"{PROSE}\n#### {gold}", True))
        variants = number_variants(gold, str(task.get("question", "")), rng)
    elif kind == "tuple":
        variants = tuple_variants(gold, rng)
    elif kind == "set":
        variants = set_variants(gold, rng)
    elif kind == "interval":
        variants = interval_variants(gold, rng)
    elif kind == "equation":
        variants = equation_variants(gold, str(task.get("question", "")), rng)
    elif kind == "matrix":
        variants = matrix_variants(gold, rng)
    elif kind == "mcq":
        variants = mcq_variants(task, rng)
    elif kind == "expression":
        variants = expression_variants(task, rng)
    else:
        variants = iter(())
    for cls, answer, right in variants:
        add(cls, answer, right)
    for expr in question_expressions(str(task.get("question", "")))[-1:]:
        # The question's own expression boxed unevaluated: never the answer unless it is
        # the gold itself (the echo rule; Math-Verify accepts whatever equals the gold).
        if expr.replace(" ", "") != gold.replace(" ", ""):
            add("question_echo", expr, False)
    out.append(Pair("think_then_plain", ours_task, mv_gold,
                    f"<think>\nMaybe \\boxed{{0}}? No, that drops a case.\n</think>\n\n"
                    f"The answer is ${gold}$.", True))
    if kind != "mcq":
        for cls, raw in gold_variants(gold, rng):
            t = dict(ours_task, answer=raw)
            out.append(Pair(cls, t, raw, boxed(gold), True))
    return out


def procedural(per_level: int, seed: int) -> list[dict[str, Any]]:
    from rlvr_envs.envs.math.families import ALL_FAMILIES, make_math_source

    src = make_math_source(seed=seed)
    return [src.build(f.name, level, i) for f in ALL_FAMILIES for level in f.difficulties
            for i in range(per_level)]


def loader_tasks() -> list[dict[str, Any]]:
    from rlvr_envs.core.data import task_file
    from rlvr_envs.envs.math.loaders import load_math_records

    return [t for name in ("gsm8k_sample.jsonl", "math_sample.jsonl")
            for t in load_math_records(task_file("math", name))]


def build_pairs(per_level: int, seed: int) -> list[Pair]:
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for task in procedural(per_level, seed) + loader_tasks():
        try:
            pairs += pairs_for(task, rng)
        except Exception as exc:  # noqa: BLE001 - a gold this renderer cannot take apart
            print(f"skipped {task.get('id')}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return pairs


# ---------------------------------------------------------------------------------------
# Running both verifiers
# ---------------------------------------------------------------------------------------

def run_ours(pairs: list[Pair]) -> list[bool]:
    from rlvr_envs.envs.math.verify import verify_math

    return [verify_math(p.task, p.response).passed for p in pairs]


def run_math_verify(pairs: list[Pair]) -> list[bool]:
    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # its timeout warnings
    out = []
    for p in pairs:
        try:
            out.append(bool(verify(parse(p.gold_for_mv), parse(p.response))))
        except Exception:  # noqa: BLE001 - a crash counts as "not equivalent"
            out.append(False)
    return out


def summarize(pairs: list[Pair], ours: list[bool], mv: list[bool], show: int,
              reference: str) -> dict[str, Any]:
    by_class: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    disagreements: list[dict[str, Any]] = []
    shown: dict[str, int] = defaultdict(int)
    for p, o, m in zip(pairs, ours, mv):
        c = by_class[p.cls]
        c["n"] += 1
        c["right"] += p.right
        c["agree"] += o == m
        c["fp"] += o and not p.right
        c["fn"] += p.right and not o
        c["mv_fp"] += m and not p.right
        c["mv_fn"] += p.right and not m
        if o != m and shown[p.cls] < show:
            shown[p.cls] += 1
            disagreements.append({
                "class": p.cls, "input": {"gold": p.task["answer"], "response": p.response[-300:],
                                          "question": str(p.task.get("question", ""))[:200]},
                "ours": o, "reference": m, "truth": p.right,
                "who_is_right": "ours" if o == p.right else "reference"})
    total = {k: sum(c[k] for c in by_class.values())
             for k in ("n", "agree", "fp", "fn", "mv_fp", "mv_fn")}
    return {"env_id": "rlvr/Math-v0", "reference": reference, "n": total["n"],
            "agree": total["agree"], "fp": total["fp"], "fn": total["fn"],
            "reference_fp": total["mv_fp"], "reference_fn": total["mv_fn"],
            "by_class": {k: {"n": v["n"], "right": v["right"], "agree": v["agree"],
                             "fp": v["fp"], "fn": v["fn"], "reference_fp": v["mv_fp"],
                             "reference_fn": v["mv_fn"]} for k, v in sorted(by_class.items())},
            "disagreements": disagreements}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-level", type=int, default=5, help="items per family level")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--limit", type=int, default=0, help="sub-sample this many pairs (quick)")
    ap.add_argument("--show", type=int, default=3, help="disagreements kept per class")
    ap.add_argument("--json-out", type=Path)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # before any worker starts, so they are pinned too
    pairs = build_pairs(args.per_level, args.seed)
    if args.limit and args.limit < len(pairs):
        pairs = random.Random(args.seed).sample(pairs, args.limit)
    from importlib.metadata import version

    reference = f"math-verify {version('math-verify')}"
    print(f"{len(pairs)} pairs ({sum(p.right for p in pairs)} right, "
          f"{sum(not p.right for p in pairs)} wrong) in {len({p.cls for p in pairs})} classes; "
          f"reference {reference}; one core")
    t0 = time.perf_counter()
    ours = run_ours(pairs)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    mv = run_math_verify(pairs)
    t_mv = time.perf_counter() - t0
    report = summarize(pairs, ours, mv, args.show, reference)
    print(f"{'class':24s} {'n':>5s} {'right':>5s} {'agree':>6s} {'FP':>4s} {'FN':>4s} "
          f"{'MV FP':>5s} {'MV FN':>5s}")
    for name, c in report["by_class"].items():
        print(f"{name:24s} {c['n']:5d} {c['right']:5d} {c['agree'] / c['n']:6.1%} {c['fp']:4d} "
              f"{c['fn']:4d} {c['reference_fp']:5d} {c['reference_fn']:5d}")
    n = report["n"]
    print(f"{'ALL':24s} {n:5d} {'':5s} {report['agree'] / n:6.1%} {report['fp']:4d} "
          f"{report['fn']:4d} {report['reference_fp']:5d} {report['reference_fn']:5d}")
    print(f"ground truth: ours {1 - (report['fp'] + report['fn']) / n:.1%}, Math-Verify "
          f"{1 - (report['reference_fp'] + report['reference_fn']) / n:.1%}; "
          f"time ours {t_ours:.0f} s, Math-Verify {t_mv:.0f} s")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
