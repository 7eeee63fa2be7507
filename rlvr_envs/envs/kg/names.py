"""Pronounceable invented names and their aliases, so no answer can come from memory."""

from __future__ import annotations

import random
import re
import unicodedata

ONSETS = ("b", "br", "c", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p",
          "pr", "qu", "r", "s", "st", "t", "tr", "v", "z", "th", "sh", "ch", "w", "y")
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ae", "ai", "ou", "ei")
CODAS = ("", "", "", "n", "r", "l", "s", "th", "m", "x", "nd", "rk", "st")

ORG_SUFFIXES = ("Industries", "Labs", "Group", "Systems", "Works", "Holdings", "Collective",
                "Foundry", "Dynamics", "Partners")
PRODUCT_MARKS = ("X5", "Mk II", "Pro", "300", "One", "Ultra", "S", "Lite", "Neo", "Max")
EVENT_KINDS = ("Summit", "Festival", "Expo", "Symposium", "Games", "Fair", "Congress",
               "Regatta")

_ARTICLES = re.compile(r"^(the|a|an)\s+")
_NON_WORD = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")


def normalize_name(text: str) -> str:
    """Lowercase, no accents, punctuation or leading article, single spaces: the form in
    which names, aliases and answers are compared."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()
    return _ARTICLES.sub("", text)


def invented_word(rng: random.Random, syllables: int) -> str:
    """A capitalized word of `syllables` invented syllables ("Velmorath")."""
    parts = []
    for i in range(syllables):
        coda = rng.choice(CODAS) if i == syllables - 1 else rng.choice(CODAS[:6])
        parts.append(rng.choice(ONSETS) + rng.choice(VOWELS) + coda)
    return "".join(parts).capitalize()


def make_name(rng: random.Random, kind: str, year: int = 2000) -> tuple[str, list[str]]:
    """(canonical name, candidate aliases) for an entity of type `kind`."""
    if kind == "person":
        first, last = invented_word(rng, 2), invented_word(rng, rng.randint(2, 3))
        short = first[:4] if first[:3].lower() in ("the", "and", "but") else first[:3]
        return f"{first} {last}", [f"{first[0]}. {last}", f"{short} {last}"]
    if kind == "organisation":
        word = invented_word(rng, rng.randint(2, 3))
        initials = word[0] + rng.choice(ORG_SUFFIXES)[0]
        return f"{word} {rng.choice(ORG_SUFFIXES)}", [word, f"{initials.upper()}{word[-1].upper()}"]
    if kind == "city":
        word = invented_word(rng, rng.randint(2, 3))
        return word, [f"Old {word}", f"{word} City"]
    if kind == "region":
        word = invented_word(rng, 2)
        return f"{word} Province", [f"the {word} lands"]
    if kind == "country":
        word = invented_word(rng, 2)
        return f"Republic of {word}", [f"{word}ia"]
    if kind == "product":
        word = invented_word(rng, 2)
        return f"{word} {rng.choice(PRODUCT_MARKS)}", [f"the {word} device"]
    if kind == "event":
        word = invented_word(rng, 2)
        kind_word = rng.choice(EVENT_KINDS)
        return f"{word} {kind_word} {year}", [f"{word} {kind_word} '{year % 100:02d}"]
    word = invented_word(rng, 3)
    return word, []
