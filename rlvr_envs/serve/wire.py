"""The JSON both ends of `rlvr serve` speak: what survives the round trip and what does not.

Observations, actions, rewards and the chat-format `info` are JSON already. What JSON cannot
hold is converted on the server, one way: numpy scalars become Python numbers, numpy arrays
and tuples become lists, sets become sorted lists, dict keys become strings, anything else
becomes its `str()`. Text is sent ASCII-escaped, so lone surrogates (which UTF-8 cannot
encode) arrive intact; non-finite floats use Python's `NaN`/`Infinity` tokens.
"""

from __future__ import annotations

import json
from typing import Any

API_VERSION = 1


def to_jsonable(value: Any) -> Any:
    """`value` with every part JSON can hold natively kept, and the rest converted."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_jsonable(v) for v in value), key=repr)
    item = getattr(value, "item", None)  # numpy scalars and 0-d arrays
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return to_jsonable(tolist())
    if callable(item):
        return to_jsonable(item())
    return str(value)


def dumps(value: Any) -> bytes:
    """`value` as ASCII JSON bytes (any str survives, lone surrogates included)."""
    try:  # the fast path: json converts what it can and asks `to_jsonable` for the rest
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=to_jsonable)
    except TypeError:  # dict keys json refuses (tuples, None-like objects): convert it all
        text = json.dumps(to_jsonable(value), ensure_ascii=True, separators=(",", ":"))
    return text.encode("ascii")
