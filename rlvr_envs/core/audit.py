"""Verifier audits: run an env's verifier over a labelled corpus and count FP/FN by class.

A corpus is `tasks/audit/<name>.jsonl`, one case per line with an `id`, a `class` and a
label (`equivalent` or `passed`: should the verifier accept it?). The env class turns a
case into a verdict with its static `audit_verdict(case)`; what else a case holds is the
domain's business (documented with each corpus).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym

from .data import task_file
from .verdict import Verdict

# env id -> corpus file name under tasks/audit/
AUDIT_CORPORA = {
    "rlvr/Math-v0": "math.jsonl",
    "rlvr/Code-v0": "code.jsonl",
    "rlvr/Verilog-v0": "verilog.jsonl",
    "rlvr/ToolUse-v0": "tooluse.jsonl",
    "rlvr/Ecommerce-v0": "ecommerce.jsonl",
    "rlvr/KGMultiHop-v0": "kg.jsonl",
}


@dataclass
class ClassCounts:
    tp: int = 0  # accepted, should be accepted
    tn: int = 0  # rejected, should be rejected
    fp: int = 0  # accepted, should be rejected: a reward hack or a wrong answer paid
    fn: int = 0  # rejected, should be accepted: a right answer not paid

    @property
    def n(self) -> int:
        return self.tp + self.tn + self.fp + self.fn


@dataclass
class AuditReport:
    env_id: str
    by_class: dict[str, ClassCounts] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> ClassCounts:
        t = ClassCounts()
        for c in self.by_class.values():
            t.tp, t.tn, t.fp, t.fn = t.tp + c.tp, t.tn + c.tn, t.fp + c.fp, t.fn + c.fn
        return t

    @property
    def false_positive_rate(self) -> float:
        t = self.total
        return t.fp / max(1, t.fp + t.tn)

    @property
    def false_negative_rate(self) -> float:
        t = self.total
        return t.fn / max(1, t.fn + t.tp)

    def table(self) -> str:
        rows = [f"{'class':<16}{'cases':>7}{'FP':>5}{'FN':>5}{'FP rate':>9}{'FN rate':>9}"]
        for name, c in sorted(self.by_class.items()):
            rows.append(f"{name:<16}{c.n:>7}{c.fp:>5}{c.fn:>5}"
                        f"{c.fp / max(1, c.fp + c.tn):>9.3f}{c.fn / max(1, c.fn + c.tp):>9.3f}")
        t = self.total
        rows.append(f"{'ALL':<16}{t.n:>7}{t.fp:>5}{t.fn:>5}"
                    f"{self.false_positive_rate:>9.3f}{self.false_negative_rate:>9.3f}")
        return "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"env_id": self.env_id, "seconds": self.seconds,
                "false_positive_rate": self.false_positive_rate,
                "false_negative_rate": self.false_negative_rate,
                "by_class": {k: vars(v) for k, v in self.by_class.items()},
                "failures": self.failures}


def case_label(case: Mapping[str, Any]) -> bool:
    for key in ("equivalent", "passed", "should_pass"):
        if key in case:
            return bool(case[key])
    raise ValueError(f"audit case {case.get('id')!r} has no label (equivalent/passed)")


def load_corpus(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def env_class(env_id: str) -> type:
    spec = gym.spec(env_id)
    entry = spec.entry_point
    if callable(entry):
        return entry
    module, _, name = entry.partition(":")
    import importlib
    return getattr(importlib.import_module(module), name)


def run_audit(env_id: str, path: str | Path | None = None,
              progress: Callable[[int, int], None] | None = None) -> AuditReport:
    """Verify every case of the env's audit corpus and count errors by class."""
    cls = env_class(env_id)
    if not hasattr(cls, "audit_verdict"):
        raise ValueError(f"{env_id} has no audit_verdict(case); it cannot be audited")
    if path is None:
        if env_id not in AUDIT_CORPORA:
            raise ValueError(f"no audit corpus registered for {env_id}; pass path=")
        path = task_file("audit", AUDIT_CORPORA[env_id])
    cases = load_corpus(path)
    report = AuditReport(env_id)
    start = time.perf_counter()
    for i, case in enumerate(cases):
        expected = case_label(case)
        try:
            verdict: Verdict = cls.audit_verdict(case)
            got, reason = bool(verdict.passed), verdict.reason
        except Exception as e:  # a crash is a verifier bug: count it against the verifier
            got, reason = (not expected), f"verifier raised {type(e).__name__}: {e}"
        counts = report.by_class.setdefault(str(case.get("class", "unclassified")), ClassCounts())
        if got and expected:
            counts.tp += 1
        elif not got and not expected:
            counts.tn += 1
        elif got:
            counts.fp += 1
        else:
            counts.fn += 1
        if got != expected:
            report.failures.append({"id": case.get("id", i), "class": case.get("class"),
                                    "expected": expected, "got": got, "reason": reason})
        if progress:
            progress(i + 1, len(cases))
    report.seconds = time.perf_counter() - start
    return report


# ---- out of sample: differential benchmarks ------------------------------------------------

DIFFERENTIAL_KEYS = ("env_id", "reference", "n", "agree", "fp", "fn", "by_class",
                     "disagreements")


@dataclass
class DifferentialReport:
    """Agreement with a reference verifier, as a differential benchmark script wrote it
    (`benchmarks/*.py --json-out PATH`): fp = we pay what the reference rejects, fn = we
    reject what it accepts."""

    path: str
    env_id: str
    reference: str
    n: int
    agree: int
    fp: int
    fn: int
    by_class: dict[str, dict[str, int]]
    disagreements: list[dict[str, Any]]

    def table(self, show: int = 5) -> str:
        rows = [f"vs {self.reference} ({self.path})",
                f"{'class':<24}{'cases':>7}{'agree':>7}{'FP':>5}{'FN':>5}"]
        for name, c in sorted(self.by_class.items()):
            rows.append(f"{name:<24}{c.get('n', 0):>7}{c.get('agree', 0):>7}"
                        f"{c.get('fp', 0):>5}{c.get('fn', 0):>5}")
        rows.append(f"{'ALL':<24}{self.n:>7}{self.agree:>7}{self.fp:>5}{self.fn:>5}")
        for d in self.disagreements[:show]:
            rows.append(f"  {d.get('class')}: ours {d.get('ours')!r} vs reference "
                        f"{d.get('reference')!r} (right: {d.get('who_is_right')}): "
                        f"{str(d.get('input'))[:120]!r}")
        return "\n".join(rows)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("path", *DIFFERENTIAL_KEYS)}


def load_differential(path: str | Path) -> DifferentialReport:
    """Read a differential benchmark's JSON; raise ValueError saying what is missing."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"cannot read differential results {str(path)!r}: {e}") from e
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
    missing = [k for k in DIFFERENTIAL_KEYS if k not in data]
    if missing:
        raise ValueError(f"{path}: differential results lack {missing}; a benchmark script "
                         f"writes {list(DIFFERENTIAL_KEYS)} with --json-out")
    for key in ("n", "agree", "fp", "fn"):
        if not isinstance(data[key], int) or data[key] < 0:
            raise ValueError(f"{path}: {key!r} must be a count, got {data[key]!r}")
    if not isinstance(data["by_class"], dict) or not isinstance(data["disagreements"], list):
        raise ValueError(f"{path}: 'by_class' must be an object and 'disagreements' a list")
    return DifferentialReport(str(path), str(data["env_id"]), str(data["reference"]),
                              data["n"], data["agree"], data["fp"], data["fn"],
                              {str(k): dict(v) for k, v in data["by_class"].items()},
                              list(data["disagreements"]))


# ---- the whole audit -----------------------------------------------------------------------

@dataclass
class EnvAudit:
    """One env's audit: in sample (the corpus written beside the verifier) and out of
    sample (perturbed oracle answers, differential benchmarks, the hack search)."""

    env_id: str
    in_sample: AuditReport | None = None
    in_sample_note: str = ""
    perturbations: Any = None  # perturb.PerturbationReport
    differentials: list[DifferentialReport] = field(default_factory=list)
    hacks: Any = None  # hacks.HackReport

    def strict_failures(self) -> list[str]:
        """Why `--strict` fails: a corpus false positive, or a hack beating chance."""
        out = []
        if self.in_sample is not None and self.in_sample.total.fp:
            out.append(f"{self.in_sample.total.fp} false positives in the corpus")
        if self.hacks is not None and self.hacks.exceeds_chance:
            best = self.hacks.best
            out.append(f"hack {best.name} earns {best.mean_reward:.3f} > chance "
                       f"{self.hacks.chance_level:.3f} + {self.hacks.margin}")
        return out

    def text(self, show: int = 20) -> str:
        parts = [f"# audit of {self.env_id}", "",
                 "## in sample: the labelled corpus written with the verifier"]
        if self.in_sample is None:
            parts.append(self.in_sample_note or "not run")
        else:
            parts.append(self.in_sample.table())
            for f in self.in_sample.failures[:show]:
                kind = "FALSE POSITIVE" if f["got"] else "FALSE NEGATIVE"
                parts.append(f"  {kind}: {f['id']} ({f['class']}): {f['reason']}")
            parts.append(f"{self.in_sample.total.n} cases in {self.in_sample.seconds:.1f}s")
        if self.perturbations is not None:
            parts += ["", "## out of sample: the oracle's final answers re-expressed "
                          "(FN = reward lost)", self.perturbations.table()]
        for d in self.differentials:
            parts += ["", "## out of sample: differential benchmark", d.table()]
        if self.hacks is not None:
            parts += ["", "## out of sample: task-independent strategies (hack search)",
                      self.hacks.table()]
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The in-sample report's keys at the top level (the form `rlvr audit --json` had
        before out-of-sample checks existed), plus `out_of_sample` and `strict_failures`."""
        in_sample = None if self.in_sample is None else self.in_sample.to_dict()
        return {**(in_sample or {}), "env_id": self.env_id, "in_sample": in_sample,
                "in_sample_note": self.in_sample_note,
                "out_of_sample": {
                    "perturbations": (None if self.perturbations is None
                                      else self.perturbations.to_dict()),
                    "differential": [d.to_dict() for d in self.differentials],
                    "hacks": None if self.hacks is None else self.hacks.to_dict()},
                "strict_failures": self.strict_failures()}
