"""Equal is not enough when the question asks for a form: echoing it back earns nothing."""

import pytest

from rlvr_envs.envs.math.families import make_math_source
from rlvr_envs.envs.math.verify import verify_math


@pytest.mark.parametrize("form, gold, good, bad", [
    ("expanded", "x^2+2x+1", "x^{2} + 2 x + 1", "(x+1)^2"),
    ("expanded", "2x^2-2", "2x^2 - 2", "2(x-1)(x+1)"),
    ("factored", "(x-1)(x+1)", "(x+1)(x-1)", "x^2-1"),
    ("factored", "(x-1)(x+1)", "(x+1)(x-1)", "(x^2-1)"),
    ("factored", "2(x-3)^2", "2(x-3)^{2}", "2(x^2-6x+9)"),
    ("simplified", "\\frac{1}{x+1}", "\\frac{1}{x+1}", "\\frac{x-1}{x^2-1}"),
])
def test_required_form(form, gold, good, bad):
    task = {"answer": gold, "answer_type": "expression", "required_form": form}
    assert verify_math(task, f"\\boxed{{{good}}}").passed
    verdict = verify_math(task, f"\\boxed{{{bad}}}")
    assert not verdict.passed and form in verdict.reason
    # without the requirement both are equal answers
    assert verify_math({"answer": gold, "answer_type": "expression"}, f"\\boxed{{{bad}}}").passed


def test_polynomial_family_rejects_echoing_the_question():
    source = make_math_source(seed=0, families=["polynomials"])
    for level in source.families["polynomials"].difficulties:
        for index in range(8):
            task = source.build("polynomials", level, index)
            assert task["metadata"]["required_form"]
            assert verify_math(task, f"\\boxed{{{task['answer']}}}").passed, task
            shown = task["question"].split("$")[1]  # the expression the question shows
            assert not verify_math(task, f"\\boxed{{{shown}}}").passed, (task["question"], shown)
