"""Math dataset loaders: GSM8K, MATH / MATH-500 and generic question-answer records, mapped
to the math task schema.

The schema: `question`, `answer` (the gold final answer as LaTeX text), optional
`answer_type` (one of `ANSWER_TYPES`, when the record gives one; `mcq` for a letter with
`choices`), optional `choices` (mcq options; `answer` is then the letter), optional
`solution`, `metadata`, and where the record says so `id` and `difficulty`.

Golds take one path everywhere: a loaded record's `answer` is read by `extract.gold_answer`
(a solution's last box or group of boxes, `$...$`, `#### 42`) and, without an explicit
`answer_type`, its type is inferred by the verifier from the gold itself, exactly as for
`verify_math({"answer": gold}, ...)`: `200\\text{ cm}` is a length, `\\text{(C)}` a letter,
`x = \\boxed{3}` or `x = \\boxed{-3}` the set {3, -3}.

    >>> normalize_math_record({"question": "2 + 2?", "answer": "Two twos.\\n#### 4"})["answer"]
    '4'

Everything reads through `rlvr_envs.core.tasks.read_records`, so a path (`.jsonl`, `.json`,
`.parquet`, `.csv`), a list of dicts, a `datasets.Dataset`/`DatasetDict` or a hub name works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from rlvr_envs.core.tasks import read_records

from .extract import gold_answer

ANSWER_TYPES = ("integer", "number", "expression", "equation", "set", "tuple", "interval",
                "matrix", "mcq", "text")
QUESTION_KEYS = ("question", "problem", "prompt")
_INT_RE = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)$")
_GSM_CALC_RE = re.compile(r"<<[^<>]*>>")  # GSM8K calculator annotations: <<48/2=24>>
_LEVEL_RE = re.compile(r"(\d+)")


# --- answers ---------------------------------------------------------------------------------

def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{...}` (or `\\fbox{...}`) in `text`, braces balanced;
    also `\\boxed 5`. None if there is none or its braces never close."""
    ends = [m.end() for m in re.finditer(r"\\(?:boxed|fbox)(?![a-zA-Z])", text)]
    for i in reversed(ends):
        rest = text[i:]
        stripped = rest.lstrip()
        if stripped.startswith("{"):
            i += len(rest) - len(stripped)
            depth = 0
            for j in range(i, len(text)):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        return text[i + 1:j].strip()
            continue  # unbalanced: try an earlier one
        if rest.startswith(" "):  # "\boxed 5": up to the next space or "$"
            m = re.match(r"\s+([^\s$]+)", rest)
            if m:
                return m.group(1)
    return None


def _strip_math_delims(s: str) -> str:
    s = s.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(left) and s.endswith(right) and len(s) > len(left) + len(right) - 1:
            return s[len(left):len(s) - len(right)].strip()
    return s


def _top_level_commas(s: str, level: int = 1) -> int:
    """Commas at bracket depth `level` (1: directly inside `(...)`, 0: not bracketed)."""
    depth, n = 0, 0
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == level:
            n += 1
    return n


def infer_answer_type(answer: str) -> str:
    """A conservative guess of the `answer_type` of a gold answer string, for describing a
    dataset (loaders do not store it: the verifier infers the type from the gold itself).

    `42` → integer; `-3.5`, `\\frac{3}{4}`, `2\\sqrt{3}`, `\\pi/2` → number; `[1, 5)`,
    `(-\\infty, 2]`, `(1, 2) \\cup (3, 4)` → interval; `\\{1, 2\\}`, `2, 5` → set; `(1, 2)` →
    tuple; `\\begin{pmatrix}...` → matrix; `y = 2x + 1` → equation; anything with a
    variable → expression; prose → text.
    """
    s = _strip_math_delims(str(answer)).replace("\\left", "").replace("\\right", "")
    s = s.replace("\\!", "").replace("\\,", "").replace("\\ ", " ").strip()
    if not s:
        return "text"
    if _INT_RE.match(s):
        return "integer"
    if re.search(r"\\begin\{[pbvBV]?matrix\}", s):
        return "matrix"
    if "\\text" in s or re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", re.sub(r"\\[A-Za-z]+", "", s)):
        return "text"
    if re.match(r"^\\(emptyset|varnothing)$", s) or (s.startswith("\\{") and s.endswith("\\}")):
        return "set"
    if "\\cup" in s or (("\\infty" in s) and s[:1] in "([" and s[-1:] in ")]"):
        return "interval"
    if s[:1] in "([" and s[-1:] in ")]" and _top_level_commas(s) >= 1:
        if s[0] == "(" and s[-1] == ")":
            return "tuple"
        return "interval" if _top_level_commas(s) == 1 else "tuple"
    if _top_level_commas(s, 0) and "=" not in s:
        return "set"  # MATH's "2, 5": all solutions, separated by commas
    if s.count("=") == 1 and "\\le" not in s and "\\ge" not in s:
        return "equation"
    # a number: digits and operators and a few constants, but no variables
    bare = re.sub(r"\\(d|t)?frac|\\sqrt|\\pi|\\cdot|\\times|\\circ|\\%|\^|\{|\}|\[|\]|\\", "", s)
    if re.search(r"\d", s) and not re.search(r"[A-Za-z]", bare):
        return "number"
    if re.fullmatch(r"\(?[A-Ea-e]\)?", s):
        return "text"  # a bare letter without choices: could be an option, could be a name
    return "expression"


def _answer_text(value: Any) -> str:
    """Gold answer as text: ints as is, floats without a spurious `.0`, strings stripped."""
    if isinstance(value, bool):
        raise ValueError(f"answer must be a number or a string, not a boolean ({value!r})")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value.strip()
    raise ValueError(f"answer must be a number or a string, not {type(value).__name__}")


def _level(value: Any) -> int | None:
    """`"Level 3"` / `3` / `"3"` → 3; `"Level ?"` or missing → None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    m = _LEVEL_RE.search(str(value))
    return int(m.group(1)) if m else None


# --- records -----------------------------------------------------------------------------

def normalize_math_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map one raw record to the math task schema, detecting its format.

    * GSM8K: `question` + `answer` ending in `#### 42`; the rationale before `####` becomes
      `solution` (calculator annotations `<<...>>` dropped), thousands commas are removed.
    * MATH-500: `problem` + `answer` (+ `solution`, `level`, `subject`, `unique_id`).
    * MATH: `problem` + `solution`; the last `\\boxed{}`/`\\fbox{}` of the solution is the
      answer; `level` "Level 3" → difficulty 3; `type` → metadata.
    * generic: `question`/`problem`/`prompt` + `answer` (int, float or str), keeping
      `answer_type`, `choices`, `difficulty`, `id`, `solution`, `metadata` when present.

    Raises `ValueError` naming the missing fields when the record fits none of these.
    """
    if not isinstance(record, Mapping):
        raise ValueError(f"a math record must be a mapping, not {type(record).__name__}")
    qkey = next((k for k in QUESTION_KEYS if isinstance(record.get(k), str)
                 and record[k].strip()), None)
    if qkey is None:
        raise ValueError(
            "math record has no question: expected a non-empty string field "
            f"'question', 'problem' or 'prompt'; got fields {sorted(record)}")
    question = record[qkey].strip()
    metadata: dict[str, Any] = dict(record.get("metadata") or {})
    solution: str | None = None
    raw_answer = record.get("answer")
    fmt = "generic"

    if isinstance(raw_answer, str) and "####" in raw_answer:  # GSM8K
        fmt = "gsm8k"
        rationale, _, final = raw_answer.rpartition("####")
        answer = final.strip()
        answer = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", answer).strip().rstrip(".")
        answer = answer.lstrip("$").strip()
        if not answer:
            raise ValueError("GSM8K-style answer has nothing after '####'")
        solution = _GSM_CALC_RE.sub("", rationale).strip() or None
    elif raw_answer is not None and not (isinstance(raw_answer, str) and not raw_answer.strip()):
        answer = _answer_text(raw_answer)
        if isinstance(raw_answer, str):
            answer = gold_answer(answer)  # "$\\frac12$", "\\boxed{5}", a solution ending in a box
        if isinstance(record.get("solution"), str):
            solution = record["solution"].strip()
            fmt = "math500" if qkey == "problem" else "generic"
    elif isinstance(record.get("solution"), str):  # MATH: the answer is boxed in the solution
        fmt = "math"
        solution = record["solution"].strip()
        if not last_boxed(solution):
            raise ValueError("MATH-style record: its 'solution' has no \\boxed{...} (or "
                             "\\fbox{...}) final answer; add an 'answer' field")
        answer = gold_answer(solution)  # the last box, or the group of boxes that ends it
    else:
        raise ValueError(
            f"math record has '{qkey}' but no answer: expected a field 'answer' (GSM8K's "
            "'... #### 42', or the final answer itself) or a 'solution' with a \\boxed{} "
            f"answer (MATH); got fields {sorted(record)}")
    if not answer:
        raise ValueError("math record has an empty answer")

    task: dict[str, Any] = {"question": question, "answer": answer}
    choices = record.get("choices", record.get("options"))
    if choices is not None:
        if isinstance(choices, Mapping):  # {"A": "...", "B": "..."}
            choices = [choices[k] for k in sorted(choices)]
        if isinstance(choices, str) or not isinstance(choices, Iterable):
            raise ValueError(f"'choices' must be a list of option strings, got {choices!r}")
        task["choices"] = [str(c) for c in choices]
    answer_type = record.get("answer_type")
    if answer_type is not None and answer_type not in ANSWER_TYPES:
        raise ValueError(f"answer_type {answer_type!r} is not one of {ANSWER_TYPES}")
    if answer_type is None and "choices" in task and re.fullmatch(r"[A-Za-z]", answer):
        answer_type = "mcq"
        task["answer"] = answer.upper()
    if answer_type is not None:
        # Otherwise the verifier infers the type from the gold, as it does for any task.
        task["answer_type"] = answer_type
    if solution:
        task["solution"] = solution

    level = _level(record.get("difficulty"))
    if level is None:
        level = _level(record.get("level"))
    if level is not None:
        task["difficulty"] = level
    if record.get("level") is not None:
        metadata["level"] = record["level"]
    for key in ("type", "subject"):
        if record.get(key) is not None:
            metadata[key] = record[key]
    rid = record.get("id", record.get("unique_id"))
    if rid is not None:
        task["id"] = str(rid)
        if "unique_id" in record:
            metadata["unique_id"] = record["unique_id"]
    metadata["format"] = fmt
    task["metadata"] = metadata
    return task


def load_math_records(tasks: Any, *, split: str = "test",
                      source: str | None = None) -> list[dict[str, Any]]:
    """Read records (path, list, `datasets.Dataset`, hub name; see `read_records`) and
    normalize each; tasks get `source`, `domain="math"` and an `id` (`"{source}/{i}"`
    unless the record has one)."""
    records, name = read_records(tasks, split=split)
    source = source or name
    out = []
    for i, rec in enumerate(records):
        try:
            task = normalize_math_record(rec)
        except ValueError as e:
            raise ValueError(f"{source}: record {i}: {e}") from None
        task.setdefault("id", f"{source}/{i}")
        task.setdefault("difficulty", 1)
        task["source"] = source
        task["domain"] = "math"
        out.append(task)
    if not out:
        raise ValueError(f"{source}: no records found (empty file or split {split!r}?)")
    return out


def load_gsm8k(path_or_dataset: Any, split: str = "test") -> list[dict[str, Any]]:
    """GSM8K tasks (`openai/gsm8k:main` on the hub, or a local JSONL/Parquet/Dataset)."""
    return load_math_records(path_or_dataset, split=split)


def load_math(path_or_dataset: Any, split: str = "test") -> list[dict[str, Any]]:
    """MATH or MATH-500 tasks (difficulty from `level`), from a path, Dataset or hub name."""
    return load_math_records(path_or_dataset, split=split)
