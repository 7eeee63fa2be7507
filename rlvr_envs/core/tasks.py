"""Task sources: where an env's tasks come from.

Two kinds, behind one interface (`TaskSource`):

* `ProceduralSource`: seeded generators, one per task family, each with a `difficulty`
  knob. Item `index` of family `f` at difficulty `d` is built from a `random.Random` seeded
  by `(seed, f, d, index)` alone, so any item is reproducible on its own and its id
  (`"f/d3/seed/index"`) is enough to rebuild it.
* `RecordSource`: fixed records (a list of dicts, a JSONL/JSON/Parquet file, a
  `datasets.Dataset`, or a Hugging Face hub name), normalized by the env into its schema.

Tasks are plain dicts. Every task has `id`, `domain`, `difficulty` and `source`; the rest
is the domain's schema (documented by each env). Keys listed in `PRIVATE_TASK_KEYS` (and
any starting with `_`) never reach `info["task"]`.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

Task = dict[str, Any]

# Keys that would give the answer away; `public_task_info` drops them.
PRIVATE_TASK_KEYS = frozenset({
    "answer", "answers", "gold", "solution", "reference", "reference_solution", "tests",
    "hidden_tests", "expected", "target", "gold_state", "gold_actions", "evidence",
})
PUBLIC_TASK_KEYS = ("id", "domain", "difficulty", "source", "family")


def public_task_info(task: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a task an agent may see in `info["task"]`: identity, never the answer."""
    return {k: task[k] for k in PUBLIC_TASK_KEYS if k in task}


@runtime_checkable
class TaskSource(Protocol):
    """Where tasks come from. `sample` must be a pure function of the rng's state."""

    def sample(self, rng: np.random.Generator, difficulty: int | None = None) -> Task: ...

    def get(self, task_id: str) -> Task: ...

    @property
    def difficulties(self) -> Sequence[int]: ...


class TaskFamily(Protocol):
    """One procedural task family: builds item from a seeded `random.Random` and a level."""

    name: str
    difficulties: Sequence[int]

    def generate(self, rng: random.Random, difficulty: int) -> Task: ...


def item_rng(seed: int, family: str, difficulty: int, index: int) -> random.Random:
    """The `random.Random` that builds one item: seeded by a string, which Python hashes
    with SHA-512, so the stream is the same in every process and on every platform."""
    return random.Random(f"{seed}:{family}:{difficulty}:{index}")


class ProceduralSource:
    """Tasks from seeded generators. Ids have the form `family/d{difficulty}/{seed}/{index}`."""

    def __init__(self, families: Sequence[TaskFamily], *, seed: int = 0, domain: str,
                 family_weights: Mapping[str, float] | None = None) -> None:
        if not families:
            raise ValueError("ProceduralSource needs at least one task family")
        self.families = {f.name: f for f in families}
        self.seed = int(seed)
        self.domain = domain
        weights = family_weights or {}
        unknown = set(weights) - set(self.families)
        if unknown:
            raise ValueError(f"family_weights names unknown families {sorted(unknown)}; "
                             f"known: {sorted(self.families)}")
        self._names = sorted(self.families)
        w = np.array([float(weights.get(n, 1.0)) for n in self._names])
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"family_weights must be non-negative with a positive sum: {weights}")
        self._p = w / w.sum()

    @property
    def difficulties(self) -> Sequence[int]:
        levels = sorted({d for f in self.families.values() for d in f.difficulties})
        return levels

    def build(self, family: str, difficulty: int, index: int, seed: int | None = None) -> Task:
        """Item `index` of `family` at `difficulty` (levels past a family's range are clamped)."""
        fam = self.families[family]
        levels = list(fam.difficulties)
        level = min(max(int(difficulty), levels[0]), levels[-1])
        seed = self.seed if seed is None else int(seed)
        task = dict(self.generate_item(fam, item_rng(seed, family, level, index), level, seed))
        task.update(id=f"{family}/d{level}/{seed}/{index}", domain=self.domain,
                    difficulty=level, source="procedural", family=family)
        return task

    def generate_item(self, fam: TaskFamily, rng: random.Random, level: int, seed: int) -> Task:
        """One item's content; sources whose items depend on more than the family's rng (for
        example a world built from `seed`) override this, not `build`."""
        return fam.generate(rng, level)

    def sample_family(self, rng: np.random.Generator) -> str:
        """A family name drawn by `family_weights`."""
        return self._names[int(rng.choice(len(self._names), p=self._p))]

    def sample(self, rng: np.random.Generator, difficulty: int | None = None,
               family: str | None = None) -> Task:
        """A random item: of `family` (default: drawn by weight) at `difficulty` (default: any
        of the family's levels)."""
        family = self.sample_family(rng) if family is None else family
        levels = list(self.families[family].difficulties)
        level = levels[int(rng.integers(len(levels)))] if difficulty is None else difficulty
        index = int(rng.integers(0, 2**31 - 1))
        return self.build(family, level, index)

    def get(self, task_id: str) -> Task:
        try:
            family, level, seed, index = task_id.split("/")
            if not level.startswith("d"):
                raise ValueError
            return self.build(family, int(level[1:]), int(index), int(seed))
        except (ValueError, KeyError):
            raise KeyError(
                f"unknown task id {task_id!r}: procedural ids look like "
                f"'family/d<difficulty>/<seed>/<index>' with family in {self._names}"
            ) from None


class RecordSource:
    """Tasks from fixed records, normalized into the domain's schema by `normalize`.

    Records with a `difficulty` field can be drawn by level; `sample(difficulty=d)` falls back
    to all records when none has level `d`.
    """

    def __init__(self, records: Iterable[Mapping[str, Any]], *, domain: str,
                 normalize: Callable[[Mapping[str, Any]], Task] | None = None,
                 source: str = "records") -> None:
        self.domain = domain
        self.tasks: list[Task] = []
        for i, rec in enumerate(records):
            try:
                task = dict(normalize(rec) if normalize else rec)
            except (KeyError, ValueError, TypeError) as e:
                raise ValueError(f"{source}: record {i} does not fit the {domain} task "
                                 f"schema: {e}. Record keys: {sorted(rec)[:20]}") from e
            task.setdefault("id", f"{source}/{i}")
            task["id"] = str(task["id"])
            task.setdefault("difficulty", 1)
            task.setdefault("source", source)
            task["domain"] = domain
            self.tasks.append(task)
        if not self.tasks:
            raise ValueError(f"{source}: no tasks found (empty dataset?)")
        self._by_id = {t["id"]: t for t in self.tasks}
        if len(self._by_id) != len(self.tasks):
            raise ValueError(f"{source}: task ids are not unique")
        self._by_level: dict[int, list[int]] = {}
        for i, t in enumerate(self.tasks):
            self._by_level.setdefault(int(t["difficulty"]), []).append(i)

    def __len__(self) -> int:
        return len(self.tasks)

    @property
    def difficulties(self) -> Sequence[int]:
        return sorted(self._by_level)

    def sample(self, rng: np.random.Generator, difficulty: int | None = None) -> Task:
        pool = self._by_level.get(int(difficulty)) if difficulty is not None else None
        if pool:
            return dict(self.tasks[pool[int(rng.integers(len(pool)))]])
        return dict(self.tasks[int(rng.integers(len(self.tasks)))])

    def get(self, task_id: str) -> Task:
        try:
            return dict(self._by_id[str(task_id)])
        except KeyError:
            examples = list(self._by_id)[:3]
            raise KeyError(f"unknown task id {task_id!r}; ids look like {examples}") from None


def read_records(tasks: Any, *, split: str = "train") -> tuple[list[dict[str, Any]], str]:
    """Read raw records from what a user passes as `tasks=`.

    Accepts a list of dicts, a path to a `.jsonl`/`.json`/`.parquet`/`.csv` file, a
    `datasets.Dataset` (or `DatasetDict`, taking `split`), or a Hugging Face hub name
    (loaded with `datasets.load_dataset(name, split=split)`, which needs network or a cache).
    Returns the records and a short name of where they came from.
    """
    if isinstance(tasks, (str, os.PathLike)):
        path = Path(tasks)
        if path.exists():
            if path.suffix == ".jsonl":
                return _read_jsonl(path), path.stem
            if path.suffix == ".json":
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    data = data.get(split, data.get("data", data))
                if not isinstance(data, list):
                    raise ValueError(f"{path}: expected a JSON list of task records")
                return data, path.stem
            import datasets
            kind = {".parquet": "parquet", ".csv": "csv"}.get(path.suffix)
            if kind is None:
                raise ValueError(f"{path}: unsupported task file type {path.suffix!r}; "
                                 "use .jsonl, .json, .parquet or .csv")
            ds = datasets.load_dataset(kind, data_files=str(path), split="train")
            return [dict(r) for r in ds], path.stem
        if isinstance(tasks, str) and "/" in tasks and not tasks.startswith((".", "/")):
            import datasets
            name, _, config = tasks.partition(":")
            try:
                ds = datasets.load_dataset(name, config or None, split=split)
            except Exception as e:  # network, auth, missing split: say what to do
                raise ValueError(
                    f"could not load Hugging Face dataset {tasks!r} (split {split!r}): {e}. "
                    "Pass a local JSONL path or a datasets.Dataset instead.") from e
            return [dict(r) for r in ds], name.split("/")[-1]
        raise FileNotFoundError(f"task file {tasks!r} does not exist")
    try:
        import datasets
        if isinstance(tasks, datasets.DatasetDict):
            tasks = tasks[split]
        if isinstance(tasks, datasets.Dataset):
            return [dict(r) for r in tasks], getattr(tasks.info, "dataset_name", None) or "dataset"
    except ImportError:  # datasets is a core dependency; tolerate its absence for lists
        pass
    if isinstance(tasks, Mapping):
        return [dict(tasks)], "records"
    if isinstance(tasks, Iterable):
        records = list(tasks)
        bad = [type(r).__name__ for r in records if not isinstance(r, Mapping)]
        if bad:
            raise TypeError(f"tasks must be dicts; got {bad[0]}")
        return [dict(r) for r in records], "records"
    raise TypeError(f"tasks= must be a list of dicts, a file path, a datasets.Dataset or a hub "
                    f"name, not {type(tasks).__name__}")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not valid JSON: {e}") from e
            if not isinstance(rec, dict):
                raise ValueError(f"{path}:{n}: expected a JSON object per line")
            out.append(rec)
    return out


@dataclass(frozen=True)
class DifficultyRange:
    """Convenience for families: levels `lo..hi` inclusive."""

    lo: int
    hi: int

    def __iter__(self):
        return iter(range(self.lo, self.hi + 1))

    def __len__(self) -> int:
        return self.hi - self.lo + 1

    def __getitem__(self, i: int) -> int:
        return list(self)[i]
