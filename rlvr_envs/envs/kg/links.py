"""Linked candidates: every document that states a composition's outer relation is named by
another document through the walk's previous relation, as the gold intermediate is.

Decoys of inner hops (and documents leading to decoys) that happen to state the outer
relation are candidates of a guess from the relation too, but nothing names them through the
previous relation: a guess among the named ones (`relation-linked` in `shortcuts.py`) would
drop them and beat a guess among all. Instead of adding documents (a new one is itself an
unnamed candidate when the two relations join the same type), an existing off-chain
document of the previous relation's subject type is made to state `<previous>: <candidate>`
(its own fact of that relation, if any, is replaced, so it still states one). Namers
without such a fact come first, then those whose fact's target is shown (no candidate, or
named by another document too: no candidate loses its link), then those whose target has
no document but is named by another document too; a target named only by the namer is
given up only where the relation is not the one into a missing entity (its
document-less targets are what a guess of the missing entity picks among). Where the two
relations are the same ("the mentor of the mentor of X"), such a replacement takes one
document-less target out of the outer relation's targets as well.
Each change is replayed on the question: the walk must still reach its answer only with
every hop.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

from .questions import Question
from .world import World

Overrides = dict[int, tuple[str, int]]  # document entity -> (relation, the target it names)


def follow_with(world: World, overrides: Mapping[int, tuple[str, int]], start: int,
                relations: Sequence[str]) -> int | None:
    """`questions.follow` over the world's facts with `overrides` applied."""
    node: int | None = start
    for r in relations:
        changed = overrides.get(node)
        node = changed[1] if changed is not None and changed[0] == r else world.functional(
            node, r)
        if node is None:
            return None
    return node


def tails_with(world: World, overrides: Mapping[int, tuple[str, int]], entity: int,
               relation: str) -> list[int]:
    changed = overrides.get(entity)
    if changed is not None and changed[0] == relation:
        return [changed[1]]
    return list(world.out[entity].get(relation, ()))


def unique_with(world: World, overrides: Mapping[int, tuple[str, int]], question: Question
                ) -> bool:
    """The composition's walk still ends at its answer, and not with any hop dropped."""
    start, rels = question.anchors[0], question.relations[0]
    if follow_with(world, overrides, start, rels) != question.answer:
        return False
    return all(follow_with(world, overrides, start, rels[:i] + rels[i + 1:]) != question.answer
               for i in range(len(rels)))


def link_candidates(world: World, question: Question, order: Sequence[int],
                    removed: int | None, rng: random.Random) -> Overrides:
    """For a composition, the fact changes that name every outer-relation candidate of the
    context (`order`) through the previous relation; {} for other templates."""
    if question.template != "composition" or len(question.relations[0]) < 2:
        return {}
    outer, previous = question.relations[0][-1], question.relations[0][-2]
    head_type = world.relations[previous].head
    shown = set(order)
    on_chain = {e for chain in question.chains for e in chain} | set(question.anchors) | {
        question.answer}
    if removed is not None:
        on_chain.add(removed)
    overrides: Overrides = {}
    namings = Counter(t for x in order for t in world.out[x].get(previous, ()))

    # replacing a fact whose target has no document takes a name out of the document-less
    # targets that a guess of the missing entity picks among: not for the relation into it
    chain = question.chains[0]
    into_gap = question.relations[0][chain.index(removed) - 1] if removed in chain else None
    may_drop_unshown = previous != into_gap

    def tier(x: int) -> int | None:
        """How good a namer `x` is: 0 it states no fact of the relation (one is added); 1
        its fact's target is shown but no candidate or named by another document too; 2
        the target has no document but another document names it too; 3 only `x` names
        it; None: replacing it would leave a candidate unnamed."""
        tails = tails_with(world, overrides, x, previous)
        if not tails:
            return 0
        if any(t in shown and outer in world.out[t] and namings[t] < 2 for t in tails):
            return None
        if all(t in shown for t in tails):
            return 1
        if all(t in shown or namings[t] > 1 for t in tails):
            return 2
        return 3 if may_drop_unshown else None

    for cand in order:
        if outer not in world.out[cand] or namings[cand] or cand in on_chain:
            continue
        tiers: dict[int, list[int]] = {}
        for x in order:
            if world.types[x] == head_type and x != cand and x not in on_chain \
                    and x not in overrides and (level := tier(x)) is not None:
                tiers.setdefault(level, []).append(x)
        for level in sorted(tiers):
            namers = tiers[level]
            while namers:
                x = namers.pop(rng.randrange(len(namers)))
                trial = {**overrides, x: (previous, cand)}
                if unique_with(world, trial, question):
                    namings.subtract(tails_with(world, overrides, x, previous))
                    namings[cand] += 1
                    overrides = trial
                    break
            if namings[cand]:
                break
    return overrides
