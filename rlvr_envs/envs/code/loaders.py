"""Turn dataset records into Code-v0 tasks.

Recognized records (detected by their keys):

* **native**: `prompt` plus `entry_point` and `tests`/`public_tests` (function style), or
  `io_tests`/`public_io_tests` (stdio), or `test` (check); values may use the sandbox's tagged
  encoding (`{"$tuple": [...]}`) for types JSON lacks.
* **HumanEval**: `task_id, prompt, canonical_solution, test, entry_point` -> check style; the
  prompt is prepended to the candidate's code (so its imports and helpers exist).
* **MBPP**: `text, code, test_list, test_setup_code` (full) or `prompt, code, test_list,
  test_imports` (sanitized) -> check style; the first assert is shown in the prompt
  (public), all asserts are hidden tests (as MBPP is scored); setup code and test imports
  run before the asserts.
* **stdin/stdout**: APPS (`question`, `input_output` with `inputs`/`outputs`, maybe a JSON
  string; `fn_name` makes it function style, a `class Solution` `starter_code` is shown
  and its method is called on a fresh instance), LiveCodeBench (`question_content`,
  `public_test_cases`/`private_test_cases` as JSON lists; `"testtype": "functional"` cases
  are function tests of `metadata.func_name`, one JSON argument per input line) and
  CodeContests (`description`, `public_tests`/`private_tests` with `input`/`output`
  lists). Hidden = private + public, as those benchmarks score; public ones are shown.
  APPS and LiveCodeBench tasks are compared the way their own harnesses compare
  (`checker` "apps" / "lcb", see `compare.py`).

Any record may carry `packages`: the installed packages (top-level import names, e.g.
`["numpy"]`) its programs may import. The sandbox shows a program nothing else beyond the
standard library.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any

from ...core.sandbox import decode_value
from ...core.tasks import Task

STDIO_INSTRUCTION = ("Write a complete Python program that reads standard input and writes the "
                     "answer to standard output. Answer with the program in a ```python block.")


def normalize_code_record(record: Mapping[str, Any]) -> Task:
    """One record of any supported format as a Code-v0 task (raises ValueError if unfit)."""
    if "canonical_solution" in record and "test" in record:
        task = _humaneval(record)
    elif "test_list" in record and "code" in record and "text" not in record \
            and "prompt" in record:
        task = _mbpp({**record, "text": record["prompt"]})   # sanitized MBPP
    elif "test_list" in record:
        task = _mbpp(record)
    elif any(k in record for k in ("input_output", "public_test_cases", "private_test_cases")) \
            or isinstance(record.get("public_tests"), Mapping):
        task = _stdio(record)
    else:
        task = _native(record)
    if task.get("id") is None:
        task.pop("id", None)   # RecordSource numbers it
    if record.get("packages") is not None:
        task["packages"] = check_packages(record["packages"])
    return check_checker(task)


def check_packages(value: Any) -> list[str]:
    """The task's allow-list of installed packages its programs may import (top-level import
    names; the sandbox shows nothing else beyond the standard library)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.isidentifier()
                                              for v in value):
        raise ValueError(f"'packages' must be a list of top-level import names such as "
                         f"['numpy'], got {value!r}")
    return sorted(set(value))


def _native(record: Mapping[str, Any]) -> Task:
    task = dict(record)
    if not isinstance(task.get("prompt"), str) or not task["prompt"].strip():
        raise ValueError("a code task needs a non-empty 'prompt'")
    for key in ("tests", "public_tests"):
        task[key] = [_decoded_test(t) for t in task.get(key) or []]
    has = {k: bool(task.get(k)) for k in ("tests", "io_tests", "test")}
    if sum(has.values()) != 1:
        raise ValueError(f"a code task needs exactly one of 'tests' (function), 'io_tests' "
                         f"(stdin/stdout) or 'test' (check code); got {has}")
    task["style"] = {"tests": "function", "io_tests": "stdio", "test": "check"}[
        next(k for k, v in has.items() if v)]
    if task["style"] != "stdio" and not task.get("entry_point"):
        raise ValueError("function and check tasks need 'entry_point'")
    if task["style"] == "function" and task["public_tests"] and "Examples" not in task["prompt"]:
        lines = [f"    {task['entry_point']}({', '.join(map(repr, t['args']))}) == "
                 f"{t['expected']!r}" for t in task["public_tests"]]
        task["prompt"] = task["prompt"].rstrip() + "\n\nExamples:\n" + "\n".join(lines)
    for key in ("io_tests", "public_io_tests"):
        for t in task.get(key) or []:
            if not (isinstance(t, Mapping) and isinstance(t.get("input"), str)
                    and isinstance(t.get("output"), str)):
                raise ValueError(f"{key} entries must be {{'input': str, 'output': str}}")
    return task


def check_checker(task: Task) -> Task:
    """Raise ValueError for an unknown ``checker`` name (the registries are in ``judge``)."""
    from .judge import FUNCTION_CHECKERS, STDIO_CHECKERS
    known = STDIO_CHECKERS if task.get("style") == "stdio" else FUNCTION_CHECKERS
    if task.get("checker") is not None and task["checker"] not in known:
        raise ValueError(f"unknown checker {task['checker']!r} for {task.get('style')} tests; "
                         f"known: {sorted(known)}")
    return task


def _decoded_test(test: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(test, Mapping) or "expected" not in test:
        raise ValueError("function tests look like {'args': [...], 'kwargs': {...}, "
                         f"'expected': ...}}, got {str(test)[:100]}")
    return {"args": list(from_json(test.get("args", []))),
            "kwargs": dict(from_json(test.get("kwargs") or {})),
            "expected": from_json(test["expected"])}


def from_json(data: Any) -> Any:
    """A JSON value as a test value: plain JSON as it is, sandbox-tagged values
    (`{"$tuple": [...]}`, `{"$set": ...}`, ...) rebuilt with `decode_value`."""
    if isinstance(data, Mapping):
        if len(data) == 1 and str(next(iter(data))).startswith("$"):
            return decode_value(dict(data))
        return {k: from_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [from_json(v) for v in data]
    return data


def _humaneval(record: Mapping[str, Any]) -> Task:
    prompt = str(record["prompt"])
    return {
        "id": str(record.get("task_id", "")) or None, "style": "check",
        "prompt": ("Complete the following Python function. Answer with the whole function "
                   f"(and any imports it needs) in a ```python block.\n\n```python\n{prompt}```"),
        "entry_point": str(record["entry_point"]), "code_prefix": prompt,
        "test": str(record["test"]), "reference": prompt + str(record["canonical_solution"]),
        "source": "humaneval",
    }


def _mbpp(record: Mapping[str, Any]) -> Task:
    tests = [str(t) for t in record["test_list"]]
    if not tests:
        raise ValueError("MBPP record has an empty test_list")
    entry = _called_name(tests[0])
    imports = record.get("test_imports") or []
    if not isinstance(imports, list):
        raise ValueError(f"MBPP 'test_imports' must be a list of import lines, got {imports!r}")
    setup = "\n".join([*map(str, imports), str(record.get("test_setup_code") or "")]).strip()
    code = "\n".join(tests)
    return {
        "id": f"mbpp/{record['task_id']}" if "task_id" in record else None, "style": "check",
        "prompt": (f"{record['text']}\nYour code should pass this test:\n{tests[0]}\n\n"
                   "Answer with the function in a ```python block."),
        "entry_point": entry, "test": f"{setup}\n{code}" if setup else code,
        "public_test": f"{setup}\n{tests[0]}" if setup else tests[0],
        "reference": str(record["code"]), "source": "mbpp",
    }


_NOT_UNDER_TEST = frozenset(dir(__import__("builtins")))


def _called_name(assert_line: str) -> str:
    try:
        tree = ast.parse(assert_line)
    except SyntaxError as exc:
        raise ValueError(f"MBPP test is not valid Python: {assert_line[:100]!r}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id not in _NOT_UNDER_TEST:
            return node.func.id
    raise ValueError(f"cannot tell the function under test from {assert_line[:100]!r}")


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else []
        except ValueError as exc:
            # LiveCodeBench ships some private tests zlib+pickle encoded: never unpickle data.
            raise ValueError("test cases must be JSON (pickled/compressed test data is not "
                             "accepted)") from exc
    return value


def _cases(cases: Any) -> list[dict[str, Any]]:
    """LiveCodeBench / CodeContests test cases as ``{"input", "output", "testtype"}``."""
    cases = _json(cases) or []
    if isinstance(cases, Mapping):
        return [{"input": str(i), "output": str(o), "testtype": "stdin"}
                for i, o in zip(cases.get("input", []), cases.get("output", []))]
    return [{"input": str(c["input"]), "output": str(c["output"]),
             "testtype": str(c.get("testtype") or "stdin")} for c in cases]


def _starter(record: Mapping[str, Any]) -> str:
    starter = str(record.get("starter_code") or "").rstrip()
    return (f"\n\nUse this starter code (complete it):\n```python\n{starter}\n```"
            if starter.strip() else "")


def _stdio(record: Mapping[str, Any]) -> Task:
    question = str(record.get("question") or record.get("question_content")
                   or record.get("description") or "")
    if not question.strip():
        raise ValueError("stdin/stdout record has no question/question_content/description")
    base: Task = {"source": "stdio"}
    solutions = _json(record.get("solutions") or [])
    reference = record.get("reference") or (solutions[0] if solutions else None)
    if reference:
        base["reference"] = str(reference)
    for key in ("id", "task_id", "question_id", "problem_id", "name"):
        if record.get(key) not in (None, ""):
            base["id"] = str(record[key])
            break
    starter = _starter(record)
    if "input_output" in record:   # APPS
        io = _json(record["input_output"]) or {}
        inputs, outputs = list(io.get("inputs", [])), list(io.get("outputs", []))
        if io.get("fn_name"):
            tests = [{"args": list(i) if isinstance(i, list) else [i], "kwargs": {},
                      "expected": o} for i, o in zip(inputs, outputs)]
            return {**base, "style": "function", "entry_point": str(io["fn_name"]),
                    "prompt": _function_prompt(question, str(io["fn_name"]), starter),
                    "tests": tests, "public_tests": tests[:1], "checker": "apps"}
        hidden = [{"input": _text(i), "output": _text(o)} for i, o in zip(inputs, outputs)]
        public, checker = hidden[:1], "apps"
    else:
        public_cases = _cases(record.get("public_test_cases") or record.get("public_tests"))
        private_cases = _cases(record.get("private_test_cases") or record.get("private_tests"))
        cases = private_cases + public_cases
        lcb = "public_test_cases" in record or "private_test_cases" in record
        if cases and all(c["testtype"] == "functional" for c in cases):
            return {**base, **_lcb_functional(record, question, starter, private_cases,
                                              public_cases)}
        if any(c["testtype"] == "functional" for c in cases):
            raise ValueError("a record mixing functional and stdin test cases is not supported")
        public = [{"input": c["input"], "output": c["output"]} for c in public_cases]
        hidden = [{"input": c["input"], "output": c["output"]} for c in cases]
        checker = "lcb" if lcb else None
    if not hidden:
        raise ValueError("stdin/stdout record has no test cases")
    examples = "\n\n".join(f"Input:\n{t['input']}\nOutput:\n{t['output']}" for t in public)
    prompt = f"{question}{starter}\n\n" + (f"Examples:\n\n{examples}\n\n" if public else "")
    return {**base, "style": "stdio", "prompt": prompt + STDIO_INSTRUCTION,
            "io_tests": hidden, "public_io_tests": public,
            "float_tolerance": record.get("float_tolerance"),
            "checker": record.get("checker") or checker}


def _function_prompt(question: str, name: str, starter: str) -> str:
    what = (f"Complete the method `{name}` of the starter code" if "class Solution" in starter
            else f"Write the function `{name}`")
    return f"{question}{starter}\n\n{what} in a ```python block."


def _lcb_functional(record: Mapping[str, Any], question: str, starter: str,
                    private: list[dict[str, Any]], public: list[dict[str, Any]]) -> Task:
    """LiveCodeBench LeetCode problems: each input line is one JSON argument, the output
    one JSON value; the method ``metadata.func_name`` of ``class Solution`` is called."""
    metadata = _json(record.get("metadata") or {}) or {}
    name = metadata.get("func_name") if isinstance(metadata, Mapping) else None
    if not name:
        raise ValueError("a LiveCodeBench functional record needs metadata.func_name")

    def test(case: Mapping[str, Any]) -> dict[str, Any]:
        try:
            args = [json.loads(line) for line in str(case["input"]).split("\n")]
            return {"args": args, "kwargs": {}, "expected": json.loads(str(case["output"]))}
        except ValueError as exc:
            raise ValueError(f"functional test case is not JSON lines: {exc}") from exc

    hidden, shown = [test(c) for c in private + public], [test(c) for c in public]
    return {"style": "function", "entry_point": str(name), "checker": "lcb",
            "prompt": _function_prompt(question, str(name), starter),
            "tests": hidden, "public_tests": shown}


def _text(value: Any) -> str:
    return "\n".join(map(str, value)) + "\n" if isinstance(value, list) else str(value)
