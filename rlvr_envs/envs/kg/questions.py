"""Multi-hop questions from random walks over functional relations, in three templates.

* composition: "What is the birthplace of the founder of the maker of Quenti Pro?"
  (a walk e0 -r1-> e1 ... -rk-> ek; the answer is ek);
* comparison: "Of the founder of X and the designer of Y, which was born earlier?"
  (two walks ending at entities with the same numeric attribute);
* intersection: "Which person works for the maker of X and was born in the birthplace of Y?"
  (the one entity meeting two constraints, each constraint reached by a walk of at least
  one hop, so the question names no constraint's target).

Walks follow only relations that have exactly one tail for their head, so every noun phrase
names exactly one entity. Each kept question passes `keeps_answer_unique`-style checks:
no single document names the question's anchors together with the answer, and dropping any
one hop of any walk does not lead to the same entity (so every hop is needed). Answers
(and a comparison's two entities) are drawn uniformly first and the walks built backwards
from them, so no entity is a frequent gold answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .world import World

TYPE_WORDS = {"person": "person", "organisation": "organisation", "product": "product",
              "event": "event", "city": "city", "region": "region", "country": "country"}
TEMPLATES = ("composition", "comparison", "intersection")


@dataclass
class Question:
    """A question with its gold: the answer entity, the evidence documents per walk (the
    entities whose documents state each needed fact, in walk order) and the anchors (the
    entities the question names)."""

    template: str
    text: str
    answer: int
    chains: list[list[int]]
    anchors: list[int]
    hops: int
    relations: list[list[str]] = field(default_factory=list)

    @property
    def evidence(self) -> list[int]:
        seen: list[int] = []
        for chain in self.chains:
            seen.extend(e for e in chain if e not in seen)
        return seen


NameOf = Callable[[int], str]


def follow(world: World, start: int, relations: list[str]) -> int | None:
    """Where the functional `relations` lead from `start` (None if some step has no
    unique tail)."""
    node: int | None = start
    for r in relations:
        node = world.functional(node, r)
        if node is None:
            return None
    return node


def noun_phrase(world: World, anchor_name: str, relations: list[str]) -> str:
    phrase = anchor_name
    for r in relations:
        phrase = world.relations[r].noun.format(x=phrase)
    return phrase


def every_hop_needed(world: World, start: int, relations: list[str], end: int) -> bool:
    """False if the walk reaches `end` with one of its hops dropped."""
    for i in range(len(relations)):
        if follow(world, start, relations[:i] + relations[i + 1:]) == end:
            return False
    return True


def answerable_from_one_document(world: World, anchors: list[int], answer: int) -> bool:
    """True if one document names every anchor and the answer (a shortcut)."""
    needed = set(anchors) | {answer}
    candidates = set(world.inc_all(answer)) | {answer}
    return any(needed <= world.mentions(d) for d in candidates)


def composition(world: World, rng: random.Random, hops: int, name_of: NameOf) -> Question | None:
    # the answer is drawn first and the walk built backwards from it, so every reachable
    # entity is about equally likely to be the gold (a forward walk piles answers onto hubs:
    # the few countries every region belongs to)
    found = backward_walk(world, rng, rng.randrange(len(world)), hops, set())
    if found is None:
        return None
    nodes, rels = found
    start, end = nodes[0], nodes[-1]
    if not every_hop_needed(world, start, rels, end):
        return None
    if answerable_from_one_document(world, [start], end):
        return None
    phrase = noun_phrase(world, name_of(start), rels)
    wh = "Who" if world.types[end] == "person" else "What"
    return Question("composition", f"{wh} is {phrase}?", end, [nodes[:-1]], [start], hops,
                    [rels])


def comparison(world: World, rng: random.Random, hops: int, name_of: NameOf) -> Question | None:
    if hops < 2:
        return None
    # both compared entities are drawn uniformly among those with the attribute (walks are
    # built backwards from them), so no entity is a frequent answer
    a = rng.randrange(len(world))
    attr_a = world.attribute(a)
    if attr_a is None:
        return None
    hops_a = rng.randint(1, hops - 1)
    first = backward_walk(world, rng, a, hops_a, set())
    if first is None:
        return None
    same = world.by_type[world.types[a]]
    b = same[rng.randrange(len(same))]
    attr_b = world.attribute(b)
    if b in first[0] or attr_b is None or attr_a[0] != attr_b[0] or attr_a[1] == attr_b[1]:
        return None
    second = backward_walk(world, rng, b, hops - hops_a, set(first[0]))
    if second is None:
        return None
    (nodes_a, rels_a), (nodes_b, rels_b) = first, second
    spec = attr_a[0]
    answer = a if (attr_a[1] > attr_b[1]) == spec.higher_wins else b
    for start, rels, end in ((nodes_a[0], rels_a, a), (nodes_b[0], rels_b, b)):
        if not every_hop_needed(world, start, rels, end):
            return None
    anchors = [nodes_a[0], nodes_b[0]]
    if answerable_from_one_document(world, anchors, answer):
        return None
    phrase_a = noun_phrase(world, name_of(nodes_a[0]), rels_a)
    phrase_b = noun_phrase(world, name_of(nodes_b[0]), rels_b)
    if rng.random() < 0.5:
        phrase_a, phrase_b = phrase_b, phrase_a
    text = f"Of {phrase_a} and {phrase_b}, which {spec.question}?"
    return Question("comparison", text, answer, [nodes_a, nodes_b], anchors, hops,
                    [rels_a, rels_b])


def intersection(world: World, rng: random.Random, hops: int,
                 name_of: NameOf) -> Question | None:
    if hops < 4:
        return None  # each constraint is at least one hop from the question (see below)
    x = rng.randrange(len(world))
    shared = [(r, tails[0]) for r, tails in sorted(world.out[x].items())
              if len(tails) == 1 and len(world.inc[tails[0]].get(r, ())) > 1]
    if len(shared) < 2:
        return None
    (rel_a, t_a), (rel_b, t_b) = rng.sample(shared, 2)
    heads_a, heads_b = set(world.inc[t_a][rel_a]), set(world.inc[t_b][rel_b])
    if heads_a & heads_b != {x}:
        return None
    # a constraint target named in the question would leave a handful of candidates (its
    # other heads) that a search for the question's words ranks first
    len_a = rng.randint(1, hops - 3)
    len_b = hops - 2 - len_a
    used = {x, t_a, t_b}
    back_a = backward_walk(world, rng, t_a, len_a, used)
    if back_a is None:
        return None
    used |= set(back_a[0])
    back_b = backward_walk(world, rng, t_b, len_b, used)
    if back_b is None:
        return None
    (nodes_a, rels_a), (nodes_b, rels_b) = back_a, back_b
    for start, rels, end in ((nodes_a[0], rels_a, t_a), (nodes_b[0], rels_b, t_b)):
        if not every_hop_needed(world, start, rels, end):
            return None
    anchors = [nodes_a[0], nodes_b[0]]
    if answerable_from_one_document(world, anchors, x):
        return None
    phrase_a = noun_phrase(world, name_of(nodes_a[0]), rels_a)
    phrase_b = noun_phrase(world, name_of(nodes_b[0]), rels_b)
    kind = TYPE_WORDS.get(world.types[x], "entity")
    text = (f"Which {kind} {world.relations[rel_a].verb.format(t=phrase_a)} and "
            f"{world.relations[rel_b].verb.format(t=phrase_b)}?")
    return Question("intersection", text, x, [nodes_a[:-1], nodes_b[:-1], [x]], anchors, hops,
                    [rels_a + [rel_a], rels_b + [rel_b]])


def backward_walk(world: World, rng: random.Random, end: int, hops: int,
                  avoid: set[int]) -> tuple[list[int], list[str]] | None:
    """A walk of `hops` functional hops that ends at `end` (built from the end backwards)."""
    nodes, rels = [end], []
    for _ in range(hops):
        node = nodes[0]
        options = [(r, h) for r, heads in sorted(world.inc[node].items()) for h in heads
                   if len(world.out[h][r]) == 1 and h not in avoid and h not in nodes]
        if not options:
            return None
        r, head = rng.choice(options)
        nodes.insert(0, head)
        rels.insert(0, r)
    return nodes, rels


BUILDERS = {"composition": composition, "comparison": comparison, "intersection": intersection}


def gap_spots(question: Question) -> list[tuple[int, int]]:
    """Where a chain can be broken for an unanswerable variant: (walk, position) of every
    evidence entity past a walk's start. The entity there is named in the document before
    it, so an agent that follows the chain can say whose document is missing; an
    intersection's answer is never removed (nobody could name it)."""
    return [(c, j) for c, chain in enumerate(question.chains)
            if not (question.template == "intersection" and c == len(question.chains) - 1)
            for j in range(1, len(chain))]


def make_question(world: World, rng: random.Random, template: str, hops: int, name_of: NameOf,
                  attempts: int = 400, breakable: bool = False) -> Question:
    """A checked question of `template` with `hops` hops; fewer hops (or a composition) if
    the graph has none (small user graphs), and ValueError if it has no 2-hop question.
    `breakable`: the question must have a gap spot (for an unanswerable variant)."""
    tries = [(template, h) for h in range(hops, 1, -1)]
    if template != "composition":
        tries += [("composition", h) for h in range(hops, 1, -1)]
    for name, h in tries:
        if breakable and name == "intersection" and h < 5:
            continue  # below 5 hops both constraints are one hop away: no bridge document
        for _ in range(attempts):
            question = BUILDERS[name](world, rng, h, name_of)
            if question is not None and (not breakable or gap_spots(question)):
                return question
    raise ValueError(f"the knowledge graph ({world.source}) has no valid multi-hop question "
                     f"(template {template!r}, {hops} hops): it needs chains of at least two "
                     "single-valued relations")
