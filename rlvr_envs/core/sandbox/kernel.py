"""Thin wrappers over the Linux calls the zygote and guests need (namespaces, mounts, prctl
through ctypes), fd helpers, and exposing the interpreter to the sandbox uids."""

from __future__ import annotations

import ctypes
import marshal
import os
import sys
from typing import Any

# --------------------------------------------------------------------------------------------
# Linux plumbing (ctypes: os.unshare only exists from Python 3.12)
# --------------------------------------------------------------------------------------------

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 1, 2, 4, 8, 32
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 1, 36, 38
_PR_SET_DUMPABLE = 4

_libc_handle: Any = None


def _libc() -> Any:
    global _libc_handle
    if _libc_handle is None:
        _libc_handle = ctypes.CDLL(None, use_errno=True)
    return _libc_handle


def _unshare(flags: int) -> int:
    """Return 0 on success, else the errno."""
    if not sys.platform.startswith("linux"):
        return 38
    return 0 if _libc().unshare(flags) == 0 else ctypes.get_errno()


def _setns(fd: int, nstype: int) -> int:
    return 0 if _libc().setns(fd, nstype) == 0 else ctypes.get_errno()


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> int:
    def enc(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    rc = _libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))
    return 0 if rc == 0 else ctypes.get_errno()


_MNT_DETACH = 2


def _umount_detach(target: str) -> int:
    """``umount2(target, MNT_DETACH)``: 0 or the errno (nothing mounted there: EINVAL)."""
    rc = _libc().umount2(target.encode(), _MNT_DETACH)
    return 0 if rc == 0 else ctypes.get_errno()


#: ``pivot_root`` has no libc wrapper everywhere: its syscall number per machine.
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "ppc64": 203,
                   "s390x": 217, "i686": 217, "armv7l": 218}


def _pivot_root(new_root: str, put_old: str) -> int:
    """``pivot_root(2)``: 0 or the errno (ENOSYS on a machine we do not know)."""
    number = _SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None or not sys.platform.startswith("linux"):
        return 38
    rc = _libc().syscall(ctypes.c_long(number), new_root.encode(), put_old.encode())
    return 0 if rc == 0 else ctypes.get_errno()


def _prctl(option: int, arg: int) -> int:
    if not sys.platform.startswith("linux"):
        return 38
    rc = _libc().prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0))
    return 0 if rc == 0 else ctypes.get_errno()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            raise EOFError("pipe closed early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_header(fd: int) -> Any:
    """The job's public part: an 8-byte big-endian length, then that much marshal data (from
    the judge, trusted). Whatever follows stays in the pipe (the check mode's secret part,
    read only by the test process)."""
    return marshal.loads(_read_exact(fd, int.from_bytes(_read_exact(fd, 8), "big")))


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        kids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                    if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                        kids.append(int(entry))
                except (OSError, ValueError, IndexError):
                    continue
        return kids


def _count_uid_processes(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count



def _interpreter_dirs() -> list[str]:
    dirs = {os.path.dirname(os.path.realpath(sys.executable))}
    dirs |= {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    return sorted(dirs)


_EXPOSE_PLAN: dict[str, set[str]] | None = None


def _expose_plan() -> dict[str, set[str]]:
    """For each directory an unprivileged uid cannot traverse on the way to the interpreter's
    directories (outermost first), the child entries it needs. Computed once per zygote."""
    global _EXPOSE_PLAN
    if _EXPOSE_PLAN is None:
        import stat

        needed: dict[str, set[str]] = {}
        for path in _interpreter_dirs():
            parts = path.strip("/").split("/")
            for depth in range(len(parts)):
                parent = "/" + "/".join(parts[:depth])
                if not os.stat(parent).st_mode & stat.S_IXOTH:
                    needed.setdefault(parent, set()).add(parts[depth])
                    break
        _EXPOSE_PLAN = {blocked: children for blocked, children in needed.items()
                        if not any(blocked.startswith(other + "/") for other in needed)}
    return _EXPOSE_PLAN


def _expose_interpreter(read_only: bool = False) -> None:
    """Make the interpreter's directories reachable for an unprivileged uid.

    Typical case: a pyenv Python under ``/root`` (mode 0700). In our private mount namespace
    the blocking directory is covered with an empty tmpfs (which also hides everything else
    in it) and only the needed child directories are bind-mounted back. ``read_only``: then
    remount the covering tmpfs read-only.
    """
    for blocked, children in _expose_plan().items():
        fds = {child: os.open(os.path.join(blocked, child), os.O_PATH) for child in children}
        try:
            if _mount("tmpfs", blocked, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755"):
                raise OSError(f"cannot cover {blocked} with a tmpfs")
            for child, fd in fds.items():
                target = os.path.join(blocked, child)
                os.mkdir(target, 0o755)
                if _mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND | _MS_REC):
                    raise OSError(f"cannot bind-mount {target}")
            if read_only and _mount(None, blocked, None,
                                    _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
                                    "size=1m,mode=755"):
                raise OSError(f"cannot make the tmpfs on {blocked} read-only")
        finally:
            for fd in fds.values():
                os.close(fd)
