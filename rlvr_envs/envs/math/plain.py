"""Answers must be plain values of the gold's type, and not the question restated.

Run on an answer already found equal to the gold (`compare.py`):

1. **No operation left undone** (`undone.py`): a number gold takes a numeric literal
   (integer, decimal, fraction, mixed number, percent, `a \\times 10^{k}`, with a sign) or
   an irrational in simplest form (`8\\sqrt{11}`, `\\frac{20 + 5\\sqrt{14}}{2}`, `\\ln 2`);
   matrices, points, sets and interval ends take such entries; equations such sides.
   `18 + 14 + 13`, `\\sqrt{704}`, `\\binom{9}{4}`, `\\frac{6}{2}`, `20\\% \\times 64` are the
   computation, not its result. The gold sets the bar: an operation the gold itself leaves
   undone (`2^{100}`) may be left undone by the answer too.
2. **No function the gold does not need** (golds with variables): `\\sqrt{(\\frac{x-5}{x-6})^2}`
   is not `\\frac{x-5}{x-6}`, whatever the probes say.
3. **Not the question restated** (`echo_problem`): an answer written like one of the
   question's expressions (`\\frac{1}{\\sqrt7}` for "Rationalize $\\frac{1}{\\sqrt7}$",
   `2.5625` for "Which of the following is equal to $2.5625$?") earns nothing unless it is
   the gold itself; a number of the question accepted only through a tolerance (rounding,
   approximation, a percent or unit reading: `3.14159` for "Round $3.14159$ to the nearest
   hundredth") earns nothing either.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import sympy

from .parse import Answer
from .question import QuestionFacts, echo_key
from .undone import Undone

__all__ = ["echo_problem", "marks_of", "plain_problem", "undone_of"]

_NO_PLAIN_RULE = ("mcq", "text")
_LITERAL = re.compile(r"[-+]?(?:\d+(?:\.\d+)?|\.\d+|\\frac\d+|\d+/\d+)(?:\\?%)?")


def _sides(ans: Answer) -> list[Answer]:
    return list(ans.meta.get("sides") or ())


def undone_of(ans: Answer, gold_kind: str) -> list[Undone]:
    """The operations `ans` leaves undone where it matters for a gold of `gold_kind`: for a
    number gold answered by a chain `a = 3 + 2 = 5`, only the last side."""
    sides = _sides(ans)
    if ans.kind == "equation" and gold_kind in ("number", "expression") and sides:
        return list(sides[-1].meta.get("undone", ()))
    if "undone_all" in ans.meta:
        return list(ans.meta["undone_all"])
    out: list[Undone] = list(ans.meta.get("undone", ()))
    if isinstance(ans.value, list):
        for e in ans.value:
            if isinstance(e, Answer):
                out += undone_of(e, gold_kind)
    return out


def marks_of(ans: Answer, gold_kind: str) -> set[str]:
    """The forms `ans` was written in (`undone.py` marks), as `undone_of` picks the part."""
    sides = _sides(ans)
    if ans.kind == "equation" and gold_kind in ("number", "expression") and sides:
        return set(sides[-1].meta.get("marks", ()))
    if "marks_all" in ans.meta:
        return set(ans.meta["marks_all"])
    out = set(ans.meta.get("marks", ()))
    if isinstance(ans.value, list):
        for e in ans.value:
            if isinstance(e, Answer):
                out |= marks_of(e, gold_kind)
    return out


def _functions(marks: set[str]) -> set[str]:
    return {m[3:] for m in marks if m.startswith("fn:")}


def _has_variables(gold: Answer) -> bool:
    v = gold.value
    if isinstance(v, sympy.Basic):
        return bool(v.free_symbols)
    if gold.kind == "equation" and isinstance(v, list):
        return any(getattr(s, "free_symbols", None) for s in v)
    return False


def plain_problem(gold: Answer, ans: Answer) -> str | None:
    """None when `ans` is a plain value of the gold's type, else the reason (rules 1-2)."""
    if gold.kind in _NO_PLAIN_RULE or ans.kind in _NO_PLAIN_RULE:
        return None
    allowed = {u.kind for u in undone_of(gold, gold.kind)}
    for u in undone_of(ans, gold.kind):
        if u.kind not in allowed:
            return f"not a plain value: {u.what}"
    if _has_variables(gold):
        extra = _functions(marks_of(ans, gold.kind)) - _functions(marks_of(gold, gold.kind))
        if extra:
            return f"not a plain value: uses {', '.join(sorted(extra))}, which the answer " \
                   f"does not need"
    return None


def _value(ans: Answer) -> Any:
    if ans.kind in ("number", "expression"):
        return ans.value
    sides = _sides(ans)
    if ans.kind == "equation" and sides:
        return sides[-1].value
    return None


def _exactly(g: Any, a: Any) -> bool:
    try:
        return bool(sympy.simplify(g - a) == 0)
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return False


def echo_problem(gold: Answer, ans: Answer, candidates: list[str],
                 facts: QuestionFacts) -> str | None:
    """None unless `ans` restates the question (rule 3); then the reason."""
    if not facts.expressions and not facts.numbers:
        return None
    gold_key = echo_key(gold.text)
    whole = echo_key(", ".join(candidates))
    # A plain number ("0", "\\frac38") may well be written in the question; whether it
    # answers is for the value rule below and for the forms the question asks.
    if whole and whole != gold_key and whole in facts.expressions and \
            not _LITERAL.fullmatch(whole):
        return "restates an expression of the question instead of answering it"
    if gold.kind not in ("number", "mcq"):
        return None
    value = _value(ans)
    if value is None or not getattr(value, "is_Rational", False) or not facts.numbers:
        return None
    stated = {Fraction(n) for n in facts.numbers}
    if Fraction(int(value.p), int(value.q)) not in stated:
        return None
    if gold.kind == "mcq" or not _exactly(gold.value, value):
        return "restates a number of the question instead of answering it"
    return None
