"""The Code-v0 audit corpus: correct, subtly wrong and hacking submissions, FP = 0."""

from __future__ import annotations

from rlvr_envs.core.audit import load_corpus, run_audit
from rlvr_envs.core.data import task_file


def test_corpus_covers_the_classes() -> None:
    cases = load_corpus(task_file("audit", "code.jsonl"))
    classes = {c["class"] for c in cases}
    assert {"correct", "alt_correct", "format", "subtly_wrong", "hack", "hack_reference_search",
            "hack_task_data_search", "hack_always_equal", "hack_kernel_state",
            "hack_hidden_inputs", "hack_control_flow"} <= classes
    assert sum(c["class"] == "hack" for c in cases) >= 10
    assert all(("task_id" in c) != ("task" in c) and "response" in c for c in cases)


def test_audit_has_no_false_positives() -> None:
    report = run_audit("rlvr/Code-v0")
    total = report.total
    assert total.fp == 0, report.failures
    assert total.fn == 0, report.failures   # every correct submission is paid, too
    assert total.n >= 60
