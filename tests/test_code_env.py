"""rlvr/Code-v0: the env contract, every reference solution, feedback, loaders, extraction."""

from __future__ import annotations

import gymnasium as gym
import pytest

import rlvr_envs  # noqa: F401  (registers the envs)
from rlvr_envs.core.checker import check_rlvr_env
from rlvr_envs.core.data import task_file
from rlvr_envs.core.sandbox import Sandbox, default_sandbox
from rlvr_envs.core.tasks import read_records
from rlvr_envs.envs.code import CodeEnv, extract_code, normalize_code_record, verify_code
from rlvr_envs.envs.code.families import ALL_FAMILIES, make_code_source
from rlvr_envs.envs.code.judge import values_match

FAST = {"time_limit_s": 3.0, "test_time_limit_s": 2.0}


def fenced(code: str) -> str:
    return f"Here it is.\n\n```python\n{code}\n```\n"


def test_check_rlvr_env() -> None:
    check_rlvr_env(gym.make("rlvr/Code-v0", **FAST), n_random=5)


@pytest.mark.parametrize("family", [f.name for f in ALL_FAMILIES])
def test_every_reference_earns_one_and_null_earns_zero(family: str) -> None:
    source = make_code_source(seed=3)
    for level in (1, 2, 3):
        for index in range(3):
            task = source.build(family, level, index)
            assert task["tests"] if task["style"] == "function" else task["io_tests"]
            verdict, _ = verify_code(task, fenced(task["reference"]), **FAST)
            assert verdict.passed and verdict.reward == 1.0, (task["id"], verdict.reason)
            null, _ = verify_code(task, fenced("pass"), **FAST)
            assert not null.passed and null.reward == 0.0


def test_generation_is_deterministic_and_levels_differ() -> None:
    a, b = make_code_source(seed=1), make_code_source(seed=1)
    for family in ALL_FAMILIES:
        assert a.build(family.name, 2, 5) == b.build(family.name, 2, 5)
        assert a.get(a.build(family.name, 3, 9)["id"]) == a.build(family.name, 3, 9)
    hidden = [len(a.build("arrays", lv, 0)["tests"]) for lv in (1, 2, 3)]
    assert hidden[0] < hidden[2]


def test_public_tests_are_in_the_prompt_hidden_are_not() -> None:
    task = make_code_source().build("strings", 1, 4)
    env = CodeEnv(**FAST)
    obs, info = env.reset(seed=0, options={"task_id": task["id"]})
    for t in task["public_tests"]:
        assert repr(t["expected"]) in obs
    assert "tests" not in info["task"] and "reference" not in info["task"]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_oracle_and_null_episodes(seed: int) -> None:
    env = gym.make("rlvr/Code-v0", **FAST)
    env.reset(seed=seed)
    _, reward, terminated, _, info = env.step(env.unwrapped.oracle_action())
    assert terminated and reward == 1.0 and info["verdict"]["passed"]
    assert info["verdict"]["reward_breakdown"] == {"tests_passed": 1.0}
    env.reset(seed=seed)
    _, reward, terminated, _, info = env.step("I would rather not.")
    assert terminated and reward == 0.0


def test_multi_turn_digest_then_fix() -> None:
    env = CodeEnv(max_attempts=3, **FAST)
    task = make_code_source().build("arrays", 1, 2)
    env.reset(options={"task_id": task["id"]})
    obs, reward, terminated, truncated, _ = env.step("I think I know.")
    assert "No code found" in obs and not terminated and reward == 0.0
    obs, *_ = env.step(fenced(f"def {task['entry_point']}(*args):\n    return 'nope'"))
    first = task["public_tests"][0]
    assert "Public test failed" in obs and repr(first["expected"]) in obs and "'nope'" in obs
    _, reward, terminated, _, info = env.step(env.oracle_action())
    assert terminated and reward == 0.25
    assert info["verdict"]["reward_breakdown"] == {"tests_passed": 1.0, "attempt_penalty": -0.75}


def test_digest_syntax_error_timeout_and_load_error() -> None:
    env = CodeEnv(max_attempts=4, time_limit_s=2.0, test_time_limit_s=0.5)
    task = make_code_source().build("number_theory", 1, 0)
    env.reset(options={"task_id": task["id"]})
    obs, *_ = env.step(fenced(f"def {task['entry_point']}(n):\n    return (n +\n"))
    assert "does not compile" in obs and "line" in obs
    obs, *_ = env.step(fenced(f"def {task['entry_point']}(*a):\n    while True: pass"))
    assert "Timeout" in obs or "Time limit" in obs
    obs, *_ = env.step(fenced("import no_such_module_xyz\ndef f(): pass"))
    assert "Loading your code failed" in obs and "no_such_module_xyz" in obs


def test_partial_reward_counts_hidden_tests() -> None:
    source = make_code_source()
    task = next(t for t in (source.build("number_theory", 1, i) for i in range(50))
                if t["variant"] in ("count_primes", "arithmetic_function"))   # n >= 1 or any n
    wrong_on_edges = fenced(task["reference"] + "\n_real = " + task["entry_point"] +
                            f"\ndef {task['entry_point']}(*a):\n"
                            "    return -1 if a[0] <= 1 else _real(*a)\n")
    strict, _ = verify_code(task, wrong_on_edges, **FAST)
    partial, _ = verify_code(task, wrong_on_edges, partial=True, **FAST)
    assert strict.reward == 0.0 and 0.0 < partial.reward < 1.0
    assert partial.reward_breakdown == {"tests_passed": partial.reward}
    # paid above what a stub passes on this task's tests (returning -1 always, say)
    fraction, floor = partial.details["tests_passed_fraction"], partial.details["stub_floor"]
    assert 0.0 < floor < fraction < 1.0
    assert partial.reward == pytest.approx((fraction - floor) / (1 - floor))


def test_infra_error_is_reported_not_scored() -> None:
    broken = Sandbox(workers=1, python="/nonexistent/python")
    try:
        task = make_code_source().build("arrays", 1, 0)
        verdict, _ = verify_code(task, fenced(task["reference"]), sandbox=broken)
        assert verdict.infra_error and not verdict.passed
        env = CodeEnv(sandbox=broken)
        env.reset(seed=0)
        *_, terminated, _, info = env.step(env.oracle_action())
        assert terminated and info["verdict"]["infra_error"]
    finally:
        broken.close()


@pytest.mark.parametrize("name", ["humaneval", "mbpp", "stdio", "native"])
def test_bundled_samples_reference_passes(name: str) -> None:
    env = CodeEnv(tasks=str(task_file("code", f"{name}.jsonl")), **FAST)
    for task in env.task_source.tasks:
        verdict, _ = verify_code(task, fenced(task["reference"]), **FAST)
        assert verdict.passed, (task["id"], verdict.reason)
        null, _ = verify_code(task, fenced("def nothing():\n    return None"), **FAST)
        assert null.reward == 0.0
        env.reset(options={"task_id": task["id"]})
        _, reward, *_ = env.step(env.oracle_action())
        assert reward == 1.0


def test_loader_formats_and_test_methods() -> None:
    records, _ = read_records(task_file("code", "humaneval.jsonl"))
    tasks = {t["id"]: t for t in map(normalize_code_record, records)}
    ok, _ = verify_code(tasks["HumanEval/0"], fenced(tasks["HumanEval/0"]["reference"]))
    weak, _ = verify_code(tasks["Sample/weak-1"], fenced(tasks["Sample/weak-1"]["reference"]))
    assert ok.details["test_method"] == "calls" and "weak_path" not in ok.details
    assert weak.details["test_method"] == "check" and "weak_path" in weak.details
    mbpp = normalize_code_record(read_records(task_file("code", "mbpp.jsonl"))[0][0])
    assert mbpp["entry_point"] == "remove_Occ" and mbpp["public_test"] in mbpp["prompt"]
    with pytest.raises(ValueError, match="pickled"):
        normalize_code_record({"question_content": "q", "public_test_cases": "eJzT0tACAA=="})
    with pytest.raises(ValueError, match="unknown checker"):
        normalize_code_record({"prompt": "p", "entry_point": "f", "checker": "anything",
                               "tests": [{"args": [], "expected": 1}]})
    with pytest.raises(ValueError, match="exactly one"):
        normalize_code_record({"prompt": "p", "entry_point": "f"})


def test_stdio_tolerance_and_checkers() -> None:
    records, _ = read_records(task_file("code", "stdio.jsonl"))
    avg, divisors = (normalize_code_record(r) for r in records[1:3])
    rounded = fenced("n = int(input())\nxs = list(map(int, input().split()))\n"
                     "print(f'{sum(xs) / n:.8f}')")
    assert verify_code(avg, rounded)[0].passed
    too_rough = fenced("n = int(input())\nxs = list(map(int, input().split()))\n"
                       "print(round(sum(xs) / n, 2))")
    assert not verify_code(avg, too_rough)[0].passed
    missing_one = fenced("n = int(input())\nprint(*[d for d in range(1, n) if n % d == 0], "
                         "sep='\\n')")
    assert not verify_code(divisors, missing_one)[0].passed


def test_values_match_is_type_strict() -> None:
    assert values_match([1, 2.0], [1, 2]) and not values_match((1, 2), [1, 2])
    assert not values_match(True, 1) and not values_match(1, True)
    assert values_match(0.1 + 0.2, 0.3, 1e-9) and not values_match(0.1 + 0.2, 0.3)
    assert values_match(float("nan"), float("nan")) and not values_match("1", 1)


def test_extract_code() -> None:
    assert extract_code("no code here") is None
    assert extract_code("```python\nx = 1\n```\nthen\n```python\ny = 2\n```") == "y = 2"
    text = "```python\ndef f():\n    return 1\n```\n```python\nprint(f())\n```"
    assert extract_code(text, "f") == "def f():\n    return 1"
    assert extract_code("```bash\nls\n```") is None
    assert extract_code("def f(x):\n    return x\n", "f") == "def f(x):\n    return x\n"
    assert extract_code("```python\ndef f(): pass") == "def f(): pass"   # unclosed fence


def test_natural_forms_of_a_correct_answer_pass() -> None:
    # top-of-file imports (typing too), a __main__ block that prints, debug prints in the
    # function, a class with a module-level alias: all still the right function
    task = make_code_source(seed=5).build("arrays", 2, 0)
    ref, entry = task["reference"], task["entry_point"]
    forms = [
        "import math\nimport sys\nfrom typing import List, Optional\n\n" + ref,
        ref + f"\n\nif __name__ == '__main__':\n    print({entry}(*{task['public_tests'][0]['args']!r}))\n",
        ref.replace(":\n", ":\n    print('debug: called')\n", 1),   # after the def line
        "class Solution:\n    @staticmethod\n" + "\n".join("    " + ln for ln in ref.splitlines())
        + f"\n\n{entry} = Solution.{entry}\n",
    ]
    for form in forms:
        verdict, _ = verify_code(task, f"```python\n{form}\n```")
        assert verdict.passed, (verdict.reason, form)
    stdio = make_code_source(seed=5).build("simulation", 1, 0)
    main = stdio["reference"].replace("import sys\nsys.stdout.write(", "import sys\n\n\ndef main():\n"
                                      "    sys.stdout.write(") + "\n\nif __name__ == '__main__':\n" \
        "    main()\n    exit(0)\n"
    assert verify_code(stdio, f"```python\n{main}\n```")[0].passed


def test_packages_are_allow_listed() -> None:
    pytest.importorskip("numpy")   # installed with torch; the allow-list needs a package
    record = {"prompt": "Sum the list.", "entry_point": "total",
              "tests": [{"args": [[1, 2, 3]], "expected": 6}]}
    answer = "```python\nimport numpy as np\ndef total(xs):\n    return int(np.sum(xs))\n```"
    plain = CodeEnv(tasks=[record])
    plain.reset(seed=0)
    _, reward, *_ = plain.step(answer)
    if default_sandbox().filesystem_isolated:   # as root (CI): numpy was not declared
        assert reward == 0.0
    for env in (CodeEnv(tasks=[record], packages=["numpy"]),
                CodeEnv(tasks=[{**record, "packages": ["numpy"]}])):
        env.reset(seed=0)
        assert env.step(answer)[1] == 1.0
    with pytest.raises(ValueError, match="top-level import names"):
        CodeEnv(tasks=[record], packages=["numpy>=1"])
