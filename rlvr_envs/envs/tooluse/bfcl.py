"""BFCL single-turn records: loading, checking the answer key against the definitions, and
the gold calls. Scoring lives in `bfcl_match`.

Records (Berkeley Function Calling Leaderboard, `BFCL_v*_<category>.json`, one JSON object per
line): `{"id", "question": [[{"role", "content"}, ...]], "function": [docs]}`; possible answers
(`possible_answer/...`): `{"id", "ground_truth": [{"func_name": {"arg": [acceptable, ...]}}]}`,
one dict per expected call. An empty `ground_truth` (irrelevance) means: call nothing;
`live_relevance` records have no answer: any call that fits the definitions is right.

Loaded: `simple_python` (`simple` in v3), `multiple`, `parallel`, `parallel_multiple`,
`irrelevance`, `live_simple`, `live_multiple`, `live_parallel`, `live_parallel_multiple`,
`live_irrelevance`, `live_relevance`, and `simple_java` / `simple_javascript` with their
parameter types mapped to JSON types (Java `long` -> integer, `double` -> number,
`ArrayList` -> array, `HashMap` -> object; JS `Bigint` -> integer, `dict` -> object...):
the agent passes JSON values, not Java/JS source text as BFCL's own prompts ask. Refused with
an error: multi-turn, memory, web search and format-sensitivity records.

Every record is checked at load (`record_problems`): the answer key must name offered
functions, must not require an undefined argument, must allow every required argument, and
some acceptable value of each argument must fit its declared type. Records that fail are
counted in `BFCLTasks.skipped` (reason -> ids), announced with a warning and left out
(`skip_invalid=False` keeps them, marked with `"problems"`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...core.tools import ToolCall, validate_arguments
from .bfcl_match import STRING_MATCHES, match_calls, snap_enums, tool_parameters, validate_call

_PYTHON = {"dict": "object", "float": "number", "tuple": "array", "integer": "integer",
           "string": "string", "boolean": "boolean", "array": "array", "object": "object",
           "number": "number", "null": "null", "list": "array", "bool": "boolean",
           "int": "integer", "str": "string", "any": None, "Any": None}
_JAVA = {"byte": "integer", "short": "integer", "integer": "integer", "long": "integer",
         "float": "number", "double": "number", "boolean": "boolean", "char": "string",
         "String": "string", "Array": "array", "ArrayList": "array", "Set": "array",
         "Queue": "array", "Stack": "array", "HashMap": "object", "Hashtable": "object",
         "any": None}
_JAVASCRIPT = {"String": "string", "integer": "integer", "float": "number", "Bigint": "integer",
               "Boolean": "boolean", "dict": "object", "array": "array", "any": None}
TYPE_MAPS = {"python": _PYTHON, "java": _JAVA, "javascript": _JAVASCRIPT}
REFUSED = ("multi_turn", "memory", "web_search", "format_sensitivity")


class DefinitionError(ValueError):
    """A BFCL function doc that cannot be expressed as a JSON schema."""


class BFCLTasks(list):
    """`load_bfcl`'s tasks (a list), with `skipped`: reason -> ids of records left out."""

    def __init__(self, tasks: Iterable[dict[str, Any]] = (),
                 skipped: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(tasks)
        self.skipped: dict[str, list[str]] = {k: list(v) for k, v in (skipped or {}).items()}

    def summary(self) -> str:
        total = sum(len(v) for v in self.skipped.values())
        parts = [f"{len(v)} {k}" for k, v in sorted(self.skipped.items())]
        return f"{len(self)} BFCL tasks loaded, {total} skipped" + (
            f" ({'; '.join(parts)})" if parts else "")


def bfcl_category(record_id: str) -> str:
    """`live_simple_3-2-0` -> `live_simple`; `simple_python_12` -> `simple_python`."""
    return record_id.rsplit("_", 1)[0]


def bfcl_language(category: str) -> str:
    if "javascript" in category:
        return "javascript"
    return "java" if "java" in category else "python"


def _schema(doc: Any, types: Mapping[str, str | None]) -> Any:
    """A BFCL parameter doc as JSON schema, types mapped through `types`."""
    if not isinstance(doc, Mapping):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "type":
            if value not in types:
                raise DefinitionError(f"unknown parameter type {value!r}")
            if types[value] is not None:
                out["type"] = types[value]
        elif key == "properties" and isinstance(value, Mapping):
            out[key] = {k: _schema(v, types) for k, v in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _schema(value, types)
        elif key != "optional":  # a non-standard BFCL note; `required` says what is
            out[key] = value
    return out


def bfcl_tool_schema(doc: Mapping[str, Any], language: str = "python") -> dict[str, Any]:
    """A BFCL function doc as an OpenAI tool schema (raises `DefinitionError`)."""
    raw = dict(doc.get("parameters") or {"properties": {}})
    raw.pop("type", None)  # the arguments object: "dict" in every language's docs
    params = {"type": "object", **_schema(raw, TYPE_MAPS[language])}
    return {"type": "function", "function": {"name": str(doc["name"]),
                                             "description": str(doc.get("description", "")),
                                             "parameters": params}}


def _read(source: str | Path | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(source, (str, Path)):
        text = Path(source).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [dict(r) for r in source]


def is_bfcl_record(record: Mapping[str, Any]) -> bool:
    return "function" in record and "ground_truth" in record or record.get("category") == "bfcl"


def normalize_bfcl(record: Mapping[str, Any], string_match: str = "bfcl") -> dict[str, Any]:
    """One merged BFCL record (question + function + ground_truth) as a ToolUse task.
    Raises ValueError for records this loader refuses or whose key cannot be satisfied."""
    if record.get("category") == "bfcl":
        return dict(record)
    task = _to_task(record, string_match)
    problems = record_problems(task)
    if problems:
        raise ValueError(f"BFCL record {task['id']}: {problems[0]}; load_bfcl skips such "
                         "records and counts them")
    return task


def _supported(record_id: str) -> str:
    category = bfcl_category(record_id)
    if category.startswith(REFUSED):
        raise ValueError(f"BFCL record {record_id!r}: {category} records are not supported "
                         "(single-turn AST categories only; see docs/envs/tooluse.md)")
    return category


def _to_task(record: Mapping[str, Any], string_match: str) -> dict[str, Any]:
    if string_match not in STRING_MATCHES:
        raise ValueError(f"unknown string_match {string_match!r}; choose from {STRING_MATCHES}")
    rid = str(record["id"])
    category = _supported(rid)
    turns = record["question"]
    if isinstance(turns, list) and len(turns) > 1 and isinstance(turns[0], list):
        raise ValueError("multi-turn BFCL records are not supported; use single-turn ones")
    messages = turns[0] if turns and isinstance(turns[0], list) else turns
    if not isinstance(messages, list) or not all(isinstance(m, Mapping) for m in messages):
        raise ValueError("BFCL 'question' must be a list of turns of {role, content} messages")
    functions = record["function"]
    functions = [functions] if isinstance(functions, Mapping) else list(functions)
    truth = record["ground_truth"]
    if not isinstance(truth, list) or not all(isinstance(t, Mapping) and len(t) == 1
                                              for t in truth):
        raise ValueError("BFCL 'ground_truth' must be a list of {func_name: {arg: [values]}}")
    language = bfcl_language(category)
    task: dict[str, Any] = {
        "id": rid, "category": "bfcl", "bfcl_category": category, "language": language,
        "string_match": string_match, "messages": [dict(m) for m in messages],
        "functions": functions, "tools": [],
        "question": "\n".join(str(m.get("content", "")) for m in messages
                              if m.get("role") == "user"),
        "gold": {"ground_truth": truth}}
    try:
        task["tools"] = [bfcl_tool_schema(f, language) for f in functions]
    except DefinitionError as e:
        task["definition_error"] = str(e)
    return task


# ---- checking the key, and the gold calls -----------------------------------------------

def _valid(schema: Mapping[str, Any], value: Any, mode: str) -> bool:
    wrapper = {"type": "object", "properties": {"v": schema}, "required": ["v"]}
    return not validate_arguments(wrapper, {"v": snap_enums(schema, value, mode)})


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """A literal from the key in the declared type where that loses nothing (10.0 -> 10)."""
    if isinstance(value, tuple):
        value = list(value)
    if schema.get("type") == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _realize(option: Any, schema: Mapping[str, Any], mode: str) -> tuple[bool, Any]:
    """A concrete value for one acceptable value of the key: dicts hold per-key lists of
    acceptable values (BFCL's dict and list-of-dict format); (fits the schema, value)."""
    if isinstance(option, Mapping):
        props = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        out = {}
        for key, options in option.items():
            options = options if isinstance(options, list) else [options]
            omittable = "" in options and key not in required
            if omittable and (options[0] == "" or key not in props):
                continue
            ok, value = _choose(options, props.get(key, {}), mode)
            if ok:
                out[key] = value
            elif not omittable:
                return False, None
        return _valid(schema, out, mode), out
    if isinstance(option, (list, tuple)):
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        values = []
        for element in option:
            ok, value = _realize(element, items, mode)
            if not ok:
                return False, None
            values.append(value)
        return _valid(schema, values, mode), values
    value = _coerce(option, schema)
    return _valid(schema, value, mode), value


def _choose(options: Sequence[Any], schema: Mapping[str, Any], mode: str) -> tuple[bool, Any]:
    for option in options:
        if option != "":
            ok, value = _realize(option, schema, mode)
            if ok:
                return True, value
    return False, None


def _gold_call(expected: Mapping[str, Any], params: Mapping[str, Any], mode: str
               ) -> tuple[ToolCall | None, str | None]:
    (name, key), = expected.items()
    props = params.get("properties") or {}
    required = set(params.get("required") or ())
    missing = sorted(required - set(key))
    if missing:
        return None, f"required argument not allowed by the answer key ({missing[0]!r})"
    args = {}
    for param, options in key.items():
        options = list(options) if isinstance(options, (list, tuple)) else [options]
        omittable = "" in options and param not in required
        if param not in props:
            if omittable:
                continue
            return None, f"answer key requires an undefined argument ({param!r})"
        if omittable and options[0] == "":
            continue
        ok, value = _choose(options, props[param], mode)
        if ok:
            args[param] = value
        elif not omittable:
            return None, f"no acceptable value fits the definition ({param!r})"
    return ToolCall("", name, args), None


def _example(schema: Mapping[str, Any]) -> Any:
    """A value of `schema`'s type, for a `live_relevance` gold call."""
    if "default" in schema and _valid(schema, schema["default"], "exact"):
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: _example(props.get(k, {})) for k in schema.get("required") or ()}
    if kind == "array":
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        return [_example(items)] * int(schema.get("minItems", 0))
    return {"integer": 1, "number": 1.0, "boolean": True, "null": None}.get(kind, "example")


def gold_calls(task: Mapping[str, Any]) -> tuple[list[ToolCall], str | None]:
    """One acceptable answer that fits the definitions, and None; or (best effort, why the
    key cannot be satisfied)."""
    mode = str(task.get("string_match", "bfcl"))
    tools = tool_parameters(task)
    if task.get("bfcl_category") == "live_relevance":
        for name, params in tools.items():
            call = ToolCall("", name, _example(params))
            if validate_call(call, tools, mode) is None:
                return [call], None
        return [], "no valid call can be built for the relevance record"
    calls, problem = [], None
    for expected in task["gold"]["ground_truth"]:
        (name, _), = expected.items()
        if name not in tools:
            problem = problem or f"undefined function in the answer key ({name!r})"
            continue
        call, why = _gold_call(expected, tools[name], mode)
        if call is None:
            problem = problem or why
        else:
            calls.append(call)
    return calls, problem


def record_problems(task: Mapping[str, Any]) -> list[str]:
    """Why no call can both fit the definitions and match the key ([] if one can)."""
    if task.get("definition_error"):
        return [f"definition: {task['definition_error']}"]
    calls, problem = gold_calls(task)
    if problem:
        return [problem]
    mode = str(task.get("string_match", "bfcl"))
    tools = tool_parameters(task)
    for call in calls:
        invalid = validate_call(call, tools, mode)
        if invalid:
            return [f"no acceptable value fits the definition ({invalid[:120]})"]
    if task.get("bfcl_category") != "live_relevance":
        mismatch = match_calls(calls, task["gold"]["ground_truth"], tools, mode)
        if mismatch:  # pragma: no cover - the gold calls are built from the key
            return [f"the gold calls do not match the key ({mismatch})"]
    return []


def _reason_class(problem: str) -> str:
    return problem.split(" (", 1)[0].split(":", 1)[0]


def load_bfcl(questions: str | Path | Iterable[Mapping[str, Any]],
              answers: str | Path | Iterable[Mapping[str, Any]] | None = None, *,
              string_match: str = "bfcl", skip_invalid: bool = True) -> BFCLTasks:
    """BFCL question records joined with their possible answers (by id), as ToolUse tasks.

    Records without an answer are kept only for irrelevance (call nothing) and
    `live_relevance` (any valid call). `string_match`: "bfcl" (default), "bfcl_lenient" or
    "exact" (see `bfcl_match`). Records whose key no valid call can satisfy are left out and
    counted in `.skipped` (with a warning) unless `skip_invalid=False`.
    """
    truth = {str(r["id"]): r.get("ground_truth", []) for r in _read(answers or [])}
    tasks: list[dict[str, Any]] = []
    skipped: dict[str, list[str]] = {}
    for record in _read(questions):
        rid = str(record["id"])
        category = _supported(rid)
        if rid not in truth and "irrelevance" not in category and category != "live_relevance":
            raise ValueError(f"BFCL record {rid!r} has no possible answer; pass the answers file")
        task = _to_task({**record, "ground_truth": truth.get(rid, [])}, string_match)
        problems = record_problems(task)
        if problems:
            skipped.setdefault(_reason_class(problems[0]), []).append(rid)
            if skip_invalid:
                continue
            task["problems"] = problems
        tasks.append(task)
    result = BFCLTasks(tasks, skipped)
    if skipped:
        warnings.warn(result.summary() + ("; skip_invalid=False keeps them" if skip_invalid
                                          else ""), stacklevel=2)
    return result
