"""Pull the candidate program out of an assistant message.

Rules, in order:

1. Fenced blocks (```` ```python ````, ```` ```py ````, ```` ``` ````, or ```` ~~~ ````) are
   collected. If one of them defines the task's function (``def <entry_point>(``), the last
   such block wins; otherwise the last Python-tagged block, else the last untagged block.
   Blocks tagged with another language (```` ```text ````, ```` ```bash ````) are ignored.
2. Without fences, a message whose text parses as Python and defines the entry point is taken
   whole (some models answer with bare code).
3. Otherwise there is no code, and the env says so.
"""

from __future__ import annotations

import ast
import re

_FENCE = re.compile(r"(?P<fence>```|~~~)[ \t]*(?P<lang>[A-Za-z0-9_+-]*)[^\n]*\n(?P<body>.*?)"
                    r"(?:\n[ \t]*(?P=fence)|\Z)", re.DOTALL)
_PYTHON_TAGS = {"python", "py", "python3", "py3"}


def code_blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block of ``text`` as ``(language tag, body)``, in order."""
    return [(m.group("lang").lower(), m.group("body")) for m in _FENCE.finditer(text)]


def defines(source: str, name: str) -> bool:
    """Whether ``source`` contains a ``def name(`` (a cheap text test, no parsing)."""
    return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", source, re.M) is not None


def extract_code(text: str, entry_point: str | None = None) -> str | None:
    """The program in ``text`` (see the module docstring), or ``None`` when there is none."""
    blocks = [(lang, body) for lang, body in code_blocks(text)
              if lang in _PYTHON_TAGS or lang == ""]
    if blocks:
        if entry_point:
            named = [body for _, body in blocks if defines(body, entry_point)]
            if named:
                return named[-1]
        tagged = [body for lang, body in blocks if lang in _PYTHON_TAGS]
        chosen = (tagged or [body for _, body in blocks])[-1]
        return chosen if chosen.strip() else None
    if entry_point and defines(text, entry_point) and _parses(text):
        return text
    return None


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
