"""Long contexts: gold evidence documents plus tiered distractors, filled to a token budget,
with the evidence placed at a chosen depth.

Token counts come from a configurable counter (`make_token_counter`): by default a regex
that splits text into words of at most 6 characters and punctuation marks, a fast
download-free approximation of BPE token counts; or any `str -> int` callable, or any
tokenizer with `encode` (Hugging Face). Per-document counts are computed once per world and
counter, so an episode costs a few list operations per document, not a tokenizer pass.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import Any

from .documents import world_documents
from .questions import Question
from .world import World

WORD_PIECE = re.compile(r"\w{1,6}|[^\w\s]")
EVIDENCE_WINDOW = 0.05  # evidence lies within +-5% of the document list around the depth
TIER1_CAP = 600  # the tier-1 pool is cut to this many documents (sampled) for speed
# same-type entities with the compared attribute put in every comparison context (budget
# allowing): with few of them a guess among the context's entities of the asked type wins
COMPARISON_PEERS = 12


def regex_token_count(text: str) -> int:
    """Words cut into pieces of at most 6 characters, plus punctuation marks."""
    return len(WORD_PIECE.findall(text))


def make_token_counter(tokenizer: Any = None) -> tuple[Callable[[str], int], str]:
    """(counter, cache key) for `tokenizer`: None (the regex counter), a callable returning
    an int or a sequence of tokens, or an object with `encode` (e.g. a HF tokenizer)."""
    if tokenizer is None:
        return regex_token_count, "regex"
    key = f"{type(tokenizer).__name__}:{getattr(tokenizer, 'name_or_path', id(tokenizer))}"
    if hasattr(tokenizer, "encode"):
        def count_encoded(text: str) -> int:
            try:
                return len(tokenizer.encode(text, add_special_tokens=False))
            except TypeError:  # an encode() without add_special_tokens
                return len(tokenizer.encode(text))
        return count_encoded, key
    if callable(tokenizer):
        def count_called(text: str) -> int:
            out = tokenizer(text)
            return int(out) if isinstance(out, (int, float)) else len(out)
        return count_called, key
    raise TypeError(f"tokenizer must be None, a callable or have .encode(), got "
                    f"{type(tokenizer).__name__}")


def doc_block(doc_id: str, title: str, text: str) -> str:
    """How one document appears in the prompt."""
    return f"[{doc_id}] {title}\n{text}"


def render_documents(docs: Sequence[tuple[str, str, str]]) -> str:
    """The documents `(id, title, text)` as one context string (one join: linear time)."""
    return "\n\n".join(doc_block(i, t, x) for i, t, x in docs)


def block_tokens(world: World, alias: bool, counter: Callable[[str], int],
                 key: str) -> list[int]:
    """Tokens of each entity's document block (id, title, text, separator), cached."""
    def build() -> list[int]:
        texts = world_documents(world, alias=alias)
        id_cost = counter("[D1000] \n\n")
        return [counter(f"{world.names[e]}\n{texts[e]}") + id_cost for e in range(len(world))]
    return world.cached(("tokens", key, alias), build)


def tier1_pool(world: World, question: Question, rng: random.Random) -> list[int]:
    """Highly confusable documents, closest first: entities that share a relation and its
    target with a chain entity (other employees of the same firm, the other candidates of an
    intersection constraint), then the other neighbours of chain entities and same-type
    entities."""
    chain_nodes = set(question.evidence) | {question.answer} | set(question.anchors)
    siblings: set[int] = set()
    near: set[int] = set()
    for node in sorted(chain_nodes):
        for relation, tails in world.out[node].items():
            for tail in tails:
                siblings.update(world.inc[tail].get(relation, ()))
                near.add(tail)
        for heads in world.inc[node].values():
            near.update(heads)
        same_type = world.by_type[world.types[node]]
        near.update(rng.sample(same_type, min(8, len(same_type))))
    siblings -= chain_nodes
    near -= chain_nodes | siblings
    first, then = sorted(siblings), sorted(near)
    rng.shuffle(first)
    rng.shuffle(then)
    return (first + then)[:TIER1_CAP]


def comparison_peers(world: World, question: Question, rng: random.Random) -> list[int]:
    """For a comparison question, `COMPARISON_PEERS` entities of the compared type that
    have the attribute, so the two endpoints are among many candidates. How many of them
    would beat the answer is drawn uniformly from 0..COMPARISON_PEERS: the answer's rank
    among the context's values is then uniform, and neither the most extreme value nor any
    other rank is a better guess than another."""
    if question.template != "comparison":
        return []
    found = world.attribute(question.answer)
    if found is None:
        return []
    spec, value = found
    beyond, below = [], []
    for e in world.by_type[world.types[question.answer]]:
        other = world.attribute(e)
        if other is None or other[0] != spec or other[1] == value:
            continue
        (beyond if (other[1] > value) == spec.higher_wins else below).append(e)
    wins = rng.randint(0, COMPARISON_PEERS)
    peers = (rng.sample(beyond, min(wins, len(beyond)))
             + rng.sample(below, min(COMPARISON_PEERS - wins, len(below))))
    rng.shuffle(peers)
    return peers


def select_documents(world: World, question: Question, rng: random.Random, *,
                     gold: Sequence[int], excluded: set[int], tokens: Sequence[int],
                     target_tokens: int, tier1_share: float, depth: float) -> list[int]:
    """The entities whose documents make the context, in order: for a comparison, up to
    `COMPARISON_PEERS` entities of the compared type; then distractors drawn from tier 1
    with probability `tier1_share` (tier 2, unrelated, otherwise) until the documents hold
    `target_tokens`; shuffled, and the `gold` documents inserted around `depth`."""
    banned = set(gold) | excluded
    budget = target_tokens - sum(tokens[g] for g in gold)
    chosen: list[int] = []
    for entity in [e for e in comparison_peers(world, question, rng) if e not in banned]:
        if budget <= 0:
            break
        chosen.append(entity)
        budget -= tokens[entity]
    taken = banned | set(chosen)
    tier1 = [e for e in tier1_pool(world, question, rng) if e not in taken]
    tier2 = list(range(len(world)))
    rng.shuffle(tier2)
    i1 = i2 = 0
    while budget > 0:
        if i1 < len(tier1) and rng.random() < tier1_share:
            entity = tier1[i1]
            i1 += 1
        elif i2 < len(tier2):
            entity = tier2[i2]
            i2 += 1
        elif i1 < len(tier1):
            entity = tier1[i1]
            i1 += 1
        else:
            raise ValueError(
                f"the world ({world.source}, {len(world)} documents) holds fewer than "
                f"{target_tokens} tokens; lower context_tokens or raise world_size")
        if entity in taken:
            continue
        taken.add(entity)
        chosen.append(entity)
        budget -= tokens[entity]
    rng.shuffle(chosen)  # the comparison peers came first
    centre = round(depth * len(chosen))
    width = max(1, round(EVIDENCE_WINDOW * len(chosen)))
    order = list(gold)
    rng.shuffle(order)
    for entity in order:
        position = min(len(chosen), max(0, centre + rng.randint(-width, width)))
        chosen.insert(position, entity)
    return chosen
