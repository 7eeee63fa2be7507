"""Task loaders: VerilogEval v2 spec-to-rtl directories and plain records.

A VerilogEval v2 problem is three files, `ProbNNN_name_prompt.txt`, `ProbNNN_name_ref.sv`
(module `RefModule`) and `ProbNNN_name_test.sv` (module `tb`, printing
`Mismatches: N in M samples`). We keep the problem's own testbench and reference; at
verification time the testbench gets a nonce'd record of its statistics and the design sits
behind a wrapper that isolates its inputs (see `testbench.verilogeval_testbench`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .testbench import parse_ports

REQUIRED_KEYS = ("spec", "reference")


def load_verilogeval(directory: str | Path) -> list[dict[str, Any]]:
    """Every complete problem (prompt, ref and test present) in a VerilogEval v2 directory,
    sorted by name, as task records ready for `VerilogEnv(tasks=...)`."""
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"VerilogEval directory {str(root)!r} does not exist")
    tasks = []
    for prompt in sorted(root.glob("*_prompt.txt")):
        stem = prompt.name[: -len("_prompt.txt")]
        ref, test = root / f"{stem}_ref.sv", root / f"{stem}_test.sv"
        if not (ref.exists() and test.exists()):
            continue
        reference = ref.read_text(encoding="utf-8")
        tasks.append({"id": f"verilogeval/{stem}", "spec": prompt.read_text(encoding="utf-8"),
                      "reference": reference, "testbench": test.read_text(encoding="utf-8"),
                      "ports": parse_ports(reference) or [], "style": "verilogeval",
                      "difficulty": 1, "source": "verilogeval"})
    if not tasks:
        raise ValueError(f"no VerilogEval problems (ProbNNN_name_prompt.txt with _ref.sv and "
                         f"_test.sv) found in {str(root)!r}")
    return tasks


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
