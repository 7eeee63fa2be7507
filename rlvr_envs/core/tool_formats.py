"""Tool-call formats: how tool calls are written inside an assistant message.

Each format has a parser (`parse(text, turn=...) -> ParsedMessage`) and a renderer
(`render(calls, content="") -> str`), so an env can be trained under any of them and oracles
and tests can write calls in any of them. Registered formats (the `tool_format` kwarg):

* `hermes` (default; Qwen2.5/Qwen3, NousHermes, vLLM's `hermes` parser)::

      <tool_call>
      {"name": "get_weather", "arguments": {"city": "Paris"}}
      </tool_call>

* `openai_json`: the whole message, or a fenced ```json block, is
  `{"name": ..., "arguments": {...}}`, a list of them, or `{"tool_calls": [{"function": ...}]}`;
  an object with a "name" but no "arguments" is a call only if the name is an offered tool
  (`parse(text, tools=names)`), so an answer written `{"name": "Vera Ueda"}` stays text.
* `pythonic` (Llama 3.2+/Llama 4, BFCL): `[get_weather(city="Paris"), get_time(tz="CET")]`,
  read with `ast` and `ast.literal_eval` per argument; never `eval`.
* `mistral`: `[TOOL_CALLS][{"name": ..., "arguments": {...}}]`, or the newer
  `[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}`.

Parsing never raises. Whatever cannot be read as a call (broken JSON, a non-object
`arguments`, an oversized or too deeply nested call, positional Python arguments...) becomes a
readable sentence in `ParsedMessage.errors`. Work is bounded: at most `max_message_chars` of a
message are searched, a call longer than `max_call_chars` is rejected before any JSON or Python
parsing, and at most `max_calls` calls are read. Text up to a closing `</think>` is reasoning:
it is never searched for calls. Call ids are deterministic: `make_call_id(turn, k)`.

Add a format by subclassing `ToolCallFormat` (implement `_parse` and `render`) and decorating
it with `@register_tool_format("name")`.
"""

from __future__ import annotations

import ast
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .tools import MAX_ARGUMENT_DEPTH, ToolCall, json_depth, make_call_id

__all__ = [
    "DEFAULT_TOOL_FORMAT", "TOOL_FORMATS", "HermesFormat", "MistralFormat", "OpenAIJSONFormat",
    "ParsedMessage", "PythonicFormat", "ToolCallFormat", "get_tool_format",
    "register_tool_format",
]

DEFAULT_TOOL_FORMAT = "hermes"
_THINK_END = "</think>"
_NAME_RE = re.compile(r"[A-Za-z_][\w.\-]{0,127}")


@dataclass
class ParsedMessage:
    """An assistant message read by a format: the text outside the calls, the calls (with
    deterministic ids), and one readable sentence per call that could not be read."""

    content: str
    calls: list[ToolCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def has_tool_calls(self) -> bool:
        """True when the message tried to call tools (even if every call was malformed)."""
        return bool(self.calls or self.errors)


class _Collector:
    """Builds a ParsedMessage: numbers calls, gives ids, enforces `max_calls`."""

    def __init__(self, fmt: ToolCallFormat, turn: int,
                 tools: frozenset[str] | None = None) -> None:
        self.fmt = fmt
        self.turn = turn
        self.tools = tools  # the offered tools' names, when the caller knows them
        self.calls: list[ToolCall] = []
        self.errors: list[str] = []
        self.attempts = 0  # calls seen, valid or not: errors name them by this number
        self.dropped = 0
        self.truncated = False  # calls past max_calls left unread (and uncounted)

    @property
    def full(self) -> bool:
        return self.attempts >= self.fmt.max_calls

    def next_label(self) -> str | None:
        """A label for the next call ("tool call 3"), or None once `max_calls` is reached."""
        if self.full:
            self.dropped += 1
            return None
        self.attempts += 1
        return f"tool call {self.attempts}"

    def error(self, label: str, problem: str) -> None:
        self.errors.append(f"error: {label}: {problem}; {self.fmt.hint}")

    def add(self, label: str, name: Any, arguments: Any) -> bool:
        """Add a call, checking the shape every format shares: a name, an object of args.
        False (and an error) if the call is malformed."""
        if not isinstance(name, str) or not name.strip():
            self.error(label, f"the tool name must be a non-empty string, got {_preview(name)}")
            return False
        if len(name) > 128:
            self.error(label, f"the tool name is {len(name)} characters; the limit is 128")
            return False
        if isinstance(arguments, str):  # arguments given as a JSON string (OpenAI style)
            if not arguments.strip():
                arguments = {}
            else:
                arguments, problem = self.fmt.load_json(arguments)
                if problem:
                    self.error(label, f"arguments of {name!r}: {problem}")
                    return False
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            self.error(label, f"arguments of {name!r} must be a JSON object, "
                              f"got {_preview(arguments)}")
            return False
        if json_depth(arguments) > MAX_ARGUMENT_DEPTH:
            self.error(label, f"arguments of {name!r} nest deeper than {MAX_ARGUMENT_DEPTH} "
                              "levels")
            return False
        self.calls.append(ToolCall(make_call_id(self.turn, len(self.calls)), name.strip(),
                                   arguments))
        return True

    def add_object(self, label: str, obj: Any) -> bool:
        """Add a call written as a JSON object: `{"name", "arguments"}` (or "parameters"),
        `{"function": {"name", "arguments"}}` or `{"type": "function", "function": ...}`."""
        if not isinstance(obj, dict):
            self.error(label, f"a call must be a JSON object, got {_preview(obj)}")
            return False
        if isinstance(obj.get("function"), dict):
            obj = obj["function"]
        if "name" not in obj:
            self.error(label, f'the call has no "name" (keys: {", ".join(list(obj)[:10])})')
            return False
        arguments = obj.get("arguments", obj.get("parameters"))
        return self.add(label, obj["name"], arguments)

    def result(self, content: str) -> ParsedMessage:
        if self.dropped or self.truncated:
            more = "the rest were" if self.truncated else f"{self.dropped} more were"
            self.errors.append(f"error: only the first {self.fmt.max_calls} tool calls of a "
                               f"message are read; {more} ignored")
        return ParsedMessage(content.strip(), self.calls, self.errors)


def _preview(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


class ToolCallFormat(ABC):
    """A tool-call format: a parser and a renderer. Subclasses implement `_parse` and
    `render` and set `hint` (how to write a call; it ends every parse error);
    `register_tool_format` sets `name`. The limits are keyword arguments."""

    name: ClassVar[str] = ""
    hint: ClassVar[str] = ""

    def __init__(self, *, max_calls: int = 64, max_call_chars: int = 65_536,
                 max_message_chars: int = 262_144) -> None:
        self.max_calls = int(max_calls)
        self.max_call_chars = int(max_call_chars)
        self.max_message_chars = int(max_message_chars)

    def parse(self, text: str, *, turn: int = 0,
              tools: Iterable[str] | None = None) -> ParsedMessage:
        """Read the tool calls in `text`. Never raises; bounded work on any input.

        `tools`: the names of the offered tools, if known. Formats whose calls can look like
        an answer (`openai_json`: `{"name": "Vera Ueda"}`) use them to tell the two apart.
        """
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        collector = _Collector(self, turn, None if tools is None else frozenset(tools))
        reasoning = ""
        cut = text.find(_THINK_END, 0, self.max_message_chars)
        if cut >= 0:  # reasoning is not searched for calls (drafted calls are not made)
            cut += len(_THINK_END)
            reasoning, text = text[:cut], text[cut:]
        tail = ""
        if len(text) > self.max_message_chars:
            collector.errors.append(
                f"error: the message is {len(reasoning) + len(text)} characters; only the "
                f"first {self.max_message_chars} were searched for tool calls")
            text, tail = text[: self.max_message_chars], text[self.max_message_chars:]
        try:
            content = self._parse(text, collector)
        except Exception as e:  # a parser bug must not crash the env; tests assert none
            collector.errors.append(f"error: internal parser error in the {self.name} format "
                                    f"({type(e).__name__}); the message was not read")
            content = text
        return collector.result(reasoning + content + tail)

    @abstractmethod
    def _parse(self, text: str, calls: _Collector) -> str:
        """Add the calls in `text` to `calls`; return the text outside them."""

    @abstractmethod
    def render(self, calls: Sequence[ToolCall], content: str = "") -> str:
        """An assistant message with `content` and `calls` written in this format."""

    def instructions(self) -> str:
        """One paragraph for a system prompt: how to call tools in this format."""
        example = self.render([ToolCall("", "get_weather", {"city": "Paris"}),
                               ToolCall("", "get_time", {"timezone": "CET"})])
        return (f"To call tools, write the calls in your message like this (several calls "
                f"may go in one message):\n{example}\nEach result comes back in a tool "
                "message. To give your final answer, reply without any tool call.")

    # ---- helpers for parsers --------------------------------------------------------

    def load_json(self, text: str) -> tuple[Any, str | None]:
        """(value, None) or (None, problem): size-capped, strict JSON (no NaN, no duplicate
        keys), never raising on deep nesting."""
        if len(text) > self.max_call_chars:
            return None, f"the call is {len(text)} characters; the limit is {self.max_call_chars}"
        try:
            return _DECODER.decode(text.strip()), None
        except json.JSONDecodeError as e:
            return None, f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        except RecursionError:
            return None, "invalid JSON: nested too deeply"
        except ValueError as e:  # NaN/Infinity, duplicate keys, huge integers
            return None, f"invalid JSON: {e}"

    def decode_prefix(self, text: str, start: int) -> tuple[Any, int, str | None]:
        """Decode one JSON value starting at `text[start]` (whitespace skipped), reading at
        most `max_call_chars`: (value, end, None) or (None, start, problem)."""
        window = text[start: start + self.max_call_chars + 1]
        offset = len(window) - len(window.lstrip())
        try:
            value, end = _DECODER.raw_decode(window, offset)
        except json.JSONDecodeError as e:
            if len(window) > self.max_call_chars:
                return None, start, (f"the call is longer than the limit of "
                                     f"{self.max_call_chars} characters, or unterminated")
            return None, start, f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        except RecursionError:
            return None, start, "invalid JSON: nested too deeply"
        except ValueError as e:
            return None, start, f"invalid JSON: {e}"
        if end > self.max_call_chars:
            return None, start, (f"the call is {end} characters; the limit is "
                                 f"{self.max_call_chars}")
        return value, start + end, None


TOOL_FORMATS: dict[str, Callable[..., ToolCallFormat]] = {}


def register_tool_format(name: str) -> Callable[[type[ToolCallFormat]], type[ToolCallFormat]]:
    """Class decorator: make a `ToolCallFormat` subclass available as `tool_format=name`."""
    def decorate(cls: type[ToolCallFormat]) -> type[ToolCallFormat]:
        if name in TOOL_FORMATS:
            raise ValueError(f"tool format {name!r} is already registered")
        cls.name = name
        TOOL_FORMATS[name] = cls
        return cls
    return decorate


def get_tool_format(fmt: str | ToolCallFormat | None = None, **limits: Any) -> ToolCallFormat:
    """A format instance from its name (`None` means `hermes`), or `fmt` itself."""
    if isinstance(fmt, ToolCallFormat):
        return fmt
    key = DEFAULT_TOOL_FORMAT if fmt is None else fmt
    if key not in TOOL_FORMATS:
        raise ValueError(f"unknown tool_format {key!r}; choose one of {sorted(TOOL_FORMATS)} "
                         "or register one with rlvr_envs.core.tool_formats.register_tool_format")
    return TOOL_FORMATS[key](**limits)


def _call_json(call: ToolCall) -> dict[str, Any]:
    return {"name": call.name, "arguments": call.arguments}


def _dumps(value: Any) -> str:
    """JSON for a message; `</` is written `<\\/` so a string holding "</tool_call>" or
    "</think>" cannot end the block it sits in (both mean the same JSON string)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")


def _join(content: str, body: str) -> str:
    content = content.strip()
    return f"{content}\n{body}" if content and body else content or body


# ---- hermes -------------------------------------------------------------------------------

@register_tool_format("hermes")
class HermesFormat(ToolCallFormat):
    """`<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks, any number per
    message (the Qwen2.5/Qwen3 chat templates and vLLM's hermes parser). `arguments` may be a
    JSON string; an unclosed last block is read to the end of the message."""

    hint = 'write <tool_call>{"name": "<tool>", "arguments": {...}}</tool_call>'
    OPEN, CLOSE = "<tool_call>", "</tool_call>"

    def _parse(self, text: str, calls: _Collector) -> str:
        content: list[str] = []
        pos = 0
        while True:
            start = text.find(self.OPEN, pos)
            if start < 0:
                content.append(text[pos:])
                return "".join(content)
            content.append(text[pos:start])
            body = start + len(self.OPEN)
            label = calls.next_label()
            if label is None:  # too many calls: skip the block without reading it
                close = text.find(self.CLOSE, body)
                pos = len(text) if close < 0 else close + len(self.CLOSE)
                continue
            value, end, problem = self.decode_prefix(text, _strip_fence(text, body))
            if problem is None:
                end = _skip_fence_end(text, end)
                after = len(text) - len(text[end:].lstrip()) if end < len(text) else end
                if text.startswith(self.CLOSE, after):
                    pos = after + len(self.CLOSE)
                elif after >= len(text):  # unclosed final block: fine (generation stopped)
                    pos = after
                else:
                    problem = f"unexpected text after the JSON object: {text[after:after+30]!r}"
            if problem is not None:
                calls.error(label, problem)
                close = text.find(self.CLOSE, body)
                pos = len(text) if close < 0 else close + len(self.CLOSE)
                content.append(text[start:pos])  # malformed calls stay visible as text
                continue
            if not calls.add_object(label, value):
                content.append(text[start:pos])

    def render(self, calls: Sequence[ToolCall], content: str = "") -> str:
        blocks = "\n".join(f"{self.OPEN}\n{_dumps(_call_json(c))}\n{self.CLOSE}" for c in calls)
        return _join(content, blocks)


def _strip_fence(text: str, pos: int) -> int:
    """Skip whitespace and an opening ```json fence at `pos` (models sometimes add one)."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    for fence in ("```json", "```"):
        if text.startswith(fence, pos):
            return pos + len(fence)
    return pos


def _skip_fence_end(text: str, pos: int) -> int:
    stripped = pos
    while stripped < len(text) and text[stripped].isspace():
        stripped += 1
    return stripped + 3 if text.startswith("```", stripped) else pos


# ---- openai_json ----------------------------------------------------------------------------

_CALL_KEY_RE = re.compile(r'"(name|tool_calls|function)"\s*:')


_CALL_ONLY_KEYS = frozenset({"name", "id", "type"})


def _is_call_like(value: Any, tools: frozenset[str] | None = None) -> bool:
    """Is `value` a call rather than an answer written as JSON? A `tool_calls` or
    `function` object, or a `name` with `arguments`/`parameters`, always is. A `name`
    without arguments is a call only if it names an offered tool, or, when the offered
    tools are unknown, if it looks like a tool name and nothing else is said
    (`{"name": "list_files"}`); `{"name": "Vera Ueda"}` is an answer."""
    if not isinstance(value, dict):
        return False
    if "tool_calls" in value or isinstance(value.get("function"), dict):
        return True
    if "name" not in value:
        return False
    if "arguments" in value or "parameters" in value:
        return True
    name = value["name"]
    if tools is not None:
        return isinstance(name, str) and name.strip() in tools
    return (isinstance(name, str) and _NAME_RE.fullmatch(name.strip()) is not None
            and set(value) <= _CALL_ONLY_KEYS)


@register_tool_format("openai_json")
class OpenAIJSONFormat(ToolCallFormat):
    """The whole message, or a fenced ```json block in it, is a JSON call object
    `{"name", "arguments"}`, a list of them, or `{"tool_calls": [{"function": {...}}]}`
    (arguments as an object or a JSON string). JSON that is not call-shaped stays content:
    a final answer such as `{"answer": 4}`, or `{"name": "Vera Ueda"}` when "Vera Ueda" is
    not an offered tool (`parse(..., tools=...)`; see `_is_call_like`)."""

    hint = 'write {"name": "<tool>", "arguments": {...}} (or a list of them) as JSON'

    def _parse(self, text: str, calls: _Collector) -> str:
        stripped = text.strip()
        if stripped[:1] in ("{", "["):
            value, problem = self.load_json(stripped)
            if problem is None:
                before = calls.attempts
                all_ok = self._take(value, calls)
                if calls.attempts > before or calls.dropped:  # it was call-shaped
                    return "" if all_ok else text  # malformed calls stay visible as text
            if problem is not None and _CALL_KEY_RE.search(stripped[:2000]):
                label = calls.next_label()
                if label is not None:
                    calls.error(label, problem)
                return text  # malformed calls stay visible as text
        return self._parse_fences(text, calls)

    def _parse_fences(self, text: str, calls: _Collector) -> str:
        content: list[str] = []
        pos = 0
        while True:
            start = text.find("```", pos)
            if start < 0:
                content.append(text[pos:])
                return "".join(content)
            newline = text.find("\n", start + 3, start + 40)
            lang = text[start + 3: newline].strip().lower() if newline >= 0 else "?"
            problem: str | None = None
            if lang in ("", "json"):
                # Decode first, then expect the closing fence: a ``` inside a JSON string
                # must not end the block.
                value, end, problem = self.decode_prefix(text, newline + 1)
                after = len(text) - len(text[end:].lstrip())
                if problem is None and text.startswith("```", after):
                    before = calls.attempts
                    all_ok = self._take(value, calls)
                    if calls.attempts > before or calls.dropped:  # call-shaped
                        content.append(text[pos:start] if all_ok else text[pos:after + 3])
                        pos = after + 3
                        continue
            close = text.find("```", start + 3 if newline < 0 else newline + 1)
            if close < 0:
                close = len(text)
            if problem is not None and _CALL_KEY_RE.search(text[newline + 1: close][:2000]):
                label = calls.next_label()
                if label is not None:
                    calls.error(label, f"in the ```json block: {problem}")
            content.append(text[pos: close + 3])
            pos = close + 3

    def _take(self, value: Any, calls: _Collector) -> bool:
        """Add the calls in a decoded JSON value; False if it is not call-shaped or a call
        in it is malformed (the text then stays in the content)."""
        if isinstance(value, dict) and "tool_calls" in value:
            items = value["tool_calls"]
            if not isinstance(items, list):
                label = calls.next_label()
                if label is not None:
                    calls.error(label, f'"tool_calls" must be a list, got {_preview(items)}')
                return False
        elif isinstance(value, list) and any(_is_call_like(v, calls.tools) for v in value):
            items = value
        elif _is_call_like(value, calls.tools):
            items = [value]
        else:
            return False
        all_ok = True
        for item in items:
            label = calls.next_label()
            if label is not None:
                all_ok = calls.add_object(label, item) and all_ok
        return all_ok

    def render(self, calls: Sequence[ToolCall], content: str = "") -> str:
        if not calls:
            return content.strip()
        payload = _call_json(calls[0]) if len(calls) == 1 else [_call_json(c) for c in calls]
        body = _dumps(payload)
        if content.strip():
            return f"{content.strip()}\n\n```json\n{body}\n```"
        return body


# ---- pythonic -------------------------------------------------------------------------------

_PY_CANDIDATE_RE = re.compile(r"\[[ \t\r\n]*[A-Za-z_][\w.]*[ \t]*\(")
# Python tokens that matter for bracket matching. String prefixes (r, b, f) need no case of
# their own: they do not change where a string ends.
_PY_TOKEN_RE = re.compile(
    r"(?P<string>'''[\s\S]*?'''" r'|"""[\s\S]*?"""'
    r"""|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*")"""
    r"|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<comment>#[^\n]*)"
    r"""|(?P<quote>['"])|(?P<other>[^'"()\[\]{}#]+)""")
_JSON_NAMES = {"true": True, "false": False, "null": None}


class _ArgumentError(ValueError):
    pass


def _dotted_name(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _literal(node: ast.AST) -> Any:
    """A JSON value from a literal expression node (`ast.literal_eval`, after mapping the
    JSON names true/false/null); raises _ArgumentError for anything else."""
    if isinstance(node, ast.Name) and node.id in _JSON_NAMES:
        return _JSON_NAMES[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        result = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                raise _ArgumentError("** in a dict literal is not supported")
            key = _literal(k)
            if not isinstance(key, str):
                raise _ArgumentError(f"dict keys must be strings, got {_preview(key)}")
            if key in result:
                raise _ArgumentError(f"duplicate key {key!r}")
            result[key] = _literal(v)
        return result
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _ArgumentError("only literal values (strings, numbers, True/False/None, lists "
                             "and dicts of them) can be arguments") from None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and value == value and value not in (float("inf"),
                                                                    float("-inf")):
        return value
    raise _ArgumentError(f"{type(value).__name__} values cannot be tool arguments "
                         "(JSON values only)")


@register_tool_format("pythonic")
class PythonicFormat(ToolCallFormat):
    """A Python list of calls with keyword arguments, `[get_weather(city="Paris"), f(x=1)]`
    (Llama 3.2+ and BFCL). Read with `ast.parse(..., mode="eval")` and literal values
    only; positional arguments are rejected; `true`/`false`/`null` are accepted as
    spellings of True/False/None. Argument names that are not Python identifiers ("from")
    go in a dict literal: `f(x=1, **{"from": "a"})`. A message that is a single bare call
    also counts."""

    hint = 'write [tool_name(arg="value", n=1)] with keyword arguments and literal values'

    def _parse(self, text: str, calls: _Collector) -> str:
        stripped = text.strip()
        if stripped and len(stripped) <= self.max_call_chars and (
                stripped[0] == "[" or _NAME_RE.match(stripped)):
            tree = _try_parse(stripped)
            if tree is not None and (isinstance(tree.body, ast.Call) or (
                    isinstance(tree.body, ast.List)
                    and any(isinstance(e, ast.Call) for e in tree.body.elts))):
                return "" if self._take(tree.body, calls) else text
        content: list[str] = []
        pos = 0
        while True:
            match = _PY_CANDIDATE_RE.search(text, pos)
            if match is None or calls.full:
                calls.truncated = calls.truncated or match is not None
                content.append(text[pos:])
                return "".join(content)
            start = match.start()
            end, problem = self._list_end(text, start)
            if problem is not None:
                label = calls.next_label()
                if label is not None:
                    calls.error(label, problem)
                content.append(text[pos:end])
                pos = end
                continue
            tree = _try_parse(text[start:end])
            if tree is None or not isinstance(tree.body, ast.List):
                label = calls.next_label()
                if label is not None:
                    calls.error(label, f"not a valid Python list of calls: "
                                       f"{text[start:start + 60]!r}")
                all_ok = False
            else:
                all_ok = self._take(tree.body, calls)
            content.append(text[pos:start] if all_ok else text[pos:end])
            pos = end

    def _list_end(self, text: str, start: int) -> tuple[int, str | None]:
        """The end of the bracketed expression at `text[start]`, reading at most
        `max_call_chars` with a regex scanner that knows Python strings and comments (so
        brackets inside them do not count). On failure: (where to resume, problem)."""
        limit = min(len(text), start + self.max_call_chars)
        depth = 0
        for tok in _PY_TOKEN_RE.finditer(text, start, limit):
            kind = tok.lastgroup
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth -= 1
                if depth == 0:
                    return tok.end(), None
            elif kind == "quote":
                if limit - start >= self.max_call_chars:
                    break  # most likely a string cut by the limit: report the limit
                return tok.end(), f"unterminated string near {text[tok.start():][:30]!r}"
        if limit - start >= self.max_call_chars:
            return limit, (f"the call list is longer than the limit of {self.max_call_chars} "
                           "characters, or unterminated")
        return limit, "the call list is not closed (a missing ] or ))"

    def _take(self, node: ast.expr, calls: _Collector) -> bool:
        """Add the calls of a list (or one call) node; False if any was malformed."""
        items = node.elts if isinstance(node, ast.List) else [node]
        all_ok = True
        for item in items:
            label = calls.next_label()
            if label is None:
                continue
            all_ok = self._take_one(item, label, calls) and all_ok
        return all_ok

    def _take_one(self, item: ast.expr, label: str, calls: _Collector) -> bool:
        if not isinstance(item, ast.Call):
            calls.error(label, f"not a call: {_unparse(item)!r}")
            return False
        name = _dotted_name(item.func)
        if name is None:
            calls.error(label, f"the function must be a name, got {_unparse(item.func)!r}")
            return False
        if item.args:
            calls.error(label, f"{name}: positional arguments are not supported; name "
                               "every argument (city=\"Paris\")")
            return False
        arguments: dict[str, Any] = {}
        try:
            for kw in item.keywords:
                if kw.arg is None:  # **{"from": 1}: names that are not Python identifiers
                    if not isinstance(kw.value, ast.Dict):
                        raise _ArgumentError("**kwargs is supported only as a dict literal, "
                                             'e.g. f(**{"from": "x"})')
                    pairs = _literal(kw.value).items()
                else:
                    try:
                        pairs = [(kw.arg, _literal(kw.value))]
                    except _ArgumentError as e:
                        raise _ArgumentError(f"argument {kw.arg!r}: {e}") from None
                for key, value in pairs:
                    if key in arguments:
                        raise _ArgumentError(f"argument {key!r} is given twice")
                    arguments[key] = value
        except (_ArgumentError, RecursionError) as e:
            problem = str(e) if isinstance(e, _ArgumentError) else "nested too deeply"
            calls.error(label, f"{name}: {problem}")
            return False
        return calls.add(label, name, arguments)

    def render(self, calls: Sequence[ToolCall], content: str = "") -> str:
        if not calls:
            return content.strip()
        parts = []
        for c in calls:
            if not _NAME_RE.fullmatch(c.name) or "-" in c.name:
                raise ValueError(f"pythonic calls need a (dotted) identifier, got {c.name!r}")
            args, others = [], {}
            for key, value in c.arguments.items():
                json.dumps(value, allow_nan=False)  # JSON values only (raises otherwise)
                if key.isidentifier() and key not in _PY_KEYWORDS:
                    args.append(f"{key}={value!r}")
                else:  # "from", "max-items": passed as **{"from": ...}
                    others[key] = value
            if others:
                args.append(f"**{others!r}")
            # "</" written "<\x2f" (same string) so "</think>" in an argument stays data
            parts.append(f"{c.name}({', '.join(args)})".replace("</", "<\\x2f"))
        return _join(content, f"[{', '.join(parts)}]")


_PY_KEYWORDS = frozenset(__import__("keyword").kwlist)


def _try_parse(source: str) -> ast.Expression | None:
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return None
    return tree if isinstance(tree, ast.Expression) else None


def _unparse(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # unparse of odd trees is best-effort, for the message only
        text = type(node).__name__
    return text if len(text) <= 60 else text[:60] + "..."


# ---- mistral --------------------------------------------------------------------------------

@register_tool_format("mistral")
class MistralFormat(ToolCallFormat):
    """`[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]` (Mistral v0.3 tokenizers,
    vLLM's mistral parser) and the newer per-call form `[TOOL_CALLS]name[ARGS]{...}`
    (optionally `name[CALL_ID]xyz[ARGS]{...}`; the id is replaced by ours). Text before the
    first `[TOOL_CALLS]` and after the calls is content. Renders the JSON-list form."""

    hint = 'write [TOOL_CALLS][{"name": "<tool>", "arguments": {...}}]'
    MARK, ARGS, CALL_ID = "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]"

    def _parse(self, text: str, calls: _Collector) -> str:
        content: list[str] = []
        pos = 0
        while True:
            start = text.find(self.MARK, pos)
            if start < 0:
                content.append(text[pos:])
                return "".join(content)
            content.append(text[pos:start])
            pos, all_ok = self._read(text, start + len(self.MARK), calls)
            if not all_ok:
                content.append(text[start:pos])  # malformed calls stay visible as text

    def _read(self, text: str, pos: int, calls: _Collector) -> tuple[int, bool]:
        """Read the calls after one [TOOL_CALLS] marker: (where content resumes, whether
        every call was well-formed)."""
        p = pos
        while p < len(text) and text[p].isspace():
            p += 1
        if text[p:p + 1] in ("[", "{"):
            value, end, problem = self.decode_prefix(text, p)
            if problem is not None:
                label = calls.next_label()
                if label is not None:
                    calls.error(label, problem)
                return self._resume(text, p), False
            all_ok = True
            for item in value if isinstance(value, list) else [value]:
                label = calls.next_label()
                if label is not None:
                    all_ok = calls.add_object(label, item) and all_ok
            return end, all_ok
        label = calls.next_label()
        match = _NAME_RE.match(text, p)
        args_at = match.end() if match else p
        if match and text.startswith(self.CALL_ID, args_at):
            id_end = text.find(self.ARGS, args_at, args_at + 200)
            args_at = id_end if id_end >= 0 else args_at
        if not match or not text.startswith(self.ARGS, args_at):
            if label is not None:
                calls.error(label, f"expected a JSON list or name[ARGS]{{...}} after "
                                   f"[TOOL_CALLS], got {text[p:p + 40]!r}")
            return self._resume(text, p), False
        value, end, problem = self.decode_prefix(text, args_at + len(self.ARGS))
        if problem is not None:
            if label is not None:
                calls.error(label, f"arguments of {match.group()!r}: {problem}")
            return self._resume(text, p), False
        if label is None:
            return end, True
        return end, calls.add(label, match.group(), value)

    def _resume(self, text: str, pos: int) -> int:
        """After a broken call: skip to the next marker (or the end)."""
        nxt = text.find(self.MARK, pos)
        return len(text) if nxt < 0 else nxt

    def render(self, calls: Sequence[ToolCall], content: str = "") -> str:
        if not calls:
            return content.strip()
        body = self.MARK + _dumps([_call_json(c) for c in calls])
        return f"{content.strip()}{body}" if content.strip() else body
