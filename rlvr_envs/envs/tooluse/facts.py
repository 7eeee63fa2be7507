"""Typed matching of required facts in a final answer (never raw substrings).

A fact is a dict: `{"slot", "kind", "value", "tol", "conflicts"}`.

* `kind == "number"`: the answer must contain a number within `tol` (absolute) or 1e-6
  relative of `value`. Numbers are read as whole tokens: "ACC-1042", "2025-03-14", "14:30"
  and "IC512" contribute no numbers; "1,234.50" reads 1234.5.
* `kind == "token"`: `value` (an id, a name, a time) must appear as a whole token:
  case-insensitive, not preceded or followed by a letter, digit, `_` or `-`.

Hedging fails: a fact fails when the answer also contains one of its `conflicts` (other
values the same slot could take in the world: other accounts' balances, other event ids,
other employees' names), unless that value is `allowed` (it appears in the user's messages
or is another required fact). And an answer with more than `MAX_UNEXPLAINED_NUMBERS`
numbers that are neither facts nor in the user's messages is a dump and fails every number
fact.

Rival values are looked for more loosely than facts (`loose_numbers`): glued to a unit or
suffix ("67units", "67-ish", "67USD"), with a decimal comma ("67,0"), inside an unspaced
list ("36,67") or spelled out ("sixty-seven"). And an unexplained number next to a hedging
cue ("maybe 37", "36 or 37", "between 30 and 40", "30-40") is a hedge even when it is no
rival value of the slot.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_UNEXPLAINED_NUMBERS = 2
MAX_ANSWER_CHARS = 20_000  # only this much of an answer is read

_NUMBER_RE = re.compile(
    r"(?<![\w.:/\-])(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?![\w]|[.:/\-,]\w)")
_ABSTAIN_RE = re.compile(
    r"\b(?:can ?not|can't|can’t|unable|not able|no (?:available |suitable |appropriate |"
    r"relevant |matching )?(?:tool|function)s?\b|(?:don't|do not|doesn't|does not) have "
    r"(?:a |any |the )?(?:tool|function|way|abilit)|(?:not|isn't|is not) possible|"
    r"(?:none|no one) of (?:the|my) (?:available )?(?:tools|functions))", re.IGNORECASE)


def numbers_in(text: str) -> list[float]:
    """Every standalone number in `text`, in order."""
    out = []
    for m in _NUMBER_RE.finditer(text[:MAX_ANSWER_CHARS]):
        try:
            value = float(m.group(1).replace(",", ""))
        except ValueError:  # pragma: no cover - the regex only matches numerals
            continue
        if math.isfinite(value):
            out.append(value)
    return out


_LOOSE_RE = re.compile(r"(?<![\w.:/\-])(\d+(?:[.,]\d+)*)(?![.:/\-]\d)")
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_RANGE_RE = re.compile(r"(?<![\w.:/\-])(\d+(?:\.\d+)?)\s*(?:-|–|—|to|and|or|/)\s*\$?"
                       r"(\d+(?:\.\d+)?)(?![\w]|[.:/\-]\d)", re.IGNORECASE)
_HEDGE_CUE_RE = re.compile(
    r"(?:\b(?:or|maybe|perhaps|possibly|probably|likely|alternatively|either|otherwise|"
    r"approx(?:imately)?|around|about|roughly|nearly|almost|between|somewhere|could be|"
    r"might be)\b|~|≈|±|\+/-)[^.;\n\d]{0,24}$", re.IGNORECASE)
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {**{w: i for i, w in enumerate(_UNITS)},
                **{w: 20 + 10 * i for i, w in enumerate(_TENS)}}
_WORDS_RE = re.compile(
    r"\b(?:(?:" + "|".join(_WORD_VALUES) + r")(?:[\s-]+(?:hundred|thousand|and|"
    + "|".join(_WORD_VALUES) + r")\b)*)", re.IGNORECASE)


def _words_value(phrase: str) -> float:
    total = current = 0
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
    return float(total + current)


def loose_numbers(text: str) -> list[float]:
    """Every value a reader could take as a number in `text`: the strict numbers plus
    numbers glued to letters or suffixes, decimal commas, unspaced lists, number words.
    Used only to find rival values (hedges), never to find the fact itself."""
    text = text[:MAX_ANSWER_CHARS]
    out = numbers_in(text)
    for m in _LOOSE_RE.finditer(text):
        chunk = m.group(1)
        if _THOUSANDS_RE.fullmatch(chunk):
            out.append(float(chunk.replace(",", "")))
            continue
        pieces = re.split(r"[,]", chunk)
        out.extend(float(p) for p in pieces if re.fullmatch(r"\d+(?:\.\d+)?", p))
        if len(pieces) == 2 and len(pieces[1]) <= 2 and "." not in chunk:
            out.append(float(".".join(pieces)))
    for m in _WORDS_RE.finditer(text):
        out.append(_words_value(m.group(0)))
    return [v for v in out if math.isfinite(v)]


def hedged_numbers(text: str) -> list[float]:
    """Numbers given as alternatives: after a hedging cue ("maybe 37", "or 37") or as a
    range ("30-40", "30 to 40")."""
    text = text[:MAX_ANSWER_CHARS]
    out = []
    for m in _LOOSE_RE.finditer(text):
        if _HEDGE_CUE_RE.search(text[max(0, m.start() - 40):m.start()]):
            chunk = m.group(1)
            if _THOUSANDS_RE.fullmatch(chunk):
                out.append(float(chunk.replace(",", "")))
    for m in _RANGE_RE.finditer(text):
        out += [float(m.group(1)), float(m.group(2))]
    return out


def token_pattern(token: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w\-])" + re.escape(str(token)) + r"(?![\w]|-\w)", re.IGNORECASE)


def has_token(text: str, token: str) -> bool:
    return token_pattern(token).search(text[:MAX_ANSWER_CHARS]) is not None


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= max(tol, 1e-6 * abs(b))


def abstains(text: str) -> bool:
    """Does the answer say the request cannot be done with the tools at hand?"""
    return _ABSTAIN_RE.search(text[:MAX_ANSWER_CHARS]) is not None


def check_facts(answer: str, facts: Sequence[Mapping[str, Any]],
                allowed_numbers: Iterable[float] = (), allowed_tokens: Iterable[str] = ()
                ) -> list[tuple[Mapping[str, Any], bool, str]]:
    """(fact, ok, why) for each fact of one answer."""
    answer = str(answer)[:MAX_ANSWER_CHARS]
    found = numbers_in(answer)
    allowed_n = list(allowed_numbers) + [float(f["value"]) for f in facts
                                         if f["kind"] == "number"]
    allowed_t = {str(t).casefold() for t in allowed_tokens}
    allowed_t |= {str(f["value"]).casefold() for f in facts if f["kind"] == "token"}
    loose = loose_numbers(answer)
    unexplained = {n for n in found if not any(close(n, a, 0.005) for a in allowed_n)}
    alternatives = {n for n in hedged_numbers(answer)
                    if not any(close(n, a, 0.005) for a in allowed_n)}
    dump = len(unexplained) > MAX_UNEXPLAINED_NUMBERS
    out: list[tuple[Mapping[str, Any], bool, str]] = []
    for fact in facts:
        slot = fact["slot"]
        if fact["kind"] == "number":
            value, tol = float(fact["value"]), float(fact.get("tol", 0.005))
            if not any(close(n, value, tol) for n in found):
                out.append((fact, False, f"{slot}: the value is missing"))
                continue
            rivals = [c for c in fact.get("conflicts", ())
                      if not close(float(c), value, tol)
                      and not any(close(float(c), a, 0.005) for a in allowed_n)
                      and any(close(n, float(c), 0.005) for n in loose)]
            if rivals:
                out.append((fact, False, f"{slot}: the answer also gives other candidate "
                                         f"values ({len(rivals)}); hedged"))
            elif dump:
                out.append((fact, False, f"{slot}: the answer lists {len(unexplained)} "
                                         "unexplained numbers; hedged"))
            elif alternatives:
                out.append((fact, False, f"{slot}: the answer gives alternatives or a range "
                                         f"({len(alternatives)} other numbers); hedged"))
            else:
                out.append((fact, True, f"{slot}: ok"))
        else:
            value = str(fact["value"])
            if not has_token(answer, value):
                out.append((fact, False, f"{slot}: the value is missing"))
                continue
            rivals = [c for c in fact.get("conflicts", ())
                      if str(c).casefold() != value.casefold()
                      and str(c).casefold() not in allowed_t and has_token(answer, str(c))]
            if rivals:
                out.append((fact, False, f"{slot}: the answer also gives other candidate "
                                         f"values ({len(rivals)}); hedged"))
            else:
                out.append((fact, True, f"{slot}: ok"))
    return out


def number_fact(slot: str, value: float, conflicts: Iterable[float] = (),
                tol: float = 0.005) -> dict[str, Any]:
    v = float(value)
    return {"slot": slot, "kind": "number", "value": v, "tol": tol,
            "conflicts": sorted({float(c) for c in conflicts if not close(float(c), v, tol)})}


def token_fact(slot: str, value: str, conflicts: Iterable[str] = ()) -> dict[str, Any]:
    return {"slot": slot, "kind": "token", "value": str(value),
            "conflicts": sorted({str(c) for c in conflicts if str(c) != str(value)})}
