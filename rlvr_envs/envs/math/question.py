"""What a task's question asks for, read from its wording: rounding, percentages, an exact or
a required form ("Expand", "Factor", "Simplify", "as a common fraction", "Rationalize the
denominator", "slope-intercept form"), interval notation, and the expressions and numbers it
states (an answer that restates them is not an answer; see `plain.py`).

The same rules hold for procedural tasks and for records loaded with `tasks=`: a task's
explicit `required_form` / `form` fields win, its wording fills in the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["QuestionFacts", "echo_key", "exact_form_required", "last_user_message",
           "question_facts", "question_hints", "question_text", "required_forms"]

_ROUNDING_WORDS = re.compile(
    r"\b(?:round(?:ed|ing)?|nearest|decimal places?|significant (?:figures?|digits?)|"
    r"approximat\w*|estimate\w*|to \d+ (?:d\.?p|s\.?f)\b)|\\approx|\u2248", re.IGNORECASE)
_PERCENT_WORDS = re.compile(r"\bpercentage\b|\b(?:what|which|as an?|in|how many)\s+percent",
                            re.IGNORECASE)
# What makes a question ask for an exact value (no decimal approximation of the gold).
_EXACT_WORDS = re.compile(
    r"\bexact(?:\s+(?:value|answer|form|fraction))?\b(?!ly)|simplest\s+(?:radical\s+)?form|"
    r"simplified\s+form|radical\s+form|common\s+fraction|lowest\s+terms|mixed\s+number|"
    r"(?:as|in)\s+(?:an?\s+)?(?:reduced\s+|improper\s+|proper\s+|irreducible\s+)?fraction|"
    r"in\s+terms\s+of\s+\\?(?:pi|\u03c0|e)\b|\bsimplify\b|\bsimplest\b|\brationali[sz]e",
    re.IGNORECASE)
_APPROX_FORMS = ("decimal", "approximate", "approx", "numeric")
_INTERVAL_WORDS = re.compile(r"interval\s+notation", re.IGNORECASE)
# A gold "y = -5" names a line (any equivalent equation answers) rather than a value.
_LOCUS_WORDS = re.compile(r"\b(?:lines?|asymptotes?|planes?|circles?|parabolas?|curves?|"
                          r"graphs?|directrix|axis\s+of\s+symmetry|tangent)\b", re.IGNORECASE)

# Imperatives that ask for a form (the names of form.REQUIRED_FORMS). "Factor" only as a verb: at the start of a sentence or
# with "completely"/"fully" ("the greatest prime factor of 99" asks for a number).
_FORM_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("expanded", re.compile(r"\bexpand(?:ed)?\b|\bmultiply\s+out\b", re.IGNORECASE)),
    ("factored", re.compile(
        r"(?:^|[.!?:;]\s+|\n\s*)(?:completely\s+|fully\s+)?factor(?:i[sz]e)?\b(?!\s+(?:of|is)\b)"
        r"|\b(?:completely|fully)\s+factor|\bfactor(?:i[sz]e)?\b[^.?!]{0,80}\bcompletely\b"
        r"|\bfactored\s+form\b", re.IGNORECASE)),
    ("rationalized", re.compile(r"\brationali[sz]e\b", re.IGNORECASE)),
    ("fraction", re.compile(
        r"common\s+fraction|lowest\s+terms|reduced\s+fraction|irreducible\s+fraction|"
        r"(?:as|in)\s+(?:an?\s+)?(?:improper\s+)?fraction\b", re.IGNORECASE)),
    ("simplified", re.compile(r"\bsimplif(?:y|ied)\b|\bsimplest\b", re.IGNORECASE)),
    ("slope_intercept", re.compile(r"slope[- ]intercept", re.IGNORECASE)),
    ("decimal", re.compile(r"\b(?:as|in(?:to)?)\s+(?:a\s+)?decimal\b(?!\s+places?)|"
                           r"\bdecimal\s+(?:form|notation)\b", re.IGNORECASE)),
)

_MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\d)")
_PARTS = re.compile(r"\\le(?:q)?\b|\\ge(?:q)?\b|\\neq?\b|\\quad|\\qquad|\\text\{[^}]*\}|"
                    r"\\cdots|\\ldots|[=<>,;]")


def question_text(task: Mapping[str, Any]) -> str:
    """The task's question (`question`, `problem` or `prompt`; a conversational prompt gives
    its last user message), its last 4000 characters."""
    for key in ("question", "problem", "prompt"):
        q = task.get(key)
        if isinstance(q, str):
            return q[-4000:]
        if key == "prompt" and isinstance(q, Sequence):
            text = last_user_message(q)
            if text is not None:
                return text[-4000:]
    return ""


def last_user_message(messages: Any) -> str | None:
    """The content of the last `user` message of a chat (list of `{role, content}`)."""
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return None
    for msg in reversed(messages):
        if isinstance(msg, Mapping) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, list):  # multimodal parts
                content = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
            return content if isinstance(content, str) else None
    return None


def _field(task: Mapping[str, Any], name: str) -> Any:
    value = task.get(name)
    meta = task.get("metadata")
    if value is None and isinstance(meta, Mapping):
        value = meta.get(name)
    return value


def required_forms(task: Mapping[str, Any]) -> tuple[str, ...]:
    """The forms the task asks for: its `required_form` (top level or in `metadata`) when
    set, else the ones its wording names ("Expand ..." -> expanded, "Factor ..." ->
    factored, "Simplify ..." -> simplified, "as a common fraction" / "in lowest terms" ->
    fraction, "Rationalize the denominator" -> rationalized, "slope-intercept form",
    "as a decimal" -> decimal)."""
    form = _field(task, "required_form")
    if isinstance(form, str) and form.strip():
        return (form.strip(),)
    q = question_text(task)
    return tuple(name for name, pattern in _FORM_WORDS if pattern.search(q))


def exact_form_required(task: Mapping[str, Any]) -> bool:
    """Does the task ask for an exact (or otherwise written-out) form, so that a decimal
    approximation of an exact gold is not an answer? True when `task["form"]` (top level
    or in `metadata`) names any form other than `decimal`/`approximate`, when a
    `required_form` is set, or when the question says so ("exact", "simplest radical form",
    "as a common fraction", "in terms of pi", "simplify", "rationalize", ...)."""
    form = _field(task, "form")
    if isinstance(form, str) and form.strip():
        return form.strip().lower() not in _APPROX_FORMS
    if _field(task, "required_form"):
        return True
    return bool(_EXACT_WORDS.search(question_text(task)))


def question_hints(task: Mapping[str, Any], approximate: bool = False) -> tuple[str, ...]:
    """What the question says about the gold: "rounding" when it asks for a rounded value
    (round, nearest, decimal places, approximately, ...; or `task["rounded"] is True`),
    "percent" when it asks for a percentage (so `40\\%` answers a bare gold 40), "approx"
    when decimal approximations of an exact gold are accepted (`approximate` and no exact
    form asked for), "interval" when it asks for interval notation (a gold `(-3, 4)` is then
    an interval, not a point), "locus" when it is about a line, curve or graph (a gold
    `y = -5` is then an equation: `y + 5 = 0` answers it)."""
    q = question_text(task)
    hints = []
    if task.get("rounded") is True or _ROUNDING_WORDS.search(q):
        hints.append("rounding")
    if _PERCENT_WORDS.search(q):
        hints.append("percent")
    if approximate and not exact_form_required(task):
        hints.append("approx")
    if _INTERVAL_WORDS.search(q):
        hints.append("interval")
    if _LOCUS_WORDS.search(q):
        hints.append("locus")
    return tuple(hints)


def echo_key(text: str) -> str:
    """An expression as text with spacing, sizing and brace noise removed: how the echo rule
    compares an answer with the question's expressions."""
    s = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg|displaystyle|[,;:! ])", "", text)
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    s = re.sub(r"\\[dt]binom", r"\\binom", s)
    return re.sub(r"[\s{}$]|\.$", "", s)


@dataclass(frozen=True)
class QuestionFacts:
    """What the question states, for the echo rule: its math expressions (and their parts
    between `=`, `<`, `,` ... ) as `echo_key`s, and the numbers it writes."""

    expressions: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()


def question_facts(task: Mapping[str, Any]) -> QuestionFacts:
    """The expressions and numbers of the task's question (see `QuestionFacts`)."""
    q = question_text(task)
    if not q:
        return QuestionFacts()
    keys: dict[str, None] = {}
    for m in _MATH_SEGMENT.finditer(q):
        seg = next(g for g in m.groups() if g is not None)
        for piece in [seg, *_PARTS.split(seg)]:
            key = echo_key(piece)
            if key:
                keys[key] = None
    numbers = dict.fromkeys(n.lstrip("+") for n in _NUMBER.findall(q))
    return QuestionFacts(tuple(keys)[:200], tuple(numbers)[:200])
