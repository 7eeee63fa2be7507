"""The reward of rlvr/ToolUse-v0: final state against the gold state, typed facts in the
answers, and penalties for invalid, unrequested, excess and late calls.

    w_state = 0.5 if the gold solver writes anything, else 0
    state   = w_state * [final world state == gold world state]
    answer  = (1 - w_state) * (facts stated correctly / facts required)
              (irrelevance: (1 - w_state) * [no tool called and the answer declines])
    invalid_call_penalty = -0.1 per call that failed (unreadable, unknown tool, bad
                           arguments, tool error, not run), at most -0.3
    extra_write_penalty  = -0.5 per successful write beyond the gold solver's count
    excess_call_penalty  = -0.1 per call beyond 2 * gold calls + 2
    late_call_penalty    = -0.1 per call made after the segment's goal was already reached
    off_task_penalty     = -0.25 per distinct tool called that the gold solver never uses,
                           beyond the first (one alternative route is free)
    hedge_penalty        = -(state + answer) if any answer hedged (gave another candidate
                           value for a slot, facts.py): a hedge earns nothing
    reward = state + answer + penalties, penalties scaled down so that reward >= 0

A segment's facts count only if the agent called (successfully, in that segment) every tool
the gold solver used there, and only where the agent's successful calls before the answer
back each of them (the fact's `evidence`, evidence.py: a result that returned the value, or
the inputs it is computed from, about the asked entity), so answers without tool calls, or
after calls about something else, earn nothing. `passed` means: gold
state, every fact, no extra writes, no excess calls, no late calls, no off-task penalty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.tools import ToolCall
from ...core.verdict import Verdict
from .facts import abstains, check_facts, has_token, numbers_in
from .worlds import World

W_STATE = 0.5
INVALID_CALL = 0.1
INVALID_CAP = 0.3
EXTRA_WRITE = 0.5
EXCESS_CALL = 0.1
LATE_CALL = 0.1
OFF_TASK = 0.25


def call_key(name: str, arguments: Mapping[str, Any]) -> str:
    import json
    return name + json.dumps(arguments, sort_keys=True, default=str)


@dataclass
class GoldRun:
    """The gold solver replayed on a fresh world: the state after each segment."""

    snapshots: list[dict[str, Any]]
    tools: list[set[str]]  # tools the gold used, per segment
    reads: list[set[str]]  # call keys of the gold's read calls, per segment
    calls: int
    writes: int


def replay_gold(task: Mapping[str, Any]) -> GoldRun:
    world = World(task["world"]["seed"])
    snapshots, tools, reads = [], [], []
    calls = writes = 0
    for seg in task["gold"]["segments"]:
        used: set[str] = set()
        seg_reads: set[str] = set()
        for step in seg["steps"]:
            for c in step.get("calls", ()):
                result = world.execute(ToolCall("gold", c["name"], dict(c["arguments"])))
                if not result.ok:
                    raise ValueError(f"task {task.get('id')}: gold call {c['name']} fails: "
                                     f"{result.content}")
                used.add(c["name"])
                calls += 1
                if c["name"] in world.writes:
                    writes += 1
                else:
                    seg_reads.add(call_key(c["name"], c["arguments"]))
        snapshots.append(world.snapshot())
        tools.append(used)
        reads.append(seg_reads)
    return GoldRun(snapshots, tools, reads, calls, writes)


@dataclass
class EpisodeLog:
    """What the agent did, as the env saw it."""

    calls: list[dict[str, Any]] = field(default_factory=list)  # segment, name, status, ...
    unreadable: int = 0
    answers: list[str] = field(default_factory=list)
    results: list[tuple[str, dict[str, Any], Any]] = field(default_factory=list)  # ok calls
    result_segments: list[int] = field(default_factory=list)  # the segment of each result

    def ok_tools(self, segment: int) -> set[str]:
        return {c["name"] for c in self.calls if c["segment"] == segment and c["ok"]}

    def context(self, keys: set[str] | None = None) -> list[tuple[dict[str, Any], Any]]:
        """(arguments, result) of the successful calls, only those whose `call_key` is in
        `keys` if given."""
        return [(args, value) for name, args, value in self.results
                if keys is None or call_key(name, args) in keys]

    def calls_until(self, segment: int) -> list[tuple[str, dict[str, Any], Any]]:
        """The successful calls made before the answer to `segment` (in it or earlier)."""
        return [r for r, k in zip(self.results, self.result_segments) if k <= segment]


def explained_numbers(segments: Sequence[Mapping[str, Any]]) -> list[float]:
    """Numbers an answer may mention freely: the user's, and the ones the gold solver passed
    to tools (intermediate values: a converted amount, a temperature before conversion)."""
    out = numbers_in(user_texts(segments))
    for seg in segments:
        for step in seg["steps"]:
            for c in step.get("calls", ()):
                out += [float(v) for v in c["arguments"].values()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return out


def user_texts(segments: Sequence[Mapping[str, Any]]) -> str:
    return "\n".join(str(s.get("user") or "") + "\n" + str(s.get("reply") or "")
                     for s in segments)


def score_episode(task: Mapping[str, Any], gold: GoldRun, log: EpisodeLog,
                  final_state: Mapping[str, Any]) -> Verdict:
    segments = task["gold"]["segments"]
    w_state = W_STATE if gold.writes else 0.0
    state_ok = final_state == gold.snapshots[-1]
    said = user_texts(segments)
    all_facts = [f for s in segments for f in s["facts"]]
    allowed_numbers = explained_numbers(segments)
    # numbers an answer may attribute to other fields: only from the calls the task needs,
    # so a dump of a whole table ("SELECT * FROM employees") excuses nothing
    context = log.context({call_key(c["name"], c["arguments"]) for seg in segments
                           for step in seg["steps"] for c in step.get("calls", ())})
    allowed_tokens = [str(f["value"]) for f in all_facts if f["kind"] == "token"]
    allowed_tokens += [c for f in all_facts if f["kind"] == "token"
                       for c in f["conflicts"] if has_token(said, c)]
    reasons: list[str] = []
    n_facts = ok_facts = 0
    abstain_ok = True
    hedged = False
    for k, seg in enumerate(segments):
        answer = log.answers[k] if k < len(log.answers) else ""
        if seg.get("abstain"):
            n_facts += 1
            if log.calls or log.unreadable:
                reasons.append("called a tool although no tool fits the request")
                abstain_ok = False
            elif not abstains(answer):
                reasons.append("did not say that the request cannot be done")
                abstain_ok = False
            else:
                ok_facts += 1
            continue
        n_facts += len(seg["facts"])
        missing_tools = gold.tools[k] - log.ok_tools(k)
        if k >= len(log.answers):
            reasons.append(f"no final answer to request {k + 1}")
            continue
        if missing_tools:
            reasons.append(f"request {k + 1}: answered without calling "
                           f"{', '.join(sorted(missing_tools))}")
            continue
        for _fact, ok, why in check_facts(answer, seg["facts"], allowed_numbers,
                                          allowed_tokens, context, log.calls_until(k)):
            ok_facts += ok
            hedged = hedged or why.endswith("hedged")
            if not ok:
                reasons.append(why)
    facts_ok = ok_facts == n_facts and abstain_ok
    n_calls = len(log.calls) + log.unreadable
    invalid = sum(not c["ok"] for c in log.calls) + log.unreadable
    writes = sum(c["ok"] and c["write"] for c in log.calls)
    extra_writes = max(0, writes - gold.writes)
    excess = max(0, n_calls - (2 * gold.calls + 2))
    late = sum(c["late"] for c in log.calls)
    gold_tools = set().union(*gold.tools) if gold.tools else set()
    off_task = max(0, len({c["name"] for c in log.calls} - gold_tools) - 1)
    positive = {"state": w_state * state_ok,
                "answer": (1 - w_state) * (ok_facts / n_facts if n_facts else 0.0)}
    penalties = {"invalid_call_penalty": -min(INVALID_CAP, INVALID_CALL * invalid),
                 "extra_write_penalty": -EXTRA_WRITE * extra_writes,
                 "excess_call_penalty": -EXCESS_CALL * excess,
                 "late_call_penalty": -LATE_CALL * late,
                 "off_task_penalty": -OFF_TASK * off_task}
    gain = sum(positive.values())
    penalties["hedge_penalty"] = -gain if hedged else 0.0
    loss = -sum(penalties.values())
    if loss > gain:  # never below zero: scale the penalties down to the gain
        penalties = {k: v * gain / loss for k, v in penalties.items()}
    breakdown = {**positive, **penalties}
    reward = max(0.0, sum(breakdown.values()))  # no -0.0 or -1e-17 from the scaling
    if not state_ok:
        reasons.insert(0, "the final state differs from the gold state")
    if extra_writes:
        reasons.append(f"{extra_writes} write(s) the task did not ask for")
    if excess:
        reasons.append(f"{excess} call(s) over the budget of {2 * gold.calls + 2}")
    if late:
        reasons.append(f"{late} call(s) after the goal was reached")
    if off_task:
        reasons.append(f"{off_task + 1} tools called that the task does not need")
    if invalid:
        reasons.append(f"{invalid} invalid call(s)")
    passed = state_ok and facts_ok and not (extra_writes or excess or late or off_task)
    reason = "correct" if passed and not reasons else "; ".join(reasons)
    return Verdict(passed, reward, reason, breakdown,
                   {"facts_ok": ok_facts, "facts": n_facts, "calls": n_calls,
                    "invalid_calls": invalid, "writes": writes, "gold_calls": gold.calls,
                    "gold_writes": gold.writes})
