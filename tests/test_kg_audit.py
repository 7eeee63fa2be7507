"""The KG audit corpus: no false positives, and the corpus still matches the generator."""

from __future__ import annotations

import json

import rlvr_envs  # noqa: F401
from rlvr_envs.core.audit import load_corpus, run_audit
from rlvr_envs.core.data import task_file
from rlvr_envs.envs.kg.audit_corpus import build_cases
from rlvr_envs.envs.kg.env import KGMultiHopEnv


def test_audit_has_no_false_positives_or_negatives() -> None:
    report = run_audit("rlvr/KGMultiHop-v0")
    assert report.total.n >= 250
    assert report.total.fp == 0, report.failures
    assert report.total.fn == 0, report.failures
    for cls in ("correct", "correct_phrasing", "wrong", "hedging", "evidence_dumping",
                "unanswerable_trap", "unanswerable_correct", "abstention_without_missing",
                "abstention_wrong_missing", "task_independent", "correct_search"):
        assert report.by_class[cls].n > 0


def test_evidence_dumping_cases_earn_no_evidence_credit() -> None:
    for case in load_corpus(task_file("audit", "kg.jsonl")):
        if case["class"] == "evidence_dumping":
            verdict = KGMultiHopEnv.audit_verdict(case)
            assert verdict.reward_breakdown["evidence"] == 0.0
            assert verdict.reward <= 0.7 + 1e-9


def test_corpus_matches_the_generator() -> None:
    shipped = load_corpus(task_file("audit", "kg.jsonl"))
    assert json.loads(json.dumps(build_cases())) == shipped
