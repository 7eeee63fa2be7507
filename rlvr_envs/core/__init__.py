"""The domain-free core: the base env, verdicts, spaces, task sources, curricula."""

from .curriculum import AdaptiveCurriculum
from .env import MultiTurnTextEnv, Turn, render_transcript
from .spaces import UnicodeText
from .tasks import (
    ProceduralSource,
    RecordSource,
    Task,
    TaskSource,
    item_rng,
    public_task_info,
    read_records,
)
from .verdict import Verdict

__all__ = [
    "AdaptiveCurriculum", "MultiTurnTextEnv", "ProceduralSource", "RecordSource", "Task",
    "TaskSource", "Turn", "UnicodeText", "Verdict", "item_rng", "public_task_info",
    "read_records", "render_transcript",
]
