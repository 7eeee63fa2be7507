"""Task loaders: VerilogEval v2 spec-to-rtl directories and plain records.

A VerilogEval v2 problem is three files, `ProbNNN_name_prompt.txt`, `ProbNNN_name_ref.sv`
(module `RefModule`) and `ProbNNN_name_test.sv` (module `tb`, printing
`Mismatches: N in M samples`). We keep the problem's own testbench and reference; at
verification time the testbench gets a nonce'd record of its statistics, random names for its
top and instances, and the design sits on its nets exactly as in VerilogEval
(`verilogeval_bench.verilogeval_testbench`).

Two data defects are handled here, both reported in the returned list's `skipped` / `fixed`:

* **Unwinnable problems**: under Icarus Verilog 11, five references fail their own testbench,
  so no design can pass (`UNWINNABLE_ICARUS11`). They are skipped by default
  (`skip_unwinnable=False` keeps them); `check_references=True` instead runs every reference
  through the verifier and skips exactly those that fail (any simulator version; one
  simulation per problem).
* **Prompt port lists that contradict the reference** (Prob031_dff lists `q` as an input; the
  reference and testbench have it as an output): the interface list of the prompt
  (` - input  name (N bits)` lines) is rewritten from the reference's ports, so a design that
  follows the prompt declares the interface the testbench connects (`fix_port_lists=False`
  keeps the prompt as published). Code quoted in a prompt is never changed (in the
  bug-fixing problems, a wrong width there is the bug to fix).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .verilogeval_bench import parse_ports

REQUIRED_KEYS = ("spec", "reference")
#: problems whose reference fails its own testbench under Icarus Verilog 11 (measured with
#: benchmarks/verilog_eval.py; VerilogEval itself pins Icarus 12)
UNWINNABLE_ICARUS11 = {
    "Prob082_lfsr32": "the reference hits its testbench's TIMEOUT",
    "Prob141_count_clock": "the reference hits its testbench's TIMEOUT",
    "Prob099_m2014_q6c": "does not compile: the testbench connects ports Y2 and Y4, which the "
                         "reference lacks",
    "Prob151_review2015_fsm": "the reference does not compile (sorry: this cast operation is "
                              "not yet supported)",
    "Prob156_review2015_fancytimer": "the reference does not compile (sorry: this cast "
                                     "operation is not yet supported)",
}
_PORT_LINE = re.compile(r"^(?P<lead>[ \t]*-[ \t]*)(?P<dir>input|output)(?P<gap>[ \t]+)"
                        r"(?P<name>\w+)(?P<rest>[ \t]*,?[ \t]*(?:\([ \t]*(?P<width>\d+)[ \t]*"
                        r"bits?[ \t]*\))?[ \t]*,?[ \t]*)$", re.M)


class VerilogEvalTasks(list):
    """`load_verilogeval`'s tasks (a list), with `skipped` (reason -> ids left out) and
    `fixed` (id -> what was changed in its prompt)."""

    def __init__(self, tasks: Iterable[dict[str, Any]] = (),
                 skipped: Mapping[str, list[str]] | None = None,
                 fixed: Mapping[str, str] | None = None) -> None:
        super().__init__(tasks)
        self.skipped: dict[str, list[str]] = {k: list(v) for k, v in (skipped or {}).items()}
        self.fixed: dict[str, str] = dict(fixed or {})

    def summary(self) -> str:
        total = sum(len(v) for v in self.skipped.values())
        parts = [f"{', '.join(v)}: {k}" for k, v in sorted(self.skipped.items())]
        text = f"{len(self)} VerilogEval problems loaded, {total} skipped"
        text += f" ({'; '.join(parts)})" if parts else ""
        if self.fixed:
            text += "; prompt port lists fixed: " + "; ".join(
                f"{k}: {v}" for k, v in sorted(self.fixed.items()))
        return text


def load_verilogeval(directory: str | Path, *, skip_unwinnable: bool = True,
                     check_references: bool = False,
                     fix_port_lists: bool = True) -> VerilogEvalTasks:
    """Every complete problem (prompt, ref and test present) in a VerilogEval v2 directory,
    sorted by name, as task records ready for `VerilogEnv(tasks=...)`. Unwinnable problems
    are left out (see the module docstring) and listed in `.skipped` with a warning; prompts
    whose port list contradicts the reference are fixed and listed in `.fixed`."""
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"VerilogEval directory {str(root)!r} does not exist")
    tasks, fixed = [], {}
    for prompt in sorted(root.glob("*_prompt.txt")):
        stem = prompt.name[: -len("_prompt.txt")]
        ref, test = root / f"{stem}_ref.sv", root / f"{stem}_test.sv"
        if not (ref.exists() and test.exists()):
            continue
        reference = ref.read_text(encoding="utf-8")
        ports = parse_ports(reference) or []
        spec = prompt.read_text(encoding="utf-8")
        if fix_port_lists:
            spec, note = fix_port_list(spec, ports)
            if note:
                fixed[f"verilogeval/{stem}"] = note
        tasks.append({"id": f"verilogeval/{stem}", "spec": spec, "reference": reference,
                      "testbench": test.read_text(encoding="utf-8"), "ports": ports,
                      "style": "verilogeval", "difficulty": 1, "source": "verilogeval"})
    if not tasks:
        raise ValueError(f"no VerilogEval problems (ProbNNN_name_prompt.txt with _ref.sv and "
                         f"_test.sv) found in {str(root)!r}")
    skipped: dict[str, list[str]] = {}
    if skip_unwinnable:
        for task in tasks:
            why = (_reference_problem(task) if check_references
                   else UNWINNABLE_ICARUS11.get(task["id"].split("/", 1)[1]))
            if why:
                skipped.setdefault(why, []).append(task["id"])
        dropped = {i for ids in skipped.values() for i in ids}
        tasks = [t for t in tasks if t["id"] not in dropped]
    result = VerilogEvalTasks(tasks, skipped, fixed)
    if skipped or fixed:
        warnings.warn(result.summary() + ("; skip_unwinnable=False keeps them" if skipped
                                          else ""), stacklevel=2)
    return result


def fix_port_list(spec: str, ports: list[dict[str, Any]]) -> tuple[str, str]:
    """The prompt with its interface list (` - input  q`) agreeing with the reference's
    `ports` in direction and width, and a note of what changed ("" when nothing did)."""
    by_name = {p["name"]: p for p in ports}
    notes = []

    def repair(m: re.Match[str]) -> str:
        port = by_name.get(m.group("name"))
        if port is None:
            return m.group()
        width = int(m.group("width") or 1)
        if port["dir"] == m.group("dir") and port["width"] == width:
            return m.group()
        notes.append(f"the prompt lists {m.group('dir')} {m.group('name')} ({width} bit"
                     f"{'s' if width > 1 else ''}); the reference has {port['dir']} "
                     f"{port['name']} ({port['width']} bit{'s' if port['width'] > 1 else ''})")
        size = f" ({port['width']} bits)" if port["width"] > 1 else ""
        gap = m.group("gap") if port["dir"] == m.group("dir") else " " * max(
            1, len(m.group("gap")) + len(m.group("dir")) - len(port["dir"]))
        return f"{m.group('lead')}{port['dir']}{gap}{m.group('name')}{size}"

    return _PORT_LINE.sub(repair, spec), "; ".join(notes)


def _reference_problem(task: dict[str, Any]) -> str | None:
    """Why the problem's reference fails its own testbench here, or None."""
    from .simulate import verilogeval_expectation
    return None if verilogeval_expectation(task) else (
        "the reference fails its own testbench under the installed Icarus Verilog")


def normalize_verilog_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Check a user record against the task schema (docs/envs/verilog.md)."""
    task = dict(record)
    missing = [k for k in REQUIRED_KEYS if not task.get(k)]
    if missing:
        raise ValueError(f"missing {missing}; a Verilog task needs spec and reference "
                         "(module RefModule), plus ports (generated testbench) or testbench")
    if "module RefModule" not in str(task["reference"]):
        raise ValueError("reference must declare 'module RefModule'")
    if not task.get("testbench"):
        ports = task.get("ports")
        if not ports or not all({"name", "dir", "width"} <= set(p) for p in ports):
            raise ValueError("a task without its own testbench needs ports: "
                             "[{name, dir, width}, ...]")
        task.setdefault("clock", None)
        task.setdefault("reset", None)
        task.setdefault("stimulus", {})
        task.setdefault("style", "sequential" if task["clock"] else "combinational")
    else:
        task.setdefault("ports", parse_ports(str(task["reference"])) or [])
        task.setdefault("style", "verilogeval")
    return task
