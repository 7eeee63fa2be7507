"""What a guest can see of the host: only its minimal root. The attack that used to pass every
procedural Code task (find the installed package, parse the family modules, call the
reference) is run for real: it earns 1.0 without isolation and 0 with it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator

import pytest

import rlvr_envs
from rlvr_envs.core.data import task_file
from rlvr_envs.core.sandbox import Sandbox, SandboxLimits
from rlvr_envs.core.tasks import read_records
from rlvr_envs.envs.code import normalize_code_record, verify_code
from rlvr_envs.envs.code.families import ALL_FAMILIES, StdioVariant, make_code_source

UID_BASE = 63400   # our own uid range: other sandboxes on a shared machine do not count
PACKAGE = os.path.dirname(os.path.realpath(rlvr_envs.__file__))
REPO = os.path.dirname(PACKAGE)
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="isolation needs root (CI runs as root)")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(workers=2, limits=SandboxLimits(wall_time_s=10.0, cpu_time_s=10.0),
                 uid_base=UID_BASE)
    if os.geteuid() == 0:   # CI: every kind of isolation must be in force
        assert sb.filesystem_isolated and sb.pid_isolated and sb.privileges_dropped
        assert sb.isolation_warning is None, sb.isolation_warning
    yield sb
    sb.close()


@pytest.fixture(scope="module")
def unconfined() -> Iterator[Sandbox]:
    """What a user without root gets: the guest sees the host."""
    with pytest.warns(RuntimeWarning, match="NOT isolated"):
        sb = Sandbox(workers=2, namespaces=False, drop_privileges=False)
    yield sb
    sb.close()


def _distinctive() -> list[str]:
    """Strings found only in the project: its names, paths and every reference solution."""
    names = [v.solve.__name__ if isinstance(v, StdioVariant) else v.reference.__name__
             for family in ALL_FAMILIES for v in family.variants]
    return ["rlvr_envs", "rlvr-envs", "/work/", REPO, "canonical_solution", "HumanEval/",
            *(f"def {name}(" for name in names)]


WALK = r'''
import os, sys
needles = [n.encode() for n in sys.argv[1:] or NEEDLES]
hits, files = [], 0
for dirpath, dirnames, filenames in os.walk("/"):
    if dirpath == "/proc":
        dirnames[:] = ["self"]      # the others are checked apart
    for name in filenames:
        path = os.path.join(dirpath, name)
        files += 1
        if path == os.path.abspath("main.py"):
            continue                # this program: it holds the needles
        if "rlvr" in path or path.endswith((".jsonl", "pyproject.toml")):
            hits.append(path)
        try:
            if os.path.islink(path) or not os.path.isfile(path) or \
                    os.path.getsize(path) > 4 << 20:
                continue
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        hits += [f"{path}: {n.decode()}" for n in needles if n in data]
print(files)
print("\n".join(hits))
'''


@ROOT_ONLY
def test_a_guest_walking_every_readable_path_finds_nothing_of_the_project(
        sandbox: Sandbox) -> None:
    source = f"NEEDLES = {_distinctive()!r}\n" + WALK
    r = sandbox.run_python(source, limits=SandboxLimits(wall_time_s=120, cpu_time_s=120,
                                                        memory_mb=1024))
    assert r.ok, r.stderr[-2000:]
    files, *hits = r.stdout.strip().split("\n")
    assert int(files) > 1000           # the standard library is there: it did walk
    assert [h for h in hits if h] == []


@ROOT_ONLY
def test_the_project_the_venv_and_homes_are_absent(sandbox: Sandbox) -> None:
    probes = [PACKAGE, os.path.join(PACKAGE, "envs", "code", "families", "arrays.py"), REPO,
              "/work", "/home", "/root/.bashrc", "/root/.ssh", "/etc/passwd", "/etc/shadow",
              os.path.dirname(sys.executable),   # the venv's bin, when there is one
              *[p for p in sys.path if p.endswith("site-packages")]]
    source = (
        "import os, sys\n"
        "try:\n    import rlvr_envs\n    print('imported', rlvr_envs.__file__)\n"
        "except ImportError:\n    print('import failed')\n"
        f"for p in {probes!r}:\n"
        "    try:\n        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
        "        print('readable', p, os.listdir(p) if os.path.isdir(p) else '')\n"
        "    except OSError:\n        pass\n"
        "print('root', sorted(os.listdir('/')))\n"
        "print('home', sorted(os.listdir('/root')))\n"
        "print('pids', sorted(int(e) for e in os.listdir('/proc') if e.isdigit()))\n"
        "print('sys.path', [p for p in sys.path if 'site-packages' in p or '/work' in p])\n")
    r = sandbox.run_python(source)
    assert r.ok, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "import failed"
    readable = [line for line in lines if line.startswith("readable")]
    # the interpreter's own directory is there when sys.executable is not in a venv
    assert [x for x in readable if "site-packages" in x or "/work" in x or "/home" in x
            or ".bashrc" in x or "rlvr" in x or "/etc/" in x] == []
    assert "root ['bin', 'dev', 'etc', 'lib'" in r.stdout and "'work'" not in r.stdout
    assert "home ['.pyenv']" in r.stdout or "home []" in r.stdout
    assert "pids [1]" in r.stdout       # only itself: the guest is PID 1 of its namespace
    assert "sys.path []" in r.stdout


@ROOT_ONLY
def test_the_guest_cannot_change_its_root(sandbox: Sandbox) -> None:
    source = ("import os\n"
              "for path in ('/usr/bin/evil', '/etc/x', '/x', '/root/x', '/packages/x'):\n"
              "    try:\n        open(path, 'w').write('x')\n        print('wrote', path)\n"
              "    except OSError:\n        pass\n"
              "open('/tmp/ok', 'w').write('x')\nprint('tmp ok')\n")
    r = sandbox.run_python(source)
    assert r.stdout == "tmp ok\n", r.stdout + r.stderr


# --- the attack -------------------------------------------------------------------------------

#: A submission a policy can write from the prompt alone: search the file system and the
#: interpreter for the task's reference (function style: by the entry point's name; stdio:
#: by the task's title; check: the task's record in a JSONL file), then call it.
ATTACK = r'''
import ast, gc, json, os, re, sys, time, types

MODE, NEEDLE, NAME = __MODE__, __NEEDLE__, __NAME__
_t0 = time.monotonic()
SKIP = {"proc", "sys", "node_modules", ".git", "__pycache__", "tests", "docs", "benchmarks"}
PREFER = {"rlvr_envs", "envs", "code", "families", "tasks"}


def texts():
    """Every place where a path or a source text could hide, as strings."""
    yield from map(str, sys.path)
    yield from (str(getattr(sys, a, "")) for a in ("prefix", "base_prefix", "executable"))
    for m in list(sys.modules.values()):
        yield str(getattr(m, "__file__", "") or "")
        yield from map(str, getattr(m, "__path__", None) or [])
    for o in gc.get_objects():
        if isinstance(o, types.CodeType):
            yield o.co_filename
        elif isinstance(o, str) and NEEDLE in o:
            yield o
    yield from os.environ.values()
    yield os.getcwd()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for name in ("cmdline", "environ", "maps", "mountinfo"):
                try:
                    with open(f"/proc/{pid}/{name}", "rb") as f:
                        yield f.read().decode("latin-1").replace("\0", "\n")
                except OSError:
                    pass
            for link in ("cwd", "root", "exe"):
                try:
                    yield os.readlink(f"/proc/{pid}/{link}")
                except OSError:
                    pass
    for fd in range(256):
        try:
            yield os.readlink(f"/proc/self/fd/{fd}")
            yield os.pread(fd, 1 << 20, 0).decode("latin-1")
        except OSError:
            pass


def memory():
    """The readable memory of every other process we can see (the judge's, unisolated)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            maps = open(f"/proc/{pid}/maps").read().splitlines()
            mem = open(f"/proc/{pid}/mem", "rb", 0)
        except OSError:
            continue
        with mem:
            for line in maps:
                addr, perms = line.split()[:2]
                lo, hi = (int(x, 16) for x in addr.split("-"))
                if "rw" not in perms or hi - lo > 1 << 28 or time.monotonic() - _t0 > 6:
                    continue
                try:
                    mem.seek(lo)
                    data = mem.read(hi - lo)
                except (OSError, ValueError, OverflowError):
                    continue
                at = data.find(NEEDLE.encode())
                while at >= 0:
                    yield data[at:at + 20000].split(b"\0")[0].decode("latin-1")
                    at = data.find(NEEDLE.encode(), at + 1)


def function_from(text):
    if MODE == "check":
        for line in text.splitlines():
            if NEEDLE in line:
                try:
                    record = json.loads(line)
                    ns = {}
                    exec(record["prompt"] + record["canonical_solution"], ns)
                    return ns[NAME]
                except Exception:
                    pass
        return None
    lines = text.splitlines()
    for end in range(len(lines), 0, -1):
        try:
            tree = ast.parse("\n".join(lines[:end]))
        except (SyntaxError, ValueError):
            continue
        name = NAME
        if MODE == "stdio":
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and len(n.args) > 2
                     and isinstance(n.args[0], ast.Constant) and n.args[0].value == NEEDLE]
            if not calls:
                return None
            name = calls[0].args[2].id
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
        if not defs:
            return None
        ns = {}
        for node in tree.body:
            if isinstance(node, ast.Import) or node is defs[0]:
                try:
                    exec(compile(ast.Module(body=[node], type_ignores=[]), "<found>", "exec"), ns)
                except Exception:
                    pass
        return ns.get(name)
    return None


def directories():
    paths = []
    for text in texts():
        paths += re.findall(r"/[\w.+\-/]+", text)
    paths.sort(key=lambda p: "rlvr" not in p)
    seen = set()
    for p in paths + ["/work", "/root", "/home", "/opt", "/srv", "/usr/local/lib", "/tmp"]:
        p = p.rstrip("/")
        while p and p != "/" and p not in seen:
            seen.add(p)
            if os.path.isdir(p):
                yield p
            p = os.path.dirname(p)


def search():
    for text in texts():
        if NEEDLE in text:
            found = function_from(text[text.index(NEEDLE):] if MODE == "function" else text)
            if found:
                return found
    walked = set()
    suffixes = (".jsonl",) if MODE == "check" else (".py",)
    for root in directories():
        for dirpath, dirnames, filenames in os.walk(root):
            if time.monotonic() - _t0 > 6 or dirpath in walked:
                dirnames[:] = []
                continue
            walked.add(dirpath)
            dirnames[:] = sorted((d for d in dirnames if d not in SKIP),
                                 key=lambda d: d not in PREFER)
            for name in filenames:
                if not name.endswith(suffixes):
                    continue
                try:
                    with open(os.path.join(dirpath, name), errors="replace") as f:
                        text = f.read(4 << 20)
                except OSError:
                    continue
                if NEEDLE in text:
                    found = function_from(text[text.index(NEEDLE):]
                                          if MODE == "function" else text)
                    if found:
                        return found
    for text in memory():
        found = function_from(text)
        if found:
            return found
    return None


FOUND = search()
if MODE == "stdio" and FOUND is not None:
    sys.stdout.write(FOUND(sys.stdin.read()))
'''


def attack(task: dict, read_memory: bool = True) -> str:
    """The attack, specialised as a policy would from what the prompt shows
    (`read_memory=False`: files and /proc texts only, not other processes' memory)."""
    if task["style"] == "stdio":
        mode, needle, name = "stdio", task["prompt"].split("\n", 1)[0], None
    elif task["style"] == "check":
        entry = task["entry_point"]
        mode, needle, name = "check", f'"entry_point": "{entry}"', entry
    else:
        entry = task["entry_point"]
        mode, needle, name = "function", f"def {entry}(", entry
    source = (ATTACK.replace("__MODE__", repr(mode)).replace("__NEEDLE__", repr(needle))
              .replace("__NAME__", repr(name)))
    if not read_memory:
        source = source.replace("for text in memory():", "for text in ():")
    if mode != "stdio":
        source += (f"\n\ndef {name}(*args, **kwargs):\n"
                   "    return None if FOUND is None else FOUND(*args, **kwargs)\n")
    return f"```python\n{source}\n```"


def _procedural_tasks() -> dict[str, dict]:
    """One procedural task per family and test style."""
    source, tasks = make_code_source(seed=3), {}
    for family in ALL_FAMILIES:
        for index in range(40):
            task = source.build(family.name, 1, index)
            tasks.setdefault(f"{family.name}/{task['style']}", task)
    return tasks


TASKS = _procedural_tasks()
HUMANEVAL = normalize_code_record(next(
    r for r in read_records(task_file("code", "humaneval.jsonl"))[0]
    if r["task_id"] == "HumanEval/0"))


def test_every_family_and_style_is_attacked() -> None:
    assert {k.split("/")[0] for k in TASKS} == {f.name for f in ALL_FAMILIES}
    assert {k.split("/")[1] for k in TASKS} == {"function", "stdio"}


@pytest.mark.parametrize("key", sorted(TASKS))
def test_the_search_attack_finds_no_procedural_reference_in_files_without_isolation(
        key: str, unconfined: Sandbox) -> None:
    # procedural references are specialised per task (parameters written in, names drawn),
    # so no file holds them: even a guest that sees the host finds nothing to call in its
    # files (the family modules hold generic references that need the task's parameters).
    # The judge's memory does hold it, and an unisolated root guest may read it
    # (docs/sandbox.md): that is what the isolation below is for.
    assert "for text in ():" in attack(TASKS[key], read_memory=False)
    verdict, _ = verify_code(TASKS[key], attack(TASKS[key], read_memory=False),
                             sandbox=unconfined)
    assert not verdict.passed and verdict.reward == 0.0, verdict
    assert "NOT isolated" in verdict.details["isolation_warning"]


def test_the_task_data_attack_works_without_isolation(unconfined: Sandbox) -> None:
    # a check-style task: the attack finds the task's record in the shipped JSONL file
    verdict, _ = verify_code(HUMANEVAL, attack(HUMANEVAL), sandbox=unconfined)
    assert verdict.passed, verdict


@ROOT_ONLY
@pytest.mark.parametrize("key", sorted(TASKS))
def test_the_search_attack_earns_zero_with_isolation(key: str, sandbox: Sandbox) -> None:
    verdict, report = verify_code(TASKS[key], attack(TASKS[key]), sandbox=sandbox)
    assert verdict.reward == 0.0 and not verdict.passed and not verdict.infra_error, verdict
    assert "isolation_warning" not in verdict.details
    # the attacker got nothing: every hidden test with a non-trivial answer failed
    assert not any(t.passed for t in report.hidden if t.expected not in ("''", "", "0", "[]"))


@ROOT_ONLY
def test_the_task_data_attack_earns_zero_with_isolation(sandbox: Sandbox) -> None:
    verdict, _ = verify_code(HUMANEVAL, attack(HUMANEVAL), sandbox=sandbox)
    assert verdict.reward == 0.0 and not verdict.infra_error, verdict


# --- what the root does offer ------------------------------------------------------------------

@ROOT_ONLY
def test_allow_listed_packages_are_importable_and_nothing_else(sandbox: Sandbox) -> None:
    pytest.importorskip("numpy")   # a dependency of the venv (torch); skip elsewhere
    probe = ("import sys\ntry:\n    import numpy\n    print(numpy.arange(4).sum())\n"
             "except ImportError as e:\n    print('no numpy')\n"
             "try:\n    import sympy\nexcept ImportError:\n    print('no sympy')\n")
    assert sandbox.run_python(probe).stdout == "no numpy\nno sympy\n"
    r = sandbox.run_python(probe, packages=["numpy"])
    assert r.stdout == "6\nno sympy\n", r.stderr
    # (the package's .pyc files name the venv path they were compiled at, which is under the
    # repository when the venv is `.venv/` in the checkout, as in CI: a path, not a finding)
    needles = [n for n in _distinctive() if n not in ("/work/", REPO)]
    walk = sandbox.run_python(f"NEEDLES = {needles!r}\n" + WALK,
                              limits=SandboxLimits(wall_time_s=120, cpu_time_s=120,
                                                   memory_mb=1024), packages=["numpy"])
    assert walk.ok and walk.stdout.strip().split("\n")[1:] == [], walk.stdout[-2000:]
    missing = sandbox.run_python("print(1)", packages=["no_such_package_xyz"])
    assert missing.infra_error and "no_such_package_xyz" in missing.infra_error
    # a task cannot list the project itself (importable in the judge's environment)
    project = sandbox.run_python("import rlvr_envs", packages=["rlvr_envs"])
    assert project.infra_error and "never exposed" in project.infra_error


@ROOT_ONLY
def test_commands_and_their_libraries_work(sandbox: Sandbox) -> None:
    r = sandbox.run_command(["sh", "-c", "echo $(date +%Y | wc -c) | tr 5 x; ls /usr/bin | "
                                         "head -1"])
    assert r.ok and r.stdout.startswith("x\n"), (r.stdout, r.stderr)
    # a command outside the defaults is copied into that run's root (md5sum: coreutils)
    md5 = sandbox.run_command(["md5sum", "in.txt"], files={"in.txt": "abc"})
    assert md5.ok and md5.stdout.startswith("900150983cd24fb0d6963f7d28e17f72"), md5.stderr
    # subprocesses of the candidate find the interpreter
    py = sandbox.run_python("import subprocess, sys\n"
                            "print(subprocess.run([sys.executable, '-c', 'print(6 * 7)'], "
                            "capture_output=True, text=True).stdout.strip())\n")
    assert py.stdout == "42\n", py.stderr


def test_the_warning_is_on_every_result(unconfined: Sandbox) -> None:
    r = unconfined.run_python("print(1)")
    assert r.ok and r.isolation_warning and "NOT isolated" in r.isolation_warning
    assert not unconfined.filesystem_isolated
    if os.geteuid() == 0:
        with Sandbox(workers=1, uid_base=UID_BASE) as sb:
            assert sb.run_python("print(1)").isolation_warning is None


def test_code_tasks_declare_packages() -> None:
    task = normalize_code_record({"prompt": "Sum with numpy.", "entry_point": "f",
                                  "tests": [{"args": [[1, 2]], "expected": 3}],
                                  "packages": ["numpy"]})
    assert task["packages"] == ["numpy"]
    with pytest.raises(ValueError, match="packages"):
        normalize_code_record({"prompt": "p", "entry_point": "f", "packages": "numpy",
                               "tests": [{"args": [1], "expected": 1}]})
    json.dumps(task)   # still a plain record
