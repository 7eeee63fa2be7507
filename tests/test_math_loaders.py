"""Math loaders: GSM8K, MATH, MATH-500 and generic records from JSONL, JSON, Parquet and
`datasets.Dataset`, all local (nothing downloads)."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from rlvr_envs.core.tasks import RecordSource
from rlvr_envs.envs.math.loaders import (
    ANSWER_TYPES,
    infer_answer_type,
    last_boxed,
    load_gsm8k,
    load_math,
    load_math_records,
    normalize_math_record,
)

TASKS_DIR = Path(__file__).resolve().parents[1] / "tasks" / "math"

GSM8K = [
    {"question": "Ana has 3 bags with 4 pears each. How many pears does she have?",
     "answer": "She has 3 * 4 = <<3*4=12>>12 pears.\n#### 12"},
    {"question": "A farm sells 1,200 eggs a day. How many in 3 days?",
     "answer": "1200 * 3 = <<1200*3=3600>>3600\n#### 3,600"},
    {"question": "The temperature drops from 4 degrees by 9 degrees. What is it now?",
     "answer": "4 - 9 = -5\n#### -5"},
]
MATH = [
    {"problem": "Compute $\\frac{1}{2} + \\frac{1}{3}$.",
     "solution": "We get $\\boxed{\\frac{5}{6}}$.", "level": "Level 2", "type": "Prealgebra"},
    {"problem": "Solve $x^2 = 4$.",
     "solution": "First try \\boxed{2}, but both signs work: $\\boxed{\\{-2, 2\\}}$.",
     "level": "Level 3", "type": "Algebra"},
    {"problem": "Find $a$.", "solution": "So $a = \\fbox{$\\dfrac{\\sqrt{3}}{2}$}$.",
     "level": "Level ?", "type": "Geometry"},
]
MATH500 = [
    {"problem": "What is $2^{10}$?", "solution": "It is $\\boxed{1024}$.", "answer": "1024",
     "subject": "Algebra", "level": 1, "unique_id": "test/algebra/1.json"},
    {"problem": "Simplify $\\sqrt{8}$.", "solution": "$\\boxed{2 \\sqrt 2}$",
     "answer": "2\\sqrt{2}", "subject": "Algebra", "level": 4,
     "unique_id": "test/algebra/2.json"},
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_gsm8k_jsonl(tmp_path: Path):
    tasks = load_gsm8k(write_jsonl(tmp_path / "gsm.jsonl", GSM8K))
    assert [t["answer"] for t in tasks] == ["12", "3600", "-5"]
    assert all("answer_type" not in t for t in tasks)  # the verifier infers it from the gold
    assert tasks[0]["solution"] == "She has 3 * 4 = 12 pears."  # calculator notes dropped
    assert tasks[0]["question"] == GSM8K[0]["question"]
    assert [t["id"] for t in tasks] == ["gsm/0", "gsm/1", "gsm/2"]
    assert all(t["domain"] == "math" and t["source"] == "gsm" for t in tasks)


def test_math_jsonl_nested_boxed_and_levels(tmp_path: Path):
    tasks = load_math(write_jsonl(tmp_path / "math.jsonl", MATH))
    assert [t["answer"] for t in tasks] == ["\\frac{5}{6}", "\\{-2, 2\\}",
                                            "\\dfrac{\\sqrt{3}}{2}"]
    assert [t["difficulty"] for t in tasks] == [2, 3, 1]  # "Level ?" → default 1
    assert tasks[0]["metadata"]["type"] == "Prealgebra"
    assert all("answer_type" not in t for t in tasks)
    assert "\\boxed" in tasks[0]["solution"]


def test_math500_prefers_explicit_answer(tmp_path: Path):
    tasks = load_math(write_jsonl(tmp_path / "math500.jsonl", MATH500))
    assert tasks[1]["answer"] == "2\\sqrt{2}"  # not the boxed "2 \sqrt 2"
    assert [t["difficulty"] for t in tasks] == [1, 4]
    assert tasks[0]["id"] == "test/algebra/1.json"
    assert tasks[1]["metadata"]["subject"] == "Algebra"
    assert tasks[1]["metadata"]["format"] == "math500"


def test_generic_json_list(tmp_path: Path):
    records = [
        {"prompt": "How many legs does a spider have?", "answer": 8},
        {"question": "Half of 5?", "answer": 2.5, "difficulty": 2, "id": "half"},
        {"question": "Which is prime?", "choices": ["4", "6", "7", "9"], "answer": "c"},
        {"problem": "Line through (0,1) with slope 2?", "answer": "y = 2x + 1",
         "answer_type": "equation"},
    ]
    path = tmp_path / "generic.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    tasks = load_math_records(path)
    assert [t["answer"] for t in tasks] == ["8", "2.5", "C", "y = 2x + 1"]
    # only what the record says (or mcq for a letter with options) is stored
    assert [t.get("answer_type") for t in tasks] == [None, None, "mcq", "equation"]
    assert tasks[1]["id"] == "half" and tasks[1]["difficulty"] == 2
    assert tasks[2]["choices"] == ["4", "6", "7", "9"]


def test_parquet_and_dataset_objects(tmp_path: Path):
    path = tmp_path / "gsm.parquet"
    datasets.Dataset.from_list(GSM8K).to_parquet(str(path))
    assert [t["answer"] for t in load_gsm8k(path)] == ["12", "3600", "-5"]

    ds = datasets.Dataset.from_list(MATH500)
    assert [t["answer"] for t in load_math(ds)] == ["1024", "2\\sqrt{2}"]
    dd = datasets.DatasetDict({"test": datasets.Dataset.from_list(MATH)})
    assert len(load_math(dd, split="test")) == 3


def test_shipped_samples_load_and_plug_into_record_source():
    gsm = load_gsm8k(TASKS_DIR / "gsm8k_sample.jsonl")
    math = load_math(TASKS_DIR / "math_sample.jsonl")
    assert len(gsm) == 5 and len(math) == 5
    assert gsm[1]["answer"] == "1738"
    assert {t["difficulty"] for t in math} == {1, 2, 3, 4}
    assert all(t.get("answer_type") in (*ANSWER_TYPES, None) for t in gsm + math)
    src = RecordSource(gsm + math, domain="math")
    assert len(src) == 10
    raw = [json.loads(line) for line in (TASKS_DIR / "math_sample.jsonl").open()]
    src2 = RecordSource(raw, domain="math", normalize=normalize_math_record, source="math")
    assert src2.get("math/0")["answer"] == "\\frac{19}{12}"


@pytest.mark.parametrize(("record", "message"), [
    ({"text": "hello"}, "no question.*'question', 'problem' or 'prompt'.*\\['text'\\]"),
    ({"question": "2 + 2?"}, "no answer.*'answer'.*'solution'"),
    ({"problem": "2 + 2?", "solution": "It is 4."}, "no \\\\boxed"),
    ({"question": "2 + 2?", "answer": "#### "}, "nothing after '####'"),
    ({"question": "2 + 2?", "answer": "4", "answer_type": "number-ish"}, "not one of"),
    ({"question": "2 + 2?", "answer": True}, "boolean"),
])
def test_bad_records_raise_clear_errors(record: dict, message: str):
    with pytest.raises(ValueError, match=message):
        normalize_math_record(record)


def test_loader_error_names_the_record(tmp_path: Path):
    path = write_jsonl(tmp_path / "bad.jsonl", [GSM8K[0], {"question": "no answer here"}])
    with pytest.raises(ValueError, match="bad: record 1: .*no answer"):
        load_gsm8k(path)


def test_last_boxed():
    assert last_boxed("a \\boxed{1} b \\boxed{\\frac{1}{2}}") == "\\frac{1}{2}"
    assert last_boxed("\\boxed{\\{1, \\{2\\}\\}}") == "\\{1, \\{2\\}\\}"
    assert last_boxed("\\fbox{7}") == "7"
    assert last_boxed("so \\boxed 5$.") == "5"
    assert last_boxed("\\boxed{3} then \\boxed{4") == "3"  # unbalanced last one skipped
    assert last_boxed("no box") is None


@pytest.mark.parametrize(("answer", "kind"), [
    ("42", "integer"), ("-7", "integer"), ("1,000", "integer"), ("3.25", "number"),
    ("\\frac{3}{4}", "number"), ("2\\sqrt{3}", "number"), ("$\\frac{\\pi}{2}$", "number"),
    ("[1, 5)", "interval"), ("(-\\infty, 2]", "interval"), ("(1, 2) \\cup (3, 4)", "interval"),
    ("\\{1, 2\\}", "set"), ("\\emptyset", "set"), ("2, 5", "set"), ("(1, 2)", "tuple"),
    ("\\begin{pmatrix} 1 & 2 \\end{pmatrix}", "matrix"), ("y = 2x + 1", "equation"),
    ("x^2 + 1", "expression"), ("\\text{Tuesday}", "text"), ("no real solutions", "text"),
])
def test_infer_answer_type(answer: str, kind: str):
    assert infer_answer_type(answer) == kind


# One path for golds: a record loaded with `tasks=` grades exactly like the same gold given
# to `verify_math` directly (units, option letters, groups of boxes, interval notation).
LOADER_GOLDS = [
    ({"answer": "200\\text{ cm}"}, [r"\boxed{2 \text{ m}}", r"\boxed{200}"],
     [r"\boxed{200 \text{ kg}}", r"\boxed{20 \text{ cm}}"]),
    ({"answer": "2\\text{ hours}"}, [r"\boxed{120 \text{ minutes}}"], [r"\boxed{2 \text{ meters}}"]),
    ({"answer": "2\\sqrt{5}\\text{ units}"}, [r"\boxed{2\sqrt5}"], [r"\boxed{2\sqrt{5} \text{ kg}}"]),
    ({"answer": "\\frac{1}{2}\\text{ inch}"}, [r"\boxed{0.5 \text{ inches}}"],
     [r"\boxed{\frac12 \text{ hours}}"]),
    ({"solution": "so $\\boxed{\\text{(C)}}$"}, [r"\boxed{C}", r"\boxed{(C)}"], [r"\boxed{A}"]),
    ({"solution": "so $\\boxed{\\textbf{(D)}\\ 12}$"}, [r"\boxed{D}"], [r"\boxed{A}"]),
    ({"solution": "So $x=\\boxed{3}$ or $x=\\boxed{-3}$."}, [r"\boxed{3, -3}", r"\boxed{\pm 3}"],
     [r"\boxed{-3}", r"\boxed{3}"]),
    ({"solution": "The roots are $\\boxed{4}, \\boxed{-4}$."}, [r"\boxed{\pm 4}"], [r"\boxed{-4}"]),
    ({"solution": "$a = \\boxed{1}$ and $b = \\boxed{2}$."}, [r"\boxed{a = 1, b = 2}"],
     [r"\boxed{2}"]),
]


@pytest.mark.parametrize("fields,right,wrong", LOADER_GOLDS)
def test_loaded_records_grade_like_the_direct_gold(fields, right, wrong):
    from rlvr_envs.envs.math.extract import gold_answer
    from rlvr_envs.envs.math.verify import verify_math

    record = {"problem": "Find it.", "level": "Level 2", **fields}
    task = normalize_math_record(record)
    direct = {"answer": gold_answer(fields.get("answer") or fields["solution"]),
              "problem": "Find it."}
    for response in right:
        assert verify_math(task, response).passed, (task["answer"], response)
        assert verify_math(direct, response).passed, (direct["answer"], response)
    for response in wrong:
        assert not verify_math(task, response).passed, (task["answer"], response)
        assert not verify_math(direct, response).passed, (direct["answer"], response)


def test_interval_notation_in_the_question_makes_a_pair_an_interval():
    from rlvr_envs.envs.math.verify import verify_math

    task = normalize_math_record({
        "problem": "Solve $|2x-1|<7$. Express your answer in interval notation.",
        "solution": "so $\\boxed{(-3, 4)}$.", "level": "Level 3"})
    assert verify_math(task, r"\boxed{-3 < x < 4}").passed
    assert verify_math(task, r"\boxed{(-3, 4)}").passed
    assert not verify_math(task, r"\boxed{(-3, 5)}").passed
    assert not verify_math(task, r"\boxed{[-3, 4]}").passed


def test_word_golds_and_lines_keep_their_meaning_without_a_type():
    from rlvr_envs.envs.math.verify import verify_math

    odd = normalize_math_record({"problem": "Is 7 odd or even?", "answer": "\\text{odd}"})
    assert verify_math(odd, r"\boxed{\text{odd number}}").passed
    assert not verify_math(odd, r"\boxed{\text{even}}").passed
    line = normalize_math_record({"problem": "Find the horizontal line through (2, -5).",
                                  "answer": "y = -5"})
    assert verify_math(line, r"\boxed{y + 5 = 0}").passed
    assert not verify_math(line, r"\boxed{y + 6 = 0}").passed
    solve = normalize_math_record({"problem": "Solve $2x = 6$.", "answer": "x = 3"})
    assert verify_math(solve, r"\boxed{3}").passed
    assert not verify_math(solve, r"\boxed{6 = 2x}").passed  # the equation, unsolved
