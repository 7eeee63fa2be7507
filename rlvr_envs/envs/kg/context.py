"""Long contexts: gold evidence documents, decoys and tiered distractors, filled to a token
budget, every document at a uniformly random place (or, on request, the evidence at a depth).

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

from .decoys import (
    comparison_peers,
    competitor,
    intersection_decoy,
    intersection_structure,
    names_any,
    peer_structure,
    question_walks,
    random_walk,
    walk_decoy,
)
from .documents import document
from .questions import Question
from .world import World

WORD_PIECE = re.compile(r"\w{1,6}|[^\w\s]")
EVIDENCE_WINDOW = 0.05  # with evidence_depth: evidence within +-5% of the list around it
TIER1_CAP = 600  # the tier-1 pool is cut to this many documents (sampled) for speed
# same-type entities with the compared attribute put in every comparison context (budget
# allowing): with few of them a guess among the context's entities of the asked type wins
COMPARISON_PEERS = 12
# up to this share of the distractor budget goes to decoys (comparison peers included), and
# up to MAX_DECOYS of them: a short context is mostly decoys (every one is a candidate of a
# guess from the relation), a long one has enough of them and keeps room for the tiers
DECOY_SHARE = 0.9
MAX_DECOYS = 128
TIER2_WALK = 3  # unrelated distractors come as walks of 1..3 documents naming each other
DECOY_MISSES = 400  # failed decoy draws before the rest of the budget goes to the tiers


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


def entity_tokens(world: World, alias: bool, counter: Callable[[str], int],
                  key: str) -> Callable[[int], int]:
    """`tokens(entity)`: the tokens of the entity's document block (id, title, text,
    separator), counted on first use and kept with the world."""
    counts: dict[int, int] = world.cached(("tokens", key, alias), dict)
    id_cost = world.cached(("id-tokens", key), lambda: counter("[D1000] \n\n"))

    def tokens(entity: int) -> int:
        n = counts.get(entity)
        if n is None:
            text = document(world, entity, alias=alias)
            n = counts[entity] = counter(f"{world.names[entity]}\n{text}") + id_cost
        return n
    return tokens


def tier1_pool(world: World, question: Question, rng: random.Random) -> list[int]:
    """Highly confusable documents, closest first: entities that share a relation and its
    target with a chain entity (other employees of the same firm), then the other
    neighbours of chain entities and same-type entities."""
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


def protected_entities(world: World, question: Question, gold: Sequence[int],
                       removed: int | None) -> set[int]:
    """Entities that only the gold documents (and, for their own kind, the decoys) may
    name: the gold entities, the answer, the missing entity and an intersection's
    constraint targets. A distractor naming one would make it stand out (the answer
    named twice, the missing entity mentioned more than other names without a
    document, a chain document named from more places than a decoy)."""
    protected = set(gold) | set(question.evidence) | {question.answer}
    if removed is not None:
        protected.add(removed)
    if question.template == "intersection":
        protected.update(world.functional(question.answer, r[-1]) for r in question.relations)
    protected.discard(None)
    return protected


def select_documents(world: World, question: Question, rng: random.Random, *,
                     gold: Sequence[int], removed: int | None, tokens: Callable[[int], int],
                     target_tokens: int, tier1_share: float,
                     depth: float | None = None) -> list[int]:
    """The entities whose documents make the context, in order. Gold documents, then
    decoys (`decoys.py`) until `DECOY_SHARE` of the distractor budget is spent or there are
    `MAX_DECOYS`, then
    distractors from tier 1 with probability `tier1_share` (tier 2, unrelated, otherwise:
    short random walks, so that being named by another document is common) until the
    documents hold `target_tokens`. No distractor names a protected entity
    (`protected_entities`), and no document of the question's walks other than the gold
    ones is shown (past a gap, or the composition answer's). Every document then takes a
    uniformly random place, so where a gold document sits says nothing about where the
    others are; with `depth` the gold documents are put within +-5% around it instead."""
    protected = protected_entities(world, question, gold, removed)
    taken = set(gold) | protected
    budget = target_tokens - sum(tokens(g) for g in gold)
    chosen: list[int] = []

    def ok(entity: int) -> bool:
        return entity not in taken and not names_any(world, entity, protected)

    def take(entities: Sequence[int]) -> None:
        nonlocal budget
        for entity in entities:
            if budget > 0 and entity not in taken:
                taken.add(entity)
                chosen.append(entity)
                budget -= tokens(entity)

    walks = question_walks(world, question)
    decoy_floor = budget * (1.0 - DECOY_SHARE)
    if question.template == "intersection":  # the answer's other constraint candidates
        constraint_rels = [r[-1] for r in question.relations]
        others = protected - {world.functional(question.answer, r) for r in constraint_rels}
        take(intersection_structure(
            world, rng, question.answer, walks, constraint_rels,
            lambda e: e not in taken and not names_any(world, e, others), with_leads=False))
    decoys = misses = 0
    for peer in comparison_peers(world, question, rng, COMPARISON_PEERS):
        if budget <= decoy_floor:
            break
        if ok(peer):
            take(peer_structure(world, rng, peer, walks, ok))
            decoys += 1
    while budget > decoy_floor and decoys < MAX_DECOYS and misses < DECOY_MISSES:
        if question.template == "intersection" and rng.random() < 0.7:
            found = intersection_decoy(world, rng, question, walks, ok)
        else:
            found = walk_decoy(world, rng, walks, ok)
        misses += not found
        decoys += bool(found)
        take(found)
    competes = competitor(world, question)

    def ok_tier(entity: int) -> bool:  # candidates of a relation guess come as decoys only
        return ok(entity) and not competes(entity)

    tier1 = tier1_pool(world, question, rng)
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
        if ok_tier(entity):
            take(random_walk(world, rng, entity, rng.randint(1, TIER2_WALK), ok_tier)
                 if i2 and tier2[i2 - 1] == entity else [entity])
    if depth is None:
        order = chosen + list(gold)
        rng.shuffle(order)
        return order
    rng.shuffle(chosen)
    centre = round(depth * len(chosen))
    width = max(1, round(EVIDENCE_WINDOW * len(chosen)))
    ordered_gold = list(gold)
    rng.shuffle(ordered_gold)
    for entity in ordered_gold:
        position = min(len(chosen), max(0, centre + rng.randint(-width, width)))
        chosen.insert(position, entity)
    return chosen
