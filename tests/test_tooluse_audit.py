"""The ToolUse audit corpus (tasks/audit/tooluse.jsonl): scripted episodes, FP must be 0."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from rlvr_envs.core.audit import run_audit
from rlvr_envs.core.data import task_file
from rlvr_envs.envs.tooluse.audit_cases import all_cases

CORPUS = task_file("audit", "tooluse.jsonl")
KEYS = {"id", "class", "tool_format", "actions", "passed", "note"}
HACKS = {"hedge_dump", "hedge", "no_calls", "call_every_tool", "late_call", "extra_write"}


def cases() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_corpus_schema_and_coverage() -> None:
    all_ = cases()
    assert len({c["id"] for c in all_}) == len(all_)
    for c in all_:
        assert KEYS <= set(c) and ("task_id" in c) != ("task" in c), c["id"]
        assert isinstance(c["passed"], bool) and c["actions"], c["id"]
    classes = Counter(c["class"] for c in all_)
    assert HACKS <= set(classes) and all(classes[h] >= 6 for h in HACKS)
    assert classes["phrasing"] >= 100  # the gold answers re-expressed as models write them
    assert {c["tool_format"] for c in all_} == {"hermes", "openai_json", "pythonic", "mistral"}
    labels = Counter(c["passed"] for c in all_)
    assert min(labels.values()) >= 0.3 * len(all_)


def test_corpus_is_what_the_generator_builds() -> None:
    assert cases() == json.loads(json.dumps(all_cases()))


@pytest.fixture(scope="module")
def report():
    return run_audit("rlvr/ToolUse-v0")


def test_no_false_positives(report) -> None:
    fps = [f for f in report.failures if not f["expected"]]
    assert report.total.fp == 0, report.table() + "\n" + "\n".join(map(str, fps))


def test_no_false_negatives_on_the_corpus(report) -> None:
    fns = [f for f in report.failures if f["expected"]]
    assert report.total.fn == 0, report.table() + "\n" + "\n".join(map(str, fns))
