"""A calendar of events with ids `EVT-###`; events on one day may not overlap."""

from __future__ import annotations

import re
from typing import Any

from ....core.tools import ToolError, tool

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def overlaps(a_start: str, a_end: str, b_start: str, b_end: str) -> bool:
    return a_start < b_end and b_start < a_end


class Calendar:
    WRITES = frozenset({"create_event", "cancel_event"})

    def __init__(self, events: dict[str, dict[str, str]], next_id: int) -> None:
        self.events = {k: dict(v) for k, v in events.items()}
        self.next_id = next_id

    def free(self, date: str, start: str, end: str) -> bool:
        return not any(e["date"] == date and overlaps(start, end, e["start"], e["end"])
                       for e in self.events.values())

    @tool
    def list_events(self, date: str) -> list[dict[str, str]]:
        """The events on a day, sorted by start time.

        Args:
            date: The day, as YYYY-MM-DD.
        """
        if not DATE_RE.fullmatch(date):
            raise ToolError(f"date must look like 2025-03-14, got {date[:40]!r}")
        day = [{"event_id": k, **v} for k, v in self.events.items() if v["date"] == date]
        return sorted(day, key=lambda e: (e["start"], e["event_id"]))

    @tool
    def create_event(self, title: str, date: str, start: str, end: str) -> dict[str, str]:
        """Add an event to the calendar; returns its new event id.

        Args:
            title: What the event is called.
            date: The day, as YYYY-MM-DD.
            start: Start time, 24-hour HH:MM.
            end: End time, 24-hour HH:MM, after the start.
        """
        if not DATE_RE.fullmatch(date):
            raise ToolError(f"date must look like 2025-03-14, got {date[:40]!r}")
        if not (TIME_RE.fullmatch(start) and TIME_RE.fullmatch(end)) or start >= end:
            raise ToolError(f"start and end must be HH:MM with start before end, got "
                            f"{start[:10]!r}-{end[:10]!r}")
        if not title.strip() or len(title) > 100:
            raise ToolError("title must be 1 to 100 characters")
        clash = [k for k, e in self.events.items()
                 if e["date"] == date and overlaps(start, end, e["start"], e["end"])]
        if clash:
            raise ToolError(f"{date} {start}-{end} overlaps event {clash[0]}")
        event_id = f"EVT-{self.next_id}"
        self.next_id += 1
        self.events[event_id] = {"title": title, "date": date, "start": start, "end": end}
        return {"event_id": event_id, "title": title, "date": date, "start": start, "end": end}

    @tool
    def cancel_event(self, event_id: str) -> dict[str, str]:
        """Remove an event from the calendar.

        Args:
            event_id: The event's id, e.g. "EVT-123".
        """
        if event_id not in self.events:
            raise ToolError(f"no event {event_id!r}")
        del self.events[event_id]
        return {"cancelled": event_id}

    def snapshot(self) -> dict[str, Any]:
        return {"events": dict(sorted(self.events.items())), "next_id": self.next_id}
