"""The answer format and the reward: a plain function `grade_kg_answer(task, response)`.

Answer format (text after the last `</think>`; case and `**bold**` markers ignored)::

    Answer: <the entity's name or one of its aliases, or "unanswerable">
    Evidence: [D12], [D40]

Outcome: 1 if there is exactly one distinct `Answer:` value and, normalized (lowercase, no
punctuation, accents or leading article), it equals the gold entity's name or one of its
aliases; for unanswerable questions it must be one of `UNANSWERABLE_FORMS`. Several answer
lines with different values, or a value listing candidates ("A or B", "A, B"), earn 0.
Evidence: precision P and recall R of the cited document ids against the gold evidence,
F1 = 2PR / (P + R). Reward (positive-only process reward, as in LongTraceRL)::

    reward = (1 - w) * outcome + w * outcome * F1 * [P >= 0.5]        (w = 0.3)

so citing every document (precision below one half) earns no evidence credit, and no
evidence credit is ever paid for a wrong answer. `passed` = outcome and F1 >= 0.5 and
P >= 0.5 (the answer is right and supported).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...core import Verdict
from .names import normalize_name

EVIDENCE_WEIGHT = 0.3
PASS_F1 = 0.5  # evidence F1 needed for `passed`
MIN_PRECISION = 0.5  # below it, the citations earn nothing (evidence dumping)
UNANSWERABLE_FORMS = frozenset({"unanswerable", "not answerable", "cannot be answered",
                                "cannot be determined", "insufficient information"})
MAX_GRADED_CHARS = 200_000  # only the last part of a longer response is read

_ANSWER_LINE = re.compile(r"^[ \t>*_#-]*answer[ \t*_]*[:：](.*)$", re.IGNORECASE | re.MULTILINE)
_EVIDENCE_LINE = re.compile(r"^[ \t>*_#-]*evidence[ \t*_]*[:：](.*)$",
                            re.IGNORECASE | re.MULTILINE)
_DOC_ID = re.compile(r"\bD(\d{1,6})\b", re.IGNORECASE)
_LIST_SEPARATORS = re.compile(r"\s+(?:or|and|and/or)\s+|[,;/|]|\s+-\s+", re.IGNORECASE)


def final_text(response: str) -> str:
    """The part of a response that is graded: after the last `</think>`, bounded."""
    text = str(response)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    return text[-MAX_GRADED_CHARS:]


def parse_answers(response: str) -> list[str]:
    """The values of every `Answer:` line, cleaned of markdown and quotes."""
    values = []
    for raw in _ANSWER_LINE.findall(final_text(response)):
        value = raw.strip().strip("*_`\"'“”‘’ ").rstrip(".").strip()
        values.append(value)
    return values


def parse_evidence(response: str) -> list[str]:
    """Cited document ids ("D12") from every `Evidence:` line, in order, without repeats."""
    cited: list[str] = []
    for line in _EVIDENCE_LINE.findall(final_text(response)):
        for number in _DOC_ID.findall(line):
            doc_id = f"D{int(number)}"
            if doc_id not in cited:
                cited.append(doc_id)
    return cited


def has_answer(response: str) -> bool:
    return bool(parse_answers(response))


def evidence_scores(cited: list[str], gold: list[str]) -> tuple[float, float, float]:
    """(precision, recall, F1) of cited against gold document ids."""
    hits = len(set(cited) & set(gold))
    precision = hits / len(cited) if cited else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def grade_kg_answer(task: Mapping[str, Any], response: str, *,
                    evidence_weight: float = EVIDENCE_WEIGHT) -> Verdict:
    """Grade one response (never raises). `task` needs `answer`, `answerable`, `evidence`
    and optionally `answer_aliases`."""
    try:
        return _grade(task, str(response), evidence_weight)
    except Exception as e:  # a verifier never crashes; a bug here must not pay either
        return Verdict.fail(f"grading error: {type(e).__name__}: {e}")


def _grade(task: Mapping[str, Any], response: str, w: float) -> Verdict:
    zero = {"outcome": 0.0, "evidence": 0.0}
    answers = parse_answers(response)
    distinct = list(dict.fromkeys(normalize_name(a) for a in answers if normalize_name(a)))
    cited = parse_evidence(response)
    gold_evidence = [str(d) for d in task.get("evidence", [])]
    precision, recall, f1 = evidence_scores(cited, gold_evidence)
    details = {"answers": answers[:5], "cited": cited[:50], "precision": precision,
               "recall": recall, "f1": f1}
    if not distinct:
        return Verdict(False, 0.0, "no 'Answer: <entity>' line", zero, details)
    if len(distinct) > 1:
        return Verdict(False, 0.0, f"hedged: {len(distinct)} different answers given", zero,
                       details)
    value = distinct[0]
    answerable = bool(task.get("answerable", True))
    if answerable:
        accepted = {normalize_name(task["answer"])} | {normalize_name(a) for a in
                                                         task.get("answer_aliases") or ()}
        correct = value in accepted
    else:
        correct = value in UNANSWERABLE_FORMS
    if not correct:
        parts = [p for p in _LIST_SEPARATORS.split(answers[-1]) if p.strip()]
        why = ("hedged: the answer lists several candidates" if len(parts) > 1
               else "wrong answer" if value not in UNANSWERABLE_FORMS
               else "answered 'unanswerable' to an answerable question")
        return Verdict(False, 0.0, why, zero, details)
    evidence_credit = f1 if precision >= MIN_PRECISION else 0.0
    breakdown = {"outcome": 1.0 - w, "evidence": w * evidence_credit}
    passed = f1 >= PASS_F1 and precision >= MIN_PRECISION
    reason = (f"correct answer; evidence precision {precision:.2f}, recall {recall:.2f}"
              + ("" if precision >= MIN_PRECISION or not cited
                 else " (over-cited: no evidence credit)"))
    return Verdict(passed, sum(breakdown.values()), reason, breakdown, details)
