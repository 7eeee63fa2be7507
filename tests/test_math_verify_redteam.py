"""Red-team cases for the math verifier, written out-of-sample (not tuned on the audit corpus).

Each row: (gold, response, answer_type, choices, task extras, expected, reason). False
positives (a policy paid without being right) and false negatives (a correct answer in a
notation graders accept) found by red-teaming; the fixes live in rlvr_envs/envs/math/.
"""

from __future__ import annotations

import pytest

from rlvr_envs.envs.math.verify import verify_math

OPTS = ["10", "12", "15", "20"]  # option B is 12, option C is 15


def box(s: str) -> str:
    return r"Working through it step by step. The answer is $\boxed{" + s + "}$."


# ------------------------------------------------------------------------------------------
# Must NOT be paid (false-positive attempts)
# ------------------------------------------------------------------------------------------
REJECT = [
    ("|x|", box(r"\sqrt{x^2}"), "expression", None, {},
     "sqrt(x^2) equals |x| but uses a root the gold does not need"),
    ("B", box(r"\frac{24}{2}"), "mcq", OPTS, {}, "value of the right option, division undone"),
    # hedges in new shapes
    ("7", "The answer is between 7 and 8.", None, None, {}, "range hedge in prose"),
    ("7", box("7 (or 8)"), None, None, {}, "parenthetical alternative inside the box"),
    ("7", box(r"7 \text{ (or 8)}"), None, None, {}, "alternative hidden in \\text"),
    ("7", box(r"\text{either 7 or 8}"), None, None, {}, "whole hedge in \\text"),
    ("7", box(r"7 \text{ to } 8"), None, None, {}, "range in words"),
    ("7", box(r"7 \lor 8"), None, None, {}, "logical-or hedge"),
    ("7", box(r"7; 8"), None, None, {}, "semicolon list for a single gold"),
    ("7", box(r"7 \approx 8"), None, None, {}, "inconsistent approx pair states two values"),
    ("8", box(r"7 \approx 8"), None, None, {}, "inconsistent approx pair, gold is the second"),
    ("7", box(r"6 < x < 8"), None, None, {}, "interval containing the gold"),
    ("7", box(r"[7, 8]"), None, None, {}, "closed interval containing the gold"),
    ("7", box(r"\text{any real number}"), None, None, {}, "everything is not an answer"),
    ("7", "\\boxed{7} / \\boxed{8}", None, None, {}, "two boxes joined by a slash"),
    ("7", "\\boxed{7}\n\\boxed{8}", None, None, {}, "two boxes on separate lines"),
    # free variables / functions equal only on the probe range
    ("7", box(r"7 + \left\lfloor \frac{x}{3} \right\rfloor"), None, None, {},
     "free variable: floor(x/3) is 0 only on [0, 3)"),
    ("7", box(r"7 + \lfloor x/10 \rfloor"), None, None, {}, "free variable: zero only on [0,10)"),
    ("x", box(r"\sqrt{x^2}"), "expression", None, {}, "|x| is not x for negative x"),
    ("x", box(r"|x|"), "expression", None, {}, "|x| is not x"),
    ("5-x", box(r"|x-5|"), "expression", None, {}, "|x-5| equals 5-x only for x <= 5"),
    ("x", box(r"x + \lfloor x/3 \rfloor"), "expression", None, {}, "floor term vanishes on [0,3)"),
    ("x", box(r"\lceil x \rceil - 1 + x - \lfloor x \rfloor"), "expression", None, {},
     "differs from x exactly at the integers"),
    ("2x", box(r"\sqrt{4x^2}"), "expression", None, {}, "2|x| is not 2x"),
    ("x", box(r"x + 10^{-20}"), "expression", None, {}, "tiny constant offset"),
    ("7", box(r"7 + e^{-100}"), None, None, {}, "equal to 40 digits only"),
    ("1", box(r"\sin^2 x + \cos^2 x"), None, None, {},
     "a free variable is not a plain number, even in an identity"),
    # decimal golds that are exact values
    ("2.5", box("2.54"), None, None, {}, "2.5 is exact (5/2); 2.54 is a different number"),
    ("2.5", box("2.549"), None, None, {}, "exact gold; more digits do not make it right"),
    ("0.5", box("0.54"), None, None, {}, "exact half"),
    ("12.5", box("12.54"), None, None, {}, "exact 25/2 (money, averages)"),
    ("0.75", box("0.754"), None, None, {}, "exact 3/4"),
    ("2.5", box("2.54"), None, None, {"question": "What is the mean of 2 and 3?"},
     "question does not ask for rounding"),
    # percent / units
    ("25\\%", box("0.0025"), None, None, {}, "a quarter of a percent as a proportion"),
    ("0.25", box("25"), None, None, {}, "proportion gold, bare percent number"),
    ("40", box("40\\%"), None, None, {}, "bare gold, question not about percent"),
    ("40", box("0.4\\%"), None, None, {"question": "What percent of the class passed?"},
     "0.4% is not 40%"),
    ("12\\text{ cm}^2", box("12\\text{ cm}"), None, None, {}, "area vs length"),
    ("5 \\text{ dollars}", box("5\\text{ cents}"), None, None, {}, "wrong unit of money"),
    ("\\frac{\\pi}{2}", box("90"), None, None, {}, "degrees need the degree sign"),
    # matrices / intervals / sets / tuples
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", box(r"\begin{pmatrix}1&2&3&4\end{pmatrix}"),
     None, None, {}, "same entries, wrong shape (row)"),
    (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", box(r"\begin{pmatrix}1&3\\2&4\end{pmatrix}"),
     None, None, {}, "transpose"),
    (r"[0, \infty)", box(r"[0, \infty]"), None, None, {}, "infinity cannot be a closed end"),
    (r"\{-2, 2\}", box(r"x^2 = 4"), "set", None, {}, "restates the equation"),
    (r"\{-2, 2\}", box(r"\{x : x^2 = 4\}"), "set", None, {}, "restated set-builder"),
    (r"\{1,2,3\}", box(r"1,2,3,\ldots"), "set", None, {}, "open-ended list"),
    ("(2,\\infty)", box(r"x - 2 > 0"), None, None, {}, "unsolved inequality"),
    ("y = 2x+1", box("y = y"), None, None, {}, "trivial equation"),
    # MCQ: letter of one option with the text of another
    ("B", box("B) 15"), "mcq", OPTS, {}, "letter B with option C's text"),
    ("B", box("B: 15"), "mcq", OPTS, {}, "letter B with option C's text (colon)"),
    ("B", box(r"\text{(B) } 15"), "mcq", OPTS, {}, "letter B with option C's text in \\text"),
    ("B", "The answer is B) 15", "mcq", OPTS, {}, "contradictory letter and text, no box"),
    ("B", box("(B) 10"), "mcq", OPTS, {}, "letter B with option A's text"),
    ("B", box("(B) 13"), "mcq", OPTS, {}, "letter B with a number that is no option's"),
    ("B", box(r"B \& C"), "mcq", OPTS, {}, "two letters joined by &"),
    ("B", box(r"B; C"), "mcq", OPTS, {}, "two letters joined by ;"),
    ("B", box("15"), "mcq", OPTS, {}, "text of a wrong option"),
    ("B", box(r"\frac{30}{2}"), "mcq", OPTS, {}, "value of a wrong option"),
]

# ------------------------------------------------------------------------------------------
# Must be paid (false-negative attempts)
# ------------------------------------------------------------------------------------------
ACCEPT = [
    (r"\frac{\sqrt{2}}{2}", box(r"\frac{1}{\sqrt2}"), None, None, {}, "rationalized form"),
    (r"\frac{\sqrt{2}}{2}", "The answer is sqrt(2)/2", None, None, {}, "plain-text sqrt"),
    (r"\frac{\sqrt{2}}{2}", "The answer is sqrt2/2", None, None, {}, "plain-text sqrt, no parens"),
    (r"\frac{\sqrt{2}}{2}", "The answer is 1/√2", None, None, {}, "unicode radical"),
    (r"2\sqrt{3}", "The answer is 2*sqrt(3)", None, None, {}, "programming notation"),
    (r"2\sqrt{3}", "The answer is 2√3", None, None, {}, "unicode radical with coefficient"),
    ("0.5", "The answer is ½", None, None, {}, "unicode vulgar fraction"),
    ("\\frac34", "The answer is ¾.", None, None, {}, "unicode three quarters"),
    ("\\frac72", box("3½"), None, None, {}, "mixed number with vulgar fraction"),
    ("\\frac{\\pi}{2}", "The answer is π/2.", None, None, {}, "unicode pi"),
    ("\\frac{\\pi}{2}", box("90^\\circ"), None, None, {}, "degrees for a radian gold"),
    ("1500", box(r"1.5 \times 10^{3}"), None, None, {}, "scientific notation (LaTeX)"),
    ("1500", "The answer is 1.5e3", None, None, {}, "scientific notation (plain)"),
    ("0.001", box("1e-3"), None, None, {}, "e-notation in a box"),
    ("-3", "The answer is −3.", None, None, {}, "unicode minus"),
    ("0.75", "The answer is 3/4.", None, None, {}, "fraction for a decimal gold"),
    ("0.5", box(r"\tfrac{1}{2}"), None, None, {}, "tfrac"),
    ("2.5", box("2.50"), None, None, {}, "trailing zero on an exact decimal"),
    ("0.33", box("0.3333"), None, None, {}, "0.33 is a rounded value (33/100 not simple)"),
    ("3.14", box("3.14159"), None, None, {}, "rounded gold, more precise answer"),
    ("2.5", box("2.54"), None, None, {"question": "Round your answer to the nearest tenth."},
     "question asks for rounding: 2.54 rounds to 2.5"),
    ("0.87", box(r"\frac{\sqrt{3}}{2} \approx 0.866"), None, None, {},
     "exact value with consistent approximation"),
    (r"\frac{\sqrt3}{2}", box(r"\frac{\sqrt{3}}{2} \approx 0.866"), None, None, {},
     "exact value first, approximation after"),
    ("7", box(r"\approx 7"), None, None, {}, "approx sign in front"),
    ("40", box("40\\%"), None, None, {"question": "What percent of the class passed?"},
     "percent question, bare gold"),
    ("12", "### Final Answer\n12", None, None, {}, "markdown heading, answer below"),
    ("12", "**Final Answer**\n\n12", None, None, {}, "bold heading, answer below"),
    ("12", "\\boxed{\\text{12 apples}}", None, None, {}, "number with a unit word in \\text"),
    ("5\\text{ hours}", box("300 minutes"), None, None, {}, "plain unit words, converted"),
    ("21", "The answer is twenty-one.", None, None, {}, "compound number word"),
    ("(2,\\infty)", box(r"]2, \infty["), None, None, {}, "ISO interval notation"),
    ("[1,2)", box(r"\left[ 1, 2 \right)"), None, None, {}, "\\left/\\right delimiters"),
    ("(0,1)", box(r"x \in (0,1)"), "interval", None, {}, "membership notation"),
    ((r"(-\infty, \infty)"), box(r"\text{any real number}"), None, None, {}, "all reals, words"),
    (r"\{2\}", box("x = 2"), "set", None, {}, "single solution for a set gold"),
    ("y = 2x+1", box("y = 1 + 2x"), None, None, {}, "reordered equation"),
    ("y = 2x+1", box("2x - y + 1 = 0"), None, None, {}, "general form"),
    ("\\ln(x^2)", box(r"2\ln x"), "expression", None, {}, "log identity (domain x > 0)"),
    ("\\sqrt{x}\\sqrt{y}", box(r"\sqrt{xy}"), "expression", None, {}, "radical identity, x,y>0"),
    ("x+1", box(r"\frac{x^2-1}{x-1}"), "expression", None, {}, "removable singularity"),
    ("7", box(r"\{7, 7\}"), None, None, {}, "duplicates are one value"),
    ("\\{2, 3\\}", box(r"\{2, 2, 3\}"), None, None, {}, "duplicates in a set answer"),
    ("B", box("B) 12"), "mcq", OPTS, {}, "letter with its own text"),
    ("B", box(r"\textbf{(B) }12"), "mcq", OPTS, {}, "AMC-style bold letter with text"),
    ("B", "The correct option is **B**.", "mcq", OPTS, {}, "markdown bold letter"),
    ("B", box("12"), "mcq", OPTS, {}, "value of the right option"),
    ("B", "Answer: B)", "mcq", OPTS, {}, "letter with closing paren"),
]


def _run(gold, response, answer_type, choices, extra):
    task = {"answer": gold, "answer_type": answer_type, "choices": choices, **extra}
    return verify_math(task, response)


@pytest.mark.parametrize("gold,response,answer_type,choices,extra,reason", REJECT,
                         ids=[r[-1] for r in REJECT])
def test_redteam_rejects(gold, response, answer_type, choices, extra, reason):
    v = _run(gold, response, answer_type, choices, extra)
    assert not v.passed, f"false positive ({reason}): {v.details.get('extracted')!r}"


@pytest.mark.parametrize("gold,response,answer_type,choices,extra,reason", ACCEPT,
                         ids=[r[-1] for r in ACCEPT])
def test_redteam_accepts(gold, response, answer_type, choices, extra, reason):
    v = _run(gold, response, answer_type, choices, extra)
    assert v.passed, f"false negative ({reason}): {v.reason}"
