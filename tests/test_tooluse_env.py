"""rlvr/ToolUse-v0: the contract, the gold solver in every format, null agents, robustness."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlvr_envs  # noqa: F401 - registers the envs
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.tool_formats import TOOL_FORMATS, get_tool_format
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.tooluse import ToolUseEnv
from rlvr_envs.envs.tooluse.tasks import CATEGORIES, LEVELS, make_tooluse_source

FORMATS = sorted(TOOL_FORMATS)


def play(env: ToolUseEnv, task_id: str, policy) -> tuple[float, dict]:
    env.reset(options={"task_id": task_id})
    for _ in range(env.max_turns):
        _, reward, terminated, truncated, info = env.step(policy(env))
        if terminated or truncated:
            return reward, info
    raise AssertionError("episode did not end")


def test_registered_and_contract_holds() -> None:
    check_rlvr_env(gym.make("rlvr/ToolUse-v0"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_contract_holds_in_every_format(fmt: str) -> None:
    check_rlvr_env(gym.make("rlvr/ToolUse-v0", tool_format=fmt), seeds=(0, 1), n_random=5)


def test_gold_solver_earns_one_on_every_category_and_level() -> None:
    env = ToolUseEnv()
    for category in CATEGORIES:
        for level in LEVELS:
            for index in range(4):
                task_id = f"{category}/d{level}/0/{index}"
                reward, info = play(env, task_id, lambda e: e.oracle_action())
                assert reward == 1.0 and info["verdict"]["passed"], (task_id, info["verdict"])


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "hermes"])
def test_gold_solver_earns_one_in_every_format(fmt: str) -> None:
    env = ToolUseEnv(tool_format=fmt)
    for category in CATEGORIES:
        for level in (1, 5):
            task_id = f"{category}/d{level}/7/0"
            reward, info = play(env, task_id, lambda e: e.oracle_action())
            assert reward == 1.0, (fmt, task_id, info["verdict"])


@pytest.mark.parametrize("null", ["", "I don't know.", "42"])
def test_null_agents_earn_nothing(null: str) -> None:
    env = ToolUseEnv()
    for category in CATEGORIES:
        for level in LEVELS:
            reward, info = play(env, f"{category}/d{level}/0/1", lambda e: null)
            assert reward == 0.0 and not info["verdict"]["passed"], (category, level)


def test_breakdown_names_the_components() -> None:
    env = ToolUseEnv()
    _, info = play(env, "chain/d3/0/0", lambda e: e.oracle_action())
    assert set(info["verdict"]["reward_breakdown"]) == {
        "state", "answer", "invalid_call_penalty", "extra_write_penalty",
        "excess_call_penalty", "late_call_penalty", "off_task_penalty", "hedge_penalty"}


def test_tasks_rebuild_from_their_id_and_hide_the_gold() -> None:
    source = make_tooluse_source(seed=3)
    task = source.get("multi_turn/d2/3/11")
    assert source.get(task["id"]) == task
    env = ToolUseEnv(task_seed=3)
    obs, info = env.reset(seed=5)
    assert set(info["task"]) <= {"id", "domain", "difficulty", "source", "family"}
    assert "gold" not in json.dumps(info["task"])
    assert [t["function"]["name"] for t in info["tools"]] == env.task["tools"]
    assert info["messages"][0]["role"] == "system" and "<tool_call>" in \
        info["messages"][0]["content"]


def test_a_task_record_plays_like_its_id() -> None:
    task = make_tooluse_source().get("chain/d3/0/4")
    env = ToolUseEnv(tasks=[{k: v for k, v in task.items() if k != "id"}])
    reward, info = play(env, "records/0", lambda e: e.oracle_action())
    assert reward == 1.0
    with pytest.raises(ValueError, match="needs 'world'"):
        ToolUseEnv(tasks=[{"question": "hi"}])


def test_same_seed_same_episode() -> None:
    def run() -> list:
        env = ToolUseEnv()
        obs, _ = env.reset(seed=11)
        out = [obs]
        for _ in range(3):
            out.append(env.step(env.oracle_action())[:4])
        return out
    assert run() == run()


def test_missing_info_question_gets_the_users_reply() -> None:
    env = ToolUseEnv()
    env.reset(options={"task_id": "missing_info/d1/0/0"})
    obs, reward, terminated, *_ = env.step(env.oracle_action())
    assert not terminated and reward == 0.0
    assert obs == env.task["gold"]["segments"][0]["reply"]


def test_multi_turn_follow_up_arrives_after_the_first_answer() -> None:
    env = ToolUseEnv()
    env.reset(options={"task_id": "multi_turn/d1/0/0"})
    seg1, seg2 = env.task["gold"]["segments"]
    for _ in seg1["steps"]:
        env.step(env.oracle_action())
    obs, _, terminated, _, info = env.step(env.oracle_action())
    assert obs == seg2["user"] and not terminated
    assert info["messages"][-1] == {"role": "user", "content": seg2["user"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_calls_are_answered_not_raised(fmt: str) -> None:
    env = ToolUseEnv(tool_format=fmt, max_action_chars=2_000_000)  # the parser sees 1 MB
    env.reset(options={"task_id": "long_tools/d3/0/0"})
    render = get_tool_format(fmt).render
    broken = {"hermes": "<tool_call>{not json</tool_call>", "openai_json": '{"name": "x", ',
              "pythonic": "[get_balance(1, 2)]", "mistral": "[TOOL_CALLS][{]"}[fmt]
    huge = "x" * 1_000_000
    for action in (broken,
                   render([ToolCall("", "no_such_tool", {})]),
                   render([ToolCall("", "get_balance", {"account_id": 5})]),
                   render([ToolCall("", "transfer", {"from_account": "a", "to_account": "b",
                                                     "amount": "lots"})]),
                   render([ToolCall("", "query_db", {"sql": "DROP TABLE employees"})]),
                   render([ToolCall("", "write_file", {"path": "/a", "content": huge})])):
        obs, reward, terminated, truncated, info = env.step(action)
        assert isinstance(obs, str) and "error" in obs and not terminated, (action[:80], obs)
    assert env.world is not None
    assert env.world.db.rows("SELECT count(*) FROM employees")[0][0] == 10


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.text(max_size=300),
    st.builds(lambda name, args: f'<tool_call>{{"name": "{name}", "arguments": {args}}}'
                                 "</tool_call>",
              st.sampled_from(["get_balance", "transfer", "query_db", "read_file",
                               "create_event", "nope"]),
              st.dictionaries(st.text(max_size=12),
                              st.one_of(st.integers(), st.floats(allow_nan=False),
                                        st.text(max_size=30), st.booleans(), st.none()),
                              max_size=4).map(json.dumps))), min_size=1, max_size=6),
       st.sampled_from(CATEGORIES))
def test_fuzzed_actions_never_raise_and_reward_stays_in_range(actions: list[str],
                                                               category: str) -> None:
    env = ToolUseEnv(max_turns=6)
    env.reset(options={"task_id": f"{category}/d3/0/2"})
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        assert 0.0 <= reward <= 1.0
        if terminated or truncated:
            breakdown = info["verdict"]["reward_breakdown"]
            assert abs(sum(breakdown.values()) - reward) < 1e-9
            break


def test_unknown_category_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown categories"):
        ToolUseEnv(categories=["nope"])
