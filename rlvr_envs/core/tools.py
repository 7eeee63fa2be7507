"""Tools: Python callables with JSON-schema signatures, validated before every call.

A `Tool` wraps a function. Its schema comes from the type hints and the Google-style
docstring (first paragraph: the description; `Args:` section: parameter descriptions), or is
given explicitly. `Tool.openai_schema()` is the OpenAI function-tool form that chat templates
take (`tokenizer.apply_chat_template(messages, tools=[...])`).

Running a call never raises: arguments are checked against the schema first (exact JSON
types, required and unknown parameters, enums, lengths), and a bad call, an unknown tool or a
tool that raises all come back as a `ToolResult` whose `content` is an error observation the
agent can read, for example::

    error: get_weather: argument 'city' must be a string, got integer 5

Supported annotations: `str`, `int`, `float`, `bool`, `None`, `Any`, `Literal[...]`,
`list[T]`, `dict[str, T]`, `Optional[T]` / `T | None` (and other unions), and
`Annotated[T, "description"]`. Parameters with defaults are optional.

Example::

    @tool
    def get_weather(city: str, units: Literal["C", "F"] = "C") -> dict:
        '''Current weather in a city.

        Args:
            city: The city's name, e.g. "Paris".
            units: Temperature unit.
        '''
        return {"city": city, "temp": 21}

    registry = ToolRegistry([get_weather])
    registry.execute(ToolCall("call_0", "get_weather", {"city": 5})).content
    # "error: get_weather: argument 'city' must be a string, got integer 5"
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DEFAULT_MAX_RESULT_CHARS", "DEFAULT_MAX_STRING_CHARS", "MAX_ARGUMENT_DEPTH", "Tool",
    "ToolCall", "ToolError", "ToolRegistry", "ToolResult", "ToolStatus", "describe_value",
    "json_depth", "make_call_id", "parse_docstring", "schema_from_signature",
    "serialize_result", "tool", "validate_arguments",
]

DEFAULT_MAX_STRING_CHARS = 10_000  # any string argument, at any depth
DEFAULT_MAX_RESULT_CHARS = 8_000  # a tool result's text, before it enters the conversation
MAX_ARGUMENT_DEPTH = 32  # nested arrays/objects in one call's arguments
MAX_REPORTED_ERRORS = 5  # per call; the rest are counted, not listed

ToolStatus = Literal["ok", "unknown_tool", "invalid_arguments", "tool_error", "not_run"]


def make_call_id(turn: int, index: int) -> str:
    """The id of the `index`-th call (from 0) of the agent's `turn`-th message.

    Deterministic (same actions, same ids) and 9 alphanumeric characters ("c0003k001"),
    because Mistral chat templates reject any other tool-call id.
    """
    return f"c{turn:04d}k{index:03d}"


@dataclass
class ToolCall:
    """One call the agent asked for: an id, the tool's name and its (parsed) arguments."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def to_openai(self) -> dict[str, Any]:
        """The call as an OpenAI `tool_calls` entry (arguments as a JSON string).

        `</` is written `<\\/` (the same JSON string): chat templates paste `arguments` into
        the prompt verbatim, and a raw "</tool_call>" or "</think>" in a string argument
        would end the block when the prompt is read back.
        """
        arguments = json.dumps(self.arguments, ensure_ascii=False).replace("</", "<\\/")
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": arguments}}


@dataclass
class ToolResult:
    """What running one `ToolCall` gave.

    `content` is the text the agent sees (the serialized return value, or an error
    observation starting with "error: "); `value` is the raw return value (None unless
    `status == "ok"`), for envs that score from it.
    """

    call: ToolCall
    content: str
    status: ToolStatus = "ok"
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def message(self) -> dict[str, Any]:
        """The `role: "tool"` chat message answering the call."""
        return {"role": "tool", "tool_call_id": self.call.id, "name": self.call.name,
                "content": self.content}


class ToolError(Exception):
    """Raise from a tool to report a failure the agent caused ("no account 'x'").

    The agent sees `error: <tool>: <message>`; any other exception shows its type as well.
    """


# ---- schema derivation ----------------------------------------------------------------

_SIMPLE_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number",
                                 bool: "boolean", type(None): "null"}
_SECTION_RE = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns|Return|Raises|Yields|"
                         r"Examples?|Notes?|Attributes|See Also|Warnings?|Todo)\s*:\s*$")
_ARG_RE = re.compile(r"^\s*\**(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(description, {parameter: description}) from a Google-style docstring.

    The description is the first paragraph, joined into one line; parameter descriptions
    come from the `Args:` section (continuation lines are joined).
    """
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    first: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION_RE.match(line):
            break
        first.append(line.strip())
    params: dict[str, str] = {}
    in_args = False
    entry_indent: int | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION_RE.match(line)
        if header:
            in_args = header.group(1) in ("Args", "Arguments", "Parameters", "Params")
            entry_indent, current = None, None
            continue
        if not in_args or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:  # a paragraph after the section ends it
            in_args = False
            continue
        if entry_indent is None:
            entry_indent = indent
        match = _ARG_RE.match(line)
        if indent <= entry_indent and match:
            current = match.group(1)
            params[current] = match.group(2).strip()
        elif current is not None:
            params[current] = (params[current] + " " + line.strip()).strip()
    return " ".join(first), params


def _schema_for(hint: Any, where: str) -> dict[str, Any]:
    """The JSON schema of one type hint (raises TypeError on what we cannot express)."""
    if hint is Any:
        return {}
    if hint in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[hint]}
    if hint is list:
        return {"type": "array"}
    if hint is dict:
        return {"type": "object"}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        schema = _schema_for(args[0], where)
        notes = [a for a in args[1:] if isinstance(a, str)]
        if notes:
            schema["description"] = " ".join(notes)
        return schema
    if origin is Literal:
        values = list(args)
        for v in values:
            if not isinstance(v, (str, int, float, bool, type(None))):
                raise TypeError(f"{where}: Literal values must be JSON scalars, got {v!r}")
        kinds = sorted({_json_type_of(v) for v in values}, key=_TYPE_ORDER.index)
        schema = {"type": kinds[0] if len(kinds) == 1 else kinds, "enum": values}
        return schema
    if origin in (list, typing.List):  # noqa: UP006 - both spellings appear in user code
        return {"type": "array", **({"items": _schema_for(args[0], where)} if args else {})}
    if origin in (dict, typing.Dict):  # noqa: UP006
        if args and args[0] is not str:
            raise TypeError(f"{where}: dict keys must be str (JSON object keys), got {args[0]!r}")
        return {"type": "object",
                **({"additionalProperties": _schema_for(args[1], where)} if args else {})}
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        return _union_schema([_schema_for(a, where) for a in args])
    raise TypeError(f"{where}: unsupported type {hint!r}; use str, int, float, bool, None, "
                    "Literal[...], list[T], dict[str, T] or a union of these, or pass "
                    "parameters= explicitly")


_TYPE_ORDER = ["string", "integer", "number", "boolean", "array", "object", "null"]


def _union_schema(members: list[dict[str, Any]]) -> dict[str, Any]:
    """One schema for a union: merged `type` lists where the members' keywords agree,
    `anyOf` otherwise."""
    if any(not m for m in members):  # Any absorbs everything
        return {}
    merged: dict[str, Any] = {}
    kinds: list[str] = []
    for m in members:
        kind = m.get("type")
        if not isinstance(kind, (str, list)) or "anyOf" in m:
            return {"anyOf": members}
        for k in [kind] if isinstance(kind, str) else kind:
            if k not in kinds:
                kinds.append(k)
        for key, value in m.items():
            if key == "type":
                continue
            if key == "enum" and "enum" in merged:
                merged["enum"] = merged["enum"] + [v for v in value if v not in merged["enum"]]
            elif key in merged and merged[key] != value:
                return {"anyOf": members}
            else:
                merged[key] = value
    if "enum" in merged and "null" in kinds and None not in merged["enum"]:
        # Optional[Literal[...]]: None is allowed too
        merged["enum"] = merged["enum"] + [None]
    kinds.sort(key=_TYPE_ORDER.index)
    return {"type": kinds[0] if len(kinds) == 1 else kinds, **merged}


def schema_from_signature(fn: Callable[..., Any], param_docs: Mapping[str, str] | None = None,
                          *, skip_self: bool = False) -> dict[str, Any]:
    """The `parameters` JSON schema of `fn`, from its type hints.

    Every parameter needs a hint; parameters with defaults are optional (their default is
    shown when it is JSON). Unknown arguments are rejected (`additionalProperties: false`).
    """
    name = getattr(fn, "__name__", repr(fn))
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as e:  # a NameError in a string annotation, usually
        raise TypeError(f"tool {name}: cannot resolve type hints ({type(e).__name__}: {e}); "
                        "pass parameters= explicitly") from e
    params = list(inspect.signature(fn).parameters.values())
    if skip_self and params and params[0].name in ("self", "cls"):
        params = params[1:]
    properties: dict[str, Any] = {}
    required: list[str] = []
    docs = dict(param_docs or {})
    for p in params:
        where = f"tool {name}, parameter {p.name!r}"
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise TypeError(f"{where}: tools take named parameters only (no *args, **kwargs "
                            "or positional-only parameters)")
        if p.name not in hints:
            raise TypeError(f"{where}: add a type hint (the JSON schema is derived from it)")
        schema = _schema_for(hints[p.name], where)
        if docs.get(p.name):
            schema["description"] = docs[p.name]
        if p.default is inspect.Parameter.empty:
            required.append(p.name)
        elif _is_json(p.default):
            schema["default"] = p.default
        properties[p.name] = schema
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


# ---- validation -----------------------------------------------------------------------

def _json_type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_ARTICLES = {"integer": "an integer", "array": "an array", "object": "an object"}


def _with_article(kind: str) -> str:
    return _ARTICLES.get(kind, f"a {kind}" if kind != "null" else "null")


def describe_value(value: Any, limit: int = 60) -> str:
    """`integer 5`, `string "5"`, `array [1, 2]`: a value's JSON type and a short preview."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text)} characters)"
    return f"{_json_type_of(value)} {text}"


def _type_matches(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":  # bool is not an integer; 5.0 is not either (no silent coercion)
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value))
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return False


def _label(path: str) -> str:
    return f"argument {path!r}" if path else "arguments"


def _check(schema: Mapping[str, Any], value: Any, path: str, errors: list[str],
           max_string_chars: int, depth: int) -> None:
    """Append to `errors` every way `value` breaks `schema` (the subset tools use).

    Keywords: type (str or list), enum, const, anyOf, properties, required,
    additionalProperties (bool or schema; objects that list `properties` reject other keys
    unless it says otherwise), items, minItems, maxItems, minLength, maxLength, pattern,
    minimum, maximum, exclusiveMinimum, exclusiveMaximum. Others are ignored.
    """
    if depth > MAX_ARGUMENT_DEPTH:
        errors.append(f"{_label(path)} is nested deeper than {MAX_ARGUMENT_DEPTH} levels")
        return
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            sub: list[str] = []
            _check(option, value, path, sub, max_string_chars, depth)
            if not sub:
                break
        else:
            kinds = [o.get("type", "any value") for o in schema["anyOf"]]
            flat = [k for kind in kinds for k in (kind if isinstance(kind, list) else [kind])]
            errors.append(f"{_label(path)} must be {' or '.join(map(_with_article, flat))}, "
                          f"got {describe_value(value)}")
            return
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if not any(_type_matches(k, value) for k in kinds):
            if (isinstance(value, float) and not math.isfinite(value)
                    and ("number" in kinds or "integer" in kinds)):
                errors.append(f"{_label(path)} must be a finite number, got {value!r}")
            else:
                errors.append(f"{_label(path)} must be "
                              f"{' or '.join(map(_with_article, kinds))}, "
                              f"got {describe_value(value)}")
            return
    if "enum" in schema and not any(_same_json(value, e) for e in schema["enum"]):
        options = ", ".join(json.dumps(e, ensure_ascii=False) for e in schema["enum"][:20])
        more = f" (and {len(schema['enum']) - 20} more)" if len(schema["enum"]) > 20 else ""
        errors.append(f"{_label(path)} must be one of {options}{more}, "
                      f"got {describe_value(value)}")
        return
    if "const" in schema and not _same_json(value, schema["const"]):
        errors.append(f"{_label(path)} must be {json.dumps(schema['const'])}, "
                      f"got {describe_value(value)}")
        return
    if isinstance(value, str):
        limit = schema.get("maxLength", max_string_chars)
        if len(value) > limit:
            errors.append(f"{_label(path)} is {len(value)} characters long; the limit is {limit}")
        elif len(value) < schema.get("minLength", 0):
            errors.append(f"{_label(path)} must have at least {schema['minLength']} "
                          f"characters, got {len(value)}")
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{_label(path)} must match the pattern {schema['pattern']!r}, "
                          f"got {describe_value(value)}")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, ok, words in (("minimum", lambda b: value >= b, ">="),
                               ("maximum", lambda b: value <= b, "<="),
                               ("exclusiveMinimum", lambda b: value > b, ">"),
                               ("exclusiveMaximum", lambda b: value < b, "<")):
            if key in schema and not ok(schema[key]):
                errors.append(f"{_label(path)} must be {words} {schema[key]}, got {value}")
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{_label(path)} must have at most {schema['maxItems']} items, "
                          f"got {len(value)}")
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{_label(path)} must have at least {schema['minItems']} items, "
                          f"got {len(value)}")
        if isinstance(schema.get("items"), Mapping):
            for i, item in enumerate(value):
                _check(schema["items"], item, f"{path}[{i}]", errors, max_string_chars,
                       depth + 1)
                if len(errors) > MAX_REPORTED_ERRORS:
                    return
    elif isinstance(value, dict):
        _check_object(schema, value, path, errors, max_string_chars, depth)


def _check_object(schema: Mapping[str, Any], value: dict[str, Any], path: str,
                  errors: list[str], max_string_chars: int, depth: int) -> None:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    extra = schema.get("additionalProperties", not properties)
    prefix = f"{path}." if path else ""
    for key in schema.get("required") or []:
        if key not in value:
            errors.append(f"missing required argument {prefix + key!r}")
    for key, item in value.items():
        if not isinstance(key, str):
            errors.append(f"{_label(path)} has a non-string key {key!r}")
        elif key in properties:
            _check(properties[key], item, prefix + key, errors, max_string_chars, depth + 1)
        elif extra is False:
            expected = ", ".join(list(properties)[:20]) or "none"
            errors.append(f"unknown argument {prefix + key!r}; expected arguments: {expected}")
        elif isinstance(extra, Mapping):
            _check(extra, item, prefix + key, errors, max_string_chars, depth + 1)
        if len(errors) > MAX_REPORTED_ERRORS:
            return


def _same_json(a: Any, b: Any) -> bool:
    """Equality with JSON types: True != 1, 1 == 1.0 (both numbers)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def validate_arguments(schema: Mapping[str, Any], arguments: Any, *,
                       max_string_chars: int = DEFAULT_MAX_STRING_CHARS) -> list[str]:
    """Every way `arguments` breaks `schema` (a `parameters` object schema), as readable
    sentences; `[]` when the call is valid. Never raises on any JSON-like input."""
    if not isinstance(arguments, dict):
        return [f"arguments must be a JSON object, got {describe_value(arguments)}"]
    # Size limits first, over every value (schema-less `Any` parts included), iteratively.
    errors = _limit_errors(arguments, max_string_chars)
    if not errors:
        # The top level is strict unless the schema says otherwise: fn(**arguments) would
        # fail on an unknown keyword anyway, with a worse message.
        schema = {**schema, "additionalProperties": schema.get("additionalProperties", False)}
        try:
            _check(schema, arguments, "", errors, max_string_chars, 0)
        except RecursionError:
            errors.append(f"arguments are nested deeper than {MAX_ARGUMENT_DEPTH} levels")
    if len(errors) > MAX_REPORTED_ERRORS:
        errors = errors[:MAX_REPORTED_ERRORS] + ["and more problems not listed"]
    return errors


def _limit_errors(arguments: dict[str, Any], max_string_chars: int) -> list[str]:
    """Strings longer than `max_string_chars` and nesting deeper than `MAX_ARGUMENT_DEPTH`,
    anywhere in `arguments`."""
    errors: list[str] = []
    stack: list[tuple[Any, str, int]] = [(v, k, 1) for k, v in arguments.items()]
    while stack and len(errors) <= MAX_REPORTED_ERRORS:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > max_string_chars:
                errors.append(f"{_label(path)} is {len(item)} characters long; "
                              f"the limit is {max_string_chars}")
        elif isinstance(item, (list, dict)):
            if depth > MAX_ARGUMENT_DEPTH:
                errors.append(f"{_label(path)} is nested deeper than {MAX_ARGUMENT_DEPTH} "
                              "levels")
                continue
            pairs = enumerate(item) if isinstance(item, list) else item.items()
            stack.extend((v, f"{path}[{k}]" if isinstance(item, list) else f"{path}.{k}",
                          depth + 1) for k, v in pairs)
    return errors


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (0 for a scalar); iterative."""
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple)):
            deepest = max(deepest, depth + 1)
            stack.extend((x, depth + 1) for x in item)
        elif isinstance(item, dict):
            deepest = max(deepest, depth + 1)
            stack.extend((x, depth + 1) for x in item.values())
    return deepest


# ---- results ----------------------------------------------------------------------------

def serialize_result(value: Any, max_chars: int = DEFAULT_MAX_RESULT_CHARS) -> str:
    """A tool's return value as the text the agent sees: strings as they are, everything
    JSON can hold as JSON (so `True` reads `true`, `None` reads `null`), the rest via
    `str()`; cut to `max_chars` with a note saying how much was cut."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):  # circular structures, NaN keys...
            text = _safe_str(value)
    if len(text) > max_chars:
        text = text[:max_chars] + f"... [truncated: {len(text) - max_chars} more characters]"
    return text


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception as e:  # a __str__ that raises must not take the env down
        return f"<unprintable {type(value).__name__}: {type(e).__name__}>"


# ---- Tool ---------------------------------------------------------------------------------

class Tool:
    """A callable the agent may call, with its JSON-schema signature.

    `Tool(fn)` derives name, description and parameters from `fn`; any of them can be given
    instead. Used as a decorator on a method (`@tool` in a class body), accessing it on an
    instance gives a `Tool` bound to that instance, so stateful tools can live on the env.

    Calls are checked against `parameters` before `fn` runs (see `validate_arguments`);
    string arguments longer than `max_string_chars` are rejected; results are serialized by
    `serialize_result` and cut to `max_result_chars`.
    """

    def __init__(self, fn: Callable[..., Any], *, name: str | None = None,
                 description: str | None = None, parameters: Mapping[str, Any] | None = None,
                 max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
                 max_result_chars: int = DEFAULT_MAX_RESULT_CHARS) -> None:
        if not callable(fn):
            raise TypeError(f"Tool needs a callable, got {fn!r}")
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "")
        if not self.name or not re.fullmatch(r"[A-Za-z_][\w.\-]{0,127}", self.name):
            raise ValueError(f"tool name must start with a letter or _ and hold only letters, "
                             f"digits, _ . - (at most 128), got {self.name!r}")
        doc_description, param_docs = parse_docstring(inspect.getdoc(fn))
        self.description = doc_description if description is None else description
        if parameters is None:
            # An undecorated method (`@tool` in a class body) still has `self` to skip.
            parameters = schema_from_signature(fn, param_docs,
                                               skip_self=not inspect.ismethod(fn))
        elif parameters.get("type", "object") != "object":
            raise ValueError(f"tool {self.name}: parameters must be an object schema, "
                             f"got type {parameters.get('type')!r}")
        self.parameters: dict[str, Any] = copy.deepcopy(dict(parameters))
        self.max_string_chars = int(max_string_chars)
        self.max_result_chars = int(max_result_chars)
        self._attr_name: str | None = None

    def openai_schema(self) -> dict[str, Any]:
        """`{"type": "function", "function": {"name", "description", "parameters"}}`."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description,
                             "parameters": copy.deepcopy(self.parameters)}}

    def validate(self, arguments: Any) -> list[str]:
        """The problems with `arguments` for this tool (`[]` if the call may run)."""
        return validate_arguments(self.parameters, arguments,
                                  max_string_chars=self.max_string_chars)

    def run(self, call: ToolCall) -> ToolResult:
        """Validate and run `call`; never raises (except BaseExceptions such as
        KeyboardInterrupt, which should stop the program)."""
        errors = self.validate(call.arguments)
        if errors:
            return ToolResult(call, f"error: {self.name}: {'; '.join(errors)}",
                              "invalid_arguments")
        try:
            value = self.fn(**call.arguments)
        except ToolError as e:
            return ToolResult(call, serialize_result(f"error: {self.name}: {e}",
                                                     self.max_result_chars), "tool_error")
        except Exception as e:
            return ToolResult(call, serialize_result(
                f"error: {self.name}: {type(e).__name__}: {_safe_str(e)}",
                self.max_result_chars), "tool_error")
        return ToolResult(call, serialize_result(value, self.max_result_chars), "ok", value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the underlying function directly (no validation): tools stay plain functions."""
        return self.fn(*args, **kwargs)

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr_name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Tool:
        if obj is None:
            return self
        bound = copy.copy(self)
        bound.fn = self.fn.__get__(obj, objtype)  # type: ignore[attr-defined]
        if self._attr_name:
            try:  # cache: a non-data descriptor yields to the instance dict next time
                obj.__dict__[self._attr_name] = bound
            except AttributeError:  # __slots__ classes: bind on every access
                pass
        return bound

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"


@typing.overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@typing.overload
def tool(*, name: str | None = None, description: str | None = None,
         parameters: Mapping[str, Any] | None = None,
         max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
         max_result_chars: int = DEFAULT_MAX_RESULT_CHARS) -> Callable[[Callable[..., Any]], Tool]:
    ...


def tool(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Make a `Tool`: `@tool` or `@tool(name=..., description=..., parameters=...)`."""
    if fn is not None:
        return Tool(fn, **options)
    return lambda f: Tool(f, **options)


class ToolRegistry:
    """The tools offered in one episode, by name; runs `ToolCall`s without ever raising."""

    def __init__(self, tools: Iterable[Tool | Callable[..., Any]] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for t in tools:
            self.add(t)

    @classmethod
    def from_object(cls, obj: Any) -> ToolRegistry:
        """Every `@tool` method of `obj`'s class (base classes first), bound to `obj`."""
        names: list[str] = []
        for klass in reversed(type(obj).__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, Tool) and attr not in names:
                    names.append(attr)
        return cls(getattr(obj, attr) for attr in names)

    def add(self, t: Tool | Callable[..., Any]) -> Tool:
        """Add a tool (a plain callable is wrapped with `Tool`); names must be unique."""
        t = t if isinstance(t, Tool) else Tool(t)
        if t.name in self._tools:
            raise ValueError(f"two tools are named {t.name!r}; tool names must be unique")
        self._tools[t.name] = t
        return t

    def schemas(self) -> list[dict[str, Any]]:
        """The OpenAI-format schemas (what `info["tools"]` carries)."""
        return [t.openai_schema() for t in self._tools.values()]

    def execute(self, call: ToolCall) -> ToolResult:
        """Run one call: an unknown tool, bad arguments or a raising tool give an error
        result whose content says what was wrong."""
        t = self._tools.get(call.name)
        if t is None:
            known = ", ".join(list(self._tools)[:30]) or "none"
            more = f" (and {len(self._tools) - 30} more)" if len(self._tools) > 30 else ""
            return ToolResult(call, f"error: unknown tool {call.name[:100]!r}; available "
                              f"tools: {known}{more}", "unknown_tool")
        return t.run(call)

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def __getitem__(self, name: str) -> Tool:
        return self._tools[name]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __repr__(self) -> str:
        return f"ToolRegistry({self.names})"
