"""Reading the agent's answer to an info intent (a policy amount or day count, an order's
status): typed mentions with their positions, then one judgement.

A message answers when it asserts a value outside question sentences. The value counts only
if it is *grounded*: every fact in the intent's `grounds` (e.g. `("policy", "returns")`,
`("status", order_id)`) was shown by a tool earlier in the episode (`ShopSession.observed`).
Amounts the question gave (`given`) and intermediate amounts an explanation may name
(`context`: a fee, a window, a subtotal; never another branch's answer) are not offered
answers; everything else asserted is. Exactly one offered value, the gold one, not joined to
another value by "or", "/", "maybe", a range..., is right; several are a hedge.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

TRACKING_RE = re.compile(r"\bTRK\d{9}\b")
ORDER_RE = re.compile(r"\bO\d{7}\b")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    value: Any


# ---- normalising ------------------------------------------------------------------------

_DIGIT_GROUP_SPACE = re.compile(r"(?<=\d)[\u00a0\u2009\u202f\u2007](?=\d{3}(?!\d))")
_SAME_WIDTH = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
                             "\u2013": "-", "\u2014": "-", "\uff04": "$", "\u2019": "'",
                             "\u2018": "'"})


def normalize(text: str) -> str:
    """Thin and no-break spaces, dashes and curly quotes as ASCII, digit groups split by a
    thin or no-break space ("1 234") as "1,234"; the length is kept, so mention offsets
    found in the result are offsets in `text`. The minus sign (U+2212) stays: it is not a
    range dash."""
    return _DIGIT_GROUP_SPACE.sub(",", text).translate(_SAME_WIDTH)


def sentences(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_question) per sentence; a sentence ends at `.!?` before a space or the
    end, or at a line break (list items and table rows are sentences)."""
    out, start = [], 0
    for m in re.finditer(r"[.!?]+(?=[\s*_)\"'`|]*(?:\s|$))[\s*_)\"'`|]*|\n+", text):
        end = m.end()
        if text[start:end].strip():
            out.append((start, end, "?" in m.group(0)))
        start = end
    if text[start:].strip():
        out.append((start, len(text), False))
    return out


_OFFER = re.compile(r"anything else|else (?:i|we) can|can i help|help (?:you )?with|would you "
                    r"like|do you want|want me to|shall i|should i|may i|let me know|"
                    r"is that (?:all|everything)|happy to", re.I)


def clarifying_questions(text: str) -> bool:
    """Whether `text` asks the customer something (not a courtesy offer like "anything else?")."""
    return any(q and not _OFFER.search(text[s:e]) for s, e, q in sentences(text))


def _longest(mentions: Iterable[Mention]) -> list[Mention]:
    """Mentions in text order, dropping any that overlaps a longer one ("awaiting
    processing" is one status; "twenty-eight days" is not also "twenty")."""
    kept: list[Mention] = []
    for m in sorted(set(mentions), key=lambda x: (x.start - x.end, x.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda x: x.start)


def _statement_mentions(text: str, mentions: Iterable[Mention]) -> list[Mention]:
    """Mentions outside question sentences."""
    spans = sentences(text)
    return [m for m in mentions
            if not any(q and s <= m.start < e for s, e, q in spans)]


# ---- amounts ------------------------------------------------------------------------------

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?![\d.,]*\d)"
_NOT_MONEY_AFTER = r"(?!\s*(?:%|percent|days?\b|weeks?\b|months?\b|x\b|items?\b|units?\b))"
_MONEY_RES = (
    re.compile(r"\$\s?" + _NUM, re.I),  # $42.50, US$42.50, $ 42.5
    re.compile(r"(?<![\d$.,])" + _NUM + r"\s?\$(?!\s?\d)", re.I),  # 42.50$
    re.compile(r"(?<![\d.,])" + _NUM + r"\s*(?:dollars?|bucks|usd)\b", re.I),  # 42.50 USD
    re.compile(r"\b(?:usd|us\$)\s*" + _NUM + _NOT_MONEY_AFTER, re.I),  # USD 42.50
    # a bare amount with cents, not a date, version, time, rating or percentage: "42.50"
    re.compile(r"(?<![\w.,:/-])(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})(?![\w.,:/-]*\d)"
               r"(?!\s*(?:%|percent|stars?\b))"),
    # a bare number offered as an alternative to a `$` amount: "$13.20 or 16", "12 or $13.20"
    re.compile(r"(?<=\$)[\d,]+(?:\.\d{1,2})?\s*(?:-|~|/|\bor\b|\bto\b)\s*" + _NUM
               + _NOT_MONEY_AFTER, re.I),
    re.compile(r"(?<![\w.$])" + _NUM + r"\s*(?:-|~|/|\bor\b|\bto\b)\s*(?=\$)", re.I),
)
_DOLLARS_CENTS = re.compile(r"(\d+)\s*dollars?\s*(?:and\s*)?(\d{1,2})\s*cents?\b", re.I)
_FREE = re.compile(r"(?<!feel )\bfree\b", re.I)


def _cents(whole: str, cents: str | None) -> int:
    return int(whole.replace(",", "")) * 100 + int((cents or "0").ljust(2, "0"))


def money_mentions(text: str) -> list[Mention]:
    """Every amount `text` offers, in cents, with its position: `$` amounts, amounts with a
    currency word or code, bare amounts with cents ("42.50"), bare numbers given as
    alternatives to a `$` amount ("$13.20 or 16"), "free" (0)."""
    text = normalize(text)
    found: dict[tuple[int, int], Mention] = {}
    for m in _DOLLARS_CENTS.finditer(text):
        found[(m.start(), m.end())] = Mention(m.start(), m.end(),
                                              int(m.group(1)) * 100 + int(m.group(2)))
    for k, pattern in enumerate(_MONEY_RES):
        for m in pattern.finditer(text):
            # the whole "$42.50" / "USD 42.50"; for a bare alternative, just the number
            start, end = m.span() if k < 5 else m.span(1)
            if k >= 5 and m.group(2):
                end = m.end(2)
            found[(start, end)] = Mention(start, end, _cents(m.group(1), m.group(2)))
    for m in _FREE.finditer(text):
        found[m.span()] = Mention(m.start(), m.end(), 0)
    return _longest(found.values())


def money_amounts(text: str) -> set[int]:
    """Every `$` amount in `text`, in cents (`$1,234.5` -> 123450)."""
    text = normalize(text)
    return {_cents(m.group(1), m.group(2)) for m in _MONEY_RES[0].finditer(text)}


def money_candidates(text: str) -> set[int]:
    """Every amount `text` offers, in cents (see `money_mentions`)."""
    return {m.value for m in money_mentions(text)}


# ---- day counts --------------------------------------------------------------------------

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_NUM = (r"(?:(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_UNITS[1:10]) + r"))?|"
             + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")")
_COUNT = r"(\d{1,4}|" + _WORD_NUM + r")"
_DAY_WORDS = r"(?:\s+(?:more|additional|remaining|extra|full|whole|calendar))*[\s-]*"
_DAYS_RE = re.compile(r"\b" + _COUNT + _DAY_WORDS + r"days?\b(?!\s+ago)", re.I)
_BUSINESS_RE = re.compile(r"\b" + _COUNT + r"(?:\s*(?:-|to|or)\s*" + _COUNT + r")?[\s-]*"
                          r"(?:business|working)[\s-]*days?\b", re.I)
_DAY_ALT_RE = re.compile(r"\b" + _COUNT + r"\s*(?:-|~|/|,|\bor\b|\bto\b)\s*(?=" + _COUNT
                         + _DAY_WORDS + r"days?\b)", re.I)
_WEEKS_RE = re.compile(r"\b" + _COUNT + r"[\s-]*weeks?\b(?!\s+ago)", re.I)
_MONTHS_RE = re.compile(r"\b" + _COUNT + r"[\s-]*months?\b(?!\s+ago)", re.I)


def _count(word: str) -> int:
    w = word.lower()
    if w.isdigit():
        return int(w)
    parts = re.split(r"[- ]", w)
    tens = 10 * (_TENS.index(parts[0]) + 2) if parts[0] in _TENS else 0
    unit = _UNITS.index(parts[-1]) if parts[-1] in _UNITS else 0
    return tens + unit if tens else unit


def day_mentions(text: str) -> list[Mention]:
    """Day counts `text` asserts: "30 days", "18 more days", "thirty days", "14-day",
    alternatives ("30 or 45 days") and weeks or months (7 and 30 days each). Counts of
    business or working days (refund processing times) and "N days ago" are not answers."""
    text = normalize(text)
    business = [m.span() for m in _BUSINESS_RE.finditer(text)]
    out = []
    for pattern, scale in ((_DAYS_RE, 1), (_DAY_ALT_RE, 1), (_WEEKS_RE, 7), (_MONTHS_RE, 30)):
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e in business):
                continue
            out.append(Mention(m.start(), m.end(1), scale * _count(m.group(1))))
    return _longest(out)


def day_counts(text: str) -> set[int]:
    return {m.value for m in day_mentions(text)}


# ---- statuses ----------------------------------------------------------------------------

_STATUS_PHRASES = [(re.compile(p.replace(" ", r"\s+"), re.I), s) for p, s in [
    (r"\bpending\b|\bawaiting (?:processing|fulfil+ment|confirmation|payment)\b", "pending"),
    (r"\bprocessing\b|\bbeing (?:processed|prepared|packed|fulfil+ed)\b", "processing"),
    (r"\bshipped\b|\bdispatched\b|\bon (?:its|the) way\b|\bin transit\b|"
     r"\bout for delivery\b|\bwith the carrier\b|\bleft (?:our|the) warehouse\b", "shipped"),
    (r"\bdelivered\b|\barrived\b", "delivered"),
    (r"\bcancell?ed\b", "cancelled"),
]]
# what makes a status word not an assertion, just before it in its clause
_NOT_ASSERTED = (
    re.compile(r"(?:\b(?:will|would|should|could|might|may|can|must|not|never|to be)\b|n't|"
               r"\bno longer|\b(?:expected|scheduled|due|going|about|set|supposed) to)"
               r"(?:\s+[\w']+){0,2}\s*$", re.I),
    re.compile(r"\b(?:once|when|whenever|if|whether|until|till|after|before|as soon as)"
               r"(?:\s+[\w']+){0,3}\s*$", re.I),
)
# "shipped (if not delivered already)", "unless delivered": an alternative, so asserted
_ALTERNATIVE_BEFORE = re.compile(r"\b(?:if not|unless|or)\s+(?:[\w']+\s+){0,3}$", re.I)
_CLAUSE_START = re.compile(r"[,;:()\n]|\s-\s|\b(?:and|but|so|because|since)\b", re.I)


def status_mentions(text: str, about: str | None = None) -> list[Mention]:
    """Statuses `text` asserts, with positions: paraphrases count ("being processed", "on its
    way", "has arrived", "canceled"); future, conditional and negated mentions ("will be
    delivered", "once it ships", "hasn't arrived") do not; nor do sentences that name only
    other orders than `about`."""
    text = normalize(text)
    spans = sentences(text)
    out = []
    for pattern, status in _STATUS_PHRASES:
        for m in pattern.finditer(text):
            sent = next(((s, e) for s, e, _ in spans if s <= m.start() < e), (0, len(text)))
            if about is not None:
                named = set(ORDER_RE.findall(text[sent[0]:sent[1]]))
                if named and about not in named:
                    continue
            before = text[sent[0]:m.start()]
            cut = max((c.end() for c in _CLAUSE_START.finditer(before)), default=0)
            clause = before[cut:]
            if (any(p.search(clause) for p in _NOT_ASSERTED)
                    and not _ALTERNATIVE_BEFORE.search(before[-40:])):
                continue
            out.append(Mention(m.start(), m.end(), status))
    return _longest(out)


def status_claims(text: str, about: str | None = None) -> set[str]:
    """The statuses `text` asserts (see `status_mentions`), question sentences excluded."""
    return {m.value for m in _statement_mentions(text, status_mentions(text, about))}


def final_status(claims: Collection[str]) -> str | None:
    """The status a set of asserted statuses describes: one status, or "shipped ... and was
    delivered" (delivered: the one history answers tell); None for any other mix."""
    if len(claims) == 1:
        return next(iter(claims))
    return "delivered" if set(claims) == {"shipped", "delivered"} else None


# ---- hedges ------------------------------------------------------------------------------

_ALTERNATIVE_GAP = re.compile(
    r"\b(?:or|either|maybe|perhaps|possibly|alternatively|otherwise|unless|if not)\b|/|"
    r"^[\s*_(]*(?:-|~|to)[\s*_)]*$", re.I)
_ARITHMETIC_AFTER = re.compile(r"^[\s*_)]*=")


def joined_as_alternatives(text: str, mentions: list[Mention], value: Any) -> bool:
    """Whether a mention of `value` sits next to a mention of another value with an
    alternative between them ("$5 or $6", "$5/$6", "$5-6", "shipped (if not delivered)"),
    or inside "between X and Y"."""
    text = normalize(text)
    for a, b in zip(mentions, mentions[1:]):
        if value not in (a.value, b.value) or a.value == b.value:
            continue
        gap = text[a.end:b.start]
        if len(gap) <= 40 and _ALTERNATIVE_GAP.search(gap):
            # "$47.22 - $4.72 = $42.50" is a subtraction, not a range
            if not (gap.strip(" *_()") == "-" and _ARITHMETIC_AFTER.match(text[b.end:])):
                return True
        if re.search(r"\bbetween\s*\$?\s*$", text[max(0, a.start - 12):a.start], re.I):
            return True
    return False


# ---- the judgement -----------------------------------------------------------------------

def grounds_of(intent: dict[str, Any]) -> set[tuple[str, ...]]:
    """The facts a tool must have shown before this intent's answer (or write) counts."""
    if "grounds" in intent:
        return {tuple(g) for g in intent["grounds"]}
    kind = intent["kind"]
    if kind == "status":
        return {("status", intent["order_id"])}
    if kind == "return":
        return {("order", intent["order_id"]), ("policy", "returns")}
    return set()


def judge_answer(intent: dict[str, Any], text: str,
                 observed: Collection[tuple[str, ...]] | None = None) -> bool | None:
    """None if `text` gives no answer to an info intent; else whether the answer is right.

    `observed` holds the facts tools have shown so far; None skips the grounding check
    (for judging text on its own). A clarifying question with several or ungrounded claims
    is not an answer yet; otherwise several claims, a hedge, intermediates only or an
    ungrounded claim are wrong.
    """
    kind = intent["kind"]
    if kind not in ("policy", "status"):
        return None
    grounded = observed is None or grounds_of(intent) <= set(observed)
    asks = clarifying_questions(text)
    if kind == "status":
        mentions = _statement_mentions(text, status_mentions(text, intent.get("order_id")))
        claims = {m.value for m in mentions}
        if not claims:
            return None
        final = final_status(claims)
        hedged = final is None or any(joined_as_alternatives(text, mentions, c) for c in claims)
        if asks and (hedged or not grounded):
            return None
        ok = not hedged and grounded and final == intent["status"]
        if intent.get("tracking"):
            ok = ok and intent["tracking"] in TRACKING_RE.findall(text)
        return ok
    read = money_mentions if intent["answer_type"] == "money" else day_mentions
    mentions = _statement_mentions(text, read(text))
    values = {m.value for m in mentions}
    offered = values - set(intent["given"]) - set(intent.get("context", ()))
    if not offered:
        return False if values - set(intent["given"]) and not asks else None
    if asks and (len(offered) > 1 or not grounded):
        return None
    gold = intent["answer"]
    return (offered == {gold} and grounded
            and not joined_as_alternatives(text, mentions, gold))
