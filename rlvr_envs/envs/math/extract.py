"""Find the final answer in a model response.

Priority (the first that finds something wins):

1. `\\boxed{...}` / `\\fbox{...}`: the **last** box wins (brace-balanced, nested braces). Boxes
   that end the response side by side, joined only by short connectors (`,`, `and`, `or`,
   `$`, spaces), form one group: `\\boxed{1}, \\boxed{2}` is a list (fine for a set gold) and
   `\\boxed{7} or \\boxed{8}` is a hedge for a single-valued gold; the caller decides, since
   only the gold's type tells which. A box followed by prose and a later box is *not*
   grouped: `\\boxed{7} ... actually \\boxed{8}` answers 8.
2. "The final answer is X", "The answer is X", "Final Answer: X", "Answer: X" (last one).
3. A markdown bold `**X**` in the last lines.
4. The last `$...$` / `\\(...\\)` / `\\[...\\]` math.
5. The whole response, when it is a bare answer (<= 40 characters, <= 3 words, one line).

All scanning is linear in the response length (no backtracking regexes over the whole
text), so 100 KB of junk costs milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Extraction", "extract_answer", "find_boxes", "gold_answer", "strip_math_delims"]

MAX_BOX_LEN = 4000
_BOX_CMD = re.compile(r"\\(?:boxed|fbox|framebox)\s*")
_CONNECTOR = re.compile(
    r"^(?:[\s,;&$.]|\\quad|\\qquad|\\,|\\;|\\text\{\s*(?:or|and|,)?\s*\}|\\(?:text|mathrm)\{\s*"
    r"(?:or|and)\s*\}|\bor\b|\band\b|\\\)|\\\(|\\\]|\\\[|\\\\|"
    r"\b[a-zA-Z](?:_\{?\w{1,3}\}?)?\s*=)*$",  # "x = \boxed{3}, y = \boxed{4}": labels
    re.IGNORECASE,
)
# A label right before a box: "x = \boxed{3}" (names a coordinate or a solution).
_LABEL = re.compile(r"(?<![\\a-zA-Z])([a-zA-Z](?:_\{?\w{1,3}\}?)?)\s*=\s*[$(\\[]*\s*$")
_PHRASE = re.compile(
    r"(?:final\s+answer\s*(?:is|:|=)|the\s+answer\s+is\s*:?|\banswer\s*(?:is\s*)?:|"
    r"^[ \t]*\#\#\#\#(?!\#)|"  # GSM8K's answer line: "#### 42"
    r"\banswer\s*(?:\}|\*\*)\s*:|"  # "\textbf{Answer}: 7", "**Answer**: 7"
    r"\banswer\s*=|"
    # A heading on its own line: "### Final Answer", "**Final Answer**" (answer below).
    r"^[ \t]*(?:\#{1,6}[ \t]*|\*\*)final\s+answer(?:\*\*)?[ \t]*:?[ \t]*(?:\*\*)?(?=\n))[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_MATH = re.compile(r"\$\$([^$]{1,4000}?)\$\$|\$([^$\n]{1,4000}?)\$|\\\((.{1,4000}?)\\\)|"
                   r"\\\[(.{1,4000}?)\\\]", re.DOTALL)
_BOLD = re.compile(r"\*\*([^*\n]{1,300}?)\*\*")


@dataclass
class Extraction:
    """The extracted final answer.

    `candidates` holds the answers of the final group (one unless several boxes end the
    response side by side); `answer` is them joined with ", "; `source` says which rule
    found them (boxed, phrase, bold, math, whole); `joiners` the words between boxes.
    """

    candidates: list[str]
    source: str
    joiners: list[str] = field(default_factory=list)

    @property
    def answer(self) -> str:
        return ", ".join(self.candidates)


def find_boxes(text: str) -> list[tuple[int, int, str]]:
    """All `\\boxed{...}` in order, as (start, end, content); unbalanced boxes run to the end
    of the text (capped) because a truncated box is still the model's last word."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    n = len(text)
    while True:
        m = _BOX_CMD.search(text, pos)
        if not m:
            return out
        i = m.end()
        if i < n and text[i] == "{":
            depth, j = 0, i
            while j < n:
                c = text[j]
                if c == "\\":
                    j += 2  # skip escaped chars such as \{ and \}
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            content = text[i + 1: j][:MAX_BOX_LEN]
            end = min(j + 1, n)
        else:
            # "\boxed 5": one token.
            tok = re.match(r"[^\s$\\]+", text[i:i + 100])
            content = tok.group(0) if tok else ""
            end = i + len(content)
        # \boxed{\boxed{5}}: the innermost box is the answer.
        inner = find_boxes(content) if "\\boxed" in content or "\\fbox" in content else []
        if len(inner) == 1 and content.strip().startswith(("\\boxed", "\\fbox")):
            content = inner[0][2]
        out.append((m.start(), end, content.strip()))
        pos = max(end, m.end() + 1)


def _labelled(text: str, group: list[tuple[int, int, str]]) -> list[str]:
    """The contents of a group of boxes; when there are several and each follows a label
    (`x = \\boxed{3}` ... `y = \\boxed{4}`), as `x = 3`, `y = 4`, so the names fix the order
    of a point and one name repeated makes a solution set."""
    contents = [b[2] for b in group]
    if len(group) < 2:
        return contents
    labels = [_LABEL.search(text[max(0, b[0] - 20): b[0]]) for b in group]
    if not all(labels):
        return contents
    return [f"{m.group(1)} = {c}" for m, c in zip(labels, contents) if m]


def _clean_phrase(s: str) -> str:
    s = s.strip().lstrip("}*").strip()  # the rest of "\textbf{Answer:} 7", "**Answer:** 7"
    if s.startswith("$"):
        m = _MATH.match(s)
        if m:
            return next(g for g in m.groups() if g is not None).strip()
    # Cut at the end of the sentence (a period not inside a decimal number) or a clause.
    m = re.search(r"(?<!\d)\.(?=\s|$)|(?<=\d)\.(?=\s|$)|\s(?:because|since|as|which|so)\s",
                  s)
    if m:
        s = s[: m.start()]
    s = s.strip().strip("*").strip()
    math = _MATH.search(s)
    if math and math.start() == 0 and math.end() >= len(s.rstrip(". ")):
        return next(g for g in math.groups() if g is not None).strip()
    return s.rstrip(".").strip()


def extract_answer(response: str) -> Extraction | None:
    """The final answer of `response`, or None when there is none. With a reasoning block
    (`<think>...</think>`), the final answer is read after it; the block is read only when
    nothing after it states an answer."""
    if not response:
        return None
    text = response.replace("\x00", "")
    end = text.rfind("</think>")
    if end >= 0:
        after = _extract(text[end + len("</think>"):])
        if after is not None:
            return after
    return _extract(text)


def _extract(text: str) -> Extraction | None:
    if not text.strip():
        return None
    boxes = find_boxes(text)
    if boxes:
        group = [boxes[-1]]
        joiners: list[str] = []
        for prev in reversed(boxes[:-1]):
            between = text[prev[1]: group[0][0]]
            if len(between) > 40 or not _CONNECTOR.match(between):
                break
            group.insert(0, prev)
            joiners.insert(0, between.strip(" $\\(),;."))
        return Extraction(_labelled(text, group), "boxed", joiners)
    tail = text[-20000:]
    phrases = list(_PHRASE.finditer(tail))
    if phrases:
        last = phrases[-1]
        line = tail[last.end():].split("\n", 1)[0]
        if not line.strip():
            # "Final Answer:\n42"
            rest = tail[last.end():].strip().split("\n", 1)
            line = rest[0] if rest else ""
        cand = _clean_phrase(line)
        if cand:
            return Extraction([cand], "phrase")
    lines = [ln for ln in tail.strip().splitlines() if ln.strip()]
    last_lines = "\n".join(lines[-3:])
    bolds = list(_BOLD.finditer(last_lines))
    if bolds:
        # Bolds side by side ("**A** or **C**") are one group, like boxes: a hedge or a list.
        group = [bolds[-1]]
        for prev in reversed(bolds[:-1]):
            between = last_lines[prev.end(): group[0].start()]
            if len(between) > 40 or "\n" in between or not _CONNECTOR.match(between):
                break
            group.insert(0, prev)
        cands = [c for c in (_clean_phrase(b.group(1)) for b in group) if c]
        if cands:
            return Extraction(cands, "bold")
    maths = list(_MATH.finditer(tail[-6000:]))
    if maths:
        m = maths[-1]
        cand = next(g for g in m.groups() if g is not None).strip()
        if cand:
            return Extraction([cand], "math")
    stripped = text.strip()
    # Only a bare answer ("12", "(B)", "x = 5"), not a short sentence.
    if stripped and len(stripped) <= 40 and "\n" not in stripped and len(stripped.split()) <= 3:
        return Extraction([stripped.rstrip(".")], "whole")
    return None


_DELIMS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def strip_math_delims(s: str) -> str:
    """`$x$`, `$$x$$`, `\\(x\\)`, `\\[x\\]` -> `x` (repeatedly; only a pair enclosing it all)."""
    s = s.strip()
    for _ in range(5):
        for left, right in _DELIMS:
            if len(s) > len(left) + len(right) and s.startswith(left) and s.endswith(right):
                inner = s[len(left): len(s) - len(right)]
                if left == "$" and "$" in inner:
                    continue  # "$a$ and $b$" is two pieces, not one wrapped answer
                s = inner.strip()
                break
        else:
            return s
    return s


def gold_answer(gold: str) -> str:
    """The final answer a gold string holds, as datasets write golds: GSM8K's rationale
    ending in `#### 42` (its last line), a full solution or a `\\boxed{}` (the last box, or
    the group of boxes that ends it, joined with ", "), math delimiters (`$...$`, `\\(...\\)`,
    `\\[...\\]`). A plain answer comes back unchanged but for surrounding space."""
    s = gold.strip()
    if "####" in s:
        tail = s.rpartition("####")[2].strip()
        if tail:
            s = tail.split("\n", 1)[0].strip()
    if "\\boxed" in s or "\\fbox" in s:
        ext = extract_answer(s)
        if ext is not None and ext.source == "boxed" and any(c.strip() for c in ext.candidates):
            s = ", ".join(strip_math_delims(c) for c in ext.candidates)
    return strip_math_delims(s)
