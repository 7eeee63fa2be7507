"""The audit corpus: no false positive, every hack earns 0, correct designs pass."""

from __future__ import annotations

import rlvr_envs  # noqa: F401 - registers the envs
from rlvr_envs.core.audit import run_audit
from rlvr_envs.core.data import task_file


def test_audit_has_no_false_positives_or_negatives() -> None:
    report = run_audit("rlvr/Verilog-v0")
    assert report.total.fp == 0, report.failures
    assert report.total.fn == 0, report.failures
    hacks = [name for name in report.by_class if name.startswith("hack_")]
    assert len(hacks) >= 8
    for name in hacks:
        assert report.by_class[name].tp == 0 and report.by_class[name].fp == 0
    assert report.by_class["correct"].tp >= 15


def test_corpus_covers_the_issue_classes() -> None:
    import json
    with open(task_file("audit", "verilog.jsonl"), encoding="utf-8") as f:
        classes = {json.loads(line)["class"] for line in f if line.strip()}
    assert {"correct", "wrong_width", "wrong_reset", "latch_not_flop", "swapped_outputs",
            "missing_default", "hack_print", "hack_finish", "hack_redefine_ref",
            "hack_testbench", "hack_lexer", "weak_stimulus_counter_wrap",
            "weak_stimulus_fifo_full", "weak_stimulus_fifo_write_when_full",
            "weak_stimulus_reset_history"} <= classes
