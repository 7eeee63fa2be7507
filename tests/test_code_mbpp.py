"""MBPP through rlvr/Code-v0: every shipped record's reference earns 1.0, both schemas load,
and each assert form MBPP writes judges a right answer 1 and a wrong one 0."""

from __future__ import annotations

import json

import pytest

from rlvr_envs.core.data import task_file
from rlvr_envs.core.sandbox import Sandbox
from rlvr_envs.envs.code import normalize_code_record, verify_code

FAST = {"time_limit_s": 5.0, "test_time_limit_s": 2.0}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    with Sandbox(workers=2) as sb:
        yield sb


def _fenced(code: str) -> str:
    return f"```python\n{code}\n```"


def test_every_shipped_record_pays_its_reference_and_not_a_stub(sandbox: Sandbox) -> None:
    with open(task_file("code", "mbpp.jsonl")) as f:
        records = [json.loads(line) for line in f if line.strip()]
    assert records
    for record in records:
        task = normalize_code_record(record)
        right, _ = verify_code(task, _fenced(task["reference"]), sandbox=sandbox, **FAST)
        stub = f"def {task['entry_point']}(*args):\n    return None"
        wrong, _ = verify_code(task, _fenced(stub), sandbox=sandbox, **FAST)
        assert right.reward == 1.0 and wrong.reward == 0.0, (record["task_id"], right.reason)


UNIQUE = "def uniq(xs):\n    return list(reversed(sorted(set(xs))))"   # any order is fine
UNIQUE_WRONG = "def uniq(xs):\n    return sorted(xs) + [0]"
AREA = "import math\ndef area(r):\n    return math.pi * r * r"
AREA_WRONG = "def area(r):\n    return 3.0 * r * r"

#: (assert line, right program, wrong program, judged in the judge process?)
FORMS = [
    ("assert uniq([3, 1, 3, 2]) == [3, 2, 1]", UNIQUE, UNIQUE_WRONG, True),
    ("assert set(uniq([3, 1, 3, 2])) == set([1, 2, 3])", UNIQUE, UNIQUE_WRONG, True),
    ("assert set(uniq((3, 1, 3, 2))) == {1, 2, 3}", UNIQUE, UNIQUE_WRONG, True),
    ("assert sorted(uniq([3, 1, 3, 2])) == [1, 2, 3]", UNIQUE, UNIQUE_WRONG, True),
    ("assert frozenset(uniq([3, 1, 3])) == frozenset((1, 3))", UNIQUE, UNIQUE_WRONG, True),
    ("assert len(uniq([3, 1, 3, 2])) == 3", UNIQUE, UNIQUE_WRONG, True),
    ("assert [1, 2, 3] == sorted(uniq([3, 1, 3, 2]))", UNIQUE, UNIQUE_WRONG, True),
    ("assert (uniq([5, 5])) == [5]", UNIQUE, UNIQUE_WRONG, True),
    ("assert uniq([5, 5]) == [5], 'duplicates stay'", UNIQUE, UNIQUE_WRONG, True),
    ("assert sorted(uniq([3, 1, 3, 2]), reverse=True) == [3, 2, 1]", UNIQUE, UNIQUE_WRONG,
     False),
    ("assert math.isclose(area(2), 12.566370614359172, rel_tol=0.001)", AREA, AREA_WRONG, True),
    ("assert math.isclose(area(2), 12.566370614359172)", AREA, AREA_WRONG, True),
    ("assert abs(area(2) - 12.566370614359172) < 1e-6", AREA, AREA_WRONG, True),
    ("assert round(area(2), 4) == 12.5664", AREA, AREA_WRONG, False),
    ("for r, a in [(2, 12.566370614359172)]:\n    assert math.isclose(area(r), a)", AREA,
     AREA_WRONG, False),
    ("assert all(math.isclose(area(r), a) for r, a in [(1, math.pi), (2, 4 * math.pi)])", AREA,
     AREA_WRONG, False),
]


@pytest.mark.parametrize("schema", ["full", "sanitized"])
@pytest.mark.parametrize("line,right,wrong,in_judge", FORMS)
def test_assert_forms(sandbox: Sandbox, schema: str, line: str, right: str, wrong: str,
                      in_judge: bool) -> None:
    record = {"task_id": 1, "code": right, "test_list": [line, line]}
    if schema == "full":   # no import of math for the test: the module it names is imported
        record.update(text="Write the function.", test_setup_code="", challenge_test_list=[])
    else:
        record.update(prompt="Write the function.", test_imports=["import math"],
                      source_file="x.py")
    task = normalize_code_record(record)
    good, _ = verify_code(task, _fenced(right), sandbox=sandbox, **FAST)
    bad, _ = verify_code(task, _fenced(wrong), sandbox=sandbox, **FAST)
    assert good.reward == 1.0, (line, good.reason)
    assert bad.reward == 0.0, line
    assert good.details["test_method"] == ("calls" if in_judge else "check")


def test_the_function_under_test_is_found_behind_wrappers() -> None:
    task = normalize_code_record({"task_id": 2, "text": "t", "code": AREA, "test_list": [
        "assert math.isclose(round(area(1), 2), 3.14)"]})
    assert task["entry_point"] == "area"
    with pytest.raises(ValueError, match="test_imports"):
        normalize_code_record({"task_id": 3, "prompt": "t", "code": AREA,
                               "test_list": ["assert area(1)"], "test_imports": "import math"})
