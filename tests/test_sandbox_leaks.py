"""Nothing leaks: processes, zombies, temp files, fds or threads, after hundreds of runs."""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

from rlvr_envs.core.sandbox import Sandbox, SandboxLimits

UID_BASE = 63200   # our own uid range: other sandboxes on a shared machine do not count


def _bounded_worker(pid: str) -> bool:
    """Verifier workers (rlvr_envs.core.bounded) of earlier tests come and go on their own."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"rlvr_envs.core.bounded" in f.read()
    except OSError:
        return False


def snapshot() -> dict[str, object]:
    """Counts that must be the same before a sandbox is made and after it is closed."""
    me = os.getpid()
    children, sandbox_uid_procs = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            uid = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == me and not _bounded_worker(entry):
            children.append(int(entry))
        if UID_BASE <= uid < UID_BASE + 16:
            sandbox_uid_procs.append(int(entry))
    return {
        "children": sorted(children),
        "sandbox_uid_processes": sorted(sandbox_uid_procs),
        "tmp_entries": sorted(e for e in os.listdir(tempfile.gettempdir())
                              if e.startswith("rlvr-sandbox-")),
        "fds": len(os.listdir("/proc/self/fd")),
        "threads": threading.active_count(),
    }


SUBMISSIONS = [
    ("def f(x):\n    return x + 1\n", [([1], {})]),
    ("def f(x):\n    raise ValueError(x)\n", [([1], {})]),
    ("import os\nos._exit(3)\n", [([1], {})]),
    ("import os, time\ndef f(x):\n    if os.fork() == 0:\n        time.sleep(30)\n    return x\n",
     [([1], {})]),
    ("def f(x):\n    return open('out.txt', 'w').write('x' * x)\n", [([1000], {})]),
    ("def f(x):\n    while True:\n        pass\n", [([1], {})]),
]


def test_no_leaks_after_300_runs() -> None:
    before = snapshot()
    limits = SandboxLimits(wall_time_s=0.3, cpu_time_s=1)
    with Sandbox(workers=2, limits=limits, uid_base=UID_BASE) as sb:
        def one(i: int) -> bool:
            source, calls = SUBMISSIONS[i % len(SUBMISSIONS)]
            if i % len(SUBMISSIONS) == 5 and i > 60:
                source = SUBMISSIONS[0][0]   # keep the run short: only a few timeouts
            result = sb.call_functions(source, "f", calls)
            return result.infra_error is None

        with ThreadPoolExecutor(4) as pool:
            assert all(pool.map(one, range(300)))
        during = snapshot()
        # the zygote, nothing else (earlier tests may own children, e.g. verifier workers)
        assert len(set(during["children"]) - set(before["children"])) == 1, (before, during)
        assert not during["sandbox_uid_processes"]
    after = snapshot()
    # "Not more than before" (a process of an earlier test may still be exiting at `before`).
    assert set(after["children"]) <= set(before["children"]), (before, after)
    assert not after["sandbox_uid_processes"], after
    assert set(after["tmp_entries"]) <= set(before["tmp_entries"]), (before, after)
    assert after["fds"] <= before["fds"], (before, after)
    assert after["threads"] <= before["threads"], (before, after)
