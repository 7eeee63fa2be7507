"""Red-team regressions for rlvr/Code-v0, rlvr/Verilog-v0 and the sandbox: each attack earns
nothing, is not reported as an infra error (a policy must not learn to trigger those), and
finishes in bounded time. The first five were real holes, fixed in the code they name."""

from __future__ import annotations

import os
import time

import pytest

from rlvr_envs.core.data import task_file
from rlvr_envs.core.sandbox import Sandbox, decode_value, encode_value
from rlvr_envs.core.tasks import read_records
from rlvr_envs.envs.code import normalize_code_record, verify_code

UID_BASE = 63300   # our own uid range

FUNCTION_TASK = normalize_code_record({
    "id": "rt/square", "prompt": "Write `square_all(xs: list[int]) -> list[int]`.",
    "entry_point": "square_all",
    "public_tests": [{"args": [[1, 2]], "expected": [1, 4]}],
    "tests": [{"args": [[3, -4, 5]], "expected": [9, 16, 25]}, {"args": [[]], "expected": []},
              {"args": [[7]], "expected": [49]}]})
STDIO_TASK = normalize_code_record({
    "question": "Print the sum of the two integers on the input line.",
    "input_output": {"inputs": ["1 2\n", "10 -3\n"], "outputs": ["3\n", "7\n"]}})
BIGINT_TASK = normalize_code_record({"prompt": "Return 2**n.", "entry_point": "f",
                                     "tests": [{"args": [20000], "expected": 2**20000}]})
HE = {r["task_id"]: normalize_code_record(r)
      for r in read_records(task_file("code", "humaneval.jsonl"))[0]}
POLY_TASK = normalize_code_record({
    "task_id": "HumanEval/32-like", "entry_point": "find_zero",
    "prompt": "import math\n\ndef poly(xs: list, x: float):\n"
              "    return sum(coeff * math.pow(x, i) for i, coeff in enumerate(xs))\n\n"
              "def find_zero(xs: list):\n    \"\"\"Return x with poly(xs, x) == 0.\"\"\"\n",
    "canonical_solution": "    return -xs[0] / xs[1]\n",
    "test": "def check(candidate):\n    for xs in ([1, 2], [-3, 1], [4, -2]):\n"
            "        assert math.fabs(poly(xs, candidate(xs))) < 1e-6\n"})


def run(task: dict, source: str, limit_s: float = 30.0):
    started = time.monotonic()
    verdict, _ = verify_code(task, f"```python\n{source}\n```", time_limit_s=5.0,
                             test_time_limit_s=2.0)
    assert time.monotonic() - started < limit_s, "the judge took too long"
    return verdict


# --- code: holes that were open --------------------------------------------------------------

FORGE_CHECK_FRAME = '''
import os, sys
def running_max(xs):
    return []
f = sys._getframe()
while f is not None and "nonce" not in f.f_locals:
    f = f.f_back
os.write(3, ('{"t":"check","n":"%s","passed":true}\\n' % f.f_locals["nonce"]).encode())
os._exit(0)
'''


def test_check_path_forged_completion_frame_fails() -> None:
    # Was 1.0: check() ran in the candidate's process, which found the nonce in a frame and
    # wrote the "passed" frame on fd 3 itself. Now the candidate has its own process without
    # fd 3; check() runs in a non-dumpable test process.
    v = run(HE["Sample/weak-1"], FORGE_CHECK_FRAME)
    assert not v.passed and v.reward == 0.0 and not v.infra_error


def test_check_path_test_code_never_enters_the_candidate() -> None:
    # The weak path's test code holds expected values; the candidate scans its memory for it.
    codes = [ord(ch) for ch in "def check"]   # built after the scan: the search plants nothing
    src = ("import gc\ndef running_max(xs):\n"
           "    blob = repr([getattr(o, '__dict__', o) for o in gc.get_objects()])\n"
           f"    assert ''.join(map(chr, {codes})) not in blob, 'leak'\n"
           "    out, m = [], None\n    for x in xs:\n        m = x if m is None or x > m else m\n"
           "        out.append(m)\n    return out\n")
    assert run(HE["Sample/weak-1"], src).passed


def test_check_path_redefined_prompt_helper_is_ignored() -> None:
    # Was 1.0: HumanEval/32's check() took `poly` from the candidate's module, so redefining
    # poly to return 0 passed any find_zero. The prompt's helpers now run in the test process.
    cheat = "def poly(xs, x):\n    return 0.0\n\ndef find_zero(xs):\n    return 123.0\n"
    assert not run(POLY_TASK, cheat).passed
    assert run(POLY_TASK, "def find_zero(xs):\n    return -xs[0] / xs[1]\n").passed


def test_check_path_candidate_cannot_plant_modules_for_the_test() -> None:
    # The candidate writes json.py/fractions.py into the scratch dir (first on its sys.path);
    # the test process does not import from there.
    task = dict(HE["Sample/weak-1"])
    task["test"] = ("def check(candidate):\n    import fractions\n"
                    "    for n in range(3):\n        assert candidate([n]) == [fractions.Fraction(n)]\n")
    src = ("open('fractions.py', 'w').write('def Fraction(x):\\n    return []\\n')\n"
           "def running_max(xs):\n    return []\n")
    assert not run(task, src).passed


def test_check_path_exceptions_and_ptrace_fail_closed() -> None:
    src = ("import os, ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
           "ok = libc.ptrace(16, os.getppid(), 0, 0)\n"      # PTRACE_ATTACH the test process
           "try:\n    open(f'/proc/{os.getppid()}/mem', 'rb')\n    leaked = True\n"
           "except OSError:\n    leaked = False\n"
           "def running_max(xs):\n    if ok == 0 or leaked:\n        return 'escaped'\n"
           "    raise ValueError('no')\n")
    v = run(HE["Sample/weak-1"], src)
    assert not v.passed and not v.infra_error


def test_big_int_answer_is_judged_not_dropped() -> None:
    # Was a crash (verify_code raised ValueError: int too long for repr/JSON) for a task with a
    # 6000-digit answer, and a correct solution could never pass. Now ints travel as hex.
    assert run(BIGINT_TASK, "def f(n):\n    return 2 ** n\n").passed
    assert not run(BIGINT_TASK, "def f(n):\n    return 2 ** n + 1\n").passed
    v = run(FUNCTION_TASK, "def square_all(xs):\n    return 10 ** (10 ** 5)\n")
    assert not v.passed and not v.infra_error


def test_forged_hash_collision_set_does_not_stall_the_judge() -> None:
    # Was minutes of judge CPU: a forged frame with a $set of k*(2**61-1) ints makes set()
    # quadratic in the judge process. Now refused (protocol error) in milliseconds.
    src = ("import os, sys, json\ndef square_all(xs):\n    f = sys._getframe()\n"
           "    while 'nonce' not in f.f_locals:\n        f = f.f_back\n"
           "    v = {'$set': [k * (2**61 - 1) for k in range(300000)]}\n"
           "    os.write(3, (json.dumps({'t': 'call', 'n': f.f_locals['nonce'], 'i': 0, 'ok': True,"
           " 'v': v}) + '\\n').encode())\n    os._exit(0)\n")
    v = run(FUNCTION_TASK, src, limit_s=15.0)
    assert not v.passed and not v.infra_error
    with pytest.raises(ValueError):
        decode_value({"$dict": [[k * (2**61 - 1), 0] for k in range(1000)]})
    value = {2**5000: [-(3**4000)], "s": frozenset(range(500))}
    assert decode_value(encode_value(value)) == value


def test_sysv_ipc_does_not_outlive_a_run() -> None:
    # Was a host leak and a cross-run channel: shmget() segments persisted in the host's IPC
    # namespace after the run. Each run now has its own IPC namespace.
    make = ("import ctypes\nlibc = ctypes.CDLL(None)\n"
            "print(libc.shmget(0x7e57, 1 << 20, 0o1666))\n")
    look = "import ctypes\nlibc = ctypes.CDLL(None)\nprint(libc.shmget(0x7e57, 0, 0o666))\n"
    with Sandbox(workers=1, uid_base=UID_BASE) as sb:
        if not sb.filesystem_isolated:
            assert os.geteuid() != 0, "running as root but the sandbox got no namespaces"
            pytest.skip("needs namespaces (root)")
        first = sb.run_python(make)
        assert first.ok and int(first.stdout) >= 0
        assert sb.run_python(look).stdout.strip() == "-1"


# --- code: attacks that already failed (kept as regressions) ----------------------------------

@pytest.mark.parametrize("name,task,source", [
    ("surrogate_in_source", FUNCTION_TASK, "def square_all(xs):\n    return []  # \ud800\n"),
    ("int_subclass", FUNCTION_TASK,
     "class I(int):\n    def __eq__(s, o): return True\n    __hash__ = int.__hash__\n"
     "def square_all(xs):\n    return [I(0)] * len(xs)\n"),
    ("bool_for_int", normalize_code_record({"prompt": "p", "entry_point": "f",
                                            "tests": [{"args": [1], "expected": 1}]}),
     "def f(x):\n    return True\n"),
    ("generator", FUNCTION_TASK, "def square_all(xs):\n    return (x * x for x in xs)\n"),
    ("fake_numpy_tolist_loop", FUNCTION_TASK,
     "class A:\n    __module__ = 'numpy'\n    def tolist(self): return self\n"
     "def square_all(xs):\n    return A()\n"),
    ("deep_nesting", FUNCTION_TASK,
     "def square_all(xs):\n    a = []\n    for _ in range(10 ** 5): a = [a]\n    return a\n"),
    ("mutate_later_calls", FUNCTION_TASK,
     "import gc\ndef square_all(xs):\n    for o in gc.get_objects():\n"
     "        if isinstance(o, dict) and 'calls' in o:\n            o['calls'][:] = []\n"
     "    return [1, 4]\n"),
    ("stdio_print_many_candidates", STDIO_TASK, "print('\\n'.join(str(i) for i in range(-50, 50)))\n"),
    ("stdio_nan_inf", normalize_code_record({
        "question": "q", "float_tolerance": 1e-6,
        "input_output": {"inputs": ["1\n"], "outputs": ["2.5\n"]}}), "print('nan')\n"),
    ("stdio_stderr_flood", STDIO_TASK, "import sys\nsys.stderr.write('x' * 10 ** 8)\n"),
    ("stdio_argv_env_proc", STDIO_TASK,
     "import os, sys, glob\nblob = repr(sys.argv) + repr(dict(os.environ))\n"
     "for p in glob.glob('/proc/*/cmdline') + glob.glob('/proc/*/environ'):\n"
     "    try: blob += open(p, 'rb').read().decode('latin1')\n    except OSError: pass\n"
     "print(blob[:10])\n"),
    ("stdio_many_threads", STDIO_TASK,
     "import threading, time\nfor _ in range(500):\n    try: threading.Thread(target=time.sleep,"
     " args=(60,), daemon=True).start()\n    except Exception: break\nprint(0)\n"),
])
def test_code_attack_earns_nothing(name: str, task: dict, source: str) -> None:
    v = run(task, source)
    assert not v.passed and v.reward == 0.0 and not v.infra_error, (name, v.reason)


# --- verilog ---------------------------------------------------------------------------------

ADDER = {
    "id": "rt/adder4", "spec": "A 4-bit adder: s = a + b.",
    "ports": [{"name": "a", "dir": "input", "width": 4}, {"name": "b", "dir": "input", "width": 4},
              {"name": "s", "dir": "output", "width": 4}],
    "reference": "module RefModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"
                 "  assign s = a + b;\nendmodule\n",
}
ADDER_HDR = "module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);\n"


def vverify(task: dict, design: str, limit_s: float = 40.0):
    from rlvr_envs.envs.verilog.loaders import normalize_verilog_record
    from rlvr_envs.envs.verilog.simulate import verify_verilog
    started = time.monotonic()
    verdict = verify_verilog(normalize_verilog_record(task), f"```verilog\n{design}\n```",
                             sim_timeout=5.0)
    assert time.monotonic() - started < limit_s, "the judge took too long"
    return verdict


def test_verilog_cannot_call_testbench_tasks() -> None:
    # Was 1.0: Verilog resolves a simple task name upward, so a constant-0 counter called the
    # testbench's `randomize` until en and load were 0 (the reference never counted either).
    # The generated testbench's tasks now carry the nonce; the lint rejects testbench task
    # names (VerilogEval's `wait_for_end_of_timestep`).
    from rlvr_envs.envs.verilog.families import make_verilog_source
    task = make_verilog_source(0).get("counter/d2/0/0")
    ports = ", ".join(f"{p['dir']} [{p['width'] - 1}:0] {p['name']}" for p in task["ports"])
    ins = [p["name"] for p in task["ports"] if p["dir"] == "input" and p["name"] != task["clock"]]
    design = (f"module TopModule({ports});\n  assign {task['ports'][-1]['name']} = 0;\n"
              f"  always @({' or '.join(ins)}) while ({' || '.join(ins)}) begin randomize; "
              "#0; #0; end\nendmodule")
    v = vverify(task, design)
    assert not v.passed and v.reward == 0.0 and not v.infra_error
    for call in ("check", "run_all", "cycle"):
        v = vverify(ADDER, ADDER_HDR + f"  assign s = a + b;\n  initial {call};\nendmodule")
        assert not v.passed and not v.infra_error, call


ESCAPED_FORGE = r"""module TopModule(input [3:0] a, input [3:0] b, output [3:0] s);
  assign s = 4'd0;
  reg [8*41:1] p;
  initial begin
    #1 \$sformat (p, "%m");                // "tb_<nonce>.dut_i", 41 characters
    \$fdisplay (32'h80000003, "%s DONE 1000 0", p[8*38:8*6+1]);
    \$finish ;
  end
endmodule"""


def test_verilog_escaped_system_tasks_are_rejected() -> None:
    # Was 1.0 for every generated task: Icarus runs `\$fdisplay ` as $fdisplay, the lint saw
    # an escaped identifier. The design read the nonce from %m (the testbench module's name),
    # wrote "<nonce> DONE 1000 0" on the testbench's fd (0x80000003) and called \$finish.
    v = vverify(ADDER, ESCAPED_FORGE)
    assert not v.passed and v.reward == 0.0 and v.details["stage"] == "lint"
    for body in ('  initial \\$display ("Mismatches: 0");\n',
                 "  wire \\`define  w;\n", '  wire \\x" ; parameter P = "`include";\n'):
        v = vverify(ADDER, ADDER_HDR + body + "  assign s = a + b;\nendmodule")
        assert v.details["stage"] == "lint", body


def test_verilog_lint_rejects_testbench_task_names() -> None:
    from rlvr_envs.envs.verilog.lint import lint_candidate, subroutine_names
    tb = "module tb();\n task wait_for_end_of_timestep;\n begin end\n endtask\n" \
         " function automatic [3:0] helper_f(input x); helper_f = 0; endfunction\nendmodule\n"
    names = subroutine_names(tb)
    assert names == {"wait_for_end_of_timestep", "helper_f"}
    bad = ADDER_HDR + "  assign s = a + b;\n  initial wait_for_end_of_timestep;\nendmodule"
    assert "testbench" in (lint_candidate(bad, (), names) or "")
    assert lint_candidate(ADDER_HDR + "  assign s = a + b;\nendmodule", (), names) is None


def test_verilog_surrogate_is_a_lint_failure_not_infra() -> None:
    # Was infra_error=True (UnicodeEncodeError writing the file): a policy could dodge hard
    # tasks by emitting a lone surrogate, since infra errors are dropped from the mean.
    v = vverify(ADDER, ADDER_HDR + "  // \ud800\n  assign s = a + b;\nendmodule")
    assert not v.passed and not v.infra_error and v.details["stage"] == "lint"


@pytest.mark.parametrize("name,body", [
    ("unnamed_ref_instance", "  RefModule (.a(a), .b(b), .s(s));\n"),
    ("drive_inputs", "  assign a = 0; assign b = 0; assign s = 0;\n"),
    ("tran_to_supply", "  supply0 [3:0] z; tran t0(a[0], z[0]); assign s = 0;\n"),
    ("tran_inputs_to_x", "  wire [3:0] x = 4'bx; tran t0(a[0], x[0]); tran t1(a[1], x[1]);"
     " tran t2(a[2], x[2]); tran t3(a[3], x[3]); tran u0(b[0], x[0]); tran u1(b[1], x[1]);"
     " tran u2(b[2], x[2]); tran u3(b[3], x[3]); assign s = 0;\n"),
    ("output_declared_input", "  assign s = 0;\nendmodule\nmodule Unused(output a);\n"
     "  assign a = 0;\n"),
    ("outputs_z", "  assign s = 4'bzzzz;\n"),
    ("outputs_x", "  assign s = 4'bxxxx;\n"),
    ("delayed_race", "  assign #2 s = a + b;\n"),
    ("zero_delay_loop", "  reg r; always #0 r = ~r; assign s = 0;\n"),
    ("memory_bomb", "  reg [31:0] m [0:1 << 30]; initial m[5] = 1; assign s = a + b + 1;\n"),
    ("attribute_and_specify", "  (* keep *) wire w = 1;\n  specify\n  endspecify\n  assign s = 0;\n"),
    ("udp", "  assign s = 0;\nendmodule\nprimitive p(output o, input i);\n table 0:1; 1:0; "
     "endtable\nendprimitive\nmodule Dummy();\n"),
    ("tb_named_macro", "`ifdef X\n  assign s = a + b;\n`endif\n  assign s = 0;\n"),
])
def test_verilog_attack_earns_nothing(name: str, body: str) -> None:
    v = vverify(ADDER, ADDER_HDR + body + "endmodule")
    assert not v.passed and v.reward == 0.0 and not v.infra_error, (name, v.reason)


def test_verilog_huge_generate_loop_is_bounded() -> None:
    body = ("  genvar g;\n  wire [0:0] w [0:99999999];\n  generate for (g = 0; g < 100000000;"
            " g = g + 1) begin : blk\n    assign w[g] = a[0];\n  end endgenerate\n"
            "  assign s = a + b;\n")
    v = vverify(ADDER, ADDER_HDR + body + "endmodule")
    assert not v.passed and not v.infra_error
