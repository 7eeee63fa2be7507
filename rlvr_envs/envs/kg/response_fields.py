"""Finding the fields of a KG response (`Answer`, `Missing`, `Evidence`) where models put
them. What a value says is read by `answer_values.py`.

Fields are read after the last `</think>`. Where a response commits to an answer:

* a line whose label is one of `FIELD_LABELS` behind any bullets, numbering, heading marks,
  quote marks or bold, followed by `:`, ` is `, `=`, an arrow or a dash (`Final answer: X`,
  `**Answer:** X`, `- Evidence: [D3]`, `The answer is X`, `Answer = X`); the label may
  follow a short lead-in clause (`Therefore, the answer is X.`, `So the final answer is:
  X`, `Based on the documents, the answer is:`), and a label alone on its line (`##
  Answer`, `**Answer:**`) takes its value from the next non-empty line, a fenced block, or
  the items of a list there (each a value of its own);
* XML tags (`<answer>X</answer>`, also `<missing>`, `<evidence>`), `\\boxed{X}` anywhere,
  a JSON object with `answer` / `missing` / `evidence` keys, markdown tables (`| Answer |
  X |` rows, or a header naming the fields over data rows);
* a field written inside another one's line (`unanswerable; Missing: X`,
  `Evidence: [D3]. Answer: X`).

Answers in a lead-in sentence count only when the response has no other answer field, and
`Final answer` fields (and a final lead-in) outrank plain ones: earlier `Answer:` lines are
then intermediate steps. Evidence also takes the list items or lines of ids after its label
and ids written as words (`Doc 3`, `Documents 3, 5 and 7`). Without an Evidence field,
the document ids anywhere in the text are the citations (`[D3]`, `(D3)`, `Doc 3`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MAX_GRADED_CHARS = 200_000  # only the last part of a longer response is read
MAX_VALUE_CHARS = 2_000  # a value is cut here before it is stored
MAX_VALUES = 64  # values kept per field; more is a list of candidates, not an answer
MAX_JSON = 8  # JSON objects read per response
FIELD_LABELS = {
    "answer": ("answer", "final answer", "short answer", "the answer", "the final answer",
               "my answer", "my final answer", "final result", "result", "response"),
    "missing": ("missing", "missing entity", "missing document", "missing link",
                "missing information"),
    "evidence": ("evidence", "supporting evidence", "supporting documents", "sources",
                 "source", "citations", "references", "documents used"),
}
FINAL_LABELS = {"final answer", "the final answer", "my final answer", "final result"}
# labels a reasoning step may use too ("Result: X works for Y"): read like a lead-in answer
WEAK_LABELS = {"result", "final result", "response"}
_KIND = {label: kind for kind, labels in FIELD_LABELS.items() for label in labels}
_LABEL_RE = "|".join(sorted((re.escape(lb).replace(r"\ ", r"[ \t]+") for lb in _KIND),
                            key=len, reverse=True))
_DECORATION = r"[ \t>#*_+•·\-]*(?:\d{1,2}[.)][ \t]+)?[ \t>#*_]*"  # no nested repeats
# a short clause before "the answer is": "Therefore,", "So", "Based on the documents,"
_LEAD = (r"(?P<lead>(?:so|thus|therefore|hence|then|overall|finally|in\s+conclusion|"
         r"in\s+summary|in\s+short|in\s+sum)\b[ \t]*,?[ \t]*|[A-Za-z][^\n:.!?]{0,60}?,[ \t]+)?")
_SEPARATOR = r"(?:[:：=]|[ \t]+is[ \t]*:?|[ \t]+would[ \t]+be[ \t]*:?|[ \t]*(?:→|->|=>|:=)|[ \t]+[—–-][ \t]+)"
LABEL_SPAN = 200  # a label is looked for in the first characters of a line only
_FIELD_LINE = re.compile(
    rf"^{_DECORATION}{_LEAD}(?P<label>{_LABEL_RE})[ \t]*(?:\*\*|__|\*|_)?"
    rf"[ \t]*(?:{_SEPARATOR}|(?=[ \t*_#:]*$))(?P<value>.*)$", re.IGNORECASE)
_XML_FIELD = re.compile(r"<(answer|missing|evidence)>(.{0,2000}?)</\1>", re.IGNORECASE | re.DOTALL)
_BOXED = re.compile(r"\\boxed\s*\{")
_ITEM = re.compile(r"^[ \t]*(?:[-*+•·]|\d{1,2}[.)])[ \t]+(?P<text>.*)$")
_FENCE = re.compile(r"^[ \t]*(?:```|~~~)")
_TABLE_SEPARATOR = re.compile(r"^[\s|:\-]+$")
_EMBEDDED = re.compile(r"(?<=[\s(;,.|])(?P<label>missing(?:\s+(?:entity|document|link))?|"
                       r"evidence|(?:final\s+)?answer)\s*[:：]", re.IGNORECASE)
DOC_ID = re.compile(r"\bD(\d{1,6})\b", re.IGNORECASE)
_DOC_WORDS = re.compile(r"\b(?:doc(?:ument)?s?)\.?\s*(\d{1,6}(?:\s*(?:,|and|&)\s*\d{1,6})*)",
                        re.IGNORECASE)
_ID_MENTION = re.compile(r"[\[(]\s*D\d{1,6}(?:\s*[,;]\s*D\d{1,6})*\s*[\])]|\bD\d{1,6}\b",
                         re.IGNORECASE)


@dataclass
class ResponseFields:
    """The raw values of each field, in order, and the cited document ids."""

    answers: list[str] = field(default_factory=list)
    final_answers: list[str] = field(default_factory=list)  # from `Final answer:` labels
    prose_answers: list[str] = field(default_factory=list)  # "Therefore, the answer is X"
    prose_final: list[str] = field(default_factory=list)  # "So the final answer is X"
    missing: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    overflow: bool = False  # more than MAX_VALUES answer or missing values

    @property
    def graded_answers(self) -> list[str]:
        """The answers that count: the `Final answer` ones when there are any (earlier
        `Answer:` lines are then intermediate steps), else every `Answer` value; without
        any, the last answer stated in a sentence (`Therefore, the answer is X.`; earlier
        such sentences are steps)."""
        return (self.final_answers or self.answers or self.prose_final[-1:]
                or self.prose_answers[-1:])


def final_text(response: str) -> str:
    """The part of a response that is graded: after the last `</think>`, bounded."""
    text = str(response)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    return text[-MAX_GRADED_CHARS:].replace("\r\n", "\n").replace("\r", "\n")


def read_fields(response: str) -> ResponseFields:
    """Every field value of a response (see the module docstring for the forms read)."""
    out = ResponseFields()
    evidence_text: list[str] = []
    text = final_text(response)
    for kind, value in _json_fields(text):
        _add(out, kind, value, final=False, prose=False, evidence=evidence_text)
    text = _XML_FIELD.sub(lambda m: f"\n{m.group(1)}: {m.group(2).strip()}\n", text)
    text = _boxed_as_fields(text)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if _table_row(lines[i]) is not None:
            i = _read_table(lines, i, out, evidence_text)
            continue
        found = _field(lines[i])
        i += 1
        if found is None:
            continue
        label, value, prose = found
        kind = _KIND[label]
        following: list[str] = []
        if kind == "evidence" or not _has_value(value):
            following, i = _following(lines, i, evidence=kind == "evidence")
        if kind == "evidence":
            _add(out, kind, " ".join([value, *following]), final=False, prose=False,
                 evidence=evidence_text)
            continue
        for v in ([value] if _has_value(value) else following):
            _add(out, kind, v, final=label in FINAL_LABELS, prose=prose,
                 evidence=evidence_text)
    # without an Evidence field, the document ids anywhere are the citations
    cited_text = ("\n".join(evidence_text) if evidence_text
                  else " ".join(_ID_MENTION.findall(text) + [
                      m.group(0) for m in _DOC_WORDS.finditer(text)]))
    for number in [*DOC_ID.findall(cited_text), *_doc_word_numbers(cited_text)]:
        doc_id = f"D{int(number)}"
        if doc_id not in out.cited:
            out.cited.append(doc_id)
    return out


def _doc_word_numbers(text: str) -> list[str]:
    """The numbers of ids written as words: `Doc 3`, `Documents 3, 5 and 7`."""
    return [n for m in _DOC_WORDS.finditer(text) for n in re.findall(r"\d{1,6}", m.group(1))]


def _has_value(value: str) -> bool:
    return bool(re.sub(r"[\s*_#:`]+", "", value))


def _field(line: str) -> tuple[str, str, bool] | None:
    """(label, value, prose) if the line starts a field (looked for in its first
    characters); `prose` when a lead-in clause comes before the label."""
    match = _FIELD_LINE.match(line[:LABEL_SPAN])
    if match is None:
        return None
    label = re.sub(r"\s+", " ", match.group("label").lower())
    prose = bool(match.group("lead")) or label in WEAK_LABELS
    if prose and _KIND[label] != "answer":
        return None  # "..., evidence: X" in a sentence is not a field
    return label, line[match.start("value"):], prose


def _add(out: ResponseFields, kind: str, value: str, *, final: bool, prose: bool,
         evidence: list[str]) -> None:
    """Store one value, splitting off fields embedded in it (`unanswerable; Missing: X`,
    `[D3]. Answer: X`)."""
    value = value[:MAX_VALUE_CHARS]
    for embedded in _EMBEDDED.finditer(value):
        label = re.sub(r"\s+", " ", embedded.group("label").lower())
        inner = _KIND.get(label, "missing")
        if inner == kind:
            continue
        _add(out, inner, value[embedded.end():], final=label in FINAL_LABELS, prose=False,
             evidence=evidence)
        value = value[:embedded.start()]
        break
    if kind == "evidence":
        evidence.append(value)
        return
    target = out.missing if kind == "missing" else out.answers
    if prose and kind == "answer":
        target = out.prose_final if final else out.prose_answers
    if len(target) >= MAX_VALUES:
        out.overflow = True
        return
    target.append(value)
    if kind == "answer" and final and not prose:
        out.final_answers.append(value)


def _following(lines: list[str], i: int, *, evidence: bool) -> tuple[list[str], int]:
    """The lines after a label that belong to it: for a value, the first non-empty line,
    the lines of a fenced block there, or the items of a list there; for evidence, its
    items or lines of ids. Returns (lines, index after them)."""
    taken: list[str] = []
    j = i
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j < len(lines) and _FENCE.match(lines[j]):  # a fenced block: its lines
        end = next((k for k in range(j + 1, len(lines)) if _FENCE.match(lines[k])), len(lines))
        inside = [ln for ln in lines[j + 1:end] if ln.strip()]
        return (inside if evidence else inside[:1]), min(end + 1, len(lines))
    while j < len(lines):
        line = lines[j]
        if not line.strip() or _field(line) is not None or _table_row(line) is not None:
            break
        item = _ITEM.match(line)
        if item is not None:
            taken.append(item.group("text"))
        elif evidence and (DOC_ID.search(line) or _DOC_WORDS.search(line)):
            taken.append(line)
        elif not taken and not evidence:
            return [line], j + 1
        else:
            break
        j += 1
    return taken, j if taken else i


def _boxed_as_fields(text: str) -> str:
    """Each `\\boxed{...}` (braces balanced) also written as an `Answer:` line."""
    extra = []
    for match in list(_BOXED.finditer(text))[:MAX_VALUES]:
        depth, k = 1, match.end()
        while k < len(text) and depth and k - match.end() < MAX_VALUE_CHARS:
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            k += 1
        if depth == 0:
            extra.append("answer: " + text[match.end():k - 1].replace("\n", " "))
    return text if not extra else text + "\n" + "\n".join(extra)


def _json_fields(text: str) -> list[tuple[str, str]]:
    """(kind, value) from JSON objects in the text with answer / missing / evidence keys."""
    out: list[tuple[str, str]] = []
    decoder = json.JSONDecoder()
    seen = 0
    for match in list(re.finditer(r"\{\s*\"", text))[:4 * MAX_JSON]:
        if seen >= MAX_JSON:
            break
        try:
            obj, _ = decoder.raw_decode(text[match.start():match.start() + 20_000])
        except (ValueError, RecursionError):
            continue
        if not isinstance(obj, dict):
            continue
        seen += 1
        for key, value in obj.items():
            kind = _KIND.get(re.sub(r"[\s_]+", " ", str(key)).strip().lower())
            if kind is None:
                continue
            values = [v for v in (value if isinstance(value, list) else [value])
                      if isinstance(v, (str, int, float))]
            if kind == "evidence":
                out.append((kind, " ".join(map(str, values))))
            else:
                out.extend((kind, str(v)) for v in values[:MAX_VALUES + 1])
    return out


def _table_row(line: str) -> list[str] | None:
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.count("|") >= 2):
        return None
    return [c.strip() for c in stripped.strip("|").split("|")]


def _label_of(cell: str) -> str | None:
    key = re.sub(r"\s+", " ", cell.strip(" *_`:").lower())
    return _KIND.get(key) and key


def _read_table(lines: list[str], i: int, out: ResponseFields,
                evidence: list[str]) -> int:
    """Read a markdown table starting at line `i`; return the index after it."""
    rows = []
    while i < len(lines) and _table_row(lines[i]) is not None:
        rows.append(_table_row(lines[i]))
        i += 1
    header = rows[0] or []
    if len(rows) > 2 and _TABLE_SEPARATOR.match("|".join(rows[1])) and any(
            _label_of(c) for c in header):
        for data in rows[2:]:  # a header naming the fields over data rows
            for label, cell in zip(header, data, strict=False):
                _table_cell(out, _label_of(label), cell, evidence)
        return i
    for row in rows:  # rows of `| Field | value |`
        if len(row) >= 2 and _label_of(row[0]):
            _table_cell(out, _label_of(row[0]), " ".join(row[1:]), evidence)
    return i


def _table_cell(out: ResponseFields, label: str | None, cell: str,
                evidence: list[str]) -> None:
    if label is not None:
        _add(out, _KIND[label], cell, final=label in FINAL_LABELS, prose=False,
             evidence=evidence)
