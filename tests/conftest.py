"""Session-wide guard: the test session must leave no sandboxed process and no sandbox
scratch directory behind (the sandbox's own leak tests check single runs; this checks
everything the whole suite did, envs and hack batteries included)."""

from __future__ import annotations

import os
import tempfile
import time

import pytest

SANDBOX_UIDS = range(61000, 61000 + 64 * 512)   # every uid block a Sandbox may claim


def _sandbox_processes() -> list[int]:
    """Live processes under the sandbox uids. Zombies already handed to PID 1 are not
    counted: they hold no resources, and this VM's PID 1 does not reap orphans (they come
    from the test that SIGKILLs the sandbox's zygote mid-run)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid not in SANDBOX_UIDS:
                    continue
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if not (fields[0] == "Z" and fields[1] == "1"):
                pids.append(int(entry))
    return pids


def _scratch_dirs() -> set[str]:
    return {e for e in os.listdir(tempfile.gettempdir()) if e.startswith("rlvr-sandbox-")}


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    dirs_before = _scratch_dirs()
    yield
    from rlvr_envs.core import sandbox

    if sandbox._default is not None:  # the shared sandbox is closed at exit; close it now
        sandbox._default.close()
    left = _sandbox_processes()
    deadline = time.monotonic() + 10  # runs being torn down right now get a moment to exit
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _sandbox_processes()
    assert not left, f"sandboxed processes outlived the test session: {left}"
    new_dirs = _scratch_dirs() - dirs_before
    assert not new_dirs, f"sandbox scratch dirs left in /tmp: {new_dirs}"
