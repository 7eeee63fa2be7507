"""`rlvr export ENV --n N --out DIR`: an env's tasks as a `datasets` dataset of prompts.

    from rlvr_envs.integrations.export import export_dataset
    ds = export_dataset("rlvr/Math-v0", n=512, test_n=64, seed=0)   # DatasetDict
    ds["train"][0]["prompt"]   # [{"role": "system", ...}, {"role": "user", ...}]

Each row is one task, exactly as `env.reset` shows it: `prompt` (the chat messages of
`info["messages"]`), `tools` (`info["tools"]` as a JSON string, the form TRL's SFT trainer
reads), and the task columns that rebuild the episode: `rlvr_env`, `rlvr_seed`,
`rlvr_task_id` (the episode is `reset(seed=rlvr_seed, options={"task_id": rlvr_task_id})`),
plus `rlvr_difficulty` and `rlvr_family` for filtering. Never the answer: rewards come from
the env's verifier (`rlvr_envs.integrations.trl.rlvr_reward`), which rebuilds the task.

Deterministic: the same env, kwargs, seed and sizes give the same rows. Tasks are distinct
by id within and across splits, so `test` is held out. Procedural envs draw task `k` with
reset seed `seed + k`; envs built on records (`tasks=`) take the records in a shuffled order
fixed by `seed`, each at most once.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym

EXPORT_META = "rlvr_export.json"
SPLITS = ("train", "test")


def make_env(env_id: str, env_kwargs: Mapping[str, Any] | None = None) -> gym.Env:
    """`gym.make(env_id, **env_kwargs)` with the rlvr envs registered; an unknown id is one
    line saying what exists."""
    import rlvr_envs  # noqa: F401  (registers the envs)
    try:
        return gym.make(env_id, **dict(env_kwargs or {}))
    except gym.error.Error as e:
        raise ValueError(f"{str(e).rstrip('.')}: run `rlvr list` for the rlvr envs (a user "
                         "env: 'module:Name-v0')") from None


def same_env(a: str, b: str) -> bool:
    """Whether two env ids name one env (`rlvr/Math-v0`, `rlvr_envs:rlvr/Math-v0`)."""
    return a.rpartition(":")[2] == b.rpartition(":")[2]


def reset_row(env: gym.Env, row: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Reset `env` to the episode a dataset row names: `rlvr_task` (a task record, JSON or
    dict) if present, else `rlvr_task_id`, at reset seed `rlvr_seed` (default 0)."""
    seed = row.get("rlvr_seed")
    seed = 0 if seed is None else int(seed)
    record = row.get("rlvr_task")
    if record is not None:
        task = json.loads(record) if isinstance(record, str) else dict(record)
        return env.reset(seed=seed, options={"task": task})
    task_id = row.get("rlvr_task_id")
    if task_id is None:
        raise ValueError("the row has neither `rlvr_task_id` nor `rlvr_task`: make the "
                         "dataset with `rlvr export` (or add a `rlvr_task` column of task "
                         "records)")
    return env.reset(seed=seed, options={"task_id": str(task_id)})


def export_rows(env_id: str, n: int, *, seed: int = 0, test_n: int = 0,
                difficulty: int | None = None,
                env_kwargs: Mapping[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """`{"train": n rows, "test": test_n rows}` of distinct tasks (see the module doc)."""
    if n < 1 or test_n < 0:
        raise ValueError(f"need n >= 1 and test_n >= 0, got n={n}, test_n={test_n}")
    env = make_env(env_id, env_kwargs)
    try:
        want = n + test_n
        draws = _task_draws(env, want, seed, difficulty)
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        for reset_seed, options in draws:
            _, info = env.reset(seed=reset_seed, options=options)
            task_id = str(info["task"]["id"])
            if task_id in seen:
                continue
            seen.add(task_id)
            # the row's episode is the task_id replay (reward and rollout reset the same way)
            row = {"rlvr_env": env_id, "rlvr_seed": reset_seed, "rlvr_task_id": task_id}
            _, info = reset_row(env, row)
            rows.append(_row(info, row))
            if len(rows) == want:
                break
        if len(rows) < want:
            raise ValueError(f"{env_id} gave {len(rows)} distinct tasks, fewer than the "
                             f"{want} asked for (n + test_n): lower them, or widen the task "
                             "pool (difficulty, families, tasks=)")
    finally:
        env.close()
    return {"train": rows[:n], "test": rows[n:]}


def export_dataset(env_id: str, n: int, *, seed: int = 0, test_n: int = 0,
                   difficulty: int | None = None,
                   env_kwargs: Mapping[str, Any] | None = None) -> Any:
    """A `datasets.DatasetDict` with split `train` (and `test` when `test_n > 0`)."""
    import datasets
    rows = export_rows(env_id, n, seed=seed, test_n=test_n, difficulty=difficulty,
                       env_kwargs=env_kwargs)
    return datasets.DatasetDict({split: datasets.Dataset.from_list(rows[split])
                                 for split in SPLITS if rows[split]})


def write_export(out: str | Path, env_id: str, n: int, *, seed: int = 0, test_n: int = 0,
                 difficulty: int | None = None,
                 env_kwargs: Mapping[str, Any] | None = None) -> Any:
    """`export_dataset` written to `out`: the dataset (`save_to_disk`; read it back with
    `datasets.load_from_disk(out)`), one `<split>.jsonl` per split, and `rlvr_export.json`
    (env, kwargs, seed, sizes: what `rlvr_reward` must be built with)."""
    ds = export_dataset(env_id, n, seed=seed, test_n=test_n, difficulty=difficulty,
                        env_kwargs=env_kwargs)
    out = Path(out)
    ds.save_to_disk(str(out))
    for split, part in ds.items():
        with (out / f"{split}.jsonl").open("w", encoding="utf-8") as f:
            for row in part:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    import rlvr_envs
    meta = {"env": env_id, "env_kwargs": dict(env_kwargs or {}), "seed": seed, "n": n,
            "test_n": test_n, "difficulty": difficulty, "rlvr_envs": rlvr_envs.__version__,
            "splits": {split: len(part) for split, part in ds.items()}}
    (out / EXPORT_META).write_text(json.dumps(meta, indent=2, default=repr) + "\n",
                                   encoding="utf-8")
    return ds


def _task_draws(env: gym.Env, want: int, seed: int,
                difficulty: int | None) -> list[tuple[int, dict[str, Any] | None]]:
    """(reset seed, options) pairs to draw tasks from: every record once in a seeded order
    for record sources; seeds `seed + k` (enough for a few repeated ids) otherwise."""
    source = getattr(env.unwrapped, "task_source", None)
    records = getattr(source, "tasks", None)
    if isinstance(records, list):
        ids = [str(t["id"]) for t in records
               if difficulty is None or int(t.get("difficulty", 1)) == difficulty]
        random.Random(seed).shuffle(ids)
        return [(seed + k, {"task_id": task_id}) for k, task_id in enumerate(ids)]
    options = {"difficulty": difficulty} if difficulty is not None else None
    return [(seed + k, options) for k in range(2 * want + 100)]


def _row(info: Mapping[str, Any], task_columns: Mapping[str, Any]) -> dict[str, Any]:
    task = info.get("task") or {}
    prompt = [{"role": str(m["role"]), "content": str(m.get("content") or "")}
              for m in info["messages"]]
    return {"prompt": prompt, "tools": json.dumps(info.get("tools") or []), **task_columns,
            "rlvr_difficulty": int(task.get("difficulty", 1)),
            "rlvr_family": str(task.get("family") or "")}


# ---- the `rlvr export` command ---------------------------------------------------------------

def add_export_command(sub: Any) -> None:
    """Add `export` to the `rlvr` command's subparsers."""
    p = sub.add_parser(
        "export", help="write an env's tasks as a datasets dataset of prompts (for TRL and "
        "other trainers; docs/integrations.md)",
        description="Write N tasks of ENV as a Hugging Face `datasets` dataset: chat-message "
        "prompts, tools, and the task columns `rlvr_reward` and the TRL rollout adapter "
        "rebuild each episode from (never the answer). OUT gets the dataset (save_to_disk), "
        "<split>.jsonl and rlvr_export.json.")
    p.add_argument("env", help="env id, e.g. rlvr/Math-v0 (MODULE:ID for a user env)")
    p.add_argument("--n", type=int, required=True, help="training rows (distinct tasks)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0, help="seed of the task draw")
    p.add_argument("--test-n", type=int, default=0, metavar="M",
                   help="held-out rows in a `test` split (tasks distinct from train)")
    p.add_argument("--difficulty", type=int, default=None, help="only tasks of this level")
    p.add_argument("--kw", action="append", metavar="KEY=VALUE",
                   help="env kwarg (repeatable; a JSON value or a string); build "
                        "rlvr_reward with the same kwargs")
    p.set_defaults(fn=cmd_export)


def cmd_export(args: Any) -> int:
    import datasets

    from ..cli import parse_kwargs
    datasets.disable_progress_bars()  # one summary line, not a bar per split
    try:
        ds = write_export(args.out, args.env, args.n, seed=args.seed, test_n=args.test_n,
                          difficulty=args.difficulty, env_kwargs=parse_kwargs(args.kw))
    except (ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"rlvr export: {e}") from None
    sizes = ", ".join(f"{split} {len(part)}" for split, part in ds.items())
    print(f"wrote {args.env}: {sizes} rows to {args.out} (datasets.load_from_disk; "
          f"<split>.jsonl; {EXPORT_META})")
    return 0
