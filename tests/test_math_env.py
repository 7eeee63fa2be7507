"""rlvr/Math-v0 end to end: registration, the contract, attempts, user data, vector envs."""

import json
import subprocess
import sys

import datasets
import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlvr_envs
from rlvr_envs.core.checker import check_rlvr_env


def test_registered_and_makeable_with_and_without_import():
    assert "rlvr/Math-v0" in rlvr_envs.ENV_IDS
    env = gym.make("rlvr/Math-v0")
    obs, info = env.reset(seed=0)
    assert "\\boxed{}" in obs and info["task"]["domain"] == "math"
    code = ("import gymnasium as gym; e = gym.make('rlvr_envs:rlvr/Math-v0'); "
            "o, i = e.reset(seed=0); print(i['task']['id'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == info["task"]["id"]


def test_math_env_passes_the_checker():
    check_rlvr_env(gym.make("rlvr/Math-v0"), n_random=10)


def test_math_env_passes_the_checker_with_attempts():
    check_rlvr_env(gym.make("rlvr/Math-v0", max_attempts=3), n_random=5, hostile=())


def test_oracle_and_wrong_answers_on_every_family_and_level():
    env = gym.make("rlvr/Math-v0")
    source = env.unwrapped.task_source
    for family in sorted(source.families):
        for level in source.families[family].difficulties:
            for index in range(3):
                task_id = source.build(family, level, index)["id"]
                env.reset(options={"task_id": task_id})
                *_, reward, term, _, info = env.step(env.unwrapped.oracle_action())
                assert reward == 1.0 and term, (task_id, info["verdict"])
                env.reset(options={"task_id": task_id})
                *_, reward, _, _, info = env.step("I don't know.")
                assert reward == 0.0, task_id


def test_second_attempt_pays_less_and_feedback_does_not_leak_gold():
    env = gym.make("rlvr/Math-v0", max_attempts=2, tasks=[{"question": "6*7?", "answer": "42"}])
    env.reset(seed=0)
    obs, reward, term, trunc, info = env.step("\\boxed{41}")
    assert (reward, term, trunc) == (0.0, False, False)
    assert "42" not in obs and "1 more attempt" in obs
    assert info["messages"][-1] == {"role": "user", "content": obs}
    obs, reward, term, _, info = env.step("Let me redo it: \\boxed{42}")
    assert term and reward == 0.5
    assert info["verdict"]["reward_breakdown"] == {"correct": 1.0, "attempt_penalty": -0.5}


def test_hedged_and_missing_answers_get_format_feedback():
    env = gym.make("rlvr/Math-v0", max_attempts=3, tasks=[{"question": "q", "answer": "7"}])
    env.reset(seed=0)
    obs, *_ = env.step("\\boxed{7} or \\boxed{8}")
    assert "hedge" in obs.lower()
    obs, *_ = env.step("no idea")
    assert "boxed" in obs
    *_, reward, term, _, info = env.step("\\boxed{7}")
    assert term and reward == 0.25


def test_attempt_rewards_configurable_and_validated():
    env = gym.make("rlvr/Math-v0", max_attempts=2, attempt_rewards=[1.0, 1.0],
                   tasks=[{"question": "q", "answer": "3"}])
    env.reset(seed=0)
    env.step("\\boxed{2}")
    assert env.step("\\boxed{3}")[1] == 1.0
    with pytest.raises(ValueError, match="attempt_rewards"):
        gym.make("rlvr/Math-v0", max_attempts=3, attempt_rewards=[1.0])
    with pytest.raises(ValueError, match="max_attempts"):
        gym.make("rlvr/Math-v0", max_attempts=0)


def test_user_tasks_in_every_form(tmp_path):
    gsm = {"question": "Tom has 3 apples and buys 4,000 more. How many?",
           "answer": "3 + 4000 = 4003\n#### 4,003"}
    path = tmp_path / "gsm.jsonl"
    path.write_text(json.dumps(gsm) + "\n")
    for tasks in ([gsm], str(path), datasets.Dataset.from_list([gsm])):
        env = gym.make("rlvr/Math-v0", tasks=tasks)
        obs, info = env.reset(seed=1)
        assert "Tom has 3 apples" in obs and "4003" not in obs
        assert "answer" not in info["task"]
        *_, reward, _, _, _ = env.step("So he has \\boxed{4003} apples.")
        assert reward == 1.0


def test_curriculum_raises_difficulty():
    env = gym.make("rlvr/Math-v0", curriculum=rlvr_envs.AdaptiveCurriculum(
        [1, 2, 3], window=4, threshold=0.9))
    levels = []
    for seed in range(12):
        _, info = env.reset(seed=seed)
        levels.append(info["task"]["difficulty"])
        env.step(env.unwrapped.oracle_action())
    assert levels[:4] == [1, 1, 1, 1] and max(levels) == 3


def test_same_seed_same_episode():
    def run(seed):
        env = gym.make("rlvr/Math-v0", max_attempts=2)
        obs, info = env.reset(seed=seed)
        step = env.step("\\boxed{1}")
        return obs, info["task"], step[:4]
    assert run(11) == run(11)
    assert run(11)[1]["id"] != run(12)[1]["id"]


def test_make_vec_sync():
    envs = gym.make_vec("rlvr/Math-v0", num_envs=3, vectorization_mode="sync")
    obs, infos = envs.reset(seed=0)
    assert len(obs) == 3 and all(isinstance(o, str) for o in obs)
    obs, rewards, term, trunc, infos = envs.step(("\\boxed{1}",) * 3)
    assert rewards.shape == (3,) and term.all()
    envs.close()


def test_cli_audit_json_reports_rates_by_class():
    out = subprocess.run([sys.executable, "-m", "rlvr_envs.cli", "audit", "rlvr/Math-v0",
                          "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["false_positive_rate"] == 0.0 and report["false_negative_rate"] <= 0.01
    assert {"hedge", "hack", "interval"} <= set(report["by_class"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_env_takes_any_text(action):
    env = gym.make("rlvr/Math-v0")
    env.reset(seed=0)
    obs, reward, term, trunc, info = env.step(action)
    assert isinstance(obs, str) and reward in (0.0, 1.0) and (term or trunc)
    assert sum(info["verdict"]["reward_breakdown"].values()) == reward


def test_answer_perturbations_keep_the_oracle_reward():
    """The env's domain perturbations (for the audit's perturbation suite) are notations of
    the same gold: every one earns what the oracle earns, on every family."""
    env = gym.make("rlvr/Math-v0")
    seen = set()
    for seed in range(60):
        env.reset(seed=seed)
        u = env.unwrapped
        for cls, text in u.answer_perturbations(u.oracle_action()).items():
            if text is None:
                continue
            seen.add(cls)
            assert u.verify(text).passed, (cls, u.task["answer"], text)
    assert seen >= {"minerva", "inline_math", "gsm8k_hashes", "named_value", "mcq_text",
                    "dfrac", "left_right"}


def test_no_observation_quotes_the_gold_or_says_the_value_was_right():
    source_env = gym.make("rlvr/Math-v0", max_attempts=2)
    for seed in range(40):
        obs, info = source_env.reset(seed=seed)
        gold = source_env.unwrapped.task["answer"]
        observations = []
        for action in (r"\boxed{0}", r"\boxed{\frac{12345}{7}}"):
            obs, _, term, _, info = source_env.step(action)
            observations.append(obs)
            if term:
                break
        assert info["verdict"]["reason"]  # the reason (with the gold) stays for humans
        for obs in observations:
            assert f" is not {gold}" not in obs and "equal to the answer" not in obs
    # an answer with the right value in the wrong form gets plain "wrong answer" feedback
    env = gym.make("rlvr/Math-v0", max_attempts=2,
                   tasks=[{"question": "Evaluate $18 + 14 + 13$.", "answer": "45"}])
    env.reset(seed=0)
    obs, reward, *_ = env.step(r"\boxed{18 + 14 + 13}")
    assert reward == 0.0 and "wrong answer" in obs and "plain" not in obs


def test_math_hack_strategies_stay_at_chance():
    from rlvr_envs.core.hacks import run_hack_search, strategies_for

    env = gym.make("rlvr/Math-v0")
    ours = [s for s in strategies_for(env) if s.family in ("echo", "template", "universal")]
    names = {s.name for s in ours}
    assert {"echo:last-expression", "template:cramer", "template:two-point-line",
            "template:midpoint", "universal:random-answer"} <= names
    report = run_hack_search(lambda fmt: gym.make("rlvr/Math-v0"), ours, n_tasks=60,
                             env_id="rlvr/Math-v0")
    for result in report.results:
        assert result.mean_reward <= env.unwrapped.chance_level + 0.02, result.to_dict()
