"""rlvr/KGMultiHop-v0: long-context multi-hop questions from knowledge-graph walks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from ...core import (
    MultiTurnTextEnv,
    Task,
    TaskSource,
    ToolCall,
    ToolEnvMixin,
    ToolError,
    ToolRegistry,
    Turn,
    Verdict,
    tool,
)
from .context import doc_block, render_documents
from .documents import document
from .levels import KGOptions
from .reward import EVIDENCE_WEIGHT, grade_kg_answer, has_answer
from .search_index import BM25Index, best_snippet
from .task_source import KGTaskSource

MODES = ("context", "search")
# chance_level of the default configuration (context_tokens=2048, levels 1..5 drawn
# uniformly): `estimate_chance_level()` over 400 tasks gives it; a test keeps them together
DEFAULT_CHANCE_LEVEL = 0.097
CHANCE_TASKS = 100  # tasks an instance's chance_level is estimated from (on first use)
CHANCE_SEED = 7_000_000
_SHOWN_ID = re.compile(r"^\[(D\d+)\]", re.MULTILINE)
ANSWER_FORMAT = (
    "End your reply with your final answer on its own line, `Answer: <entity name>` (exactly "
    "one entity), followed by a line `Evidence: [D3], [D17]` citing the documents you used. "
    "If a document the question needs is not in the collection, write `Answer: unanswerable` "
    "and a line `Missing: <entity name>` naming the entity whose document you needed but "
    "could not find, then the Evidence line.")


def final_answer(task: Mapping[str, Any]) -> str:
    """The gold final message of a task: its answer (or abstention with the missing
    entity) and its evidence."""
    lines = [f"Answer: {task['answer']}"]
    if not task.get("answerable", True) and task.get("removed"):
        lines.append(f"Missing: {task['removed']}")
    lines.append("Evidence: " + ", ".join(f"[{d}]" for d in task.get("evidence") or ()))
    return "\n".join(lines)


class ChanceLevel:
    """`chance_level` as a descriptor: on the class, the default configuration's value; on
    an instance, its own configuration's (`estimate_chance_level`, computed on first use):
    a short context holds few candidates for a guess, a long one many."""

    def __get__(self, env: Any, owner: type) -> float:
        if env is None:
            return DEFAULT_CHANCE_LEVEL
        if env._chance_level is None:
            env._chance_level = env.estimate_chance_level()
        return env._chance_level


class KGMultiHopEnv(ToolEnvMixin, MultiTurnTextEnv):
    """Multi-hop questions over a knowledge graph, answered from a long context or by search.

    ## Description
    A seeded generator builds a fictional world (people, organisations, cities, regions,
    countries, products, events; typed relations such as born_in, works_for, founded_by,
    acquired_by, made_by; aliases; invented names, dealt out afresh for every task so that
    facts learnt by name do not carry over), or the env loads your own triples (`triples=`). Each task is a question from random walks of
    2 to 8 hops (composition, comparison or intersection), checked to have a unique answer
    that no single document gives and that no walk reaches with a hop dropped; or its
    unanswerable variant (one needed document removed). Every entity has one prose document
    stating its own facts; the context holds the gold documents, decoys (documents that state
    the question's relations and are named by another document, as the gold ones are) and
    tiered distractors (tier 1: confusable neighbours of the chain; tier 2: unrelated),
    filled to `context_tokens` tokens, every document at a uniformly random place. Details
    and schema: docs/envs/kg-multihop.md.

    ## Action Space
    `UnicodeText(max_action_chars)`: the whole assistant message. The final answer is a line
    `Answer: <entity>` (or `Answer: unanswerable` with a line `Missing: <entity>` naming the
    entity whose document is absent) and a line `Evidence: [D3], [D17]`; the forms models
    write are read too (`Final answer:`, `Therefore, the answer is X.`, bold, the value on
    the next line, `\\boxed{X}`, JSON, tables, bullets, a trailing explanation; see
    `response_fields.py` and `answer_values.py`). In search mode, tool calls in the
    env's `tool_format` (Hermes `<tool_call>` by default).

    ## Observation Space
    `UnicodeText` (up to 4,000,000 characters). Context mode: instructions, every document
    (`[D7] Title` then its text) and the question. Search mode: the question and the number
    of documents; then tool results (`search`: ids, titles and snippets; `open`: one
    document). A reply without an `Answer:` line while turns remain gets a reminder.

    ## Rewards
    On the final step, `reward = 0.7 * outcome + 0.3 * outcome * F1 * [precision >= 0.5]`:
    outcome is alias-aware normalized exact match of the single answer given (several
    different answers, or a list of candidates, earn 0); for an unanswerable question the
    answer must be an abstention and a `Missing:` line must name the entity whose document
    is absent (a bare "unanswerable" earns 0, so always abstaining is worth nothing); F1,
    precision and recall are those of the cited document ids against the gold evidence.
    `chance_level`: a guess among the candidates the question's relation leaves in the
    context (0.097 at the default 2048 tokens, 0.03 at 8k; an instance estimates its own
    with `estimate_chance_level`). `reward_breakdown = {"outcome", "evidence"}`. `passed` means
    a right answer with evidence F1 >= 0.5 and precision >= 0.5. Other steps give 0.

    ## Starting State
    `reset(seed=s)` draws a task (a template by `template_weights`, a level by `difficulty`
    or the curriculum); `options={"task_id": "composition/d3/0/17"}` rebuilds one task;
    `options={"task": record}` plays a record with its own `documents` (schema in the docs).

    ## Episode End
    Terminated by a reply with an `Answer:` line (or by any reply on the last turn);
    truncated when the turn limit is reached during tool calls (search mode).

    ## Arguments
    | kwarg | type | default | meaning |
    |---|---|---|---|
    | `mode` | "context" / "search" | "context" | documents in the prompt, or tools |
    | `context_tokens` | int / None | 2048 | document tokens per episode (None: by level, 1k..128k) |
    | `hops` | int / None | None | hops per question, 2..8 (None: by level) |
    | `tier1_share` | float / None | None | share of tier-1 distractors (None: by level) |
    | `evidence_depth` | float / None | None | put the evidence at this depth, 0..1 (None: anywhere) |
    | `alias_rate` | float / None | None | probability of alias use in docs and question |
    | `unanswerable_rate` | float / None | None | share of unanswerable questions |
    | `template_weights` | dict / None | 0.6/0.2/0.2 | composition, comparison, intersection |
    | `triples` | path / None | None | your graph (.tsv or .jsonl) instead of a generated world |
    | `world_size` | int | 4000 | entities of a generated world (one per `task_seed`) |
    | `rename_entities` | bool | True | deal a generated world's names out afresh per task |
    | `tokenizer` | None / callable / HF tokenizer | None | token counter (None: regex) |
    | `evidence_weight` | float | 0.3 | weight of the evidence F1 in the reward |
    | `search_results` | int | 5 | default hits per `search` call |
    | `tool_format` | str | "hermes" | tool-call format (search mode) |
    | `task_seed`, `difficulty`, `curriculum`, `tasks`, `max_turns` (1 context, 12 search), `max_action_chars`, `system_prompt` | | | as in every rlvr env |

    ## Verification
    `rlvr_envs.envs.kg.reward.grade_kg_answer(task, response)`, rule-based. Checked: every
    answer names the gold entity (normalized name or alias; a value that lists or hedges
    between candidates names none; aliases that could name two entities are dropped when
    the world is built); for unanswerable questions an abstention plus the missing entity;
    cited ids against the recorded gold evidence. Task-independent strategies
    (`strategies.py`, `shortcuts.py`; `hack_strategies()` gives them to `rlvr audit
    --hacks`) earn no more than `chance_level` + 0.02 (an answer read from one link of the
    chain, `relation-linked`: 0.095 against 0.093 for a guess among all the relation's
    targets, since every candidate document is named through the previous relation:
    `links.py`). Not checked: the reasoning itself (a right guess between the two
    compared entities after following both walks is paid).

    ## Vectorized environment
    `gym.make_vec("rlvr/KGMultiHop-v0", num_envs=n, vectorization_mode="sync")`. Worlds are
    cached per process, so async vector envs build each world once per worker.

    ## Version History
    * v0: initial release. Abstentions name the missing entity; answers drawn uniformly;
      comparison contexts hold same-type peers; answer fields read as models write them;
      documents at uniformly random places with decoys; names dealt out per task.
    """

    domain = "kg"
    # a guess among the candidates the question's relation leaves in the context: the mean
    # of 1/(candidates) over tasks (see estimate_chance_level)
    chance_level = ChanceLevel()  # type: ignore[assignment]
    default_system_prompt = ("You answer questions that need several facts chained "
                             "together. Reason carefully, then give one final answer.")

    def __init__(self, *, mode: Literal["context", "search"] = "context",
                 context_tokens: int | None = 2048, hops: int | None = None,
                 tier1_share: float | None = None, evidence_depth: float | None = None,
                 alias_rate: float | None = None, unanswerable_rate: float | None = None,
                 template_weights: Mapping[str, float] | None = None, triples: Any = None,
                 world_size: int = 4000, tokenizer: Any = None,
                 evidence_weight: float = EVIDENCE_WEIGHT, search_results: int = 5,
                 rename_entities: bool = True, **kwargs: Any) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not 0.0 <= evidence_weight < 1.0:
            raise ValueError(f"evidence_weight must be in [0, 1), got {evidence_weight}")
        if not 1 <= search_results <= 20:
            raise ValueError(f"search_results must be in 1..20, got {search_results}")
        if mode == "search" and evidence_depth is not None:
            # ids follow the document order: a depth would put the gold ids in one block
            raise ValueError("evidence_depth places documents in the prompt (context mode); "
                             "in search mode it would cluster the gold ids: leave it None")
        self.mode = mode
        self.options = KGOptions(context_tokens, hops, tier1_share, evidence_depth, alias_rate,
                                 unanswerable_rate)
        self.options.validate()
        self.template_weights = template_weights
        self.world_size = int(world_size)
        self.tokenizer = tokenizer
        self.evidence_weight = float(evidence_weight)
        self.search_results = int(search_results)
        self.rename_entities = bool(rename_entities)
        self.fixed_world = None
        if triples is not None:
            from .loader import load_triples
            self.fixed_world = load_triples(triples)
        kwargs.setdefault("max_turns", 1 if mode == "context" else 12)
        self._chance_level: float | None = None
        self._docs: list[tuple[str, str, str]] = []
        self._position: dict[str, int] = {}
        self._index_info: BM25Index | None = None
        super().__init__(**kwargs)

    # ---- tasks ----------------------------------------------------------------------

    def make_task_source(self, seed: int) -> TaskSource:
        return KGTaskSource(seed=seed, options=self.options, tokenizer=self.tokenizer,
                            world=self.fixed_world, world_size=self.world_size,
                            template_weights=self.template_weights,
                            rename=self.rename_entities)

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        from .records import normalize_kg_record
        return normalize_kg_record(record)

    def start_episode(self, task: Task) -> None:
        if task.get("documents") is not None:
            self._docs = [(d["id"], d["title"], d["text"]) for d in task["documents"]]
        else:
            world = self.task_source.world_of(task)
            alias = bool(task["alias_docs"])
            facts = {int(e): (str(r), int(t)) for e, r, t in task.get("doc_facts") or ()}
            self._docs = [(f"D{i + 1}", world.names[e],
                           document(world, e, alias=alias, override=facts.get(e)))
                          for i, e in enumerate(task["doc_entities"])]
        self._position = {doc_id: i for i, (doc_id, _, _) in enumerate(self._docs)}
        self._index_info = None
        self._surfaced: set[str] = set()  # doc ids a search hit or an `open` showed

    def initial_observation(self, task: Task) -> str:
        question = f"Question: {task['question']}"
        if self.mode == "context":
            return (f"Answer the question from the documents below. Each document describes "
                    f"one entity; follow the facts from document to document.\n\n"
                    f"<documents>\n{render_documents(self._docs)}\n</documents>\n\n"
                    f"{question}\n\n{ANSWER_FORMAT}")
        return (f"Answer the question by searching a collection of {len(self._docs)} "
                f"documents (ids D1 to D{len(self._docs)}), each describing one entity. Use "
                f"`search` to find documents and `open` to read one.\n\n{question}\n\n"
                f"{ANSWER_FORMAT}\n\n{self.tool_instructions()}")

    def make_tools(self, task: Task) -> ToolRegistry:
        return ToolRegistry.from_object(self) if self.mode == "search" else ToolRegistry()

    # ---- tools (search mode) --------------------------------------------------------

    @tool
    def search(self, query: str, k: int | None = None) -> str:
        """Search the documents (BM25); returns ids, titles and a snippet of the best hits.

        Args:
            query: Keywords, for example an entity's name.
            k: How many hits to return (1 to 20; default 5).
        """
        if not query.strip():
            raise ToolError("the query is empty; search for a name or keywords")
        k = self.search_results if k is None else k
        if not 1 <= k <= 20:
            raise ToolError(f"k must be between 1 and 20, got {k}")
        hits = self._episode_index().search(query, k)
        if not hits:
            return f"no documents match {query[:80]!r}"
        lines = []
        for i, _ in hits:
            doc_id, title, text = self._docs[i]
            lines.append(f"[{doc_id}] {title}: {best_snippet(text, query)}")
        return "\n".join(lines)

    @tool
    def open(self, doc_id: str) -> str:
        """Read one document in full.

        Args:
            doc_id: The document's id, for example "D12".
        """
        key = doc_id.strip().strip("[]").upper()
        if key.isdigit():
            key = f"D{int(key)}"
        position = self._position.get(key)
        if position is None:
            raise ToolError(f"no document {doc_id[:40]!r}; ids run from D1 to "
                            f"D{len(self._docs)}")
        return doc_block(*self._docs[position])

    def _episode_index(self) -> BM25Index:
        """The BM25 index over this episode's documents (built on the first search; the
        names of a generated world change with every episode, so no index is shared)."""
        if self._index_info is None:
            self._index_info = BM25Index([f"{t}\n{x}" for _, t, x in self._docs])
        return self._index_info

    # ---- turns ----------------------------------------------------------------------

    def respond(self, action: str) -> Turn:
        if self.mode == "search":
            tool_round = self.run_tool_calls(action)
            if tool_round.has_tool_calls:
                for result in tool_round.results:
                    if result.ok:
                        self._surfaced |= set(_SHOWN_ID.findall(result.content))
                return tool_round.to_turn()
        if not has_answer(action) and self.turn < self.max_turns:
            return Turn("Your reply has no `Answer:` line. " + ANSWER_FORMAT)
        verdict = grade_kg_answer(self.task, action, evidence_weight=self.evidence_weight)
        evidence = set(self.task.get("evidence") or ())
        if (self.mode == "search" and evidence and verdict.reward > 0
                and not evidence & self._surfaced):
            # answering in search mode without any search that showed a gold evidence
            # document is a guess from the question (a comparison question is a coin flip)
            verdict = Verdict(False, 0.0, "answered without a search or open that showed "
                              "any evidence document (a guess)",
                              {"outcome": 0.0, "evidence": 0.0},
                              {**verdict.details, "ungated_reward": verdict.reward})
        return Turn(f"Episode over: {verdict.reason}.", terminated=True, verdict=verdict)

    def on_turn_limit(self) -> Verdict:
        return Verdict(False, 0.0, f"turn limit of {self.max_turns} reached without an answer",
                       {"outcome": 0.0, "evidence": 0.0})

    def oracle_action(self) -> str:
        """The gold solver: in search mode it searches the evidence titles, opens the
        evidence documents, then answers; in context mode it answers at once."""
        assert self.task is not None, "call reset() first"
        evidence = list(self.task["evidence"])
        answer = final_answer(self.task)
        if self.mode == "context" or not evidence or self.turn >= self.max_turns - 1:
            return answer
        titles = [self._docs[self._position[d]][1] for d in evidence]
        if self.turn == 0:
            calls = [ToolCall("", "search", {"query": t}) for t in titles]
            return self.tool_format.render(calls[: self.max_tool_calls], "Searching.")
        if self.turn == 1:
            calls = [ToolCall("", "open", {"doc_id": d}) for d in evidence]
            return self.tool_format.render(calls[: self.max_tool_calls], "Reading.")
        return answer

    def estimate_chance_level(self, tasks: int = CHANCE_TASKS) -> float:
        """The mean reward of the best guess that reads only the question's relation or
        asked type: over `tasks` tasks of this configuration (the env's difficulty, or
        levels 1..5 in turn), the mean of 1/`guess_candidates` on the answerable ones (a
        guess among the outer relation's targets, the entities with the compared attribute,
        or of the asked type) or on the unanswerable ones (a guess of the missing entity
        among the relation's targets without a document), whichever is larger. A right
        guess is counted as 1.0. Records (`tasks=`) have no candidates counted: 0.0."""
        import numpy as np
        source = self.task_source
        if not isinstance(source, KGTaskSource):
            return 0.0
        levels = [self.difficulty] if self.difficulty is not None else list(
            source.difficulties)
        answer = abstain = 0.0
        for k in range(tasks):
            task = source.sample(np.random.default_rng(CHANCE_SEED + k), levels[k % len(levels)])
            hit = 1.0 / max(1, int(task["guess_candidates"]))
            if task["answerable"]:
                answer += hit
            else:
                abstain += hit
        return round(max(answer, abstain) / max(1, tasks), 3)

    def hack_strategies(self) -> list[Any]:
        """The KG strategy library (`strategies.py`, `shortcuts.py`) for `rlvr audit
        --hacks`: constants, abstentions naming guessed entities, titles and names seen,
        BM25 guesses, extreme numbers, and the shortcuts that answer from the question's
        relations without following the chain from its entity."""
        from .strategies import hack_strategies
        return hack_strategies()

    def answer_perturbations(self, text: str) -> dict[str, str | None]:
        """The gold final message re-expressed as models write it (`phrasings.py`), for the
        audit's perturbation suite: every one must keep the reward of `text`."""
        from .phrasings import perturbations_of
        assert self.task is not None, "call reset() first"
        return perturbations_of(self.task, text, self.task_source.world_of(self.task)
                                if self.task.get("documents") is None else None)

    @staticmethod
    def audit_verdict(case: Mapping[str, Any]) -> Verdict:
        """Replay one audit case: `task_id` (or an inline `task`), `mode`, optional
        `env_kwargs`, and scripted `actions`; the verdict of the episode's last step."""
        env = KGMultiHopEnv(mode=case.get("mode", "context"), **dict(case.get("env_kwargs", {})))
        options = ({"task": case["task"]} if case.get("task") is not None
                   else {"task_id": case["task_id"]})
        env.reset(seed=0, options=options)
        for action in case["actions"]:
            _, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                verdict = info["verdict"]
                return Verdict(verdict["passed"], verdict["reward"], verdict["reason"],
                               verdict["reward_breakdown"], verdict["details"])
        return Verdict.fail("the scripted actions ended before the episode did")
