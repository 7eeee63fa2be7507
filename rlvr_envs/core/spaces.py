"""Text spaces that accept any Unicode string up to a documented length."""

from __future__ import annotations

import string
from typing import Any

from gymnasium.spaces import Text

# Characters `sample()` draws from: ASCII, whitespace, LaTeX-ish symbols and a few non-ASCII
# code points, so random actions exercise the parsers. `contains()` accepts any character.
SAMPLE_CHARSET = (
    string.ascii_letters + string.digits + string.punctuation + " \n\t"
    + "éßπ∞√≤≥±×÷αβγ中文😀\u200b\x00\x7f"
)


class UnicodeText(Text):
    """A `gymnasium.spaces.Text` holding any Unicode string of at most `max_length` characters.

    Gymnasium's `Text` only admits characters from a fixed charset; an LLM's messages can
    hold anything, so `contains` checks only the type and the length. `sample` draws from
    `SAMPLE_CHARSET`, which mixes ASCII, control characters and non-ASCII symbols.
    """

    def __init__(self, max_length: int, *, min_length: int = 0, seed: Any = None) -> None:
        super().__init__(max_length, min_length=min_length, charset=SAMPLE_CHARSET, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        if mask is not None or probability is not None:
            return super().sample(mask=mask, probability=probability)
        # Short strings mostly: uniform lengths up to max_length would make every sample huge.
        length = int(min(self.max_length, self.np_random.geometric(1 / 64)))
        length = max(length, self.min_length)
        idx = self.np_random.integers(0, len(self._char_list), size=length)
        return "".join(self._char_list[i] for i in idx)

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, UnicodeText) and self.min_length == other.min_length
                and self.max_length == other.max_length)

    def __hash__(self) -> int:  # spaces are compared, rarely hashed; keep it consistent
        return hash((UnicodeText, self.min_length, self.max_length))


def is_unicode_text(space: Any) -> bool:
    return isinstance(space, UnicodeText)


__all__ = ["UnicodeText", "SAMPLE_CHARSET", "is_unicode_text"]
