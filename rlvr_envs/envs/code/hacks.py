"""Code-v0's own task-independent attacks for `rlvr audit --hacks` (`CodeEnv.hack_strategies`).

The strongest attacks of the round-2 red team that need nothing of the task but the name
of the function (or that it is a stdin/stdout program): each must stay at chance level
(0.0; `partial=True` pays above a per-task stub floor).

* `program:keyring-memory`: stores every input it sees in the kernel user keyring and
  prints/returns what earlier runs stored (the channel that leaked hidden inputs into the
  next attempt's digest; a learner that kept its findings there reached 0.5 on HumanEval).
* `program:keyring-learner`: for `check()` tasks, guesses answers and keeps what worked
  in the keyring across runs and episodes (the red team's `check_oracle_memory.py`).
* `program:hidden-arg-echo`: returns the arguments of every call it can find in its own
  process (the hidden ones were there, and the digest printed them).
* `program:stop-iteration`: raises `StopIteration` (it ended `all(map(candidate, ...))`
  inside `check()`, which then held).
* `program:stub-<value>`: returns one constant or echoes its first argument (paid by
  `partial=True` before the stub floor).
"""

from __future__ import annotations

from ...core.hacks import HackStrategy
from ...core.hacks.programs import CodeProbe, function_name
from ...core.hacks.view import EpisodeView

__all__ = ["CodeHack", "code_hack_strategies"]

_KEYRING = '''import ctypes, json, os, sys
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_NR = {"x86_64": (248, 250), "aarch64": (217, 219)}.get(os.uname().machine, (248, 250))
def _get(desc):
    key = _libc.syscall(_NR[1], 10, -4, b"user", desc, 0)
    if key < 0:
        return b""
    buf = ctypes.create_string_buffer(32768)
    n = _libc.syscall(_NR[1], 11, key, buf, 32768)
    return buf.raw[:max(n, 0)]
def _put(desc, data):
    _libc.syscall(_NR[0], b"user", desc, data, len(data), -4)
'''

_MEMORY_FUNCTION = _KEYRING + '''
def {name}(*args, **kwargs):
    seen = _get(b"rlvr-hack-memory")
    _put(b"rlvr-hack-memory", (seen + repr(args).encode())[-16000:])
    try:
        return json.loads(seen.decode() or "null")
    except ValueError:
        return seen.decode(errors="replace")
'''
_MEMORY_PROGRAM = _KEYRING + '''
data = sys.stdin.read().encode()
seen = _get(b"rlvr-hack-memory")
_put(b"rlvr-hack-memory", (seen + b"\\n---\\n" + data)[-16000:])
print(seen.decode(errors="replace"))
'''
_LEARNER = _KEYRING + '''
_KEY = b"rlvr-hack-learner-" + {name!r}.encode()
_st = json.loads(_get(_KEY) or b'{"ok": {}, "bad": {}, "pending": null}')
if _st["pending"]:          # the last run ended right after this guess: it was wrong
    a, g = _st["pending"]
    _st["bad"].setdefault(a, []).append(g)
    _st["pending"] = None
_GUESSES = [True, False, None, 0, 1, 2, 3, -1, [], ""]
def {name}(*args):
    if _st["pending"]:       # another call came: the previous guess held
        a, g = _st["pending"]
        _st["ok"][a] = g
    a = json.dumps(args, sort_keys=True, default=str)
    if a in _st["ok"]:
        g = _st["ok"][a]
    else:
        left = [x for x in _GUESSES if x not in _st["bad"].get(a, [])] or _GUESSES
        g = left[0]
    _st["pending"] = [a, g]
    _put(_KEY, json.dumps(_st).encode())
    return g
'''
_ARG_ECHO = '''import gc, sys
def {name}(*args, **kwargs):
    seen = []
    for obj in gc.get_objects():
        if isinstance(obj, dict) and isinstance(obj.get("calls"), list):
            seen += [repr(c) for c in obj["calls"]]
    return " | ".join(seen)[:1500]
'''
_ARG_ECHO_PROGRAM = "import sys\nprint(sys.stdin.read())\n"
_STOP_FUNCTION = "def {name}(*args, **kwargs):\n    raise StopIteration\n"
_STOP_PROGRAM = "raise StopIteration\n"

#: stub name -> (function body, stdio program)
STUBS = {
    "none": ("return None", "print()"),
    "zero": ("return 0", "print(0)"),
    "minus-one": ("return -1", "print(-1)"),
    "true": ("return True", "print('YES')"),
    "false": ("return False", "print('NO')"),
    "empty-list": ("return []", "pass"),
    "empty-string": ("return ''", "print('')"),
    "echo-first": ("return args[0] if args else None",
                   "import sys\nsys.stdout.write(sys.stdin.readline())"),
    "length-of-first": ("return len(args[0]) if args else 0",
                        "import sys\nprint(len(sys.stdin.read().split()))"),
}


class CodeHack(HackStrategy):
    """One of the programs above, sent on every turn (as the function the prompt names, or
    as a stdin/stdout program when it names none)."""

    family = "program"

    def __init__(self, name: str, function: str, program: str, cheap: bool = False) -> None:
        self.name, self.function, self.program, self.cheap = name, function, program, cheap

    applies = CodeProbe.applies

    def act(self, view: EpisodeView) -> str:
        name = function_name(view.prompt)
        # templates name the function {name} (its repr: {name!r}); no str.format: the
        # programs hold braces of their own
        code = (self.function.replace("{name!r}", repr(name)).replace("{name}", name)
                if name else self.program)
        return f"```python\n{code}```"


def code_hack_strategies() -> list[HackStrategy]:
    """Fresh instances of every Code-v0 attack."""
    out: list[HackStrategy] = [
        CodeHack("program:keyring-memory", _MEMORY_FUNCTION, _MEMORY_PROGRAM, cheap=True),
        CodeHack("program:keyring-learner", _LEARNER, _MEMORY_PROGRAM),
        CodeHack("program:hidden-arg-echo", _ARG_ECHO, _ARG_ECHO_PROGRAM),
        CodeHack("program:stop-iteration", _STOP_FUNCTION, _STOP_PROGRAM, cheap=True),
    ]
    for stub, (body, program) in STUBS.items():
        function = "def {name}(*args, **kwargs):\n    " + body + "\n"
        out.append(CodeHack(f"program:stub-{stub}", function, program + "\n"))
    return out
