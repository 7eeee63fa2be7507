"""The math answer verifier: `verify_math(task, response) -> Verdict`.

Pipeline: extract the final answer (`extract.py`, in-process, linear time) -> cheap exact fast
paths in-process (identical normalized text; plain integers/decimals/fractions compared as
`fractions.Fraction`) -> otherwise parse both sides into typed answers (`parse.py`) and
compare by the gold's type (`compare.py`) in a worker process under a hard wall-clock limit
(`rlvr_envs.core.bounded`), so `9^{9^{9^9}}` or a sympy blow-up costs at most `timeout`.
Parsed golds are cached (LRU) in the worker, since one gold is checked against G samples.

See docs/verifiers/math.md for the answer contract and the known limitations.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

from rlvr_envs.core.bounded import BoundedCrash, BoundedExecutor, BoundedTimeout
from rlvr_envs.core.verdict import Verdict

from .extract import Extraction, extract_answer, gold_answer
from .question import (
    QuestionFacts,
    exact_form_required,
    last_user_message,
    question_facts,
    question_hints,
    required_forms,
)

__all__ = ["ANSWER_TYPES", "answers_equivalent", "clear_caches", "exact_form_required",
           "math_reward", "verify_math"]

ANSWER_TYPES = ("integer", "number", "expression", "equation", "set", "tuple", "interval",
                "matrix", "mcq", "text")
_TYPE_TO_KIND = {"integer": "number", "number": "number"}
MAX_RESPONSE_CHARS = 200_000
NO_ANSWER = "no final answer found (put it in \\boxed{})"

_executor: BoundedExecutor | None = None
_executor_lock = threading.Lock()


def _get_executor() -> BoundedExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            # Workers import this module (and sympy) once in the fork server.
            _executor = BoundedExecutor(2, preload=["rlvr_envs.envs.math.verify"])
        return _executor


# ---------------------------------------------------------------------------------------
# Worker side: parse and compare (sympy)
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parse_gold(gold: str, answer_type: str | None, choices: tuple[str, ...] | None,
                hints: tuple[str, ...] = ()) -> Any:
    g = _parse_gold_plain(gold, answer_type, choices)
    if hints:
        import copy

        g = copy.deepcopy(g)
        _mark(g, hints)
    return g


def _mark(a: Any, hints: tuple[str, ...]) -> None:
    """What the question says about the gold, on every value in it: "rounding" (decimals
    in the gold are rounded values), "percent" (a bare gold 40 is 40 percent)."""
    for h in hints:
        a.meta[h] = True
    if a.kind in ("set", "tuple") and isinstance(a.value, list):
        for e in a.value:
            _mark(e, hints)


def _parse_gold_plain(gold: str, answer_type: str | None,
                      choices: tuple[str, ...] | None) -> Any:
    from .parse import parse_answer

    if answer_type == "mcq" or (answer_type is None and choices):
        letter = re.fullmatch(r"\s*\(?([A-Za-z])\)?\s*", gold)
        if letter:
            from .parse import Answer

            return Answer("mcq", letter.group(1).upper(), gold)
        return parse_answer(gold, "mcq", list(choices) if choices else None)
    words = _GOLD_WORDS.fullmatch(gold) if answer_type is None and not choices else None
    if words and re.search(r"[A-Za-z]{2}", words.group(1)) and not re.search(
            r"\d|no (?:real )?solution|empty|none", words.group(1), re.IGNORECASE):
        answer_type = "text"  # "\\text{Tuesday}", "\\text{odd}": words, not a product of letters
    letter = _GOLD_LETTER.fullmatch(gold) if answer_type is None else None
    if letter:
        # MATH writes option golds as "(C)", "\\text{(C)}", "\\textbf{(D)}\\ 12".
        from .parse import Answer

        return Answer("mcq", letter.group(1) or letter.group(2), gold)
    hint = _TYPE_TO_KIND.get(answer_type or "", answer_type)
    g = parse_answer(gold, hint, list(choices) if choices else None)
    if g.kind == "equation" and g.var is not None and len(g.value) == 2 and not g.value[
            1].free_symbols and hint != "equation":
        # Gold "x = 5" asks for the value 5.
        from .parse import Answer

        sides = g.meta["sides"]
        g = Answer("number", g.value[1], sides[1].text, sides[1].percent, sides[1].degrees,
                   sides[1].unit, sides[1].decimal, sides[1].huge, g.var,
                   meta={"undone_all": sides[1].meta.get("undone", []),
                         "marks_all": sides[1].meta.get("marks", set())})
    return g


_GOLD_LETTER = re.compile(  # "C", "(C)", "\\text{(C)}", "\\textbf{(D)}\\ 12": an option's letter
    r"\s*\(?([A-E])\)?\s*|\s*(?:\\text(?:bf|rm)?\s*\{\s*)?\(([A-E])\)\s*\}?"
    r"(?:(?:\s|\\[ ,;:!]|~)+[^()]{0,40})?\s*")


_GOLD_WORDS = re.compile(r"\s*\\(?:text|textbf|textit|textrm|mathrm|mbox)\s*\{([^{}]*)\}\s*\.?\s*")


def _clear_gold_cache() -> int:
    """Empty this process's parsed-gold cache (runs in a worker via the executor)."""
    _parse_gold.cache_clear()
    return os.getpid()


def clear_caches() -> None:
    """Forget every parsed gold (here and in the idle workers); for cold-cache benchmarks."""
    _parse_gold.cache_clear()
    ex = _get_executor()
    for _ in range(ex.max_workers):
        try:
            ex.call(_clear_gold_cache, timeout=10.0)
        except Exception:  # noqa: BLE001 - best effort
            pass


def _answer_hint(gold_kind: str) -> str | None:
    return {"number": "number", "expression": None, "relation": "interval"}.get(
        gold_kind, gold_kind)


def _check(gold: str, answer_type: str | None, choices: tuple[str, ...] | None,
           candidates: list[str], forms: tuple[str, ...] = (), hints: tuple[str, ...] = (),
           facts: QuestionFacts | None = None) -> tuple[bool, str, str]:
    """Compare extracted candidates with the gold. Returns (passed, reason, gold_kind), plain
    Python values only (they cross a process boundary)."""
    try:
        passed, reason, kind = _check_answer(gold, answer_type, choices, candidates, forms,
                                             hints, facts or QuestionFacts())
        return bool(passed), str(reason), str(kind)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - sympy raises anything; the verdict is "wrong"
        return False, f"answer could not be verified: {type(exc).__name__}: {str(exc)[:200]}", \
            str(answer_type or "")


def _check_answer(gold: str, answer_type: str | None, choices: tuple[str, ...] | None,
                  candidates: list[str], forms: tuple[str, ...], hints: tuple[str, ...],
                  facts: QuestionFacts) -> tuple[bool, str, str]:
    from .compare import compare
    from .parse import Answer, parse_answer
    from .plain import echo_problem, plain_problem

    if answer_type is None and "interval" in hints:
        answer_type = "interval"  # "Express your answer in interval notation": (-3, 4) is one
    if answer_type is None and "locus" in hints and re.fullmatch(r"\s*[a-zA-Z]\s*=[^=]+", gold):
        answer_type = "equation"  # "the line y = -5": an equation, not the value -5
    g = _parse_gold(gold, answer_type, choices,
                    tuple(h for h in hints if h not in ("interval", "locus")))
    hint = _answer_hint(g.kind)
    clist = list(choices) if choices else None
    if len(set(candidates)) == 1:
        candidates = candidates[:1]  # the same answer boxed twice is one answer
    if len(candidates) > 1:
        if g.kind in ("set", "tuple"):
            ans = parse_answer(", ".join(candidates), hint, clist)
        else:
            parsed = [parse_answer(c, hint, clist) for c in candidates]
            ans = Answer("set", parsed, ", ".join(candidates))
    else:
        ans = parse_answer(candidates[0], hint, clist)
    out = compare(g, ans)
    if not out.passed:
        return False, out.reason, g.kind
    if g.kind == "mcq":
        problem = _mcq_value_problem(g, candidates, facts, choices or ())
    else:
        problem = plain_problem(g, ans) or echo_problem(g, ans, candidates, facts)
    if problem is None and forms:
        problem = _form_problem(g, ans, forms)
    if problem:
        return False, problem, g.kind
    return True, out.reason, g.kind


_LETTER_ANSWER = re.compile(r"\s*(?:\\text(?:bf)?\{)?\s*(?:option|choice)?\s*\(?[A-Za-z]\)?(?![\w^])",
                            re.IGNORECASE)


def _mcq_value_problem(g: Any, candidates: list[str], facts: QuestionFacts,
                       choices: tuple[str, ...]) -> str | None:
    """A multiple-choice answer given as a value (no letter, not an option's own text)
    must be a plain value and not a value the question itself states ("Which is equal to
    $2.5625$?" answered 2.5625)."""
    from .parse import parse_answer
    from .plain import echo_problem
    from .question import echo_key

    options = {echo_key(c) for c in choices}
    for cand in candidates:
        if _LETTER_ANSWER.match(cand) or echo_key(cand) in options:
            continue
        value = parse_answer(cand)
        if value.kind in ("number", "expression"):
            problem = _undone_problem(value) or echo_problem(g, value, [cand], facts)
            if problem:
                return problem
    return None


def _undone_problem(ans: Any) -> str | None:
    for u in ans.meta.get("undone_all", ()):
        return f"not a plain value: {u.what}"
    return None


def _form_problem(g: Any, ans: Any, forms: tuple[str, ...]) -> str | None:
    """The first of `forms` the answer (equal to the gold) is not in, as a reason. A form
    the gold itself is not written in (`(x - \\frac12)(x + \\frac12)` for "Factor") is not
    asked of the answer: the gold sets the bar, as for operations left undone."""
    forms = tuple(f for f in forms if _answer_form_problem(g, g, (f,)) is None)
    return _answer_form_problem(g, ans, forms) if forms else None


def _answer_form_problem(g: Any, ans: Any, forms: tuple[str, ...]) -> str | None:
    from .form import answer_form_problem, slope_intercept_problem
    from .plain import marks_of

    marks = marks_of(ans, g.kind)
    if "slope_intercept" in forms and g.kind == "equation":
        problem = slope_intercept_problem(ans.var, ans.value if ans.kind == "equation" else [],
                                          g.var, marks)
        if problem:
            return problem
    value, decimal = ans.value, ans.decimal
    if ans.kind == "equation" and len(ans.value) == 2 and (ans.var is not None or
                                                            g.kind != "equation"):
        value, decimal = ans.value[-1], ans.meta["sides"][-1].decimal  # f(x) = ..., x = 5
    elif ans.kind not in ("number", "expression"):
        return None
    if g.kind == "equation":
        return None
    return answer_form_problem(value, marks, decimal,
                               tuple(f for f in forms if f != "slope_intercept"),
                               is_number=g.kind == "number")


# ---------------------------------------------------------------------------------------
# In-process fast paths
# ---------------------------------------------------------------------------------------

_SIMPLE = re.compile(
    r"^(-?)(?:(\d{1,40})(?:\.(\d{1,40}))?|\\frac\{(\d{1,40})\}\{(\d{1,40})\}|(\d{1,40})/(\d{1,40}))$"
)
_CHEAP_STRIP = re.compile(r"\\[,!;: ]|\\left|\\right|\\displaystyle|\s+|\$|\\mathrm|\\text")


def _cheap_norm(s: str) -> str:
    s = _CHEAP_STRIP.sub("", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return re.sub(r"(?<!\.)\.$", "", s)  # a sentence's period, not the dots of 0.333...


def _simple_number(s: str) -> tuple[Fraction, bool, int | None, tuple[int, int] | None] | None:
    """(value, written_as_decimal, decimal_places, (numerator, denominator) as written for
    a fraction) for plain numbers, else None."""
    m = _SIMPLE.match(s)
    if not m:
        return None
    sign = -1 if m.group(1) else 1
    if m.group(2) is not None:
        ip, fp = m.group(2), m.group(3)
        if fp is None:
            return Fraction(sign * int(ip)), False, None, None
        return Fraction(sign * int(ip + fp), 10 ** len(fp)), True, len(fp), None
    num, den = (m.group(4), m.group(5)) if m.group(4) is not None else (m.group(6), m.group(7))
    if int(den) == 0:
        return None
    return Fraction(sign * int(num), int(den)), False, None, (int(num), int(den))


# Forms a plain number can be judged in without sympy.
_FAST_FORMS = {"fraction", "simplified", "rationalized", "decimal"}


def _fast_path(gold: str, answer_type: str | None, choices: Any,
               candidates: list[str], rounding: bool = False,
               approx: bool = False, forms: tuple[str, ...] = (),
               numbers: frozenset[Fraction] = frozenset()) -> tuple[bool, str] | None:
    """A sure verdict without sympy, or None to go the full way. `forms`: the forms the
    question asks for; `numbers`: the numbers it states (an answer matching the gold only
    through a tolerance must not be one of them)."""
    if len(candidates) != 1 or choices or answer_type in ("mcq", "text") or \
            set(forms) - _FAST_FORMS:
        return None
    g, a = _cheap_norm(gold), _cheap_norm(candidates[0])
    if not a:
        return False, "empty final answer"
    if g == a:
        return True, "correct"
    if answer_type not in (None, "integer", "number"):
        return None
    a = re.sub(r"^[a-zA-Z]=", "", a)  # "x=5" for gold 5
    gn, an = _simple_number(g), _simple_number(a)
    if gn is None or an is None:
        return None
    if an[3] is not None and an[3][0] % an[3][1] == 0:
        return None  # \frac{6}{2}: a division left undone (the full path says so)
    from .compare import fractions_close, rounded_places

    places = rounded_places(g, rounding) if gn[1] else None
    ok = fractions_close(gn[0], an[0], gold_places=places, gold_decimal=gn[1],
                         ans_places=an[2], ans_decimal=an[1], approx=approx)
    if not ok:
        return False, f"wrong: {candidates[0].strip()} is not {gold.strip()}"
    if an[3] is not None and math.gcd(*an[3]) != 1 and {"fraction", "simplified"} & set(forms):
        return False, "equal to the answer but not in lowest terms as the question asks"
    if an[1] and "fraction" in forms:
        return False, "equal to the answer but not a fraction as the question asks"
    if "decimal" in forms and not an[1] and an[0].denominator != 1:
        return False, "equal to the answer but not a decimal as the question asks"
    if gn[0] != an[0] and an[0] in numbers:
        return False, "restates a number of the question instead of answering it"
    return True, "correct"


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------


def _response_text(response: Any) -> str | None:
    if isinstance(response, str):
        return response
    if isinstance(response, Sequence) and response and all(isinstance(m, Mapping)
                                                           for m in response):
        for msg in reversed(response):
            if msg.get("role", "assistant") == "assistant":
                content = msg.get("content")
                if isinstance(content, list):  # multimodal parts
                    content = "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
                return content if isinstance(content, str) else None
        return None
    if isinstance(response, Mapping):
        content = response.get("content")
        return content if isinstance(content, str) else None
    return None


def _gold_text(gold: Any) -> str | None:
    if isinstance(gold, bool) or gold is None:
        return None if gold is None else str(gold)
    if isinstance(gold, (int, Fraction)):
        return str(gold)
    if isinstance(gold, float):
        return repr(gold) if gold == gold and abs(gold) != float("inf") else None
    if isinstance(gold, str):
        return gold_answer(gold)
    return str(gold)


def verify_math(task: Mapping[str, Any], response: Any, *, timeout: float = 3.0,
                approximate: bool = True) -> Verdict:
    """Check the final answer of `response` against `task["answer"]`.

    `task`: `answer` (gold: LaTeX/plain string, int or float; a `$...$`-wrapped answer, a
    `\\boxed{}` or a full solution (its last box), or GSM8K's `... #### 42` are read for
    the answer they hold), optional `answer_type` (one of `ANSWER_TYPES`; inferred from the
    gold when missing), `choices` (option texts for mcq; option i is letter chr(65+i)),
    `question` (its wording decides rounding, percent and exact-form rules), `form` /
    `required_form`. `response`: the model's text (or chat messages; the last assistant
    message is used). `approximate`: accept a decimal answer (at least 4 significant
    digits) that is an exact gold rounded or truncated at its last digit (`0.3333` for
    1/3), unless the task asks for an exact form. Never raises; returns reward 1.0 or 0.0
    with a reason. A timeout (wall clock about `timeout` seconds at most) is a failed
    verdict, not an infrastructure error. A task without a usable gold is an `infra_error`
    verdict.
    """
    def bounded(remaining: float, *args: Any) -> tuple[bool, str, str]:
        return _get_executor().call(_check, *args, timeout=max(0.05, remaining))

    return _verify(task, response, timeout, approximate, bounded)


def _verify(task: Mapping[str, Any], response: Any, timeout: float, approximate: bool,
            run: Callable[..., tuple[bool, str, str]]) -> Verdict:
    """`verify_math` with the sympy step run by `run(remaining_seconds, *args)`: the bounded
    worker in production, a direct call of `_check` for bulk offline searches."""
    start = time.monotonic()
    details: dict[str, Any] = {"extracted": None, "answer_type": None}
    try:
        gold = _gold_text(task.get("answer")) if isinstance(task, Mapping) else None
        if gold is None or not gold.strip():
            return _verdict(False, "task has no gold answer", details, infra_error=True)
        answer_type = task.get("answer_type")
        if answer_type is not None and answer_type not in ANSWER_TYPES:
            return _verdict(False, f"unknown answer_type {answer_type!r}; use one of "
                                   f"{', '.join(ANSWER_TYPES)}", details, infra_error=True)
        raw_choices = task.get("choices")
        choices = tuple(str(c) for c in raw_choices) if raw_choices else None
        details["answer_type"] = answer_type
        text = _response_text(response)
        if text is None:
            return _verdict(False, "response is not text", details)
        text = text[-MAX_RESPONSE_CHARS:]
        ext = extract_answer(text)
        if ext is None:
            return _verdict(False, NO_ANSWER, details)
        details["extracted"] = ext.answer
        details["extracted_from"] = ext.source
        if all(not c.strip() for c in ext.candidates):
            return _verdict(False, "empty final answer (\\boxed{} with nothing inside)", details)
        forms = required_forms(task)
        hints = question_hints(task, approximate)
        facts = question_facts(task)
        numbers = frozenset(Fraction(n) for n in facts.numbers)
        fast = _fast_path(gold, answer_type, choices, ext.candidates, "rounding" in hints,
                          "approx" in hints, forms, numbers)
        if fast is not None:
            return _verdict(fast[0], fast[1], details)
        remaining = timeout - (time.monotonic() - start)
        passed, reason, kind = run(remaining, gold, answer_type, choices, _trim(ext),
                                   forms, hints, facts)
        details["answer_type"] = answer_type or kind
        return _verdict(passed, reason, details)
    except BoundedTimeout:
        return _verdict(False, "verification timed out", details)
    except BoundedCrash as exc:
        return _verdict(False, f"verification crashed on this answer ({exc})", details)
    except MemoryError:
        return _verdict(False, "verification ran out of memory on this answer", details)
    except RecursionError:
        return _verdict(False, "answer nested too deeply to verify", details)
    except Exception as exc:  # noqa: BLE001 - a verifier must never raise
        return _verdict(False, f"answer could not be verified: {type(exc).__name__}: {exc}",
                        details)


def _trim(ext: Extraction) -> list[str]:
    return [c[:10_000] for c in ext.candidates[:20]]


def _verdict(passed: bool, reason: str, details: dict[str, Any], *,
             infra_error: bool = False) -> Verdict:
    reward = 1.0 if passed else 0.0
    return Verdict(passed, reward, reason, {"correct": reward}, dict(details), infra_error)


def answers_equivalent(gold: Any, predicted: Any, answer_type: str | None = None,
                       choices: Sequence[str] | None = None, *, timeout: float = 3.0,
                       approximate: bool = False) -> bool:
    """Are two final answers (no extraction) equivalent, the first being the reference?

    Asymmetric like `verify_math`: `answers_equivalent("(2, oo)", "x > 2")` is True but a
    gold inequality restated unsolved is not an answer. Decimal approximations of an exact
    gold count only with `approximate=True`. False on timeout or junk.
    """
    g = _gold_text(gold)
    p = predicted if isinstance(predicted, str) else _gold_text(predicted)
    if g is None or p is None or not p.strip():
        return False
    ch = tuple(str(c) for c in choices) if choices else None
    fast = _fast_path(g, answer_type, ch, [p], approx=approximate)
    if fast is not None:
        return fast[0]
    hints = ("approx",) if approximate else ()
    try:
        passed, _, _ = _get_executor().call(_check, g, answer_type, ch, [p[:10_000]], (),
                                            hints, timeout=timeout)
    except Exception:  # noqa: BLE001 - timeouts, crashes and junk are all "not equivalent"
        return False
    return bool(passed)


# Dataset columns `math_reward` passes on to the verifier (TRL hands every column over).
_TASK_COLUMNS = ("answer_type", "choices", "question", "problem", "prompt", "form",
                 "required_form", "rounded")


def math_reward(completions: Sequence[Any], answer: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL-style reward function: `GRPOTrainer(reward_funcs=[math_reward], ...)` with a
    dataset column `answer` (and optional `answer_type`, `choices`, `question`/`problem`,
    `form`, `required_form`, `rounded` columns, read as in `verify_math`).

    TRL calls `reward_func(prompts=..., completions=..., completion_ids=..., **columns)`,
    the dataset's `prompt` column arriving as `prompts`: when there is no `question` or
    `problem` column, the question is read from `prompts` (a string, or chat messages whose
    last user message is the question), so its wording still decides rounding, exact and
    required forms. `completions` are strings or lists of chat messages (the last assistant
    message is graded). Returns 1.0/0.0 per completion. Keyword `approximate` (default True;
    bind it with `functools.partial`) and `timeout` are passed to `verify_math`.
    """
    timeout = float(kwargs.get("timeout", 3.0))
    approximate = bool(kwargs.get("approximate", True))
    prompts = kwargs.get("prompts")
    out = []
    for i, completion in enumerate(completions):
        task: dict[str, Any] = {"answer": answer[i]}
        for col in _TASK_COLUMNS:
            values = kwargs.get(col)
            if isinstance(values, Sequence) and not isinstance(values, str) and \
                    i < len(values) and values[i] is not None:
                task[col] = values[i]
        if "question" not in task and "problem" not in task and "prompt" not in task and \
                isinstance(prompts, Sequence) and i < len(prompts):
            prompt = prompts[i]
            text = prompt if isinstance(prompt, str) else last_user_message(prompt)
            if text:
                task["question"] = text
        out.append(verify_math(task, completion, timeout=timeout,
                               approximate=approximate).reward)
    return out
