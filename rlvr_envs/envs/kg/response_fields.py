"""Reading the fields of a KG response (`Answer`, `Missing`, `Evidence`) written the ways
models write them, and deciding whether one answer value names one given entity.

Fields are read after the last `</think>`. A field is a line whose label is one of
`FIELD_LABELS` behind any bullets, numbering, heading marks, quote marks or bold, followed by
`:`, ` is ` or a dash (`Final answer: X`, `**Answer:** X`, `- Evidence: [D3]`, `The answer
is X`, `Answer - X`), XML tags (`<answer>X</answer>`, also `<missing>`, `<evidence>`),
or a label alone on its line (`## Answer`, `**Answer:**`) whose value is on the next
non-empty line (every item of a list there is a value of its own); markdown table rows
(`| Answer | X |`, or a header row naming the fields over data rows) too. Evidence also
takes the list items or lines of ids after its label. Without an Evidence field, bracketed
ids anywhere in the text (`[D3]`) are the citations.

An answer value names an entity when one of its *readings* is one of the entity's
normalized forms. The readings are the value cleaned of markdown, quotes, `\\boxed{}`,
citations and a final period; without a lead-in (`It is X`); and its head before an
explanation: a sentence break, a dash, a colon, a comma followed by a lowercase word, or a
parenthesis. An explanation is cut off only when it explains instead of naming: it has a
lowercase word (`Velmora (city)`, `Velmora, the city where ...`) or is the entity's own alias
(`Weprel Zelchu (W. Zelchu)`), and no hedge (`or`, `maybe`, `not Drast`, ...). So
`Velmora, Drast`, `Velmora (Drast)`, `Velmora. Drast.` and `Velmora, or maybe Drast` name no
single entity. Every reading is a head of the value itself, so no value reads as two entities.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from .names import normalize_name

MAX_GRADED_CHARS = 200_000  # only the last part of a longer response is read
MAX_VALUE_CHARS = 2_000  # a value is cut here before it is read
MAX_HEAD_CHARS = 200  # an entity name ends within this many characters of a value's start
MAX_VALUES = 64  # values kept per field; more is a list of candidates, not an answer
FIELD_LABELS = {
    "answer": ("answer", "final answer", "short answer", "the answer", "the final answer"),
    "missing": ("missing", "missing entity", "missing document", "missing link",
                "missing information"),
    "evidence": ("evidence", "supporting evidence", "supporting documents", "sources",
                 "source", "citations", "references", "documents used"),
}
_KIND = {label: kind for kind, labels in FIELD_LABELS.items() for label in labels}
_LABEL_RE = "|".join(sorted((re.escape(lb).replace(r"\ ", r"[ \t]+") for lb in _KIND),
                            key=len, reverse=True))
_DECORATION = r"[ \t>#*_+•·\-]*(?:\d{1,2}[.)][ \t]+)?[ \t>#*_]*"  # no nested repeats
LABEL_SPAN = 200  # a label is looked for in the first characters of a line only
_FIELD_LINE = re.compile(
    rf"^{_DECORATION}(?P<label>{_LABEL_RE})[ \t]*(?:\*\*|__|\*|_)?"
    rf"[ \t]*(?:[:：]|[ \t]+is[ \t]*:?|[ \t]+[—–-][ \t]+|(?=[ \t*_#]*$))(?P<value>.*)$",
    re.IGNORECASE)
_XML_FIELD = re.compile(r"<(answer|missing|evidence)>(.{0,2000}?)</\1>", re.IGNORECASE | re.DOTALL)
_ITEM = re.compile(r"^[ \t]*(?:[-*+•·]|\d{1,2}[.)])[ \t]+(?P<text>.*)$")
_TABLE_SEPARATOR = re.compile(r"^[\s|:\-]+$")
_EMBEDDED = re.compile(r"(?<=[\s(;,.])(?P<label>missing(?:\s+(?:entity|document|link))?|"
                       r"evidence)\s*[:：]", re.IGNORECASE)
DOC_ID = re.compile(r"\bD(\d{1,6})\b", re.IGNORECASE)
_BRACKETED_IDS = re.compile(r"\[\s*D\d{1,6}(?:\s*[,;]\s*D\d{1,6})*\s*\]", re.IGNORECASE)
_CITATION_TAIL = re.compile(r"[ \t]?[\[(]\s*(?:see\s+|docs?\.?\s+|documents?\s+)?D\d{1,6}"
                            r"(?:\s*(?:[,;]\s*|and\s+)?D\d{1,6})*\s*[\])]", re.IGNORECASE)
_LATEX_WRAPPER = re.compile(r"\\(?:boxed|text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}")
_BOUNDARY = re.compile(r"(?<=[.!?;])\s+|\s+[—–-]{1,2}\s+|\s*[—–]\s*|:\s+|,\s+(?=[a-z])|\s*\(")
_HEDGE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly|probably|likely|alternatively|"
                    r"otherwise|unsure|unless|else|instead|rather)\b|\bnot\s+(?:the\s+)?[A-Z]|"
                    r"\?", re.IGNORECASE)
_EXPLAINING_WORD = re.compile(r"\b(?!(?:of|and|the|de|la)\b)[a-z][a-z']+\b")
_LEAD_IN = re.compile(r"^(?:(?:so|thus|therefore|hence)\s+)?(?:it\s+is|it\s+s|this\s+is|"
                      r"that\s+is|(?:the\s+)?(?:final\s+)?answer\s+is|(?:final\s+)?answer)\s+")
TYPE_WORDS = ("person", "city", "town", "company", "firm", "organisation", "organization",
              "product", "device", "event", "region", "province", "country", "entity")
_TYPE_PREFIX = re.compile(rf"^(?:{'|'.join(TYPE_WORDS)})\s+(?:of\s+|called\s+|named\s+)?")
_DOCUMENT_PREFIX = re.compile(r"^(?:the\s+)?(?:document|doc|page|entry|article)\s+"
                              r"(?:for|of|about|on)\s+")
_DOCUMENT_SUFFIX = re.compile(r"\s+s?\s*(?:document|doc|page|entry|article)$")


@dataclass
class ResponseFields:
    """The raw values of each field, in order, and the cited document ids."""

    answers: list[str] = field(default_factory=list)
    final_answers: list[str] = field(default_factory=list)  # from `Final answer:` labels
    missing: list[str] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)
    overflow: bool = False  # more than MAX_VALUES answer or missing values

    @property
    def graded_answers(self) -> list[str]:
        """The answers that count: the `Final answer` ones when there are any (earlier
        `Answer:` lines are then intermediate steps), else every `Answer` value."""
        return self.final_answers or self.answers


def final_text(response: str) -> str:
    """The part of a response that is graded: after the last `</think>`, bounded."""
    text = str(response)
    if "</think>" in text:
        text = text.rsplit("</think>", 1)[1]
    return text[-MAX_GRADED_CHARS:].replace("\r\n", "\n").replace("\r", "\n")


def read_fields(response: str) -> ResponseFields:
    """Every field value of a response (see the module docstring for the forms read)."""
    text = _XML_FIELD.sub(lambda m: f"\n{m.group(1)}: {m.group(2).strip()}\n",
                          final_text(response))
    lines = text.split("\n")
    out = ResponseFields()
    evidence_text: list[str] = []
    i = 0
    while i < len(lines):
        if _table_row(lines[i]) is not None:
            i = _read_table(lines, i, out, evidence_text)
            continue
        found = _field(lines[i])
        i += 1
        if found is None:
            continue
        label, value = found
        kind = _KIND[label]
        following: list[str] = []
        if kind == "evidence" or not _clean(value):
            following, i = _following(lines, i, evidence=kind == "evidence")
        if kind == "evidence":
            evidence_text.extend([value, *following])
            continue
        for v in ([value] if _clean(value) else following):
            _add(out, kind, v, final=label.endswith("final answer"), evidence=evidence_text)
    # without an Evidence field, bracketed ids anywhere are the citations
    cited_text = ("\n".join(evidence_text) if evidence_text
                  else " ".join(_BRACKETED_IDS.findall(text)))
    for number in DOC_ID.findall(cited_text):
        doc_id = f"D{int(number)}"
        if doc_id not in out.cited:
            out.cited.append(doc_id)
    return out


def _field(line: str) -> tuple[str, str] | None:
    """(label, value) if the line starts a field (looked for in its first characters)."""
    match = _FIELD_LINE.match(line[:LABEL_SPAN])
    if match is None:
        return None
    return re.sub(r"\s+", " ", match.group("label").lower()), line[match.start("value"):]


def _add(out: ResponseFields, kind: str, value: str, *, final: bool,
         evidence: list[str]) -> None:
    """Store one value, splitting off fields embedded in it (`unanswerable; Missing: X`)."""
    value = value[:MAX_VALUE_CHARS]
    embedded = _EMBEDDED.search(value)
    if embedded is not None and kind != _KIND.get(embedded.group("label").lower(), kind):
        rest = value[embedded.end():]
        value = value[:embedded.start()]
        inner = _KIND.get(re.sub(r"\s+", " ", embedded.group("label").lower()), "missing")
        if inner == "evidence":
            evidence.append(rest)
        else:
            _add(out, inner, rest, final=False, evidence=evidence)
    target = out.missing if kind == "missing" else out.answers
    if len(target) >= MAX_VALUES:
        out.overflow = True
        return
    target.append(value)
    if kind == "answer" and final:
        out.final_answers.append(value)


def _following(lines: list[str], i: int, *, evidence: bool) -> tuple[list[str], int]:
    """The lines after a label that belong to it: for a value, the first non-empty line or
    the items of a list there; for evidence, its items or lines of ids. Returns (lines,
    index after them)."""
    taken: list[str] = []
    j = i
    while j < len(lines) and not lines[j].strip():
        j += 1
    while j < len(lines):
        line = lines[j]
        if not line.strip() or _field(line) is not None or _table_row(line) is not None:
            break
        item = _ITEM.match(line)
        if item is not None:
            taken.append(item.group("text"))
        elif evidence and DOC_ID.search(line):
            taken.append(line)
        elif not taken and not evidence:
            return [line], j + 1
        else:
            break
        j += 1
    return taken, j if taken else i


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
    if label is None:
        return
    if _KIND[label] == "evidence":
        evidence.append(cell)
    else:
        _add(out, _KIND[label], cell, final=label.endswith("final answer"), evidence=evidence)


def _clean(value: str) -> str:
    """A value without markdown, quotes, LaTeX wrappers, citations and final punctuation."""
    text = value[:MAX_VALUE_CHARS]
    for _ in range(3):
        text = _LATEX_WRAPPER.sub(r"\1", text)
    text = _CITATION_TAIL.sub("", text).replace("$", "")
    text = re.sub(r"\*\*|__|`", "", text)
    text = text.strip().strip("*_\"'“”‘’«»").strip()
    text = re.sub(r"[.!。]+$", "", text).strip()
    if text.count("(") < text.count(")"):  # the end of an enclosing "(missing: X)"
        text = text.rstrip(")").strip()
    return text.strip("*_\"'“”‘’«» ")


def readings(value: str, forms: Collection[str] = ()) -> list[str]:
    """The normalized readings of one value (see the module docstring). `forms` are the
    forms of the entity being checked: a parenthesis holding one of them is an alias."""
    text = _clean(value)
    heads = [text] + [text[:m.start()] for m in _BOUNDARY.finditer(text[:MAX_HEAD_CHARS])
                      if m.start() > 0 and _explains(text[m.start():], forms)]
    out: list[str] = []
    for head in heads:
        norm = normalize_name(head)
        for reading in (norm, _LEAD_IN.sub("", norm)):
            out.extend((reading, _TYPE_PREFIX.sub("", reading),
                        _DOCUMENT_SUFFIX.sub("", _DOCUMENT_PREFIX.sub("", reading))))
    return [r for r in dict.fromkeys(out) if r]


def _explains(rest: str, forms: Collection[str]) -> bool:
    """True if `rest` (what follows a head) explains the head rather than naming another
    candidate: it has a lowercase word or is one of `forms`, and no hedge."""
    if _HEDGE.search(rest):
        return False
    return normalize_name(rest) in forms or bool(_EXPLAINING_WORD.search(rest))


def names_entity(value: str, forms: Collection[str]) -> bool:
    """True if the value names the entity whose normalized forms are `forms`."""
    wanted = set(forms)
    return any(r in wanted for r in readings(value, wanted))


# what `Answer: ...` says when the question cannot be answered (on a normalized reading)
_ABSTENTION = re.compile(
    r"^(?:the\s+)?(?:question\s+is\s+)?(?:there\s+is\s+)?(?:"
    r"unanswerable|not\s+answerable|unknown|no\s+answer|none|n\s+a|undeterminable|"
    r"not\s+determinable|can\s*not\s+be\s+(?:answered|determined)|can\s*not\s+determine|"
    r"(?:insufficient|not\s+enough)\s+information|no\s+information|"
    r"(?:the\s+)?(?:documents?|context)\s+(?:do|does)\s+not\s+"
    r"(?:contain|say|state|give|provide|include|mention)"
    r"(?:\s+(?:enough\s+information|the\s+answer|this|it))?)"
    r"(?:\s+(?:from|in|based\s+on|given|with)\s+(?:the\s+)?(?:given\s+|provided\s+|"
    r"available\s+)?(?:documents?|context|information|text|sources)"
    r"(?:\s+(?:provided|given|available))?)?(?:\s+to\s+answer(?:\s+(?:the\s+question|"
    r"this|it))?)?$")


def is_abstention(value: str) -> bool:
    """True if the value says the question cannot be answered (`unanswerable`, `cannot be
    determined from the documents`, `Not enough information: ...`)."""
    return any(_ABSTENTION.match(r) for r in readings(value))
