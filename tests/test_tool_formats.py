"""Tool-call formats: real model outputs, malformed and hostile input, fuzzing, round trips."""

from __future__ import annotations

import json
import keyword
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr_envs.core.tool_formats import (
    TOOL_FORMATS,
    HermesFormat,
    ParsedMessage,
    ToolCallFormat,
    get_tool_format,
    register_tool_format,
)
from rlvr_envs.core.tools import ToolCall, make_call_id

FORMATS = sorted(TOOL_FORMATS)
BUILTIN = ["hermes", "mistral", "openai_json", "pythonic"]


def calls_of(parsed: ParsedMessage) -> list[tuple[str, dict]]:
    return [(c.name, c.arguments) for c in parsed.calls]


def parse(fmt: str, text: str, turn: int = 1) -> ParsedMessage:
    return get_tool_format(fmt).parse(text, turn=turn)


# ---- what models write ------------------------------------------------------------------

def test_hermes_qwen_style_parallel_calls() -> None:
    text = ("I'll check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
            "{\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", "
            "\"arguments\": \"{\\\"tz\\\": \\\"CET\\\"}\"}\n</tool_call>")
    parsed = parse("hermes", text, turn=2)
    assert parsed.content == "I'll check both." and parsed.errors == []
    assert parsed.calls == [ToolCall("c0002k000", "get_weather", {"city": "Paris"}),
                            ToolCall("c0002k001", "get_time", {"tz": "CET"})]


def test_hermes_tolerates_what_generation_produces() -> None:
    # unclosed last block (generation stopped at the stop token), a ```json fence,
    # "parameters" instead of "arguments", no arguments at all
    assert calls_of(parse("hermes", '<tool_call>{"name": "f", "arguments": {"a": 1}}')) == [
        ("f", {"a": 1})]
    assert calls_of(parse("hermes", '<tool_call>\n```json\n{"name": "f", "arguments": {}}\n```\n'
                                    "</tool_call>")) == [("f", {})]
    assert calls_of(parse("hermes", '<tool_call>{"name": "f", "parameters": {"b": 2}}'
                                    "</tool_call>")) == [("f", {"b": 2})]
    assert calls_of(parse("hermes", '<tool_call>{"name": "ping"}</tool_call>')) == [("ping", {})]
    # a closing tag inside a string does not end the block, escaped or not
    text = '<tool_call>{"name": "say", "arguments": {"s": "a</tool_call>b"}}</tool_call>'
    assert calls_of(parse("hermes", text)) == [("say", {"s": "a</tool_call>b"})]


def test_calls_drafted_in_reasoning_are_not_made() -> None:
    text = ('<think>Maybe <tool_call>{"name": "delete_all", "arguments": {}}</tool_call>? '
            'No.</think>\n<tool_call>{"name": "get", "arguments": {"k": "a"}}</tool_call>')
    parsed = parse("hermes", text)
    assert calls_of(parsed) == [("get", {"k": "a"})]
    assert parsed.content.startswith("<think>Maybe <tool_call>")  # reasoning stays content


def test_openai_json_shapes() -> None:
    assert calls_of(parse("openai_json", '{"name": "f", "arguments": {"x": 1}}')) == [
        ("f", {"x": 1})]
    assert calls_of(parse("openai_json", '[{"name": "f", "arguments": {}}, '
                                         '{"name": "g", "arguments": {"y": [1]}}]')) == [
        ("f", {}), ("g", {"y": [1]})]
    text = ('{"tool_calls": [{"id": "x", "type": "function", "function": '
            '{"name": "f", "arguments": "{\\"q\\": \\"a b\\"}"}}]}')
    assert calls_of(parse("openai_json", text)) == [("f", {"q": "a b"})]
    fenced = parse("openai_json", 'Looking it up.\n```json\n{"name": "f", "arguments": {}}\n```')
    assert (fenced.content, calls_of(fenced)) == ("Looking it up.", [("f", {})])
    # JSON that is not call-shaped is an answer, not a call
    answer = parse("openai_json", '{"answer": 4}')
    assert (answer.content, answer.calls, answer.errors) == ('{"answer": 4}', [], [])
    assert parse("openai_json", "[1, 2, 3]").calls == []
    assert parse("openai_json", "```python\nprint(1)\n```").content == "```python\nprint(1)\n```"


def test_pythonic_shapes() -> None:
    text = '[get_weather(city="Paris", days=3), math.factorial(n=5), ping()]'
    assert calls_of(parse("pythonic", text)) == [
        ("get_weather", {"city": "Paris", "days": 3}), ("math.factorial", {"n": 5}), ("ping", {})]
    assert calls_of(parse("pythonic", 'f(flag=true, none=null, t=(1, 2), neg=-2.5e3)')) == [
        ("f", {"flag": True, "none": None, "t": [1, 2], "neg": -2500.0})]
    mixed = parse("pythonic", "Let me look.\n[f(q='a]b)c')]\nThen answer.")
    assert calls_of(mixed) == [("f", {"q": "a]b)c"})]
    assert mixed.content == "Let me look.\n\nThen answer."
    named = parse("pythonic", '[f(x=1, **{"from": "a", "max-n": 2})]')
    assert calls_of(named) == [("f", {"x": 1, "from": "a", "max-n": 2})]
    rendered = get_tool_format("pythonic").render([ToolCall("", "f", {"from": "a", "x": 1})])
    assert rendered == "[f(x=1, **{'from': 'a'})]" and calls_of(parse("pythonic", rendered)) \
        == [("f", {"x": 1, "from": "a"})]
    assert parse("pythonic", "[1, 2, 3]").calls == []  # a plain list is an answer
    assert parse("pythonic", "The answer is [4].").content == "The answer is [4]."


@pytest.mark.parametrize(("text", "problem"), [
    ('[f("Paris")]', "positional arguments are not supported"),
    ("[f(x=__import__('os').system('echo pwned'))]", "only literal values"),
    ("[f(x=open('/etc/passwd').read())]", "only literal values"),
    ("[f(x=1, **kw)]", "**kwargs is supported only as a dict literal"),
    ("[f(x=1, **{'x': 2})]", "argument 'x' is given twice"),
    ("[f(x={1, 2})]", "set values cannot be tool arguments"),
    ("[f(x=b'raw')]", "bytes values cannot be tool arguments"),
    ("[f(x=1e999)]", "float values cannot be tool arguments"),
    ("[f(x={1: 'a'})]", "dict keys must be strings"),
    ("[f(x=1), 42]", "not a call"),
    ("[f(x=1)", "not closed"),
    ("[f(x=[i for i in y])]", "only literal values"),
])
def test_pythonic_rejects_non_literals_without_evaluating(text: str, problem: str) -> None:
    parsed = parse("pythonic", text)
    assert any(problem in e for e in parsed.errors), parsed.errors
    assert all(c.name == "f" and c.arguments == {"x": 1} for c in parsed.calls)


def test_mistral_shapes() -> None:
    old = 'Sure.[TOOL_CALLS] [{"name": "f", "arguments": {"a": 1}}, {"name": "g", "arguments": {}}]'
    parsed = parse("mistral", old)
    assert (parsed.content, calls_of(parsed)) == ("Sure.", [("f", {"a": 1}), ("g", {})])
    new = '[TOOL_CALLS]f[ARGS]{"a": 1}[TOOL_CALLS]g[CALL_ID]ab12cd34e[ARGS]{"b": "x"}'
    assert calls_of(parse("mistral", new)) == [("f", {"a": 1}), ("g", {"b": "x"})]
    assert [c.id for c in parse("mistral", new, turn=7).calls] == ["c0007k000", "c0007k001"]


# ---- malformed and hostile input ------------------------------------------------------------

MALFORMED = {
    "hermes": ['<tool_call>{"name": "f", "arguments": {"a": }</tool_call>',
               '<tool_call>{"name": 3, "arguments": {}}</tool_call>',
               '<tool_call>{"name": "f", "arguments": [1, 2]}</tool_call>',
               '<tool_call>{"name": "f", "arguments": "{not json"}</tool_call>',
               '<tool_call>{"name": "f", "arguments": {"x": NaN}}</tool_call>',
               '<tool_call>{"name": "f", "arguments": {"x": 1, "x": 2}}</tool_call>',
               '<tool_call>{"arguments": {}}</tool_call>',
               '<tool_call>"just a string"</tool_call>',
               '<tool_call>{"name": "f"} trailing</tool_call>'],
    "openai_json": ['{"name": "f", "arguments": {"a": }',
                    '{"name": "f", "arguments": 5}',
                    '{"tool_calls": "f"}',
                    '[{"name": "f", "arguments": {}}, {"nom": "g"}]',
                    '```json\n{"name": "f", "arguments": {\n```'],
    "pythonic": ['[f(a=)]', '[f(a=1, a=2)]', '[(lambda: 1)()]', '[f(a=1)(b=2)]'],
    "mistral": ["[TOOL_CALLS][{]", "[TOOL_CALLS]f[ARGS]{bad}", "[TOOL_CALLS]f{}",
                '[TOOL_CALLS][{"name": "f", "arguments": "x"}]', "[TOOL_CALLS]"],
}


@pytest.mark.parametrize(("fmt", "text"), [(f, t) for f, ts in MALFORMED.items() for t in ts])
def test_malformed_calls_become_errors_and_stay_visible(fmt: str, text: str) -> None:
    parsed = parse(fmt, text)
    assert parsed.errors and parsed.has_tool_calls, parsed
    for error in parsed.errors:
        assert error.startswith("error: tool call") and "internal" not in error
    assert parsed.content  # the broken text stays in the content, for the agent to see
    assert all(c.name == "f" for c in parsed.calls)


def big_call(fmt: str, chars: int) -> str:
    return get_tool_format(fmt).render([ToolCall("", "f", {"s": "x" * chars})])


@pytest.mark.parametrize("fmt", BUILTIN)
def test_a_one_megabyte_argument_is_rejected_quickly(fmt: str) -> None:
    text = big_call(fmt, 1_000_000)
    start = time.perf_counter()
    parsed = parse(fmt, text)
    assert time.perf_counter() - start < 0.5
    assert parsed.calls == [] and parsed.errors
    assert any("limit" in e and "65536" in e for e in parsed.errors), parsed.errors


@pytest.mark.parametrize("fmt", BUILTIN)
def test_nesting_bombs_are_bounded(fmt: str) -> None:
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    parsed = parse(fmt, get_tool_format(fmt).render([ToolCall("", "f", {"x": deep})]))
    assert parsed.calls == [] and "nest" in parsed.errors[0], parsed.errors
    bombs = {"hermes": '<tool_call>{"name": "f", "arguments": ' + "[" * 60_000,
             "openai_json": '{"name": "f", "arguments": {"x": ' + "[" * 60_000,
             "pythonic": "[f(x=" + "[" * 60_000 + "])]",
             "mistral": "[TOOL_CALLS]" + "[" * 60_000}
    start = time.perf_counter()
    parsed = parse(fmt, bombs[fmt])
    assert time.perf_counter() - start < 1.0
    assert parsed.calls == [] and parsed.errors


@pytest.mark.parametrize("fmt", BUILTIN)
def test_binary_junk_and_limits(fmt: str) -> None:
    junk = bytes(range(256)).decode("latin-1") * 50 + "\ud800\x00"
    for text in (junk, "<tool_call>" + junk, "[TOOL_CALLS]" + junk, "[f(" + junk, "{" * 10_000):
        parse(fmt, text)  # no exception is the point
    fmt_obj = get_tool_format(fmt)
    many = fmt_obj.render([ToolCall("", "f", {"i": i}) for i in range(100)])
    parsed = fmt_obj.parse(many)
    assert len(parsed.calls) == 64
    assert parsed.errors == ["error: only the first 64 tool calls of a message are read; "
                             "36 more were ignored"]
    small = get_tool_format(fmt, max_message_chars=100)
    parsed = small.parse("a" * 50 + fmt_obj.render([ToolCall("", "f", {"s": "y" * 200})]))
    assert parsed.calls == [] and "only the first 100 were searched" in parsed.errors[0]


def test_format_registry() -> None:
    assert {"hermes", "openai_json", "pythonic", "mistral"} <= set(TOOL_FORMATS)
    assert isinstance(get_tool_format(None), HermesFormat)
    with pytest.raises(ValueError, match="unknown tool_format 'xml'.*choose one of"):
        get_tool_format("xml")

    @register_tool_format("test_lines")
    class LinesFormat(ToolCallFormat):
        """`CALL name {json}` lines: a format added in three methods."""

        hint = "write CALL <tool> {json arguments}"

        def _parse(self, text: str, calls: Any) -> str:
            kept = []
            for line in text.splitlines():
                if line.startswith("CALL "):
                    name, _, args = line[5:].partition(" ")
                    label = calls.next_label()
                    if label is not None:
                        calls.add(label, name, args or "{}")
                else:
                    kept.append(line)
            return "\n".join(kept)

        def render(self, calls: Any, content: str = "") -> str:
            lines = [f"CALL {c.name} {json.dumps(c.arguments)}" for c in calls]
            return "\n".join([content, *lines]) if content else "\n".join(lines)

    try:
        parsed = get_tool_format("test_lines").parse('hi\nCALL f {"a": 1}\nCALL g {bad')
        assert calls_of(parsed) == [("f", {"a": 1})] and parsed.content == "hi"
        assert "arguments of 'g': invalid JSON" in parsed.errors[0]
        assert parsed.errors[0].endswith("write CALL <tool> {json arguments}")
        with pytest.raises(ValueError, match="already registered"):
            register_tool_format("test_lines")(LinesFormat)
    finally:
        del TOOL_FORMATS["test_lines"]


# ---- fuzzing --------------------------------------------------------------------------------

MARKERS = ["<tool_call>", "</tool_call>", "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "```json\n",
           "```", '{"name": "f", "arguments": ', "{", "}", "[", "]", "[f(", "x=", ")", '"',
           "'", "\\", "</think>", "\n", "NaN", "1e999", "true", "null"]
hostile_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(MARKERS)),
                        max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=500), hostile_text), turn=st.integers(0, 10**6))
def test_parsers_never_raise_and_finish_fast(text: str, turn: int) -> None:
    for fmt in FORMATS:
        start = time.perf_counter()
        parsed = get_tool_format(fmt).parse(text, turn=turn)
        assert time.perf_counter() - start < 0.5
        assert isinstance(parsed.content, str)
        assert all(isinstance(c.arguments, dict) and isinstance(c.name, str)
                   for c in parsed.calls)
        assert not any("internal parser error" in e for e in parsed.errors), parsed.errors
        json.dumps([c.to_openai() for c in parsed.calls])  # every call is JSON-able


identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True).filter(
    lambda s: not keyword.iskeyword(s))
tool_names = st.one_of(identifiers, st.tuples(identifiers, identifiers).map(".".join))
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(['say "hi"', "it's", "a\nb", "</tool_call>", "[TOOL_CALLS]", "[ARGS]",
                     "```", "\\", "</think>", "é中😀\x00", "[f(x=1)]"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
generated_calls = st.lists(st.tuples(tool_names, st.dictionaries(identifiers, json_values,
                                                                   max_size=4)),
                           min_size=1, max_size=5)


def canonical(calls: list[ToolCall]) -> list[str]:
    """Strict equality: 1, 1.0 and True differ; so do -0.0 and 0.0."""
    return [json.dumps([c.id, c.name, c.arguments], sort_keys=True) for c in calls]


@pytest.mark.parametrize("fmt", BUILTIN)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=generated_calls, turn=st.integers(0, 9999),
       content=st.sampled_from(["", "Let me check.", "Calling two tools now:\n"]))
def test_render_then_parse_round_trips(fmt: str, raw: list, turn: int, content: str) -> None:
    calls = [ToolCall(make_call_id(turn, k), name, args) for k, (name, args) in enumerate(raw)]
    f = get_tool_format(fmt)
    parsed = f.parse(f.render(calls, content), turn=turn)
    assert parsed.errors == []
    assert canonical(parsed.calls) == canonical(calls)
    assert parsed.content == content.strip()
