"""Tool calling inside a `MultiTurnTextEnv`: parse the assistant message, run the calls,
answer with `role: "tool"` messages.

Two ways to use it:

* `ToolEnvMixin`, mixed into a `MultiTurnTextEnv` subclass: adds the `tool_format` and
  `max_tool_calls` kwargs, offers the env's `@tool` methods (or whatever `make_tools`
  returns) in `info["tools"]`, and gives `self.run_tool_calls(action) -> ToolRound`::

      class KVEnv(ToolEnvMixin, MultiTurnTextEnv):
          @tool
          def put(self, key: str, value: int) -> str:
              '''Store a value.

              Args:
                  key: Where to store it.
                  value: What to store.
              '''
              self.store[key] = value
              return "ok"

          def respond(self, action):
              tool_round = self.run_tool_calls(action)
              if tool_round.has_tool_calls:
                  return tool_round.to_turn()
              return self.judge_final_answer(tool_round.parsed.content)

* `run_tool_calls(text, tools, tool_format, turn=...)`, the same without the mixin.

A `ToolRound` turned into a `Turn` puts the OpenAI `tool_calls` on the assistant message
(whose content becomes the text outside the calls), one `role: "tool"` message per call in
call order, and, if some calls could not be read at all, one `role: "user"` message listing
those errors. The observation is the same information as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .env import Turn
from .tasks import Task
from .tool_formats import ParsedMessage, ToolCallFormat, get_tool_format
from .tools import Tool, ToolCall, ToolRegistry, ToolResult
from .verdict import Verdict

__all__ = ["DEFAULT_MAX_TOOL_CALLS", "ToolEnvMixin", "ToolRound", "render_tool_results",
           "run_tool_calls"]

DEFAULT_MAX_TOOL_CALLS = 16  # calls run per assistant message; the rest are answered "not run"


@dataclass
class ToolRound:
    """One assistant message's tool calls: what was parsed and what running them gave."""

    parsed: ParsedMessage
    results: list[ToolResult] = field(default_factory=list)

    @property
    def calls(self) -> list[ToolCall]:
        return self.parsed.calls

    @property
    def has_tool_calls(self) -> bool:
        """True if the message tried to call a tool (even with every call malformed);
        False means it is a plain reply, e.g. a final answer."""
        return self.parsed.has_tool_calls

    @property
    def errors(self) -> list[str]:
        """Calls that could not be read at all (no id, so no tool message)."""
        return self.parsed.errors

    def assistant_tool_calls(self) -> list[dict[str, Any]]:
        """The OpenAI `tool_calls` entries of the assistant message."""
        return [c.to_openai() for c in self.calls]

    def messages(self) -> list[dict[str, Any]]:
        """The chat messages answering the assistant: one `role: "tool"` message per call,
        then one `role: "user"` message with the parse errors, if any."""
        out = [r.message() for r in self.results]
        if self.errors:
            out.append({"role": "user", "content": "\n".join(self.errors)})
        return out

    @property
    def observation(self) -> str:
        """The results (and parse errors) as the text the agent sees next."""
        return render_tool_results(self.results, self.errors)

    def stats(self) -> dict[str, Any]:
        """Counts for logging and reward shaping (parsed vs. run vs. succeeded)."""
        statuses = [r.status for r in self.results]
        return {"calls": len(self.calls), "ok": statuses.count("ok"),
                "failed": len(statuses) - statuses.count("ok"),
                "unreadable": len(self.errors),
                "results": [{"id": r.call.id, "name": r.call.name, "status": r.status}
                            for r in self.results]}

    def to_turn(self, *, terminated: bool = False, verdict: Verdict | None = None,
                reward: float = 0.0, extra_info: dict[str, Any] | None = None) -> Turn:
        """The `Turn` answering this message. `info["tool_round"]` gets `stats()`."""
        info = {"tool_round": self.stats(), **(extra_info or {})}
        return Turn(self.observation, terminated=terminated, verdict=verdict, reward=reward,
                    messages=self.messages(), extra_info=info,
                    assistant_tool_calls=self.assistant_tool_calls() or None,
                    assistant_content=self.parsed.content)


def render_tool_results(results: Iterable[ToolResult], errors: Iterable[str] = ()) -> str:
    """Tool results as text, one `<tool_response>` block per call (the block Qwen-style
    templates use, with the call's id and tool name), then the parse errors."""
    parts = [f'<tool_response id="{r.call.id}" name="{r.call.name}">\n{r.content}\n'
             "</tool_response>" for r in results]
    parts.extend(errors)
    return "\n".join(parts)


def run_tool_calls(text: str, tools: ToolRegistry, tool_format: str | ToolCallFormat | None,
                   *, turn: int, max_calls: int = DEFAULT_MAX_TOOL_CALLS) -> ToolRound:
    """Parse `text` in `tool_format`, run the first `max_calls` calls in order, and answer
    the others with a "not run" error. Never raises."""
    parsed = get_tool_format(tool_format).parse(text, turn=turn, tools=tools.names)
    results = []
    for k, call in enumerate(parsed.calls):
        if k < max_calls:
            results.append(tools.execute(call))
        else:
            results.append(ToolResult(call, f"error: not run: at most {max_calls} tool calls "
                                      "are run per message; send the rest in your next one",
                                      "not_run"))
    return ToolRound(parsed, results)


class ToolEnvMixin:
    """Tool calling for a `MultiTurnTextEnv` subclass: `class E(ToolEnvMixin, MultiTurnTextEnv)`.

    Keyword arguments (pass through `gym.make`):

    | kwarg            | type | default    | meaning                                         |
    |------------------|------|------------|-------------------------------------------------|
    | `tool_format`    | str  | `"hermes"` | `hermes`, `openai_json`, `pythonic`, `mistral`  |
    | `max_tool_calls` | int  | 16         | calls run per message; the rest are "not run"   |

    Tools are rebuilt each episode by `make_tools(task)` (default: the class's `@tool`
    methods bound to the env), so their state belongs to the episode; `info["tools"]`
    carries their schemas. In `respond`, call `self.run_tool_calls(action)`.
    """

    def __init__(self, *args: Any, tool_format: str | ToolCallFormat = "hermes",
                 max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS, **kwargs: Any) -> None:
        if max_tool_calls < 1:
            raise ValueError(f"max_tool_calls must be at least 1, got {max_tool_calls}")
        self.tool_format = get_tool_format(tool_format)
        self.max_tool_calls = int(max_tool_calls)
        self.tools = ToolRegistry()
        super().__init__(*args, **kwargs)

    def make_tools(self, task: Task) -> ToolRegistry | Iterable[Tool]:
        """The tools of this episode (default: every `@tool` method of the env)."""
        return ToolRegistry.from_object(self)

    def tool_schemas(self, task: Task) -> list[dict[str, Any]]:
        """Builds `self.tools` for the episode (via `make_tools`) and returns their schemas;
        `reset` calls it after `start_episode`."""
        tools = self.make_tools(task)
        self.tools = tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools)
        return self.tools.schemas()

    def run_tool_calls(self, action: str) -> ToolRound:
        """Parse `action` in the env's format and run its calls (ids use the turn number)."""
        return run_tool_calls(action, self.tools, self.tool_format,
                              turn=getattr(self, "turn", 0), max_calls=self.max_tool_calls)

    def tool_instructions(self) -> str:
        """How to call tools in this env's format, for a system prompt."""
        return self.tool_format.instructions()
