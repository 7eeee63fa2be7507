"""Shortcut strategies: answer from the question's relations and the documents' facts
without following the chain from the question's entity, as the red team did.

They read only what a policy sees: the question (parsed into its walks' relations with
the generator's own phrasing, which is public) and the documents (parsed into facts with
the generator's sentence templates). In search mode they first open every document they
can (`open` of each id, 16 per message), then act as in context mode. The moves:

* `relation-random`: a target of the question's outer relation, drawn among all the
  documents state (comparison: an entity with the asked attribute; intersection: an
  entity of the asked type stating both constraint relations);
* `relation-nearest`: the target stated by the document nearest to the one titled with the
  question's entity (the block of gold documents, before it was scattered);
* `relation-linked`: as `relation-random`, among documents whose title another document
  names through the walk's previous relation (one link of the chain, not from the start);
* `relation-most-mentioned`: the outer relation's target named most often;
* `extreme-linked`: comparison: the most extreme value among attribute entities that
  another document names;
* `abstain-gap`: `unanswerable`, naming as missing an entity without a document that one
  of the question's relations leads to (from a linked document when there is one).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ...core import ToolCall
from .world import RELATIONS

_NAME = r"((?:[A-Z]\.\s)?[^.\n]+?)"  # a name: an initial ("T. Krorchaen") only first
_DOC = re.compile(r"^\[(D\d+)\] (.+)\n(.+)$", re.MULTILINE)
_STATED = re.compile(r"(?:has a population of|was born in the year|was founded in|was released "
                     r"in|took place in the year) (\d+)")
_OPEN_PER_TURN = 16


def _fact_pattern(template: str) -> re.Pattern[str]:
    """A sentence template ("{h} was born in {t}.") as a regex with groups h and t."""
    body = re.escape(template.rstrip("."))
    body = body.replace(re.escape("{h}"), _NAME.replace("(", "(?P<h>", 1), 1)
    body = body.replace(re.escape("{t}"), r"(?!the year )" + _NAME.replace("(", "(?P<t>", 1), 1)
    return re.compile(rf"(?:^|(?<=\. )){body}\.(?=\s|$)")


_PATTERNS = [(r.name, _fact_pattern(f[:1].upper() + f[1:])) for r in RELATIONS.values()
             for f in r.facts]


@dataclass
class Doc:
    doc_id: str
    title: str
    text: str

    def facts(self) -> list[tuple[str, str]]:
        """(relation, target) of the facts this document states about its own entity."""
        out = []
        for relation, pattern in _PATTERNS:
            for m in pattern.finditer(self.text):
                if m.group("h").strip() == self.title:
                    out.append((relation, m.group("t").strip()))
        return list(dict.fromkeys(out))

    def value(self) -> int | None:
        found = _STATED.search(self.text)
        return int(found.group(1)) if found else None


def parse_docs(text: str) -> list[Doc]:
    return [Doc(m.group(1), m.group(2).strip(), m.group(3)) for m in _DOC.finditer(text)]


def _noun(phrase: str) -> tuple[list[str], str]:
    """A noun phrase of the generator ("the mentor of the maker of X") read as (relations
    from the anchor outwards, anchor)."""
    for relation in RELATIONS.values():
        before, after = relation.noun.split("{x}")
        if phrase.startswith(before) and phrase.endswith(after) and len(phrase) > len(
                before) + len(after):
            rels, anchor = _noun(phrase[len(before):len(phrase) - len(after)])
            return rels + [relation.name], anchor
    return [], phrase


@dataclass
class Parsed:
    template: str
    walks: list[list[str]]  # relations of each walk, anchor first
    anchors: list[str]
    question: str


def parse_question(question: str) -> Parsed | None:
    q = question.strip().rstrip("?")
    found = re.match(r"^(?:Who|What) is (.+)$", q)
    if found:
        rels, anchor = _noun(found.group(1))
        return Parsed("composition", [rels], [anchor], question) if rels else None
    found = re.match(r"^Of (.+), which .+$", q)
    if found:
        body = found.group(1)
        for split in [m.start() for m in re.finditer(" and ", body)]:
            (ra, a), (rb, b) = _noun(body[:split]), _noun(body[split + 5:])
            if ra and rb:
                return Parsed("comparison", [ra, rb], [a, b], question)
        return None
    found = re.match(r"^Which \w+ (.+)$", q)
    if found:
        body, walks, anchors = found.group(1), [], []
        for part in re.split(r" and (?=(?:" + "|".join(
                re.escape(r.verb.split("{t}")[0].strip()) for r in RELATIONS.values()) + "))",
                body):
            for relation in RELATIONS.values():
                head = relation.verb.split("{t}")[0]
                if part.startswith(head):
                    rels, anchor = _noun(part[len(head):])
                    walks.append(rels + [relation.name])
                    anchors.append(anchor)
                    break
        return Parsed("intersection", walks, anchors, question) if len(walks) == 2 else None
    return None


def _pick(options: list, key: str) -> object:
    """A deterministic draw among `options`, seeded by `key` (the question)."""
    return options[int(hashlib.md5(key.encode()).hexdigest(), 16) % len(options)]


def answer(value: str, evidence: list[str], missing: str | None = None) -> str:
    lines = [f"Answer: {value}"] + ([f"Missing: {missing}"] if missing else [])
    return "\n".join(lines + ["Evidence: " + ", ".join(f"[{d}]" for d in evidence)])


def decide(move: str, docs: list[Doc], parsed: Parsed | None) -> str:
    """The final message of a shortcut `move` on `docs` (see the module docstring)."""
    if parsed is None or not docs:
        return "Answer: unknown"
    facts = {d.doc_id: d.facts() for d in docs}
    titles = {d.title: d for d in docs}
    anchor_docs = [titles[a].doc_id for a in parsed.anchors if a in titles]
    named_by: dict[str, list[tuple[str, str]]] = {}
    for d in docs:
        for relation, target in facts[d.doc_id]:
            named_by.setdefault(target, []).append((d.doc_id, relation))

    def linked(doc: Doc, relation: str | None) -> bool:
        return any(relation is None or r == relation for _, r in named_by.get(doc.title, []))

    if move == "abstain-gap":
        inner = [r for walk in parsed.walks for r in walk[:-1]] or parsed.walks[0]
        cands = [(d, t) for d in docs for r, t in facts[d.doc_id] if r in inner
                 and t not in titles and t not in parsed.anchors]
        best = [(d, t) for d, t in cands if linked(d, None) or d.doc_id in anchor_docs] or cands
        if not best:
            return "Answer: unanswerable"
        d, t = _pick(best, parsed.question)
        return answer("unanswerable", anchor_docs + [d.doc_id], missing=t)
    if parsed.template == "comparison":
        with_value = [d for d in docs if d.value() is not None and d.title not in parsed.anchors]
        pool = [d for d in with_value if linked(d, None)] if move != "relation-random" else []
        pool = pool or with_value
        if not pool:
            return "Answer: unknown"
        if move in ("extreme-linked", "relation-linked"):
            larger = "larger" in parsed.question
            d = (max if larger else min)(pool, key=lambda x: x.value())
        else:
            d = _pick(pool, parsed.question)
        return answer(d.title, anchor_docs + [d.doc_id])
    if parsed.template == "intersection":
        rels = [w[-1] for w in parsed.walks]
        pool = [d for d in docs if all(any(r == x for x, _ in facts[d.doc_id]) for r in rels)]
        if move == "relation-linked":
            pool = [d for d in pool if all(named_by.get(t, [])[1:] for x, t in facts[d.doc_id]
                                           if x in rels)] or pool
        if not pool:
            return "Answer: unknown"
        d = _pick(pool, parsed.question)
        return answer(d.title, anchor_docs + [d.doc_id])
    walk = parsed.walks[0]
    outer, previous = walk[-1], (walk[-2] if len(walk) > 1 else None)
    cands = [(d, t) for d in docs for r, t in facts[d.doc_id] if r == outer
             and t not in parsed.anchors]
    if not cands:
        return "Answer: unknown"
    if move == "relation-nearest" and anchor_docs:
        a = int(anchor_docs[0][1:])
        d, t = min(cands, key=lambda c: (abs(int(c[0].doc_id[1:]) - a), int(c[0].doc_id[1:])))
    elif move == "relation-most-mentioned":
        counts = Counter(t for _, t in cands)
        top = max(counts.values())
        d, t = _pick([c for c in cands if counts[c[1]] == top], parsed.question)
    elif move == "relation-linked":
        d, t = _pick([c for c in cands if linked(c[0], previous)] or cands, parsed.question)
    else:
        d, t = _pick(sorted({t: (d, t) for d, t in cands}.values(), key=lambda c: c[1]),
                     parsed.question)
    return answer(t, anchor_docs + [d.doc_id])


MOVES = ("relation-random", "relation-nearest", "relation-linked", "relation-most-mentioned",
         "extreme-linked", "abstain-gap")


def shortcut_policy(move: str, render: Callable[[list[ToolCall]], str]
                    ) -> Callable[[list[str]], str]:
    """A policy over observations: context mode answers at once; search mode opens the
    documents (16 per message) until all are open or four messages went, then answers."""
    def act(observations: list[str]) -> str:
        first = observations[0]
        question = (re.search(r"^Question: (.+)$", first, re.MULTILINE) or [None, ""])[1]
        total = re.search(r"ids D1 to D(\d+)", first)
        if total is None:  # context mode
            return decide(move, parse_docs(first), parse_question(question))
        n, turn = int(total.group(1)), len(observations) - 1
        if turn < 4 and turn * _OPEN_PER_TURN < n:
            ids = range(turn * _OPEN_PER_TURN + 1, min(n, (turn + 1) * _OPEN_PER_TURN) + 1)
            return render([ToolCall("", "open", {"doc_id": f"D{i}"}) for i in ids])
        return decide(move, parse_docs("\n".join(observations[1:])), parse_question(question))
    return act
