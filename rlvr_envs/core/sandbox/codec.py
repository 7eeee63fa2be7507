"""Plain-value codec between a guest and the judge: the candidate's return values become
builtin data the judge compares; nothing it returns can carry behaviour. Used on both sides."""

from __future__ import annotations

import base64
import math
from typing import Any

# --------------------------------------------------------------------------------------------
# Strict value encoding (used on both sides; the judge side is the security boundary)
# --------------------------------------------------------------------------------------------

_MAX_DEPTH = 200
_MAX_NODES = 2_000_000
#: Ints wider than this many bits travel as hex (``{"$int": "-0x..."}``): JSON would need their
#: decimal form, which Python refuses past 4300 digits (``sys.get_int_max_str_digits``).
_JSON_INT_BITS = 4096
#: A decoded set or dict whose elements share hash values this often was crafted to make the
#: judge's hash table quadratic (a forged ``$set`` of ``k * (2**61 - 1)`` ints); refused.
_MAX_HASH_COLLISIONS = 64


class UnserializableValue(TypeError):
    """A value that is not made only of exact builtin plain types."""


def encode_value(value: Any) -> Any:
    """Encode ``value`` into JSON-able data, accepting only exact builtin plain types.

    Lists stay lists; tuples, dicts, sets, frozensets, bytes and complex numbers are tagged
    (``{"$tuple": [...]}`` ...) so :func:`decode_value` rebuilds exactly the same types.
    Subclasses (for example an ``int`` subclass with an always-true ``__eq__``) are rejected
    with :class:`UnserializableValue`; numpy scalars and arrays are converted with
    ``tolist()`` first.
    """
    budget = [_MAX_NODES]
    return _encode(value, 0, budget)


def _encode(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        raise UnserializableValue("value is too large or too deeply nested")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if value.bit_length() <= _JSON_INT_BITS else {"$int": hex(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind is list:
        return [_encode(v, depth + 1, budget) for v in value]
    if kind is tuple:
        return {"$tuple": [_encode(v, depth + 1, budget) for v in value]}
    if kind is dict:
        return {"$dict": [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                          for k, v in value.items()]}
    if kind is set or kind is frozenset:
        tag = "$set" if kind is set else "$frozenset"
        return {tag: [_encode(v, depth + 1, budget) for v in value]}
    if kind is bytes:
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if kind is complex:
        return {"$complex": [_encode(value.real, depth + 1, budget),
                             _encode(value.imag, depth + 1, budget)]}
    module = getattr(kind, "__module__", "")
    if module == "numpy" and depth < _MAX_DEPTH:
        # Whatever tolist() returns must itself pass the exact-type checks above.
        return _encode(value.tolist(), depth + 1, budget)
    raise UnserializableValue(
        f"cannot return a value of type {kind.__qualname__!s}: only None, bool, int, float, "
        f"complex, str, bytes, list, tuple, dict, set and frozenset are accepted")


def decode_value(data: Any) -> Any:
    """Rebuild a value from :func:`encode_value`'s output; raise ``ValueError`` if malformed.

    The result contains only exact builtin types, so comparing it runs no foreign code.
    """
    return _decode(data, 0)


_FLOAT_SPECIALS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _decode(data: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH + 2:
        raise ValueError("encoded value nested too deeply")
    kind = type(data)
    if data is None or kind is bool or kind is int or kind is str or kind is float:
        return data
    if kind is list:
        return [_decode(v, depth + 1) for v in data]
    if kind is dict and len(data) == 1:
        (tag, body), = data.items()
        if tag == "$float" and body in _FLOAT_SPECIALS:
            return _FLOAT_SPECIALS[body]
        if tag == "$bytes" and type(body) is str:
            return base64.b64decode(body.encode("ascii"), validate=True)
        if tag == "$int" and type(body) is str and len(body) < (1 << 24):
            return int(body, 16)
        if type(body) is not list:
            raise ValueError(f"malformed encoded value under {tag!r}")
        if tag == "$tuple":
            return tuple(_decode(v, depth + 1) for v in body)
        if tag == "$set":
            return set(_spread([_decode(v, depth + 1) for v in body]))
        if tag == "$frozenset":
            return frozenset(_spread([_decode(v, depth + 1) for v in body]))
        if tag == "$complex" and len(body) == 2:
            real, imag = (_decode(v, depth + 1) for v in body)
            if type(real) is not float or type(imag) is not float:
                raise ValueError("malformed complex value")
            return complex(real, imag)
        if tag == "$dict":
            pairs = []
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise ValueError("malformed dict item")
                pairs.append((_decode(pair[0], depth + 1), _decode(pair[1], depth + 1)))
            _spread([k for k, _ in pairs])
            return dict(pairs)
    raise ValueError(f"malformed encoded value of type {kind.__name__}")


def _spread(items: list[Any]) -> list[Any]:
    """``items`` unchanged, after checking that they would not turn a hash table quadratic.

    Raises ``TypeError`` for an unhashable item and ``ValueError`` when many items share a
    hash value (a real set or dict has almost none; a forged one can have them all).
    """
    if len(items) > _MAX_HASH_COLLISIONS and \
            len(items) - len({hash(v) for v in items}) > _MAX_HASH_COLLISIONS:
        raise ValueError("set or dict with crafted hash collisions")
    return items
