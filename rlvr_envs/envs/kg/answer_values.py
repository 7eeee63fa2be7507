"""Reading one field value: which entity it commits to, whether it abstains, and which
entity an abstention says is missing.

A value names an entity when one of its *readings* is one of the entity's normalized forms
(name or alias). The readings are the value cleaned of markdown, quotes, LaTeX wrappers,
citations and a final period; without a lead-in (`It is X`), a type word (`the city of X`),
a restatement of the question (`The region that Y lies in is X`, `X is the region that Y
lies in`, `X is the answer`); the last link of a chain written out (`A → B → X`); and its
head before an explanation. An explanation starts at a sentence break, a dash, a colon, a
comma followed by a lowercase word or a number, a parenthesis or a conjunction (`because`,
`since`...); it is cut off only when it explains instead of naming: it has a lowercase
word, or is a number (`X (1899)`), or only words of assent (`X (Final)`), or the entity's
own alias, and it does not hedge beside another name (`or Drast`, `maybe Drast`, `not
Drast`, `Drast?`). Every other reading is a head of the value, so a value never reads as
two entities: `A or B`, `A, B`, `A (B)`, `A. B.` name none. A value whose parts (`A / B`,
`A (aka B)`) all name the same entity names it: aliases of one entity are one entity.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from .names import normalize_name

MAX_VALUE_CHARS = 2_000  # a value is cut here before it is read
MAX_HEAD_CHARS = 200  # an entity name ends within this many characters of a value's start

_CITATION_TAIL = re.compile(r"[ \t]?[\[(]\s*(?:see\s+|docs?\.?\s+|documents?\s+)?D\d{1,6}"
                            r"(?:\s*(?:[,;]\s*|and\s+)?D\d{1,6})*\s*[\])]", re.IGNORECASE)
_LATEX_WRAPPER = re.compile(r"\\(?:boxed|text|textbf|textit|mathrm|mathbf|emph)\s*\{([^{}]*)\}")
_LATEX_DELIMITERS = re.compile(r"\\[\[\]()]|\$+")
_BOUNDARY = re.compile(r"(?<=[.!?;])\s+|\s+[—–-]{1,2}\s+|\s*[—–]\s*|:\s+|,\s+(?=[a-z\d])|\s*\("
                       r"|\s+(?=(?:because|since|due\s+to|given\s+that)\b)")
# words that put another candidate beside the head ("A, or possibly B", "A as well as B")
_HEDGE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly|probably|likely|alternatively|"
                    r"otherwise|unsure|unless|instead|rather|plus|nor|as\s+well\s+as|"
                    r"along\s+with|together\s+with)\b|\bnot\s+(?:the\s+)?(?-i:[A-Z])|\?",
                    re.IGNORECASE)
_EXPLAINING_WORD = re.compile(r"\b(?!(?:of|and|the|de|la)\b)[a-z][a-z']+\b")
_NUMBERS_ONLY = re.compile(r"^[\s\d,.()\[\]:;/—–-]*\d[\s\d,.()\[\]:;/—–-]*$")
# capitalised words that state assent, not another candidate: "X (Final)", "X. Confirmed."
ASSENT = frozenset({"final", "confirmed", "verified", "correct", "certain", "definitive",
                    "done", "answer", "final answer", "yes", "true", "sure", "checked",
                    "complete", "resolved", "solved", "q e d", "qed", "ok", "i"})
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_LEAD_IN = re.compile(r"^(?:(?:so|thus|therefore|hence)\s+)?(?:it\s+is|it\s+s|this\s+is|"
                      r"that\s+is|(?:the\s+)?(?:final\s+)?answer\s+is|(?:final\s+)?answer)\s+")
_ANSWER_TAIL = re.compile(r"\s+is\s+(?:the\s+)?(?:final\s+|correct\s+|right\s+)?answer$")
TYPE_WORDS = ("person", "city", "town", "company", "firm", "organisation", "organization",
              "product", "device", "event", "region", "province", "country", "entity")
_TYPE_PREFIX = re.compile(rf"^(?:{'|'.join(TYPE_WORDS)})\s+(?:of\s+|called\s+|named\s+)?")
_DOCUMENT_PREFIX = re.compile(
    r"^(?:there\s+is\s+)?(?:(?:no|the|a|an)\s+)?(?:document|doc|page|entry|article|record|file|"
    r"information|info|data|details)\s+(?:for|of|about|on|describing|that\s+describes)\s+")
_DOCUMENT_SUFFIX = re.compile(r"\s+s?\s*(?:document|doc|page|entry|article|record)$")
_ARROW = re.compile(r"\s*(?:→|->|=>|⇒|⟶)\s*")  # a chain "A → B → X" ends at its answer
_PARTS = re.compile(r"\s*(?:/|\||;|,|\(|\)|\b(?:aka|a\s*k\s*a|also\s+known\s+as|also\s+called|"
                    r"known\s+as|or)\b)\s*", re.IGNORECASE)


def clean(value: str) -> str:
    """A value without markdown, quotes, LaTeX, citations and final punctuation."""
    text = value[:MAX_VALUE_CHARS]
    for _ in range(3):
        text = _LATEX_WRAPPER.sub(r"\1", text)
    text = _LATEX_DELIMITERS.sub(" ", _CITATION_TAIL.sub("", text))
    text = re.sub(r"\*\*|__|`|(?<!\w)[*_]|[*_](?!\w)", "", text)
    text = text.strip().strip("\"'“”‘’«»<>[]").strip()
    text = re.sub(r"[.!。]+$", "", text).strip()
    if text.count("(") < text.count(")"):  # the end of an enclosing "(missing: X)"
        text = text.rstrip(")").strip()
    return text.strip("\"'“”‘’«» ")


def question_phrases(question: str) -> list[str]:
    """The normalized phrases a value may restate the question with: the noun phrase of
    `Who/What is <phrase>?` and the predicate of `Of A and B, which <predicate>?` or
    `Which <type> <predicate>?`."""
    q = question.strip().rstrip("?").strip()
    out = []
    for pattern in (r"^(?:who|what)\s+(?:is|was)\s+(.+)$", r"^of\s+.+,\s+which\s+(.+)$",
                    r"^which\s+\w+\s+(.+)$"):
        found = re.match(pattern, q, re.IGNORECASE)
        if found:
            out.append(normalize_name(found.group(1)))
    return [p for p in out if p]


def readings(value: str, forms: Collection[str] = (), phrases: Sequence[str] = ()) -> list[str]:
    """The normalized readings of one value (see the module docstring). `forms` are the
    forms of the entity being checked (a parenthesis holding one is an alias); `phrases`
    the question's restatable phrases (`question_phrases`)."""
    text = clean(value)
    heads = [text] + [text[:m.start()] for m in _BOUNDARY.finditer(text[:MAX_HEAD_CHARS])
                      if m.start() > 0 and _explains(text[m.start():], forms)]
    chain = _ARROW.split(text)
    if len(chain) > 1:  # the last link of a chain written out is where it ends
        heads.append(chain[-1])
    out: list[str] = []
    for head in heads:
        norm = normalize_name(head)
        for reading in (norm, _LEAD_IN.sub("", norm)):
            reading = _ANSWER_TAIL.sub("", reading)
            for phrase in phrases:
                for prefix in (f"{phrase} is ", f"the {phrase} is "):
                    if reading.startswith(prefix):
                        reading = reading[len(prefix):]
                for suffix in (f" is the {phrase}", f" is {phrase}", f" {phrase}"):
                    if reading.endswith(suffix):
                        reading = reading[: -len(suffix)]
                        break
            out.extend((reading, _TYPE_PREFIX.sub("", reading),
                        _DOCUMENT_SUFFIX.sub("", _DOCUMENT_PREFIX.sub("", reading))))
    return [r for r in dict.fromkeys(out) if r]


def _names_another(rest: str) -> bool:
    """True if `rest` holds a capitalised word that does not start a sentence (a name)."""
    for m in _WORD.finditer(rest):
        before = rest[:m.start()].rstrip(" \t*_\"'“(—–-")
        starts_sentence = not before or before[-1] in ".!?;:,("
        if m.group(0)[0].isupper() and not starts_sentence \
                and m.group(0).lower() not in ASSENT:
            return True
    return False


def _explains(rest: str, forms: Collection[str]) -> bool:
    """True if `rest` (what follows a head) explains the head rather than naming another
    candidate (see the module docstring). A hedge word counts only beside another name:
    `X (probably)` commits to X, `X, or possibly Drast` does not."""
    if _HEDGE.search(rest) and (_names_another(rest) or not _EXPLAINING_WORD.search(
            _HEDGE.sub(" ", rest))):
        return False
    norm = normalize_name(rest)
    return (norm in forms or norm in ASSENT or bool(_NUMBERS_ONLY.match(rest))
            or bool(_EXPLAINING_WORD.search(rest)) or not re.search(r"[A-Z]", rest))


def names_entity(value: str, forms: Collection[str], phrases: Sequence[str] = ()) -> bool:
    """True if the value names the entity whose normalized forms are `forms`: one of its
    readings is one of them, or every part of it (`A / B`, `A (aka B)`) names it."""
    wanted = set(forms)
    if any(r in wanted for r in readings(value, wanted, phrases)):
        return True
    parts = [p for p in _PARTS.split(clean(value)[:MAX_HEAD_CHARS]) if p and p.strip()]
    return len(parts) > 1 and all(normalize_name(p) in wanted for p in parts)


# what an answer says when the question cannot be answered, on a normalized reading:
# [subject] (negated ability + verb | adjective | lack of information | the documents do
# not say) [from the documents] [to answer the question]
_SUBJECT = (r"(?:(?:it|this|that|question|this\s+question|the\s+question|answer|the\s+answer|"
            r"information|the\s+information|this\s+information|the\s+requested\s+information|"
            r"such\s+information|the\s+entity|entity)\s+(?:is\s+|was\s+|remains\s+)?)?")
_NEGATED = (r"(?:can\s*not|can\s+t|could\s+not|couldn\s+t|unable\s+to|not\s+able\s+to|"
            r"(?:it\s+is\s+|is\s+)?(?:not\s+possible|impossible)\s+to|no\s+way\s+to|"
            r"i\s+(?:do\s+not|don\s+t|cannot|can\s+t)|(?:do\s+not|don\s+t))"
            r"(?:\s+(?:be\s+)?(?:answer(?:ed)?|determin(?:e|ed)|found|find|tell|told|say|said|"
            r"know(?:n)?|identif(?:y|ied)|give|given|establish(?:ed)?|infer(?:red)?|"
            r"deduc(?:e|ed)|resolv(?:e|ed)|conclude|work\s+out))?")
_ADJECTIVE = (r"(?:unanswerable|not\s+answerable|unknown|not\s+known|undeterminable|"
              r"undetermined|indeterminate|not\s+determinable|not\s+determined|"
              r"(?:not\s+|un)available|not\s+found|not\s+given|not\s+stated|not\s+specified|"
              r"not\s+provided|not\s+mentioned|not\s+present|not\s+in\s+the\s+documents|"
              r"missing|absent|none|n\s*a|nothing|no\s+answer(?:\s+(?:can\s+be\s+given|is\s+"
              r"possible|possible|available|found|exists))?)")
_LACK = (r"(?:(?:insufficient|not\s+enough|no|missing|lack\s+of|inadequate|incomplete)\s+"
         r"(?:information|evidence|data|context|details|documents?|info|facts))")
_DOCS_SILENT = (r"(?:the\s+)?(?:documents?|context|collection|sources?|text)\s+(?:do|does)\s+"
                r"not\s+(?:contain|say|state|give|provide|include|mention|answer|specify|"
                r"have)(?:\s+(?:enough\s+information|the\s+answer|this|it|that))?")
_ABSTENTION = re.compile(
    rf"^(?:{_SUBJECT}(?:{_NEGATED}|{_ADJECTIVE}|{_LACK})|{_DOCS_SILENT})"
    r"(?:\s+(?:from|in|based\s+on|given|with|using|within)\s+(?:the\s+)?(?:given\s+|provided\s+|"
    r"available\s+)?(?:documents?|context|information|text|sources|collection|evidence)"
    r"(?:\s+(?:provided|given|available))?)?(?:\s+to\s+(?:answer|determine)(?:\s+(?:the\s+"
    r"question|this|it|the\s+answer))?)?$")


def is_abstention(value: str) -> bool:
    """True if the value says the question cannot be answered (`unanswerable`, `cannot be
    determined from the documents`, `I don't know`, `Insufficient evidence`...)."""
    return any(_ABSTENTION.match(r) for r in readings(value))


# an abstention's own explanation of what is missing: "no document describes X", "the
# document for X is missing", "X's document is not in the collection", "missing: X"
_MISSING_IN_PROSE = re.compile(
    r"\bno\s+(?:document|doc|page|entry|article|information|record)\s+(?:describes|covers|"
    r"for|about|on|describing|mentions|of)\s+(?P<a>[^.;()\n]+)"
    r"|\b(?:the\s+)?(?:document|doc|page|entry|article|record)\s+(?:for|about|of|on|"
    r"describing)\s+(?P<b>[^.;()\n]+?)\s+(?:is|was)\s+(?:missing|absent|not\b)"
    r"|(?P<c>[^.;()\n—–:,]+?)(?:'s|’s)\s+(?:document|page|entry)\s+(?:is|was)\s+(?:missing|"
    r"absent|not\b)", re.IGNORECASE)


def missing_in_explanation(value: str) -> list[str]:
    """The entities an abstention's own words say have no document (for an answer that
    abstains and explains, without a separate `Missing:` field)."""
    out = []
    for found in _MISSING_IN_PROSE.finditer(value[:MAX_VALUE_CHARS]):
        name = found.group("a") or found.group("b") or found.group("c")
        name = re.sub(r"^(?:unanswerable|.*?\b(?:because|since|as))\s+|\s+(?:in|from)\s+"
                      r"the\s+(?:collection|documents?|context)$", "", name.strip(),
                      flags=re.IGNORECASE)
        if name.strip():
            out.append(name.strip())
    return out
