"""How answers and tool results are read before matching: one normal form for both.

`normalize(text)`:
* markdown emphasis written with underscores (`_x_`, `__x__`) is dropped, as `**`/`*` are
  never part of a token anyway; underscores inside a word (`get_balance`, `EVT_613`) stay;
* locale number formats that cannot be misread become plain numbers: a decimal comma after
  thousands groups (`8.410,00`, `8 410,00`, `8\u202f410,00`, `1'023,07`) and space groups
  before a two-digit decimal point (`$8 410.00`); thin, narrow and no-break spaces or
  apostrophes between thousands groups become commas (`1\u2009234` -> `1,234`). What stays
  ambiguous is read the English way: `1,023` is one thousand and twenty-three, `8.410` is
  eight point four one, `8 410` (ASCII space, no decimals) is two numbers;
* NFKC (full-width digits, no-break spaces), and typographic minus and hyphens become `-`.

Tokens (ids, names, titles, paths) match as whole tokens in that form, case-insensitively;
an id made of letters and digits matches with any of `-`, `_`, a space or nothing between
the two (`EVT-613`, `EVT_613`, `EVT 613`, `EVT613` are one id), and runs of spaces inside
a name are one space. `token_key` is the same identity as a string, for set membership.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata

__all__ = ["MAX_ANSWER_CHARS", "answer_text", "has_token", "normalize", "token_key",
           "token_pattern"]

MAX_ANSWER_CHARS = 20_000  # only this much of an answer is read

_DASHES = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\ufe63": "-",
                         "\u2012": "-"})
_EMPHASIS_RE = re.compile(r"(?<![\w])_{1,3}(?=[^\s_])|(?<=[^\s_])_{1,3}(?![\w])")
_SPACES = "\u2009\u202f\u00a0\u2007"
# "8.410,00", "8 410,00", "1'023,07": one separator between 3-digit groups, then a comma
_GROUPED_DECIMAL_COMMA_RE = re.compile(
    rf"(?<![\d.,'’{_SPACES}])(\d{{1,3}})((?:([. '’{_SPACES}])\d{{3}})(?:\3\d{{3}})*),"
    rf"(\d{{1,2}})(?![\d,]|\.\d)")
# "$8 410.00": space groups before a two-digit decimal point
_SPACE_GROUPED_DECIMAL_RE = re.compile(
    rf"(?<![\d.,'’{_SPACES}])(\d{{1,3}}(?:[ {_SPACES}]\d{{3}})+)\.(\d{{2}})(?![\d,]|\.\d)")
_GROUP_SPACE_RE = re.compile(rf"(?<=\d)[{_SPACES}'](?=\d{{3}}(?!\d))")
_ID_SHAPE_RE = re.compile(r"([^\W\d_]+)[-_ ]?(\d+)")


def _plain(digits: str) -> str:
    return re.sub(r"\D", "", digits)


def normalize(text: str) -> str:
    """The text as the matchers read it (see the module doc)."""
    text = str(text)[:MAX_ANSWER_CHARS].translate(_DASHES)
    text = _EMPHASIS_RE.sub("", text)
    text = _GROUPED_DECIMAL_COMMA_RE.sub(
        lambda m: f"{m.group(1)}{_plain(m.group(2))}.{m.group(4)}", text)
    text = _SPACE_GROUPED_DECIMAL_RE.sub(lambda m: f"{_plain(m.group(1))}.{m.group(2)}", text)
    text = _GROUP_SPACE_RE.sub(",", text)
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


@functools.lru_cache(maxsize=65536)
def token_key(token: str) -> str:
    """A token's identity: normalized, casefolded, single-spaced; an id's separator
    between its letters and digits dropped (`EVT-613` -> `evt613`)."""
    t = " ".join(normalize(str(token)).split()).casefold()
    m = _ID_SHAPE_RE.fullmatch(t)
    return m.group(1) + m.group(2) if m else t


@functools.lru_cache(maxsize=4096)
def token_pattern(token: str) -> re.Pattern[str]:
    """`token` as a whole token of a normalized text (see the module doc)."""
    t = " ".join(normalize(str(token)).split())
    m = _ID_SHAPE_RE.fullmatch(t)
    if m:
        body = re.escape(m.group(1)) + r"[-_ ]?" + re.escape(m.group(2))
    else:
        body = r"\s+".join(re.escape(part) for part in t.split(" "))
    return re.compile(r"(?<![\w\-])" + body + r"(?![\w]|-\w)", re.IGNORECASE)


def has_token(text: str, token: str) -> bool:
    return token_pattern(token).search(normalize(text)) is not None


_FENCED_JSON_RE = re.compile(r"```(?:json)?[ \t]*\n(.*?)\n?```", re.DOTALL | re.IGNORECASE)


def _json_leaves(value: object) -> list[str]:
    """The scalar leaves of a JSON value, each as `key: value` under an object key (so a
    pasted record keeps its labels), in order."""
    out: list[str] = []
    stack: list[tuple[str, object]] = [("", value)]
    while stack and len(out) < 400:
        key, v = stack.pop(0)
        if isinstance(v, dict):
            stack[:0] = [(str(k), x) for k, x in v.items()]
        elif isinstance(v, list):
            stack[:0] = [(key, x) for x in v]
        elif v is not None and not isinstance(v, bool):
            out.append(f"{key}: {v}" if key else str(v))
    return out


def _decoded(chunk: str) -> str | None:
    try:
        value = json.loads(chunk)
    except (ValueError, RecursionError):
        return None
    return "\n".join(_json_leaves(value)) if isinstance(value, (dict, list, str)) else None


def answer_text(text: str) -> str:
    """An answer written as JSON (`{"answer": "..."}`, `{"name": "Vera Ueda"}`, or such an
    object in a ```json fence) read as its values, one per line and labelled by their keys,
    so that escapes such as `\\n` inside JSON strings read as the text they stand for; other
    text unchanged."""
    text = text[:MAX_ANSWER_CHARS]
    stripped = text.strip()
    if stripped[:1] in "{[\"" and stripped:
        whole = _decoded(stripped)
        if whole is not None:
            return whole
    if "```" not in text:
        return text
    return _FENCED_JSON_RE.sub(lambda m: _decoded(m.group(1)) or m.group(0), text)
