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
comma; three make a thousands separator), locale formats that cannot be misread
("8.410,00 $", "$8 410.00", normalize.py), currency signs before or after ("CA$12",
"12 C$", "12円", "Fr. 12").

* `kind == "number"`: the answer must contain a quantity within `tol` (absolute) or 1e-6
  relative of `value`, in the fact's unit when both the fact and the answer name one.
* `kind == "token"`: `value` (an id, a name, a path) must appear as a whole token:
  case-insensitive, not preceded or followed by a letter, digit, `_` or `-`; an id's
  separator is free ("EVT-613" = "EVT_613" = "EVT 613", normalize.py).

A fact counts only where it is grounded and attributed. Grounded: with `calls` (the
agent's successful calls before the answer), every step of the fact's `evidence` must be
backed by a result of this episode (evidence.py): the value, or the inputs it was computed
from, returned by a call about the asked entity. Attributed: a number fact with `entity`
terms (the asked account, city and day...) is stated only by a mention that the answer
does not label as another entity's (a sibling fact's entity, or an entity of the same kind
in the tool results: "ACC-2 now has <ACC-1's balance>" does not state ACC-1's balance), nor
as a past value ("the previous salary was", "$X before the transfer", "went from $X").

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
cue ("or", "maybe", "about", "/"; a date's slashes are no cue) and outside a range; or
when the answer labels it as a past value. Other values are also found loosely (unspaced
lists, range ends, number words); those and any declared rival of a token fact cannot be
excused.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .declines import declines
from .evidence import Call, Evidence, attribution_index, entity_kin, grounded, step_text
from .normalize import MAX_ANSWER_CHARS, has_token, normalize, token_key, token_pattern

__all__ = ["MAX_ANSWER_CHARS", "Mention", "UNITS", "abstains", "check_facts", "close",
           "has_token", "loose_numbers", "loose_readings", "normalize", "number_fact",
           "numbers_in", "read_numbers", "token_fact", "token_pattern"]

NEAR_RATIO = 10.0  # "the slot's magnitude": within this factor of the value...
NEAR_ABS = 5.0  # ...or within this distance (values near zero, e.g. temperatures)

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
    r"(?P<suffix>°?[A-Za-z%]+|[円])?(?!\w)(?![.:/,\-]\d)")
_THOUSANDS_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_SCALE = {"k": 1e3, "K": 1e3, "M": 1e6, "mn": 1e6, "MM": 1e6, "bn": 1e9, "B": 1e9}
_SCALE_WORD_RE = re.compile(r"\s+(thousand|million|billion)\b", re.IGNORECASE)
_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_UNIT_NAMES = {
    "USD": "$ us$ usd dollar dollars", "EUR": "€ eur euro euros", "GBP": "£ gbp",
    "JPY": "¥ jpy yen 円", "CHF": "chf francs fr fr. sfr", "CAD": "cad c$ ca$ cad$",
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
_DAY_MONTH_RE = re.compile(r"\d{1,2}\.\d{1,2}")  # "on 21.3." (day.month.)
_ON_DAY_RE = re.compile(r"\b(?:on|am|by|until|till|from|since)\s+$", re.IGNORECASE)
_CLOCK_AFTER_RE = re.compile(r"^\s?(?:a\.m\.|p\.m\.|am\b|pm\b|o'clock\b)", re.IGNORECASE)
_LINE_MARKER_RE = re.compile(r"[ \t>]*(?:[-*+•][ \t]+)?(?:\*\*|__)?[(\[]?|[ \t]*\|[ \t]*")
_WORD_MARKER_RE = re.compile(r"\b(?:request|item|question|task|part|step|no\.|number)[ \t]*$",
                             re.IGNORECASE)
_INLINE_MARKER_RE = re.compile(r"(?:[.!?:;)](?:\*\*|__)?[ \t]+|\()$")
_MARKER_AFTER_RE = re.compile(r"^(?:[.)\]:](?:\*\*|__)?[ \t]+\S|[ \t]*\|)")
# leftmost first: "CA$" before "$"; a sign glued to a code ("CAD$") is the code's
_CURRENCY_BEFORE_RE = re.compile(
    r"(?:(?<![A-Za-z])(cad\$|ca\$|us\$|c\$|fr\.|sfr\.?)|(\$|€|£|¥)|"
    r"\b(usd|eur|gbp|jpy|chf|cad))\s?$", re.IGNORECASE)
_UNIT_AFTER_RE = re.compile(
    r"^[ \t]?(°[ \t]?[CFcf]\b|(?:cad|ca|us|c)\$|[$€£¥円]|[A-Za-z]+\b\.?|%)", re.IGNORECASE)


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
        elif not suffix and (_DATE_BEFORE_RE.search(before) or _DATE_AFTER_RE.match(after)
                             or (_DAY_MONTH_RE.fullmatch(num) and after.startswith(".")
                                 and _ON_DAY_RE.search(before))):
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
        sign = currency.group(1) or currency.group(2) or currency.group(3)
        unit = UNITS.get(sign.lower().rstrip("."), UNITS.get(sign.lower(), ""))
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

# a "/" before a number hides it only inside a path or a date ("a/12", "3/15"), not after a
# space ("(or /65,000)")
_LOOSE_RE = re.compile(r"(?<![\w.:\-])(?<![\w.:/\-]/)(?<!\d,)(\d+(?:[.,]\d+)*)(?!\d|[.:/\-]\d)")
_PLAIN_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_RANGE_NUM = r"(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
_RANGE_RE = re.compile(rf"(?<![\w.:/\-])(?<!\d,){_RANGE_NUM}\s*(?:-|–|—|to|and|or|/|~)\s*"
                       rf"[$€£]?{_RANGE_NUM}(?![\w]|[.:/\-]\d)", re.IGNORECASE)
_ALTERNATIVE_RE = re.compile(
    r"\b(?:or|maybe|perhaps|possibly|probably|likely|alternatively|alternative|either|"
    r"otherwise|between|somewhere|could|might|may|unsure|uncertain|guess|vs|versus|"
    r"candidates?|options?)\b|\?|"
    r"/(?![ \t]*[^\W\d_])",  # "$5/$6" or "5 / 6", not a rate ("$5/yr", "km/h")
    re.IGNORECASE)
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

def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= max(tol, 1e-6 * abs(b))


def abstains(text: str) -> bool:
    """Does the answer decline the request, without claiming to have done it
    (declines.py)?"""
    return declines(text)


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

    def clause_start(self, m: Mention) -> bool:
        """Does `m`'s label window start at its clause (not after another quantity)?"""
        k = bisect.bisect_right(self.quantity_ends, m.start) - 1
        lo = self.clause_starts[bisect.bisect_right(self.clause_starts, m.start) - 1]
        return k < 0 or self.quantity_ends[k] <= lo

    def cued(self, m: Mention, approximate: bool = True, ranges: bool = True) -> bool:
        """Is `m` offered as an alternative ("or", "maybe", "/", with `ranges` in a range)
        or, with `approximate`, as an approximation ("about", "~")? A date's slashes are no
        cue."""
        before, after = (_SLASH_DATE_RE.sub(" ", part) for part in self.window(m))
        cues = [_ALTERNATIVE_RE, _APPROX_RE] if approximate else [_ALTERNATIVE_RE]
        return (any(c.search(before) or c.search(after) for c in cues)
                or (ranges and _in_range(self.text, m)))

    def past(self, m: Mention) -> bool:
        """Does the answer label `m` as a value from before ("the previous salary was",
        "went from $X", "$X before the transfer", "Before the transfer, ACC-1 had $X",
        "(Earlier: ... $X.)")? A past word counts within the last few words before `m`
        with no comma between, or opening its clause."""
        before, after = self.window(m)
        if _PAST_BEFORE_RE.search(before) or _PAST_AFTER_RE.match(after):
            return True
        if self.clause_start(m) and _PAST_OPENING_RE.match(before):
            return True
        line = self.text[self.text.rfind("\n", 0, m.start) + 1:m.start]
        opened = line.rfind("(")
        return opened >= 0 and ")" not in line[opened:] \
            and _PAST_ASIDE_RE.match(line, opened + 1) is not None

    def labelled_other(self, m: Mention, own: Sequence[re.Pattern[str]],
                       others: Sequence[re.Pattern[str]]) -> bool:
        """Does the answer label `m` with another entity than the asked one? The label is
        the entity named nearest before it in its clause, skipping one named as where money
        went or came from ("sent $40 to ACC-2, leaving $X"), or else one right after it
        ("$X for ACC-2", "$X (ACC-2)")."""
        before, after = self.window(m)
        named = sorted(((hit.start(), mine) for mine, patterns in ((True, own), (False, others))
                        for p in patterns for hit in p.finditer(before)), reverse=True)
        for start, mine in named:
            if not _DIRECTION_RE.search(before, 0, start):
                return not mine
        rest = after[_LINKER_RE.match(after).end():]  # type: ignore[union-attr]
        return not any(p.match(rest) for p in own) and any(p.match(rest) for p in others)

    def attributed(self, m: Mention, slot: set[str],
                   index: Mapping[float, list[set[str]]]) -> bool:
        """Is `m` labelled, without a hedging cue, by a term the tool results attach to its
        value (and that is not one of the slot's own words)?"""
        terms = [t for ts in index.get(round(m.value, 2), ()) for t in ts - slot]
        if not terms or self.cued(m):
            return False
        before, after = self.window(m)
        label = (before + " " + after).casefold().replace("_", " ")  # "to_balance: 300.25"
        return any(re.search(r"(?<![\w\-])" + re.escape(t) + r"(?![\w]|-\w)", label)
                   for t in terms)


_SLASH_DATE_RE = re.compile(r"(?<![\d/])(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}/\d{1,2}/\d{1,2})(?![\d/])")
# a past value: the word within the last few words before the number, or right after it
_PAST_BEFORE_RE = re.compile(
    r"\b(?:previous(?:ly)?|prior|old|former(?:ly)?|original(?:ly)?|earlier|before|"
    r"initial(?:ly)?|used to be|was once)\b(?:[^\w,;]+\w+){0,5}[^\w,;]*$|"
    r"\bfrom\s*[$€£¥]?\s*$", re.IGNORECASE)
_PAST_OPENING_RE = re.compile(r"\W*(?:previously|before|earlier|originally|formerly|"
                              r"prior to|at first|initially)\b", re.IGNORECASE)
_DIRECTION_RE = re.compile(r"\b(?:to|from|into|towards?|out of|via)\s*$", re.IGNORECASE)
_PAST_AFTER_RE = re.compile(
    r"^\s*(?:[A-Za-z]{1,3}\b\.?\s*)?(?:before\b|previously\b|earlier\b|originally\b|"
    r"prior to\b|formerly\b)", re.IGNORECASE)
# what may stand between a number and the entity it belongs to: "$X for ACC-2", "$X (ACC-2)",
# "18 °C in Arlen", "161 units of the office chair"
_PAST_ASIDE_RE = re.compile(r"\s*(?:previously|earlier|before|formerly|originally|was|old)\b",
                            re.IGNORECASE)
_LINKER_RE = re.compile(r"\s*(?:[^\s\w]?[A-Za-z]{1,6}\.?\s+(?=(?:for|of|in|on|at)\b))?"
                        r"(?:\(\s*|(?:for|of|in|on|at)\s+(?:the\s+)?|[—–-]\s*)?")


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
                context: Iterable[tuple[Mapping[str, Any], Any]] = (),
                calls: Sequence[Call] | None = None
                ) -> list[tuple[Mapping[str, Any], bool, str]]:
    """(fact, ok, why) for each fact of one answer.

    `allowed_numbers`: numbers that explain themselves (the user's, the gold solution's
    intermediate values). The values of the other `facts` (required in the same answer) are
    explained too unless offered as an alternative (after "or", in a range). Any other
    number, a value from another request included, needs attribution. `allowed_tokens`:
    rival tokens the user mentioned or other requests' token facts. `context`:
    `(arguments, result)` of the tool calls the agent made that the task needs, used to
    excuse a number the answer attributes to another field and to know the entities of the
    asked one's kind (see module doc). `calls`: `(name, arguments, result)` of the agent's
    successful calls before this answer; when given, a fact whose `evidence` they do not
    back fails (evidence.py).
    """
    reading = _Reading.of(normalize(answer))
    context = list(context)
    explained = list(allowed_numbers)
    allowed_t = {token_key(t) for t in allowed_tokens}
    allowed_t |= {token_key(f["value"]) for f in facts if f["kind"] == "token"}
    index = attribution_index(context)
    evidence = None if calls is None else Evidence(calls)
    out: list[tuple[Mapping[str, Any], bool, str]] = []
    for fact in facts:
        slot = fact["slot"]
        unbacked = [] if evidence is None else [
            s for s in fact.get("evidence", ()) if not grounded(s, evidence)]
        if unbacked:
            out.append((fact, False, f"{slot}: no tool result of this episode backs it (no "
                                     f"successful call returned it for {step_text(unbacked[0])})"))
            continue
        if fact["kind"] == "number":
            siblings = [float(f["value"]) for f in facts
                        if f["kind"] == "number" and f is not fact]
            own = [str(e) for e in fact.get("entity", ())]
            shared = {token_key(e) for f in facts if f is not fact for e in f.get("entity", ())}
            kin = (shared | (entity_kin(own, context) if own else set())) - {
                token_key(e) for e in own}
            # a term the asked entity shares with another (the same day) names neither
            distinct = [e for e in own if token_key(e) not in shared]
            found, candidates = _number_fact(fact, reading, explained, siblings, index,
                                             [token_pattern(e) for e in distinct],
                                             [token_pattern(e) for e in sorted(kin)])
        else:
            found, candidates = _token_fact(fact, reading.text, allowed_t)
        if found is not True:
            out.append((fact, False, f"{slot}: the value is {found or 'missing'}"))
        elif candidates:
            out.append((fact, False, f"{slot}: the answer also gives {candidates} other "
                                     "candidate value(s) for it; hedged"))
        else:
            out.append((fact, True, f"{slot}: ok"))
    return out


def _token_fact(fact: Mapping[str, Any], text: str, allowed: set[str]
                ) -> tuple[bool, int]:
    value = str(fact["value"])
    if not token_pattern(value).search(text):
        return False, 0
    return True, sum(1 for c in fact.get("conflicts", ())
                     if token_key(c) not in allowed | {token_key(value)}
                     and token_pattern(str(c)).search(text))


def _number_fact(fact: Mapping[str, Any], reading: _Reading, explained: list[float],
                 siblings: list[float], index: Mapping[float, list[set[str]]],
                 own_entity: Sequence[re.Pattern[str]] = (),
                 other_entities: Sequence[re.Pattern[str]] = ()) -> tuple[bool | str, int]:
    """(True if the value is stated, else False or why not; how many other candidates for
    the slot the answer gives)."""
    value, tol = float(fact["value"]), float(fact.get("tol", 0.005))
    unit = str(fact.get("unit") or "")
    quantities = [m for m in reading.mentions if m.role == "quantity"]
    stating = [m for m in quantities if close(m.value, value, tol) and _unit_ok(m, unit)]
    if not stating:
        return False, 0
    if other_entities:
        stating = [m for m in stating
                   if not reading.labelled_other(m, own_entity, other_entities)]
        if not stating:
            return "given for another entity, not for the one asked", 0
    stating = [m for m in stating if not reading.past(m)]
    if not stating:
        return "given only as a past value", 0
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
        if reading.past(m) and not reading.cued(m, approximate=False, ranges=False):
            continue  # "the previous salary was $73,000", "went from X to Y": context
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
                tol: float = 0.005, unit: str = "", *, entity: Sequence[str] = (),
                evidence: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A number fact. `entity`: the strings that name the asked entity (its value must not
    be labelled with another one); `evidence`: grounding steps (evidence.evidence)."""
    v = float(value)
    fact: dict[str, Any] = {
        "slot": slot, "kind": "number", "value": v, "tol": tol,
        "conflicts": sorted({float(c) for c in conflicts if not close(float(c), v, tol)})}
    if unit:
        fact["unit"] = unit
    if entity:
        fact["entity"] = [str(e) for e in entity]
    if evidence:
        fact["evidence"] = [dict(e) for e in evidence]
    return fact


def token_fact(slot: str, value: str, conflicts: Iterable[str] = (), *,
               evidence: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    fact: dict[str, Any] = {"slot": slot, "kind": "token", "value": str(value),
                            "conflicts": sorted({str(c) for c in conflicts
                                                 if str(c) != str(value)})}
    if evidence:
        fact["evidence"] = [dict(e) for e in evidence]
    return fact
