"""rlvr/Ecommerce-v0: the contract, the gold solver, null/random agents, gates, determinism."""

from __future__ import annotations

import gymnasium as gym
import pytest

from rlvr_envs.core.audit import run_audit
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.tools import ToolCall
from rlvr_envs.envs.ecommerce.env import EcommerceEnv
from rlvr_envs.envs.ecommerce.goals import intent_done
from rlvr_envs.envs.ecommerce.store import build_store, get_store
from rlvr_envs.envs.ecommerce.tasks import LEVELS, TASK_TYPES

GRID = [(t, d, i) for t in TASK_TYPES for d in LEVELS for i in range(3)]


def play(env: EcommerceEnv, task_id: str, actions=None) -> tuple[float, dict]:
    env.reset(options={"task_id": task_id})
    info: dict = {}
    for k in range(env.max_turns):
        action = env.oracle_action() if actions is None else actions(env, k)
        *_, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return reward, info
    raise AssertionError("episode did not end at the turn limit")


def all_done(env: EcommerceEnv) -> bool:
    c = env.customer
    return all(intent_done(env.session, it, c.answers.get(n)) for n, it in enumerate(c.intents))


def test_store_is_big_and_cached() -> None:
    """Build speed is a benchmark (benchmarks/ecommerce.py), not a test: a loaded shared
    machine must not fail the suite."""
    store = build_store(12345)
    assert store.n_products >= 10_000 and len(store.customers) == 1000
    assert len({int(c) for c in store.category}) >= 20
    assert get_store(7) is get_store(7)
    assert store.product(0)["product_id"] == "P00000"


def test_rlvr_contract() -> None:
    check_rlvr_env(EcommerceEnv(), seeds=(0, 1, 2), n_random=8)


def test_registered() -> None:
    env = gym.make("rlvr_envs:rlvr/Ecommerce-v0", task_types=["policy"])
    obs, info = env.reset(seed=0)
    assert info["task"]["domain"] == "ecommerce" and info["tools"]


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_gold_solver_earns_full_reward_at_every_level(task_type: str) -> None:
    env = EcommerceEnv()
    for t, d, i in GRID:
        if t != task_type:
            continue
        reward, info = play(env, f"{t}/d{d}/0/{i}")
        assert reward == 1.0 and info["verdict"]["passed"], (t, d, i, info["verdict"])
        assert env.customer.satisfied and all_done(env)


@pytest.mark.parametrize("message", ["", "Hello! How can I help you today?",
                                     "The answer is 42. Task complete."])
def test_null_agents_earn_zero_and_the_customer_never_ends_early(message: str) -> None:
    env = EcommerceEnv()
    for t, d, i in GRID[::2]:
        reward, info = play(env, f"{t}/d{d}/0/{i}", lambda e, k: message)
        assert reward == 0.0 and not info["verdict"]["passed"], (t, d, i)


def test_random_agents_earn_zero() -> None:
    env = EcommerceEnv()
    env.action_space.seed(0)
    for t, d, i in GRID[::3]:
        reward, _ = play(env, f"{t}/d{d}/0/{i}", lambda e, k: e.action_space.sample())
        assert reward == 0.0, (t, d, i)


def test_customer_ends_only_after_the_writes() -> None:
    """Replay the gold plan without its write steps: the customer never says goodbye."""
    env = EcommerceEnv()
    writes = ("add_to_cart", "cancel_order", "return_items")
    for t, d, i in GRID:
        env.reset(options={"task_id": f"{t}/d{d}/0/{i}"})
        plan = [s for s in env.task["gold_actions"]
                if not any(c[0] in writes for c in s.get("calls", []))]
        if len(plan) == len(env.task["gold_actions"]):
            continue  # info-only task
        for k in range(env.max_turns):
            step = plan[k] if k < len(plan) else {"say": "Anything else?"}
            env_action = step["say"] if "say" in step else env.tool_format.render(
                [ToolCall("", n, a) for n, a in step["calls"]])
            *_, reward, terminated, truncated, info = env.step(env_action)
            if terminated or truncated:
                break
        assert not env.customer.satisfied and not all_done(env), (t, d, i)
        assert reward < 1.0 and not info["verdict"]["passed"], (t, d, i)


def test_same_seed_same_episode() -> None:
    def run(seed: int) -> list:
        env = EcommerceEnv()
        obs, info = env.reset(seed=seed)
        out = [obs, info["task"]["id"]]
        for _ in range(env.max_turns):
            obs, reward, term, trunc, info = env.step(env.oracle_action())
            out.append((obs, reward))
            if term or trunc:
                break
        return out
    assert run(5) == run(5)
    assert run(5) != run(6)


@pytest.mark.parametrize("fmt", ["pythonic", "openai_json", "mistral"])
def test_gold_solver_in_other_tool_formats(fmt: str) -> None:
    env = EcommerceEnv(tool_format=fmt)
    for t in TASK_TYPES:
        reward, info = play(env, f"{t}/d3/0/1")
        assert reward == 1.0, (fmt, t, info["verdict"])


def test_curriculum_is_keyed_by_task_type() -> None:
    env = EcommerceEnv(curriculum=True)
    for seed in range(12):
        env.reset(seed=seed)
        for _ in range(env.max_turns):
            *_, term, trunc, _ = env.step(env.oracle_action())
            if term or trunc:
                break
    keys = set(env.curriculum.state_dict()["frontier"])
    assert keys and keys <= set(TASK_TYPES) and "default" not in keys


def test_paraphrase_hook_keeps_the_episode_solvable() -> None:
    env = EcommerceEnv(paraphrase=lambda text: "Well... " + text)
    obs, _ = env.reset(options={"task_id": "returns/d4/0/0"})
    assert obs.startswith("Well... ")
    reward, _ = play(env, "returns/d4/0/0")
    assert reward == 1.0


def test_gates_end_the_episode_with_zero() -> None:
    env = EcommerceEnv()
    env.reset(options={"task_id": "returns/d1/0/0"})
    oid = env.task["intents"][0]["order_id"]
    pid = env.task["intents"][0]["requested"][0]
    env.step(env.oracle_action())  # identify
    call = env.tool_format.render([ToolCall("", "return_items",
                                            {"order_id": oid, "product_ids": [pid]})])
    *_, reward, terminated, _, info = env.step(call)
    assert terminated and reward == 0.0
    assert "consent" in info["verdict"]["reason"]
    env.reset(options={"task_id": "discovery/d1/0/0"})
    *_, reward, terminated, _, info = env.step("I added P00001 to your cart.")
    assert terminated and reward == 0.0 and "ids never shown" in info["verdict"]["reason"]


def test_audit_corpus_has_no_false_positives() -> None:
    report = run_audit("rlvr/Ecommerce-v0")
    assert report.total.n >= 200
    assert report.total.fp == 0, report.failures
    assert report.total.fn == 0, report.failures
