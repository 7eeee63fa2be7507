"""`World`: every backend of one tool world, rebuilt exactly from a seed.

A world holds a bank, a SQLite company database, a file system, a calendar, converters,
lookups (weather, stock prices, trains) and distractor tools. `World(seed)` always builds the
same world, so a task needs to store only the seed; `snapshot()` is the state that rewards
diff against the gold solver's.
"""

from __future__ import annotations

import random
from typing import Any

from ....core.tools import Tool, ToolCall, ToolRegistry, ToolResult
from .bank import Bank
from .calendar import Calendar
from .converters import Converter
from .database import Database
from .decoys import Decoys
from .files import FileSystem
from .lookups import Lookups
from .pools import (
    CITIES,
    CONFIG_SERVICES,
    DATES,
    EVENT_TITLES,
    FIRST_NAMES,
    LAST_NAMES,
    NOTE_WORDS,
    TICKERS,
)

__all__ = ["DECOY_TOOLS", "REAL_TOOLS", "World"]


class World:
    """One generated tool world. Backends are attributes; tools are looked up by name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        rng = random.Random(f"tooluse-world:{self.seed}")
        people: list[str] = []
        while len(people) < 14:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name not in people and name.split()[0] not in {p.split()[0] for p in people}:
                people.append(name)
        self.people = people
        self.employees = people[:10]
        self.bank = Bank(rng, people)
        by_owner = {v["owner"]: a for a, v in self.bank.accounts.items()}
        self.db = Database(rng, self.employees, by_owner)
        self.cities = rng.sample(CITIES, 6)
        self.tickers = rng.sample(TICKERS, 5)
        self.lookups = Lookups(rng, self.cities, self.tickers)
        self.converter = Converter(rng)
        self.fs = FileSystem(_make_files(rng, self.employees, self.cities))
        self.calendar = Calendar(*_make_events(rng))
        self.decoys = Decoys()
        self.backends = {"bank": self.bank, "db": self.db, "fs": self.fs,
                         "calendar": self.calendar, "converter": self.converter,
                         "lookups": self.lookups, "decoys": self.decoys}
        self.tools: dict[str, Tool] = {}
        self.writes: set[str] = set()
        for backend in self.backends.values():
            for t in ToolRegistry.from_object(backend):
                self.tools[t.name] = t
            self.writes |= backend.WRITES

    def registry(self, names: list[str]) -> ToolRegistry:
        """The tools named `names`, in that order, bound to this world."""
        return ToolRegistry(self.tools[n] for n in names)

    def execute(self, call: ToolCall) -> ToolResult:
        tool = self.tools.get(call.name)
        if tool is None:
            return ToolRegistry().execute(call)
        return tool.run(call)

    def snapshot(self) -> dict[str, Any]:
        """The mutable state of every backend (what a reward compares)."""
        return {name: b.snapshot() for name, b in self.backends.items()
                if name in ("bank", "db", "fs", "calendar")}


def _make_files(rng: random.Random, employees: list[str], cities: list[str]) -> dict[str, str]:
    files: dict[str, str] = {}
    ports = rng.sample(range(2000, 9999), len(CONFIG_SERVICES))
    for service, port in zip(CONFIG_SERVICES, ports):
        files[f"/etc/app/{service}.conf"] = (f"# {service} service\nport = {port}\n"
                                             f"workers = {rng.randint(2, 32)}\n"
                                             f"host = {service}.internal\n")
    for i in range(rng.randint(2, 4)):
        words = " ".join(rng.choice(NOTE_WORDS) for _ in range(rng.randint(5, 10)))
        files[f"/home/notes/note{i + 1}.txt"] = words.capitalize() + ".\n"
    bonus, bonus_eur = rng.sample(employees, 2)
    files["/hr/bonus.txt"] = f"Approved bonus: {rng.randrange(300, 1500, 25)} USD for {bonus}.\n"
    files["/hr/bonus_eur.txt"] = (f"Approved bonus: {rng.randrange(300, 1500, 25)} EUR for "
                                  f"{bonus_eur}.\n")
    files["/home/notes/trip.txt"] = (f"Trip to {rng.choice(cities)} on "
                                     f"{rng.choice(DATES)}. Pack an umbrella?\n")
    return files


def _make_events(rng: random.Random) -> tuple[dict[str, dict[str, str]], int]:
    next_id = rng.randint(100, 700)
    events: dict[str, dict[str, str]] = {}
    for date in DATES:
        hours = sorted(rng.sample(range(8, 17), rng.randint(0, 3)))
        for h in hours:
            events[f"EVT-{next_id}"] = {"title": rng.choice(EVENT_TITLES), "date": date,
                                        "start": f"{h:02d}:00",
                                        "end": f"{h:02d}:{rng.choice(['30', '45'])}"}
            next_id += 1
    return events, next_id


def _tool_names(backend: Any) -> list[str]:
    return ToolRegistry.from_object(backend).names


REAL_TOOLS: tuple[str, ...] = tuple(
    n for cls in (Bank, Database, FileSystem, Calendar, Converter, Lookups)
    for n in (k for k, v in vars(cls).items() if isinstance(v, Tool)))
DECOY_TOOLS: tuple[str, ...] = tuple(k for k, v in vars(Decoys).items() if isinstance(v, Tool))
