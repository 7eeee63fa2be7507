"""The domain-free core: the base env, verdicts, spaces, task sources, curricula."""

from .curriculum import AdaptiveCurriculum
from .env import MultiTurnTextEnv, Turn, render_transcript
from .spaces import UnicodeText
from .submission import SubmissionEnv
from .tasks import (
    ProceduralSource,
    RecordSource,
    Task,
    TaskSource,
    item_rng,
    public_task_info,
    read_records,
)
from .tool_env import ToolEnvMixin, ToolRound, run_tool_calls
from .tool_formats import ParsedMessage, ToolCallFormat, get_tool_format, register_tool_format
from .tools import Tool, ToolCall, ToolError, ToolRegistry, ToolResult, tool
from .verdict import Verdict

__all__ = [
    "AdaptiveCurriculum", "MultiTurnTextEnv", "ProceduralSource", "RecordSource", "Task",
    "TaskSource", "Turn", "UnicodeText", "Verdict", "item_rng", "public_task_info",
    "read_records", "render_transcript", "ToolEnvMixin", "ToolRound", "run_tool_calls",
    "ParsedMessage", "ToolCallFormat", "get_tool_format", "register_tool_format", "Tool",
    "ToolCall", "ToolError", "ToolRegistry", "ToolResult", "tool", "SubmissionEnv",
]
