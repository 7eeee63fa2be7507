"""Normalize a final answer's text before parsing: one canonical spelling per notation.

`normalize(raw)` strips what carries no value (math delimiters, spacing and sizing commands,
HTML tags, `\\text{}` wrappers, thousands separators) and rewrites notations into the ones
the parser reads (unicode roots and symbols, `\\dfrac`, mixed numbers, repeating decimals,
degrees inside trig functions, systems written as `cases`, e-notation, ISO intervals). Marks
that belong to the value rather than to the expression (percent, degrees, a unit, a
repeating decimal) are returned beside the text in a `Normalized`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = ["Normalized", "normalize"]

MAX_RAW = 8000  # characters of a raw answer looked at (parse.py caps the result at 4000)


_UNITS = {
    "cm", "m", "km", "mm", "meter", "meters", "metre", "metres", "centimeter", "centimeters",
    "kilometer", "kilometers", "inch", "inches", "in", "ft", "foot", "feet", "yard", "yards",
    "mile", "miles", "mph", "kg", "g", "gram", "grams", "mg", "lb", "lbs", "pound", "pounds",
    "s", "sec", "second", "seconds", "min", "minute", "minutes", "h", "hr", "hrs", "hour",
    "hours", "day", "days", "week", "weeks", "year", "years", "month", "months", "dollar",
    "dollars", "cent", "cents", "unit", "units", "degree", "degrees", "l", "liter", "liters",
    "ml", "sq", "square", "cubic", "cm^2", "m^2", "cm^3", "m^3", "units^2", "people", "times",
    "ways", "students", "apples", "marbles", "points", "boxes", "pages", "books", "percent",
}
_UNIT_WORDS = re.compile(r"\s*(.*?[\d}])\s+((?:[a-zA-Z]{2,}(?:/[a-zA-Z]+)?\s*){1,3}?)\s*\.?\s*")
# Words after a number that do not name what it counts: qualifiers, scales, math.
_NOT_UNIT_WORDS = {
    "or", "and", "not", "no", "nor", "more", "less", "fewer", "than", "at", "least", "most",
    "approximately", "approx", "about", "around", "roughly", "nearly", "almost", "maybe",
    "perhaps", "possibly", "probably", "if", "but", "except", "plus", "minus", "over",
    "under", "only", "exactly", "also", "else", "otherwise", "to", "the", "an", "of", "is",
    "are", "was", "up", "down", "hundred", "thousand", "million", "billion",
    "trillion", "dozen", "half", "halves", "thirds", "tenths", "hundredths", "pi", "sqrt",
    "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp", "inf", "infty",
    "infinity", "oo", "mod", "gcd", "lcm", "max", "min", "nan", "undefined", "none", "all",
    "any", "every", "each", "per", "times", "squared", "cubed", "factorial", "choose",
    "divided", "by", "multiplied", "with", "in", "on", "for", "from", "wait", "actually",
}
_HTML_TAG = re.compile(r"</?(?:b|strong|i|em|answer|final_answer|span|p|br|code|u|mark)\s*/?>",
                       re.IGNORECASE)
_SPACING = re.compile(r"(?<!\\)\\(?:[,:;! ]|(?:quad|qquad|displaystyle|textstyle|limits|nonumber|"
                      r"left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg|middle)(?![a-zA-Z]))")
_TEXT_CMDS = ("text", "textbf", "textit", "textrm", "mathrm", "mathbf", "mathit", "mbox",
              "operatorname", "textnormal", "mathsf", "boldsymbol", "bm", "mathbb", "rm", "bf")
_TEXT_RE = re.compile(r"\\(" + "|".join(_TEXT_CMDS) + r")\s*\{")
_UNICODE = {
    "\u2212": "-", "\u2013": "-", "\u00d7": r"\times ", "\u22c5": r"\cdot ", "\u00b7": r"\cdot ",
    "\u00f7": "/", "\u03c0": r"\pi ", "\u221e": r"\infty ", "\u222a": r"\cup ", "\u00b1": r"\pm ",
    "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u2208": r"\in ", "\u2205": r"\emptyset ",
    "\u221a": r"\sqrt ", "\u00b0": r"^\circ", "\u2009": " ", "\u00a0": " ", "\u202f": " ",
}


@dataclass
class Normalized:
    text: str
    percent: bool = False
    degrees: bool = False
    unit: str = ""
    repeating: bool = False  # a repeating decimal (0.\\overline{3}, 0.333\\ldots) was read


def _unwrap_command(s: str, cmd_re: re.Pattern[str]) -> str:
    """Replace `\\text{abc}` (and friends) by `abc`, brace-balanced, iteratively."""
    for _ in range(50):
        m = cmd_re.search(s)
        if not m:
            return s
        start, i, depth = m.start(), m.end(), 1
        while i < len(s) and depth:
            depth += {"{": 1, "}": -1}.get(s[i], 0)
            i += 1
        inner = s[m.end(): i - 1] if depth == 0 else s[m.end():]
        # Keep a space at the joins so "2\text{cm}" does not glue into one token.
        s = s[:start] + " " + inner + " " + s[i:]
    return s


def normalize(raw: Any) -> Normalized:
    """Canonical text of an answer plus the percent/degree/unit marks found and removed."""
    s = raw if isinstance(raw, str) else str(raw)
    s = s.replace("\x00", "")[:MAX_RAW]
    s = s.replace("\u00b2", "^2").replace("\u00b3", "^3")
    # Vulgar fractions: "½" is \frac{1}{2}, "3½" the mixed number 3 1/2 (not 31/2).
    if any("\u00bc" <= c <= "\u00be" or "\u2150" <= c <= "\u215e" for c in s):
        s = _VULGAR.sub(_vulgar_frac, s)
    # Fullwidth digits and other compatibility forms read as their plain characters.
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("\u2044", "/")
    s = _HTML_TAG.sub(" ", s)
    s = s.replace("{,}", ",").replace(r"\langle", "(").replace(r"\rangle", ")")
    # Unicode roots take the number or letter after them: "24√11" is 24 sqrt(11), "∛10".
    s = _UNICODE_ROOT.sub(lambda m: _ROOT_CMD[m.group(1)] + "{" + m.group(2) + "}", s)
    for k, v in _UNICODE.items():
        if k in s:
            s = s.replace(k, v)
    s = re.sub(r"\\[dtc]frac", r"\\frac", s)
    s = re.sub(r"\\[dt]binom", r"\\binom", s)
    # A system's solution written as cases: "x = 6 \\\\ y = 2" is the list "x = 6, y = 2".
    s = _CASES.sub(lambda m: ", ".join(r.replace("&", " ").strip(" ,.;") for r in
                                      re.split(r"\\\\", m.group(1)) if r.strip()), s)
    s = re.sub(r"\\(?:lor|vee)(?![a-zA-Z])", " or ", s)
    # Degrees inside a trig function are an angle in degrees: \\sin 60^\\circ is sin(pi/3).
    s = _TRIG_DEGREES.sub(lambda m: f"{m.group(1)}{m.group(2)}\\angledeg{{{m.group(3)}}}"
                                    f"{m.group(4)}", s)
    s = s.replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    s = s.replace("\\[", "").replace("\\]", "")
    s = re.sub(r"\\(?:begin|end)\{(?:align\*?|aligned|equation\*?|gather\*?)\}", "", s)
    # Thousands separators: MATH's `11,\\!111`, thin spaces `1\\,000`, `1~000`.
    s = _THOUSANDS_SPACE.sub("", s)
    s = re.sub(r"(?<!\\)\\!", "", s)  # a negative space joins, it never separates
    s = _SPACING.sub(" ", s)
    s = s.replace("~", " ")
    norm = Normalized(s)
    # Degrees and percent are marks on the value, not part of it.
    s2 = re.sub(r"\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree|\^\s*\{\s*\\text\{o\}\s*\}", "", s)
    norm.degrees = s2 != s
    s = s2
    s2 = re.sub(r"\\%|%|\\text\{\s*\\?%\s*\}|\bpercent(?:age)?\b|\bpct\b", "", s)
    norm.percent = s2 != s
    s = s2
    # Units in \text{...} / \mathrm{...} at the end (e.g. "5\text{ cm}", "5 \mathrm{cm}^2").
    m = re.search(r"\\(?:text|mathrm|mbox|textrm)\s*\{\s*([a-zA-Z][a-zA-Z .]*?)\s*\}"
                  r"(\s*\^\s*\{?\d\}?)?\s*\.?\s*$", s)
    if m and s[: m.start()].strip():
        words = m.group(1).lower().split()
        if words and all(w.strip(".") in _UNITS for w in words):
            norm.unit = " ".join(w.strip(".") for w in words) + (m.group(2) or "").replace(
                " ", "").replace("{", "").replace("}", "")
            s = s[: m.start()]
    s = _TEXT_RE.sub(lambda mm: "\\" + mm.group(1) + "{", s)
    s = _unwrap_command(s, _TEXT_RE)
    s = re.sub(r"\\(?:mathrm|rm)\s*e\b", "e", s)
    if not norm.unit:
        # Unit words after the number ("12 apples", "35 years old", "40 km/h", "16 quarters"):
        # up to three words, none of them a qualifier, a scale or math ("or more", "thousand").
        m = _UNIT_WORDS.fullmatch(s)
        words = m.group(2).lower().split() if m else []
        # Words of 3+ letters after a number with no variable ("35 years old"); after an
        # expression with variables only known units ("x^2 + 2 xyz" is math).
        numeric = m is not None and not re.search(r"[a-zA-Z]", re.sub(r"\\[a-zA-Z]+", "",
                                                                     m.group(1)))
        if m and not set(" ".join(words).replace("/", " ").split()) & _NOT_UNIT_WORDS and all(
                w in _UNITS or (numeric and (len(w) >= 3 or "/" in w)) for w in words):
            norm.unit = " ".join(m.group(2).lower().split())
            s = m.group(1)
    s2 = _repeating_decimals(s)
    norm.repeating = s2 != s
    s = s2
    # A residue class annotation ends the answer: "2 \\pmod{5}" answers 2.
    s = re.sub(r"\s*(?:\\pmod\s*\{?\s*\d+\s*\}?|\(\s*\\?(?:bmod|mod)\s*\d+\s*\))\s*$", "", s)
    # Mixed numbers: 2\frac{1}{3} is 2 + 1/3 by convention (not a product).
    s = _MIXED.sub(lambda m: f"\\mixed{{{m.group(1)}}}{{{m.group(2) or m.group(4)}}}"
                             f"{{{m.group(3) or m.group(5)}}}", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"[\s.;]+$", "", s)  # trailing sentence period
    s = re.sub(r"^(?:=|:)\s*", "", s)
    # "\approx 7" / "x \approx 3.14": the value, stated as approximate.
    s = re.sub(r"^(?:([a-zA-Z])\s*)?(?:\\approx|\u2248|\\simeq)\s*",
               lambda mm: f"{mm.group(1)} = " if mm.group(1) else "", s)
    # Plain-text scientific notation for a whole answer: "1.5e3", "1e-3", "2.5E+04".
    m = _SCI.fullmatch(s)
    if m:
        s = f"{m.group(1)} \\times 10^{{{int(m.group(2))}}}"
    # ISO interval notation: "]2, 5[" is (2, 5), "]2, 5]" is (2, 5].
    m = _ISO_INTERVAL.fullmatch(s)
    if m and (m.group(1) == "]" or m.group(3) == "["):
        s = ("(" if m.group(1) == "]" else "[") + m.group(2) + (")" if m.group(3) == "[" else "]")
    norm.text = s
    return norm


_THOUSANDS_SPACE = re.compile(r"(?<=\d)(?:,\s*\\!|\\[,:;]|\\thinspace|~|\\ )\s*(?=\d{3}(?!\d))")
_SCI = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+))[eE]([-+]?\d{1,4})")
_ISO_INTERVAL = re.compile(r"([\[\]])\s*([^\[\],]+,[^\[\],]+?)\s*([\[\]])")
_VULGAR = re.compile(r"[\u00bc-\u00be\u2150-\u215e]")


def _vulgar_frac(m: re.Match[str]) -> str:
    num, _, den = unicodedata.normalize("NFKC", m.group(0)).partition("\u2044")
    return f"\\frac{{{num or 1}}}{{{den}}}"


_UNICODE_ROOT = re.compile("([\u221a\u221b\u221c])\\s*(\\d+(?:\\.\\d+)?|[a-zA-Z])")
_ROOT_CMD = {"\u221a": "\\sqrt", "\u221b": "\\sqrt[3]", "\u221c": "\\sqrt[4]"}
_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.DOTALL)
_TRIG_DEGREES = re.compile(r"(\\(?:sin|cos|tan|cot|sec|csc)(?:\^\s*\{?-?\d\}?)?)\s*(\(?)\s*"
                           r"(-?\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?\s*(\)?)")
_MIXED = re.compile(r"(?<![\d.^_{a-zA-Z])(\d+)\s*\\frac\s*(?:\{(\d+)\}\s*\{(\d+)\}|(\d)(\d))")
_REPEAT_BAR = re.compile(r"(\d*)\.(\d*)\\overline\s*\{(\d+)\}")
_REPEAT_DOTS = re.compile(r"(\d*)\.(\d+)\s*(?:\\ldots|\\dots|\.\.\.|\u2026)")
_REPEAT_PAREN = re.compile(r"(\d*)\.(\d*)\((\d+)\)(?![\d.(])")
_REPEAT_DOT = re.compile(r"(\d*)\.(\d*)\\dot\s*\{?(\d)\}?(?:(\d*)\\dot\s*\{?(\d)\}?)?")


def _repeating_decimals(s: str) -> str:
    """Repeating decimals -> exact fractions: `0.1\\overline{6}`, `0.(3)`, `0.\\dot{3}`,
    and `0.333\\ldots` when the digits show the repetition (a one-digit block three
    times, a longer block twice: `0.1666\\ldots`, `0.4545\\ldots`). Digits with an
    ellipsis that show no repetition (`0.142857\\ldots`, `0.33\\ldots`) are a truncated
    decimal: the ellipsis is dropped and the decimal is judged as an approximation."""
    def frac(int_part: str, fixed: str, rep: str) -> str:
        base = Fraction(int(int_part or "0")) + (Fraction(int(fixed), 10 ** len(fixed))
                                                 if fixed else 0)
        r = Fraction(int(rep), (10 ** len(rep) - 1) * 10 ** len(fixed))
        v = base + r
        if v.denominator == 1:
            return str(v.numerator)  # 4.\\overline{9} is 5
        return f"\\frac{{{v.numerator}}}{{{v.denominator}}}"

    s = _REPEAT_BAR.sub(lambda m: frac(m.group(1), m.group(2), m.group(3)), s)
    s = _REPEAT_PAREN.sub(lambda m: frac(m.group(1), m.group(2), m.group(3)), s)
    s = _REPEAT_DOT.sub(lambda m: frac(m.group(1), m.group(2), m.group(3) + (m.group(4) or "")
                                       + (m.group(5) or "")), s)

    def dots(m: re.Match[str]) -> str:
        digits = m.group(2)
        for size in range(1, 7):
            block = digits[-size:]
            if len(digits) >= (3 if size == 1 else 2) * size and \
                    digits.endswith(block * (3 if size == 1 else 2)):
                fixed = digits[: len(digits) - 2 * size]
                # The shortest leading part: strip further copies of the block.
                while fixed.endswith(block):
                    fixed = fixed[: -size]
                return frac(m.group(1), fixed, block)
        return f"{m.group(1)}.{digits}"  # truncated, not repeating

    return _REPEAT_DOTS.sub(dots, s)
