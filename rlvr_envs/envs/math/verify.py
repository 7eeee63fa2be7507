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

__all__ = ["ANSWER_TYPES", "answers_equivalent", "clear_caches", "math_reward", "verify_math"]

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
    if answer_type is None and re.fullmatch(r"\s*\(?[A-E]\)?\s*", gold):
        from .parse import Answer

        return Answer("mcq", gold.strip(" ()"), gold)
    hint = _TYPE_TO_KIND.get(answer_type or "", answer_type)
    g = parse_answer(gold, hint, list(choices) if choices else None)
    if g.kind == "equation" and g.var is not None and len(g.value) == 2 and not g.value[
            1].free_symbols and hint != "equation":
        # Gold "x = 5" asks for the value 5.
        from .parse import Answer

        sides = g.meta["sides"]
        g = Answer("number", g.value[1], sides[1].text, sides[1].percent, sides[1].degrees,
                   sides[1].unit, sides[1].decimal, sides[1].huge, g.var)
    return g


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
           candidates: list[str], required_form: str | None = None,
           hints: tuple[str, ...] = ()) -> tuple[bool, str, str]:
    """Compare extracted candidates with the gold. Returns (passed, reason, gold_kind)."""
    from .compare import compare
    from .parse import Answer, parse_answer

    g = _parse_gold(gold, answer_type, choices, hints)
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
    if out.passed and required_form:
        from .form import form_problem
        value = ans.value
        if ans.kind == "equation" and ans.var is not None and len(ans.value) == 2:
            ans, value = Answer("expression", value[1], ans.text), value[1]  # f(x) = ...
        problem = form_problem(value, required_form) if ans.kind in (
            "expression", "number") else f"not an expression in {required_form} form"
        if problem:
            return False, problem, g.kind
    return out.passed, out.reason, g.kind


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
    return s.rstrip(".")


def _simple_number(s: str) -> tuple[Fraction, bool, int | None] | None:
    """(value, written_as_decimal, decimal_places) for plain numbers, else None."""
    m = _SIMPLE.match(s)
    if not m:
        return None
    sign = -1 if m.group(1) else 1
    if m.group(2) is not None:
        ip, fp = m.group(2), m.group(3)
        if fp is None:
            return Fraction(sign * int(ip)), False, None
        return Fraction(sign * int(ip + fp), 10 ** len(fp)), True, len(fp)
    num, den = (m.group(4), m.group(5)) if m.group(4) is not None else (m.group(6), m.group(7))
    if int(den) == 0:
        return None
    return Fraction(sign * int(num), int(den)), False, None


def _fast_path(gold: str, answer_type: str | None, choices: Any,
               candidates: list[str], rounding: bool = False,
               approx: bool = False) -> tuple[bool, str] | None:
    """A sure verdict without sympy, or None to go the full way."""
    if len(candidates) != 1 or choices or answer_type in ("mcq", "text"):
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
    from .compare import fractions_close, rounded_places

    places = rounded_places(g, rounding) if gn[1] else None
    ok = fractions_close(gn[0], an[0], gold_places=places, gold_decimal=gn[1],
                         ans_places=an[2], ans_decimal=an[1], approx=approx)
    if ok:
        return True, "correct"
    return False, f"wrong: {candidates[0].strip()} is not {gold.strip()}"


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
        required_form = _required_form(task)
        hints = _question_hints(task, approximate)
        fast = None if required_form else _fast_path(gold, answer_type, choices, ext.candidates,
                                                     "rounding" in hints, "approx" in hints)
        if fast is not None:
            return _verdict(fast[0], fast[1], details)
        remaining = timeout - (time.monotonic() - start)
        passed, reason, kind = run(remaining, gold, answer_type, choices, _trim(ext),
                                   required_form, hints)
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


_ROUNDING_WORDS = re.compile(
    r"\b(?:round(?:ed|ing)?|nearest|decimal places?|significant (?:figures?|digits?)|"
    r"approximat\w*|estimate\w*|to \d+ (?:d\.?p|s\.?f)\b)|\\approx|\u2248", re.IGNORECASE)


_PERCENT_WORDS = re.compile(r"\bpercentage\b|\b(?:what|which|as an?|in|how many)\s+percent",
                            re.IGNORECASE)


# What makes a question ask for an exact value (no decimal approximation of the gold).
_EXACT_WORDS = re.compile(
    r"\bexact(?:\s+(?:value|answer|form|fraction))?\b(?!ly)|simplest\s+(?:radical\s+)?form|"
    r"simplified\s+form|radical\s+form|common\s+fraction|lowest\s+terms|mixed\s+number|"
    r"(?:as|in)\s+(?:an?\s+)?(?:reduced\s+|improper\s+|proper\s+|irreducible\s+)?fraction|"
    r"in\s+terms\s+of\s+\\?(?:pi|\u03c0|e)\b|\bsimplify\b|\bsimplest\b", re.IGNORECASE)
_APPROX_FORMS = ("decimal", "approximate", "approx", "numeric")


def exact_form_required(task: Mapping[str, Any]) -> bool:
    """Does the task ask for an exact (or otherwise written-out) form, so that a decimal
    approximation of an exact gold is not an answer? True when `task["form"]` (top level
    or in `metadata`) names any form other than `decimal`/`approximate`, when a
    `required_form` is set, or when the question says so ("exact", "simplest radical form",
    "as a common fraction", "in terms of pi", "simplify", ...)."""
    form = task.get("form")
    meta = task.get("metadata")
    if form is None and isinstance(meta, Mapping):
        form = meta.get("form")
    if isinstance(form, str) and form.strip():
        return form.strip().lower() not in _APPROX_FORMS
    if _required_form(task):
        return True
    return bool(_EXACT_WORDS.search(_question(task)))


def _question(task: Mapping[str, Any]) -> str:
    q = next((task[k] for k in ("question", "problem", "prompt")
              if isinstance(task.get(k), str)), "")
    return q[-4000:]


def _question_hints(task: Mapping[str, Any], approximate: bool = False) -> tuple[str, ...]:
    """What the task's question (`question`/`problem`/`prompt`) says about the gold:
    "rounding" when it asks for a rounded value (round, nearest, decimal places,
    approximately, ...; or `task["rounded"] is True`), "percent" when it asks for a
    percentage (so `40\\%` answers a bare gold 40), "approx" when decimal approximations
    of an exact gold are accepted (`approximate` and no exact form asked for)."""
    q = _question(task)
    hints = []
    if task.get("rounded") is True or _ROUNDING_WORDS.search(q):
        hints.append("rounding")
    if _PERCENT_WORDS.search(q):
        hints.append("percent")
    if approximate and not exact_form_required(task):
        hints.append("approx")
    return tuple(hints)


def _required_form(task: Mapping[str, Any]) -> str | None:
    """`required_form` of the task (top level, or in `metadata` as the generators put it)."""
    form = task.get("required_form")
    meta = task.get("metadata")
    if form is None and isinstance(meta, Mapping):
        form = meta.get("required_form")
    return form if isinstance(form, str) else None


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
        passed, _, _ = _get_executor().call(_check, g, answer_type, ch, [p[:10_000]], None,
                                            hints, timeout=timeout)
    except Exception:  # noqa: BLE001 - timeouts, crashes and junk are all "not equivalent"
        return False
    return bool(passed)


# Dataset columns `math_reward` passes on to the verifier (TRL hands every column over).
_TASK_COLUMNS = ("answer_type", "choices", "question", "problem", "form", "required_form",
                 "rounded")


def math_reward(completions: Sequence[Any], answer: Sequence[Any], **kwargs: Any) -> list[float]:
    """TRL-style reward function: `GRPOTrainer(reward_funcs=[math_reward], ...)` with a
    dataset column `answer` (and optional `answer_type`, `choices`, `question`/`problem`,
    `form`, `required_form`, `rounded` columns, read as in `verify_math`).

    `completions` are strings or lists of chat messages (the last assistant message is
    graded). Returns 1.0/0.0 per completion. Keyword `approximate` (default True; bind it
    with `functools.partial`) and `timeout` are passed to `verify_math`.
    """
    timeout = float(kwargs.get("timeout", 3.0))
    approximate = bool(kwargs.get("approximate", True))
    out = []
    for i, completion in enumerate(completions):
        task: dict[str, Any] = {"answer": answer[i]}
        for col in _TASK_COLUMNS:
            values = kwargs.get(col)
            if isinstance(values, Sequence) and not isinstance(values, str) and \
                    i < len(values) and values[i] is not None:
                task[col] = values[i]
        out.append(verify_math(task, completion, timeout=timeout,
                               approximate=approximate).reward)
    return out
