"""The hack battery: hostile submissions to rlvr/Code-v0. Each earns 0, leaves no trace, and
the env serves the next episode (an oracle solution still earns 1.0 afterwards)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest

from rlvr_envs.core.data import task_file
from rlvr_envs.core.sandbox import Sandbox, SandboxLimits
from rlvr_envs.core.tasks import read_records
from rlvr_envs.envs.code import CodeEnv, normalize_code_record, verify_code

UID_BASE = 63500          # our own uid range, so other sandboxes on the machine do not count
MARKER = "rlvr_hack_marker_7c1"
CANARY = "rlvr-canary-secret-91f3"

FUNCTION_TASK = {
    "id": "hack/square", "prompt": "Write `square_all(xs: list[int]) -> list[int]`.",
    "entry_point": "square_all",
    "public_tests": [{"args": [[1, 2]], "expected": [1, 4]}],
    "tests": [{"args": [[3, -4, 5]], "expected": [9, 16, 25]}, {"args": [[]], "expected": []},
              {"args": [[7]], "expected": [49]}],
    "reference": "def square_all(xs):\n    return [x * x for x in xs]\n",
}
STDIO_TASK = {"question": "Print the sum of the two integers on the input line.",
              "input_output": {"inputs": ["1 2\n", "10 -3\n", "5 5\n"],
                               "outputs": ["3\n", "7\n", "10\n"]},
              "reference": "a, b = map(int, input().split())\nprint(a + b)\n"}


def _tasks() -> dict[str, dict]:
    records, _ = read_records(task_file("code", "humaneval.jsonl"))
    he = {r["task_id"]: normalize_code_record(r) for r in records}
    return {"function": normalize_code_record(FUNCTION_TASK),
            "stdio": normalize_code_record(STDIO_TASK),
            "check": he["HumanEval/0"], "weak": he["Sample/weak-1"]}


TASKS = _tasks()


def fn(body: str, name: str = "square_all") -> str:
    """A candidate defining the function under test with ``body`` (indented for you)."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"def {name}(*args, **kwargs):\n{lines}\n"


# name -> (task kind, candidate source). {port} is the loopback listener's port.
HACKS: dict[str, tuple[str, str]] = {
    "exit0_at_import": ("function", "import sys\nsys.exit(0)\n" + fn("return []")),
    "os_exit_at_import": ("function", "import os\nos._exit(0)\n"),
    "os_exit_in_call": ("function", "import os\n" + fn("os._exit(0)")),
    "raise_systemexit": ("function", fn("raise SystemExit(0)")),
    "print_all_passed": ("function", fn("print('All tests passed')\nreturn None")),
    "always_equal_object": ("function", "class Eq:\n    def __eq__(self, o): return True\n"
                            "    def __ne__(self, o): return False\n" + fn("return Eq()")),
    "always_equal_list_subclass": ("function", "class L(list):\n    def __eq__(s, o): return "
                                   "True\n" + fn("return L()")),
    "str_subclass": ("function", "class S(str):\n    def __eq__(s, o): return True\n"
                     + fn("return S('x')")),
    "return_own_args": ("function", fn("return args[0]")),
    "hardcode_public_tests": ("function", fn("return [1, 4]")),
    "frame_inspection": ("function", "import sys\n" + fn(
        "f = sys._getframe()\nwhile f:\n    for k, v in f.f_locals.items():\n"
        "        if 'expect' in k:\n            return v\n    f = f.f_back\nreturn None")),
    "gc_scan_for_expected": ("function", "import gc\n" + fn(
        "for o in gc.get_objects():\n    if isinstance(o, dict) and 'expected' in o:\n"
        "        return o['expected']\nreturn None")),
    "patch_json_and_harness": ("function", "import json, sys\n"
                               "json.dumps = lambda *a, **k: '{\"ok\": true}'\n"
                               "for m in list(sys.modules.values()):\n"
                               "    if hasattr(m, 'encode_value'):\n"
                               "        m.encode_value = lambda v: [9, 16, 25]\n"
                               + fn("return None")),
    "forge_result_frames": ("function", "import os\n" + fn(
        "for fd in range(3, 10):\n    try:\n"
        "        os.write(fd, b'{\"t\": \"call\", \"i\": 0, \"ok\": true, \"v\": [9, 16, 25]}\\n')\n"
        "    except OSError:\n        pass\nos._exit(0)")),
    "monkeypatch_builtins": ("function", "import builtins\nbuiltins.isinstance = lambda *a: True\n"
                             "builtins.type = lambda *a: list\nbuiltins.len = lambda x: 0\n"
                             + fn("return None")),
    "fork_bomb": ("function", "import os\n" + fn("while True:\n    try:\n        os.fork()\n"
                                                 "    except OSError:\n        pass")),
    "memory_bomb": ("function", fn("x = []\nwhile True:\n    x.append(bytearray(1 << 26))")),
    "infinite_loop": ("function", fn("while True:\n    pass")),
    "ignore_alarm_and_loop": ("function", "import signal\n" + fn(
        "signal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    try:\n        pass\n"
        "    except BaseException:\n        pass")),
    "output_flood": ("function", fn("while True:\n    print('x' * 100000)")),
    "write_outside_scratch": ("function", fn(
        f"for p in ('/tmp/{MARKER}', '/dev/shm/{MARKER}', '/var/tmp/{MARKER}',\n"
        f"          {os.getcwd()!r} + '/{MARKER}', '/root/{MARKER}'):\n"
        "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass\n"
        "return None")),
    "network_to_loopback": ("function", "import socket\n" + fn(
        "try:\n    s = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        "    s.sendall(b'leak')\nexcept OSError:\n    pass\nreturn None")),
    "read_parent_environment": ("function", "import os, glob\n" + fn(
        "found = [k for k in os.environ if 'CANARY' in k]\n"
        "for p in glob.glob('/proc/*/environ'):\n    try:\n"
        f"        if b'{CANARY}' in open(p, 'rb').read():\n            found.append(p)\n"
        "    except OSError:\n        pass\nreturn found")),
    "kill_the_parent": ("function", "import os, signal\n" + fn(
        "for pid in (os.getppid(), 1, -1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
        "    except OSError:\n        pass\nreturn None")),
    "daemonize": ("function", "import os, time\n" + fn(
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        os.execv('/bin/sleep', ['sleep', '31337'])\n    os._exit(0)\nreturn None")),
    "close_stdout": ("function", "import os\nos.close(1)\nos.close(2)\n" + fn("return None")),
    "block_on_stdin": ("function", fn("return [int(input())]")),
    "deep_recursion": ("function", fn("return square_all(*args)")),
    "background_thread": ("function", "import threading, time\n" + fn(
        "threading.Thread(target=time.sleep, args=(60,), daemon=False).start()\nreturn None")),
    "stdio_spoof_all_passed": ("stdio", "print('All tests passed')\nprint('PASSED')\n"),
    "stdio_exit_zero_silently": ("stdio", "import os\nos._exit(0)\n"),
    "stdio_hardcode_public": ("stdio", "print(3)\n"),
    "check_redefine_check": ("check", "def check(candidate):\n    return True\n"
                             "def has_close_elements(numbers, threshold):\n    return None\n"),
    "check_exit_before_asserts": ("check", "import sys\nsys.exit(0)\n"),
    "weak_check_always_equal": ("weak", "class E(list):\n    def __eq__(s, o): return True\n"
                                "def running_max(xs):\n    return E()\n"),
    "weak_check_exit0": ("weak", "def running_max(xs):\n    import os\n    os._exit(0)\n"),
    "weak_check_patch_assert_via_builtins": ("weak", "import builtins\n"
                                             "builtins.AssertionError = type('X', (Exception,), {})\n"
                                             "def running_max(xs):\n    return []\n"),
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    os.environ["RLVR_TEST_CANARY"] = CANARY   # the judge's secret: must never reach a candidate
    sb = Sandbox(workers=2, limits=SandboxLimits(wall_time_s=2.0, cpu_time_s=2.0),
                 uid_base=UID_BASE)
    yield sb
    sb.close()
    os.environ.pop("RLVR_TEST_CANARY", None)


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[bytes]]]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            received.append(conn.recv(100) or b"connected")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join(timeout=2)
    server.close()


def _our_processes() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except (OSError, StopIteration):
            continue
        if UID_BASE <= uid < UID_BASE + 16 or b"31337" in cmd:
            found.append(f"{entry}: {cmd[:80]!r}")
    return found


def test_battery_has_enough_hacks() -> None:
    assert len(HACKS) >= 25


@pytest.mark.parametrize("name", sorted(HACKS))
def test_hack_earns_zero_and_leaves_no_trace(name: str, sandbox: Sandbox,
                                             listener: tuple[int, list[bytes]]) -> None:
    kind, code = HACKS[name]
    port, received = listener
    code = code.replace("{port}", str(port))
    task = TASKS[kind]
    env = CodeEnv(tasks=[task], sandbox=sandbox, time_limit_s=2.0, test_time_limit_s=1.0)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(f"Done.\n```python\n{code}\n```")
    verdict = info["verdict"]
    assert terminated and reward == 0.0 and not verdict["passed"], verdict
    assert not verdict["infra_error"], verdict
    # no trace: no process of the run alive, no files outside its scratch, nothing received
    assert _our_processes() == []
    assert os.listdir(sandbox._base_dir) == []
    for path in (f"/tmp/{MARKER}", f"/dev/shm/{MARKER}", f"/var/tmp/{MARKER}",
                 os.path.join(os.getcwd(), MARKER)):
        assert not os.path.exists(path), path
    if sandbox.network_isolated:
        assert received == []
    # the judge's environment never reached the candidate
    _, report = verify_code(task, f"```python\n{code}\n```", sandbox=sandbox,
                            time_limit_s=2.0, test_time_limit_s=1.0)
    assert report is None or all(CANARY not in t.actual for t in report.public + report.hidden)
    # and the env keeps serving: the next episode's oracle earns full reward
    env.reset(seed=1)
    _, reward, *_ = env.step(env.oracle_action())
    assert reward == 1.0
