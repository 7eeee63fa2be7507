"""String transforms: run-length codes, Caesar shifts, word rearrangements, letter counts,
palindromes, longest substrings. Parameters: code layout and direction, shift and what it
applies to, joiners, tie-breaks, case rules, which characters count."""

from __future__ import annotations

import random
import string

from ._common import CodeFamily, Spec, Variant

SIZES = {1: 8, 2: 20, 3: 60}
TEXT = {"s": ["s", "text", "word", "line"]}
SENTENCE = {"s": ["s", "sentence", "text", "line"]}


# --- run-length codes -----------------------------------------------------------------------

def run_length(s: str, *, encode: bool, count_first: bool, omit_ones: bool, sep: str) -> str:
    if encode:
        tokens = []
        i = 0
        while i < len(s):
            j = i
            while j < len(s) and s[j] == s[i]:
                j += 1
            count = "" if omit_ones and j - i == 1 else str(j - i)
            tokens.append(count + s[i] if count_first else s[i] + count)
            i = j
        return sep.join(tokens)
    out = []
    pos = 0
    packed = s.replace(sep, "") if sep else s
    while pos < len(packed):
        digits = ""
        if count_first:
            while packed[pos].isdigit():
                digits += packed[pos]
                pos += 1
            char = packed[pos]
            pos += 1
        else:
            char = packed[pos]
            pos += 1
            while pos < len(packed) and packed[pos].isdigit():
                digits += packed[pos]
                pos += 1
        out.append(char * int(digits or "1"))
    return "".join(out)


RLE_SEPS = {",": "commas", " ": "single spaces", ";": "semicolons", "|": "`|`"}


def _rle_layout(spec: Spec) -> str:
    token = "the count followed by the letter" if spec.count_first else \
        "the letter followed by the count"
    ones = " (a count of 1 is left out: just the letter)" if spec.omit_ones else ""
    sep = f"tokens separated by {RLE_SEPS[spec.sep]}" if spec.sep else \
        "with nothing between tokens"
    return f"each maximal run of one letter is written as {token}{ones}, {sep}"


def _rle_text(spec: Spec) -> str:
    example = run_length("aaab", encode=True, count_first=spec.count_first,
                         omit_ones=spec.omit_ones, sep=spec.sep)
    if spec.encode:
        return (f"Run-length encode `{spec.s}` (lowercase letters only): {_rle_layout(spec)}. "
                f"For example \"aaab\" becomes \"{example}\"; the empty string encodes to \"\".")
    return (f"`{spec.s}` is a run-length code of a string of lowercase letters: "
            f"{_rle_layout(spec)} (for example \"{example}\" stands for \"aaab\"). Return the "
            "decoded string (\"\" for an empty code).")


def _rle_params(rng: random.Random, level: int) -> dict:
    return {"encode": rng.random() < 0.5, "count_first": rng.random() < 0.5,
            "omit_ones": rng.random() < 0.5, "sep": rng.choice(["", "", *RLE_SEPS])}


def _letters_with_runs(rng: random.Random, level: int) -> str:
    letters = "ab" if level == 1 else "abcz"
    return "".join(rng.choice(letters) * rng.choice([1, 1, 2, 3, 4 * level + 8])
                   for _ in range(rng.randint(1, SIZES[level] // 2)))


def _rle_args(rng: random.Random, level: int, spec: Spec) -> tuple:
    plain = _letters_with_runs(rng, level)
    return (plain if spec.encode else run_length(plain, **{**spec.params, "encode": True}),)


def _rle_edges(spec: Spec) -> list[tuple]:
    plain = ["", "a", "z" * 12, "abba"]
    if spec.encode:
        return [(p,) for p in plain]
    return [(run_length(p, **{**spec.params, "encode": True}),) for p in plain]


# --- Caesar shifts --------------------------------------------------------------------------

def caesar(s: str, *, k: int, digits: bool, dk: int) -> str:
    out = []
    for ch in s:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + k) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + k) % 26 + 65))
        elif digits and "0" <= ch <= "9":
            out.append(chr((ord(ch) - 48 + dk) % 10 + 48))
        else:
            out.append(ch)
    return "".join(out)


def _caesar_text(spec: Spec) -> str:
    way, k = ("forward", spec.k) if spec._forward else ("backward", 26 - spec.k)
    digits = (f" Digits are shifted {way} by {k} places among 0-9 in the same way "
              "(wrapping around)." if spec.digits else " Digits stay as they are.")
    return (f"Shift every ASCII letter of `{spec.s}` {way} by {k} places in the alphabet, "
            f"wrapping around ({'z to a' if spec._forward else 'a to z'}) and keeping its "
            f"case.{digits} All other characters stay.")


def _caesar_params(rng: random.Random, level: int) -> dict:
    k, forward, digits = rng.randint(1, 25), rng.random() < 0.5, rng.random() < 0.5
    # "backward by 26 - k" shifts letters forward by k, digits forward by (k - 26) mod 10
    dk = (k if forward else k - 26) % 10 if digits else 0
    return {"k": k, "digits": digits, "dk": dk, "_forward": forward}


def _mixed(rng: random.Random, level: int) -> str:
    alphabet = string.ascii_letters + " ,.!-0123456789"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, SIZES[level])))


# --- words ----------------------------------------------------------------------------------

def rearrange_words(s: str, *, mode: str, joiner: str) -> str:
    words = s.split()
    if mode == "order":
        words = words[::-1]
    elif mode == "letters":
        words = [w[::-1] for w in words]
    elif mode == "alpha":
        words = sorted(words)
    elif mode == "length":
        words = sorted(words, key=len)
    else:
        words = [w[:1].upper() + w[1:] for w in words]
    return joiner.join(words)


WORD_MODES = {"order": "the words in reverse order",
              "letters": "each word with its letters reversed, words in their original order",
              "alpha": "the words sorted alphabetically",
              "length": "the words sorted by length, shortest first (words of equal length "
                        "keep their original order)",
              "title": "the words in order, each with its first letter in upper case"}
JOINERS = {" ": "single spaces", "-": "`-`", "_": "`_`", ",": "`,`"}


def _words(rng: random.Random, level: int, spec: Spec) -> tuple:
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 6)))
             for _ in range(rng.randint(0, SIZES[level] // 3 + 1))]
    gaps = [" " * rng.randint(1, level) for _ in words]
    lead = " " * rng.randint(0, level - 1)
    return (lead + "".join(w + g for w, g in zip(words, gaps)),)


# --- letter counts --------------------------------------------------------------------------

def extreme_letter(s: str, *, most: bool, tie: str, fold: bool, digits: bool) -> str:
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for i, ch in enumerate(s.lower() if fold else s):
        if ch.isalpha() or (digits and ch.isdigit()):
            counts[ch] = counts.get(ch, 0) + 1
            first.setdefault(ch, i)
            last[ch] = i
    target = max(counts.values()) if most else min(counts.values())
    tied = [ch for ch in counts if counts[ch] == target]
    if tie == "smallest":
        return min(tied)
    if tie == "largest":
        return max(tied)
    if tie == "earliest":
        return min(tied, key=first.get)
    return max(tied, key=last.get)


TIE_TEXT = {"smallest": "the one that comes first in code-point order (upper case before "
                        "lower case)",
            "largest": "the one that comes last in code-point order",
            "earliest": "the one whose first occurrence comes first in the string",
            "latest": "the one whose last occurrence comes last in the string"}


def _letter_text(spec: Spec) -> str:
    case = ("Upper and lower case count as the same letter; return it in lower case."
            if spec.fold else "Upper and lower case letters are different characters.")
    kinds = "ASCII letters and digits" if spec.digits else "ASCII letters"
    return (f"Only the {kinds} of `{spec.s}` count (it has at least one letter). {case} "
            f"Return the {'most' if spec.most else 'least'} frequent counted character (a "
            f"one-character string); if several tie, {TIE_TEXT[spec.tie]}.")


def _letters(rng: random.Random, level: int, spec: Spec) -> tuple:
    pool = "aAbBcC1 " + "dD.-2" * (level > 1)
    return (rng.choice("abAB") + "".join(rng.choice(pool)
                                         for _ in range(rng.randint(0, SIZES[level]))),)


# --- palindromes ----------------------------------------------------------------------------

def palindrome(s: str, *, keep: str, fold: bool, mode: str) -> bool | int:
    if keep == "letters":
        chars = [c for c in s if c.isalpha()]
    elif keep == "alnum":
        chars = [c for c in s if c.isalnum()]
    else:
        chars = [c for c in s if c != " "]
    if fold:
        chars = [c.lower() for c in chars]

    def mirror(lo: int, hi: int) -> bool:
        return all(chars[lo + i] == chars[hi - i] for i in range((hi - lo + 1) // 2))

    if mode == "changes":
        return sum(chars[i] != chars[-1 - i] for i in range(len(chars) // 2))
    lo, hi = 0, len(chars) - 1
    while lo < hi and chars[lo] == chars[hi]:
        lo, hi = lo + 1, hi - 1
    if lo >= hi:
        return True
    return mode == "one_removal" and (mirror(lo + 1, hi) or mirror(lo, hi - 1))


KEEP_TEXT = {"letters": "only its letters count (everything else is ignored)",
             "alnum": "only its letters and digits count (everything else is ignored)",
             "nospace": "every character except spaces counts"}


def _palindrome_text(spec: Spec) -> str:
    case = "upper and lower case of a letter are the same" if spec.fold else \
        "case matters (`A` is not `a`)"
    rules = f"{KEEP_TEXT[spec.keep]}, and {case}"
    if spec.mode == "changes":
        return (f"Consider the sequence of counted characters of `{spec.s}`: {rules}. Return "
                "the smallest number of counted characters that must be replaced (each by "
                "any character) so that the sequence reads the same backwards.")
    removal = (" It also counts if deleting exactly one of the counted characters makes it "
               "read the same backwards." if spec.mode == "one_removal" else "")
    return (f"Return True when `{spec.s}` reads the same backwards, else False: "
            f"{rules}.{removal}")


def _maybe_palindrome(rng: random.Random, level: int, spec: Spec) -> tuple:
    half = [rng.choice("abcAB1 ,") for _ in range(rng.randint(0, SIZES[level] // 2))]
    chars = half + [rng.choice(["", "x", "1"])] + half[::-1]
    for _ in range(rng.choice([0, 0, 1, 1, 2])):   # flip a case, add noise or one stray char
        i = rng.randrange(len(chars) + 1)
        chars.insert(i, rng.choice(["A", "b", "2", " ", ",", "q"]))
    if chars and rng.random() < 0.4:
        i = rng.randrange(len(chars))
        chars[i] = chars[i].swapcase()
    return ("".join(chars),)


# --- longest substrings ---------------------------------------------------------------------

def longest_substring(s: str, *, k: int, report: str) -> str | int:
    best_lo, best_hi = 0, 0
    counts: dict[str, int] = {}
    lo = 0
    for hi, ch in enumerate(s):
        counts[ch] = counts.get(ch, 0) + 1
        while (len(counts) > k) if k else (counts[ch] > 1):
            counts[s[lo]] -= 1
            if counts[s[lo]] == 0:
                del counts[s[lo]]
            lo += 1
        size = hi + 1 - lo
        if size > best_hi - best_lo or (report == "last" and size == best_hi - best_lo):
            best_lo, best_hi = lo, hi + 1
    if report == "length":
        return best_hi - best_lo
    return best_lo if report == "start" else s[best_lo:best_hi]


def _substring_text(spec: Spec) -> str:
    rule = (f"at most {spec.k} distinct characters" if spec.k else
            "no character more than once")
    what = {"length": "its length (0 for an empty string)",
            "start": "the 0-based index where it starts (if several longest ones exist, "
                     "the first; 0 for an empty string)",
            "first": "it; if several longest ones exist, the one that starts first",
            "last": "it; if several longest ones exist, the one that starts last"}[spec.report]
    return (f"Find the longest substring (run of consecutive characters) of `{spec.s}` that "
            f"contains {rule}, and return {what}.")


def _substring_names(spec: Spec) -> list[str]:
    if spec.report == "length":
        return ["longest_substring_length", "longest_window", "max_span"]
    if spec.report == "start":
        return ["longest_substring_start", "window_start", "best_span_start"]
    return ["longest_substring", "best_substring", "widest_window"]


STRINGS = CodeFamily("strings", [
    Variant(run_length, lambda s: ["rle_encode", "run_length_encode", "compress_runs"]
            if s.encode else ["rle_decode", "run_length_decode", "expand_runs"],
            _rle_text, _rle_args, _rle_params, _rle_edges, arg_names=TEXT),
    Variant(caesar, ["caesar_shift", "shift_letters", "rotate_text", "encrypt"], _caesar_text,
            lambda r, lv, s: (_mixed(r, lv),),
            _caesar_params,
            lambda s: [("",), ("xyzXYZ 0189",), ("Hello, World!",)], arg_names=TEXT),
    Variant(rearrange_words, ["rearrange_words", "shuffle_words", "rewrite_sentence"],
            lambda s: (f"The words of `{s.s}` are its maximal runs of non-space characters. "
                       f"Return {WORD_MODES[s.mode]}, joined by {JOINERS[s.joiner]} (no "
                       "leading or trailing separator; \"\" when there are no words)."),
            _words, lambda r, lv: {"mode": r.choice(list(WORD_MODES)),
                                   "joiner": r.choice(list(JOINERS))},
            lambda s: [("",), ("   ",), ("  one  ",), ("bb a ccc dd",)], arg_names=SENTENCE),
    Variant(extreme_letter, lambda s: ["most_frequent_letter", "top_letter", "commonest_letter"]
            if s.most else ["least_frequent_letter", "rarest_letter", "scarcest_letter"],
            _letter_text, _letters,
            lambda r, lv: {"most": r.random() < 0.5, "tie": r.choice(list(TIE_TEXT)),
                           "fold": r.random() < 0.5, "digits": r.random() < 0.5},
            lambda s: [("bBaA",), ("a",), ("cab",), ("abba C c",), ("b11a2",)],
            arg_names=TEXT),
    Variant(palindrome, lambda s: ["palindrome_repairs", "changes_to_palindrome",
                                    "mirror_fixes"] if s.mode == "changes" else
            ["is_palindrome", "reads_same_backwards", "palindrome_check"],
            _palindrome_text, _maybe_palindrome,
            lambda r, lv: {"keep": r.choice(list(KEEP_TEXT)), "fold": r.random() < 0.5,
                           "mode": r.choice(["exact", "one_removal", "changes"])},
            lambda s: [("",), ("Aa",), ("a1a, a",), ("abca",), ("ab c ba",), ("abcd",)],
            arg_names=TEXT,
            min_level=2, returns=lambda s: "int" if s.mode == "changes" else "bool"),
    Variant(longest_substring, _substring_names, _substring_text,
            lambda r, lv, s: ("".join(r.choice("abcde"[: lv + 2])
                                      for _ in range(r.randint(0, SIZES[lv]))),),
            lambda r, lv: {"k": r.randint(0, 3),
                           "report": r.choice(["length", "start", "first", "last"])},
            lambda s: [("",), ("aaaa",), ("abcabc",), ("aabbcc",)], arg_names=TEXT,
            min_level=2, returns=lambda s: "str" if s.report in ("first", "last") else "int"),
])
