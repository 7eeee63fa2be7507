"""rlvr/KGMultiHop-v0: the env contract in both modes, the gold solver, hedging, records."""

from __future__ import annotations

import gymnasium as gym
import pytest

import rlvr_envs  # noqa: F401  (registers the envs)
from rlvr_envs.core import ToolCall
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.envs.kg.env import KGMultiHopEnv


@pytest.mark.parametrize("mode", ["context", "search"])
def test_check_rlvr_env_passes(mode: str) -> None:
    check_rlvr_env(KGMultiHopEnv(mode=mode))


def test_check_rlvr_env_passes_with_level_lengths_and_curriculum() -> None:
    env = KGMultiHopEnv(context_tokens=None, curriculum=True)
    check_rlvr_env(env, n_random=3)
    assert env.curriculum is not None and env.curriculum.levels == [1, 2, 3, 4, 5]


def play(env: KGMultiHopEnv, seed: int, **options) -> tuple[float, dict]:
    env.reset(seed=seed, options=options or None)
    for _ in range(env.max_turns):
        _, reward, terminated, truncated, info = env.step(env.oracle_action())
        if terminated or truncated:
            return reward, info
    raise AssertionError("the oracle never finished")


@pytest.mark.parametrize("mode", ["context", "search"])
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_gold_solver_earns_full_reward(mode: str, level: int) -> None:
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.5)
    for seed in range(4):
        reward, info = play(env, seed, difficulty=level)
        assert reward == pytest.approx(1.0), info["verdict"]
        assert info["verdict"]["passed"]
        assert info["verdict"]["reward_breakdown"] == pytest.approx(
            {"outcome": 0.7, "evidence": 0.3})


def test_search_mode_gold_solver_uses_the_tools() -> None:
    env = KGMultiHopEnv(mode="search")
    env.reset(seed=5)
    _, _, _, _, info = env.step(env.oracle_action())
    assert info["tool_round"]["ok"] == info["tool_round"]["calls"] > 0
    assert [t["function"]["name"] for t in info["tools"]] == ["search", "open"]
    tool_messages = [m for m in info["messages"] if m["role"] == "tool"]
    assert any(env.task["evidence"][0] in m["content"] or "[D" in m["content"]
               for m in tool_messages)


@pytest.mark.parametrize("mode", ["context", "search"])
def test_hedging_earns_zero(mode: str) -> None:
    env = KGMultiHopEnv(mode=mode, unanswerable_rate=0.0)
    env.reset(seed=7)
    task = env.task
    other = next(n for chain in task["chain"] for n in chain if n != task["answer"])
    evidence = ", ".join(task["evidence"])
    for hedge in (f"Answer: {task['answer']} or {other}\nEvidence: {evidence}",
                  f"Answer: {other}\nAnswer: {task['answer']}\nEvidence: {evidence}",
                  f"Answer: {task['answer']}, {other}\nEvidence: {evidence}"):
        env.reset(seed=7)
        _, reward, terminated, _, info = env.step(hedge)
        assert terminated and reward == 0.0, hedge
        assert info["verdict"]["reason"].startswith("hedged")


def test_context_mode_shows_every_document_and_no_tools() -> None:
    env = KGMultiHopEnv()
    obs, info = env.reset(seed=1)
    assert info["tools"] == []
    assert f"[D{len(env.task['doc_entities'])}]" in obs
    assert env.task["question"] in obs
    assert "answer" not in info["task"] and "evidence" not in info["task"]


def test_same_task_id_rebuilds_the_same_episode() -> None:
    a, b = KGMultiHopEnv(), KGMultiHopEnv()
    obs_a, info_a = a.reset(seed=11)
    obs_b, _ = b.reset(seed=99, options={"task_id": info_a["task"]["id"]})
    assert obs_a == obs_b and a.task == b.task
    other_seed, _ = KGMultiHopEnv(task_seed=1).reset(seed=11)
    assert other_seed != obs_a


def test_multi_turn_context_mode_reminds_then_grades() -> None:
    env = KGMultiHopEnv(max_turns=3)
    env.reset(seed=2)
    obs, reward, terminated, truncated, _ = env.step("Let me think about it.")
    assert not terminated and not truncated and "Answer:" in obs and reward == 0.0
    _, reward, terminated, _, _ = env.step(env.oracle_action())
    assert terminated and reward == pytest.approx(1.0)


def test_search_tools_report_errors_without_raising() -> None:
    env = KGMultiHopEnv(mode="search")
    env.reset(seed=3)
    result = env.tools.execute(ToolCall("c1", "open", {"doc_id": "D99999"}))
    assert result.status == "tool_error" and "ids run from D1" in result.content
    result = env.tools.execute(ToolCall("c2", "search", {"query": "   "}))
    assert result.status == "tool_error"
    title = env._docs[0][1]
    hits = env.tools.execute(ToolCall("c3", "search", {"query": title})).content
    assert hits.splitlines()[0].startswith("[D1] ")


def test_record_task_with_its_own_documents() -> None:
    record = {"question": "Where was the founder of Qux Labs born?", "answer": "Brell",
              "answer_aliases": ["Old Brell"],
              "documents": [
                  {"id": "a", "title": "Qux Labs", "text": "Qux Labs was founded by Ima Zed."},
                  {"id": "b", "title": "Ima Zed", "text": "Ima Zed was born in Brell."},
                  {"id": "c", "title": "Brell", "text": "Brell is a city."}],
              "evidence": ["a", "b"]}
    for mode in ("context", "search"):
        env = KGMultiHopEnv(mode=mode)
        obs, _ = env.reset(options={"task": record})
        assert env.task["evidence"] == ["D1", "D2"]
        reward, info = play(env, 0, task=record)
        assert reward == pytest.approx(1.0), info["verdict"]
    env = KGMultiHopEnv(tasks=[record])
    env.reset(seed=0)
    _, reward, *_ = env.step("Answer: old brell\nEvidence: [D1], [D2]")
    assert reward == pytest.approx(1.0)


def test_unanswerable_record_names_its_missing_entity() -> None:
    record = {"question": "Where was the founder of Qux Labs born?", "answer": "Brell",
              "answerable": False, "missing": "Ima Zed", "missing_aliases": ["I. Zed"],
              "documents": [
                  {"id": "a", "title": "Qux Labs", "text": "Qux Labs was founded by Ima Zed."},
                  {"id": "c", "title": "Brell", "text": "Brell is a city."}],
              "evidence": ["a"]}
    env = KGMultiHopEnv(tasks=[record])
    for text, reward in (("Answer: unanswerable\nMissing: I. Zed\nEvidence: [D1]", 1.0),
                         ("Answer: unanswerable\nEvidence: [D1]", 0.0),
                         ("Answer: unanswerable\nMissing: Qux Labs\nEvidence: [D1]", 0.0)):
        env.reset(seed=0)
        assert env.step(text)[1] == pytest.approx(reward), text
    env.reset(seed=0)
    assert env.step(env.oracle_action())[1] == pytest.approx(1.0)


def test_gym_make_and_bad_kwargs() -> None:
    env = gym.make("rlvr/KGMultiHop-v0", mode="search", context_tokens=1024)
    obs, info = env.reset(seed=0)
    assert "search" in obs and info["tools"]
    with pytest.raises(ValueError, match="mode"):
        KGMultiHopEnv(mode="retrieval")
    with pytest.raises(ValueError, match="hops"):
        KGMultiHopEnv(hops=12)
    with pytest.raises(ValueError, match="template"):
        KGMultiHopEnv(template_weights={"bridge": 1.0})
