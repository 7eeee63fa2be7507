"""How an amount is presented: claimed as money back, stated as a price fact, or suggested
(an upsell). `answers.offered_amounts` uses these to tell which amounts a message offers as
its answer; docs/envs/ecommerce.md ("Reading typed answers") lists the rules.

Positions are offsets in `answers.normalize(text)` (same length as `text`). The checks look
at bounded windows around an amount and at the frame of its sentence, computed once per
sentence and line, so reading is linear in the message.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

WINDOW = 48  # characters looked at before or after an amount

# words that make a sentence (or a table column, or a list's heading) about money coming back
_REFUND_CUE = re.compile(r"\b(?:back|refund\w*|reimburs\w*|credit\w*|gets?|getting|receive\w*|"
                         r"owed?|owing|qualif\w* for)\b", re.I)
# a sentence that denies a refund or an eligibility ("final sale, so nothing for them")
_DENIAL = re.compile(r"\b(?:not|never|nothing|none|neither|nor|cannot|no refund|"
                     r"non-?refundable|ineligible|final[- ]sale|excluded|too late|expired|"
                     r"(?:outside|past) (?:the|its|our|of))\b|n't\b", re.I)
_NOT_DENIAL = re.compile(r"\b(?:nothing|anything) else\b|\bnot only\b", re.I)
# a sentence (or table row) that restates the question's numbers
_RESTATES = re.compile(r"\byou (?:told me|said|mentioned|gave|wrote|quoted)\b|\bas you said\b|"
                       r"\byour (?:question|numbers|figures)\b", re.I)
# a table column of prices ("| Item | Paid | Refund |")
_PRICE_HEADER = re.compile(r"\b(?:paid|price\w*|cost\w*|was|bought|purchase\w*|now|today|"
                           r"fee)\b", re.I)
_CHANGE_HEADER = re.compile(r"\b(?:difference|drop|change|markdown|saving)", re.I)
# an amount right after these words is a price, a fee or an operand, not a refund claim
# (not after "=": a computed result is what the message says the item gives back)
_PRICE_BEFORE = re.compile(
    r"(?:\b(?:costs?|costing|paid|pay|priced|price|prices|bought|purchased|ordered|was|were|"
    r"originally|now|today|fees?|minus|less|subtract(?:ing|ed)?|from|to|at|worth)\b"
    r"(?:\s+(?:at|for|of|is|was|it|them|only|just|about))*|%\s*of|[-\u2212+\u00d7*/])"
    r"[\s*_]*$", re.I)
_PAREN_BEFORE = re.compile(r"\w\s*\([\s*_]*$")
# "you bought the tee for $30.00 and the mug for $12.00": "for" after a purchase verb
_FOR_BEFORE = re.compile(r"\b(?:for|at)[\s*_]*$", re.I)
_BOUGHT = re.compile(r"\b(?:bought|purchased|paid|ordered)\b", re.I)
# a price change, the only fact an item's would-be refund may be stated as
_CHANGE_BEFORE = re.compile(r"\b(?:difference|drop(?:ped)?|fell|down|lower(?:ed)?|reduced|"
                            r"markdown|by)\b(?:\s+(?:of|is|was|only|just|about))*[\s*_]*$",
                            re.I)
_CHANGE_AFTER = re.compile(r"^[\s*_)]*(?:difference|drop|markdown|reduction|less|lower|"
                           r"cheaper|saving)\b", re.I)
_ARTICLE_BEFORE = re.compile(r"\b(?:the|a|an|your|that|this|its|their|those|these)[\s*_]*$",
                             re.I)
# "the $30.00 sunglasses": an amount used as an adjective (not "the $30.00 back")
_NOUN_AFTER = re.compile(r"^[\s*_]*(?!(?:back|refund\w*|for|to|in|as|on|credit\w*|return\w*|"
                         r"total|each|per|and|or|you|it|them|we|i)\b)[A-Za-z]", re.I)
# "get back the $30.00 you paid": the object of a refund verb is a claim, however phrased
_CLAIMED_BEFORE = re.compile(r"\b(?:back|refund\w*|gets?|receive\w*|credit\w*|reimburs\w*)"
                             r"(?:\s+(?:all|the|your|of|full))*[\s*_]*$", re.I)
_PAID_AFTER = re.compile(r"^[\s*_]*(?:(?:that|which)\s+)?(?:you|i)\s+(?:paid|spent)\b", re.I)
_OPERAND_AFTER = re.compile(r"^[\s*_)]*(?:[-\u2212+\u00d7*/]\s*[$\d(]|(?:minus|less|plus|times)"
                            r"\b)", re.I)
# an upsell: "add $27.02 more to get free shipping", "you are $5.00 away from free shipping"
_SUGGEST_BEFORE = re.compile(r"\b(?:add|adding|spend|spending|another|(?:an )?extra|"
                             r"(?:an )?additional)[\s*_]*$", re.I)
_SUGGEST_AFTER = re.compile(r"^[\s*_]*(?:more|extra|away from|short of|shy of|to go)\b", re.I)


@dataclass(frozen=True)
class Frame:
    """What the text around an amount says about it."""

    about_refund: bool  # its sentence, table column or list heading speaks of money back
    denies: bool  # its sentence (or table row) denies a refund or an eligibility
    restates: bool  # its sentence (or table row) restates the question's numbers
    price_column: bool  # it sits in a table column of prices
    change_column: bool  # it sits in a table column of price changes


class Frames:
    """The frame of every amount in one message. `spans` are `answers.sentences(text)`
    (a table row or a list item is a sentence of its own)."""

    def __init__(self, text: str, spans: list[tuple[int, int, bool]]) -> None:
        self.text, self.spans = text, spans
        self.starts = [s for s, _, _ in spans]
        self.cache: dict[int, tuple[bool, bool, bool]] = {}
        # per line: its start, the header row of its table (if a row), the list heading
        # ("Refund per item:") of its block of lines (if any)
        self.lines: list[int] = []
        self.header: list[str | None] = []
        self.heading: list[str | None] = []
        table_head: str | None = None
        heading: str | None = None
        pos = 0
        for line in text.split("\n"):
            stripped = line.strip()
            is_row = stripped.startswith("|")
            table_head = (table_head or line) if is_row else None
            if not stripped:
                heading = None
            self.lines.append(pos)
            self.header.append(table_head if is_row and table_head is not line else None)
            self.heading.append(heading)
            if stripped.strip("*_ ").endswith(":"):
                heading = stripped
            pos += len(line) + 1

    def at(self, start: int) -> Frame:
        k = bisect.bisect_right(self.starts, start) - 1
        s, e = (self.spans[k][0], self.spans[k][1]) if k >= 0 else (start, start)
        if s not in self.cache:
            sentence = self.text[s:e]
            self.cache[s] = (bool(_REFUND_CUE.search(sentence)),
                             bool(_DENIAL.search(_NOT_DENIAL.sub(" ", sentence))),
                             bool(_RESTATES.search(sentence)))
        about, denies, restates = self.cache[s]
        line = bisect.bisect_right(self.lines, start) - 1
        price_column = change_column = False
        header = self.header[line]
        if header is not None:  # the cell's column title
            column = self.text[self.lines[line]:start].count("|")
            cells = header.split("|")
            title = cells[column] if column < len(cells) else ""
            about = about or bool(_REFUND_CUE.search(title))
            price_column = bool(_PRICE_HEADER.search(title))
            change_column = bool(_CHANGE_HEADER.search(title))
        heading = self.heading[line]
        if heading is not None and _REFUND_CUE.search(heading):
            about = True
        return Frame(about, denies, restates, price_column, change_column)


def price_marked(text: str, start: int, end: int, sentence_start: int) -> int:
    """How plainly the amount at [start, end) is stated as a price, a fee or an operand: 2
    in words ("cost $30.00", "bought the tee for $30.00", "from $50.00 to $40.00", "the
    $47.22 you paid", "$47.22 - $4.72"), 1 only by its form ("the $30.00 sunglasses", "tee
    ($30.00)"), 0 not at all."""
    before = text[max(sentence_start, start - WINDOW):start]
    after = text[end:end + WINDOW]
    if _CLAIMED_BEFORE.search(before):
        return 0
    bought_for = _FOR_BEFORE.search(before) and _BOUGHT.search(
        text, max(sentence_start, start - 4 * WINDOW), start)
    if (_PRICE_BEFORE.search(before) or bought_for or _OPERAND_AFTER.match(after)
            or _PAID_AFTER.match(after)):
        return 2
    if _PAREN_BEFORE.search(before) or (_ARTICLE_BEFORE.search(before)
                                         and _NOUN_AFTER.match(after)):
        return 1
    return 0


def change_marked(text: str, start: int, end: int, sentence_start: int) -> bool:
    """Whether the amount at [start, end) is stated as a price change ("a $30.00
    difference", "dropped by $30.00", "($30.00 less)")."""
    before = text[max(sentence_start, start - WINDOW):start]
    return bool(_CHANGE_BEFORE.search(before) or _CHANGE_AFTER.match(text[end:end + WINDOW]))


def suggested(text: str, start: int, end: int, sentence_start: int) -> bool:
    """Whether the amount at [start, end) is an upsell: how much more to add or spend."""
    before = text[max(sentence_start, start - WINDOW):start]
    return bool(_SUGGEST_BEFORE.search(before) or _SUGGEST_AFTER.match(text[end:end + WINDOW]))
