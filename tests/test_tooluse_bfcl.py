"""BFCL single-turn records: loading, strict type-aware matching, the env on BFCL tasks."""

from __future__ import annotations

import pytest

from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.data import task_file
from rlvr_envs.core.tool_formats import TOOL_FORMATS
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv, load_bfcl
from rlvr_envs.envs.tooluse.bfcl import bfcl_tool_schema, match_calls, value_matches


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    return load_bfcl(task_file("tooluse", "bfcl_sample.jsonl"),
                     task_file("tooluse", "bfcl_sample_answers.jsonl"))


def test_loader_joins_questions_and_answers(tasks: list[dict]) -> None:
    by_id = {t["id"]: t for t in tasks}
    assert len(tasks) == 7 and by_id["irrelevance_0"]["gold"]["ground_truth"] == []
    assert by_id["parallel_0"]["bfcl_category"] == "parallel"
    params = by_id["simple_1"]["tools"][0]["function"]["parameters"]
    assert params["type"] == "object" and params["properties"]["hours"]["type"] == "number"
    with pytest.raises(ValueError, match="no possible answer"):
        load_bfcl([{"id": "simple_9", "question": [[]], "function": []}], [])


def test_schema_conversion() -> None:
    schema = bfcl_tool_schema({"name": "f", "parameters": {"type": "dict", "properties": {
        "a": {"type": "tuple", "items": {"type": "float"}}, "b": {"type": "any"}}}})
    props = schema["function"]["parameters"]["properties"]
    assert props["a"] == {"type": "array", "items": {"type": "number"}} and props["b"] == {}


@pytest.mark.parametrize("value,expected,ok", [
    (10, 10, True), (10.0, 10, False), (10, 10.0, True), (True, 1, False), (1, True, False),
    ("2024-01-05", "2024-01-05", True), ("20240105", "2024-01-05", False),
    ("1.5", "15", False), ("Boston", "boston", False), ([1, 2], [1, 2], True),
    ([2, 1], [1, 2], False), ((1, 2), [1, 2], True), ({"k": 1}, {"k": [1]}, True),
    ({}, {"k": [1, ""]}, True), ({"k": 1, "x": 2}, {"k": [1]}, False), (None, None, True),
])
def test_value_matching_is_typed_and_exact(value, expected, ok) -> None:
    assert value_matches(value, expected) is ok


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
    check_rlvr_env(env, seeds=(0, 1), n_random=3)
