"""A user's own knowledge graph from a triples file (TSV or JSONL) as a `World`.

* TSV: `head<TAB>relation<TAB>tail` per line; a first line `head relation tail` is a header;
  lines starting with `#` are comments.
* JSONL: one object per line with `head`, `relation`, `tail` (or `subject`, `predicate`,
  `object`), optionally `head_type` and `tail_type`.

Special relations: `alias` / `also_known_as` add an alias of the head; `type` /
`instance_of` set the head's type; a tail that is an integer makes a numeric attribute
named after the relation (comparison questions use these). Aliases that would name two
entities are dropped. Relations we do not know are phrased generically ("the capital of X").
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from .names import normalize_name
from .world import RELATIONS, Relation, World, generic_attribute, generic_relation

ALIAS_RELATIONS = {"alias", "also_known_as", "aka"}
TYPE_RELATIONS = {"type", "instance_of", "is_a"}


def read_triples(path: str | Path) -> list[dict[str, str]]:
    """Rows `{head, relation, tail, head_type?, tail_type?}` from a .tsv or .jsonl file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"triples file {path} does not exist")
    rows: list[dict[str, str]] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if path.suffix == ".jsonl":
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{n}: not valid JSON: {e}") from e
                head = rec.get("head", rec.get("subject"))
                relation = rec.get("relation", rec.get("predicate"))
                tail = rec.get("tail", rec.get("object"))
                if head is None or relation is None or tail is None:
                    raise ValueError(f"{path}:{n}: needs head, relation and tail "
                                     f"(or subject, predicate, object); got {sorted(rec)}")
                row = {"head": str(head), "relation": str(relation), "tail": str(tail)}
                for key in ("head_type", "tail_type"):
                    if rec.get(key):
                        row[key] = str(rec[key])
                rows.append(row)
            elif path.suffix in (".tsv", ".txt"):
                parts = [p.strip() for p in line.rstrip("\n").split("\t")]
                if len(parts) != 3:
                    raise ValueError(f"{path}:{n}: expected head<TAB>relation<TAB>tail, got "
                                     f"{len(parts)} fields")
                if not rows and [p.lower() for p in parts] == ["head", "relation", "tail"]:
                    continue
                rows.append(dict(zip(("head", "relation", "tail"), parts, strict=True)))
            else:
                raise ValueError(f"{path}: use a .tsv or .jsonl triples file")
    if not rows:
        raise ValueError(f"{path}: no triples found")
    return rows


def load_triples(path: str | Path) -> World:
    """A `World` from a triples file (see the module docstring for the format)."""
    rows = read_triples(path)
    ids: dict[str, int] = {}
    types: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    attrs: dict[str, dict[str, int]] = {}
    edges: list[tuple[str, str, str]] = []

    def entity(name: str) -> str:
        if not name:
            raise ValueError(f"{path}: an empty entity name")
        ids.setdefault(name, len(ids))
        return name

    for row in rows:
        head, relation, tail = entity(row["head"]), row["relation"].strip(), row["tail"]
        if row.get("head_type"):
            types[head] = row["head_type"]
        rel = relation.lower()
        if rel in ALIAS_RELATIONS:
            aliases.setdefault(head, []).append(tail)
        elif rel in TYPE_RELATIONS:
            types[head] = tail
        elif _is_int(tail):
            attrs.setdefault(head, {})[relation] = int(tail)
        else:
            entity(tail)
            if row.get("tail_type"):
                types[tail] = row["tail_type"]
            edges.append((head, relation, tail))
    graph = nx.MultiDiGraph()
    names = set()
    for name, node in ids.items():
        names.add(normalize_name(name))
        graph.add_node(node, name=name, type=types.get(name, "entity"),
                       aliases=tuple(aliases.get(name, ())), attrs=attrs.get(name, {}))
    counts: dict[str, int] = {}
    for name in ids:
        for a in set(map(normalize_name, aliases.get(name, ()))):
            counts[a] = counts.get(a, 0) + 1
    for node in graph.nodes:
        graph.nodes[node]["aliases"] = tuple(
            a for a in graph.nodes[node]["aliases"]
            if counts[normalize_name(a)] == 1 and normalize_name(a) not in names)
    relations: dict[str, Relation] = {}
    for head, relation, tail in edges:
        graph.add_edge(ids[head], ids[tail], key=relation)
        relations.setdefault(relation, RELATIONS.get(relation) or generic_relation(relation))
    attributes = {a: generic_attribute(a) for values in attrs.values() for a in values}
    return World(graph, relations, attributes, source=f"triples:{Path(path).name}")


def _is_int(text: str) -> bool:
    text = text.strip()
    return text.lstrip("-").isdigit() and len(text) <= 12
