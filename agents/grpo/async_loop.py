"""Async collection: the next steps' episodes are sampled while this step updates.

    trainer = GRPOTrainer(GRPOConfig(..., async_collection=True, max_staleness=1))
    history = trainer.train()      # an AsyncGRPOTrainer; metrics add staleness_mean/max

The schedule is a function of the step, never of thread timing, so a seeded run repeats.
With s = `max_staleness` and W_j the trainer's weights after j updates of this run (or of
the resumed run), at the start of step j the trainer queues every batch k in [j, j+s] not
queued yet, each with a snapshot of W_j. One background thread plays the queued batches in
order: before batch k it pushes that batch's snapshot into the generator (`sync.push`), so
the sampler never sees weights change mid-generation. Hence batch k is sampled by
W_max(0, k-s) and trained at W_k: staleness min(k, s), i.e. exactly s after the first s
steps. With s = 1, batch k+1 is generated (by W_k) while update k runs.

Every record carries `policy_version`, the version of the weights that sampled it; a batch
more than `max_staleness` versions behind (possible only after resuming a run saved with a
larger bound) is not trained on: it is recollected with the current weights
(`recollected_batches`). The off-policy tokens are corrected by the loss's truncated
importance sampling (`is_correction`): its weight min(pi_old / pi_sampler, C) uses the
sampler's log-probs, now those of the older weights. The trainer's log-prob gap check
(stale sync detector) can only run on a batch sampled by the current weights (staleness 0,
the first step); on stale batches the same quantity is logged as `policy_drift_mean/max`.

Memory: a separate generator (a copy of the model for backend `hf`) plus up to s + 1
weight snapshots, on the trainer's device. Pending snapshots are saved next to the
checkpoint (`checkpoint.pt.async`), so `--resume` repeats the uninterrupted run exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .config import GRPOConfig
from .generator import Generator, copy_generator
from .sync import IdentitySync, weights_for_sync
from .trainer import CollectedBatch, GRPOTrainer


class WeightSnapshot:
    """Frozen copies of a model's weights under plain HF names (LoRA merged): what
    `WeightSync.push` reads through `weights_for_sync`, which calls `state_dict()`."""

    def __init__(self, model: Any) -> None:
        self.weights = {n: t.detach().clone() for n, t in weights_for_sync(model)}

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.weights


@dataclass
class CollectionJob:
    """Batch `step`, to be sampled by the weights `snapshot` of version `version`."""

    step: int
    version: int
    snapshot: WeightSnapshot
    future: Future | None = field(default=None, repr=False)


class AsyncGRPOTrainer(GRPOTrainer):
    """`GRPOTrainer` whose collection runs ahead of its updates by up to `max_staleness`
    versions (see the module docstring). `GRPOTrainer(config)` builds one when
    `config.async_collection` is set. The generator must hold its own weights: by default
    (backend `hf`) a `copy_generator` of the model; `IdentitySync` is refused."""

    def __init__(self, config: GRPOConfig, model: Any = None, tokenizer: Any = None,
                 envs: dict[str, Callable[[], Any]] | None = None,
                 generator: Generator | Callable[[Any, Any], Generator] | None = None
                 ) -> None:
        if generator is None and config.backend == "hf":
            def generator(m: Any, t: Any) -> Generator:
                return copy_generator(m, t, batch_size=config.concurrency)
        super().__init__(config, model, tokenizer, envs, generator)
        if isinstance(self.sync, IdentitySync):
            raise ValueError("async_collection needs a generator with its own weights (its "
                             "sync is IdentitySync: it samples from the model being updated); "
                             "pass generator=copy_generator or drop async_collection")
        self._jobs: dict[int, CollectionJob] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="rlvr-collect")
        self._staleness = 0

    # ---- the pipeline ------------------------------------------------------------------

    def _play(self, job: CollectionJob) -> CollectedBatch:
        self.sync.push(job.snapshot)  # between collections: the sampler never sees a change
        return self.collect_step(job.step, job.version)

    def _submit(self, job: CollectionJob) -> None:
        job.future = self._pool.submit(self._play, job)

    def _queue_ahead(self) -> None:
        """Queue batches step .. step+max_staleness (missing ones with the current weights)
        and resubmit, in step order, any that `drain` took off the thread."""
        snapshot = None
        for k in range(self.step, self.step + self.cfg.max_staleness + 1):
            if k not in self._jobs:
                snapshot = snapshot or WeightSnapshot(self.model)
                self._jobs[k] = CollectionJob(k, self.sync.version, snapshot)
        for k in sorted(self._jobs):
            if self._jobs[k].future is None:
                self._submit(self._jobs[k])

    def drain(self) -> None:
        """Stop background collection: batches not started go back to the queue (their
        snapshots kept), a running one is waited for. The generator is then idle."""
        for k in sorted(self._jobs):
            job = self._jobs[k]
            if job.future is not None and not job.future.done() and job.future.cancel():
                job.future = None
        for job in self._jobs.values():
            if job.future is not None:
                job.future.exception()  # waits; an error is raised when the batch is used

    # ---- one step ----------------------------------------------------------------------

    def train_step(self) -> dict[str, Any]:
        cfg = self.cfg
        t0 = time.perf_counter()
        self._queue_ahead()
        job = self._jobs.pop(self.step)
        assert job.future is not None
        collected = job.future.result()
        wait_s = time.perf_counter() - t0
        recollected = 0
        if self.sync.version - job.version > cfg.max_staleness:
            # only after resuming a run saved with a larger bound: sample it again, now
            self.drain()
            job = CollectionJob(self.step, self.sync.version, WeightSnapshot(self.model))
            self._submit(job)
            collected = job.future.result()  # type: ignore[union-attr]
            recollected = 1
        stale = [self.sync.version - int(r["policy_version"]) for r in collected.records_for_loss]
        self._staleness = max(stale, default=0)
        m = self.learn_step(collected, t0)
        if self._staleness > 0:  # the gap of a stale batch is policy drift, not a sync error
            for part in ("mean", "max"):
                if f"logprob_gap_{part}" in m:
                    m[f"policy_drift_{part}"] = m.pop(f"logprob_gap_{part}")
        m.update(staleness_mean=float(np.mean(stale)) if stale else 0.0,
                 staleness_max=self._staleness, policy_version=job.version,
                 time_wait_s=wait_s, recollected_batches=recollected)
        return m

    def publish_weights(self) -> int:
        # no push here: each queued batch pushes its own snapshot before it is sampled
        self.sync.version += 1
        return self.sync.version

    def _check_logprob_gap(self, gap: dict[str, float]) -> str | None:
        return None if self._staleness > 0 else super()._check_logprob_gap(gap)

    # ---- around the loop -----------------------------------------------------------------

    # the overrides below pass their arguments through: only the generator's state matters
    def train(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            return super().train(*args, **kwargs)
        finally:
            self.drain()

    def evaluate(self, *args: Any, **kwargs: Any) -> float:
        """As `GRPOTrainer.evaluate`, on the trainer's current weights (pushed to the idle
        generator; the next queued batch pushes its own snapshot back), also mid-training."""
        self.drain()
        self.sync.push(self.model)
        return super().evaluate(*args, **kwargs)

    def warm_start(self, *args: Any, **kwargs: Any) -> list[float]:
        self.drain()
        return super().warm_start(*args, **kwargs)

    def save_checkpoint(self, path: str | Path) -> None:
        """The checkpoint, plus the queued batches' weight snapshots in `<path>.async`: with
        them a resumed run samples its next batches exactly as the uninterrupted one."""
        super().save_checkpoint(path)
        torch.save({k: (j.version, j.snapshot.weights) for k, j in self._jobs.items()
                    if k >= self.step}, _jobs_path(path))

    def load_checkpoint(self, path: str | Path) -> None:
        self.drain()
        self._jobs.clear()
        super().load_checkpoint(path)
        saved = _jobs_path(path)
        if saved.exists():  # else the next batches are sampled by the loaded weights
            for k, (version, weights) in torch.load(saved, weights_only=False,
                                                    map_location=self.device).items():
                snap = WeightSnapshot.__new__(WeightSnapshot)
                snap.weights = weights
                self._jobs[int(k)] = CollectionJob(int(k), int(version), snap)

    def close(self) -> None:
        self.drain()
        self._pool.shutdown(wait=True)
        super().close()


def _jobs_path(path: str | Path) -> Path:
    return Path(str(path) + ".async")


__all__ = ["AsyncGRPOTrainer", "CollectionJob", "WeightSnapshot"]
