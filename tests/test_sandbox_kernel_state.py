"""Kernel state a run could leave for a later run, and memory outside ``RLIMIT_AS``.

Each channel test writes in run 1 and reads in run 2 on the same slot (``workers=1``, so
the same uid): what a learner would need to carry hidden inputs or task answers from one
episode to the next. The memory tests try the three ways a red team held gigabytes under
``memory_mb=512``: many processes, SysV shared memory, a tmpfs in a user namespace.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time

import pytest

from rlvr_envs.core.sandbox import Sandbox, SandboxLimits

UID_BASE = 63300   # a range of our own: other sandboxes on a shared machine do not interfere
LIMITS = SandboxLimits(wall_time_s=8.0, cpu_time_s=8.0)

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="per-slot uids and namespaces need root (docs/sandbox.md)")


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    sb = Sandbox(workers=1, limits=LIMITS, uid_base=UID_BASE)
    assert sb.kernel_state_isolated, sb.isolation_warning
    yield sb
    sb.close()


KEYCTL = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = {"x86_64": (248, 250), "aarch64": (217, 219)}[os.uname().machine]
def add(desc, data, ring):
    r = libc.syscall(NR[0], b"user", desc, data, len(data), ring)
    return "ok" if r >= 0 else os.strerror(ctypes.get_errno())
def read(desc, ring):
    key = libc.syscall(NR[1], 10, ring, b"user", desc, 0)    # KEYCTL_SEARCH
    if key < 0:
        return None
    buf = ctypes.create_string_buffer(256)
    n = libc.syscall(NR[1], 11, key, buf, 256)                 # KEYCTL_READ
    return buf.raw[:max(n, 0)]
'''


def _two_runs(sb: Sandbox, write: str, read: str) -> tuple[str, str]:
    first = sb.run_python(write)
    second = sb.run_python(read)
    assert first.infra_error is None and second.infra_error is None
    return first.stdout + first.stderr, second.stdout + second.stderr


def test_keyrings_can_neither_be_written_nor_read(sandbox: Sandbox) -> None:
    write = KEYCTL + ("print(add(b'rlvr-k', b'hidden input 42', -4))\n"    # user keyring
                      "print(add(b'rlvr-s', b'hidden input 43', -3))\n")   # session keyring
    read = KEYCTL + "print(read(b'rlvr-k', -4), read(b'rlvr-s', -3))\n"
    first, second = _two_runs(sandbox, write, read)
    assert first.split() == ["Operation", "not", "permitted"] * 2
    assert second.strip() == "None None"


def test_keys_left_in_the_slot_uids_keyring_are_cleared() -> None:
    """A key the uid got outside the sandbox (or from a sandbox without the filter) is
    gone when a sandbox starts, not just unreadable: /proc/keys does not even list it."""
    uid = UID_BASE + 24
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    add_key = {"x86_64": 248, "aarch64": 217}[os.uname().machine]
    pid = os.fork()
    if pid == 0:   # a process of the slot's uid, outside any sandbox
        try:
            os.setgid(uid)
            os.setuid(uid)
            data = b"left over"
            rc = libc.syscall(add_key, b"user", b"rlvr-leftover", data, len(data), -4)
            os._exit(0 if rc >= 0 else 1)
        finally:
            os._exit(2)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    with Sandbox(workers=1, limits=LIMITS, uid_base=uid) as sb:
        deadline = time.monotonic() + 5   # the kernel collects unlinked keys in the background
        listed = sb.run_python("print(open('/proc/keys').read())")
        while "rlvr-leftover" in listed.stdout and time.monotonic() < deadline:
            time.sleep(0.2)
            listed = sb.run_python("print(open('/proc/keys').read())")
        assert listed.ok and "rlvr-leftover" not in listed.stdout


POSIX_MQ = r'''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mq_open.restype = ctypes.c_int
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
'''


def test_posix_message_queues_die_with_the_run(sandbox: Sandbox) -> None:
    write = POSIX_MQ + ("q = libc.mq_open(b'/rlvr-q', os.O_CREAT | os.O_RDWR, 0o600, None)\n"
                        "print(q >= 0, libc.mq_send(q, b'secret', 6, 0))\n")
    read = POSIX_MQ + ("q = libc.mq_open(b'/rlvr-q', os.O_RDWR, 0, None)\n"
                       "print(q, os.strerror(ctypes.get_errno()))\n")
    first, second = _two_runs(sandbox, write, read)
    assert first.strip() == "True 0"
    assert second.strip() == "-1 No such file or directory"


SYSV = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
'''


def test_sysv_ipc_objects_die_with_the_run(sandbox: Sandbox) -> None:
    write = SYSV + ("print(libc.shmget(4242, 4096, 0o1600) >= 0, libc.msgget(4242, 0o1600) >= 0,"
                    " libc.semget(4242, 1, 0o1600) >= 0)\n")
    read = SYSV + "print(libc.shmget(4242, 0, 0), libc.msgget(4242, 0), libc.semget(4242, 0, 0))\n"
    first, second = _two_runs(sandbox, write, read)
    assert first.strip() == "True True True"
    assert second.strip() == "-1 -1 -1"


DAEMON = r'''
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        {body}
        time.sleep(30)
    os._exit(0)
time.sleep(0.3)
print("left a daemon")
'''


def test_abstract_sockets_and_their_daemons_die_with_the_run(sandbox: Sandbox) -> None:
    # the slot's network namespace is reused by its runs: the listener must not be
    body = ("import socket\n        s = socket.socket(socket.AF_UNIX)\n"
            "        s.bind('\\0rlvr-abstract')\n        s.listen()")
    read = ("import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n"
            "    s.connect('\\0rlvr-abstract')\n    print('connected')\n"
            "except OSError as e:\n    print('refused', e.errno)\n")
    first, second = _two_runs(sandbox, DAEMON.replace("{body}", body), read)
    assert first.strip() == "left a daemon"
    assert second.strip().startswith("refused")


def test_files_in_tmp_and_dev_shm_die_with_the_run(sandbox: Sandbox) -> None:
    write = ("for p in ('/tmp/rlvr-x', '/dev/shm/rlvr-x', '/var/tmp/rlvr-x'):\n"
             "    open(p, 'w').write('secret')\nprint('written')\n")
    read = ("import os\nprint([p for p in ('/tmp/rlvr-x', '/dev/shm/rlvr-x', '/var/tmp/rlvr-x')"
            " if os.path.exists(p)])\n")
    first, second = _two_runs(sandbox, write, read)
    assert first.strip() == "written" and second.strip() == "[]"


def test_file_locks_die_with_the_run(sandbox: Sandbox) -> None:
    """A lock on a file every run can open (the interpreter) would be a 1-bit channel."""
    body = ("import fcntl, sys\n        f = open(sys.executable, 'rb')\n"
            "        fcntl.flock(f, fcntl.LOCK_EX)")
    read = ("import fcntl, sys\nf = open(sys.executable, 'rb')\ntry:\n"
            "    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n    print('free')\n"
            "except OSError:\n    print('held')\n")
    first, second = _two_runs(sandbox, DAEMON.replace("{body}", body), read)
    assert first.strip() == "left a daemon" and second.strip() == "free"


def test_processes_pids_and_the_process_quota_start_fresh(sandbox: Sandbox) -> None:
    body = "for _ in range(5):\n            os.fork()"   # a few dozen sleepers, if allowed
    read = ("import os\nkids = []\nfor _ in range(6):\n    pid = os.fork()\n"
            "    if pid == 0:\n        os._exit(0)\n    kids.append(pid)\n"
            "for pid in kids:\n    os.waitpid(pid, 0)\n"
            "print(os.getpid(), sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n")
    limits = SandboxLimits(wall_time_s=8.0, cpu_time_s=8.0, processes=8)
    sandbox.run_python(DAEMON.replace("{body}", body), limits=limits)
    second = sandbox.run_python(read, limits=limits)
    # pid 1 again, no process of the first run, and all 6 forks fit under processes=8
    assert second.ok and second.stdout.strip() == "1 [1]", second.stderr


def test_user_namespaces_are_refused(sandbox: Sandbox) -> None:
    src = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
           "print(libc.unshare(0x10000000), os.strerror(ctypes.get_errno()))\n"
           "import subprocess\nprint(subprocess.run(['echo', 'commands still run'],"
           " capture_output=True, text=True).stdout.strip())\n")
    r = sandbox.run_python(src)
    assert r.stdout.splitlines() == ["-1 Operation not permitted", "commands still run"]


# --- memory: the whole run, not each process -------------------------------------------------

FORKS = r'''
import os, time
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (120 << 20)    # touched: 120 MB resident in each child
        time.sleep(1.5)
        os._exit(0)
    kids.append(pid)
print(sum(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) == 0 for p in kids), "children held 120 MB")
'''


def test_many_processes_share_one_memory_cap(sandbox: Sandbox) -> None:
    if not sandbox.memory_bounded:
        pytest.skip(f"no writable cgroup here: {sandbox.memory_bound_error}")
    limits = SandboxLimits(wall_time_s=8.0, cpu_time_s=8.0, memory_mb=200, disk_mb=32)
    r = sandbox.run_python(FORKS, limits=limits)
    # 4 x 120 MB > 200 + 32 MB: the kernel kills inside the run, and says so
    assert r.memory_exceeded and r.infra_error is None
    assert "4 children" not in r.stdout
    assert sandbox.run_python("print(1)", limits=limits).ok   # the slot is usable again


def test_without_the_cgroup_each_process_has_its_own_cap() -> None:
    """What the cgroup adds: the same program, per-process limits only, holds 480 MB."""
    with Sandbox(workers=1, limits=LIMITS, uid_base=UID_BASE + 8, cgroups=False) as sb:
        assert not sb.memory_bounded and sb.memory_bound_error == "cgroups=False"
        limits = SandboxLimits(wall_time_s=8.0, cpu_time_s=8.0, memory_mb=200, disk_mb=32)
        r = sb.run_python(FORKS, limits=limits)
        assert r.stdout.strip() == "4 children held 120 MB" and not r.memory_exceeded


SHM = SYSV + r'''
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
made = 0
for _ in range(8):
    sid = libc.shmget(0, 32 << 20, 0o1600)       # IPC_PRIVATE segments of 32 MB
    if sid < 0:
        break
    at = libc.shmat(sid, None, 0)
    ctypes.memset(at, 1, 32 << 20)    # touched: resident, and outside RLIMIT_AS once detached
    libc.shmdt(at)
    made += 1
print(made * 32, "MB")
'''


def test_sysv_shared_memory_counts_against_the_run(sandbox: Sandbox) -> None:
    if not sandbox.memory_bounded:
        pytest.skip(f"no writable cgroup here: {sandbox.memory_bound_error}")
    limits = SandboxLimits(wall_time_s=8.0, cpu_time_s=8.0, memory_mb=100, disk_mb=32)
    r = sandbox.run_python(SHM, limits=limits)   # 256 MB of segments > 100 + 32 MB
    assert r.memory_exceeded and "256 MB" not in r.stdout


def test_without_a_cgroup_sysv_shared_memory_is_capped_by_disk_mb() -> None:
    with Sandbox(workers=1, limits=LIMITS, uid_base=UID_BASE + 8, cgroups=False) as sb:
        r = sb.run_python(SHM, limits=SandboxLimits(wall_time_s=8.0, cpu_time_s=8.0,
                                                    disk_mb=64))
        assert r.ok and r.stdout.strip() == "64 MB"


def test_no_tmpfs_of_its_own_through_a_user_namespace(sandbox: Sandbox) -> None:
    src = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(4, 1, 0, 0, 0)
print("unshare", libc.unshare(0x10000000 | 0x00020000), os.strerror(ctypes.get_errno()))
os.makedirs("/tmp/m", exist_ok=True)
print("mount", libc.mount(b"none", b"/tmp/m", b"tmpfs", 0, b"size=1g"))
'''
    r = sandbox.run_python(src)
    assert r.stdout.splitlines() == ["unshare -1 Operation not permitted", "mount -1"]


def test_sandboxes_on_one_host_get_their_own_uids() -> None:
    """RLIMIT_NPROC counts per uid: sandboxes sharing uids would share one process quota, so
    a fork bomb in one would fail the forks of a correct program in the other."""
    with Sandbox(workers=2, limits=LIMITS) as a, Sandbox(workers=2, limits=LIMITS) as b:
        uids = {sb.run_python("import os; print(os.getuid())").stdout.strip() for sb in (a, b)}
        assert len(uids) == 2
        bomb = ("import os, time\nfor _ in range(100):\n    try:\n        os.fork()\n"
                "    except OSError:\n        break\ntime.sleep(3)\n")
        done = threading.Thread(target=a.run_python, args=(bomb,))
        done.start()
        time.sleep(1.0)   # a's slot uid is at its process limit now
        forks = ("import os\nkids = []\nfor _ in range(8):\n    pid = os.fork()\n"
                 "    if pid == 0:\n        os._exit(0)\n    kids.append(pid)\n"
                 "for pid in kids:\n    os.waitpid(pid, 0)\nprint('forked', len(kids))\n")
        assert b.run_python(forks).stdout.strip() == "forked 8"
        done.join()


def test_cgroups_are_removed_with_the_sandbox() -> None:
    with Sandbox(workers=1, limits=LIMITS, uid_base=UID_BASE + 16) as sb:
        if not sb.memory_bounded:
            pytest.skip(f"no writable cgroup here: {sb.memory_bound_error}")
        assert sb.run_python("print(1)").ok
        pid = sb._zygote.proc.pid
        mine = _cgroup_dirs(pid)
        assert mine, "the zygote made no cgroup"
    deadline = time.monotonic() + 5
    while any(os.path.exists(d) for d in mine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(os.path.exists(d) for d in mine)


def _cgroup_dirs(pid: int) -> list[str]:
    found = []
    for top in ("/sys/fs/cgroup", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"):
        for root, dirs, _ in os.walk(top):
            if f"rlvr-sandbox-{pid}" in dirs:
                found.append(os.path.join(root, f"rlvr-sandbox-{pid}"))
            if root.count("/") > 8:
                dirs[:] = []
    return found
