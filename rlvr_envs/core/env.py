"""`MultiTurnTextEnv`: the base class every rlvr env builds on (see docs/contract.md).

A subclass supplies the domain: where tasks come from (`make_task_source`,
`normalize_record`), the first observation (`initial_observation`), what happens when the
agent speaks (`respond`), and optionally tools (`tool_schemas`) and a gold policy
(`oracle_action`). The base class does the rest of the contract: text spaces, seeding,
task selection, `info["messages"|"tools"|"task"|"verdict"]`, turn limits, oversized or
non-text actions, the adaptive curriculum and rendering.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import gymnasium as gym

from .curriculum import AdaptiveCurriculum
from .spaces import UnicodeText
from .tasks import RecordSource, Task, TaskSource, public_task_info, read_records
from .verdict import Verdict


@dataclass
class Turn:
    """What the domain answers to one agent message.

    `observation` is the text the agent sees next. `messages` are appended to the
    conversation after the assistant's message; by default one user message holding
    `observation` (tool-using envs append `role: "tool"` messages instead).
    `verdict` is set when the episode ends; the step's reward is `verdict.reward` then.
    `assistant_tool_calls` (OpenAI `tool_calls` entries), when set, go on the assistant
    message just appended, whose content becomes `assistant_content` (the text outside the
    calls, so a chat template does not render the calls twice).
    """

    observation: str
    terminated: bool = False
    verdict: Verdict | None = None
    reward: float = 0.0
    messages: list[dict[str, Any]] | None = None
    extra_info: dict[str, Any] = field(default_factory=dict)
    assistant_tool_calls: list[dict[str, Any]] | None = None
    assistant_content: str | None = None


class MultiTurnTextEnv(gym.Env[str, str]):
    """Base class of the rlvr multi-turn text environments.

    Observation and action are `str`; `info` carries the conversation in OpenAI chat format.
    Subclasses set `domain` and implement the hooks below.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "render_fps": 4}
    domain: ClassVar[str] = "base"
    default_system_prompt: ClassVar[str | None] = None
    default_max_turns: ClassVar[int] = 1
    max_observation_chars: ClassVar[int] = 4_000_000  # a 128k-token context fits
    # With a curriculum: one frontier per task family (the family is drawn first, then its
    # level), instead of one per `curriculum_key()`.
    curriculum_per_family: ClassVar[bool] = False
    # The mean reward a task-independent response can expect (e.g. guessing one of four
    # options); `rlvr audit --hacks` and `check_rlvr_env` flag strategies that beat it.
    chance_level: ClassVar[float] = 0.0

    def __init__(self, *, tasks: Any = None, tasks_split: str = "train", task_seed: int = 0,
                 difficulty: int | None = None,
                 curriculum: AdaptiveCurriculum | bool | None = None,
                 max_turns: int | None = None, max_action_chars: int = 32_768,
                 system_prompt: str | None = None, render_mode: str | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, "
                             f"got {render_mode!r}")
        if max_action_chars < 1:
            raise ValueError(f"max_action_chars must be positive, got {max_action_chars}")
        self.render_mode = render_mode
        self.max_action_chars = int(max_action_chars)
        self.max_turns = int(max_turns if max_turns is not None else self.default_max_turns)
        if self.max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {self.max_turns}")
        self.system_prompt = (self.default_system_prompt if system_prompt is None
                              else system_prompt) or None
        self.observation_space = UnicodeText(self.max_observation_chars)
        self.action_space = UnicodeText(self.max_action_chars)
        if tasks is None:
            self.task_source: TaskSource = self.make_task_source(seed=task_seed)
        else:
            records, name = read_records(tasks, split=tasks_split)
            self.task_source = RecordSource(records, domain=self.domain,
                                            normalize=self.normalize_record, source=name)
        self.difficulty = difficulty
        if curriculum is True:
            curriculum = AdaptiveCurriculum(self.task_source.difficulties)
        self.curriculum: AdaptiveCurriculum | None = curriculum or None
        self.task: Task | None = None
        self._messages: list[dict[str, Any]] = []
        self._tools: list[dict[str, Any]] = []
        self._turn = 0
        self._done = False
        self._last_verdict: Verdict | None = None

    # ---- hooks for subclasses -------------------------------------------------------

    def make_task_source(self, seed: int) -> TaskSource:
        """The default (procedural) task source when the user passes no `tasks=`."""
        raise NotImplementedError(f"{type(self).__name__} has no default tasks; pass tasks=")

    def normalize_record(self, record: Mapping[str, Any]) -> Task:
        """Turn one user record into this domain's task schema (raise ValueError if unfit)."""
        return dict(record)

    def initial_observation(self, task: Task) -> str:
        """The first user message of the episode."""
        raise NotImplementedError

    def tool_schemas(self, task: Task) -> list[dict[str, Any]]:
        """Tools offered in this episode, as OpenAI-format JSON schemas."""
        return []

    def start_episode(self, task: Task) -> None:
        """Set up per-episode state (called by `reset` after the task is chosen)."""

    def respond(self, action: str) -> Turn:
        """Answer one agent message: the domain's step."""
        raise NotImplementedError

    def on_turn_limit(self) -> Verdict:
        """The verdict when the turn limit ends an unfinished episode."""
        return Verdict.fail(f"turn limit of {self.max_turns} reached without a final answer")

    def oracle_action(self) -> str:
        """The message a gold solver would send now (used by oracle agents and checks)."""
        raise NotImplementedError(f"{type(self).__name__} has no oracle")

    def curriculum_key(self) -> str:
        """Which curriculum frontier the next episode uses (for example, a task type)."""
        return "default"

    # ---- the Gymnasium API ----------------------------------------------------------

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"task_id", "difficulty", "task"}
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; "
                             "use task_id, difficulty or task")
        if options.get("task") is not None:
            task = self.normalize_record(options["task"])
            task.setdefault("id", "user/0")
            task.setdefault("difficulty", 1)
            task.setdefault("source", "user")
            task["domain"] = self.domain
        elif options.get("task_id") is not None:
            task = self.task_source.get(str(options["task_id"]))
        else:
            difficulty = options.get("difficulty", self.difficulty)
            family = None
            if difficulty is None and self.curriculum is not None:
                if self.curriculum_per_family and hasattr(self.task_source, "sample_family"):
                    family = self.task_source.sample_family(self.np_random)
                key = family or self.curriculum_key()
                difficulty = self.curriculum.sample(self.np_random, key)
            task = (self.task_source.sample(self.np_random, difficulty) if family is None
                    else self.task_source.sample(self.np_random, difficulty, family=family))
        self.task = task
        self._turn = 0
        self._done = False
        self._last_verdict = None
        self.start_episode(task)
        observation = self.initial_observation(task)
        self._tools = self.tool_schemas(task)
        self._messages = []
        if self.system_prompt:
            self._messages.append({"role": "system", "content": self.system_prompt})
        self._messages.append({"role": "user", "content": observation})
        return observation, self._info()

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self.task is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if self._done:
            obs = "The episode is over; call reset() to start a new one."
            return obs, 0.0, True, False, self._info()
        action = _as_text(action)
        self._turn += 1
        if len(action) > self.max_action_chars:
            self._messages.append({"role": "assistant", "content": action[: self.max_action_chars]})
            turn = Turn(f"Your message has {len(action)} characters; the limit is "
                        f"{self.max_action_chars}. Nothing in it was read; send a shorter one.")
        else:
            self._messages.append({"role": "assistant", "content": action})
            turn = self.respond(action)
            if turn.assistant_tool_calls:
                self._messages[-1]["tool_calls"] = turn.assistant_tool_calls
            if turn.assistant_content is not None:
                self._messages[-1]["content"] = turn.assistant_content
        terminated = bool(turn.terminated)
        truncated = False
        verdict = turn.verdict
        if not terminated and self._turn >= self.max_turns:
            truncated = True
            verdict = self.on_turn_limit()
        reward = float(verdict.reward) if verdict is not None else float(turn.reward)
        observation = turn.observation[: self.max_observation_chars]
        if turn.messages is not None:
            self._messages.extend(turn.messages)
        elif observation and not (terminated or truncated):
            self._messages.append({"role": "user", "content": observation})
        info = self._info()
        info.update(turn.extra_info)
        if terminated or truncated:
            self._done = True
            if verdict is None:
                verdict = Verdict.fail("episode ended without a verdict")
            self._last_verdict = verdict
            info["verdict"] = verdict.to_dict()
            if self.curriculum is not None:
                key = ((self.curriculum_per_family and self.task.get("family"))
                       or self.curriculum_key())
                self.curriculum.report(int(self.task["difficulty"]), verdict.passed, key)
        if self.render_mode == "human":
            self.render()
        return observation, reward, terminated, truncated, info

    def render(self) -> str | None:
        text = render_transcript(self._messages)
        if self.render_mode == "human":
            print(text)
            return None
        return text

    # ---- helpers ----------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self._messages

    @property
    def turn(self) -> int:
        return self._turn

    def _info(self) -> dict[str, Any]:
        return {
            "messages": [copy.deepcopy(m) if len(m) > 2 else dict(m) for m in self._messages],
            "tools": copy.deepcopy(self._tools),
            "task": public_task_info(self.task or {}),
            "turn": self._turn,
        }


def _as_text(action: Any) -> str:
    """Any action as text: bytes decoded leniently, None as empty, the rest via str()."""
    if isinstance(action, str):
        return action
    if isinstance(action, (bytes, bytearray)):
        return bytes(action).decode("utf-8", errors="replace")
    if action is None:
        return ""
    return str(action)


def render_transcript(messages: list[dict[str, Any]], width: int = 2000) -> str:
    """The conversation as readable text, each message cut to `width` characters."""
    lines = []
    for m in messages:
        content = str(m.get("content") or "")
        if len(content) > width:
            content = content[:width] + f"... [{len(content) - width} more characters]"
        who = m["role"] + (f" ({m['name']})" if m.get("name") else "")
        lines.append(f"[{who}] {content}")
        for call in m.get("tool_calls") or []:
            fn = call.get("function", {})
            lines.append(f"    -> {fn.get('name')}({fn.get('arguments')})")
    return "\n".join(lines)
