"""Tools: schemas derived from hints and docstrings, strict validation, safe execution."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlvr_envs.core.tools import (
    Tool,
    ToolCall,
    ToolError,
    ToolRegistry,
    make_call_id,
    parse_docstring,
    serialize_result,
    tool,
    validate_arguments,
)


@tool
def get_weather(city: str, units: Literal["celsius", "fahrenheit"] = "celsius",
                days: Optional[int] = None, tags: list[str] | None = None) -> dict:  # noqa: UP045
    """Current weather in a city.

    Reads the (fake) weather service.

    Args:
        city: The city's name,
            for example "Paris".
        units (str, optional): Temperature unit.
        days: How many days of forecast.

    Returns:
        A dict with the temperature.
    """
    return {"city": city, "temp": 21.5, "units": units}


def run(t: Tool, **arguments: Any) -> str:
    return t.run(ToolCall("c0001k000", t.name, arguments)).content


def test_schema_from_hints_and_docstring() -> None:
    schema = get_weather.openai_schema()
    assert schema["type"] == "function"
    fn = schema["function"]
    assert fn["name"] == "get_weather"
    assert fn["description"] == "Current weather in a city."
    params = fn["parameters"]
    assert params["required"] == ["city"] and params["additionalProperties"] is False
    assert params["properties"]["city"] == {
        "type": "string", "description": 'The city\'s name, for example "Paris".'}
    assert params["properties"]["units"] == {
        "type": "string", "enum": ["celsius", "fahrenheit"],
        "description": "Temperature unit.", "default": "celsius"}
    assert params["properties"]["days"]["type"] == ["integer", "null"]
    assert params["properties"]["tags"] == {"type": ["array", "null"],
                                            "items": {"type": "string"}, "default": None}
    json.dumps(schema)  # JSON all the way down


def test_more_annotations() -> None:
    def f(a: float, b: bool, c: dict[str, int], d: Literal[1, 2, None],
          e: Annotated[str, "an annotated note"], g: Any, h: list[list[float]],
          i: int | str, j: None) -> None:
        """Exercise every supported hint."""

    props = Tool(f).parameters["properties"]
    assert props["a"] == {"type": "number"} and props["b"] == {"type": "boolean"}
    assert props["c"] == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert props["d"] == {"type": ["integer", "null"], "enum": [1, 2, None]}
    assert props["e"] == {"type": "string", "description": "an annotated note"}
    assert props["g"] == {}
    assert props["h"] == {"type": "array", "items": {"type": "array",
                                                     "items": {"type": "number"}}}
    assert props["i"] == {"type": ["string", "integer"]}
    assert props["j"] == {"type": "null"}


def test_unsupported_signatures_say_what_to_do() -> None:
    def no_hint(x):  # type: ignore[no-untyped-def]
        return x

    def star(*args: int) -> None: ...

    def tup(x: tuple[int, int]) -> None: ...

    def keys(x: dict[int, str]) -> None: ...

    with pytest.raises(TypeError, match="add a type hint"):
        Tool(no_hint)
    with pytest.raises(TypeError, match="named parameters only"):
        Tool(star)
    with pytest.raises(TypeError, match="unsupported type"):
        Tool(tup)
    with pytest.raises(TypeError, match="dict keys must be str"):
        Tool(keys)
    with pytest.raises(ValueError, match="tool name"):
        Tool(get_weather.fn, name="bad name!")


def test_explicit_schema_and_options() -> None:
    def lookup(**kwargs: Any) -> str:
        return kwargs["q"]

    t = Tool(lookup, name="search", description="Search the index.",
             parameters={"type": "object", "properties": {"q": {"type": "string",
                                                                 "maxLength": 5}},
                         "required": ["q"]})
    assert t.openai_schema()["function"]["name"] == "search"
    assert run(t, q="abc") == "abc"
    assert run(t, q="abcdef") == ("error: search: argument 'q' is 6 characters long; "
                                  "the limit is 5")
    # the top level is strict even without additionalProperties
    assert run(t, q="a", x=1) == "error: search: unknown argument 'x'; expected arguments: q"


@pytest.mark.parametrize(("arguments", "message"), [
    ({"city": 5}, "argument 'city' must be a string, got integer 5"),
    ({"city": "5", "days": "5"}, "argument 'days' must be an integer or null, got string \"5\""),
    ({"city": "P", "days": True}, "argument 'days' must be an integer or null, got boolean true"),
    ({"city": "P", "days": 5.0}, "argument 'days' must be an integer or null, got number 5.0"),
    ({}, "missing required argument 'city'"),
    ({"city": "P", "ctiy": "P"}, "unknown argument 'ctiy'; expected arguments: city, units, "
                                 "days, tags"),
    ({"city": "P", "units": "kelvin"},
     "argument 'units' must be one of \"celsius\", \"fahrenheit\", got string \"kelvin\""),
    ({"city": "P", "tags": ["a", 1]}, "argument 'tags[1]' must be a string, got integer 1"),
    ({"city": "x" * 10_001}, "argument 'city' is 10001 characters long; the limit is 10000"),
])
def test_bad_calls_say_exactly_what_was_wrong(arguments: dict, message: str) -> None:
    assert run(get_weather, **arguments) == f"error: get_weather: {message}"


def test_validator_types_are_exact() -> None:
    schema = {"type": "object", "properties": {
        "n": {"type": "number"}, "i": {"type": "integer", "minimum": 0, "maximum": 9},
        "o": {"type": "object", "properties": {"k": {"type": "boolean"}}, "required": ["k"]},
        "any": {}}}
    assert validate_arguments(schema, {"n": 3, "i": 4}) == []  # int is a number
    assert validate_arguments(schema, {"n": True}) == [
        "argument 'n' must be a number, got boolean true"]
    assert validate_arguments(schema, {"n": float("nan")}) == [
        "argument 'n' must be a finite number, got nan"]
    assert validate_arguments(schema, {"i": 10}) == ["argument 'i' must be <= 9, got 10"]
    assert validate_arguments(schema, {"o": {}}) == ["missing required argument 'o.k'"]
    assert validate_arguments(schema, {"o": {"k": 1}}) == [
        "argument 'o.k' must be a boolean, got integer 1"]
    assert validate_arguments(schema, {"o": {"k": True, "z": 1}}) == [
        "unknown argument 'o.z'; expected arguments: k"]
    assert validate_arguments(schema, [1]) == ["arguments must be a JSON object, got array [1]"]
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    assert "nested deeper than 32 levels" in validate_arguments(schema, {"any": deep})[0]
    many = validate_arguments(schema, {f"x{i}": i for i in range(20)})
    assert len(many) == 6 and many[-1] == "and more problems not listed"


def test_tool_exceptions_become_observations() -> None:
    @tool
    def divide(a: int, b: int) -> float:
        """Divide a by b."""
        return a / b

    @tool
    def withdraw(amount: int) -> str:
        """Take money out."""
        raise ToolError(f"insufficient funds for {amount}")

    result = divide.run(ToolCall("c", "divide", {"a": 1, "b": 0}))
    assert result.status == "tool_error" and not result.ok and result.value is None
    assert result.content == "error: divide: ZeroDivisionError: division by zero"
    assert run(withdraw, amount=5) == "error: withdraw: insufficient funds for 5"
    ok = divide.run(ToolCall("c", "divide", {"a": 1, "b": 4}))
    assert (ok.status, ok.content, ok.value) == ("ok", "0.25", 0.25)
    assert ok.message() == {"role": "tool", "tool_call_id": "c", "name": "divide",
                            "content": "0.25"}


def test_results_are_serialized_and_capped() -> None:
    assert serialize_result("plain") == "plain"
    assert serialize_result({"a": [1, None, True]}) == '{"a": [1, null, true]}'
    assert serialize_result(None) == "null" and serialize_result(3) == "3"
    assert serialize_result({"é": object()}).startswith('{"é": "<object object')
    loop: list = []
    loop.append(loop)
    assert serialize_result(loop) == "[[...]]"
    capped = serialize_result("x" * 100, max_chars=10)
    assert capped == "x" * 10 + "... [truncated: 90 more characters]"
    big = Tool(lambda n: "y" * n, name="big",
               parameters={"type": "object", "properties": {"n": {"type": "integer"}}},
               max_result_chars=50)
    assert len(run(big, n=10**6)) < 100


def test_registry_runs_calls_and_reports_unknown_tools() -> None:
    registry = ToolRegistry([get_weather, Tool(lambda: "pong", name="ping")])
    assert registry.names == ["get_weather", "ping"] and "ping" in registry and len(registry) == 2
    assert [s["function"]["name"] for s in registry.schemas()] == ["get_weather", "ping"]
    result = registry.execute(ToolCall("c", "get_wether", {"city": "P"}))
    assert result.status == "unknown_tool"
    assert result.content == ("error: unknown tool 'get_wether'; available tools: "
                              "get_weather, ping")
    assert registry.execute(ToolCall("c", "ping", {})).content == "pong"
    with pytest.raises(ValueError, match="unique"):
        registry.add(get_weather)


def test_tool_methods_bind_to_their_instance() -> None:
    class Counter:
        def __init__(self) -> None:
            self.n = 0

        @tool
        def add(self, by: int = 1) -> int:
            """Add to the counter.

            Args:
                by: How much to add.
            """
            self.n += by
            return self.n

    a, b = Counter(), Counter()
    ra, rb = ToolRegistry.from_object(a), ToolRegistry.from_object(b)
    assert ra.schemas()[0]["function"]["parameters"]["properties"] == {
        "by": {"type": "integer", "description": "How much to add.", "default": 1}}
    assert ra.execute(ToolCall("c", "add", {"by": 2})).value == 2
    assert rb.execute(ToolCall("c", "add", {})).value == 1
    assert (a.n, b.n) == (2, 1)
    assert a.add(by=3) == 5  # still a plain method when called directly


def test_docstring_sections() -> None:
    description, params = parse_docstring("""Do a thing
    over two lines.

    Args:
        x (int): First.
        *rest: Ignored star.
        y: Second,
            continued.

    Raises:
        ValueError: never documented as a parameter.
    """)
    assert description == "Do a thing over two lines."
    assert params == {"x": "First.", "rest": "Ignored star.", "y": "Second, continued."}
    assert parse_docstring(None) == ("", {})


def test_call_ids_are_deterministic_and_mistral_compatible() -> None:
    assert make_call_id(3, 1) == "c0003k001"
    assert len(make_call_id(0, 0)) == 9 and make_call_id(12, 7).isalnum()
    call = ToolCall(make_call_id(1, 0), "f", {"s": "é"})
    assert call.to_openai() == {"id": "c0001k000", "type": "function",
                                "function": {"name": "f", "arguments": '{"s": "é"}'}}
    # "</" is escaped so a chat template pasting the arguments cannot close a block early
    closing = ToolCall("c", "f", {"s": "</tool_call>"}).to_openai()["function"]["arguments"]
    assert closing == '{"s": "<\\/tool_call>"}' and json.loads(closing) == {"s": "</tool_call>"}


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(arguments=st.one_of(json_values, st.dictionaries(
    st.sampled_from(["city", "units", "days", "tags", "x"]), json_values, max_size=5)))
def test_any_json_arguments_give_a_result_never_an_exception(arguments: Any) -> None:
    result = get_weather.run(ToolCall("c", "get_weather", arguments))
    assert result.status in ("ok", "invalid_arguments")
    assert result.ok or result.content.startswith("error: get_weather: ")
