"""The answer format and the reward: a plain function `grade_kg_answer(task, response)`.

Answer format (read after the last `</think>`; the forms models write are read too, see
`response_fields.py` for where a response commits and `answer_values.py` for what a value
names)::

    Answer: <the entity's name or one of its aliases>
    Evidence: [D12], [D40]

or, when a document the question needs is not there::

    Answer: unanswerable
    Missing: <the entity whose document is needed but absent>
    Evidence: [D12]

Outcome: 1 if every graded answer value names the gold entity (alias-aware, normalized:
lowercase, no punctuation, accents or leading article); several answers naming different
entities, or one value listing candidates ("A or B", "A, B"), earn 0. For unanswerable
questions every answer must be an abstention *and* the `Missing:` field must name the entity
whose document was removed: an abstention is paid only with the evidence that the chain was
followed to its gap, so always abstaining earns nothing (its expected value is 0 by
construction, whatever the share of unanswerable questions). Records without a known missing
entity accept a bare abstention.

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
from .answer_values import (
    is_abstention,
    missing_in_explanation,
    names_entity,
    question_phrases,
    readings,
)
from .names import normalize_name
from .response_fields import read_fields

EVIDENCE_WEIGHT = 0.3
PASS_F1 = 0.5  # evidence F1 needed for `passed`
MIN_PRECISION = 0.5  # below it, the citations earn nothing (evidence dumping)
_LIST_SEPARATORS = re.compile(r"\s+(?:or|and|and/or)\s+|[,;/|]|\s+-\s+", re.IGNORECASE)


def has_answer(response: str) -> bool:
    """True if the response has a non-empty answer field."""
    return any(readings(a) for a in read_fields(response).graded_answers)


def evidence_scores(cited: list[str], gold: list[str]) -> tuple[float, float, float]:
    """(precision, recall, F1) of cited against gold document ids."""
    hits = len(set(cited) & set(gold))
    precision = hits / len(cited) if cited else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def entity_forms(name: Any, aliases: Any = ()) -> set[str]:
    """The normalized forms that name an entity: its name and its aliases."""
    return {f for f in (normalize_name(str(n)) for n in [name, *(aliases or ())]) if f}


def grade_kg_answer(task: Mapping[str, Any], response: str, *,
                    evidence_weight: float = EVIDENCE_WEIGHT) -> Verdict:
    """Grade one response (never raises). `task` needs `answer`, `answerable`, `evidence`
    and optionally `answer_aliases`; unanswerable tasks `removed` and `removed_aliases`."""
    try:
        return _grade(task, str(response), evidence_weight)
    except Exception as e:  # a verifier never crashes; a bug here must not pay either
        return Verdict.fail(f"grading error: {type(e).__name__}: {e}")


def _grade(task: Mapping[str, Any], response: str, w: float) -> Verdict:
    zero = {"outcome": 0.0, "evidence": 0.0}
    fields = read_fields(response)
    answers = [a for a in fields.graded_answers if readings(a)]
    gold_evidence = [str(d) for d in task.get("evidence", [])]
    precision, recall, f1 = evidence_scores(fields.cited, gold_evidence)
    details = {"answers": [a.strip()[:200] for a in answers[:5]],
               "missing": [m.strip()[:200] for m in fields.missing[:5]],
               "cited": fields.cited[:50], "precision": precision, "recall": recall, "f1": f1}
    if not answers:
        return Verdict(False, 0.0, "no 'Answer: <entity>' line", zero, details)
    if fields.overflow:
        return Verdict(False, 0.0, "hedged: more answer or missing fields than one response "
                       "gives; give exactly one entity", zero, details)
    if bool(task.get("answerable", True)):
        why = _answer_fault(answers, entity_forms(task["answer"], task.get("answer_aliases")),
                            question_phrases(str(task.get("question", ""))))
    else:
        why = _abstention_fault(answers, fields.missing, task)
    if why is not None:
        return Verdict(False, 0.0, why, zero, details)
    evidence_credit = f1 if precision >= MIN_PRECISION else 0.0
    breakdown = {"outcome": 1.0 - w, "evidence": w * evidence_credit}
    passed = f1 >= PASS_F1 and precision >= MIN_PRECISION
    kind = "correct answer" if bool(task.get("answerable", True)) else "correct abstention"
    reason = (f"{kind}; evidence precision {precision:.2f}, recall {recall:.2f}"
              + ("" if precision >= MIN_PRECISION or not fields.cited
                 else " (over-cited: no evidence credit)"))
    return Verdict(passed, sum(breakdown.values()), reason, breakdown, details)


def _answer_fault(answers: list[str], forms: set[str], phrases: list[str]) -> str | None:
    """Why the answers to an answerable question earn nothing (None if they are right)."""
    right = [names_entity(a, forms, phrases) for a in answers]
    if all(right):
        return None
    if any(right):
        return f"hedged: {len(answers)} answers that do not all name the same entity"
    if len([p for p in _LIST_SEPARATORS.split(answers[-1]) if p.strip()]) > 1:
        return "hedged: the answer lists several candidates (give exactly one entity)"
    if any(is_abstention(a) for a in answers):
        return "answered 'unanswerable' to an answerable question"
    return "wrong answer"


def _abstention_fault(answers: list[str], missing: list[str],
                      task: Mapping[str, Any]) -> str | None:
    """Why the answers to an unanswerable question earn nothing (None if the abstention is
    right and, when the task knows it, names the missing entity)."""
    if not all(is_abstention(a) for a in answers):
        return "wrong: a document the question needs is not in the collection"
    if not task.get("removed"):
        return None  # a record that does not say which entity is missing
    forms = entity_forms(task["removed"], task.get("removed_aliases"))
    named = [m for m in missing if readings(m)]
    if not named:  # "Unanswerable: no document describes X" says it in the answer
        named = [m for a in answers for m in missing_in_explanation(a) if readings(m)]
    if not named:
        return ("abstained without naming the missing entity (add a line "
                "'Missing: <entity whose document is absent>')")
    if not all(names_entity(m, forms) for m in named):
        return "abstained, but 'Missing:' does not name the one entity whose document is absent"
    return None
