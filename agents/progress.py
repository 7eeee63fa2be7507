"""Progress of a run of episodes: one bar on a terminal, plain periodic lines otherwise.

    progress = RunProgress(total=60, labels=env_ids, desc="bench")
    progress.update("rlvr/Math-v0", reward=1.0)   # as each episode finishes
    progress.close()

On a terminal (the stream's `isatty()`) a single tqdm bar counts every episode of the run,
with the mean reward so far. Anywhere else (a pipe, a file, CI logs) it writes plain lines
with no cursor escapes: one each time another tenth of the run is done or `interval_s` has
passed, and one as each label's last episode finishes, with that label's mean reward.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO


class RunProgress:
    """Episode progress of one run; see the module docstring."""

    def __init__(self, total: int, *, labels: Sequence[str] = (),
                 label_totals: dict[str, int] | None = None,
                 initial: dict[str, int] | None = None, desc: str = "run",
                 stream: TextIO | None = None, interval_s: float = 30.0) -> None:
        """`label_totals[label]` episodes are expected per label (env); `initial[label]`
        of them were done before (a resumed run)."""
        self.stream = stream if stream is not None else sys.stderr
        self.total = int(total)
        self.desc = desc
        self.interval_s = float(interval_s)
        self.label_totals = dict(label_totals or {})
        self.done = {label: int((initial or {}).get(label, 0)) for label in labels}
        self._resumed = {label for label, n in self.done.items() if n}
        self.n = sum(self.done.values())
        self._rewards: dict[str, list[float]] = {label: [] for label in labels}
        self._t0 = self._last_line = time.monotonic()
        self._last_tenth = self.n * 10 // max(1, self.total)
        self._bar: Any = None
        if _is_terminal(self.stream):
            from tqdm import tqdm
            self._bar = tqdm(total=self.total, initial=self.n, desc=desc, unit="ep",
                             file=self.stream, dynamic_ncols=True, leave=True)
        elif self.n:
            self._line(f"{self.n} episodes already done (resumed)")

    def update(self, label: str, reward: float | None = None) -> None:
        """One episode of `label` finished (`reward` None: not scored, e.g. an infra error)."""
        self.n += 1
        self.done[label] = self.done.get(label, 0) + 1
        if reward is not None:
            self._rewards.setdefault(label, []).append(float(reward))
        if self._bar is not None:
            mean = self._mean([r for rs in self._rewards.values() for r in rs])
            if mean is not None:
                self._bar.set_postfix_str(f"reward {mean:.3f}", refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        tenth = self.n * 10 // max(1, self.total)
        if tenth > self._last_tenth or now - self._last_line >= self.interval_s:
            self._last_tenth = tenth
            elapsed = now - self._t0
            self._line(f"{self.n}/{self.total} episodes ({self.n / max(1, self.total):.0%}), "
                       f"{elapsed:.0f}s elapsed")
        if label in self.label_totals and self.done[label] == self.label_totals[label]:
            mean = None if label in self._resumed else self._mean(self._rewards.get(label, []))
            self._line(f"{label}: all {self.label_totals[label]} episodes done"
                       + (f", mean reward {mean:.3f}" if mean is not None else ""))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _line(self, text: str) -> None:
        self._last_line = time.monotonic()
        print(f"[{self.desc}] {text}", file=self.stream, flush=True)

    @staticmethod
    def _mean(xs: Sequence[float]) -> float | None:
        return sum(xs) / len(xs) if xs else None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real file
        return False
