"""Perturbations of correct final answers: the transforms, and the suite that counts reward
lost to them (out-of-sample false negatives)."""

from __future__ import annotations

from hack_toy_envs import StrictLineEnv, SumEnv, VaultEnv

from rlvr_envs.core.perturb import (
    CALL_SAFE,
    PERTURBATIONS,
    answer_span,
    perturbations,
    run_perturbation_suite,
)

MATH = "The sum is computed below.\n\n\\boxed{12}"
LABELED = "Answer: Paris\nEvidence: [D3], [D7]"
CODE = "Here it is.\n\n```python\ndef f(x):\n    return x\n```\n"
PLAIN = "The SKU is SKU-4926."


def test_answer_span_finds_code_boxed_labels_and_last_lines() -> None:
    assert answer_span(MATH).text == "\\boxed{12}"
    assert answer_span(LABELED).text == "Answer: Paris" and answer_span(LABELED).kind == "labeled"
    assert answer_span(CODE).kind == "code" and answer_span(CODE).text.startswith("```python")
    assert answer_span(PLAIN).text == PLAIN and answer_span("  \n") is None


def test_each_class_rewrites_the_answer_the_way_models_do() -> None:
    m = perturbations(MATH)
    assert set(m) == set(PERTURBATIONS)
    assert m["think"].startswith("<think>\n") and m["think"].endswith(MATH)
    assert m["final-answer-prefix"].endswith("Final answer: \\boxed{12}")
    assert m["bold-answer-prefix"].endswith("**Answer:** \\boxed{12}")
    assert m["answer-next-line"].endswith("The final answer is:\n\\boxed{12}")
    assert m["bold"].endswith("**\\boxed{12}**")
    assert m["markdown-bullet"].endswith("- \\boxed{12}")
    assert m["trailing-explanation"].startswith(MATH) and m["trailing-explanation"] != MATH
    assert m["crlf"] == MATH.replace("\n", "\r\n") + "\r\n"
    assert m["extra-whitespace"] == "\n\nThe sum is computed below.  \n\n\\boxed{12}  \n\n\n"
    k = perturbations(LABELED)
    assert k["bold-answer-prefix"].startswith("**Answer:** Paris\nEvidence")
    assert k["bold"].startswith("Answer: **Paris**")
    assert k["answer-next-line"].startswith("Answer:\nParis\nEvidence")
    assert k["final-answer-prefix"].startswith("Final Answer: Paris")


def test_code_answers_are_not_bolded_or_bulleted() -> None:
    c = perturbations(CODE)
    # trailing spaces only outside the code: inside, one can break a backslash continuation
    assert c["extra-whitespace"] == ("\n\nHere it is.  \n\n```python\ndef f(x):\n    return x\n```"
                                     "\n\n\n\n")
    assert "bold" not in c and "markdown-bullet" not in c and "answer-next-line" not in c
    assert "Final answer:\n```python\ndef f(x):" in c["final-answer-prefix"]


def test_tool_call_messages_keep_their_calls() -> None:
    call = '<tool_call>\n{"name": "read", "arguments": {"key": "red"}}\n</tool_call>'
    assert set(perturbations(call, calls=True)) == set(CALL_SAFE)


def make(cls):
    return lambda fmt: cls(**({"tool_format": fmt} if fmt else {}))


def test_a_tolerant_verifier_keeps_every_reward() -> None:
    report = run_perturbation_suite(make(SumEnv), 12, env_id="sum")
    assert report.tasks == 12 and report.oracle_failed == 0
    assert report.n == 12 * len(PERTURBATIONS) and report.fn == 0


def test_a_format_strict_verifier_shows_false_negatives_by_class() -> None:
    report = run_perturbation_suite(make(StrictLineEnv), 9, env_id="strict")
    rates = {k: (c.fn, c.n) for k, c in report.by_class.items()}
    assert rates["bold"] == (9, 9) and rates["trailing-explanation"] == (9, 9)
    assert rates["think"] == (0, 9) and rates["crlf"] == (9, 9)
    assert rates["domain:leading-plus"] == (9, 9)  # the env's own hook
    example = report.by_class["bold"].examples[0]
    assert example["oracle_reward"] == 1.0 and example["reward"] == 0.0
    assert "FN bold" in report.table() and report.to_dict()["by_class"]["bold"]["fn_rate"] == 1.0


def test_multi_turn_tool_episodes_perturb_only_the_final_message() -> None:
    report = run_perturbation_suite(make(VaultEnv), 8, env_id="vault")
    assert report.tasks == 8 and report.oracle_failed == 0
    # the final answer is a bare number that VaultEnv compares after strip(): whitespace and
    # CRLF keep the reward, anything that adds text (bold, reasoning) loses it
    assert report.by_class["crlf"].fn == report.by_class["extra-whitespace"].fn == 0
    assert report.by_class["bold"].fn == report.by_class["think"].fn == 8
    assert all("<tool_call>" not in ex["text"] for c in report.by_class.values()
               for ex in c.examples)
