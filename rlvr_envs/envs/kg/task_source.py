"""The procedural task source: one family per question template, over a world per seed.

Task ids keep the core's form `template/d{level}/{seed}/{index}`; the seed picks the world
(`generate_world(seed, world_size)`, built once per process) unless a fixed world (a user's
triples) is given, and item `index` is built from `item_rng(seed, template, level, index)`.
A generated world's names are dealt out afresh for every task (`renamed_world`; the task
keeps the `naming` seed), so that facts learnt by name in one episode do not carry over.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...core import ProceduralSource, Task
from .context import entity_tokens, make_token_counter, select_documents
from .decoys import guess_candidates
from .levels import LEVELS, KGOptions
from .links import link_candidates
from .questions import TEMPLATES, Question, gap_spots, make_question
from .world import World, cached_renamed_world, cached_world

DEFAULT_TEMPLATE_WEIGHTS = {"composition": 0.6, "comparison": 0.2, "intersection": 0.2}


class TemplateFamily:
    """Questions of one template at levels 1..5."""

    difficulties: Sequence[int] = tuple(sorted(LEVELS))

    def __init__(self, name: str, options: KGOptions, counter: Callable[[str], int],
                 counter_key: str) -> None:
        if name not in TEMPLATES:
            raise ValueError(f"unknown question template {name!r}; choose from {TEMPLATES}")
        self.name = name
        self.options = options
        self.counter = counter
        self.counter_key = counter_key

    def generate(self, rng: random.Random, difficulty: int) -> Task:  # TaskFamily protocol
        raise TypeError("KG tasks need a world; build them through KGTaskSource")

    def generate_in(self, world: World, rng: random.Random, level: int) -> Task:
        spec, o = LEVELS[level], self.options
        hops = o.hops or rng.randint(*spec.hops)
        target = o.context_tokens or spec.context_tokens
        tier1 = spec.tier1_share if o.tier1_share is None else o.tier1_share
        depth = o.evidence_depth
        alias_rate = spec.alias_rate if o.alias_rate is None else o.alias_rate
        unanswerable_rate = (spec.unanswerable_rate if o.unanswerable_rate is None
                             else o.unanswerable_rate)
        alias = rng.random() < alias_rate
        unanswerable = rng.random() < unanswerable_rate

        def name_of(entity: int) -> str:
            options = world.aliases[entity]
            return rng.choice(options) if alias and options else world.names[entity]

        question = make_question(world, rng, self.name, hops, name_of, breakable=unanswerable)
        gold, removed = question.evidence, None
        if unanswerable:
            gold, removed = break_chain(question, rng)
        tokens = entity_tokens(world, alias, self.counter, self.counter_key)
        order = select_documents(world, question, rng, gold=gold, removed=removed,
                                 tokens=tokens, target_tokens=target, tier1_share=tier1,
                                 depth=depth)
        # every outer-relation candidate named through the previous relation (links.py)
        overrides = link_candidates(world, question, order, removed, rng)
        position = {e: i for i, e in enumerate(order)}
        answer = question.answer
        return {
            "question": question.text,
            "template": question.template,
            "hops": question.hops,
            "answerable": not unanswerable,
            "answer": "unanswerable" if unanswerable else world.names[answer],
            "answer_aliases": [] if unanswerable else list(world.aliases[answer]),
            "evidence": [f"D{position[e] + 1}" for e in gold],
            "chain": [[world.names[e] for e in chain] for chain in question.chains],
            "removed": None if removed is None else world.names[removed],
            "removed_aliases": [] if removed is None else list(world.aliases[removed]),
            "unbroken_answer": world.names[answer],
            "doc_entities": order,
            # [entity, relation, target]: facts these documents state in this episode
            "doc_facts": [[e, r, t] for e, (r, t) in sorted(overrides.items())],
            "alias_docs": alias,
            "context_tokens": target,
            "evidence_depth": None if depth is None else round(depth, 4),
            "tier1_share": tier1,
            # a guess from the question's relation alone picks among this many entities
            "guess_candidates": guess_candidates(world, question, order, removed, overrides),
            "world": world.source,
        }


def break_chain(question: Question, rng: random.Random) -> tuple[list[int], int]:
    """Remove one needed document at a gap spot: (gold evidence left, removed entity). The
    gold evidence of an unanswerable question is what can be followed up to the gap: the
    broken walk's documents before it and the other walks' documents."""
    spots = gap_spots(question)
    if not spots:
        raise ValueError(f"this {question.template} question has no document that can be "
                         "removed; build it with make_question(..., breakable=True)")
    c, j = rng.choice(spots)
    removed = question.chains[c][j]
    gold: list[int] = []
    for k, chain in enumerate(question.chains):
        for e in (chain[:j] if k == c else chain):
            if e not in gold and e != removed:
                gold.append(e)
    return gold, removed


class KGTaskSource(ProceduralSource):
    """`ProceduralSource` whose families build tasks inside the world of the task's seed."""

    def __init__(self, *, seed: int = 0, options: KGOptions | None = None,
                 tokenizer: Any = None, world: World | None = None, world_size: int = 4000,
                 template_weights: Mapping[str, float] | None = None,
                 rename: bool = True) -> None:
        self.options = options or KGOptions()
        self.options.validate()
        counter, key = make_token_counter(tokenizer)
        self.fixed_world = world
        self.world_size = int(world_size)
        self.rename = bool(rename) and world is None  # a user's graph keeps its names
        weights = dict(DEFAULT_TEMPLATE_WEIGHTS if template_weights is None
                       else template_weights)
        unknown = set(weights) - set(TEMPLATES)
        if unknown:
            raise ValueError(f"template_weights names unknown templates {sorted(unknown)}; "
                             f"known: {list(TEMPLATES)}")
        families = [TemplateFamily(name, self.options, counter, key) for name in TEMPLATES]
        weights = {name: float(weights.get(name, 0.0)) for name in TEMPLATES}
        super().__init__(families, seed=seed, domain="kg", family_weights=weights)

    def world_for(self, seed: int) -> World:
        """The world of a task seed, with its canonical names."""
        return self.fixed_world if self.fixed_world is not None else cached_world(
            int(seed), self.world_size)

    def world_of(self, task: Mapping[str, Any]) -> World:
        """The world one task was built in: its seed's world, renamed by its `naming`."""
        naming = task.get("naming")
        if naming is None or self.fixed_world is not None:
            return self.world_for(int(task["world_seed"]))
        return cached_renamed_world(int(task["world_seed"]), self.world_size, int(naming))

    def generate_item(self, fam: Any, rng: random.Random, level: int, seed: int) -> Task:
        naming = rng.getrandbits(31) if self.rename else None
        task = fam.generate_in(self.world_of({"world_seed": seed, "naming": naming}), rng,
                               level)
        task["world_seed"] = seed
        task["naming"] = naming
        return task
