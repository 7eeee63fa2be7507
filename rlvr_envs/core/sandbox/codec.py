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
    """Encode ``value`` into JSON-able data made only of builtin plain types.

    Lists stay lists; tuples, dicts, sets, frozensets, bytes and complex numbers are tagged
    (``{"$tuple": [...]}`` ...) so :func:`decode_value` rebuilds exactly the same types.
    A subclass of one of those types is encoded as its base type, from the data the base
    type holds (read with the base type's own methods, so an overridden ``__eq__``,
    ``__iter__`` or ``__class__`` changes nothing): ``defaultdict``, ``Counter`` and
    ``OrderedDict`` become a dict, a namedtuple a tuple, an ``IntEnum`` an int. A
    ``Fraction`` or ``Decimal`` becomes its value (an int when integral, else a float);
    numpy scalars and arrays are converted with ``tolist()``. Anything else raises
    :class:`UnserializableValue`.
    """
    budget = [_MAX_NODES]
    return _encode(value, 0, budget)


#: For a subclass of each builtin: how to get the base type's own data, never running a
#: method the subclass defines.
_BASES: tuple[tuple[type, Any], ...] = (
    (bool, bool), (int, int.__int__), (float, float.__float__), (str, str.__str__),
    (bytes, bytes.__bytes__),
    (complex, lambda v: complex(float.__float__(v.real), float.__float__(v.imag))),
    (list, lambda v: list(list.__iter__(v))), (tuple, lambda v: tuple(tuple.__iter__(v))),
    (dict, lambda v: dict(dict.items(v))), (set, lambda v: set(set.__iter__(v))),
    (frozenset, lambda v: frozenset(frozenset.__iter__(v))),
)


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
    for base, data in _BASES:
        if issubclass(kind, base):   # the real type: a lying __class__ cannot get here
            try:
                plain = data(value)
            except Exception as exc:  # noqa: BLE001 - a broken subclass: not a value
                raise UnserializableValue(f"cannot read the {base.__name__} inside a "
                                          f"{kind.__qualname__}: {exc}") from None
            if type(plain) is not base:
                raise UnserializableValue(f"a {kind.__qualname__} did not give a plain "
                                          f"{base.__name__}")
            return _encode(plain, depth + 1, budget)
    module = getattr(kind, "__module__", "")
    if (module, kind.__qualname__) in _NUMBERS:
        return _encode(_number(value), depth + 1, budget)
    if module == "numpy" and depth < _MAX_DEPTH:
        # Whatever tolist() returns must itself pass the exact-type checks above.
        return _encode(value.tolist(), depth + 1, budget)
    raise UnserializableValue(
        f"cannot return a value of type {kind.__qualname__!s}: only None, bool, int, float, "
        f"complex, str, bytes, list, tuple, dict, set and frozenset (and their subclasses), "
        f"Fraction, Decimal and numpy values are accepted")


_NUMBERS = {("fractions", "Fraction"), ("decimal", "Decimal"), ("_decimal", "Decimal"),
            ("_pydecimal", "Decimal")}


def _number(value: Any) -> int | float:
    """A Fraction or Decimal by value: an int when integral, else the nearest float."""
    try:
        if hasattr(value, "denominator"):   # Fraction
            return int(value) if value.denominator == 1 else float(value)
        if value.is_finite() and value == value.to_integral_value():   # Decimal
            return int(value)
        return float(value)
    except Exception as exc:  # noqa: BLE001 - a broken subclass: not a value
        raise UnserializableValue(f"cannot read the value of a {type(value).__qualname__}: "
                                  f"{exc}") from None


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
