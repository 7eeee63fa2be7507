"""Correct answers re-expressed the way models write them, and hedged answers that must fail.

`rephrasings(answer, facts, ...)` rewrites a correct final answer (usually the gold
solver's) into the forms models produce: numbered and bulleted lists, a markdown table,
bold values (`**x**`, `__x__`, `_x_`), "Final answer:" prefixes, the value on its own line,
dates, times and ids next to the numbers, dates written with slashes (US, European, ISO
order), units glued to the number, `k` suffixes, typographic minus, thin and narrow
no-break spaces, with or without thousands separators, European money formats
(`8.410,00 $`, `8 410,00 €`, `$8 410.00`), currency signs of other locales (`CA$`,
`US$`, `12 C$`, `12円`, `12 Fr.`), other amounts from the tool results named as context, a
restatement of the question. Every variant must keep the answer's reward.

`hedges(answer, facts, ...)` adds other candidate values for a slot in the ways a hedging
policy would (nearby numbers, a bare list, a range, a correction, the declared rivals, a
table of candidates, a rival token in underscore emphasis or with another separator).
Every variant must earn nothing.

Both return `{class name: text}`; classes a given answer cannot take (a `k` suffix on a
temperature) are left out. Deterministic for a given `rng`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .facts import UNITS, close, normalize, read_numbers

_CURRENCIES = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "CAD": "C$"}
_UNIT_TEXT = {"C": "°C", "F": "°F", "units": "units"}
_SIGN_AFTER = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF", "CAD": "C$"}
_LOCALE_SIGN = {"USD": "US${}", "EUR": "{} €", "GBP": "{} £", "JPY": "{}円", "CHF": "{} Fr.",
                "CAD": "CA${}"}
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH_DATES = {"us": "{m}/{d}/{y}", "eu": "{dd}/{mm}/{y}", "iso": "{y}/{mm}/{dd}"}


def _number(value: float, money: bool) -> str:
    if money:
        return f"{value:,.2f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def render_value(fact: Mapping[str, Any], style: str = "plain") -> str | None:
    """A number fact's value written in `style`; None when the style does not apply."""
    value, unit = float(fact["value"]), str(fact.get("unit") or "")
    money = unit in _CURRENCIES
    text = _number(value, money)
    sign = ""
    if value < 0:
        sign, text = "-", text[1:]
    if style == "minus":
        if value >= 0:
            return None
        sign = "\u2212"
    elif style in ("thin", "narrow", "nbsp"):
        if "," not in text:
            return None
        text = text.replace(",", {"thin": "\u2009", "narrow": "\u202f", "nbsp": "\u00a0"}[style])
    elif style == "no_separator":
        if "," not in text:
            return None
        text = text.replace(",", "")
    elif style == "k":
        if abs(value) < 1000 or unit not in _CURRENCIES:
            return None
        return f"{_CURRENCIES[unit]}{sign}{abs(value) / 1000:.6f}".rstrip("0").rstrip(".") + "k"
    if style in ("eu_dot", "eu_space", "eu_narrow", "space_dot"):
        if not money or abs(value) < 1000:
            return None
        whole, cents = f"{abs(value):,.2f}".split(".")
        sep = {"eu_dot": ".", "eu_space": " ", "eu_narrow": "\u202f", "space_dot": " "}[style]
        if style == "space_dot":
            return f"{_CURRENCIES[unit]}{sign}{whole.replace(',', sep)}.{cents}"
        return f"{sign}{whole.replace(',', sep)},{cents} {_SIGN_AFTER[unit]}"
    if style == "locale_sign":
        if not money:
            return None
        return _LOCALE_SIGN[unit].format(f"{sign}{text}")
    if style == "glued":
        return f"{sign}{text}{unit if money else _UNIT_TEXT.get(unit, unit)}"
    if style == "code_first" and money:
        return f"{unit} {sign}{text}"
    if money:
        return f"{_CURRENCIES[unit]}{sign}{text}"
    suffix = _UNIT_TEXT.get(unit, unit)
    return f"{sign}{text} {suffix}".rstrip()


_UNIT_WORD_RE = re.compile(r"^[ \t]?(°[ \t]?[CF]\b|[A-Za-z]+\b)")


def value_spans(text: str, fact: Mapping[str, Any]) -> list[tuple[int, int]]:
    """Where `text` states the fact's value: the number with its currency sign and unit."""
    if fact["kind"] != "number":
        pattern = re.compile(r"(?<![\w\-])" + re.escape(str(fact["value"])) + r"(?![\w]|-\w)",
                             re.IGNORECASE)
        return [m.span() for m in pattern.finditer(text)]
    spans = []
    for m in read_numbers(text, normalized=True):
        if m.role != "quantity" or not close(m.value, float(fact["value"]),
                                             float(fact.get("tol", 0.005))):
            continue
        start, end = m.start, m.end
        prefix = re.search(r"(?:US\$|C\$|CHF |[$€£¥]|(?:USD|EUR|GBP|JPY|CAD) )$", text[:start])
        if prefix:
            start = prefix.start()
        word = _UNIT_WORD_RE.match(text[end:])
        if word and word.group(1).lower().replace(" ", "") in UNITS:
            end += word.end()
        spans.append((start, end))
    return spans


def _replace_values(text: str, facts: Sequence[Mapping[str, Any]], style: str) -> str | None:
    """`text` with every stated number-fact value rewritten in `style` (None: no change)."""
    edits = []
    for fact in facts:
        if fact["kind"] != "number":
            continue
        new = render_value(fact, style)
        if new is not None:
            edits += [(span, new) for span in value_spans(text, fact)]
    if not edits:
        return None
    for (start, end), new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _bold(text: str, facts: Sequence[Mapping[str, Any]], mark: str = "**") -> str | None:
    spans = sorted({s for f in facts for s in value_spans(text, f)}, reverse=True)
    for start, end in spans:
        text = f"{text[:start]}{mark}{text[start:end]}{mark}{text[end:]}"
    return text if spans else None


def _slash_dates(text: str, order: str) -> str | None:
    def write(m: re.Match[str]) -> str:
        y, mm, dd = m.groups()
        return _SLASH_DATES[order].format(y=y, mm=mm, dd=dd, m=int(mm), d=int(dd))
    out = _ISO_DATE_RE.sub(write, text)
    return out if out != text else None


def _lines(answer: str) -> list[str]:
    """The answer's items: its lines without their list numbers, or its one sentence."""
    items = [re.sub(r"^\s*(?:\d+[.)]|[-*•])\s+", "", line).strip()
             for line in answer.splitlines() if line.strip()]
    return items or [answer.strip()]


def _label(fact: Mapping[str, Any]) -> str:
    return str(fact["slot"]).replace("_", " ")


def _display(fact: Mapping[str, Any]) -> str:
    return render_value(fact) or "" if fact["kind"] == "number" else str(fact["value"])


def _context_amounts(facts: Sequence[Mapping[str, Any]], context: Iterable[tuple[Any, Any]],
                     allowed: Sequence[float]) -> list[str]:
    """Sentences naming other numbers of the tool results, each labelled by its field and,
    where the record names one, an entity other than the slot's ("the low for Arlen")."""
    values = [float(f["value"]) for f in facts if f["kind"] == "number"] + list(allowed)
    slot_words = {w.casefold() for f in facts for w in str(f["slot"]).split()}
    out = []
    for args, result in context:
        for rec in result if isinstance(result, list) else [result]:
            if not isinstance(rec, Mapping):
                continue
            merged = {**(args if isinstance(args, Mapping) else {}), **rec}
            names = [v for v in merged.values() if isinstance(v, str) and len(v) <= 40
                     and v.casefold() not in slot_words and not re.fullmatch(r"[\d:-]+", v)]
            for key, v in rec.items():
                if (isinstance(v, (int, float)) and not isinstance(v, bool)
                        and not any(close(float(v), x, 0.005) for x in values)):
                    words = " ".join(w for w in re.split(r"[_\W]+", str(key)) if len(w) > 1)
                    whose = f" for {names[0]}" if names else ""
                    out.append(f"the {words}{whose} is {_number(float(v), False)}")
    return out


def rephrasings(answer: str, facts: Sequence[Mapping[str, Any]], *, question: str = "",
                context: Iterable[tuple[Any, Any]] = (), allowed: Sequence[float] = (),
                rng: random.Random | None = None) -> dict[str, str]:
    """Correct re-expressions of `answer` (which states every fact), by class."""
    rng = rng or random.Random(0)
    answer = normalize(answer).strip()
    items = _lines(answer)
    out: dict[str, str] = {
        "numbered_list": "\n".join(f"{i}. {x}" for i, x in enumerate(items, 1)),
        "numbered_inline": "Sure! " + " ".join(f"{i}) {x}" for i, x in enumerate(items, 1))
        if len(items) > 1 else f"Sure!\n1. {items[0]}",
        "bulleted_list": "\n".join(f"- {x}" for x in items),
        "final_answer_prefix": f"Final answer: {answer}",
        "bold_answer_label": f"**Answer:** {answer}",
        "next_line": f"Here is what I found:\n\n{answer}",
        "restated_question": f"You asked: {question.strip()}\n{answer}" if question else "",
        "think_then_answer": f"<think>Maybe {rng.randint(1, 9)} or {rng.randint(10, 99)}; "
                             f"let me check the tool output.</think>\n{answer}",
        "crlf_and_spaces": "  " + answer.replace("\n", "\r\n") + "  \r\n",
        "date_time_id_context": f"As of March {rng.randint(1, 28)}, 2025 at "
                                f"{rng.randint(1, 12)}:{rng.choice(['00', '15', '30'])} pm "
                                f"(2025-03-{rng.randint(10, 23)}T14:30, ticket REQ-"
                                f"{rng.randint(10, 99)}): {answer}",
    }
    rows = [(_label(f), _display(f)) for f in facts]
    if rows:  # layouts rebuilt from the facts (a decline has none)
        out["markdown_table"] = ("| Request | Answer |\n|---|---|\n"
                                 + "\n".join(f"| {a} | {b} |" for a, b in rows))
        out["indexed_table"] = ("| # | Request | Answer |\n|---|---|---|\n"
                                + "\n".join(f"| {i} | {a} | {b} |"
                                            for i, (a, b) in enumerate(rows, 1)))
        out["value_on_next_line"] = "\n\n".join(f"{a}:\n{b}" for a, b in rows)
    for mark, name in (("**", "bold_value"), ("__", "underscore_bold_value"),
                       ("_", "underscore_italic_value")):
        bold = _bold(answer, facts, mark)
        if bold:
            out[name] = bold
    for order in _SLASH_DATES:
        dated = _slash_dates(answer, order)
        if dated:
            out[f"slash_dates_{order}"] = dated
    for style in ("glued", "code_first", "k", "minus", "thin", "narrow", "nbsp",
                  "no_separator", "eu_dot", "eu_space", "eu_narrow", "space_dot",
                  "locale_sign"):
        text = _replace_values(answer, facts, style)
        if text is not None and text != answer:
            out[f"value_{style}"] = text
    amounts = _context_amounts(facts, context, allowed)
    if amounts:
        picked = rng.sample(amounts, min(2, len(amounts)))
        out["context_amounts"] = f"{answer} For context, {' and '.join(picked)}."
    rounded = [f for f in facts if f["kind"] == "number" and not float(f["value"]).is_integer()]
    spans = value_spans(answer, rounded[0]) if rounded else []
    if spans:
        end = spans[0][1]
        unit = str(rounded[0].get("unit") or "")
        whole = f"{round(float(rounded[0]['value'])):,}"
        approx = f"{_CURRENCIES[unit]}{whole}" if unit in _CURRENCIES else whole
        out["rounded_restatement"] = f"{answer[:end]} (about {approx}){answer[end:]}"
    return {k: v for k, v in out.items() if v}


def _offsets(fact: Mapping[str, Any], avoid: Sequence[float]) -> list[float]:
    """Two or three other values a hedging policy would offer for the slot."""
    value, tol = float(fact["value"]), float(fact.get("tol", 0.005))
    step = max(3 * tol, 0.02 * abs(value), 1.0 if float(value).is_integer() else 0.5)
    if float(value).is_integer():
        step = float(max(1, round(step)))
    out = []
    for k in (-1, 1, 2, -2, 3, -3, 4):
        x = value + k * step
        if not any(close(x, a, 0.005) for a in avoid):
            out.append(x)
        if len(out) == 3:
            break
    return out


def hedges(answer: str, facts: Sequence[Mapping[str, Any]], *, allowed: Sequence[float] = (),
           allowed_tokens: Iterable[str] = (), rng: random.Random | None = None
           ) -> dict[str, str]:
    """Hedged versions of `answer`: each offers another candidate value for some slot."""
    rng = rng or random.Random(0)
    answer = normalize(answer).strip()
    out: dict[str, str] = {}
    numbers = [f for f in facts if f["kind"] == "number"]
    avoid = list(allowed) + [float(f["value"]) for f in numbers]
    if numbers:
        fact = rng.choice(numbers)
        others = [{**fact, "value": x} for x in _offsets(fact, avoid)]
        shown = [render_value(o) or "" for o in others]
        value = render_value(fact) or ""
        out["nearby_candidates"] = f"{answer} It could also be {shown[0]} or {shown[1]}."
        out["bare_candidate_list"] = ", ".join(sorted([value, *shown[:2]]))
        out["correction"] = f"{answer} Correction: {_label(fact)} is {shown[0]}."
        out["same_slot_twice"] = f"{_label(fact)}: {value}\n{_label(fact)}: {shown[0]}"
        lo, hi = sorted([others[0]["value"], others[1]["value"]])
        out["range"] = f"{answer} (somewhere between {_number(lo, False)} and " \
                       f"{_number(hi, False)})"
        out["dash_range"] = f"{answer} Range: {_number(lo, False)}-{_number(hi, False)}."
        out["candidate_table"] = "| candidate |\n|---|\n" + "\n".join(
            f"| {x} |" for x in [shown[0], value, shown[1]])
        out["labelled_with_slot"] = (f"{answer} The {_label(fact)} might instead be "
                                     f"{shown[2] if len(shown) > 2 else shown[0]}.")
    said = {str(t).casefold() for t in allowed_tokens} | {
        str(f["value"]).casefold() for f in facts if f["kind"] == "token"}
    rivals = [(f, c) for f in facts for c in f.get("conflicts", ())
              if not (any(close(float(c), a, 0.005) for a in avoid) if f["kind"] == "number"
                      else str(c).casefold() in said)]
    if rivals:
        picked = rng.sample(rivals, min(3, len(rivals)))
        shown = [render_value({**f, "value": c}) if f["kind"] == "number" else str(c)
                 for f, c in picked]
        out["rival_dump"] = f"{answer} Other possible values: {', '.join(map(str, shown))}."
        f, c = picked[0]
        out["rival_alone_next_line"] = f"{answer}\n{render_value({**f, 'value': c}) or c}" \
            if f["kind"] == "number" else f"{answer}\nOr: {c}"
    token_rivals = [(f, str(c)) for f, c in rivals if f["kind"] == "token"]
    if token_rivals:
        f, c = rng.choice(token_rivals)
        out["rival_token_underscore"] = f"{answer} (or possibly _{c}_)"
        out["rival_token_double_underscore"] = f"{answer} (or possibly __{c}__)"
        shape = re.fullmatch(r"([A-Za-z]+)[-_ ]?(\d+)", c)
        if shape:
            sep = rng.choice(["_", " ", "", "\u2011"])
            out["rival_token_other_separator"] = \
                f"{answer} (or possibly {shape.group(1)}{sep}{shape.group(2)})"
    return out

