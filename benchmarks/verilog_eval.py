"""Differential benchmark: rlvr/Verilog-v0 against VerilogEval v2's own harness.

    python benchmarks/verilog_eval.py PATH [--json-out FILE] [--only Prob0] [--load N]

PATH is a VerilogEval v2 `dataset_spec-to-rtl` directory (`ProbNNN_name_prompt.txt`,
`_ref.sv`, `_test.sv`; get it from github.com/NVlabs/verilog-eval, nothing is downloaded
here). Every problem's reference, plus candidates derived from it, goes through both:

* ours: `load_verilogeval(PATH)` (the five problems whose reference fails under Icarus 11
  are skipped unless `--keep-unwinnable`; Prob031's prompt port list is fixed) and
  `verify_verilog` (lint, our testbench record, the sandboxed CPU-limited run);
* theirs (when `iverilog` is on PATH): VerilogEval's Makefile way, `iverilog -Wall -Winfloop
  -Wno-timescale -g2012 -s tb -o bin sample.sv test.sv ref.sv` then `timeout 30 ./bin`, and
  the pass/fail code of its `scripts/sv-iv-analyze` (re-implemented in `analyzer_code`: pass
  is `.`, a line `Mismatches: 0 in N samples` with no error, timeout or warning class first).

Candidates: `reference` (renamed to TopModule), wrong ones (`invert_bit`: bit 0 of the first
output flipped; `swap_operands`: the first `-`, `<`, `>`, the first two parts of a `{a, b, ...}` or `?:` with its operands swapped;
`off_by_one`: the first constant that is not a single bit, plus one; `missing_reset`: the reset port ignored;
`latch`: every output held while the first data input's bit 0 is low; `stuck_zero`: every
output 0; `tran_blind`: a hack, outputs 0 and every input
joined by `tran` switches to an X net) and right ones (`hierarchy`: the reference as a submodule; `sv_style`: `logic`,
`always_ff`, `always_comb`; `always_comb_const`: `assign x = 0;` written `always_comb x = 0;`). A mutation that does not apply to a problem is skipped.

Prints a table per candidate class (n, passes on each side, agreement, our fp and fn against
the truth, which is VerilogEval's verdict except where a disagreement is adjudicated for
ours, counted as "theirs wrong") and the disagreements by class with who is right;
`--json-out` writes the shared differential schema. `--load N` runs N CPU burners (own sessions) during the whole run, to
show that verdicts do not depend on machine load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlvr_envs.envs.verilog.env import to_top_module  # noqa: E402
from rlvr_envs.envs.verilog.loaders import load_verilogeval  # noqa: E402
from rlvr_envs.envs.verilog.simulate import verify_verilog  # noqa: E402
from rlvr_envs.envs.verilog.verilogeval_bench import parse_ports  # noqa: E402

WRONG = ("invert_bit", "swap_operands", "off_by_one", "missing_reset", "latch", "stuck_zero",
         "tran_blind")
RIGHT = ("reference", "hierarchy", "sv_style", "always_comb_const")


# ---------------------------------------------------------------------------------------------
# Candidates
# ---------------------------------------------------------------------------------------------

def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)


def _split(reference: str) -> tuple[str, str]:
    """(header through the port list's `);`, body through `endmodule`) of RefModule."""
    text = to_top_module(_strip_comments(reference))
    m = re.search(r"\bmodule\s+TopModule\b.*?\)\s*;", text, re.S)
    if m is None:
        raise ValueError("no TopModule header")
    return text[:m.end()], text[m.end():]


def _outside_brackets(body: str) -> str:
    """`body` with the inside of [...] blanked (same length), so ranges are not mutated."""
    return re.sub(r"\[[^\]]*\]", lambda m: "[" + " " * (len(m.group()) - 2) + "]", body)


def _wrapper(reference: str, ports: list[dict[str, Any]], assigns: Callable[..., str]) -> str:
    """The reference renamed `rlvr_core` inside a TopModule with the same ports; each output
    is produced by `assigns(name, range, core_wire)` from the core's output."""
    core = re.sub(r"\bRefModule\b", "rlvr_core", reference)
    head = ", ".join(f"{p['dir']} {p['range']} {p['name']}" for p in ports)
    lines = [f"module TopModule ({head});"]
    conns = []
    for p in ports:
        if p["dir"] == "output":
            lines.append(f"  wire {p['range']} core_{p['name']};")
            conns.append(f".{p['name']}(core_{p['name']})")
        else:
            conns.append(f".{p['name']}({p['name']})")
    lines.append(f"  rlvr_core core ({', '.join(conns)});")
    lines += [assigns(p["name"], p["range"], f"core_{p['name']}") for p in ports
              if p["dir"] == "output"]
    return core + "\n" + "\n".join(lines) + "\nendmodule\n"


def _data_input(ports: list[dict[str, Any]]) -> str | None:
    for p in ports:
        if p["dir"] == "input" and p["name"] not in ("clk", "clock"):
            return f"{p['name']}[0]" if p["range"] else p["name"]
    return None


def candidates(task: dict[str, Any]) -> dict[str, str]:
    """Every candidate design (class -> TopModule source) that applies to `task`."""
    ref = str(task["reference"])
    ports = parse_ports(ref) or []
    out = {"reference": to_top_module(ref)}
    outputs = [p for p in ports if p["dir"] == "output"]
    if outputs:
        first = outputs[0]["name"]
        out["invert_bit"] = _wrapper(ref, ports, lambda n, r, c: (
            f"  assign {n} = {c} ^ 1'b1;" if n == first else f"  assign {n} = {c};"))
        out["stuck_zero"] = _wrapper(ref, ports, lambda n, r, c: f"  assign {n} = '0;")
        out["hierarchy"] = _wrapper(ref, ports, lambda n, r, c: f"  assign {n} = {c};")
        en = _data_input(ports)
        if en:
            out["latch"] = _wrapper(ref, ports, lambda n, r, c: (
                f"  reg {r} held_{n};\n  always @* if ({en}) held_{n} = {c};\n"
                f"  assign {n} = held_{n};"))
    if any(p["dir"] == "input" for p in ports):
        out["tran_blind"] = _tran_blind(ports)
    header, body = _split(ref)
    for name, mutate in (("swap_operands", _swap_operands), ("off_by_one", _off_by_one),
                         ("missing_reset", lambda b: _missing_reset(b, ports))):
        mutated = mutate(body)
        if mutated is not None and mutated != body:
            out[name] = header + mutated
    constant = re.sub(r"\bassign\s+(\w+)\s*=\s*([0-9']+[bdh]?[0-9a-fA-F]*)\s*;",
                      r"always_comb \1 = \2;", body)
    if constant != body:
        named = re.findall(r"always_comb (\w+) =", constant)
        out["always_comb_const"] = re.sub(
            rf"\boutput\s+({'|'.join(named)})\b", r"output logic \1", header) + constant
    styled = re.sub(r"\breg\b", "logic", body)
    styled = re.sub(r"\balways\s*@\s*\(\s*(pos|neg)edge", r"always_ff @(\1edge", styled)
    styled = re.sub(r"\balways\s*@\s*(\(\s*\*\s*\)|\*)", "always_comb", styled)
    if styled != body:
        out["sv_style"] = re.sub(r"\boutput\s+reg\b", "output logic", header) + styled
    return out


def _tran_blind(ports: list[dict[str, Any]]) -> str:
    """A hack, not a design: every input bit joined by a `tran` switch to an X net (the
    reference then reads X, a don't-care under VerilogEval's rule), every output 0."""
    head = ", ".join(f"{p['dir']} {p['range']} {p['name']}" for p in ports)
    lines = [f"module TopModule ({head});", "  genvar i;"]
    for p in ports:
        n = p["name"]
        if p["dir"] == "output":
            lines.append(f"  assign {n} = '0;")
            continue
        lines.append(f"  wire {p['range']} x_{n} = 'x;")
        lines.append(f"  generate for (i = 0; i < {p['width']}; i = i + 1) begin : t_{n}\n"
                     f"    tran sw({n}[i], x_{n}[i]);\n  end endgenerate" if p["range"] else
                     f"  tran sw_{n}({n}, x_{n});")
    return "\n".join(lines) + "\nendmodule\n"


_SIMPLE = r"(\b[A-Za-z_]\w*(?:\[[^\]]*\])?|\b\d+'[bdh][0-9a-fA-F_]+)"


def _swap_operands(body: str) -> str | None:
    """Swap the operands of the first non-commutative operation: `-`, `<`, `>`, the first
    two parts of a concatenation, or the branches of `?:`."""
    masked = _outside_brackets(body)
    found = []
    for op in (r"-", r"<(?![<=])", r"(?<![>=])>(?![>=])"):
        for m in re.finditer(_SIMPLE + r"\s*(" + op + r")\s*" + _SIMPLE, masked):
            if m.group(1) != m.group(3):
                found.append((m.start(1), m.end(1), m.start(3), m.end(3), f" {m.group(2)} "))
                break
    for m in re.finditer(r"\{([^{}();,]+),([^{}();,]+)[,}]", masked):
        if m.group(1).strip() != m.group(2).strip():   # the first two parts of a {...}
            found.append((m.start(1), m.end(1), m.start(2), m.end(2), ","))
            break
    for m in re.finditer(r"\?\s*([^:;?]+?)\s*:\s*([^;?]+?)\s*;", masked):
        if m.group(1).strip() != m.group(2).strip():
            found.append((m.start(1), m.end(1), m.start(2), m.end(2), " : "))
            break
    if not found:
        return None
    a0, a1, b0, b1, sep = min(found)   # the first in the text
    return body[:a0] + body[b0:b1] + sep + body[a0:a1] + body[b1:]


def _off_by_one(body: str) -> str | None:
    """Add one to the first constant (outside ranges and delays) that is not a single bit."""
    masked = _outside_brackets(body)
    pattern = r"(?<![\w'#$.])(\d+)'([bdh])([0-9a-fA-F_]+)\b|(?<![\w'#$.])(\d+)\b(?!')"
    for m in re.finditer(pattern, masked):
        if m.group(4):
            value = int(m.group(4))
            if value < 2:
                continue
            return body[:m.start()] + str(value + 1) + body[m.end():]
        width, base, digits = int(m.group(1)), m.group(2), m.group(3).replace("_", "")
        if width < 2 or not re.fullmatch("[0-9a-fA-F]+", digits):
            continue
        value = (int(digits, {"b": 2, "d": 10, "h": 16}[base]) + 1) % (1 << width)
        return body[:m.start()] + f"{width}'d{value}" + body[m.end():]
    return None


def _missing_reset(body: str, ports: list[dict[str, Any]]) -> str | None:
    resets = [p["name"] for p in ports if p["dir"] == "input"
              and re.fullmatch(r"a?(reset|rst)(_?n)?|ar|r", p["name"])]
    if not resets:
        return None
    name = resets[0]
    idle = "1'b1" if name.endswith("n") else "1'b0"
    replaced = re.sub(rf"\b{name}\b", "rlvr_noreset", body)
    return f"\n  wire rlvr_noreset = {idle};" + replaced


# ---------------------------------------------------------------------------------------------
# Theirs: VerilogEval's compile line and analyzer rules
# ---------------------------------------------------------------------------------------------

#: (substring of a log line, code), checked in this order per line; the first hit decides
_LINE_CODES = (("syntax error", "S"),
               ("error: This assignment requires an explicit cast", "e"),
               ("error: Sized numeric constant must have a size greater than zero", "0"),
               ("warning: always_comb process has no sensitivities", "n"),
               ("found no sensitivities so it will never trigger", "n"),
               ("is declared here as wire", "w"),
               ("Unknown module type", "m"),
               ("Unable to bind wire/reg/memory `clk'", "c"),
               ("TIMEOUT", "T"))


def analyzer_code(log: str) -> str:
    """VerilogEval v2's outcome code for one sample's log (`.` is a pass); the rules of
    its scripts/sv-iv-analyze, re-implemented."""
    any_error = unbound = zero_line = False
    for line in log.splitlines():
        # "syntax error" is tested before a line counts as an error line
        if "syntax error" in line:
            return "S"
        any_error = any_error or "error" in line
        for needle, code in _LINE_CODES[1:]:
            if needle in line:
                return code
        unbound = unbound or "Unable to bind wire/reg" in line
        m = re.match(r"Mismatches: (\d+) in \d+ samples$", line)
        zero_line = zero_line or bool(m and int(m.group(1)) == 0)
    if unbound:
        return "p"
    if any_error:
        return "C"
    return "." if zero_line else "R"


def run_theirs(test: str, ref: str, design: str, workdir: Path) -> tuple[str, str]:
    """(analyzer code, log) of one sample run VerilogEval's way."""
    for name, text in (("sample.sv", design), ("test.sv", test), ("ref.sv", ref)):
        (workdir / name).write_text(text, encoding="utf-8")
    binary = workdir / "sample"
    binary.unlink(missing_ok=True)
    compiled = subprocess.run(
        ["iverilog", "-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", "tb", "-o",
         str(binary), "sample.sv", "test.sv", "ref.sv"],
        cwd=workdir, capture_output=True, text=True, errors="replace")
    log = compiled.stdout + compiled.stderr
    if binary.exists():
        ran = subprocess.run(["timeout", "30", str(binary)], cwd=workdir, capture_output=True,
                             text=True, errors="replace")
        log += ran.stdout + ran.stderr + ("TIMEOUT\n" if ran.returncode == 124 else "")
    return analyzer_code(log), log


# ---------------------------------------------------------------------------------------------
# Adjudication and report
# ---------------------------------------------------------------------------------------------

def adjudicate(kind: str, ours: Any, theirs_code: str) -> tuple[str, str]:
    """(disagreement class, who is right) for a candidate the two verdicts differ on."""
    if ours.infra_error:
        return "ours_infra", "neither: our run was not judged (infra error)"
    stage = ours.details.get("stage")
    if kind == "tran_blind" and not ours.passed:
        return ("switch_blinds_reference",
                "ours: the design ignores the task (outputs 0); its tran switches turn the "
                "reference's inputs to X, which VerilogEval's rule treats as don't-care")
    if ours.passed and theirs_code == "n":
        return ("analyzer_sensitivity_warning",
                "ours: every sample matched; VerilogEval fails any log with a no-sensitivity "
                "warning, and IEEE 1800 runs always_comb once at time 0")
    if ours.passed:
        return f"ours_pass_theirs_{theirs_code}", "theirs unless shown otherwise (inspect)"
    if stage == "lint":
        return "our_lint", ("theirs if the design is legal and honest: our lint rejects "
                            "constructs VerilogEval allows")
    return f"theirs_pass_ours_{stage}", "theirs unless shown otherwise (inspect)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a VerilogEval v2 dataset_spec-to-rtl directory")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--only", default="", help="only problems whose name contains this")
    parser.add_argument("--load", type=int, default=0, help="CPU burners during the run")
    parser.add_argument("--keep-unwinnable", action="store_true",
                        help="also run the problems whose reference fails under Icarus 11")
    args = parser.parse_args()
    tasks = [t for t in load_verilogeval(args.path, skip_unwinnable=not args.keep_unwinnable)
             if args.only in t["id"]]
    have_iverilog = shutil.which("iverilog") is not None
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                start_new_session=True) for _ in range(args.load)]
    started, load_before = time.time(), os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="verilog-eval-") as tmp:
            for task in tasks:
                stem = task["id"].split("/", 1)[1]
                for kind, design in candidates(task).items():
                    ours = verify_verilog(task, f"```verilog\n{design}```")
                    code, _ = (run_theirs(task["testbench"], task["reference"], design,
                                          Path(tmp)) if have_iverilog else ("?", ""))
                    rows.append({"problem": stem, "class": kind, "design": design,
                                 "ours": ours, "theirs": code})
    finally:
        for proc in burners:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
    report(rows, have_iverilog, args, time.time() - started, load_before)


def _version() -> str:
    try:
        out = subprocess.run(["iverilog", "-V"], capture_output=True, text=True).stdout
        return out.splitlines()[0].strip()
    except (OSError, IndexError):
        return "iverilog not found"


def report(rows: list[dict[str, Any]], have_iverilog: bool, args: argparse.Namespace,
           wall: float, load_before: float) -> None:
    """Print the table and the disagreements; write `--json-out`. fp and fn count our errors
    against the truth: VerilogEval's verdict, except where adjudication says ours is right."""
    by_class: dict[str, Counter] = {}
    disagreements = []
    for row in rows:
        ours, theirs_pass = row["ours"], row["theirs"] == "."
        c = by_class.setdefault(row["class"], Counter())
        c["n"] += 1
        c["ours_pass"] += ours.passed
        c["theirs_pass"] += theirs_pass
        c["infra"] += ours.infra_error
        if ours.passed == theirs_pass and not ours.infra_error:
            c["agree"] += 1
            continue
        klass, right = adjudicate(row["class"], ours, row["theirs"])
        if right.startswith("ours"):
            c["theirs_wrong"] += 1
        else:
            c["fp"] += ours.passed and not theirs_pass
            c["fn"] += theirs_pass and not ours.passed
        disagreements.append({"class": klass, "input": f"{row['problem']} [{row['class']}]",
                              "ours": f"{'pass' if ours.passed else 'fail'}: {ours.reason}"[:300],
                              "reference": f"analyzer code {row['theirs']!r}",
                              "who_is_right": right})
    total: Counter = Counter()
    for c in by_class.values():
        total.update(c)
    problems = len({r["problem"] for r in rows})
    print(f"VerilogEval v2 spec-to-rtl at {args.path}: {problems} problems, {len(rows)} "
          f"candidates; theirs = {_version()} + sv-iv-analyze rules; wall {wall:.0f} s, "
          f"{args.load} extra CPU burners (1-min load average at start: {load_before:.2f})\n")
    print("| candidate | n | ours pass | theirs pass | agree | ours fp | ours fn | "
          "theirs wrong | infra |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in (*RIGHT, *WRONG):
        c = by_class.get(name)
        if c:
            print(f"| {name} | {c['n']} | {c['ours_pass']} | {c['theirs_pass']} | "
                  f"{c['agree']} | {c['fp']} | {c['fn']} | {c['theirs_wrong']} | {c['infra']} |")
    print(f"| **all** | {total['n']} | {total['ours_pass']} | {total['theirs_pass']} | "
          f"{total['agree']} | {total['fp']} | {total['fn']} | {total['theirs_wrong']} | "
          f"{total['infra']} |")
    failing = [f"{r['problem']} (theirs {r['theirs']!r})" for r in rows
               if r["class"] == "reference" and not r["ours"].passed]
    print(f"\nreferences failing ours: {', '.join(failing) or 'none'}")
    groups: dict[str, list[dict[str, str]]] = {}
    for d in disagreements:
        groups.setdefault(d["class"], []).append(d)
    print(f"\n{len(disagreements)} disagreements in {len(groups)} classes:")
    for klass, items in groups.items():
        print(f"- {klass} ({len(items)}; right: {items[0]['who_is_right']}): "
              + "; ".join(f"{d['input']}: ours {d['ours'][:90]!r}, theirs {d['reference']}"
                          for d in items[:3]) + ("; ..." if len(items) > 3 else ""))
    if args.json_out:
        out = {"env_id": "rlvr/Verilog-v0",
               "reference": f"VerilogEval v2 harness ({_version()}, sv-iv-analyze rules)",
               "n": total["n"], "agree": total["agree"], "fp": total["fp"], "fn": total["fn"],
               "by_class": {k: {"n": v["n"], "agree": v["agree"], "fp": v["fp"], "fn": v["fn"]}
                            for k, v in by_class.items()},
               "disagreements": disagreements}
        args.json_out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    if not have_iverilog:
        print("iverilog not on PATH: only our side ran (theirs marked '?')")

if __name__ == "__main__":
    main()
