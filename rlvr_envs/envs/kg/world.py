"""Knowledge graphs ("worlds"): a seeded generator of fictional worlds, and the `World` class
that both generated and user-loaded graphs become.

A world is a `networkx.MultiDiGraph` whose nodes are entities (`name`, `type`, `aliases`,
numeric `attrs`) and whose edges are typed relations (edge key = relation name). Every fact
(edge) is told in exactly one document, the one of its head entity, so the evidence of a hop
is well defined: the document of the entity the hop starts from.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import networkx as nx

from .names import make_name, normalize_name


@dataclass(frozen=True)
class Relation:
    """A typed relation and how to say it: `facts` are sentences for a document
    ("{h} was born in {t}."), `noun` a phrase naming the tail ("the birthplace of {x}"),
    `verb` a predicate for intersection questions ("was born in {t}")."""

    name: str
    head: str
    tail: str
    facts: tuple[str, ...]
    noun: str
    verb: str


@dataclass(frozen=True)
class Attribute:
    """A numeric attribute that comparison questions ask about."""

    name: str
    fact: str  # "{h} was born in {v}."
    question: str  # "was born earlier"
    higher_wins: bool = False


def generic_relation(name: str, head: str = "entity", tail: str = "entity") -> Relation:
    """How a relation from a user's triples file is said when we know nothing about it."""
    words = name.replace("_", " ").strip()
    return Relation(name, head, tail, (f"The {words} of {{h}} is {{t}}.",
                                       f"{{h}} has {{t}} as its {words}."),
                    f"the {words} of {{x}}", f"has {{t}} as its {words}")


def generic_attribute(name: str) -> Attribute:
    words = name.replace("_", " ").strip()
    return Attribute(name, f"The {words} of {{h}} is {{v}}.", f"has the smaller {words}")


RELATIONS: dict[str, Relation] = {r.name: r for r in (
    Relation("born_in", "person", "city",
             ("{h} was born in {t}.", "{h} is a native of {t}.",
              "Records give {t} as the birthplace of {h}."),
             "the city where {x} was born", "was born in {t}"),
    Relation("lives_in", "person", "city",
             ("{h} lives in {t}.", "These days {h} makes a home in {t}.",
              "{h} has settled in {t}."),
             "the city where {x} lives", "lives in {t}"),
    Relation("works_for", "person", "organisation",
             ("{h} works for {t}.", "{h} is employed by {t}.", "{h} holds a post at {t}."),
             "the employer of {x}", "works for {t}"),
    Relation("mentored_by", "person", "person",
             ("{h} was mentored by {t}.", "Early on, {h} trained under {t}.",
              "{h} credits {t} as a mentor."),
             "the mentor of {x}", "was mentored by {t}"),
    Relation("headquartered_in", "organisation", "city",
             ("{h} is headquartered in {t}.", "The head office of {h} is in {t}.",
              "{h} runs its operations from {t}."),
             "the city where {x} is headquartered", "is headquartered in {t}"),
    Relation("founded_by", "organisation", "person",
             ("{h} was founded by {t}.", "{t} founded {h}.", "{h} was started by {t}."),
             "the founder of {x}", "was founded by {t}"),
    Relation("led_by", "organisation", "person",
             ("{h} is led by {t}.", "{t} serves as chief executive of {h}.",
              "The chief executive of {h} is {t}."),
             "the chief executive of {x}", "is led by {t}"),
    Relation("acquired_by", "organisation", "organisation",
             ("{h} was acquired by {t}.", "{t} bought {h}.", "{h} is now owned by {t}."),
             "the company that acquired {x}", "was acquired by {t}"),
    Relation("located_in", "city", "region",
             ("{h} lies in {t}.", "{h} is a city in {t}.", "{h} belongs to {t}."),
             "the region that {x} lies in", "lies in {t}"),
    Relation("part_of", "region", "country",
             ("{h} is part of {t}.", "{h} is a province of {t}.", "{t} governs {h}."),
             "the country that {x} is part of", "is part of {t}"),
    Relation("made_by", "product", "organisation",
             ("{h} is made by {t}.", "{t} manufactures {h}.", "{h} is produced by {t}."),
             "the maker of {x}", "is made by {t}"),
    Relation("designed_by", "product", "person",
             ("{h} was designed by {t}.", "{t} designed {h}.", "The design of {h} is by {t}."),
             "the designer of {x}", "was designed by {t}"),
    Relation("held_in", "event", "city",
             ("{h} was held in {t}.", "{t} hosted {h}.", "{h} took place in {t}."),
             "the city that hosted {x}", "was held in {t}"),
    Relation("organised_by", "event", "organisation",
             ("{h} was organised by {t}.", "{t} organised {h}.", "{h} was run by {t}."),
             "the organiser of {x}", "was organised by {t}"),
)}

ATTRIBUTES: dict[str, Attribute] = {
    "person": Attribute("born", "{h} was born in the year {v}.", "was born earlier"),
    "organisation": Attribute("founded", "{h} was founded in {v}.", "was founded earlier"),
    "product": Attribute("released", "{h} was released in {v}.", "was released earlier"),
    "city": Attribute("population", "{h} has a population of {v}.",
                      "has the larger population", higher_wins=True),
    "event": Attribute("year", "{h} took place in the year {v}.", "took place earlier"),
}

# entity type -> (share of the world, range of the numeric attribute)
WORLD_MIX: dict[str, tuple[float, tuple[int, int]]] = {
    "person": (0.40, (1890, 2005)), "organisation": (0.14, (1800, 2020)),
    "city": (0.09, (8_000, 4_000_000)), "region": (0.015, (0, 0)), "country": (0.004, (0, 0)),
    "product": (0.21, (1950, 2030)), "event": (0.14, (1950, 2030)),
}
# functional relation -> probability that an entity of the head type has it
RELATION_RATE = {"mentored_by": 0.6, "acquired_by": 0.3}


class World:
    """A knowledge graph ready for questions: fast adjacency lists over a networkx graph,
    names and aliases, and (built lazily by `documents.py`) one document per entity."""

    def __init__(self, graph: nx.MultiDiGraph, relations: Mapping[str, Relation],
                 attributes: Mapping[str, Attribute], *, source: str) -> None:
        self.graph = graph
        self.relations = dict(relations)
        self.attributes = dict(attributes)
        self.source = source
        n = graph.number_of_nodes()
        if list(graph.nodes) != list(range(n)):
            raise ValueError("world graphs must have nodes 0..n-1")
        self.names: list[str] = [graph.nodes[i]["name"] for i in range(n)]
        self.types: list[str] = [graph.nodes[i]["type"] for i in range(n)]
        self.aliases: list[tuple[str, ...]] = [tuple(graph.nodes[i].get("aliases", ()))
                                               for i in range(n)]
        self.attrs: list[dict[str, int]] = [dict(graph.nodes[i].get("attrs", {}))
                                            for i in range(n)]
        self.out: list[dict[str, list[int]]] = [{} for _ in range(n)]
        self.inc: list[dict[str, list[int]]] = [{} for _ in range(n)]
        for h, t, r in sorted(graph.edges(keys=True)):
            self.out[h].setdefault(r, []).append(t)
            self.inc[t].setdefault(r, []).append(h)
        self.by_type: dict[str, list[int]] = {}
        for i, kind in enumerate(self.types):
            self.by_type.setdefault(kind, []).append(i)
        self._cache: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.names)

    def functional(self, head: int, relation: str) -> int | None:
        """The tail of `relation` from `head` when there is exactly one, else None."""
        tails = self.out[head].get(relation)
        return tails[0] if tails is not None and len(tails) == 1 else None

    def mentions(self, entity: int) -> set[int]:
        """The entities the document of `entity` names: itself and the tails of its facts."""
        found = {entity}
        for tails in self.out[entity].values():
            found.update(tails)
        return found

    def inc_all(self, entity: int) -> list[int]:
        """Every head with a fact about `entity` (whose documents name it)."""
        return [h for heads in self.inc[entity].values() for h in heads]

    def attribute(self, entity: int) -> tuple[Attribute, int] | None:
        """The comparable attribute of `entity` and its value, if it has one."""
        for name in sorted(self.attrs[entity]):
            if name in self.attributes:
                return self.attributes[name], self.attrs[entity][name]
        return None

    def alias_forms(self, entity: int) -> set[str]:
        """Normalized name and aliases: what counts as naming `entity` in an answer."""
        return {normalize_name(self.names[entity])} | {normalize_name(a)
                                                        for a in self.aliases[entity]}

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """A per-world cache (documents, token counts, search indexes)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


def generate_world(seed: int = 0, size: int = 4000) -> World:
    """A fictional world of about `size` entities, the same for the same arguments."""
    if size < 60:
        raise ValueError(f"world size must be at least 60 entities, got {size}")
    rng = random.Random(f"kg-world:{seed}:{size}")
    graph = nx.MultiDiGraph()
    taken: set[str] = set()
    ids: dict[str, list[int]] = {}
    for kind, (share, (lo, hi)) in WORLD_MIX.items():
        for _ in range(max(3, round(size * share))):
            value = rng.randint(lo, hi) if hi else 0
            for _attempt in range(50):
                name, aliases = make_name(rng, kind, year=value)
                # an event's name without its year is unique too, so that renaming (which
                # gives a name the year of the event that takes it) never makes two equal
                stem = normalize_name(_YEAR.sub("", name))
                if normalize_name(name) not in taken and stem not in taken:
                    break
            else:
                raise RuntimeError("name space exhausted; lower the world size")
            taken.add(normalize_name(name))
            if kind == "event":
                taken.add(stem)
            node = graph.number_of_nodes()
            attrs = {ATTRIBUTES[kind].name: value} if kind in ATTRIBUTES else {}
            graph.add_node(node, name=name, type=kind, aliases=aliases, attrs=attrs)
            ids.setdefault(kind, []).append(node)
    _drop_ambiguous_aliases(graph, taken)
    for rel in RELATIONS.values():
        rate = RELATION_RATE.get(rel.name, 1.0)
        tails = ids[rel.tail]
        for head in ids[rel.head]:
            if rng.random() >= rate:
                continue
            tail = rng.choice(tails)
            if tail == head or graph.has_edge(head, tail):
                continue
            graph.add_edge(head, tail, key=rel.name)
    return World(graph, RELATIONS, {a.name: a for a in ATTRIBUTES.values()},
                 source=f"generated:{seed}:{size}")


def _drop_ambiguous_aliases(graph: nx.MultiDiGraph, names: set[str]) -> None:
    """Keep only aliases that name one entity and no entity's canonical name, so an
    alias-aware answer check can never accept a different entity."""
    counts: dict[str, int] = {}
    for _, data in graph.nodes(data=True):
        for a in set(map(normalize_name, data["aliases"])):
            counts[a] = counts.get(a, 0) + 1
    for _, data in graph.nodes(data=True):
        data["aliases"] = tuple(a for a in data["aliases"] if counts[normalize_name(a)] == 1
                                and normalize_name(a) not in names and normalize_name(a))


_YEAR = re.compile(r" \d{4}$")
_SHORT_YEAR = re.compile(r" '\d\d$")


def renamed_world(world: World, naming: int) -> World:
    """The same graph with its names (and aliases) dealt out again among the entities of
    each type by the seed `naming`: an episode's world. Facts, types and attributes stay;
    who is called what changes, so facts learnt by name in one episode say nothing about
    another. An event's name carries its year, so a renamed event gets its own year in it.
    Names stay unique and aliases unambiguous (they move with their name). Cheap (a
    shuffle per type); documents and token counts are built lazily per entity."""
    rng = random.Random(f"kg-names:{world.source}:{naming}")
    names, aliases = list(world.names), list(world.aliases)
    for members in world.by_type.values():
        dealt = list(members)
        rng.shuffle(dealt)
        for entity, source in zip(members, dealt, strict=True):
            names[entity], aliases[entity] = world.names[source], world.aliases[source]
    for entity in world.by_type.get("event", ()):
        year = world.attrs[entity].get("year")
        if year is not None and _YEAR.search(names[entity]):
            names[entity] = _YEAR.sub(f" {year}", names[entity])
            aliases[entity] = tuple(_SHORT_YEAR.sub(f" '{year % 100:02d}", a)
                                    for a in aliases[entity])
    episode = copy.copy(world)
    episode.names, episode.aliases = names, aliases
    episode.source = f"{world.source}:names{naming}"
    episode._cache = {}
    return episode


@lru_cache(maxsize=16)
def cached_renamed_world(seed: int, size: int, naming: int) -> World:
    """`renamed_world` of the generated world (seed, size), kept for a few episodes."""
    return renamed_world(cached_world(seed, size), naming)


@lru_cache(maxsize=4)
def cached_world(seed: int, size: int) -> World:
    """`generate_world`, built once per process per (seed, size)."""
    return generate_world(seed, size)
