"""rlvr/ToolUse-v0: generated tool worlds with real stateful backends, scored by state diff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from ...core import MultiTurnTextEnv, Task, TaskSource, Turn, Verdict
from ...core.hacks import HackStrategy
from ...core.tool_env import ToolEnvMixin
from ...core.tools import ToolCall, ToolRegistry
from .bfcl import gold_calls, is_bfcl_record, normalize_bfcl
from .bfcl_match import score_bfcl
from .normalize import answer_text
from .phrasings import rephrasings
from .reward import (
    EpisodeLog,
    GoldRun,
    call_key,
    explained_numbers,
    replay_gold,
    score_episode,
)
from .tasks import CATEGORIES, make_tooluse_source
from .worlds import World

SYSTEM_PROMPT = (
    "You are a careful assistant with tools. Use the tools to look things up and to make "
    "exactly the changes the user asks for, nothing more. When you are done, reply without "
    "any tool call: that message is your final answer. State the requested values plainly "
    "(ids exactly as the tools give them) and do not list alternative candidates: hedged "
    "answers are scored as wrong. If information you need is missing, ask the user (a "
    "question ending with '?') instead of guessing. If no tool can do what is asked, call no "
    "tool and say that you cannot do it.")


class ToolUseEnv(ToolEnvMixin, MultiTurnTextEnv):
    """Tool use in generated worlds whose backends (a SQLite database, files, a calendar,
    bank accounts, converters, lookups) are real, deterministic and owned by the env.

    ## Description
    Each episode is one task in one world built from a seed: a user request the agent
    serves by calling tools. Categories follow BFCL's axes: `simple`, `multiple` (choose
    among many tools), `parallel`, `parallel_multiple`, `irrelevance` (no tool fits: call
    none and say so), `missing_info` (ask the user; the env answers as the user),
    `multi_turn` (a follow-up changes the goal), `chain` (one call's output feeds the next,
    2-4 calls) and `long_tools` (all 18 world tools plus decoys). Every task has a gold
    solver whose calls ran on the real backends. BFCL single-turn records load too
    (`tasks=load_bfcl(questions, answers)`, Python, Java and JavaScript, `live_relevance`
    included), scored by checking each call against its function's definition and matching
    the calls against the possible answers. Tools: docs/envs/tooluse.md.

    ## Action Space
    `UnicodeText(max_action_chars)`: the assistant message, tool calls written in the
    `tool_format` (Hermes `<tool_call>` blocks by default, `openai_json`, `pythonic`,
    `mistral`). Text after the last `</think>` of a message without calls is the answer.

    ## Observation Space
    `UnicodeText`: the request on reset; then the tool results (`<tool_response>` blocks,
    errors included), the user's reply to a question, or the user's follow-up request.
    `info["messages"]` has the same as OpenAI chat messages (`role: "tool"` with call ids),
    `info["tools"]` the offered tools' schemas.

    ## Rewards
    On the final step (0 before), `rlvr_envs.envs.tooluse.reward`:
    `state` (0.5 if the gold solver writes and the final state equals the gold state),
    `answer` (the rest of 1.0, times the fraction of required facts stated, each checked by
    type, hedges failing), minus `invalid_call_penalty` (0.1 per failed call, at most 0.3),
    `extra_write_penalty` (0.5 per write beyond the gold's), `excess_call_penalty` (0.1 per
    call beyond 2 x gold + 2), `late_call_penalty` (0.1 per call after the goal was
    reached), `off_task_penalty` (0.25 per distinct unneeded tool called, after the first)
    and `hedge_penalty` (everything, when an answer gives another candidate value for a
    slot), never below 0. BFCL tasks: `calls` = 1 if every call fits its definition and
    the calls match a possible answer, else 0. `chance_level`: 1/9 for the default mix (a
    constant refusal solves the irrelevance tasks), recomputed per instance.

    ## Starting State
    `reset(seed=s)` draws a task (`options={"task_id": id}` replays one, e.g.
    `"chain/d3/0/17"`; `{"difficulty": d}` draws at level d; `{"task": {...}}` plays a
    record) and builds its world from the task's world seed.

    ## Episode End
    Terminated by a message without tool calls: the final answer (for `multi_turn`, the
    answer to the last request; in `missing_info`, a message with a `?` before the missing
    value was given is a question and gets the user's reply). BFCL tasks end after the
    first message. Truncated at `max_turns` (default 12), scored as it stands.

    ## Arguments
    | kwarg | type | default | meaning |
    |---|---|---|---|
    | `tool_format` | str | "hermes" | `hermes`, `openai_json`, `pythonic`, `mistral` |
    | `max_tool_calls` | int | 16 | calls run per message; the rest are answered "not run" |
    | `categories` | list[str] | None | procedural categories to draw from (None: all 9) |
    | `category_weights` | dict[str, float] | None | sampling weights of categories |
    | `tasks` | list / path / Dataset | None | task records (ToolUse tasks or `load_bfcl` output) |
    | `task_seed` | int | 0 | seed of the procedural generators |
    | `difficulty` | int | None | fixed level 1..5 (None: any, or the curriculum's) |
    | `curriculum` | AdaptiveCurriculum / bool | None | adaptive difficulty |
    | `max_turns` | int | 12 | assistant messages per episode |
    | `system_prompt` | str | see `SYSTEM_PROMPT` | system message, followed by the format's instructions ("" for none) |
    | `max_action_chars` | int | 32768 | longest accepted message |

    ## Verification
    Final world state (bank balances and transactions, database rows, files, calendar) is
    compared for equality with the gold solver's; facts are matched in the answer by type
    (numbers with tolerance and unit as models write them, ids and names as whole tokens)
    and fail when the answer also gives another candidate for the slot: a declared rival,
    or a number of the slot's kind and magnitude that the tool results do not attribute to
    something else. A fact counts only if the agent called the tools the gold used and one
    of its results of this episode returned the value (or the inputs it was computed from)
    about the asked entity, and only if the answer does not give the value to another
    entity. Irrelevance: no call, a decline, no claim of having done it. Tools never `eval`
    model text; SQL runs under an authorizer that allows only reads, bounded in steps, CPU
    and wall time. Not caught: a guessed database value grounded by an SQL expression that
    computes it; a hedge written in another unit than the slot's; declines in wordings the
    reader does not know. Details: docs/envs/tooluse.md.

    ## Vectorized environment
    `gym.make_vec("rlvr/ToolUse-v0", num_envs=n, vectorization_mode="sync")`; each env owns
    its worlds, so async vector envs work too.

    ## Version History
    * v0: initial release.
    """

    domain = "tooluse"
    default_system_prompt = SYSTEM_PROMPT
    default_max_turns = 12
    # A constant refusal earns 1.0 on irrelevance tasks (1 category of 9 in the default mix)
    # and nothing elsewhere; instances recompute the share for their own categories/tasks.
    chance_level: ClassVar[float] = 1 / len(CATEGORIES)

    def __init__(self, *, categories: Sequence[str] | None = None,
                 category_weights: Mapping[str, float] | None = None, **kwargs: Any) -> None:
        unknown = set(categories or ()) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}; choose from {CATEGORIES}")
        self.categories = list(categories) if categories else None
        self.category_weights = dict(category_weights) if category_weights else None
        custom_prompt = kwargs.get("system_prompt") is not None
        super().__init__(**kwargs)
        if not custom_prompt:
            self.system_prompt = f"{SYSTEM_PROMPT}\n\n{self.tool_instructions()}"
        self.world: World | None = None
        self.chance_level = self._chance_level()  # type: ignore[misc]

    def _chance_level(self) -> float:
        """The best task-independent mean reward for this env's task mix: the share of tasks
        a constant refusal solves (irrelevance), or, for BFCL `live_relevance`, the share a
        constant valid call solves, whichever is larger."""
        tasks = getattr(self.task_source, "tasks", None)
        if tasks is not None:
            abstain = sum(1 for t in tasks if is_abstain_task(t))
            relevance = sum(1 for t in tasks if t.get("bfcl_category") == "live_relevance")
            return max(abstain, relevance) / len(tasks)
        names = self.categories or list(CATEGORIES)
        weights = {n: float((self.category_weights or {}).get(n, 1.0)) for n in names}
        return weights.get("irrelevance", 0.0) / sum(weights.values())

    # ---- tasks -----------------------------------------------------------------------

    def make_task_source(self, seed: int) -> TaskSource:
        return make_tooluse_source(seed, self.categories, self.category_weights)

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        if is_bfcl_record(record):
            return normalize_bfcl(record)
        for key in ("world", "tools", "gold"):
            if key not in record:
                raise ValueError(f"a ToolUse task needs {key!r} (see docs/envs/tooluse.md) "
                                 "or BFCL keys 'question', 'function', 'ground_truth'")
        task = dict(record)
        world = World(int(task["world"]["seed"]))
        missing = [t for t in task["tools"] if t not in world.tools]
        if missing:
            raise ValueError(f"unknown tools {missing}; known: {sorted(world.tools)}")
        task.setdefault("question", task["gold"]["segments"][0]["user"])
        task.setdefault("category", "custom")
        return task

    # ---- episode -----------------------------------------------------------------------

    def start_episode(self, task: Task) -> None:
        self.log = EpisodeLog()
        self.segment = 0
        self.asked = False
        self.goal_reached = False
        self.segment_reads: set[str] = set()
        if task.get("category") == "bfcl":
            self.world, self.gold = None, None
            return
        self.world = World(int(task["world"]["seed"]))
        self.gold: GoldRun | None = replay_gold(task)

    def tool_schemas(self, task: Task) -> list[dict[str, Any]]:
        if task.get("category") == "bfcl":
            self.tools = ToolRegistry()
            return [dict(t) for t in task["tools"]]
        return super().tool_schemas(task)

    def make_tools(self, task: Task) -> ToolRegistry:
        assert self.world is not None
        return self.world.registry(list(task["tools"]))

    def initial_observation(self, task: Task) -> str:
        if task.get("category") == "bfcl":
            return "\n\n".join(str(m.get("content", "")) for m in task["messages"])
        return str(task["gold"]["segments"][0]["user"])

    def respond(self, action: str) -> Turn:
        assert self.task is not None
        if self.task.get("category") == "bfcl":
            parsed = self.tool_format.parse(
                action, turn=self.turn,
                tools=[str(t.get("function", t).get("name", "")) for t in self.task["tools"]])
            verdict = score_bfcl(self.task, parsed.calls, parsed.errors)
            return Turn("The episode is over.", terminated=True, verdict=verdict,
                        assistant_tool_calls=[c.to_openai() for c in parsed.calls] or None,
                        assistant_content=parsed.content)
        tool_round = self.run_tool_calls(action)
        if tool_round.has_tool_calls:
            self._record(tool_round)
            return tool_round.to_turn()
        text = _final_text(tool_round.parsed.content)
        segments = self.task["gold"]["segments"]
        seg = segments[self.segment]
        if seg.get("reply") and not self.asked and "?" in text:
            self.asked = True
            return Turn(str(seg["reply"]))
        self.log.answers.append(text)
        self.segment += 1
        if self.segment < len(segments):
            self.asked, self.goal_reached, self.segment_reads = False, False, set()
            return Turn(str(segments[self.segment]["user"]))
        verdict = self._score()
        return Turn("The episode is over.", terminated=True, verdict=verdict)

    def _record(self, tool_round: Any) -> None:
        assert self.world is not None and self.gold is not None
        for result in tool_round.results:
            self.log.calls.append({"segment": self.segment, "name": result.call.name,
                                   "ok": result.ok, "late": self.goal_reached,
                                   "write": result.call.name in self.world.writes})
            if result.ok:
                self.segment_reads.add(call_key(result.call.name, result.call.arguments))
                self.log.results.append((result.call.name, dict(result.call.arguments),
                                         result.value))
                self.log.result_segments.append(self.segment)
        self.log.unreadable += len(tool_round.errors)
        k = min(self.segment, len(self.gold.snapshots) - 1)
        if (not self.goal_reached and self.gold.reads[k] <= self.segment_reads
                and self.world.snapshot() == self.gold.snapshots[k]):
            self.goal_reached = True

    def _score(self) -> Verdict:
        assert self.task is not None and self.world is not None and self.gold is not None
        return score_episode(self.task, self.gold, self.log, self.world.snapshot())

    def on_turn_limit(self) -> Verdict:
        assert self.task is not None
        if self.task.get("category") == "bfcl":
            return Verdict(False, 0.0, "no answer", {"calls": 0.0})
        verdict = self._score()
        return Verdict(False, verdict.reward, f"turn limit of {self.max_turns} reached; "
                       f"{verdict.reason}", verdict.reward_breakdown, verdict.details)

    # ---- gold solver -------------------------------------------------------------------

    def oracle_action(self) -> str:
        """The gold solver's next message (assuming the episode followed it so far)."""
        assert self.task is not None, "call reset() first"
        if self.task.get("category") == "bfcl":
            return self.tool_format.render(gold_calls(self.task)[0])
        messages: list[str] = []
        for seg in self.task["gold"]["segments"]:
            for step in seg["steps"]:
                if "ask" in step:
                    messages.append(str(step["ask"]))
                else:
                    calls = [ToolCall("", c["name"], dict(c["arguments"])) for c in step["calls"]]
                    messages.append(self.tool_format.render(calls))
            messages.append(str(seg["answer"]))
        return messages[min(self.turn, len(messages) - 1)]

    def answer_perturbations(self, text: str) -> dict[str, str]:
        """`text` (a correct answer to the current request) re-expressed the ways models
        write answers (`phrasings.rephrasings`): each must keep its reward. For the audit's
        out-of-sample perturbation suite; BFCL tasks have no final answer text ({})."""
        if self.task is None or self.task.get("category") == "bfcl":
            return {}
        segments = self.task["gold"]["segments"]
        seg = segments[min(self.segment, len(segments) - 1)]
        return rephrasings(text, seg["facts"], question=str(seg["user"]),
                           context=self.log.context(), allowed=explained_numbers(segments))

    def hack_strategies(self) -> list[HackStrategy]:
        """ToolUse's own task-independent strategies for `rlvr audit --hacks`
        (strategies.py); the prior attack needs a procedural task mix to learn from."""
        from .strategies import tooluse_strategies
        procedural = getattr(self.task_source, "tasks", None) is None
        categories, weights = self.categories, self.category_weights
        return tooluse_strategies(
            (lambda: ToolUseEnv(categories=categories, category_weights=weights))
            if procedural else None)

    @staticmethod
    def audit_verdict(case: Mapping[str, Any]) -> Verdict:
        """Replay an audit case (`task_id` or inline `task`, `tool_format`, `actions`) in a
        fresh env and return the verdict of the step that ended the episode."""
        env = ToolUseEnv(tool_format=case.get("tool_format", "hermes"),
                         max_turns=int(case.get("max_turns", 12)))
        options = {"task": case["task"]} if case.get("task") else {"task_id": case["task_id"]}
        env.reset(seed=0, options=options)
        for action in case["actions"]:
            _, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                return Verdict(**info["verdict"])
        return Verdict.fail("the scripted actions ended before the episode did")


def is_abstain_task(task: Mapping[str, Any]) -> bool:
    """Is the right answer to `task` to call nothing and decline?"""
    if task.get("category") == "bfcl":
        return not task["gold"]["ground_truth"] and task.get("bfcl_category") != "live_relevance"
    return all(s.get("abstain") for s in task["gold"]["segments"])


def _final_text(content: str) -> str:
    """The answer part of a message: the text after the last `</think>`, an answer written
    as JSON read as its values (`normalize.answer_text`)."""
    cut = content.rfind("</think>")
    return answer_text(content[cut + len("</think>"):] if cut >= 0 else content).strip()
