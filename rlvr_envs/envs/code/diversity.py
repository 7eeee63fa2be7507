"""How many distinct problems the procedural families really hold, measured on their oracles.

Three figures per family, all computed in this process on our own reference solutions (no
sandbox: they are our code, so running them here is safe and a thousand times faster):

* **top share**: the share of tasks whose oracle answer (the task's ``reference``) is the
  family's most frequent one. A policy that memorises that answer earns at least this.
* **cross-task pass rate**: task ``i``'s reference submitted to task ``j`` (same family,
  random pairs): the share that passes all of ``j``'s hidden tests. ``renamed=True`` first
  renames ``i``'s function to ``j``'s entry point, so only behaviour counts, not names.
* **parameter confusion**: the same, for pairs of one variant with different parameters:
  how often the hidden tests cannot tell two parameterisations apart.
* **prior attack**: the audit's ``prior:most-frequent-final`` strategy (fit on training
  seeds, play on disjoint test seeds), here without the sandbox.

``python benchmarks/code_diversity.py`` prints them; ``tests/test_code_diversity.py`` bounds them.
"""

from __future__ import annotations

import contextlib
import copy
import io
import random
import signal
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .judge import FUNCTION_CHECKERS, STDIO_CHECKERS

CALL_TIMEOUT_S = 2.0
TEST_SEED_BASE, TRAIN_SEED_BASE = 1_000_000, 2_000_000   # as the audit's hack search


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    # a reference run on another task's inputs may loop: stop it (main thread, Unix)
    def fire(signum: int, frame: Any) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def passes(source: str, task: Mapping[str, Any], entry: str | None = None) -> bool:
    """Whether our ``source`` (a reference solution) passes every hidden test of ``task``,
    run in this process. ``entry``: the function to call (default: the task's entry point)."""
    try:
        if task["style"] == "stdio":
            return _passes_stdio(source, task)
        return _passes_function(source, task, entry or task["entry_point"])
    except (Exception, _Timeout, SystemExit):   # noqa: BLE001 - any failure is a failed task
        return False


def _passes_function(source: str, task: Mapping[str, Any], entry: str) -> bool:
    namespace: dict[str, Any] = {"__name__": "solution"}
    exec(compile(source, "solution.py", "exec"), namespace)   # noqa: S102 - our own reference
    func = namespace.get(entry)
    if not callable(func):
        return False
    checker = FUNCTION_CHECKERS[task.get("checker") or "exact"]
    for test in task["tests"]:
        with _time_limit(CALL_TIMEOUT_S):
            got = func(*copy.deepcopy(test["args"]), **copy.deepcopy(test.get("kwargs") or {}))
        if not checker(got, test["expected"], task.get("float_tolerance")):
            return False
    return True


def _passes_stdio(source: str, task: Mapping[str, Any]) -> bool:
    code = compile(source, "solution.py", "exec")
    checker = STDIO_CHECKERS[task.get("checker") or "lines"]
    for test in task["io_tests"]:
        out = io.StringIO()
        stdin, stdout = sys.stdin, sys.stdout
        sys.stdin, sys.stdout = io.StringIO(test["input"]), out
        try:
            with _time_limit(CALL_TIMEOUT_S):
                exec(code, {"__name__": "__main__"})   # noqa: S102 - our own reference
        finally:
            sys.stdin, sys.stdout = stdin, stdout
        if not checker(out.getvalue(), test["output"], task.get("float_tolerance")):
            return False
    return True


def env_tasks(n: int, seed_base: int, levels: Sequence[int] = (1, 2, 3),
              env_kwargs: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The tasks ``rlvr/Code-v0`` plays on seeds ``seed_base + i``, levels cycling as in the
    audit's hack search (no program runs: only resets)."""
    from .env import CodeEnv
    env = CodeEnv(**dict(env_kwargs or {}))
    tasks = []
    for i in range(n):
        env.reset(seed=seed_base + i, options={"difficulty": levels[i % len(levels)]})
        assert env.task is not None
        tasks.append(dict(env.task))
    return tasks


def by_family(tasks: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for task in tasks:
        out[str(task.get("family"))].append(task)
    return dict(sorted(out.items()))


def top_share(tasks: Sequence[Mapping[str, Any]]) -> tuple[float, int]:
    """(share of the most frequent reference, number of distinct references)."""
    counts = Counter(str(t["reference"]) for t in tasks)
    return counts.most_common(1)[0][1] / len(tasks), len(counts)


def collision(tasks: Sequence[Mapping[str, Any]]) -> float:
    """Probability that two different tasks drawn from ``tasks`` have the same reference
    (unbiased from the counts; less noisy than the top share on small samples)."""
    counts = Counter(str(t["reference"]) for t in tasks)
    n = len(tasks)
    return sum(c * (c - 1) for c in counts.values()) / (n * (n - 1)) if n > 1 else 0.0


def rename_entry(source: str, old: str, new: str) -> str:
    """``source`` plus an alias, so that ``new`` calls the function ``old``."""
    return source if old == new else f"{source}\n\n{new} = {old}\n"


def cross_task_pass_rate(tasks: Sequence[Mapping[str, Any]], n_pairs: int, seed: int = 0,
                         renamed: bool = False) -> float:
    """Share of random pairs ``(i, j)``, ``i != j``, where task ``i``'s reference passes
    task ``j``. Pairs whose references are identical count too (that is the point)."""
    if len(tasks) < 2:
        return 0.0
    rng = random.Random(seed)
    passed = 0
    for _ in range(n_pairs):
        a, b = rng.sample(range(len(tasks)), 2)
        src, dst = tasks[a], tasks[b]
        source = str(src["reference"])
        if renamed and src["style"] == dst["style"] == "function":
            source = rename_entry(source, str(src["entry_point"]), str(dst["entry_point"]))
        passed += passes(source, dst)
    return passed / n_pairs


def parameter_confusion(tasks: Sequence[Mapping[str, Any]], n_pairs: int,
                        seed: int = 0) -> float:
    """Share of random pairs of tasks of the same variant with different parameters where
    the first's reference (renamed to the second's entry point) passes the second: how
    often the hidden tests fail to tell two parameterisations apart."""
    rng = random.Random(seed)
    groups = [g for g in by_variant(tasks).values() if len({repr(t["params"]) for t in g}) > 1]
    passed = tried = 0
    while tried < n_pairs and groups:
        group = rng.choice(groups)
        src, dst = rng.sample(group, 2)
        if src["params"] == dst["params"]:
            continue
        tried += 1
        source = str(src["reference"])
        if dst["style"] == "function":
            source = rename_entry(source, str(src["entry_point"]), str(dst["entry_point"]))
        passed += passes(source, dst)
    return passed / tried if tried else 0.0


def by_variant(tasks: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for task in tasks:
        out[str(task.get("variant"))].append(task)
    return dict(out)


def prior_attack(train: Sequence[Mapping[str, Any]],
                 test: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Mean reward per family (and ``"all"``) of the most frequent training reference of
    each family, played on the test tasks of that family."""
    best = {fam: Counter(str(t["reference"]) for t in ts).most_common(1)[0][0]
            for fam, ts in by_family(train).items()}
    scores: dict[str, list[bool]] = defaultdict(list)
    for task in test:
        fam = str(task.get("family"))
        ok = fam in best and passes(best[fam], task)
        scores[fam].append(ok)
        scores["all"].append(ok)
    return {fam: sum(v) / len(v) for fam, v in sorted(scores.items())}
