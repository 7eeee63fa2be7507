"""One prose document per entity, rendered from its triples with varied templates.

Each world has two renderings, built lazily per document and cached: `plain` (every entity
named by its canonical name) and `alias` (other entities often named by one of their
aliases; each entity's own document always introduces its aliases, so every alias can be
resolved). The sentence templates and flavour are drawn from the world's `source`, so an
episode's renamed world words its documents afresh too.
Flavour sentences carry no facts and name no entity: they make documents read like prose
and give them realistic length without adding answers.
"""

from __future__ import annotations

import random
import zlib

from .world import World

OCCUPATIONS = ("engineer", "cartographer", "poet", "chemist", "architect", "economist",
               "violinist", "surveyor", "botanist", "diplomat", "sculptor", "archivist")
INTROS: dict[str, tuple[str, ...]] = {
    "person": ("{n} is {occ}.", "{n} is best known as {occ}.",
               "{n} has worked as {occ} for many years."),
    "organisation": ("{n} is a company.", "{n} is a firm with a long history.",
                     "{n} is an enterprise."),
    "city": ("{n} is a city.", "{n} is a busy town.", "{n} is an old settlement."),
    "region": ("{n} is a region.", "{n} is an administrative province."),
    "country": ("{n} is a country.", "{n} is a sovereign state."),
    "product": ("{n} is a product.", "{n} is a device sold in many markets."),
    "event": ("{n} is an event.", "{n} was a public gathering."),
}
FLAVOUR: dict[str, tuple[str, ...]] = {
    "person": ("Colleagues describe this person as meticulous and quiet.",
               "Their notebooks are said to be full of sketches.",
               "They rarely give interviews.", "They are fond of long walks before dawn.",
               "A portrait of them hangs in a small gallery.",
               "Friends remember a habit of humming while working."),
    "organisation": ("Its logo shows a teal heron.", "The firm publishes an annual report.",
                     "Staff turnover there is famously low.",
                     "Its offices are known for their glass atriums.",
                     "It sponsors a modest scholarship programme."),
    "city": ("Its market square floods every spring.", "The streets are lined with lime trees.",
             "A slow river divides the old quarter from the new.",
             "Visitors praise the local bread.", "The central station has a copper roof."),
    "region": ("The land there is mostly rolling hills.", "Winters are long and dry.",
               "Sheep outnumber people there."),
    "country": ("Its flag is green and white.", "It has two official languages."),
    "product": ("Reviewers praised its battery life.", "It comes in three colours.",
                "Early units had a loud fan.", "Its manual runs to forty pages."),
    "event": ("Attendance exceeded expectations.", "It ended with a fireworks display.",
              "Tickets sold out within a day.", "Rain delayed the opening ceremony."),
}
GENERIC_INTRO = ("{n} is an entity in this collection.", "This entry describes {n}.")
GENERIC_FLAVOUR = ("Little else is recorded about it.", "The entry was last revised recently.")


def render_document(world: World, entity: int, *, alias: bool,
                    override: tuple[str, int] | None = None) -> str:
    """The document of `entity`: an introduction, its aliases, its attribute, one sentence
    per outgoing fact (in a shuffled order), and flavour. `override` (relation, target):
    the document states that fact instead of its own of that relation (`links.py`)."""
    # an integer seed (a string one hashes with sha512: a third of a 128k episode's build)
    rng = random.Random(world.cached("doc-seed", lambda: zlib.crc32(
        f"kg-doc:{world.source}".encode())) * 1_000_003 + entity)
    kind = world.types[entity]
    name = world.names[entity]
    occupation = rng.choice(OCCUPATIONS)
    article = "an" if occupation[0] in "aeiou" else "a"
    sentences = [rng.choice(INTROS.get(kind, GENERIC_INTRO)).format(
        n=name, occ=f"{article} {occupation}")]
    own_aliases = world.aliases[entity]
    if own_aliases:
        listed = " or ".join(f'"{a}"' for a in own_aliases)
        sentences.append(rng.choice((f"{name} is also known as {listed}.",
                                     f"Other names for {name} are {listed}.")
                                    if len(own_aliases) > 1 else
                                    (f"{name} is also known as {listed}.",
                                     f"{name} is sometimes called {listed}.")))
    facts = []
    for attr_name, value in sorted(world.attrs[entity].items()):
        spec = world.attributes.get(attr_name)
        if spec is not None:
            facts.append(spec.fact.format(h=name, v=value))
    out = dict(world.out[entity])
    if override is not None:
        out[override[0]] = [override[1]]
    for relation, tails in sorted(out.items()):
        rel = world.relations[relation]
        for tail in tails:
            tail_aliases = world.aliases[tail]
            use_alias = alias and tail_aliases and rng.random() < 0.6
            tail_name = rng.choice(tail_aliases) if use_alias else world.names[tail]
            template = rng.choice(rel.facts)
            facts.append(_capitalize(template.format(h=name, t=tail_name)))
    rng.shuffle(facts)
    flavour = list(FLAVOUR.get(kind, GENERIC_FLAVOUR))
    rng.shuffle(flavour)
    sentences.extend(facts)
    sentences.extend(flavour[: rng.randint(1, 3)])
    return " ".join(sentences)


def document(world: World, entity: int, *, alias: bool,
             override: tuple[str, int] | None = None) -> str:
    """The document of one entity in one rendering, built on first use and kept with the
    world (an episode's renamed world renders only the documents its episode shows); with
    an `override` (one episode's changed fact) built afresh."""
    if override is not None:
        return render_document(world, entity, alias=alias, override=override)
    rendered: dict[int, str] = world.cached(("documents", alias), dict)
    text = rendered.get(entity)
    if text is None:
        text = rendered[entity] = render_document(world, entity, alias=alias)
    return text


def _capitalize(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
