"""BFCL single-turn records: loading, checks against the definitions, matching, the env."""

from __future__ import annotations

import warnings

import pytest

from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.data import task_file
from rlvr_envs.core.tool_formats import TOOL_FORMATS, get_tool_format
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv, load_bfcl
from rlvr_envs.envs.tooluse.bfcl import bfcl_tool_schema, normalize_bfcl
from rlvr_envs.envs.tooluse.bfcl_match import canonical, match_calls, score_bfcl, value_matches


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    return load_bfcl(task_file("tooluse", "bfcl_sample.jsonl"),
                     task_file("tooluse", "bfcl_sample_answers.jsonl"))


def by_id(tasks: list[dict]) -> dict[str, dict]:
    return {t["id"]: t for t in tasks}


def record(rid: str, params: dict, truth: list, required: tuple = ()) -> dict:
    return {"id": rid, "question": [[{"role": "user", "content": "Do it."}]],
            "function": [{"name": "f", "description": "F.", "parameters": {
                "type": "dict", "properties": params, "required": list(required)}}],
            "ground_truth": truth}


def test_loader_joins_questions_and_answers(tasks: list[dict]) -> None:
    t = by_id(tasks)
    assert len(tasks) == 12 and tasks.skipped == {} and t["irrelevance_0"]["gold"] == {
        "ground_truth": []}
    assert t["parallel_0"]["bfcl_category"] == "parallel"
    assert t["simple_1"]["tools"][0]["function"]["parameters"]["properties"]["hours"][
        "type"] == "number"
    with pytest.raises(ValueError, match="no possible answer"):
        load_bfcl([{"id": "simple_9", "question": [[]], "function": []}], [])
    with pytest.raises(ValueError, match="not supported"):
        load_bfcl([{"id": "multi_turn_base_0", "question": [[], []], "function": []}])


def test_java_and_javascript_types_become_json_types(tasks: list[dict]) -> None:
    t = by_id(tasks)
    java = t["simple_java_0"]["tools"][0]["function"]["parameters"]["properties"]
    assert (java["key"]["type"], java["ttl"]["type"], java["tags"], java["options"]["type"]) \
        == ("string", "integer", {"type": "array", "description": "Tags.",
                                  "items": {"type": "string"}}, "object")
    js = t["simple_javascript_0"]["tools"][0]["function"]["parameters"]["properties"]
    assert "type" not in js["fn"] and js["leading"]["type"] == "boolean"
    schema = bfcl_tool_schema({"name": "f", "parameters": {"type": "dict", "properties": {
        "a": {"type": "tuple", "items": {"type": "float"}}, "b": {"type": "any"}}}})
    props = schema["function"]["parameters"]["properties"]
    assert props["a"] == {"type": "array", "items": {"type": "number"}} and props["b"] == {}


def test_records_no_valid_call_can_satisfy_are_counted_and_skipped() -> None:
    bad = [
        record("simple_90", {"a": {"type": "integer"}}, [{"f": {"a": [1], "color": ["red"]}}]),
        record("simple_91", {"a": {"type": "integer"}}, [{"f": {}}], required=("a",)),
        record("simple_92", {"a": {"type": "array", "items": {"type": "string"}}},
               [{"f": {"a": ["myList"]}}]),
        record("simple_93", {"a": {"type": "integer"}}, [{"g": {"a": [1]}}]),
        record("simple_94", {"a": {"type": "quaternion"}}, [{"f": {"a": [1]}}]),
        record("simple_95", {"a": {"type": "string", "enum": ["x", "y"]}}, [{"f": {"a": ["z"]}}]),
    ]
    good = record("simple_96", {"a": {"type": "integer"}}, [{"f": {"a": [1]}}])
    questions = [{k: v for k, v in r.items() if k != "ground_truth"} for r in [*bad, good]]
    answers = [{"id": r["id"], "ground_truth": r["ground_truth"]} for r in [*bad, good]]
    with pytest.warns(UserWarning, match="1 BFCL tasks loaded, 6 skipped"):
        loaded = load_bfcl(questions, answers)
    assert [t["id"] for t in loaded] == ["simple_96"]
    assert loaded.skipped == {
        "answer key requires an undefined argument": ["simple_90"],
        "required argument not allowed by the answer key": ["simple_91"],
        "no acceptable value fits the definition": ["simple_92", "simple_95"],
        "undefined function in the answer key": ["simple_93"],
        "definition": ["simple_94"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kept = load_bfcl(questions, answers, skip_invalid=False)
    assert len(kept) == 7 and all(t["problems"] for t in kept[:6])
    with pytest.raises(ValueError, match="undefined argument"):
        normalize_bfcl(bad[0])


@pytest.mark.parametrize("variant,expected,ok", [
    ("boston, ma", "Boston, MA", True), ("  Boston, MA.", "Boston, MA", True),
    ("Boston,MA", "Boston, MA", True), ("boston ma", "Boston, MA", True),
    ("New\u00a0York", "New York", True), ("NewYork", "New York", True),
    ("April 1,2024", "April 1, 2024", True), ("april 1 2024", "April 1, 2024", True),
    ("2024/01/05", "2024-01-05", True), ("2024 01 05", "2024-01-05", True),
    ("It's", 'It"s', True),
    ("20240105", "2024-01-05", False), ("15", "1.5", False), ("1,5", "1.5", False),
    ("5", "-5", False), ("\u22125", "-5", True), ("1000", "1,000", False),
    ("34.05, 118.24", "34.05, -118.24", False), ("34.05,-118.24", "34.05, -118.24", True),
    ("2*10", "2^10", False), ("Boston", "Austin", False), ("14:30", "1430", False),
])
def test_bfcl_string_semantics(variant: str, expected: str, ok: bool) -> None:
    assert value_matches(variant, expected) is ok
    if ok and variant.isascii():  # never more lenient than BFCL's own standardize_string
        assert canonical(variant, "bfcl_lenient") == canonical(expected, "bfcl_lenient")


def test_enum_members_that_differ_in_case_stay_different() -> None:
    task = normalize_bfcl(record("simple_98", {"g": {"type": "string", "enum": ["AA", "Aa", "aa"]},
                                               "u": {"type": "string", "enum": ["kg", "lb"]}},
                                 [{"f": {"g": ["AA"], "u": ["kg"]}}], required=("g", "u")))
    for g, u, ok in (("AA", "kg", True), (" AA.", "KG", True), ("aa", "kg", False),
                     ("Aa", "kg", False)):
        assert score_bfcl(task, [ToolCall("", "f", {"g": g, "u": u})], []).passed is ok, (g, u)


def test_string_match_options() -> None:
    assert not value_matches("boston", "Boston", "exact")
    assert value_matches("Boston", "Boston", "exact")
    assert value_matches("15", "1.5", "bfcl_lenient") and value_matches("5", "-5", "bfcl_lenient")


@pytest.mark.parametrize("value,expected,ok", [
    (10, 10, True), (10.0, 10, False), (10, 10.0, True), (True, 1, False), (1, True, False),
    ([1, 2], [1, 2], True), ([2, 1], [1, 2], False), ((1, 2), [1, 2], True),
    ({"k": 1}, {"k": [1]}, True), ({}, {"k": [1, ""]}, True), ({"k": 1, "x": 2}, {"k": [1]}, False),
    (None, None, True),
])
def test_value_matching_is_typed(value, expected, ok) -> None:
    assert value_matches(value, expected) is ok
    assert value_matches(10.0, 10, number=True)  # a float parameter: 10.0 is 10


def test_call_matching_rules() -> None:
    truth = [{"f": {"a": [1], "b": ["", "x"]}}, {"g": {"c": [True]}}]
    assert match_calls([ToolCall("", "g", {"c": True}), ToolCall("", "f", {"a": 1})],
                       truth) is None
    assert "expected" in match_calls([ToolCall("", "f", {"a": 1})], truth)
    assert match_calls([ToolCall("", "f", {"a": 1, "b": ""}), ToolCall("", "g", {"c": True})],
                       truth) is not None  # "" only marks "may be omitted"
    assert match_calls([ToolCall("", "f", {"a": 1}), ToolCall("", "f", {"a": 1})],
                       truth) is not None
    assert match_calls([], []) is None


def test_calls_that_break_the_definition_are_never_rewarded() -> None:
    # the key allows leaving out a required argument and passing an undefined one
    loose = normalize_bfcl(record("simple_97", {"a": {"type": "integer"},
                                                "unit": {"type": "string",
                                                         "enum": ["cm", "in"]}},
                                  [{"f": {"a": [1], "unit": ["", "cm"], "color": ["", "red"]}}],
                                  required=("a", "unit")))
    assert score_bfcl(loose, [ToolCall("", "f", {"a": 1, "unit": "cm"})], []).reward == 1.0
    assert score_bfcl(loose, [ToolCall("", "f", {"a": 1, "unit": "CM"})], []).reward == 1.0
    for args in ({"a": 1}, {"a": 1, "unit": "cm", "color": "red"}, {"a": 1.5, "unit": "cm"},
                 {"a": 1, "unit": "mm"}):
        verdict = score_bfcl(loose, [ToolCall("", "f", args)], [])
        assert verdict.reward == 0.0 and "definition" in verdict.reason, args


def test_live_relevance_takes_any_valid_call(tasks: list[dict]) -> None:
    task = by_id(tasks)["live_relevance_0-0-0"]
    assert score_bfcl(task, [ToolCall("", "generate_image", {"prompt": "a cat"})], []).passed
    assert not score_bfcl(task, [], []).passed
    assert not score_bfcl(task, [ToolCall("", "generate_image", {"size": "512x512"})],
                          []).passed
    assert not score_bfcl(task, [ToolCall("", "draw", {"prompt": "a cat"})], []).passed


@pytest.mark.parametrize("fmt", sorted(TOOL_FORMATS))
def test_gold_calls_pass_in_every_format(tasks: list[dict], fmt: str) -> None:
    env = ToolUseEnv(tasks=tasks, tool_format=fmt)
    for task in tasks:
        env.reset(options={"task_id": task["id"]})
        _, reward, terminated, _, info = env.step(env.oracle_action())
        assert terminated and reward == 1.0, (task["id"], info["verdict"])
        if task["gold"]["ground_truth"]:
            env.reset(options={"task_id": task["id"]})
            _, reward, *_ = env.step("<tool_call>{broken</tool_call> [TOOL_CALLS][{]")
            assert reward == 0.0
    env.reset(options={"task_id": "simple_3"})  # a list of dicts is sent as dicts
    parsed = get_tool_format(fmt).parse(env.oracle_action())
    assert parsed.calls[0].arguments["items"] == [{"sku": "A1", "qty": 2},
                                                  {"sku": "B2", "qty": 1}]
    check_rlvr_env(env, seeds=(0, 1), n_random=3)


def test_chance_level_of_a_bfcl_mix(tasks: list[dict]) -> None:
    env = ToolUseEnv(tasks=tasks)
    assert env.chance_level == pytest.approx(1 / 12)  # one irrelevance, one relevance record
