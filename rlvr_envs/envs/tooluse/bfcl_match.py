"""Scoring calls against BFCL possible answers: strings, values, calls, whole messages.

Every call is first validated against the tool's own definition (`validate_call`): a call
to an undefined function, without a required argument, with an undefined argument or a
value of the wrong type is never rewarded, whatever the answer key allows. Then the calls
must match the expected calls one to one, in any order (`match_calls`):

* exact function names (no `.` to `_` rewriting);
* no argument outside the expected ones; every expected argument present unless its list
  of acceptable values holds `""`, which only marks "may be omitted" and never matches;
* typed values: bool only equals bool; an int equals an int or an acceptable float of the
  same value; a float equals an acceptable int only for a `number` parameter; lists element
  by element in order; dicts by key with per-key acceptable lists;
* strings by `string_match` (the task's `"string_match"`, default `"bfcl"`); a parameter
  with an `enum` compares exactly after a variant is mapped to its member ("Celsius" ->
  "celsius"), so members that differ only in case ("AA", "aa") stay different:

  - `"bfcl"`: BFCL's `standardize_string` where it cannot change a value: case, `'` vs
    `"`, spaces and the punctuation `,./-_*^` are ignored, except between two digits
    (a decimal point, a thousands comma, `*`, `^`, `_` stay; a space, `-` or `/` there is
    one separator, so "2024-01-05" == "2024/01/05" but != "20240105", and "1.5" != "15")
    and a minus sign before a number ("-5" != "5");
  - `"bfcl_lenient"`: BFCL's `standardize_string` exactly (leaderboard parity; it also
    accepts "15" for "1.5" and "5" for "-5");
  - `"exact"`: identical after Unicode NFC.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ...core.tools import ToolCall, validate_arguments
from ...core.verdict import Verdict

STRING_MATCHES = ("bfcl", "bfcl_lenient", "exact")
_SEP_RUN_RE = re.compile(r"[\s,./\-_*^]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-"})


def canonical(text: str, mode: str = "bfcl") -> str:
    """The form two strings are compared in under `mode` (see the module doc)."""
    if mode == "exact":
        return unicodedata.normalize("NFC", text)
    if mode == "bfcl_lenient":  # BFCL's standardize_string, verbatim semantics
        return re.sub(r"[ ,./\-_*^]", "", text).lower().replace("'", '"')
    if mode != "bfcl":
        raise ValueError(f"unknown string_match {mode!r}; choose from {STRING_MATCHES}")
    text = unicodedata.normalize("NFKC", text).translate(_MINUS).lower().replace("'", '"')
    out, last = [], 0
    for m in _SEP_RUN_RE.finditer(text):
        out.append(text[last:m.start()])
        last = m.end()
        run, left, right = m.group(0), text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        signed = run.endswith("-") and right.isdigit() and (m.start() == 0 or len(run) > 1
                                                            and run[-2] in " \t\n,")
        if signed:
            out.append("|-" if left.isdigit() else "-")  # "-5", "x = -5", "34.05, -118.24"
        elif left.isdigit() and right.isdigit():
            thousands = run == "," and re.match(r"\d{3}(?!\d)", text[m.end():])
            out.append(run if run in {".", "*", "^", "_"} or thousands else "|")
    out.append(text[last:])
    return "".join(out)


def value_matches(value: Any, expected: Any, mode: str = "bfcl", number: bool = False) -> bool:
    """Does a passed value equal one acceptable value? `number`: the parameter is declared
    a float (`number`), so 10.0 equals an acceptable 10."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if isinstance(expected, int):
        if number:
            return isinstance(value, (int, float)) and float(value) == expected
        return isinstance(value, int) and value == expected
    if isinstance(expected, float):
        return isinstance(value, (int, float)) and float(value) == expected
    if isinstance(expected, str):
        return isinstance(value, str) and canonical(value, mode) == canonical(expected, mode)
    if expected is None:
        return value is None
    if isinstance(expected, (list, tuple)):
        return (isinstance(value, (list, tuple)) and len(value) == len(expected)
                and all(value_matches(v, e, mode, number) for v, e in zip(value, expected)))
    if isinstance(expected, Mapping):
        if not isinstance(value, Mapping) or set(value) - set(expected):
            return False
        for key, options in expected.items():
            options = options if isinstance(options, list) else [options]
            if key not in value:
                if "" not in options:
                    return False
            elif not any(value_matches(value[key], o, mode) for o in options if o != ""):
                return False
        return True
    return False


def snap_enums(schema: Mapping[str, Any], value: Any, mode: str) -> Any:
    """`value` with each string that matches an enum member under `mode` replaced by that
    member, so "Celsius" passes `enum: ["celsius"]` exactly when the key would accept it."""
    if isinstance(value, str) and isinstance(schema.get("enum"), list):
        hits = [e for e in schema["enum"] if isinstance(e, str)
                and canonical(e, mode) == canonical(value, mode)]
        if len(hits) > 1:  # members that differ only in case ("AA", "aa"): case decides
            hits = [e for e in hits if e == value.strip(" \t\n.,")]
        return hits[0] if len(hits) == 1 else value
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return {k: snap_enums(props.get(k, {}), v, mode) for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [snap_enums(schema["items"], v, mode) for v in value]
    return value


def _has_enum(schema: Mapping[str, Any]) -> bool:
    items = schema.get("items")
    return "enum" in schema or isinstance(items, Mapping) and "enum" in items


def validate_call(call: ToolCall, tools: Mapping[str, Mapping[str, Any]], mode: str
                  ) -> str | None:
    """None if `call` fits its tool's definition (`tools`: name -> parameters schema)."""
    params = tools.get(call.name)
    if params is None:
        return f"called {call.name!r}, which is not one of the offered functions"
    problems = validate_arguments(params, snap_enums(params, call.arguments, mode))
    return f"{call.name}: {'; '.join(problems)}" if problems else None


def call_matches(call: ToolCall, expected: Mapping[str, Mapping[str, Sequence[Any]]],
                 params_schema: Mapping[str, Any] | None = None, mode: str = "bfcl"
                 ) -> str | None:
    """None if `call` matches the expected call, else why not."""
    (name, params), = expected.items()
    if call.name != name:
        return f"called {call.name!r}, expected {name!r}"
    unknown = sorted(set(call.arguments) - set(params))
    if unknown:
        return f"{name}: unexpected argument(s) {unknown}"
    props = (params_schema or {}).get("properties") or {}
    for param, options in params.items():
        options = list(options) if isinstance(options, (list, tuple)) else [options]
        if param not in call.arguments:
            if "" not in options:
                return f"{name}: missing argument {param!r}"
            continue
        schema = props.get(param) or {}
        value, how = call.arguments[param], mode
        if _has_enum(schema):  # enum members compare exactly, once variants are snapped
            value, how = snap_enums(schema, value, mode), "exact"
            options = [snap_enums(schema, o, mode) for o in options]
        if not any(value_matches(value, o, how, schema.get("type") == "number")
                   for o in options if o != ""):
            return f"{name}: argument {param!r} = {json.dumps(call.arguments[param])[:80]} " \
                   "is not an acceptable value"
    return None


def match_calls(calls: Sequence[ToolCall], truth: Sequence[Mapping[str, Any]],
                tools: Mapping[str, Mapping[str, Any]] | None = None, mode: str = "bfcl"
                ) -> str | None:
    """None if the calls match the expected calls one to one (any order), else why not."""
    if len(calls) != len(truth):
        return f"{len(calls)} call(s) made, {len(truth)} expected"
    if len(calls) > 8:  # BFCL's largest parallel cases have 4-6 calls; bound the search
        return "too many calls to match"
    tools = tools or {}
    first_problem: list[str] = []

    def assign(i: int, free: list[int]) -> bool:
        if i == len(calls):
            return True
        for j in free:
            problem = call_matches(calls[i], truth[j], tools.get(calls[i].name), mode)
            if problem is None:
                if assign(i + 1, [k for k in free if k != j]):
                    return True
            elif not first_problem:
                first_problem.append(problem)
        return False

    return None if assign(0, list(range(len(truth)))) else (first_problem or ["no match"])[0]


def tool_parameters(task: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """name -> parameters schema of the task's offered functions."""
    return {t["function"]["name"]: t["function"]["parameters"] for t in task["tools"]}


def score_bfcl(task: Mapping[str, Any], calls: Sequence[ToolCall], errors: Sequence[str]
               ) -> Verdict:
    """1.0 when the message's calls fit the definitions and match a possible answer;
    `live_relevance`: when it makes at least one call and every call fits its definition."""
    mode = str(task.get("string_match", "bfcl"))
    truth = task["gold"]["ground_truth"]
    if errors:
        return Verdict(False, 0.0, f"unreadable tool call: {errors[0][:200]}", {"calls": 0.0})
    tools = tool_parameters(task)
    for call in calls:
        problem = validate_call(call, tools, mode)
        if problem:
            return Verdict(False, 0.0, f"the call breaks the function's definition: {problem}",
                           {"calls": 0.0})
    if task.get("bfcl_category") == "live_relevance":
        ok = bool(calls)
        return Verdict(ok, float(ok), "made a valid call" if ok else "called no function",
                       {"calls": float(ok)})
    problem = match_calls(calls, truth, tools, mode)
    if problem is None:
        return Verdict(True, 1.0, "calls match a possible answer" if truth else
                       "correctly called no function", {"calls": 1.0})
    return Verdict(False, 0.0, problem, {"calls": 0.0})
