"""String transforms: run-length encoding, Caesar shifts, word reversal, palindromes."""

from __future__ import annotations

import random
import string

from ._common import CodeFamily, Variant

SIZES = {1: 8, 2: 20, 3: 60}


def run_length_encode(s: str) -> str:
    out = []
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        out.append(f"{j - i}{s[i]}")
        i = j
    return "".join(out)


def caesar_shift(s: str, k: int) -> str:
    out = []
    for ch in s:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + k) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + k) % 26 + 65))
        else:
            out.append(ch)
    return "".join(out)


def reverse_words(s: str) -> str:
    return " ".join(reversed(s.split()))


def is_alnum_palindrome(s: str) -> bool:
    kept = [c.lower() for c in s if c.isalnum()]
    return kept == kept[::-1]


def _runs(rng: random.Random, level: int) -> tuple[str]:
    letters = "ab" if level == 1 else "abc"
    return ("".join(rng.choice(letters) * rng.randint(1, 3 * level)
                    for _ in range(rng.randint(1, SIZES[level] // 2))),)


def _text(rng: random.Random, level: int) -> str:
    alphabet = string.ascii_letters + " ,.!-0123456789" if level > 1 else string.ascii_lowercase
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, SIZES[level])))


def _sentence(rng: random.Random, level: int) -> tuple[str]:
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 6)))
             for _ in range(rng.randint(1, SIZES[level] // 3 + 1))]
    gaps = [" " * (rng.randint(1, 3) if level > 1 else 1) for _ in words]
    return ("".join(w + g for w, g in zip(words, gaps)).rstrip(" " if level == 1 else ""),)


def _maybe_palindrome(rng: random.Random, level: int) -> tuple[str]:
    half = _text(rng, level)[: SIZES[level] // 2]
    if rng.random() < 0.5:
        mirrored = half + rng.choice(["", "x"]) + half[::-1]
        return ("".join(c.upper() if rng.random() < 0.3 else c for c in mirrored),)
    return (half,)


STRINGS = CodeFamily("strings", [
    Variant("run_length_encode(s: str) -> str",
            "Encode `s` by runs: each maximal run of one character becomes its length followed "
            "by the character (\"aaab\" -> \"3a1b\"). The empty string encodes to \"\".",
            run_length_encode, _runs, edge_cases=[("",), ("a",), ("zzzzzzzzzzzz",)]),
    Variant("caesar_shift(s: str, k: int) -> str",
            "Shift every ASCII letter of `s` by `k` places in the alphabet, wrapping around and "
            "keeping its case; `k` may be negative or larger than 26. Other characters stay.",
            caesar_shift, lambda r, lv: (_text(r, lv), r.randint(-30 * lv, 30 * lv)),
            edge_cases=[("", 3), ("xyzXYZ", 3), ("abc", -27), ("Hello, World!", 26)]),
    Variant("reverse_words(s: str) -> str",
            "Return the words of `s` (maximal runs of non-space characters) in reverse order, "
            "joined by single spaces, with no leading or trailing spaces.",
            reverse_words, _sentence, edge_cases=[("",), ("   ",), ("  one  ",)], min_level=1),
    Variant("is_alnum_palindrome(s: str) -> bool",
            "Return True when the letters and digits of `s`, lower-cased and in order, read the "
            "same backwards (all other characters are ignored), else False.",
            is_alnum_palindrome, _maybe_palindrome,
            edge_cases=[("",), ("A man, a plan, a canal: Panama",), ("ab",), ("0P",)],
            min_level=2),
])
