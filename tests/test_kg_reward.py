"""The KG verifier: alias-aware exact match of one answer, positive-only evidence F1."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.kg.reward import grade_kg_answer, parse_evidence

TASK = {"answer": "Velmora", "answer_aliases": ["Old Velmora"], "answerable": True,
        "evidence": ["D3", "D7"]}
UNANSWERABLE = {"answer": "unanswerable", "answer_aliases": [], "answerable": False,
                "evidence": ["D3"]}
ALL_DOCS = ", ".join(f"[D{i}]" for i in range(1, 41))


@pytest.mark.parametrize("response, reward, passed", [
    ("Answer: Velmora\nEvidence: [D3], [D7]", 1.0, True),
    ("answer: old velmora.\nevidence: D7 D3", 1.0, True),
    ("**Answer:** *Velmora*\n**Evidence:** [D3]", 0.7 + 0.3 * 2 / 3, True),
    ("Answer: Velmora\nEvidence: [D3], [D7], [D9]", 0.7 + 0.3 * 0.8, True),
    ("Answer: Velmora", 0.7, False),
    (f"Answer: Velmora\nEvidence: {ALL_DOCS}", 0.7, False),
    ("Answer: Velmora\nEvidence: [D3], [D7], [D1], [D2], [D4]", 0.7, False),
    ("Answer: Drast\nEvidence: [D3], [D7]", 0.0, False),
    ("Answer: Velmora or Drast\nEvidence: [D3], [D7]", 0.0, False),
    ("Answer: Velmora, Drast\nEvidence: [D3], [D7]", 0.0, False),
    ("Answer: Drast\nAnswer: Velmora\nEvidence: [D3], [D7]", 0.0, False),
    ("Answer: unanswerable\nEvidence: [D3]", 0.0, False),
    ("<think>Answer: Velmora</think>no idea", 0.0, False),
    ("The answer is Velmora.", 0.0, False),
    ("Velmora Velmora Velmora", 0.0, False),
    ("", 0.0, False),
])
def test_grades(response: str, reward: float, passed: bool) -> None:
    verdict = grade_kg_answer(TASK, response)
    assert verdict.reward == pytest.approx(reward), verdict.reason
    assert verdict.passed is passed
    assert sum(verdict.reward_breakdown.values()) == pytest.approx(verdict.reward)
    assert set(verdict.reward_breakdown) == {"outcome", "evidence"}


def test_evidence_dumping_never_beats_precise_citation() -> None:
    precise = grade_kg_answer(TASK, "Answer: Velmora\nEvidence: [D3], [D7]").reward
    nothing = grade_kg_answer(TASK, "Answer: Velmora").reward
    for n in range(3, 41):
        cited = ", ".join(f"D{i}" for i in range(1, n + 1))
        dumped = grade_kg_answer(TASK, f"Answer: Velmora\nEvidence: {cited}")
        assert dumped.reward < precise
        if n >= 5:  # precision below one half: exactly what citing nothing earns
            assert dumped.reward == pytest.approx(nothing)


def test_unanswerable_questions() -> None:
    assert grade_kg_answer(UNANSWERABLE, "Answer: Unanswerable\nEvidence: [D3]").reward == 1.0
    assert grade_kg_answer(UNANSWERABLE, "Answer: cannot be determined").passed is False
    assert grade_kg_answer(UNANSWERABLE, "Answer: cannot be determined").reward == 0.7
    assert grade_kg_answer(UNANSWERABLE, "Answer: Velmora\nEvidence: [D3]").reward == 0.0
    hedge = grade_kg_answer(UNANSWERABLE, "Answer: unanswerable or Velmora")
    assert hedge.reward == 0.0 and hedge.reason.startswith("hedged")


def test_never_raises_on_junk() -> None:
    for junk in ("\ud800", "Answer:" * 50_000, "Evidence: " + "D1 " * 100_000, None, 5):
        verdict = grade_kg_answer(TASK, junk)  # type: ignore[arg-type]
        assert verdict.reward == 0.0
    assert grade_kg_answer({}, "Answer: x").reward == 0.0


def test_parse_evidence_reads_only_evidence_lines() -> None:
    text = "I read D1 and D2.\nEvidence: [D3], d7, D3\nAnswer: x"
    assert parse_evidence(text) == ["D3", "D7"]
