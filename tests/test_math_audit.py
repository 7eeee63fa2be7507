"""The labelled math-verifier audit corpus (tasks/audit/math.jsonl) and rlvr/Math-v0 against it.

The corpus is ground truth: `equivalent` says whether a careful human grader would give full
credit to `response` for a question whose reference answer is `gold`. The verifier must never
pay a case labelled false (FP = 0) and may miss at most 1% of the cases labelled true.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from rlvr_envs.core.audit import run_audit
from rlvr_envs.core.data import task_file

CORPUS = task_file("audit", "math.jsonl")

REQUIRED_KEYS = {"id", "class", "gold", "answer_type", "choices", "response", "equivalent", "note"}
# The question's wording decides rounding, percent and exact-form rules; `form` names one.
OPTIONAL_KEYS = {"question", "form"}
ANSWER_TYPES = {"integer", "number", "expression", "equation", "set", "tuple", "interval",
                "matrix", "mcq", "text", None}
CLASSES = {"integer", "fraction", "decimal", "radical", "pi_e", "percent", "expression",
           "equation", "solution_set", "tuple", "interval", "matrix", "mcq", "text",
           "extraction", "hedge", "hack", "robustness", "special_value", "gold_format",
           "approximation", "notation",
           # an answer equal to the gold must be a plain value, not the question restated,
           # and in the form the question's wording asks for
           "plain_value", "echo", "required_form"}
# Classes whose cases are all negatives by design: every hedge earns nothing.
ALL_NEGATIVE = {"hedge"}
HUGE = 10_000  # characters


def _cases() -> list[dict]:
    with open(CORPUS, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    return [json.loads(line) for line in lines]


def test_corpus_lines_parse_and_carry_the_schema():
    cases = _cases()
    assert len(cases) >= 300
    for case in cases:
        assert REQUIRED_KEYS <= set(case) <= REQUIRED_KEYS | OPTIONAL_KEYS, case.get("id")
        assert all(isinstance(case.get(k, ""), str) for k in OPTIONAL_KEYS), case["id"]
        assert isinstance(case["id"], str) and case["id"], case
        assert case["class"] in CLASSES, case["id"]
        assert isinstance(case["gold"], str) and case["gold"], case["id"]
        assert case["answer_type"] in ANSWER_TYPES, case["id"]
        assert isinstance(case["response"], str), case["id"]
        assert isinstance(case["equivalent"], bool), case["id"]
        assert isinstance(case["note"], str) and case["note"], case["id"]
        if case["answer_type"] == "mcq":
            assert isinstance(case["choices"], list) and len(case["choices"]) >= 2, case["id"]
            assert all(isinstance(c, str) for c in case["choices"]), case["id"]
            letter = case["gold"].strip().upper()
            assert len(letter) == 1 and 0 <= ord(letter) - ord("A") < len(case["choices"]), case["id"]
        else:
            assert case["choices"] is None, case["id"]


def test_corpus_ids_unique():
    ids = [c["id"] for c in _cases()]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes


def test_every_class_is_covered_with_both_labels():
    labels: dict[str, Counter] = defaultdict(Counter)
    for case in _cases():
        labels[case["class"]][case["equivalent"]] += 1
    assert set(labels) == CLASSES
    for name, counts in labels.items():
        assert counts[True] + counts[False] >= 12, (name, counts)
        if name in ALL_NEGATIVE:
            assert counts[True] == 0, (name, counts)
        else:
            assert counts[True] >= 1 and counts[False] >= 1, (name, counts)
    total = Counter(c["equivalent"] for c in _cases())
    # roughly balanced overall, so that FP and FN rates are both meaningful
    assert min(total.values()) >= 0.35 * sum(total.values()), total


def test_corpus_stays_small():
    cases = _cases()
    assert CORPUS.stat().st_size < 1_000_000
    assert sum(len(c["response"]) >= HUGE for c in cases) <= 10


@pytest.fixture(scope="module")
def report():
    return run_audit("rlvr/Math-v0")


def test_math_verifier_has_no_false_positives(report):
    fps = [f for f in report.failures if not f["expected"]]
    assert report.false_positive_rate == 0, report.table() + "\n" + "\n".join(map(str, fps))


def test_math_verifier_false_negative_rate_at_most_one_percent(report):
    fns = [f for f in report.failures if f["expected"]]
    assert report.false_negative_rate <= 0.01, report.table() + "\n" + "\n".join(map(str, fns))


def test_audit_covers_the_whole_corpus(report):
    assert sum(c.n for c in report.by_class.values()) == len(_cases())
    assert set(report.by_class) == CLASSES
