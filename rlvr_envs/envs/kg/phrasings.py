"""A correct KG answer re-expressed the ways models write it, and two candidates named the
ways a hedging policy would: the generators behind the phrasing tests and the env's
`answer_perturbations` hook (`rlvr audit` plays them against the verifier).

`phrasings(...)` yields (class, response) pairs that all state the gold answer (or the
abstention with its missing entity) and cite the gold evidence: each must keep reward 1.0.
`two_candidates(...)` yields pairs that name the gold and another entity: each must earn 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

FILLER = "I followed the documents from the question's entity, one fact at a time."
TYPE_WORDS = {"organisation": "company"}


def ids(evidence: list[str], sep: str = ", ") -> str:
    return sep.join(f"[{d}]" for d in evidence)


def _restated(question: str, value: str) -> list[tuple[str, str]]:
    """The answer as a sentence that restates the question ("The region that X lies in
    is V.", "V is the region that X lies in.")."""
    q = question.strip().rstrip("?")
    for lead in ("Who is ", "What is "):
        if q.startswith(lead):
            phrase = q[len(lead):]
            return [("restated_subject", f"{phrase[:1].upper()}{phrase[1:]} is {value}."),
                    ("restated_predicate", f"{value} is {phrase}.")]
    if q.startswith("Of ") and ", which " in q:
        return [("restated_comparison", f"{value} {q.split(', which ', 1)[1]}.")]
    return []


def phrasings(value: str, evidence: list[str], *, missing: str | None = None,
              alias: str | None = None, kind: str | None = None, question: str = "",
              chain: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """(class, response) pairs that state the answer `value` (with the `missing` entity
    for an abstention) and cite `evidence` as models do. `alias`, `kind` (the entity's
    type word), `question` and `chain` (the evidence entities' names) add the forms that
    use them."""
    ev = ids(evidence)
    tail = f"\nMissing: {missing}" if missing else ""
    numbers = ", ".join(d[1:] for d in evidence)
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
    yield "equals_separator", f"Answer = {value}{tail}\nEvidence: {ev}"
    yield "arrow_separator", f"Answer → {value}{tail}\nEvidence: {ev}"
    yield "my_answer", f"My answer: {value}{tail}\nEvidence: {ev}"
    yield "result_label", f"Result: {value}{tail}\nEvidence: {ev}"
    yield "response_label", f"Response: {value}{tail}\nEvidence: {ev}"
    yield "final_answer_code_block", f"Final answer:\n```\n{value}\n```{tail}\nEvidence: {ev}"
    yield "evidence_first", f"Evidence: {ev}\nAnswer: {value}{tail}"
    yield "evidence_then_answer_one_line", f"Evidence: {ev}. Answer: {value}{tail}"
    yield "answer_then_evidence_one_line", f"Answer: {value}{tail.replace(chr(10), '; ')}; Evidence: {ev}"
    yield "evidence_bullets", f"Answer: {value}{tail}\nEvidence:\n" + "\n".join(
        f"- [{d}]" for d in evidence)
    yield "evidence_numbered", f"Answer: {value}{tail}\nEvidence:\n" + "\n".join(
        f"{k}. {d}: states one fact of the chain" for k, d in enumerate(evidence, 1))
    yield "evidence_plain_ids", f"Answer: {value}{tail}\nEvidence: {' '.join(evidence)}"
    yield "evidence_doc_words", f"Answer: {value}{tail}\nEvidence: Documents {numbers}"
    yield "evidence_doc_each", (f"Answer: {value}{tail}\nEvidence: "
                                + ", ".join(f"Doc {d[1:]}" for d in evidence))
    yield "evidence_inline", (f"The chain runs through {ids(evidence, ' and ')}.\n"
                              f"Answer: {value}{tail}")
    yield "evidence_in_parentheses", (" ".join(f"See ({d})." for d in evidence)
                                      + f"\nAnswer: {value}{tail}")
    yield "evidence_in_answer_line", f"Answer: {value} {ids(evidence, '')}{tail}"
    yield "sources_label", f"Answer: {value}{tail}\nSources: {ev}"
    yield "json", json.dumps({"answer": value, **({"missing": missing} if missing else {}),
                              "evidence": evidence})
    yield "json_fenced", "```json\n" + json.dumps(
        {"answer": value, **({"missing": missing} if missing else {}), "evidence": evidence},
        indent=2) + "\n```"
    yield "pleasantry", f"Answer: {value}. Let me know if you need anything else!{tail}\nEvidence: {ev}"
    yield "assent_parenthesis", f"Answer: {value} (Final){tail}\nEvidence: {ev}"
    yield "assent_confirmed", f"Answer: {value} (Confirmed){tail}\nEvidence: {ev}"
    yield "nothing_else_fits", f"Answer: {value}. Nothing else fits.{tail}\nEvidence: {ev}"
    yield "not_stated_directly", (f"Answer: {value} (this is not stated directly but follows "
                                  f"from the chain){tail}\nEvidence: {ev}")
    if not missing:
        yield "table_rows", f"| Field | Value |\n|---|---|\n| Answer | {value} |\n| Evidence | {ev} |"
        yield "table_header", f"| Answer | Evidence |\n|---|---|\n| {value} | {ev} |"
        yield "answer_is_sentence", f"{FILLER}\nThe answer is {value}.\nEvidence: {ev}"
        yield "therefore", f"{FILLER}\nTherefore, the answer is {value}.\nEvidence: {ev}"
        yield "so_comma", f"So, the answer is {value}.\nEvidence: {ev}"
        yield "thus_bold", f"Thus, the answer is **{value}**.\nEvidence: {ev}"
        yield "so_colon", f"So the answer is: {value}\nEvidence: {ev}"
        yield "based_on_next_line", (f"Based on the documents, the answer is:\n{value}\n\n"
                                     f"Evidence: {ev}")
        yield "self_ask", (f"Follow up: who is next in the chain?\nIntermediate answer: "
                           f"{(chain or ['it'])[-1]}\nSo the final answer is: {value}\n"
                           f"Evidence: {ev}")
        yield "it_is", f"Answer: It is {value}.\nEvidence: {ev}"
        yield "is_the_answer", f"Answer: {value} is the answer.\nEvidence: {ev}"
        yield "boxed", f"Answer: $\\boxed{{{value}}}$\nEvidence: {ev}"
        yield "boxed_bare", f"\\boxed{{{value}}}\nEvidence: {ev}"
        yield "boxed_display", f"\\[\\boxed{{{value}}}\\]\nEvidence: {ev}"
        yield "boxed_double_dollar", f"$$\\boxed{{{value}}}$$\nEvidence: {ev}"
        yield "boxed_text", f"\\boxed{{\\text{{{value}}}}}\nEvidence: {ev}"
        yield "number_parenthesis", f"Answer: {value} (1899)\nEvidence: {ev}"
        yield "number_comma", f"Answer: {value}, 1824\nEvidence: {ev}"
        yield "number_dash", f"Answer: {value} — 1824\nEvidence: {ev}"
        for cls, sentence in _restated(question, value):
            yield cls, f"Answer: {sentence}\nEvidence: {ev}"
    if missing:
        yield "missing_inline", f"Answer: {value} (missing: {missing})\nEvidence: {ev}"
        yield "missing_bold", f"**Answer:** {value}\n**Missing:** {missing}\n**Evidence:** {ev}"
        yield "missing_entity_label", f"Answer: {value}\nMissing entity: {missing}\nEvidence: {ev}"
        yield "missing_document_of", (f"Answer: {value}\nMissing: the document for {missing}"
                                      f"\nEvidence: {ev}")
        yield "missing_no_document_for", (f"Answer: {value}\nMissing: no document for "
                                          f"{missing}\nEvidence: {ev}")
        yield "missing_information_about", (f"Answer: {value}\nMissing: information about "
                                            f"{missing}\nEvidence: {ev}")
        yield "missing_explained", (f"Answer: {value}\nMissing: {missing} (its document is "
                                    f"not in the collection)\nEvidence: {ev}")
        yield "missing_next_line", f"Answer: {value}\nMissing:\n{missing}\nEvidence: {ev}"
        for cls, words in (("abstain_cannot", "Cannot be determined from the documents."),
                           ("abstain_not_enough", "Not enough information to answer."),
                           ("abstain_cannot_answer", "Cannot answer"),
                           ("abstain_unable", "Unable to determine"),
                           ("abstain_dont_know", "I don't know"),
                           ("abstain_insufficient_evidence", "Insufficient evidence"),
                           ("abstain_insufficient_data", "Insufficient data"),
                           ("abstain_not_available", "Not available"),
                           ("abstain_not_found", "Not found in the documents"),
                           ("abstain_undetermined", "Undetermined"),
                           ("abstain_not_possible", "Not possible to determine"),
                           ("abstain_no_answer_given", "No answer can be given"),
                           ("abstain_missing_information", "Missing information"),
                           ("abstain_it_cannot", "It cannot be determined."),
                           ("abstain_question_cannot", "The question cannot be answered from "
                                                       "the documents."),
                           ("abstain_information_not", "The information is not available in "
                                                       "the documents.")):
            yield cls, f"Answer: {words}\nMissing: {missing}\nEvidence: {ev}"
        yield "abstain_explained", (f"Answer: Unanswerable — no document describes {missing}."
                                    f"{tail}\nEvidence: {ev}")
        yield "abstain_explains_missing", (f"Answer: Unanswerable — no document describes "
                                           f"{missing}.\nEvidence: {ev}")
        yield "abstain_document_missing", (f"Answer: Unanswerable — the document for {missing}"
                                           f" is missing.\nEvidence: {ev}")
        yield "abstain_because", (f"Answer: Unanswerable because the document for {missing} "
                                  f"is missing.\nEvidence: {ev}")
        yield "abstain_no_document_parenthesis", (f"Answer: unanswerable (no document for "
                                                  f"{missing})\nEvidence: {ev}")
    if alias:
        yield "alias", f"Answer: {alias}{tail}\nEvidence: {ev}"
        yield "alias_parenthetical", f"Answer: {value} ({alias}){tail}\nEvidence: {ev}"
        yield "aka_parenthetical", f"Answer: {alias} (also known as {value}){tail}\nEvidence: {ev}"
        yield "alias_slash", f"Answer: {value} / {alias}{tail}\nEvidence: {ev}"
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
        yield "as_well_as", f"Answer: {a} as well as {b}{ev}"
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
        yield "answer_and_boxed", f"Answer: {a}\n$\\boxed{{{b}}}${ev}"
        yield "two_boxed", f"$\\boxed{{{a}}}$ $\\boxed{{{b}}}${ev}"
        yield "json_and_answer", f'{{"answer": "{a}"}}\nAnswer: {b}{ev}'
        yield "json_list", json.dumps({"answer": [a, b], "evidence": evidence})
        yield "answer_and_sentence", f"Answer: {a}\nThe answer is {b}.{ev}"
        yield "answer_in_evidence", f"Answer: {a}{ev} Answer: {b}"


def gold_parts(task: Mapping[str, Any], world: Any = None) -> dict[str, Any]:
    """The arguments of `phrasings` for a task's gold: its answer (or abstention and missing
    entity), evidence, an alias and the type word when the world is known, its question
    and chain."""
    answerable = bool(task.get("answerable", True))
    alias = kind = None
    if world is not None and answerable:
        entity = world.names.index(task["answer"])
        alias = (world.aliases[entity] or (None,))[0]
        kind = TYPE_WORDS.get(world.types[entity], world.types[entity])
    elif answerable and task.get("answer_aliases"):
        alias = task["answer_aliases"][0]
    return {"value": task["answer"], "evidence": list(task.get("evidence") or []),
            "missing": None if answerable else task.get("removed"), "alias": alias,
            "kind": kind, "question": str(task.get("question", "")),
            "chain": [n for c in task.get("chain") or [] for n in c]}


def perturbations_of(task: Mapping[str, Any], text: str, world: Any = None
                     ) -> dict[str, str | None]:
    """`phrasings` of the task's gold, for the audit's perturbation suite (`text`, the
    oracle's final message, states the same gold)."""
    if not str(text).lstrip().startswith(("Answer:", "Final")):
        return {}
    return dict(phrasings(**gold_parts(task, world)))
