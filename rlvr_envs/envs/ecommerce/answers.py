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

import bisect
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from .framing import Frames, change_marked, price_marked, suggested

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
    """Mentions in text order, keeping the longest of any overlapping ones ("awaiting
    processing" is one status; "twenty-eight days" is not also "twenty")."""
    kept: list[Mention] = []
    for m in sorted(set(mentions), key=lambda x: (x.start, x.start - x.end)):
        if kept and m.start < kept[-1].end:
            if m.end - m.start > kept[-1].end - kept[-1].start:
                kept[-1] = m
            continue
        kept.append(m)
    return kept


def _sentence_of(spans: list[tuple[int, int, bool]], starts: list[int],
                 pos: int) -> tuple[int, int, bool]:
    k = bisect.bisect_right(starts, pos) - 1
    return spans[k] if k >= 0 and pos < spans[k][1] else (pos, pos, False)


def _statement_mentions(text: str, mentions: Iterable[Mention]) -> list[Mention]:
    """Mentions outside question sentences."""
    spans = sentences(text)
    starts = [s for s, _, _ in spans]
    return [m for m in mentions if not _sentence_of(spans, starts, m.start)[2]]


# ---- amounts ------------------------------------------------------------------------------

# every run of digits, commas and dots is one token, parsed in Python: linear time on any
# input (no regex backtracking over long digit runs)
_TOKEN = re.compile(r"(?<![\d.,])\d[\d,.]*")
_VALID = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")
_DOLLAR_BEFORE = re.compile(r"(?:\$|\busd|\bus\$)\s?$", re.I)
_MONEY_AFTER = re.compile(r"\s*(?:dollars?|bucks|usd)\b|\s?\$(?!\s?\d)", re.I)
_NOT_MONEY_AFTER = re.compile(r"\s*(?:%|percent|days?\b|weeks?\b|months?\b|x\b|items?\b|"
                              r"units?\b|stars?\b)", re.I)
_ALT_GAP = re.compile(r"\s*(?:-|~|/|or|to)\s*", re.I)
_DOLLARS_CENTS = re.compile(r"\b(\d{1,7})\s*dollars?\s*(?:and\s*)?(\d{1,2})\s*cents?\b", re.I)
_FREE = re.compile(r"(?<!feel )\bfree\b", re.I)


def _cents(whole: str, cents: str | None) -> int:
    return int(whole.replace(",", "")) * 100 + int((cents or "0").ljust(2, "0"))


def _numbers(text: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, cents, has two decimals) per well-formed number token; "1.2.3",
    "42.505" and "12,50" are not numbers. A trailing sentence dot or comma is dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        token = m.group(0).rstrip(".,")
        v = _VALID.fullmatch(token)
        if v and len(token) <= 15:
            out.append((m.start(), m.start() + len(token), _cents(v.group(1), v.group(2)),
                        len(v.group(2) or "") == 2))
    return out


def money_mentions(text: str) -> list[Mention]:
    """Every amount `text` offers, in cents, with its position: `$42.50`, `US$42.50`,
    `USD 42.50`, `42.50 USD`, `42.50 dollars`, `42.50$`, "42 dollars and 50 cents", a bare
    amount with cents ("42.50"; not a time, date part, rating or percentage), a bare number
    offered as an alternative to an amount ("$13.20 or 16", "12 or $13.20"), "free" (0)."""
    text = normalize(text)
    found: list[Mention] = []
    bare: list[tuple[int, int, int]] = []
    for start, end, value, cents2 in _numbers(text):
        before, after = text[max(0, start - 4):start], text[end:end + 12]
        if _DOLLAR_BEFORE.search(before):
            found.append(Mention(start - len(_DOLLAR_BEFORE.search(before).group(0)), end,
                                 value))
        elif _MONEY_AFTER.match(after):
            found.append(Mention(start, end + _MONEY_AFTER.match(after).end(), value))
        elif _NOT_MONEY_AFTER.match(after):
            continue
        elif (cents2 and not re.search(r"[\w:/-]$", text[max(0, start - 1):start])
              and not re.match(r"[:/-]\d", after)):
            found.append(Mention(start, end, value))
        else:
            bare.append((start, end, value))
    # a bare number right next to an amount, joined as an alternative, is offered too
    found.sort(key=lambda x: x.start)
    starts = [m.start for m in found]
    for start, end, value in bare:
        k = bisect.bisect_left(starts, end)
        gaps = ([text[end:found[k].start]] if k < len(found) else []) + \
            ([text[found[k - 1].end:start]] if k > 0 and found[k - 1].end <= start else [])
        if any(len(g) <= 6 and _ALT_GAP.fullmatch(g) for g in gaps):
            found.append(Mention(start, end, value))
    for m in _DOLLARS_CENTS.finditer(text):
        found.append(Mention(m.start(), m.end(), int(m.group(1)) * 100 + int(m.group(2))))
    for m in _FREE.finditer(text):
        found.append(Mention(m.start(), m.end(), 0))
    return _longest(found)


def money_amounts(text: str) -> set[int]:
    """Every `$` amount in `text`, in cents (`$1,234.5` -> 123450)."""
    text = normalize(text)
    return {value for start, _, value, _ in _numbers(text)
            if text[max(0, start - 2):start].rstrip(" ").endswith("$")}


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
# "6 weeks and 2 days", "1 month, 5 days": one count
_COMPOUND_RE = re.compile(r"\b" + _COUNT + r"[\s-]*(weeks?|months?)"
                          r"(?:\s*,\s*(?:and\s+)?|\s+and\s+)"
                          + _COUNT + _DAY_WORDS + r"days?\b(?!\s+ago)", re.I)
# "(about 6 weeks)" next to "44 days": the same count in a coarser unit, not another answer
_APPROX_BEFORE = re.compile(r"(?:\b(?:about|around|roughly|approximately|approx|almost|nearly|"
                            r"over|under|more than|less than|some|close to)|~)\W{0,2}$", re.I)


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
    business = [m.span() for m in _BUSINESS_RE.finditer(text)]  # disjoint, in text order
    starts = [s for s, _ in business]
    out = []
    for pattern, scale in ((_DAYS_RE, 1), (_DAY_ALT_RE, 1), (_WEEKS_RE, 7), (_MONTHS_RE, 30)):
        for m in pattern.finditer(text):
            k = bisect.bisect_right(starts, m.start()) - 1
            if k >= 0 and m.start() < business[k][1]:
                continue
            out.append(Mention(m.start(), m.end(1), scale * _count(m.group(1))))
    for m in _COMPOUND_RE.finditer(text):
        unit = 7 if m.group(2).lower().startswith("week") else 30
        out.append(Mention(m.start(), m.end(), unit * _count(m.group(1)) + _count(m.group(3))))
    return _longest(out)


def offered_days(intent: dict[str, Any], text: str, mentions: list[Mention]) -> list[Mention]:
    """The day counts `text` offers as its answer: not the question's own (`given`) nor the
    intermediates (`context`, e.g. the window), nor a rounded restatement of a stated count
    in weeks or months ("44 days (about 6 weeks)")."""
    text = normalize(text)
    skip = set(intent["given"]) | set(intent.get("context", ()))
    approx = {}
    for m in mentions:
        unit = re.match(r"[\s-]*(weeks?|months?)\b", text[m.end:m.end + 12], re.I)
        if unit and _APPROX_BEFORE.search(text[max(0, m.start - 20):m.start]):
            approx[m.start] = 7 if unit.group(1).lower().startswith("week") else 30
    exact = [m for m in mentions if m.start not in approx]
    kept = exact + [m for m in mentions if m.start in approx
                    and not any(abs(e.value - m.value) < approx[m.start] for e in exact)]
    return [m for m in kept if m.value not in skip]


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
    re.compile(r"(?:\b(?:will|would|should|could|might|may|can|must|not|never|neither|"
               r"to be)\b|n't|\bno longer|"
               r"\b(?:expected|scheduled|due|going|about|set|supposed) to)"
               r"(?:\s+[\w']+){0,2}\s*$", re.I),
    re.compile(r"\b(?:once|when|whenever|if|whether|until|till|after|before|as soon as)"
               r"(?:\s+[\w']+){0,3}\s*$", re.I),
)
# a negation covers a coordinated list: "hasn't shipped or been delivered", "isn't pending,
# processing or shipped", "neither shipped nor delivered" (a new predicate such as "and is
# still pending" ends it: only participle fillers may follow the coordinator)
_LIST_SEP = r"(?:\s*,\s*(?:(?:or|nor|and)\s+)?|\s+(?:or|nor|and)\s+)"
_LIST_FILL = r"(?:(?:been|be|being|yet|even|ever|already|either|really)\s+)*"
_NEGATED_LIST = re.compile(
    r"(?:\b(?:not|never|neither|no longer|cannot)\b|n't\b)"
    r"(?:\s+(?:yet|been|be|being|even|ever|already|currently|still|either|really))*"
    r"\s+(?!(?:sure|certain|clear|know)\b)[A-Za-z][\w'-]*"
    r"(?:" + _LIST_SEP + _LIST_FILL + r"[A-Za-z][\w'-]*)*"
    + _LIST_SEP + _LIST_FILL + r"$", re.I)
# "shipped (if not delivered already)", "unless delivered", "it may already have arrived":
# an alternative offered, so asserted (and a hedge beside another status)
_ALTERNATIVE_BEFORE = re.compile(
    r"\b(?:if not|unless|or)\s+(?:[\w']+\s+){0,3}$|"
    r"\b(?:may|might|could)\s+(?:already\s+|well\s+)?have\s+(?:already\s+)?(?:been\s+)?$",
    re.I)
_CLAUSE_START = re.compile(r"[,;:()\n]|\s-\s|\b(?:and|but|so|because|since)\b", re.I)


def status_mentions(text: str, about: str | None = None) -> list[Mention]:
    """Statuses `text` asserts, with positions: paraphrases count ("being processed", "on its
    way", "has arrived", "canceled"); future, conditional and negated mentions ("will be
    delivered", "once it ships", "hasn't arrived") do not; nor does a status whose nearest
    order id in its sentence is another order than `about`."""
    text = normalize(text)
    spans = sentences(text)
    starts = [s for s, _, _ in spans]
    named: dict[int, list[tuple[int, str]]] = {}  # order ids per sentence, found once
    out = []
    for pattern, status in _STATUS_PHRASES:
        for m in pattern.finditer(text):
            sent = _sentence_of(spans, starts, m.start())
            if about is not None:
                if sent[0] not in named:
                    named[sent[0]] = [(o.start(), o.group(0)) for o in
                                      ORDER_RE.finditer(text, sent[0], sent[1])]
                # a status belongs to the order id nearest to it in its sentence
                ids = named[sent[0]]
                if ids and min(ids, key=lambda o: abs(o[0] - m.start()))[1] != about:
                    continue
            # the words just before it decide (a bounded window: linear time on any input)
            before = text[max(sent[0], m.start() - 120):m.start()]
            if _NEGATED_LIST.search(before):
                continue
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


def tracking_claims(text: str, about: str) -> set[str]:
    """The tracking numbers `text` gives for order `about`, question sentences excluded. A
    tracking number belongs to the order id before it (else the one after
    it), looked for in its clause first; with no order id in the sentence it belongs to
    `about`. So a list of every order with its own tracking number is read for the asked
    one, and two tracking numbers for it are a hedge."""
    text = normalize(text)
    spans = sentences(text)
    starts = [s for s, _, _ in spans]
    out = set()
    named: dict[int, tuple[list[int], list[str]]] = {}  # order ids per sentence, found once
    for m in TRACKING_RE.finditer(text):
        start, end, question = _sentence_of(spans, starts, m.start())
        if question:
            continue
        if start not in named:
            found = list(ORDER_RE.finditer(text, start, end))
            named[start] = ([o.start() for o in found], [o.group(0) for o in found])
        at, ids = named[start]
        # its clause first ("O1 is shipped with TRK1, and O2 with TRK2"), then its sentence
        lo = max([text.rfind(c, start, m.start()) for c in ";,()"] + [start])
        hi = min([x for x in (text.find(c, m.end(), end) for c in ";,()") if x >= 0] or [end])
        k = bisect.bisect_left(at, m.start())
        clause = [i for i in range(len(at)) if lo <= at[i] < hi]
        if clause:
            owner = ids[max([i for i in clause if i < k], default=clause[0])]
        else:
            owner = (ids[k - 1] if k else ids[0]) if ids else about
        if owner == about:
            out.add(m.group(0))
    return out


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
        if intent.get("tracking"):  # one committed tracking number, as for the status
            ok = ok and tracking_claims(text, intent.get("order_id", "")) == {intent["tracking"]}
        return ok
    if intent["answer_type"] == "money":
        mentions = _statement_mentions(text, money_mentions(text))
        offered = {m.value for m in offered_amounts(intent, text, mentions)}
    else:
        mentions = _statement_mentions(text, day_mentions(text))
        offered = {m.value for m in offered_days(intent, text, mentions)}
    if not offered:
        context = set(intent.get("context", ()))
        return False if any(m.value in context for m in mentions) and not asks else None
    if asks and (len(offered) > 1 or not grounded):
        return None
    gold = intent["answer"]
    return (offered == {gold} and grounded
            and not joined_as_alternatives(text, mentions, gold))


def offered_amounts(intent: dict[str, Any], text: str,
                    mentions: list[Mention]) -> list[Mention]:
    """The amounts `text` offers as its answer. Not offered: the intermediates of the
    intent's `context`, upsells ("add $27.02 more for free shipping"), and the question's
    own amounts (`given`). For a question about the refund over items of which some get
    nothing (`ineligible_refunds`: what those would have paid; framing.py):

    * a given amount claimed as money back (in a sentence, table column or list about
      refunds, not stated as a price, a fee or an operand, in no sentence denying a refund)
      is offered, so wrong ("$30.00 back for the second");
    * an ineligible item's would-be refund is a fact only when stated so: as a price change
      ("a $30.00 difference"), as a price if it is also a given price (in words, or by its
      form outside a refund claim), or in a sentence that denies the refund; otherwise it
      is offered.
    """
    text = normalize(text)
    given, context = set(intent["given"]), set(intent.get("context", ()))
    would_be = set(intent.get("ineligible_refunds", ()))
    spans = sentences(text)
    starts = [s for s, _, _ in spans]
    frames = Frames(text, spans) if "ineligible_refunds" in intent else None
    out = []
    for m in mentions:
        sent_start = _sentence_of(spans, starts, m.start)[0]
        if m.value in context or suggested(text, m.start, m.end, sent_start):
            continue
        if m.value not in given and m.value not in would_be:
            out.append(m)
            continue
        if frames is None:
            continue  # the question's own amount, restated
        f = frames.at(m.start)
        priced = 2 if f.price_column or f.restates else \
            price_marked(text, m.start, m.end, sent_start)
        if m.value in would_be:
            changed = f.change_column or change_marked(text, m.start, m.end, sent_start)
            # a price only in form ("sunglasses ($30.00)") inside a refund claim is a claim
            plain = priced == 2 or (priced == 1 and not f.about_refund)
            fact = f.denies or changed or (plain and m.value in given)
        else:
            fact = f.denies or priced > 0 or not f.about_refund
        if not fact:
            out.append(m)
    return out
