"""Typed matching of required facts in a final answer (never raw substrings).

A fact is a dict `{"slot", "kind", "value", "tol", "conflicts"}` (number facts may add
`"unit"`, e.g. "USD", "C", "km", "units").

Reading numbers (`read_numbers`): a number is a whole token. Numbers inside ids, paths and
times ("ACC-1042", "IC512", "/tmp/a-12.txt", "14:30", "2025-03-14") are not numbers at all;
numbered-list markers ("1.", "2)"), dates written with month names ("March 14, 2025"),
clock times ("2 pm") and ordinals ("3rd") are numbers but not quantities. Quantities are
read as people write them: "$1,234.50", "1 234.50" with a thin or no-break space,
"−5" with a typographic minus, units glued or not ("45.6mi", "18°C", "20 km"), multipliers
("$144k", "1.2M", "3 million"), decimal commas ("812,50 €": one or two digits after the
comma; three make a thousands separator).

* `kind == "number"`: the answer must contain a quantity within `tol` (absolute) or 1e-6
  relative of `value`, in the fact's unit when both the fact and the answer name one.
* `kind == "token"`: `value` (an id, a name, a path) must appear as a whole token:
  case-insensitive, not preceded or followed by a letter, digit, `_` or `-`.

One committed value per slot: a number fact fails as hedged when the answer also gives
another candidate for the slot. A candidate is a quantity that is not the value (nor a
rounding of it), not explained (said by the user, another required fact, or a number the
gold solution passed to a tool) and could be the slot's value: one of the slot's declared
`conflicts` (other accounts' balances, other days' highs), or any quantity of the slot's
magnitude (within a factor of 10, or within 5) in a compatible unit. A candidate is
excused only when the answer attributes it to something else and the tool results confirm
it: a word of the field that holds that number in a `context` result ("low", "to"; the
reward passes the results of the gold calls the agent made), or an entity of that record
("ACC-2"), other than the slot's own words, written next to the number without a hedging
cue ("or", "maybe", "about", "/") and outside a range. Other values are also found loosely
(unspaced lists, range ends, number words); those and any declared rival of a token fact
cannot be excused.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_ANSWER_CHARS = 20_000  # only this much of an answer is read
NEAR_RATIO = 10.0  # "the slot's magnitude": within this factor of the value...
NEAR_ABS = 5.0  # ...or within this distance (values near zero, e.g. temperatures)

# ---- text normalization -----------------------------------------------------------------

_GROUP_SPACE_RE = re.compile(r"(?<=\d)[\u2009\u202f\u00a0\u2007'](?=\d{3}(?!\d))")
_DASHES = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\ufe63": "-"})


def normalize(text: str) -> str:
    """The answer as the matchers read it: thin/no-break-space and apostrophe thousands
    groups become commas, NFKC (full-width digits, no-break spaces), typographic minus and
    hyphens become "-"."""
    text = _GROUP_SPACE_RE.sub(",", str(text)[:MAX_ANSWER_CHARS])
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


# ---- reading numbers ----------------------------------------------------------------------

@dataclass(frozen=True)
class Mention:
    """One number in a text: its value, where it is, what it is, its unit if written."""

    value: float
    start: int
    end: int
    role: str  # "quantity", "marker", "date", "time", "ordinal"
    unit: str = ""
    decimals: int = 0  # digits written after the decimal point


_NUM_RE = re.compile(
    r"(?<![\w.:/\\#@\-])(?<!\d,)(?P<sign>[-+](?=\d))?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+,\d{1,2}(?!\d)|\d+(?:\.\d+)?)"
    r"(?P<suffix>°?[A-Za-z%]+)?(?!\w)(?![.:/,\-]\d)")
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SCALE = {"k": 1e3, "K": 1e3, "M": 1e6, "mn": 1e6, "MM": 1e6, "bn": 1e9, "B": 1e9}
_SCALE_WORD_RE = re.compile(r"\s+(thousand|million|billion)\b", re.IGNORECASE)
_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_UNIT_NAMES = {
    "USD": "$ us$ usd dollar dollars", "EUR": "€ eur euro euros", "GBP": "£ gbp",
    "JPY": "¥ jpy yen", "CHF": "chf francs", "CAD": "cad c$",
    "C": "°c c celsius", "F": "°f f fahrenheit", "km": "km kilometer kilometers kilometre "
    "kilometres", "mi": "mi mile miles", "m": "m meter meters metre metres",
    "ft": "ft foot feet", "kg": "kg kilogram kilograms kilo kilos",
    "lb": "lb lbs", "l": "l liter liters litre litres", "gal": "gal gallon gallons",
    "units": "unit units pcs pieces items", "%": "% percent"}
UNITS = {name: unit for unit, names in _UNIT_NAMES.items() for name in names.split()}
_ORDINALS = {"st", "nd", "rd", "th"}
_CLOCK = {"am", "pm", "a.m.", "p.m.", "h", "hrs"}
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May)|june?|july?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_DATE_BEFORE_RE = re.compile(
    rf"(?:\b{_MONTH}\.?|\b{_WEEKDAY},?|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?|"
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?)\s*$", re.IGNORECASE)
_DATE_AFTER_RE = re.compile(rf"^(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b", re.IGNORECASE)
_CLOCK_AFTER_RE = re.compile(r"^\s?(?:a\.m\.|p\.m\.|am\b|pm\b|o'clock\b)", re.IGNORECASE)
_LINE_MARKER_RE = re.compile(r"[ \t>]*(?:[-*+•][ \t]+)?(?:\*\*|__)?[(\[]?|[ \t]*\|[ \t]*")
_WORD_MARKER_RE = re.compile(r"\b(?:request|item|question|task|part|step|no\.|number)[ \t]*$",
                             re.IGNORECASE)
_INLINE_MARKER_RE = re.compile(r"(?:[.!?:;](?:\*\*|__)?[ \t]+|\()$")
_MARKER_AFTER_RE = re.compile(r"^(?:[.)\]:](?:\*\*|__)?[ \t]+\S|[ \t]*\|)")
_CURRENCY_BEFORE_RE = re.compile(r"(?:(us\$|c\$|\$|€|£|¥)|\b(usd|eur|gbp|jpy|chf|cad))\s?$",
                                 re.IGNORECASE)
_UNIT_AFTER_RE = re.compile(r"^[ \t]?(°[ \t]?[CFcf]\b|[A-Za-z]+\b\.?|%)")


def read_numbers(text: str, *, normalized: bool = False) -> list[Mention]:
    """Every number in `text`, in order, with its role and unit (see the module doc)."""
    text = text if normalized else normalize(text)
    out: list[Mention] = []
    shaped: list[int] = []  # numbers placed like list markers: "1. ", "Request 2:", "| 3 |"
    for m in _NUM_RE.finditer(text):
        num, suffix = m.group("num"), m.group("suffix") or ""
        if _THOUSANDS_RE.fullmatch(num):
            num = num.replace(",", "")
        num = num.replace(",", ".")  # a decimal comma: "812,50 €"
        value = float(num)
        if m.group("sign") == "-":
            value = -value
        decimals = len(num.split(".")[1]) if "." in num else 0
        before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 40]
        role, unit = "quantity", ""
        if suffix.lower() in _ORDINALS:
            role = "date" if _DATE_BEFORE_RE.search(before) or _DATE_AFTER_RE.match(after) \
                else "ordinal"
        elif suffix.lower() in _CLOCK or (not suffix and _CLOCK_AFTER_RE.match(after)):
            role = "time"
        elif not suffix and (_DATE_BEFORE_RE.search(before) or _DATE_AFTER_RE.match(after)):
            role = "date"
        elif (not suffix and m.group("num").isdigit() and value < 100 and m.group("sign") is None
              and _MARKER_AFTER_RE.match(after)
              and (_LINE_MARKER_RE.fullmatch(text[text.rfind("\n", 0, m.start()) + 1:m.start()])
                   or _WORD_MARKER_RE.search(before) or _INLINE_MARKER_RE.search(before))):
            shaped.append(len(out))
        if role == "quantity":
            value, unit = _scale_and_unit(value, suffix, before, after)
        if math.isfinite(value):
            out.append(Mention(value, m.start(), m.end(), role, unit, decimals))
    values = {out[k].value for k in shaped}
    for k in shaped:  # a list counts from 1: "17. is also possible" alone is no marker
        if all(float(i) in values for i in range(1, int(out[k].value) + 1)):
            out[k] = dataclasses.replace(out[k], role="marker", unit="")
    return out


def _scale_and_unit(value: float, suffix: str, before: str, after: str) -> tuple[float, str]:
    unit = ""
    currency = _CURRENCY_BEFORE_RE.search(before)
    if currency:
        unit = UNITS.get((currency.group(1) or currency.group(2)).lower(), "")
    if suffix in _SCALE:
        value *= _SCALE[suffix]
    elif suffix:
        unit = UNITS.get(suffix.lower().replace(" ", ""), unit)
    else:
        word = _SCALE_WORD_RE.match(after)
        if word:
            value *= _SCALE_WORDS[word.group(1).lower()]
            after = after[word.end():]
        nxt = _UNIT_AFTER_RE.match(after)
        if nxt:
            unit = UNITS.get(nxt.group(1).lower().replace(" ", "").rstrip("."), unit)
    return value, unit


def numbers_in(text: str) -> list[float]:
    """The quantities in `text`, in order (ids, dates, times and list markers excluded)."""
    return [m.value for m in read_numbers(text) if m.role == "quantity"]


# ---- loose readings (rival values only) -------------------------------------------------

_LOOSE_RE = re.compile(r"(?<![\w.:/\-])(?<!\d,)(\d+(?:[.,]\d+)*)(?!\d|[.:/\-]\d)")
_PLAIN_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_RANGE_NUM = r"(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_RANGE_RE = re.compile(rf"(?<![\w.:/\-])(?<!\d,){_RANGE_NUM}\s*(?:-|–|—|to|and|or|/|~)\s*"
                       rf"[$€£]?{_RANGE_NUM}(?![\w]|[.:/\-]\d)", re.IGNORECASE)
_ALTERNATIVE_RE = re.compile(
    r"\b(?:or|maybe|perhaps|possibly|probably|likely|alternatively|alternative|either|"
    r"otherwise|between|somewhere|could|might|may|unsure|uncertain|guess|vs|versus|"
    r"candidates?|options?)\b|[/?]", re.IGNORECASE)
_APPROX_RE = re.compile(r"\b(?:approx(?:imately)?|around|about|roughly|nearly|almost)\b|"
                        r"[~≈±]|\+/-", re.IGNORECASE)
_UNIT_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {**{w: i for i, w in enumerate(_UNIT_WORDS)},
                **{w: 20 + 10 * i for i, w in enumerate(_TENS)}}
_WORD_ALT = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_WORDS_RE = re.compile(
    rf"\b(?:{_WORD_ALT})\b(?:[\s-]+(?:hundred|thousand|and|{_WORD_ALT})\b)*", re.IGNORECASE)


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


def loose_readings(text: str, mentions: Sequence[Mention] = ()) -> list[tuple[float, str]]:
    """Values a reader could take as numbers in `text` beyond `mentions` (its strict
    numbers, whose places are skipped), with their kind: "loose" (unspaced lists "36,67,9"),
    "range" (the ends of "30-40") and "word" ("sixty-seven"). Used only to find other
    candidates, never to find the fact."""
    starts = [m.start for m in mentions]  # in order, never overlapping

    def free(start: int, end: int) -> bool:
        k = bisect.bisect_right(starts, start) - 1
        return not any(0 <= j < len(mentions) and mentions[j].start < end
                       and start < mentions[j].end for j in (k, k + 1))

    out: list[tuple[float, str]] = []
    for m in _LOOSE_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        chunk = m.group(1)
        if _PLAIN_RE.fullmatch(chunk):
            out.append((float(chunk.replace(",", "")), "loose"))
            continue
        pieces = chunk.split(",")
        out += [(float(p), "loose") for p in pieces if re.fullmatch(r"\d+(?:\.\d+)?", p)]
        if len(pieces) == 2 and len(pieces[1]) <= 2 and "." not in chunk:
            out.append((float(".".join(pieces)), "loose"))
    for m in _RANGE_RE.finditer(text):
        out += [(float(m.group(g).replace(",", "")), "range") for g in (1, 2)
                if free(m.start(g), m.end(g))]
    out += [(_words_value(m.group(0)), "word") for m in _WORDS_RE.finditer(text)]
    return [(v, kind) for v, kind in out if math.isfinite(v)]


def loose_numbers(text: str) -> list[float]:
    """The quantities of `text` plus its loose readings (`loose_readings`)."""
    text = normalize(text)
    mentions = read_numbers(text, normalized=True)
    return ([m.value for m in mentions if m.role == "quantity"]
            + [v for v, _ in loose_readings(text, mentions)])


# ---- tokens and abstention --------------------------------------------------------------

_ABSTAIN_RE = re.compile(
    r"\b(?:can ?not|can't|can’t|unable|not able|no (?:available |suitable |appropriate |"
    r"relevant |matching )?(?:tool|function)s?\b|(?:don't|do not|doesn't|does not) have "
    r"(?:a |any |the )?(?:tool|function|way|abilit)|(?:not|isn't|is not) possible|"
    r"(?:none|no one) of (?:the|my) (?:available )?(?:tools|functions))", re.IGNORECASE)


def token_pattern(token: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w\-])" + re.escape(normalize(str(token))) + r"(?![\w]|-\w)",
                      re.IGNORECASE)


def has_token(text: str, token: str) -> bool:
    return token_pattern(token).search(normalize(text)) is not None


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= max(tol, 1e-6 * abs(b))


def abstains(text: str) -> bool:
    """Does the answer say the request cannot be done with the tools at hand?"""
    return _ABSTAIN_RE.search(text[:MAX_ANSWER_CHARS]) is not None


# ---- attribution: which other field a number belongs to ---------------------------------

_KEY_SPLIT_RE = re.compile(r"[^0-9a-z]+")


def _records(value: Any, args: Mapping[str, Any], out: list[dict[str, Any]],
             depth: int = 0) -> None:
    """The flat records (dicts of scalars) in a tool result, each merged with the call's
    arguments; `{"columns", "rows"}` tables become one record per row."""
    if depth > 6 or len(out) > 2000:
        return
    if isinstance(value, Mapping):
        if isinstance(value.get("columns"), list) and isinstance(value.get("rows"), list):
            for row in value["rows"]:
                if isinstance(row, list):
                    _records(dict(zip(map(str, value["columns"]), row)), args, out, depth + 1)
            return
        flat = {str(k): v for k, v in value.items() if not isinstance(v, (Mapping, list))}
        out.append({**{k: v for k, v in args.items() if not isinstance(v, (Mapping, list))},
                    **flat})
        for v in value.values():
            if isinstance(v, (Mapping, list)):
                _records(v, args, out, depth + 1)
    elif isinstance(value, list):
        for item in value[:200]:
            _records(item, args, out, depth + 1)


def attribution_index(context: Iterable[tuple[Mapping[str, Any], Any]]
                      ) -> dict[float, list[set[str]]]:
    """number (to the cent) -> the term sets that may attribute it: the words of the key
    holding it and the entity strings of its record, for every (arguments, result) the
    agent received."""
    records: list[dict[str, Any]] = []
    for args, result in context:
        _records(result, args if isinstance(args, Mapping) else {}, records)
    index: dict[float, list[set[str]]] = {}
    for rec in records:
        entities = {normalize(v).casefold().strip() for v in rec.values()
                    if isinstance(v, str) and 0 < len(v) <= 40}
        for key, v in rec.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                words = {w for w in _KEY_SPLIT_RE.split(key.lower()) if len(w) >= 2}
                index.setdefault(round(float(v), 2), []).append(words | entities)
    return index


def _slot_terms(fact: Mapping[str, Any]) -> set[str]:
    return {w.casefold() for w in str(fact.get("slot", "")).split()}


_CLAUSE_END_RE = re.compile(r"\n|[.!?;](?:\s|$)")


@dataclass
class _Reading:
    """An answer read once: its numbers, where its clauses start, where its quantities are."""

    text: str
    mentions: list[Mention]
    clause_starts: list[int]
    quantity_ends: list[int]
    quantity_starts: list[int]

    @functools.cached_property
    def loose(self) -> list[tuple[float, str]]:
        return loose_readings(self.text, self.mentions)

    @classmethod
    def of(cls, text: str) -> _Reading:
        mentions = read_numbers(text, normalized=True)
        quantities = [m for m in mentions if m.role == "quantity"]
        return cls(text, mentions, [0] + [m.end() for m in _CLAUSE_END_RE.finditer(text)],
                   [m.end for m in quantities], [m.start for m in quantities])

    def window(self, m: Mention) -> tuple[str, str]:
        """The text that labels `m`: back to the previous quantity or the clause start,
        and forward to the next quantity, comma or clause end (at most 30 characters)."""
        lo = self.clause_starts[bisect.bisect_right(self.clause_starts, m.start) - 1]
        k = bisect.bisect_right(self.quantity_ends, m.start) - 1
        if k >= 0:
            lo = max(lo, self.quantity_ends[k])
        k = bisect.bisect_left(self.quantity_starts, m.end)
        hi = min(m.end + 30, self.quantity_starts[k] if k < len(self.quantity_starts) else
                 len(self.text))
        after = re.split(r"[,;\n]|[.!?](?:\s|$)", self.text[m.end:hi], maxsplit=1)[0]
        return self.text[lo:m.start], after

    def cued(self, m: Mention, approximate: bool = True) -> bool:
        """Is `m` offered as an alternative ("or", "maybe", "/", in a range) or, with
        `approximate`, as an approximation ("about", "~")?"""
        before, after = self.window(m)
        cues = [_ALTERNATIVE_RE, _APPROX_RE] if approximate else [_ALTERNATIVE_RE]
        return (any(c.search(before) or c.search(after) for c in cues)
                or _in_range(self.text, m))

    def attributed(self, m: Mention, slot: set[str],
                   index: Mapping[float, list[set[str]]]) -> bool:
        """Is `m` labelled, without a hedging cue, by a term the tool results attach to its
        value (and that is not one of the slot's own words)?"""
        terms = [t for ts in index.get(round(m.value, 2), ()) for t in ts - slot]
        if not terms or self.cued(m):
            return False
        before, after = self.window(m)
        label = (before + " " + after).casefold()
        return any(re.search(r"(?<![\w\-])" + re.escape(t) + r"(?![\w]|-\w)", label)
                   for t in terms)


# ---- checking facts ------------------------------------------------------------------------

def _near(x: float, v: float) -> bool:
    if abs(x - v) <= NEAR_ABS:
        return True
    a, b = abs(x), abs(v)
    return (x > 0) == (v > 0) and min(a, b) > 0 and max(a, b) <= NEAR_RATIO * min(a, b)


def _unit_ok(m: Mention, unit: str) -> bool:
    return not (m.unit and unit and m.unit != unit)


def _in_range(text: str, m: Mention) -> bool:
    for r in _RANGE_RE.finditer(text, max(0, m.start - 30), min(len(text), m.end + 30)):
        if r.start() <= m.start and m.end <= r.end():
            return True
    return False


def check_facts(answer: str, facts: Sequence[Mapping[str, Any]],
                allowed_numbers: Iterable[float] = (), allowed_tokens: Iterable[str] = (),
                context: Iterable[tuple[Mapping[str, Any], Any]] = ()
                ) -> list[tuple[Mapping[str, Any], bool, str]]:
    """(fact, ok, why) for each fact of one answer.

    `allowed_numbers`: numbers that explain themselves (the user's, the gold solution's
    intermediate values). The values of the other `facts` (required in the same answer) are
    explained too unless offered as an alternative (after "or", in a range). Any other
    number, a value from another request included, needs attribution. `allowed_tokens`:
    rival tokens the user mentioned or other requests' token facts. `context`:
    `(arguments, result)` of the tool calls the agent made, used only to excuse a number the
    answer attributes to another field (see module doc).
    """
    reading = _Reading.of(normalize(answer))
    explained = list(allowed_numbers)
    allowed_t = {normalize(str(t)).casefold() for t in allowed_tokens}
    allowed_t |= {normalize(str(f["value"])).casefold() for f in facts if f["kind"] == "token"}
    index = attribution_index(context)
    out: list[tuple[Mapping[str, Any], bool, str]] = []
    for fact in facts:
        if fact["kind"] == "number":
            siblings = [float(f["value"]) for f in facts
                        if f["kind"] == "number" and f is not fact]
            found, candidates = _number_fact(fact, reading, explained, siblings, index)
        else:
            found, candidates = _token_fact(fact, reading.text, allowed_t)
        slot = fact["slot"]
        if not found:
            out.append((fact, False, f"{slot}: the value is missing"))
        elif candidates:
            out.append((fact, False, f"{slot}: the answer also gives {candidates} other "
                                     "candidate value(s) for it; hedged"))
        else:
            out.append((fact, True, f"{slot}: ok"))
    return out


def _token_fact(fact: Mapping[str, Any], text: str, allowed: set[str]) -> tuple[bool, int]:
    value = normalize(str(fact["value"]))
    if not has_token(text, value):
        return False, 0
    return True, sum(1 for c in fact.get("conflicts", ())
                     if normalize(str(c)).casefold() not in allowed | {value.casefold()}
                     and has_token(text, str(c)))


def _number_fact(fact: Mapping[str, Any], reading: _Reading, explained: list[float],
                 siblings: list[float], index: Mapping[float, list[set[str]]]
                 ) -> tuple[bool, int]:
    """(is the value stated, how many other candidates for the slot the answer gives)."""
    value, tol = float(fact["value"]), float(fact.get("tol", 0.005))
    unit = str(fact.get("unit") or "")
    quantities = [m for m in reading.mentions if m.role == "quantity"]
    if not any(close(m.value, value, tol) and _unit_ok(m, unit) for m in quantities):
        return False, 0
    rivals = _ValueSet(fact.get("conflicts", ()))
    own, others = _ValueSet([value, *explained]), _ValueSet(siblings)
    slot = _slot_terms(fact)
    candidates = 0
    for m in quantities:
        rounded = max(0.005, 0.5 * 10 ** -m.decimals + 1e-9)  # "$813" for 812.50 is no rival
        if close(m.value, value, tol) or own.has(m.value, rounded):
            continue
        if others.has(m.value, rounded) and not reading.cued(m, approximate=False):
            continue  # another required value of this answer, not offered as an alternative
        plausible = rivals.has(m.value) or (_near(m.value, value) and _unit_ok(m, unit))
        if plausible and not reading.attributed(m, slot, index):
            candidates += 1
    known = _ValueSet([value, *explained, *siblings])
    return True, candidates + sum(  # loose readings: rivals, or near (words from eleven)
        1 for x, kind in reading.loose  # words carry no decimals: "eight hundred twelve"
        if not known.has(x, 0.5 + 1e-9 if kind == "word" else max(tol, 0.005))
        and (rivals.has(x) or (_near(x, value) and (kind != "word" or x >= 11))))


class _ValueSet:
    """Numbers, sorted, for "is x within tol of one of them" in log time."""

    def __init__(self, values: Iterable[float]) -> None:
        self.values = sorted(float(v) for v in values)

    def has(self, x: float, tol: float = 0.005) -> bool:
        reach = max(tol, 1e-6 * abs(x))
        k = bisect.bisect_left(self.values, x - reach)
        return k < len(self.values) and self.values[k] <= x + reach


def number_fact(slot: str, value: float, conflicts: Iterable[float] = (),
                tol: float = 0.005, unit: str = "") -> dict[str, Any]:
    v = float(value)
    fact = {"slot": slot, "kind": "number", "value": v, "tol": tol,
            "conflicts": sorted({float(c) for c in conflicts if not close(float(c), v, tol)})}
    if unit:
        fact["unit"] = unit
    return fact


def token_fact(slot: str, value: str, conflicts: Iterable[str] = ()) -> dict[str, Any]:
    return {"slot": slot, "kind": "token", "value": str(value),
            "conflicts": sorted({str(c) for c in conflicts if str(c) != str(value)})}
