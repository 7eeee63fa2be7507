"""A small seccomp filter for guests: no kernel keyrings and no user namespaces.

Why these two. A kernel keyring is kernel state that outlives the processes that wrote it
(the per-uid user keyring lives as long as the uid has keys), so a run could leave data for a
later run of the same slot uid: hidden test inputs, or what a learner found out about a task.
A user namespace gives an unprivileged process ``CAP_SYS_ADMIN`` over mounts it then creates,
so a guest could mount a tmpfs of its own that no limit of ours covers. Nothing a correct
program needs does either. Everything else the kernel allows an unprivileged process stays
allowed (the rest of the isolation comes from namespaces, uids and limits).

The filter is classic BPF, installed once on the zygote itself (which needs neither), so
every guest, its forks and the commands it executes inherit it at no cost per run:

* ``add_key``, ``keyctl``, ``request_key``: ``EPERM``;
* ``unshare`` and ``clone`` with ``CLONE_NEWUSER`` in their flags: ``EPERM``;
* ``clone3``: ``ENOSYS``, because its flags sit in memory a filter cannot read; glibc then
  falls back to ``clone`` (what container runtimes do);
* any system call of another ABI (32-bit ``int 0x80`` on x86-64, x32): the process is killed,
  since the numbers above would not match there.

Only x86-64 and aarch64 are known; elsewhere :func:`guest_filter` returns ``None`` and the
sandbox reports the filter as missing.
"""

from __future__ import annotations

import ctypes
import os
import struct
from typing import Any

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_RET_ALLOW, _RET_ERRNO, _RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
_EPERM, _ENOSYS = 1, 38
_CLONE_NEWUSER = 0x10000000
# classic BPF opcodes
_LD_ABS_W, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
# offsets in struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}; args[0]'s low word
# comes first on these little-endian machines
_NR, _ARCH, _ARG0_LOW = 0, 4, 16

#: Per machine: audit arch, syscall numbers, and the first number of a foreign ABI sharing
#: the arch value (x32 on x86-64) or None.
_ABIS: dict[str, dict[str, Any]] = {
    "x86_64": {"arch": 0xC000003E, "foreign_from": 0x40000000,
               "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
               "clone": 56, "clone3": 435},
    "aarch64": {"arch": 0xC00000B7, "foreign_from": None,
                "add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97,
                "clone": 220, "clone3": 435},
}


def _program(abi: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions; jumps are resolved from labels."""
    code: list[tuple[Any, ...]] = [
        (_LD_ABS_W, 0, 0, _ARCH),
        (_JEQ_K, 0, "kill", abi["arch"]),
        (_LD_ABS_W, 0, 0, _NR),
    ]
    if abi["foreign_from"] is not None:
        code.append((_JGE_K, "kill", 0, abi["foreign_from"]))
    for name in ("add_key", "request_key", "keyctl"):
        code.append((_JEQ_K, "eperm", 0, abi[name]))
    code += [
        (_JEQ_K, "enosys", 0, abi["clone3"]),
        (_JEQ_K, "flags", 0, abi["unshare"]),
        (_JEQ_K, "flags", 0, abi["clone"]),
        (_RET_K, 0, 0, _RET_ALLOW),
        "flags",
        (_LD_ABS_W, 0, 0, _ARG0_LOW),
        (_JSET_K, "eperm", 0, _CLONE_NEWUSER),
        (_RET_K, 0, 0, _RET_ALLOW),
        "eperm", (_RET_K, 0, 0, _RET_ERRNO | _EPERM),
        "enosys", (_RET_K, 0, 0, _RET_ERRNO | _ENOSYS),
        "kill", (_RET_K, 0, 0, _RET_KILL_PROCESS),
    ]
    labels, index = {}, 0
    for item in code:
        if isinstance(item, str):
            labels[item] = index
        else:
            index += 1
    out, index = [], 0
    for item in code:
        if isinstance(item, str):
            continue
        op, jt, jf, k = item
        # a jump offset counts the instructions skipped after this one
        jt = labels[jt] - index - 1 if isinstance(jt, str) else jt
        jf = labels[jf] - index - 1 if isinstance(jf, str) else jf
        out.append((op, jt, jf, k))
        index += 1
    return out


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class GuestFilter:
    """The compiled filter (the buffer must stay alive until it is installed)."""

    def __init__(self, instructions: list[tuple[int, int, int, int]]) -> None:
        data = b"".join(struct.pack("=HBBI", *ins) for ins in instructions)
        self._buffer = ctypes.create_string_buffer(data, len(data))
        self._prog = _SockFprog(len(instructions), ctypes.addressof(self._buffer))

    def install(self, libc: Any) -> int:
        """Install in the calling thread (needs ``PR_SET_NO_NEW_PRIVS`` or root): 0 or errno."""
        rc = libc.prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER),
                        ctypes.byref(self._prog), ctypes.c_ulong(0), ctypes.c_ulong(0))
        return 0 if rc == 0 else ctypes.get_errno()


def guest_filter() -> GuestFilter | None:
    """The filter for this machine, or ``None`` where its system call numbers are unknown."""
    abi = _ABIS.get(os.uname().machine)
    return GuestFilter(_program(abi)) if abi else None


_KEYCTL_CLEAR, _KEY_SPEC_USER_KEYRING, _KEY_SPEC_USER_SESSION_KEYRING = 7, -4, -5


def clear_user_keyrings(libc: Any) -> None:
    """Empty the calling uid's user and user-session keyrings (keys left there before the
    filter existed, or by a process outside the sandbox that shares the uid)."""
    abi = _ABIS.get(os.uname().machine)
    if abi is None:
        return
    for ring in (_KEY_SPEC_USER_KEYRING, _KEY_SPEC_USER_SESSION_KEYRING):
        libc.syscall(ctypes.c_long(abi["keyctl"]), ctypes.c_long(_KEYCTL_CLEAR),
                     ctypes.c_long(ring))
