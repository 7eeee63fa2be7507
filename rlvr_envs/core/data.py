"""Where the shipped task data (`tasks/`) lives, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path


def tasks_dir() -> Path:
    """The `tasks/` folder: `rlvr_envs/_tasks` inside a wheel, `<repo>/tasks` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_tasks", package.parent / "tasks"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"task data not found next to {package}; reinstall rlvr-envs")


def task_file(*parts: str) -> Path:
    """A file under `tasks/`, e.g. `task_file("audit", "math.jsonl")`."""
    path = tasks_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    return path
