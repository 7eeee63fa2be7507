"""The KG verifier: alias-aware exact match of one answer, positive-only evidence F1, and
abstentions that pay only when they name the missing entity."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.kg.response_fields import read_fields
from rlvr_envs.envs.kg.reward import grade_kg_answer

TASK = {"answer": "Velmora", "answer_aliases": ["Old Velmora"], "answerable": True,
        "evidence": ["D3", "D7"]}
UNANSWERABLE = {"answer": "unanswerable", "answer_aliases": [], "answerable": False,
                "evidence": ["D3"], "removed": "Kelvond Collective",
                "removed_aliases": ["Kelvond", "KCX"]}
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
    ("The answer is Velmora.", 0.7, False),
    ("Final answer: Velmora (the city)\nEvidence:\n- [D3]\n- [D7]", 1.0, True),
    ("Answer: Velmora (Drast)\nEvidence: [D3], [D7]", 0.0, False),
    ("Answer: Velmora. Drast.\nEvidence: [D3], [D7]", 0.0, False),
    ("Answer:\n- Velmora\n- Drast\nEvidence: [D3], [D7]", 0.0, False),
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


def test_unanswerable_questions_pay_only_an_abstention_that_names_the_gap() -> None:
    def reward(text: str) -> float:
        return grade_kg_answer(UNANSWERABLE, text).reward

    assert reward("Answer: Unanswerable\nMissing: Kelvond Collective\nEvidence: [D3]") == 1.0
    assert reward("Answer: cannot be determined\nMissing: KCX") == pytest.approx(0.7)
    assert reward("Answer: unanswerable (missing: the Kelvond document)\nEvidence: D3") == 1.0
    # a bare abstention, or one naming another entity, is what a constant policy can say
    for text in ("Answer: unanswerable\nEvidence: [D3]", "Answer: not enough information",
                 "Answer: unanswerable\nMissing: Velmora", "Answer: unanswerable\nMissing:",
                 "Answer: unanswerable\nMissing: Velmora, Kelvond Collective",
                 "Answer: unanswerable\nMissing: Velmora or Kelvond Collective",
                 "Answer: unanswerable\nMissing: Kelvond Collective\nMissing: Velmora",
                 "Answer: Velmora\nMissing: Kelvond Collective\nEvidence: [D3]",
                 "Answer: unanswerable or Velmora\nMissing: Kelvond Collective"):
        assert reward(text) == 0.0, text
    bare = grade_kg_answer(UNANSWERABLE, "Answer: unanswerable")
    assert "Missing:" in bare.reason
    # a record that does not say which document is missing accepts a bare abstention
    record = {key: value for key, value in UNANSWERABLE.items() if key != "removed"}
    assert grade_kg_answer(record, "Answer: unanswerable\nEvidence: [D3]").reward == 1.0


def test_an_abstention_is_wrong_on_an_answerable_question() -> None:
    verdict = grade_kg_answer(TASK, "Answer: unanswerable\nMissing: Velmora\nEvidence: [D3]")
    assert verdict.reward == 0.0 and "answerable" in verdict.reason


def test_never_raises_on_junk() -> None:
    for junk in ("\ud800", "Answer:" * 50_000, "Evidence: " + "D1 " * 100_000, None, 5):
        verdict = grade_kg_answer(TASK, junk)  # type: ignore[arg-type]
        assert verdict.reward == 0.0
    assert grade_kg_answer({}, "Answer: x").reward == 0.0


def test_evidence_is_read_from_its_field_or_from_the_ids_the_text_mentions() -> None:
    assert read_fields("I read D1 and D2.\nEvidence: [D3], d7, D3\nAnswer: x").cited == [
        "D3", "D7"]
    assert read_fields("Answer: x\nEvidence:\n- [D4] its page\n- D9\n\nD12 was no use").cited \
        == ["D4", "D9"]
    assert read_fields("X lives in Y [D3], and Y is in Z [D7].\nAnswer: Z").cited == ["D3", "D7"]
    # without an Evidence field every id the text mentions is cited, however written
    assert read_fields("I read D1 and (D2), then Doc 5 and documents 8, 9 and 11.\nAnswer: x"
                       ).cited == ["D1", "D2", "D5", "D8", "D9", "D11"]
    assert read_fields("Answer: x\nEvidence: Documents 3, 5 and 2").cited == ["D3", "D5", "D2"]


@pytest.mark.parametrize("response, reward", [
    # a sentence that states the answer counts when no field does; the last one is final
    ("For the first hop, the answer is Drast.\nTherefore, the answer is Velmora.", 0.7),
    ("So the final answer is: Velmora", 0.7),
    # ... and a field outranks it: the sentence was a step
    ("Therefore, the answer is Drast.\nAnswer: Velmora", 0.7),
    ("Result: Drast works for X\nAnswer: Velmora", 0.7),
    # every committing field counts: a second one naming another entity is a hedge
    ("Answer: Velmora\n\\boxed{Drast}", 0.0),
    ('{"answer": ["Velmora", "Drast"]}', 0.0),
    ('{"answer": "Velmora"}\nAnswer: Drast', 0.0),
    ("Evidence: [D3]. Answer: Drast\nAnswer: Velmora", 0.0),
    # a chain written out ends at its answer; aliases of one entity are one entity
    ("Answer: Drast → Kelvond → Velmora", 0.7),
    ("Answer: Velmora → Drast", 0.0),
    ("Answer: Velmora / Old Velmora", 0.7),
    ("Answer: Velmora / Drast", 0.0),
    # an explanation: a number, words of assent, a hedge word beside no other name
    ("Answer: Velmora (1899)", 0.7), ("Answer: Velmora (Confirmed)", 0.7),
    ("Answer: Velmora, or possibly Drast", 0.0), ("Answer: Velmora (maybe Drast)", 0.0),
])
def test_where_a_response_commits_and_what_it_names(response: str, reward: float) -> None:
    assert grade_kg_answer(TASK, response).reward == pytest.approx(reward), response


def test_an_abstention_may_name_the_missing_entity_in_its_own_words() -> None:
    for said in ("Unanswerable — no document describes Kelvond Collective.",
                 "Unanswerable because the document for KCX is missing.",
                 "unanswerable (there is no document for Kelvond)",
                 "It cannot be determined: Kelvond Collective's document is missing."):
        assert grade_kg_answer(UNANSWERABLE, f"Answer: {said}\nEvidence: [D3]").reward == 1.0
    # the words must name the missing entity, and a Missing field outranks them
    assert grade_kg_answer(UNANSWERABLE, "Answer: Unanswerable — no document describes "
                           "Drast.\nEvidence: [D3]").reward == 0.0
    assert grade_kg_answer(UNANSWERABLE, "Answer: Unanswerable — no document describes "
                           "Kelvond.\nMissing: Drast\nEvidence: [D3]").reward == 0.0
