"""Decoy documents: distractors built so that nothing but the chain singles out the gold.

A policy that does not follow the chain can still key on what the gold documents share:
they state the question's relations (the outer one gives the answer), their titles are
named by another document (the previous hop), the answer or the missing entity is named
by one of them. Decoys copy each of these properties onto other entities:

* **walk decoys**: for a hop of one of the question's walks, another entity of the same
  type that states the same relation, usually with a short piece of a walk leading to it
  (documents that name it through the walk's previous relations), so a document stating
  the asked relation, or one linked from another document by the right relation, is one
  of many (`walk_decoy`);
* **comparison peers**: entities of the compared type with the attribute, a uniformly
  drawn number of them beating the answer (its rank among the context's values is
  uniform), each named by a document through the walk's last relation, as the two
  compared entities are (`comparison_peers`);
* **intersection decoys**: entities of the answer's type with both constraint relations,
  their two targets each named by a document through the walk's last relation, and other
  heads of those targets, as the answer has (`intersection_decoy`).

`guess_candidates` counts, for a built context, the entities among which a guess from the
question's relation (or asked type) alone must choose: its inverse is the task's chance.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from .questions import Question
from .world import World

MAX_SIBLINGS = 1  # other heads of an intersection constraint's target shown, per structure


@dataclass(frozen=True)
class Walk:
    """One walk of a question: `nodes[0] -rels[0]-> nodes[1] ... -> nodes[-1]`;
    `end_has_document` when the last node's document is evidence (comparison)."""

    nodes: tuple[int, ...]
    rels: tuple[str, ...]
    end_has_document: bool


def question_walks(world: World, question: Question) -> list[Walk]:
    """The question's walks as full paths (the composition answer and the intersection
    constraint targets included as their last node)."""
    if question.template == "composition":
        return [Walk((*question.chains[0], question.answer), tuple(question.relations[0]),
                     False)]
    if question.template == "comparison":
        return [Walk(tuple(c), tuple(r), True)
                for c, r in zip(question.chains, question.relations, strict=True)]
    walks = []
    for chain, rels in zip(question.chains[:2], question.relations, strict=True):
        target = world.functional(question.answer, rels[-1])
        walks.append(Walk((*chain, target), tuple(rels[:-1]), False))
    return walks


def names_any(world: World, entity: int, names: Collection[int]) -> bool:
    """True if the document of `entity` names one of `names` (as a fact's target)."""
    return any(t in names for tails in world.out[entity].values() for t in tails)


def backward(world: World, rng: random.Random, node: int, rels: Sequence[str],
             admissible: Collection[int] | None = None) -> list[int]:
    """Heads leading to `node` through `rels` read backwards (`rels[-1]` first), as far as
    such heads exist: [head of rels[-1], head of rels[-2], ...]."""
    out: list[int] = []
    for relation in reversed(rels):
        heads = [h for h in world.inc[node].get(relation, ())
                 if len(world.out[h][relation]) == 1 and h not in out
                 and (admissible is None or h in admissible)]
        if not heads:
            break
        node = rng.choice(heads)
        out.append(node)
    return out


def segment_length(rng: random.Random, position: int) -> int:
    """How many documents lead to a decoy at `position` of its walk: one (the link a gold
    document has from the previous hop) half of the time, else up to the walk's start."""
    if position == 0:
        return 0
    return 1 if rng.random() < 0.5 else rng.randint(1, position)


def walk_decoy(world: World, rng: random.Random, walks: Sequence[Walk],
               ok: Callable[[int], bool]) -> list[int]:
    """One walk decoy: an entity standing where a hop of a walk stands (the outer hop half
    of the time) and the documents leading to it; [] if the draw failed. `ok(e)`: whether
    the document of `e` may join the context."""
    walk = rng.choice(walks)
    last = len(walk.rels) - 1
    position = last if rng.random() < 0.5 else rng.randint(0, last)
    relation = walk.rels[position]
    pool = world.by_type[world.types[walk.nodes[position]]]
    head = pool[rng.randrange(len(pool))]
    if not ok(head) or world.functional(head, relation) is None:
        return []
    lead = _usable(backward(world, rng, head, walk.rels[:position]), ok)
    lead = lead[:segment_length(rng, position)]
    # past the walk's start a gold document is named by the one before it: so is a decoy
    return [head] + lead if lead or position == 0 else []


def _usable(lead: list[int], ok: Callable[[int], bool]) -> list[int]:
    """The documents of `lead` up to the first one that may not join the context (a lead
    is a path: a gap would leave the rest unnamed)."""
    out = []
    for e in lead:
        if not ok(e):
            break
        out.append(e)
    return out


def competitor(world: World, question: Question) -> Callable[[int], bool]:
    """Whether an entity's document would be a candidate of a guess from the question's
    relation or asked type: it states the composition's outer relation, has the compared
    attribute, or is of the intersection's type with both constraint relations. Only
    decoys, which are named by a document as the gold one is, may be such candidates."""
    if question.template == "composition":
        outer = question.relations[0][-1]
        return lambda e: outer in world.out[e]
    if question.template == "comparison":
        spec = world.attribute(question.answer)[0]
        return lambda e: (world.attribute(e) or (None,))[0] == spec
    kind, rels = world.types[question.answer], [r[-1] for r in question.relations]
    return lambda e: world.types[e] == kind and all(r in world.out[e] for r in rels)


def random_walk(world: World, rng: random.Random, start: int, length: int,
                ok: Callable[[int], bool]) -> list[int]:
    """`start` and up to `length - 1` entities reached from it by random functional
    relations: unrelated distractors that, like the gold chain, name one another."""
    out = [start]
    node = start
    for _ in range(length - 1):
        options = [ts[0] for ts in world.out[node].values() if len(ts) == 1 and ok(ts[0])
                   and ts[0] not in out]
        if not options:
            break
        node = rng.choice(options)
        out.append(node)
    return out


def comparison_peers(world: World, question: Question, rng: random.Random,
                     count: int) -> list[int]:
    """Up to `count` entities of the compared type with the attribute, a uniformly drawn
    number of them beating the answer, so the answer's rank among the context's values is
    uniform."""
    found = world.attribute(question.answer)
    if question.template != "comparison" or found is None:
        return []
    spec, value = found
    beyond, below = [], []
    for e in world.by_type[world.types[question.answer]]:
        other = world.attribute(e)
        if other is None or other[0] != spec or other[1] == value:
            continue
        (beyond if (other[1] > value) == spec.higher_wins else below).append(e)
    wins = rng.randint(0, count)
    peers = (rng.sample(beyond, min(wins, len(beyond)))
             + rng.sample(below, min(count - wins, len(below))))
    rng.shuffle(peers)
    return peers


def peer_structure(world: World, rng: random.Random, peer: int, walks: Sequence[Walk],
                   ok: Callable[[int], bool]) -> list[int]:
    """A comparison peer and the documents that lead to it through one walk's last
    relations, as the compared entities are led to."""
    walk = rng.choice(walks)
    lead = _usable(backward(world, rng, peer, walk.rels), ok)
    lead = lead[:segment_length(rng, len(walk.rels))]
    return [peer] + lead if lead else []


def intersection_structure(world: World, rng: random.Random, entity: int,
                           walks: Sequence[Walk], constraint_rels: Sequence[str],
                           ok: Callable[[int], bool], *, with_leads: bool) -> list[int]:
    """What surrounds an intersection candidate: per constraint, up to MAX_SIBLINGS other
    heads of its target (the constraint's other candidates) and, for a decoy
    (`with_leads`), documents leading to the target through the walk's last relations."""
    out: list[int] = []
    for walk, relation in zip(walks, constraint_rels, strict=True):
        target = world.functional(entity, relation)
        if target is None:
            continue
        if with_leads:
            lead = _usable(backward(world, rng, target, walk.rels), ok)
            if not lead:
                return []
            out += lead[:max(1, segment_length(rng, len(walk.rels)))]
        others = [h for h in world.inc[target].get(relation, ()) if h != entity and ok(h)]
        out += rng.sample(others, min(len(others), rng.randint(0, MAX_SIBLINGS)))
    return out


def intersection_decoy(world: World, rng: random.Random, question: Question,
                       walks: Sequence[Walk], ok: Callable[[int], bool]) -> list[int]:
    """Another entity of the answer's type with both constraint relations, and its
    `intersection_structure`; [] if the draw failed."""
    rels = [r[-1] for r in question.relations]
    pool = world.by_type[world.types[question.answer]]
    entity = pool[rng.randrange(len(pool))]
    if not ok(entity) or any(world.functional(entity, r) is None for r in rels):
        return []
    around = intersection_structure(world, rng, entity, walks, rels, ok, with_leads=True)
    return [entity] + around if around else []


def guess_candidates(world: World, question: Question, order: Sequence[int],
                     removed: int | None,
                     overrides: Mapping[int, tuple[str, int]] | None = None) -> int:
    """How many entities a guess from the question's relation or asked type alone must
    choose among in this context: the targets of the outer relation (composition), the
    entities with the compared attribute (comparison), the entities of the asked type with
    both constraint relations (intersection); for an unanswerable question, the entities
    without a document that the relation into the missing entity leads to. `overrides`:
    the facts some documents state instead of their own (`links.py`)."""
    changed = overrides or {}

    def out(e: int, relation: str) -> Sequence[int]:
        own = changed.get(e)
        return [own[1]] if own is not None and own[0] == relation else world.out[e].get(
            relation, ())

    shown = set(order)
    if removed is not None:
        for c, chain in enumerate(question.chains):
            if removed in chain:
                relation = question.relations[c][chain.index(removed) - 1]
                break
        else:
            return 1
        return max(1, len({t for e in order for t in out(e, relation) if t not in shown}))
    if question.template == "composition":
        relation = question.relations[0][-1]
        anchors = set(question.anchors)
        return max(1, len({t for e in order for t in out(e, relation) if t not in anchors}))
    if question.template == "comparison":
        spec = world.attribute(question.answer)[0]
        return max(1, sum(1 for e in order if (world.attribute(e) or (None,))[0] == spec))
    kind = world.types[question.answer]
    rels = [r[-1] for r in question.relations]
    return max(1, sum(1 for e in order if world.types[e] == kind
                      and all(world.functional(e, r) is not None for r in rels)))
