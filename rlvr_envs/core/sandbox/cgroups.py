"""One memory cgroup per worker slot, so that ``memory_mb`` bounds a whole run.

``RLIMIT_AS`` bounds one process's address space; a run can still hold more memory with many
processes, SysV shared memory or files in its tmpfs. A cgroup counts all of it (anonymous
memory of every process, tmpfs and shm pages, kernel memory charged to the run). The zygote
makes ``rlvr-sandbox-<its pid>/slot-<n>`` under its *own* cgroup (so whatever limits its
owner set still cover the guests), once per slot, and reuses it for every run of that slot:
a guest joins it before anything else (writing ``0`` to an inherited ``cgroup.procs`` fd,
about 20 us), and the zygote reads the slot's OOM-kill counter before and after a run to
report ``memory_exceeded``.

cgroup v2 is used when the zygote's cgroup lets it enable the ``memory`` controller for a
child (``memory.max``, ``memory.swap.max``, ``pids.max``); else the v1 ``memory``
hierarchy (``memory.limit_in_bytes``, ``memory.memsw.limit_in_bytes``). Neither writable
(no root, a container with a read-only ``/sys/fs/cgroup``): :func:`slot_cgroups` returns
``None`` with the reason, and the sandbox falls back to per-process limits (docs/sandbox.md).
"""

from __future__ import annotations

import os

_PREFIX = "rlvr-sandbox-"


def _own_cgroups() -> dict[str, str]:
    """``{"v2": dir}`` and/or ``{"v1": dir}``: the directory of our own cgroup in the
    unified hierarchy and in the v1 ``memory`` hierarchy, where those are mounted."""
    paths: dict[str, str] = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controllers == "":
                paths["v2"] = path
            elif "memory" in controllers.split(","):
                paths["v1"] = path
    dirs: dict[str, str] = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            root, mount_point, fstype, options = fields[3], fields[4], fields[sep + 1], \
                fields[sep + 3]
            if fstype == "cgroup2":
                key = "v2"
            elif fstype == "cgroup" and "memory" in options.split(","):
                key = "v1"
            else:
                continue
            path = paths.get(key)
            if path is None or key in dirs or not (path + "/").startswith(root.rstrip("/") + "/"):
                continue
            dirs[key] = os.path.join(mount_point, path[len(root.rstrip("/")):].lstrip("/"))
    return dirs


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _remove_stale(parent: str) -> None:
    """Directories of zygotes that died without cleaning up (SIGKILL), if empty."""
    try:
        entries = os.listdir(parent)
    except OSError:
        return
    for name in entries:
        if name.startswith(_PREFIX) and name[len(_PREFIX):].isdigit() and \
                not os.path.exists(f"/proc/{name[len(_PREFIX):]}"):
            _remove_tree(os.path.join(parent, name))


def _remove_tree(base: str) -> None:
    try:
        children = [e for e in os.listdir(base) if os.path.isdir(os.path.join(base, e))]
    except OSError:
        return
    for child in children:
        try:
            os.rmdir(os.path.join(base, child))
        except OSError:
            pass
    try:
        os.rmdir(base)
    except OSError:
        pass


class SlotCgroups:
    """The per-slot cgroups of one zygote (see the module docstring)."""

    def __init__(self, base: str, version: str) -> None:
        self.base, self.version = base, version
        self.procs: dict[int, int] = {}          # slot -> fd of its cgroup.procs
        self.events: dict[int, int] = {}         # slot -> fd of the file with oom_kill
        self.seen: dict[int, int] = {}           # slot -> oom_kill count after its last run
        self.limits: dict[int, tuple[int, int]] = {}

    def _make_slot(self, slot: int) -> None:
        path = os.path.join(self.base, f"slot-{slot}")
        os.makedirs(path, exist_ok=True)
        self.events[slot] = os.open(os.path.join(
            path, "memory.events" if self.version == "v2" else "memory.oom_control"),
            os.O_RDONLY)
        self.procs[slot] = os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY)
        self.seen[slot] = self.oom_kills(slot)

    def join_fd(self, slot: int, memory_bytes: int, processes: int) -> int:
        """The slot's ``cgroup.procs`` fd, with its limits set for this run."""
        if slot not in self.procs:
            self._make_slot(slot)
        if self.limits.get(slot) != (memory_bytes, processes):
            path = os.path.join(self.base, f"slot-{slot}")
            if self.version == "v2":
                _write(os.path.join(path, "memory.max"), str(memory_bytes))
                for name, value in (("memory.swap.max", "0"), ("pids.max", str(processes))):
                    if os.path.exists(os.path.join(path, name)):
                        _write(os.path.join(path, name), value)
            else:
                names = [os.path.join(path, "memory.limit_in_bytes"),
                         os.path.join(path, "memory.memsw.limit_in_bytes")]
                names = [n for n in names if os.path.exists(n)]
                # memsw (memory + swap) must stay >= the limit: lowering, the limit goes
                # first; raising, memsw does. One of the two orders is right.
                try:
                    for name in names:
                        _write(name, str(memory_bytes))
                except OSError:
                    for name in reversed(names):
                        _write(name, str(memory_bytes))
            self.limits[slot] = (memory_bytes, processes)
        return self.procs[slot]

    def oom_kills(self, slot: int) -> int:
        """How many processes the kernel has OOM-killed in the slot so far."""
        try:
            text = os.pread(self.events[slot], 4096, 0)
            start = text.index(b"oom_kill ") + 9
            return int(text[start:text.index(b"\n", start)])
        except (OSError, KeyError, ValueError):
            return 0

    def new_oom_kills(self, slot: int) -> bool:
        """Whether the slot had OOM kills since the last call (the slot's last run)."""
        count = self.oom_kills(slot)
        new, self.seen[slot] = count > self.seen.get(slot, 0), count
        return new

    def remove(self) -> None:
        """Close the fds and remove the directories (the runs must be over)."""
        for fd in [*self.procs.values(), *self.events.values()]:
            os.close(fd)
        self.procs.clear()
        self.events.clear()
        _remove_tree(self.base)


def slot_cgroups() -> tuple[SlotCgroups | None, str | None]:
    """Per-slot cgroups under our own cgroup, or ``(None, why not)``."""
    try:
        own = _own_cgroups()
    except (OSError, ValueError, IndexError) as exc:
        return None, f"cannot read /proc/self/cgroup: {exc}"
    reasons = []
    for version in ("v2", "v1"):
        parent = own.get(version)
        if parent is None:
            continue
        base = os.path.join(parent, f"{_PREFIX}{os.getpid()}")
        try:
            _remove_stale(parent)
            os.mkdir(base)
        except OSError as exc:
            reasons.append(f"{version}: cannot create {base}: {exc.strerror}")
            continue
        try:
            if version == "v2":
                available = _read(os.path.join(base, "cgroup.controllers")).split()
                if "memory" not in available:
                    raise OSError(0, "the memory controller is not delegated to "
                                     f"{parent} (cgroup.subtree_control)")
                wanted = " ".join(f"+{c}" for c in ("memory", "pids") if c in available)
                _write(os.path.join(base, "cgroup.subtree_control"), wanted)
            cgroups = SlotCgroups(base, version)
            cgroups._make_slot(0)   # fails here, not in a run, if we may not use it
            return cgroups, None
        except OSError as exc:
            reasons.append(f"{version}: {exc.strerror or exc}")
            _remove_tree(base)
    return None, "; ".join(reasons) or "no cgroup hierarchy with a memory controller"
