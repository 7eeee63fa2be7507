"""Reading a decline: does an answer say that the request cannot be done, without claiming
to have done it?

`declines(text)` reads the answer clause by clause (sentences, and the parts around `;`,
`:`, dashes and "but"). A clause *declines* when the assistant says it cannot or will not do
it ("I can't", "I won't be able to", "I'm unable", "I don't have a tool / access / the
capability", "I lack the tools", "I have no way"), or says that nothing it has can
("none of the provided functions can", "no tool is available", "this request is not
supported", "that isn't possible", "beyond my capabilities", "outside what my tools cover").
A clause *claims completion* when it reports the request done ("Done", "I sent the email",
"I have booked it", "the alarm is set for 06:30", "here you go", "completed successfully")
and holds no negation.

The answer declines when some clause declines and no clause claims completion. So an
incidental decline word next to a claim of having done the impossible ("I sent the email.
Unable to attach a signature.") is no decline, and idioms that negate something else
("I can't wait", "I can't guarantee the tone", "anything you can't find") are not read as
declines. A bare "No." is a decline.
"""

from __future__ import annotations

import re

from .normalize import MAX_ANSWER_CHARS

__all__ = ["claims_completion", "declines"]

_CLAUSE_SPLIT_RE = re.compile(r"[.!?;:\n]+(?:\s|$)|\s[—–-]\s|,?\s\bbut\b\s|[()]")
_NEG = r"(?:can ?not|can't|couldn't|could not|won't|will not|wouldn't|would not|am not|" \
       r"'m not|are not|aren't|is not|isn't|do not|don't|does not|doesn't|did not|didn't|" \
       r"have not|haven't|not|never|no|none|nothing|nobody|unable|without)"
_NEGATION_RE = re.compile(rf"\b{_NEG}\b|n't\b", re.IGNORECASE)

_ME = r"(?:i|i'm|i am|i've|i have|i'll|i will|we|we're|we are|we've|we have)"
# what follows "I can't ..." when the clause does not refuse the request
_NOT_A_REFUSAL = (r"(?:wait|guarantee|promise|vouch|stress|thank|imagine|believe|"
                  r"recommend\w* enough|say (?:for )?(?:sure|certain)|be (?:sure|certain)|"
                  r"overstate|emphasi[sz]e)")
_DECLINE_PATTERNS = [
    # the assistant cannot / will not
    rf"\b{_ME}\s+(?:\w+\s+){{0,2}}?(?:can ?not|can't|couldn't|could not|won't be able|"
    rf"will not be able|am not able|'m not able|are not able|'re not able|am unable|"
    rf"'m unable|are unable|'re unable|unable|not able|am not in a position|"
    rf"'m not in a position|must decline|have to decline|need to decline|"
    rf"won't|will not|am not going to|'m not going to)\b(?!\s+{_NOT_A_REFUSAL})",
    rf"^\W*(?:unfortunately,?\s+|sorry,?\s+|apologies,?\s+|i'm afraid,?\s+)*"
    rf"(?:unable|not able|can't|cannot|can not)\b(?!\s+{_NOT_A_REFUSAL})",
    rf"\b{_ME}\s+(?:\w+\s+){{0,2}}?(?:don't|do not|doesn't|does not|lack|have no|"
    r"haven't got|have not got|don't currently have|do not currently have)\s+"
    r"(?:\w+\s+){0,3}?(?:tools?|functions?|apis?|way|ways|means|abilit\w*|capabilit\w*|"
    r"access|options?|features?|permissions?|integrations?|support|capacity)\b",
    # nothing the assistant has can do it
    r"\b(?:none|neither)\s+of\s+(?:the|my|these|your|our)?\s*(?:\w+\s+){0,2}?"
    r"(?:tools|functions|apis|capabilities|options)\b",
    r"\bno\s+(?:\w+\s+){0,2}?(?:tool|function|api|way)s?\b(?!\s+(?:was|were)\s+needed)",
    r"\b(?:not|isn't|is not|aren't|are not|wasn't)\s+(?:\w+\s+)?(?:possible|supported|"
    r"available|feasible|doable|something\s+(?:i|we)\s+(?:can|could|am able|'m able))\b",
    r"\bnot\s+something\s+(?:i|we)\b",
    r"\b(?:can ?not|can't|cannot|couldn't)\s+be\s+(?:done|fulfilled|completed|performed|"
    r"carried out|handled|accomplished|processed|served|met)\b",
    r"\b(?:beyond|outside(?:\s+of)?)\s+(?:my|the|what|our)\b",
    r"\bunsupported\b",
    r"^\W*(?:no|nope)\W*(?:sorry\W*)?$",
]
_DECLINE_RE = [re.compile(p, re.IGNORECASE) for p in _DECLINE_PATTERNS]

_DONE_VERBS = (r"(?:done|completed|finished|handled|taken care|booked|sent|set|scheduled|"
               r"ordered|bought|purchased|placed|reserved|closed|called|played|started|"
               r"translated|arranged|made|created|added|emailed|texted|submitted|processed|"
               r"executed|cancelled|canceled|transferred|paid|confirmed|requested|dispatched|"
               r"queued|put|got|opened|turned on|switched on|delivered|notified|informed|"
               r"contacted|messaged|called|gone out|went out|gone through|went through|"
               r"forwarded|shared|posted|uploaded|installed|enabled|activated)")
_CLAIM_PATTERNS = [
    r"^\W*(?:all\s+)?(?:done|completed|finished|all set|success|sorted)\b",
    rf"\b{_ME}\s+(?:\w+ly\s+|just\s+|now\s+|already\s+)*{_DONE_VERBS}\b",
    rf"\b(?:is|are|has been|have been|has|have|was|were|'s|got)\s+"
    rf"(?:now\s+|all\s+|already\s+|just\s+)?"
    rf"{_DONE_VERBS}\b",
    r"\b(?:successfully|succeeded|on (?:its|their|the) way|is playing|now playing)\b",
    r"^\W*here\s+(?:you\s+go|it\s+is|you\s+are)\b",
    r"\b(?:it's|it is|that's|that is)\s+(?:all\s+)?(?:done|booked|set|sorted|handled)\b",
]
_CLAIM_RE = [re.compile(p, re.IGNORECASE) for p in _CLAIM_PATTERNS]


def _clauses(text: str) -> list[str]:
    text = re.sub(r"[*_`#>]+", " ", text.replace("\u2019", "'"))
    return [c.strip() for c in _CLAUSE_SPLIT_RE.split(text) if c and c.strip()]


def claims_completion(text: str) -> bool:
    """Does some clause of `text` report the request as done (without a negation)?"""
    return any(any(p.search(c) for p in _CLAIM_RE) and not _NEGATION_RE.search(c)
               for c in _clauses(text[:MAX_ANSWER_CHARS]))


def declines(text: str) -> bool:
    """Does `text` decline the request (see the module doc)?"""
    clauses = _clauses(text[:MAX_ANSWER_CHARS])
    if not any(any(p.search(c) for p in _DECLINE_RE) for c in clauses):
        return False
    return not any(any(p.search(c) for p in _CLAIM_RE) and not _NEGATION_RE.search(c)
                   for c in clauses)
