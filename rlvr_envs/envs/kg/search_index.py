"""BM25 over a tokenized inverted index (Okapi BM25, k1 = 1.5, b = 0.75), our own: a few
dozen lines, no dependency, deterministic ties (lower document index first).

For generated worlds one index covers every document of the world and is built once; an
episode searches only its own documents (`allowed`), so removed documents (unanswerable
questions) and documents outside the context are never returned.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container, Sequence

TERM = re.compile(r"\w+")
MAX_QUERY_TERMS = 64


def terms(text: str) -> list[str]:
    return TERM.findall(text.lower())


class BM25Index:
    """An inverted index over `texts` (term -> [(document index, term frequency)])."""

    def __init__(self, texts: Sequence[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths: list[int] = []
        for i, text in enumerate(texts):
            counts = Counter(terms(text))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings.setdefault(term, []).append((i, tf))
        n = len(self.lengths)
        self.avg_length = (sum(self.lengths) / n) if n else 1.0
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in self.postings.items()}

    def __len__(self) -> int:
        return len(self.lengths)

    def search(self, query: str, k: int = 5,
               allowed: Container[int] | None = None) -> list[tuple[int, float]]:
        """The `k` best (document index, score) for `query`, best first."""
        scores: dict[int, float] = {}
        query_terms = list(dict.fromkeys(terms(query)))[:MAX_QUERY_TERMS]
        for term in query_terms:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for doc, tf in self.postings[term]:
                if allowed is not None and doc not in allowed:
                    continue
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.avg_length)
                scores[doc] = scores.get(doc, 0.0) + idf * tf * (self.k1 + 1) / (tf + norm)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:k]


def best_snippet(text: str, query: str, width: int = 200) -> str:
    """The sentence of `text` sharing the most terms with `query` (ties: the first)."""
    wanted = set(terms(query))
    sentences = re.split(r"(?<=[.!?])\s+", text)
    best = max(sentences, key=lambda s: len(wanted & set(terms(s))), default="")
    return best if len(best) <= width else best[: width - 3] + "..."
