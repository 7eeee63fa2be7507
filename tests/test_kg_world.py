"""KG worlds, questions and the triples loader: uniqueness and shortcut checks hold."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from rlvr_envs.envs.kg.env import KGMultiHopEnv
from rlvr_envs.envs.kg.loader import load_triples
from rlvr_envs.envs.kg.names import normalize_name
from rlvr_envs.envs.kg.questions import (
    answerable_from_one_document,
    follow,
    make_question,
)
from rlvr_envs.envs.kg.task_source import break_chain
from rlvr_envs.envs.kg.world import cached_world, generate_world

SAMPLE = Path(__file__).resolve().parents[1] / "tasks" / "kg" / "sample_triples.tsv"


def test_world_is_deterministic_and_names_are_unambiguous() -> None:
    a, b = generate_world(3, 300), generate_world(3, 300)
    assert a.names == b.names and sorted(a.graph.edges(keys=True)) == sorted(
        b.graph.edges(keys=True))
    assert generate_world(4, 300).names != a.names
    forms: dict[str, int] = {}
    for e in range(len(a)):
        for form in a.alias_forms(e):
            assert forms.setdefault(form, e) == e, f"{form!r} names two entities"
    assert set(a.by_type) == {"person", "organisation", "city", "region", "country",
                              "product", "event"}


@pytest.mark.parametrize("template", ["composition", "comparison", "intersection"])
def test_questions_need_every_hop_and_more_than_one_document(template: str) -> None:
    world = cached_world(0, 4000)
    rng = random.Random(template)
    for hops in range(2, 9):
        q = make_question(world, rng, template, hops, lambda e: world.names[e])
        assert q.hops == hops or q.template != template
        assert not answerable_from_one_document(world, q.anchors, q.answer)
        if q.template == "composition":
            rels = q.relations[0]
            start = q.anchors[0]
            assert follow(world, start, rels) == q.answer
            for i in range(len(rels)):
                assert follow(world, start, rels[:i] + rels[i + 1:]) != q.answer
            assert q.evidence == q.chains[0] and len(q.evidence) == hops
        if q.template == "intersection":
            kind = world.types[q.answer]
            (ra, rb) = q.relations[0][-1], q.relations[1][-1]
            matches = [e for e in world.by_type[kind]
                       if world.functional(e, ra) == world.functional(q.answer, ra)
                       and world.functional(e, rb) == world.functional(q.answer, rb)]
            assert matches == [q.answer]
        if q.template == "comparison":
            (a, b) = q.chains[0][-1], q.chains[1][-1]
            assert q.answer in (a, b) and world.attribute(a)[1] != world.attribute(b)[1]


def test_unanswerable_variant_removes_a_needed_document() -> None:
    world = cached_world(0, 4000)
    rng = random.Random(1)
    for _ in range(20):
        q = make_question(world, rng, "composition", 4, lambda e: world.names[e])
        gold, removed = break_chain(q, rng)
        assert removed in q.evidence and removed not in gold and removed not in q.anchors
        assert gold == q.chains[0][: q.chains[0].index(removed)]


def test_unanswerable_task_leaves_the_removed_document_out() -> None:
    env = KGMultiHopEnv(unanswerable_rate=1.0)
    env.reset(seed=4)
    task = env.task
    assert not task["answerable"] and task["answer"] == "unanswerable"
    titles = [title for _, title, _ in env._docs]
    assert task["removed"] not in titles
    assert all(env._docs[int(d[1:]) - 1][1] != task["removed"] for d in task["evidence"])


def test_loader_reads_tsv_and_jsonl(tmp_path: Path) -> None:
    world = load_triples(SAMPLE)
    names = {normalize_name(n): i for i, n in enumerate(world.names)}
    tosk = names["arvel tosk"]
    assert world.types[tosk] == "person" and world.aliases[tosk] == ("A. Tosk",)
    assert world.attrs[tosk] == {"birth_year": 1950}
    assert world.names[world.functional(tosk, "born_in")] == "Velmora"
    rows = [{"subject": "Ana Vel", "predicate": "works_for", "object": "Corvo Labs"},
            {"head": "Corvo Labs", "relation": "headquartered_in", "tail": "Brell",
             "tail_type": "city"},
            {"head": "Brell", "relation": "twinned_with", "tail": "Ossa"},
            {"head": "Ana Vel", "relation": "alias", "tail": "A. Vel"}]
    path = tmp_path / "kg.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    small = load_triples(path)
    assert small.names == ["Ana Vel", "Corvo Labs", "Brell", "Ossa"]
    assert small.types[2] == "city" and small.aliases[0] == ("A. Vel",)
    assert small.relations["twinned_with"].noun == "the twinned with of {x}"
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n")
    with pytest.raises(ValueError, match="head<TAB>relation<TAB>tail"):
        load_triples(bad)


def test_env_on_a_user_triples_file() -> None:
    env = KGMultiHopEnv(triples=SAMPLE, context_tokens=300)
    for seed in range(5):
        env.reset(seed=seed)
        assert env.task["world"] == "triples:sample_triples.tsv"
        _, reward, terminated, _, _ = env.step(env.oracle_action())
        assert terminated and reward == pytest.approx(1.0)


def _memorise(env: KGMultiHopEnv, seeds: range) -> dict[tuple[str, str], str]:
    """(entity name, relation) -> target name, read from the documents of episodes."""
    from rlvr_envs.envs.kg.shortcuts import parse_docs
    facts: dict[tuple[str, str], str] = {}
    for seed in seeds:
        obs, _ = env.reset(seed=seed, options={"difficulty": 1})
        for doc in parse_docs(obs):
            for relation, target in doc.facts():
                facts[(doc.title, relation)] = target
    return facts


def test_facts_learnt_by_name_do_not_carry_over_to_other_episodes() -> None:
    """A generated world's names are dealt out afresh for every task, so a policy that
    memorises facts by name from many episodes answers other questions at chance; with
    `rename_entities=False` (one fixed world of names) the same memory answers some."""
    from rlvr_envs.envs.kg.shortcuts import parse_question

    def closed_book(env: KGMultiHopEnv, memory: dict[tuple[str, str], str]) -> float:
        paid = 0.0
        for seed in range(5000, 5040):
            env.reset(seed=seed, options={"difficulty": 1})
            parsed = parse_question(env.task["question"])
            node = parsed.anchors[0] if parsed and parsed.template == "composition" else None
            for relation in (parsed.walks[0] if node else []):
                node = memory.get((node, relation))
            *_, reward, _, _, _ = env.step(f"Answer: {node or 'unknown'}")
            paid += reward
        return paid / 40

    fixed = KGMultiHopEnv(rename_entities=False, context_tokens=4096, unanswerable_rate=0.0)
    renamed = KGMultiHopEnv(context_tokens=4096, unanswerable_rate=0.0)
    remembered = closed_book(fixed, _memorise(fixed, range(200)))
    # renamed: a memorised name is right only by coincidence (16 countries share names)
    assert remembered > 0.1 and closed_book(renamed, _memorise(renamed, range(200))) < 0.05
    names = {renamed.task_source.world_of(renamed.task).names[e]
             for e in renamed.task["doc_entities"]}
    renamed.reset(seed=1, options={"difficulty": 1})
    world = renamed.task_source.world_of(renamed.task)
    base = renamed.task_source.world_for(0)
    assert sum(world.names[e] != base.names[e] for e in range(len(world))) > 0.9 * len(world)
    assert names  # the episode above showed documents under its own names


def test_a_user_s_graph_keeps_its_names() -> None:
    env = KGMultiHopEnv(triples=SAMPLE, context_tokens=300)
    env.reset(seed=0)
    world = env.task_source.world_of(env.task)
    assert env.task["naming"] is None and world.names == load_triples(SAMPLE).names
