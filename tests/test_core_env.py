"""The base env's contract on a small multi-turn env: turns, limits, bad input, info."""

import random

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr_envs.core import AdaptiveCurriculum, MultiTurnTextEnv, ProceduralSource, Turn, Verdict
from rlvr_envs.core.checker import ContractError, check_rlvr_env


class Secret:
    name = "secret"
    difficulties = (1, 2, 3)

    def generate(self, rng: random.Random, difficulty: int) -> dict:
        return {"question": f"Guess my number in 1..{10 ** difficulty}",
                "answer": rng.randint(1, 10**difficulty)}


class GuessEnv(MultiTurnTextEnv):
    """Guess a number; the env says higher/lower. Reward 1 when found."""

    domain = "guess"
    default_max_turns = 4
    default_system_prompt = "Play the guessing game."

    def make_task_source(self, seed):
        return ProceduralSource([Secret()], seed=seed, domain=self.domain)

    def initial_observation(self, task):
        return task["question"]

    def respond(self, action):
        try:
            guess = int(action.strip())
        except ValueError:
            return Turn("Please answer with a number.")
        if guess == self.task["answer"]:
            return Turn("Found it.", terminated=True, verdict=Verdict.success())
        return Turn("Higher." if guess < self.task["answer"] else "Lower.")

    def oracle_action(self):
        return str(self.task["answer"])


def test_multi_turn_messages_and_turn_limit():
    env = GuessEnv(difficulty=3)
    obs, info = env.reset(seed=1)
    assert obs.startswith("Guess my number")
    assert [m["role"] for m in info["messages"]] == ["system", "user"]
    assert info["tools"] == [] and info["task"]["difficulty"] == 3
    answer = env.task["answer"]
    wrong = str(answer + 1)
    for turn in range(1, 4):
        obs, reward, term, trunc, info = env.step(wrong)
        assert (obs, reward, term, trunc) == ("Lower.", 0.0, False, False)
        assert info["turn"] == turn and "verdict" not in info
    obs, reward, term, trunc, info = env.step(wrong)
    assert trunc and not term and reward == 0.0
    assert "turn limit" in info["verdict"]["reason"]
    roles = [m["role"] for m in info["messages"]]
    assert roles == ["system", "user"] + ["assistant", "user"] * 3 + ["assistant"]
    # stepping a finished episode answers without raising
    obs, reward, term, _, _ = env.step("1")
    assert term and reward == 0.0 and "reset" in obs


def test_oracle_wins_and_curriculum_hears_about_it():
    cur = AdaptiveCurriculum([1, 2, 3], window=2)
    env = GuessEnv(curriculum=cur)
    for seed in range(2):
        env.reset(seed=seed)
        *_, info = env.step(env.oracle_action())
        assert info["verdict"]["passed"]
    assert cur.frontier() == 2


def test_oversized_and_non_text_actions_are_answered():
    env = GuessEnv(max_action_chars=10)
    env.reset(seed=0)
    obs, reward, term, trunc, info = env.step("1" * 11)
    assert "limit is 10" in obs and not term and reward == 0.0
    assert len(info["messages"][-2]["content"]) == 10  # stored cut to the limit
    for action in (b"\xff\xfe", None, 12, ["x"]):
        obs, *_ = env.step(action)
        assert isinstance(obs, str)


def test_reset_options_pick_tasks():
    env = GuessEnv()
    _, info = env.reset(seed=0, options={"difficulty": 2})
    tid = info["task"]["id"]
    assert info["task"]["difficulty"] == 2
    _, info2 = env.reset(options={"task_id": tid})
    assert info2["task"]["id"] == tid
    _, info3 = env.reset(options={"task": {"question": "q", "answer": 5}})
    assert info3["task"]["source"] == "user" and env.task["answer"] == 5
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"level": 1})
    with pytest.raises(KeyError):
        env.reset(options={"task_id": "nope"})


def test_step_before_reset_is_a_clear_error():
    with pytest.raises(gym.error.ResetNeeded):
        GuessEnv().step("1")


def test_render_modes():
    env = GuessEnv(render_mode="ansi")
    env.reset(seed=0)
    env.step("5")
    assert "[assistant] 5" in env.render()
    with pytest.raises(ValueError, match="render_mode"):
        GuessEnv(render_mode="rgb_array")


def test_guess_env_passes_the_checker():
    check_rlvr_env(GuessEnv(), actions=("5", "50", "500"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=300), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_any_text_any_seed_never_raises_and_is_deterministic(actions, seed):
    def run():
        env = GuessEnv()
        out = [env.reset(seed=seed)[0]]
        for a in actions:
            obs, r, term, trunc, info = env.step(a)
            out.append((obs, r, term, trunc))
            if term or trunc:
                assert sum(info["verdict"]["reward_breakdown"].values()) == r
                break
        return out
    assert run() == run()


class LeakyEnv(GuessEnv):
    def initial_observation(self, task):
        self.task["answer_visible"] = 1
        return task["question"]

    def _info(self):
        info = super()._info()
        info["task"]["answer"] = self.task["answer"]
        return info


class RandomEnv(GuessEnv):
    def initial_observation(self, task):
        return f"{task['question']} {random.random()}"


class BadBreakdownEnv(GuessEnv):
    def respond(self, action):
        turn = super().respond(action)
        if turn.verdict:
            turn.verdict = Verdict(True, 1.0, "x", {"a": 0.5, "b": 0.5})
            turn.reward = 2.0
        return turn

    def step(self, action):
        obs, r, term, trunc, info = super().step(action)
        return obs, (r * 2 if term else r), term, trunc, info


class CrashyEnv(GuessEnv):
    def respond(self, action):
        if "{" in action:
            raise RecursionError("parser blew up")
        return super().respond(action)


@pytest.mark.parametrize("env_cls, message", [
    (LeakyEnv, "leaks the answer"),
    (RandomEnv, "differ"),
    (BadBreakdownEnv, "reward_breakdown"),
    (CrashyEnv, "raised RecursionError"),
])
def test_checker_catches_broken_envs(env_cls, message):
    with pytest.raises(ContractError, match=message):
        check_rlvr_env(env_cls(), actions=("5",), gym_check=False)


class Doubles(Secret):
    name = "doubles"


class PerFamilyGuessEnv(GuessEnv):
    curriculum_per_family = True

    def make_task_source(self, seed):
        return ProceduralSource([Secret(), Doubles()], seed=seed, domain=self.domain)


def test_curriculum_per_family_keeps_one_frontier_per_family():
    cur = AdaptiveCurriculum([1, 2, 3], window=2)
    env = PerFamilyGuessEnv(curriculum=cur)
    for seed in range(12):
        env.reset(seed=seed)
        env.step(env.oracle_action() if env.task["family"] == "secret" else "0")
    assert cur.frontier("secret") == 3 and cur.frontier("doubles") == 1
