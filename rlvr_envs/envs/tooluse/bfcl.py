"""BFCL single-turn records: loading and scoring calls against the possible answers.

Records (Berkeley Function Calling Leaderboard, `BFCL_v*_<category>.json`, one JSON object per
line): `{"id", "question": [[{"role", "content"}, ...]], "function": [docs]}`; possible answers
(`possible_answer/...`): `{"id", "ground_truth": [{"func_name": {"arg": [acceptable, ...]}}]}`,
one dict per expected call. An empty `ground_truth` (irrelevance) means: call nothing.

Matching rules (`match_calls`), strict where BFCL is lenient:

* the number of calls must equal the number of expected calls; calls are matched to expected
  calls in any order (parallel calls), each used once;
* the function name must be equal (no `.` to `_` rewriting);
* every parameter the agent passes must appear in the expected call; every expected parameter
  whose acceptable values do not include `""` must be passed (`""` is only the "may be
  omitted" marker: it never matches a value);
* values are compared by JSON type: a bool only equals a bool; an int equals an int and an
  acceptable float of the same value (BFCL's "int for float"); a float never equals an
  acceptable int; strings are equal only if identical after Unicode NFC normalization (no
  lowercasing, no removal of spaces or punctuation, unlike BFCL's `standardize_string`, so
  "2024-01-05" != "20240105" and "1.5" != "15"); lists are equal element by element in order
  (tuples are lists); a dict matches when it has the expected keys, each value matching one
  of that key's acceptable values (a key whose list holds `""` may be missing).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...core.tools import ToolCall
from ...core.verdict import Verdict

_TYPE_MAP = {"dict": "object", "float": "number", "tuple": "array", "integer": "integer",
             "string": "string", "boolean": "boolean", "array": "array", "object": "object",
             "number": "number", "null": "null"}


def _schema(doc: Any) -> Any:
    """A BFCL parameter doc as JSON schema ("dict" -> object, "float" -> number, ...)."""
    if isinstance(doc, list):
        return [_schema(d) for d in doc]
    if not isinstance(doc, Mapping):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "type":
            if value in ("any", "Any"):
                continue
            out["type"] = _TYPE_MAP.get(str(value), "string")
        elif key in ("properties",) and isinstance(value, Mapping):
            out[key] = {k: _schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _schema(value)
        else:
            out[key] = value
    return out


def bfcl_tool_schema(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A BFCL function doc as an OpenAI tool schema."""
    params = _schema(doc.get("parameters") or {"type": "dict", "properties": {}})
    params.setdefault("type", "object")
    return {"type": "function", "function": {"name": str(doc["name"]),
                                             "description": str(doc.get("description", "")),
                                             "parameters": params}}


def _read(source: str | Path | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(source, (str, Path)):
        text = Path(source).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [dict(r) for r in source]


def load_bfcl(questions: str | Path | Iterable[Mapping[str, Any]],
              answers: str | Path | Iterable[Mapping[str, Any]] | None = None
              ) -> list[dict[str, Any]]:
    """BFCL question records joined with their possible answers (by id), as ToolUse tasks.

    Records without an answer are kept only if their id says irrelevance (`irrelevance_*`,
    `live_irrelevance_*`): there the right move is to call nothing.
    """
    truth = {str(r["id"]): r.get("ground_truth", []) for r in _read(answers or [])}
    tasks = []
    for record in _read(questions):
        rid = str(record["id"])
        if rid not in truth and "irrelevance" not in rid:
            raise ValueError(f"BFCL record {rid!r} has no possible answer; pass the answers file")
        tasks.append(normalize_bfcl({**record, "ground_truth": truth.get(rid, [])}))
    return tasks


def is_bfcl_record(record: Mapping[str, Any]) -> bool:
    return "function" in record and "ground_truth" in record or record.get("category") == "bfcl"


def normalize_bfcl(record: Mapping[str, Any]) -> dict[str, Any]:
    """One merged BFCL record (question + function + ground_truth) as a ToolUse task."""
    if record.get("category") == "bfcl":
        return dict(record)
    turns = record["question"]
    messages = turns[0] if turns and isinstance(turns[0], list) else turns
    if not isinstance(messages, list) or not all(isinstance(m, Mapping) for m in messages):
        raise ValueError("BFCL 'question' must be a list of turns of {role, content} messages")
    if isinstance(turns, list) and len(turns) > 1 and isinstance(turns[0], list):
        raise ValueError("multi-turn BFCL records are not supported; use single-turn ones")
    functions = record["function"]
    functions = [functions] if isinstance(functions, Mapping) else list(functions)
    truth = record["ground_truth"]
    if not isinstance(truth, list) or not all(isinstance(t, Mapping) and len(t) == 1
                                              for t in truth):
        raise ValueError("BFCL 'ground_truth' must be a list of {func_name: {arg: [values]}}")
    rid = str(record["id"])
    return {"id": rid, "category": "bfcl", "bfcl_category": rid.rsplit("_", 1)[0],
            "messages": [dict(m) for m in messages], "functions": functions,
            "tools": [bfcl_tool_schema(f) for f in functions],
            "question": "\n".join(str(m.get("content", "")) for m in messages
                                  if m.get("role") == "user"),
            "gold": {"ground_truth": truth}}


# ---- matching ------------------------------------------------------------------------

def _text(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def value_matches(value: Any, expected: Any) -> bool:
    """Type-aware equality of one passed value with one acceptable value."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(expected, bool) and value == expected
    if isinstance(expected, int):
        return isinstance(value, int) and value == expected
    if isinstance(expected, float):
        return isinstance(value, (int, float)) and float(value) == expected
    if isinstance(expected, str):
        return isinstance(value, str) and _text(value) == _text(expected)
    if expected is None:
        return value is None
    if isinstance(expected, (list, tuple)):
        return (isinstance(value, (list, tuple)) and len(value) == len(expected)
                and all(value_matches(v, e) for v, e in zip(value, expected)))
    if isinstance(expected, Mapping):
        if not isinstance(value, Mapping) or set(value) - set(expected):
            return False
        for key, options in expected.items():
            options = options if isinstance(options, list) else [options]
            if key not in value:
                if "" not in options:
                    return False
            elif not any(value_matches(value[key], o) for o in options if o != ""):
                return False
        return True
    return False


def call_matches(call: ToolCall, expected: Mapping[str, Mapping[str, Sequence[Any]]]
                 ) -> str | None:
    """None if `call` matches the expected call, else why not."""
    (name, params), = expected.items()
    if call.name != name:
        return f"called {call.name!r}, expected {name!r}"
    unknown = sorted(set(call.arguments) - set(params))
    if unknown:
        return f"{name}: unexpected argument(s) {unknown}"
    for param, options in params.items():
        options = list(options) if isinstance(options, (list, tuple)) else [options]
        if param not in call.arguments:
            if "" not in options:
                return f"{name}: missing argument {param!r}"
            continue
        if not any(value_matches(call.arguments[param], o) for o in options if o != ""):
            return f"{name}: argument {param!r} = {json.dumps(call.arguments[param])[:80]} " \
                   "is not an acceptable value"
    return None


def match_calls(calls: Sequence[ToolCall], truth: Sequence[Mapping[str, Any]]) -> str | None:
    """None if the calls match the expected calls one to one (any order), else why not."""
    if len(calls) != len(truth):
        return f"{len(calls)} call(s) made, {len(truth)} expected"
    first_problem: list[str] = []

    def assign(i: int, free: list[int]) -> bool:
        if i == len(calls):
            return True
        for j in free:
            problem = call_matches(calls[i], truth[j])
            if problem is None:
                if assign(i + 1, [k for k in free if k != j]):
                    return True
            elif not first_problem:
                first_problem.append(problem)
        return False

    if len(calls) > 8:  # BFCL's largest parallel cases have 4-6 calls; bound the search
        return "too many calls to match"
    return None if assign(0, list(range(len(truth)))) else (first_problem or ["no match"])[0]


def score_bfcl(task: Mapping[str, Any], calls: Sequence[ToolCall], errors: Sequence[str]
               ) -> Verdict:
    truth = task["gold"]["ground_truth"]
    if errors:
        return Verdict(False, 0.0, f"unreadable tool call: {errors[0][:200]}", {"calls": 0.0})
    problem = match_calls(calls, truth)
    if problem is None:
        return Verdict(True, 1.0, "calls match a possible answer" if truth else
                       "correctly called no function", {"calls": 1.0})
    return Verdict(False, 0.0, problem, {"calls": 0.0})


def gold_calls(task: Mapping[str, Any]) -> list[ToolCall]:
    """One acceptable answer: the first acceptable value of each non-omittable argument."""
    calls = []
    for expected in task["gold"]["ground_truth"]:
        (name, params), = expected.items()
        args = {}
        for param, options in params.items():
            options = list(options) if isinstance(options, (list, tuple)) else [options]
            if "" not in options or options[0] != "":
                args[param] = _first_value(options[0])
        calls.append(ToolCall("", name, args))
    return calls


def _first_value(option: Any) -> Any:
    if isinstance(option, Mapping):
        return {k: _first_value(v[0] if isinstance(v, list) else v) for k, v in option.items()
                if not (isinstance(v, list) and v and v[0] == "")}
    return option
