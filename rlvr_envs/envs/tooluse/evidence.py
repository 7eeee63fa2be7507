"""What the tool results of an episode say: records, attribution and grounding.

A tool result is read as flat records (dicts of scalars): a dict is one record (its nested
dicts and lists give more), a `{"columns", "rows"}` table one record per row, a list one
per item, and a text result (a file) one record `{"text": ...}`.

* `attribution_index(context)`: which words may label a number of the results, so that an
  answer can name another field's value as context ("the low is 9") without hedging. A
  number is labelled by the words of its key and by the entities of its record that belong
  to it: in `{"from_account": A, "to_account": B, "from_balance": x, "to_balance": y}`, `x`
  belongs to `A` (their keys share "from") and `y` to `B`; a record without such pairs
  gives its number all of its entities.
* `grounded(step, calls)`: is a fact backed by this episode's results? A step
  `{"value", "about", "tools"}` (`evidence()`) holds when one of the agent's successful
  calls of one of `tools` returned `value` (not merely echoed it from its own arguments) in
  a record that, together with the call's arguments, names every `about` term: the asked
  entity ("ACC-1042"; "Arlen" and "2025-03-14"), or, in a chain, the input the value was
  computed from (the °C reading a conversion took). A call with other arguments returns
  another entity's record, so answering from memory after a call about something else
  earns nothing.
* `entity_kin(...)`: the other entities of the same kind as the asked one (the other
  account of a transfer), which must not label the fact's value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .normalize import normalize, token_key, token_pattern

__all__ = ["Call", "Evidence", "attribution_index", "entity_kin", "evidence", "grounded",
           "records", "step_text"]

Call = tuple[str, Mapping[str, Any], Any]  # (tool name, arguments, result value)
MAX_RECORDS = 2000
NUMBER_TOL = 0.01  # an `about` number (an input of a chain step) matches within this
_KEY_SPLIT_RE = re.compile(r"[^0-9a-z]+")
_GENERIC_KEY_WORDS = frozenset({"id", "the", "new", "old", "from", "to", "of"})


def evidence(value: Any, about: Sequence[Any], tools: Sequence[str],
             tol: float = 0.005) -> dict[str, Any]:
    """One grounding step of a fact: some call of `tools` returned `value` about `about`."""
    step = {"value": value if isinstance(value, str) else float(value),
            "about": [a if isinstance(a, str) else float(a) for a in about],
            "tools": list(tools)}
    if not isinstance(value, str):
        step["tol"] = tol
    return step


def step_text(step: Mapping[str, Any]) -> str:
    """A step's `about` for a reason ("ACC-1042", "Arlen, 2025-03-14")."""
    return ", ".join(str(a) for a in step.get("about", ())) or "the request"


def records(value: Any, out: list[dict[str, Any]] | None = None,
            depth: int = 0) -> list[dict[str, Any]]:
    """The flat records of a tool result (see the module doc)."""
    out = [] if out is None else out
    if depth > 6 or len(out) > MAX_RECORDS:
        return out
    if isinstance(value, str):
        out.append({"text": value})
    elif isinstance(value, Mapping):
        if isinstance(value.get("columns"), list) and isinstance(value.get("rows"), list):
            for row in value["rows"]:
                if isinstance(row, list):
                    records(dict(zip(map(str, value["columns"]), row)), out, depth + 1)
            return out
        out.append({str(k): v for k, v in value.items() if not isinstance(v, (Mapping, list))})
        for v in value.values():
            if isinstance(v, (Mapping, list)):
                records(v, out, depth + 1)
    elif isinstance(value, list):
        for item in value[:200]:
            records(item, out, depth + 1)
    return out


def _scalars(args: Any) -> dict[str, Any]:
    return {str(k): v for k, v in args.items() if not isinstance(v, (Mapping, list))} \
        if isinstance(args, Mapping) else {}


def _key_words(key: str) -> set[str]:
    return {w for w in _KEY_SPLIT_RE.split(key.lower()) if len(w) >= 2}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _entities(rec: Mapping[str, Any]) -> dict[str, str]:
    return {k: normalize(v).casefold().strip() for k, v in rec.items()
            if isinstance(v, str) and 0 < len(v) <= 40}


# ---- attribution --------------------------------------------------------------------

def attribution_index(context: Iterable[tuple[Mapping[str, Any], Any]]
                      ) -> dict[float, list[set[str]]]:
    """number (to the cent) -> the term sets that may label it: the words of its key and
    the entities of its record that belong to it, for every (arguments, result)."""
    index: dict[float, list[set[str]]] = {}
    for args, result in context:
        for rec in records(result):
            merged = {**_scalars(args), **rec}
            entities = _entities(merged)
            for key, v in merged.items():
                if not _is_number(v):
                    continue
                words = _key_words(key)
                # an entity whose key shares a word with this number's key is its owner
                own = {e for k, e in entities.items() if words & _key_words(k)}
                index.setdefault(round(float(v), 2), []).append(
                    words | (own or set(entities.values())))
    return index


def entity_kin(own: Iterable[str], context: Iterable[tuple[Mapping[str, Any], Any]]
               ) -> set[str]:
    """Entities of the same kind as `own` in the results (values of keys that share a
    noun with a key holding one of `own`): the other account of a transfer, the other
    cities of a parallel request. Casefolded and normalized."""
    mine = {token_key(o) for o in own}
    merged = [{**_scalars(args), **rec} for args, result in context for rec in records(result)]
    kinds: set[str] = set()
    for rec in merged:
        for k, e in _entities(rec).items():
            if token_key(e) in mine:
                kinds |= _key_words(k) - _GENERIC_KEY_WORDS
    return {e for rec in merged for k, e in _entities(rec).items()
            if _key_words(k) & kinds and token_key(e) not in mine}


# ---- grounding ----------------------------------------------------------------------

_ID_RE = re.compile(r"[^\W\d_]{1,5}-?\d{2,8}")


class _Fields:
    """One record's (or one call's arguments') values, read once: token keys of its short
    strings, its long texts (an SQL query, a file) normalized, its numbers, its ids."""

    __slots__ = ("keys", "texts", "numbers", "ids")

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.keys: set[str] = set()
        self.texts: list[str] = []
        self.numbers: list[float] = []
        self.ids: set[str] = set()
        for k, v in values.items():
            if _is_number(v):
                self.numbers.append(float(v))
            elif isinstance(v, str):
                self.keys.add(token_key(v))
                if len(v) > 40 or k.endswith("text") or " " in v.strip():
                    self.texts.append(normalize(v))
                if _ID_RE.fullmatch(v.strip()):
                    self.ids.add(v.strip())

    def has_token(self, key: str, pattern: re.Pattern[str]) -> bool:
        return key in self.keys or any(pattern.search(t) for t in self.texts)

    def has_number(self, x: float, tol: float) -> bool:
        reach = max(tol, 1e-6 * abs(x))
        if any(abs(v - x) <= reach for v in self.numbers):
            return True
        from .facts import numbers_in  # the fact reader, for numbers inside a text
        return any(abs(n - x) <= reach for t in self.texts for n in numbers_in(t))


class Evidence:
    """The agent's successful calls, read once, for grounding many steps."""

    def __init__(self, calls: Iterable[Call]) -> None:
        self.calls: list[tuple[str, _Fields, list[_Fields]]] = []
        seen: set[str] = set()
        for name, args, result in calls:
            key = repr((name, sorted(_scalars(args).items())))
            if key in seen:  # the same call again says nothing new
                continue
            seen.add(key)
            self.calls.append((name, _Fields(_scalars(args)),
                               [_Fields(r) for r in records(result)]))

    def _holds(self, fields: Sequence[_Fields], value: Any, tol: float,
               pattern: re.Pattern[str] | None = None) -> bool:
        if isinstance(value, str):
            key, pattern = token_key(value), pattern or token_pattern(value)
            return any(f.has_token(key, pattern) for f in fields)
        return any(f.has_number(float(value), tol) for f in fields)

    def aliases(self, term: str) -> set[str]:
        """Ids the results give the entity `term` names: the id-shaped strings of a record
        that names it (`{"name": "Vera Ueda", "id": "E123"}` makes E123 one)."""
        out: set[str] = set()
        key, pattern = token_key(term), token_pattern(term)
        for _, args, recs in self.calls:
            for rec in recs:
                if rec.has_token(key, pattern) or args.has_token(key, pattern):
                    out |= rec.ids | args.ids
        return {a for a in out if token_key(a) != key}

    def grounded(self, step: Mapping[str, Any]) -> bool:
        """See `grounded`."""
        value, tools = step["value"], set(step.get("tools") or ())
        tol = float(step.get("tol", 0.005))
        about = [[a, *sorted(self.aliases(a))] if isinstance(a, str) else [a]
                 for a in step.get("about") or ()]
        for name, args, recs in self.calls:
            if tools and name not in tools:
                continue
            if self._holds([args], value, tol):  # echoed from its own arguments: no evidence
                continue
            for rec in recs:
                if self._holds([rec], value, tol) and all(
                        any(self._holds([args, rec], a, NUMBER_TOL) for a in names)
                        for names in about):
                    return True
        return False


def grounded(step: Mapping[str, Any], calls: Iterable[Call] | Evidence) -> bool:
    """Did one of `calls` (the agent's successful calls before its answer) return the
    step's value about the step's entity (or an id the results give it)? See the module
    doc."""
    return (calls if isinstance(calls, Evidence) else Evidence(calls)).grounded(step)
