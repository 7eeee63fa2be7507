"""Long contexts: token budgets up to 128k, where the evidence sits (anywhere, or at a requested
depth), decoys, custom tokenizers."""

from __future__ import annotations

import pytest

from rlvr_envs.envs.kg.context import regex_token_count
from rlvr_envs.envs.kg.env import KGMultiHopEnv


@pytest.mark.parametrize("target", [1024, 8192, 131_072])
def test_context_fills_the_token_budget(target: int) -> None:
    env = KGMultiHopEnv(context_tokens=target, difficulty=5)
    obs, _ = env.reset(seed=0)
    tokens = regex_token_count(obs)
    assert target <= tokens <= target * 1.05 + 400
    for doc_id in env.task["evidence"]:
        assert f"[{doc_id}] " in obs
    assert len(set(env.task["doc_entities"])) == len(env.task["doc_entities"])


def test_128k_episode_in_search_mode_is_searchable() -> None:
    env = KGMultiHopEnv(mode="search", context_tokens=131_072, unanswerable_rate=0.0)
    obs, _ = env.reset(seed=1)
    assert len(obs) < 5_000 and len(env._docs) > 1000
    reward = 0.0
    for _ in range(3):
        _, reward, terminated, _, _ = env.step(env.oracle_action())
        if terminated:
            break
    assert reward == pytest.approx(1.0)


@pytest.mark.parametrize("depth", [0.0, 0.5, 1.0])
def test_evidence_sits_at_the_requested_depth(depth: float) -> None:
    env = KGMultiHopEnv(context_tokens=16_384, evidence_depth=depth, unanswerable_rate=0.0)
    for seed in range(3):
        env.reset(seed=seed)
        n = len(env.task["doc_entities"])
        gold = env.task["evidence"]
        for doc_id in gold:  # +-5% of the distractors, shifted by the other gold documents
            position = (int(doc_id[1:]) - 1) / n
            assert abs(position - depth) <= 0.05 + (len(gold) + 1) / n, (doc_id, n)


def test_tier1_share_brings_confusable_neighbours() -> None:
    # a long context: a short one is mostly decoys, the tiers fill what decoys leave
    near = KGMultiHopEnv(context_tokens=32_768, tier1_share=1.0, unanswerable_rate=0.0)
    far = KGMultiHopEnv(context_tokens=32_768, tier1_share=0.0, unanswerable_rate=0.0)

    def confusers(env: KGMultiHopEnv, seed: int) -> int:
        """Distractors that share a relation and its target with a chain entity or the
        answer (neighbours of the chain's entities): the confusable kind."""
        env.reset(seed=seed)
        world = env.task_source.world_of(env.task)
        gold = set(env.task["doc_entities"][int(d[1:]) - 1] for d in env.task["evidence"])
        names = [n for c in env.task["chain"] for n in c] + [env.task["answer"]]
        chain = {world.names.index(n) for n in names}
        shared = {(r, t) for e in chain for r, tails in world.out[e].items() for t in tails}
        return sum(any((r, t) in shared for r, tails in world.out[e].items() for t in tails)
                   for e in env.task["doc_entities"] if e not in gold)
    seeds = range(4)
    assert sum(confusers(near, s) for s in seeds) > 3 * sum(confusers(far, s) for s in seeds)


def test_custom_tokenizers() -> None:
    class WordTokenizer:
        name_or_path = "words"

        def encode(self, text: str, add_special_tokens: bool = False) -> list[str]:
            return text.split()

    for tokenizer in (WordTokenizer(), lambda text: len(text) // 4):
        env = KGMultiHopEnv(context_tokens=2000, tokenizer=tokenizer)
        obs, _ = env.reset(seed=0)
        counted = (len(obs.split()) if isinstance(tokenizer, WordTokenizer)
                   else len(obs) // 4)
        assert 2000 <= counted <= 2600


def test_too_long_for_the_world_says_what_to_do() -> None:
    env = KGMultiHopEnv(context_tokens=2_000_000, world_size=500)
    with pytest.raises(ValueError, match="world_size"):
        env.reset(seed=0)


def test_a_comparison_answer_is_not_the_extreme_of_its_context() -> None:
    """Twelve same-type peers with the attribute join every comparison context, a uniform
    number of them beating the answer: picking the most extreme value in the context (or
    any fixed rank) wins about 1 comparison in 13, not the 1 in 3 of a context with few
    entities of the asked type."""
    env = KGMultiHopEnv(template_weights={"comparison": 1.0}, unanswerable_rate=0.0,
                        context_tokens=8192)
    ranks = []
    for seed in range(60):
        env.reset(seed=seed, options={"difficulty": 1 + seed % 5})
        world = env.task_source.world_of(env.task)
        answer = world.names.index(env.task["answer"])
        spec, value = world.attribute(answer)
        values = [world.attribute(e) for e in env.task["doc_entities"]]
        beats = [v for v in values if v is not None and v[0] == spec and v[1] != value
                 and (v[1] > value) == spec.higher_wins]
        ranks.append(len(beats))
    assert ranks.count(0) <= 0.2 * len(ranks)
    assert max(ranks.count(r) for r in set(ranks)) <= 0.25 * len(ranks)
    assert len(set(ranks)) >= 8


def _facts(world, task):  # noqa: ANN001, ANN202 - a test helper
    """(head, relation, tail) of every fact the task's documents state (with the facts
    some of them state instead of their own: `doc_facts`)."""
    changed = {e: (r, t) for e, r, t in task.get("doc_facts") or ()}
    found = []
    for h in task["doc_entities"]:
        facts = dict(world.out[h])
        if h in changed:
            facts[changed[h][0]] = [changed[h][1]]
        found += [(h, r, t) for r, tails in facts.items() for t in tails]
    return found


def test_where_a_gold_document_sits_says_nothing_about_the_others() -> None:
    """The red team's shortcut: find the document titled with the question's entity and
    answer the outer relation's target in the nearest document that states it (0.42
    mean reward when the gold documents sat in one block). Now every document takes a
    uniformly random place: the nearest such document is the gold one about as often as
    a uniform pick among them is."""
    env = KGMultiHopEnv(template_weights={"composition": 1.0}, unanswerable_rate=0.0)
    nearest_is_gold, uniform = [], []
    for seed in range(150):
        env.reset(seed=seed, options={"difficulty": 1 + seed % 5})
        world = env.task_source.world_of(env.task)
        order = env.task["doc_entities"]
        where = {e: i for i, e in enumerate(order)}
        chain = [world.names.index(n) for n in env.task["chain"][0]]
        answer = world.names.index(env.task["answer"])
        outer = next(r for r, tails in world.out[chain[-1]].items() if answer in tails)
        stating = [e for e in order if outer in world.out[e] and e != chain[0]]
        nearest = min(stating, key=lambda e: (abs(where[e] - where[chain[0]]), where[e]))
        nearest_is_gold.append(nearest == chain[-1])
        uniform.append(1 / len(stating))
    assert sum(nearest_is_gold) / 150 <= sum(uniform) / 150 + 0.05


def test_a_guess_from_the_relation_alone_has_many_candidates() -> None:
    """Decoys state the question's relations: the outer relation's targets in the context
    (what a guess from the relation picks among) are many, and `guess_candidates` counts
    them."""
    for tokens, least in ((2048, 5), (32_768, 50)):
        env = KGMultiHopEnv(context_tokens=tokens, template_weights={"composition": 1.0},
                            unanswerable_rate=0.0)
        counts = []
        for seed in range(4):
            env.reset(seed=seed, options={"difficulty": 2})
            world = env.task_source.world_of(env.task)
            last = world.names.index(env.task["chain"][0][-1])
            answer = world.names.index(env.task["answer"])
            outer = next(r for r, tails in world.out[last].items() if answer in tails)
            targets = {t for _, r, t in _facts(world, env.task) if r == outer}
            assert answer in targets and env.task["guess_candidates"] == len(targets)
            counts.append(len(targets))
        assert min(counts) >= least, counts


def test_the_answer_and_the_missing_entity_are_named_once() -> None:
    """No distractor names the answer or the missing entity: only the chain's document
    does, as most names without a document are named once (more mentions would single
    them out)."""
    env = KGMultiHopEnv(template_weights={"composition": 1.0}, unanswerable_rate=0.5,
                        context_tokens=8192)
    for seed in range(8):
        env.reset(seed=seed, options={"difficulty": 3})
        world = env.task_source.world_of(env.task)
        name = env.task["answer"] if env.task["answerable"] else env.task["removed"]
        entity = world.names.index(name)
        heads = [h for h, _, t in _facts(world, env.task) if t == entity]
        assert len(heads) == 1 and entity not in env.task["doc_entities"]


def test_search_mode_refuses_an_evidence_depth() -> None:
    with pytest.raises(ValueError, match="evidence_depth"):
        KGMultiHopEnv(mode="search", evidence_depth=0.5)
