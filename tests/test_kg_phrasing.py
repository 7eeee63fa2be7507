"""Correct answers keep their reward however a model phrases them; naming two candidates
earns 0 however it is phrased. The perturbations re-express the gold solver's final message
the ways models write answers, over seeds, levels and both modes."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator

import pytest

from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.reward import grade_kg_answer

FILLER = "I followed the documents from the question's entity, one fact at a time."


def ids(evidence: list[str], sep: str = ", ") -> str:
    return sep.join(f"[{d}]" for d in evidence)


def phrasings(value: str, evidence: list[str], *, missing: str | None = None,
              alias: str | None = None, kind: str | None = None) -> Iterator[tuple[str, str]]:
    """(class, response) pairs that state the answer `value` (with the `missing` entity
    for an abstention) and cite `evidence` as models do. `alias` and `kind` (the entity's
    type word) add the forms that use them."""
    ev = ids(evidence)
    tail = f"\nMissing: {missing}" if missing else ""
    yield "plain", f"Answer: {value}{tail}\nEvidence: {ev}"
    yield "final_answer_prefix", f"{FILLER}\n\nFinal answer: {value}{tail}\nEvidence: {ev}"
    yield "final_answer_bold", f"**Final Answer:** {value}{tail}\n**Evidence:** {ev}"
    yield "bold_label", f"**Answer:** {value}{tail}\n**Evidence:** {ev}"
    yield "bold_value", f"Answer: **{value}**{tail}\nEvidence: {ev}"
    yield "bold_whole_line", f"**Answer: {value}**{tail}\n**Evidence: {ev}**"
    yield "next_line", f"**Answer:**\n{value}{tail}\n\n**Evidence:** {ev}"
    yield "next_line_blank", f"Answer:\n\n{value}{tail}\n\nEvidence:\n{ev}"
    yield "heading", f"## Answer\n{value}{tail}\n\n## Evidence\n" + "\n".join(
        f"- [{d}]" for d in evidence)
    yield "numbered_fields", f"1. Answer: {value}{tail}\n2. Evidence: {ev}"
    yield "bulleted_fields", f"- Answer: {value}{tail}\n- Evidence: {ev}"
    if not missing:
        yield "table_rows", f"| Field | Value |\n|---|---|\n| Answer | {value} |\n| Evidence | {ev} |"
        yield "table_header", f"| Answer | Evidence |\n|---|---|\n| {value} | {ev} |"
        yield "answer_is_sentence", f"{FILLER}\nThe answer is {value}.\nEvidence: {ev}"
        yield "it_is", f"Answer: It is {value}.\nEvidence: {ev}"
        yield "boxed", f"Answer: $\\boxed{{{value}}}$\nEvidence: {ev}"
    yield "double_quotes", f'Answer: "{value}"{tail}\nEvidence: {ev}'
    yield "curly_quotes", f"Answer: “{value}”{tail}\nEvidence: {ev}"
    yield "backticks", f"Answer: `{value}`{tail}\nEvidence: {ev}"
    yield "trailing_period", f"Answer: {value}.{tail}\nEvidence: {ev}"
    yield "explanation_sentence", (f"Answer: {value}. It is where the chain of facts in the "
                                   f"documents leads.{tail}\nEvidence: {ev}")
    yield "explanation_dash", f"Answer: {value} — reached by following each fact{tail}\nEvidence: {ev}"
    yield "explanation_colon", f"Answer: {value}: the last link of the chain{tail}\nEvidence: {ev}"
    yield "upper_case", f"ANSWER: {value.upper()}{tail}\nEVIDENCE: {ev}"
    yield "lower_case", f"answer: {value.lower()}{tail}\nevidence: {ev.lower()}"
    yield "think_before", (f"<think>\nMaybe Answer: Someone Else? No: {FILLER}\n</think>\n\n"
                           f"Answer: {value}{tail}\nEvidence: {ev}")
    yield "crlf", f"Answer: {value}{tail}\r\nEvidence: {ev}\r\n"
    yield "xml_tags", (f"<answer>{value}</answer>"
                       + (f"\n<missing>{missing}</missing>" if missing else "")
                       + f"\n<evidence>{ev}</evidence>")
    yield "dash_separator", f"Answer - {value}{tail}\nEvidence - {ev}"
    yield "evidence_first", f"Evidence: {ev}\nAnswer: {value}{tail}"
    yield "evidence_bullets", f"Answer: {value}{tail}\nEvidence:\n" + "\n".join(
        f"- [{d}]" for d in evidence)
    yield "evidence_numbered", f"Answer: {value}{tail}\nEvidence:\n" + "\n".join(
        f"{k}. {d}: states one fact of the chain" for k, d in enumerate(evidence, 1))
    yield "evidence_plain_ids", f"Answer: {value}{tail}\nEvidence: {' '.join(evidence)}"
    yield "evidence_inline", (f"The chain runs through {ids(evidence, ' and ')}.\n"
                              f"Answer: {value}{tail}")
    yield "evidence_in_answer_line", f"Answer: {value} {ids(evidence, '')}{tail}"
    yield "sources_label", f"Answer: {value}{tail}\nSources: {ev}"
    if missing:
        yield "missing_inline", f"Answer: {value} (missing: {missing})\nEvidence: {ev}"
        yield "missing_bold", f"**Answer:** {value}\n**Missing:** {missing}\n**Evidence:** {ev}"
        yield "missing_entity_label", f"Answer: {value}\nMissing entity: {missing}\nEvidence: {ev}"
        yield "missing_document_of", (f"Answer: {value}\nMissing: the document for {missing}"
                                      f"\nEvidence: {ev}")
        yield "missing_next_line", f"Answer: {value}\nMissing:\n{missing}\nEvidence: {ev}"
        yield "abstain_cannot", f"Answer: Cannot be determined from the documents.{tail}\nEvidence: {ev}"
        yield "abstain_not_enough", (f"Answer: Not enough information to answer.{tail}\n"
                                     f"Evidence: {ev}")
        yield "abstain_explained", (f"Answer: Unanswerable — no document describes {missing}."
                                    f"{tail}\nEvidence: {ev}")
    if alias:
        yield "alias", f"Answer: {alias}{tail}\nEvidence: {ev}"
        yield "alias_parenthetical", f"Answer: {value} ({alias}){tail}\nEvidence: {ev}"
        yield "aka_parenthetical", f"Answer: {alias} (also known as {value}){tail}\nEvidence: {ev}"
    if kind:
        yield "type_parenthetical", f"Answer: {value} ({kind}){tail}\nEvidence: {ev}"
        yield "type_prefix", f"Answer: the {kind} {value}{tail}\nEvidence: {ev}"
        yield "type_appositive", f"Answer: {value}, a {kind}{tail}\nEvidence: {ev}"


def two_candidates(value: str, other: str, evidence: list[str]) -> Iterator[tuple[str, str]]:
    """(class, response) pairs that name `value` and `other` as candidates: each earns 0."""
    ev = f"\nEvidence: {ids(evidence)}"
    for a, b in ((value, other), (other, value)):
        yield "or", f"Answer: {a} or {b}{ev}"
        yield "comma", f"Answer: {a}, {b}{ev}"
        yield "slash", f"Answer: {a} / {b}{ev}"
        yield "and", f"Answer: {a} and {b}{ev}"
        yield "semicolon", f"Answer: {a}; {b}{ev}"
        yield "parenthetical", f"Answer: {a} ({b}){ev}"
        yield "two_sentences", f"Answer: {a}. {b}.{ev}"
        yield "dash", f"Answer: {a} - {b}{ev}"
        yield "either", f"Answer: either {a} or {b}{ev}"
        yield "hedge_sentence", f"Answer: {a}, or possibly {b}{ev}"
        yield "not_sentence", f"Answer: {a}, not {b}{ev}"
        yield "question_mark", f"Answer: {a}? {b}?{ev}"
        yield "two_lines", f"Answer: {a}\nAnswer: {b}{ev}"
        yield "two_final_lines", f"Final answer: {a}\nFinal answer: {b}{ev}"
        yield "bullets", f"Answer:\n- {a}\n- {b}{ev}"
        yield "numbered", f"**Answer:**\n1. {a}\n2. {b}{ev}"
        yield "table", f"| Answer | Evidence |\n|---|---|\n| {a} | {ids(evidence)} |\n| {b} | |"
        yield "table_rows", f"| Answer | {a} |\n| Answer | {b} |{ev}"
        yield "run_together", f"Answer: {a} {b}{ev}"


TYPE_WORDS = {"organisation": "company"}


def oracle_episode(env: KGMultiHopEnv, seed: int, level: int) -> dict:
    """Play the gold solver up to its final message; return the task and the env ready to
    take that final step."""
    env.reset(seed=seed, options={"difficulty": level})
    action = env.oracle_action()
    while not action.startswith("Answer:"):
        env.step(action)
        action = env.oracle_action()
    return dict(env.task)


def gold_parts(env: KGMultiHopEnv, task: dict) -> dict:
    world = env.task_source.world_for(int(task["world_seed"]))
    name = task["answer"] if task["answerable"] else task["removed"]
    entity = world.names.index(name)
    aliases = list(world.aliases[entity])
    return {"value": task["answer"], "evidence": list(task["evidence"]),
            "missing": None if task["answerable"] else task["removed"],
            "alias": (aliases[0] if aliases and task["answerable"] else None),
            "kind": (TYPE_WORDS.get(world.types[entity], world.types[entity])
                     if task["answerable"] else None)}


CASES = [(mode, level, seed) for mode in ("context", "search") for level in (1, 2, 3, 4, 5)
         for seed in range(8)]


@pytest.mark.parametrize("mode, level, seed", CASES)
def test_every_phrasing_of_the_gold_keeps_its_reward(mode: str, level: int, seed: int) -> None:
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.4)
    task = oracle_episode(env, seed, level)
    for cls, text in phrasings(**gold_parts(env, task)):
        verdict = grade_kg_answer(task, text)
        assert verdict.reward == pytest.approx(1.0), (cls, text, verdict.reason)


@pytest.mark.parametrize("mode", ["context", "search"])
def test_phrasings_pass_through_the_env(mode: str) -> None:
    """The same perturbations as the env's final step (search mode: after the gold
    solver's searches), so the search gate and the env's parsing agree with the grader."""
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.5)
    for seed in (0, 1):
        task = oracle_episode(env, seed, 4)
        for cls, text in phrasings(**gold_parts(env, task)):
            oracle_episode(env, seed, 4)
            *_, terminated, _, info = env.step(text)
            assert terminated and info["verdict"]["reward"] == pytest.approx(1.0), (cls, text)


@pytest.mark.parametrize("mode, level, seed", CASES[::4])
def test_naming_two_candidates_earns_zero(mode: str, level: int, seed: int) -> None:
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.0)
    task = oracle_episode(env, seed, level)
    chain = [n for c in task["chain"] for n in c if n != task["answer"]]
    others = {chain[-1], next(t for _, t, _ in env._docs if t != task["answer"])}
    for other in others:
        for cls, text in two_candidates(task["answer"], other, list(task["evidence"])):
            verdict = grade_kg_answer(task, text)
            assert verdict.reward == 0.0, (cls, text, verdict.reason)


def test_an_abstention_naming_two_missing_entities_earns_zero() -> None:
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    for seed in range(6):
        task = oracle_episode(env, seed, 3)
        other = task["chain"][0][0]
        ev = "\nEvidence: " + ids(task["evidence"])
        for a, b in ((task["removed"], other), (other, task["removed"])):
            for missing in (f"{a}, {b}", f"{a} or {b}", f"{a} ({b})", f"{a}. {b}."):
                verdict = grade_kg_answer(task, f"Answer: unanswerable\nMissing: {missing}{ev}")
                assert verdict.reward == 0.0, missing
            both = f"Answer: unanswerable\nMissing: {a}\nMissing: {b}{ev}"
            assert grade_kg_answer(task, both).reward == 0.0


def main(first_seed: int = 1000, seeds: int = 30) -> None:
    """The same checks at scale, on seeds the tests do not use:
    `PYTHONPATH=. python tests/test_kg_phrasing.py 1000 30`."""
    lost, total, paid, hedges = Counter(), Counter(), Counter(), Counter()
    for mode in ("context", "search"):
        env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.3)
        for level in (1, 2, 3, 4, 5):
            for seed in range(first_seed, first_seed + seeds):
                task = oracle_episode(env, seed, level)
                for cls, text in phrasings(**gold_parts(env, task)):
                    total[cls] += 1
                    lost[cls] += abs(grade_kg_answer(task, text).reward - 1.0) > 1e-9
                if task["answerable"]:
                    other = next(t for _, t, _ in env._docs if t != task["answer"])
                    for cls, text in two_candidates(task["answer"], other,
                                                    list(task["evidence"])):
                        hedges[cls] += 1
                        paid[cls] += grade_kg_answer(task, text).reward > 0
    print(f"correct answers re-expressed: {sum(total.values())}, lost reward: "
          f"{sum(lost.values())} {dict(+lost)}")
    print(f"two-candidate responses: {sum(hedges.values())}, paid: {sum(paid.values())} "
          f"{dict(+paid)}")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
