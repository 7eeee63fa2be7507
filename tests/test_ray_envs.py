"""Env workers on Ray: the same episodes and rewards as in process, a killed or hung worker
turns its episodes into infra errors that are replayed elsewhere and written once, and
`rlvr bench` resumes after Ray restarts mid-run."""

from __future__ import annotations

import json
import sys
import time

import pytest
import ray  # the ray extra (CI installs it): a missing extra fails here, loudly

from agents.bench import read_transcripts, run_bench, summarize_env, transcript_path
from agents.collector import EpisodeCollector, plan_episodes
from agents.grpo.toy_env import DigitEnv
from agents.oracle import OraclePolicy
from agents.ray_envs import RayEnvPool, RayOptions, parse_workers
from rlvr_envs import ENV_IDS
from rlvr_envs.cli import main

RAY_INIT = {"address": "local", "num_cpus": 2, "include_dashboard": False, "log_to_driver": False,
            "object_store_memory": 80 * 1024 * 1024}


@pytest.fixture(scope="module", autouse=True)
def ray_instance():
    ray.init(**RAY_INIT)
    # the test's env classes travel to the workers by value (this module is not importable
    # there)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.shutdown()


class HangingDigitEnv(DigitEnv):
    """The digit env, except that the task of reset seed 1 never answers a step."""

    def reset(self, *, seed=None, options=None):
        self.hang = seed == 1
        return super().reset(seed=seed, options=options)

    def respond(self, action):
        if self.hang:
            time.sleep(120)
        return super().respond(action)


def _wait_until_dead(actor, timeout_s=30.0):
    """`ray.kill` is asynchronous: wait until the actor no longer answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            ray.get(actor.ping.remote(), timeout=timeout_s)
        except ray.exceptions.RayActorError:
            return
        time.sleep(0.05)
    raise AssertionError("the killed actor still answers")


class KillingOracle(OraclePolicy):
    """The oracle, which kills env worker 0 right after the first batch that holds one of
    its episodes: those episodes then meet a dead worker when they step."""

    def __init__(self, pool):
        self.pool, self.killed = pool, set()

    def generate(self, conversations, sampling=None):
        gens = super().generate(conversations, sampling)
        victim = self.pool.workers[0]
        if not self.killed and victim.dead is None:
            self.killed = {c.env.unwrapped.task["id"] for c in conversations
                           if c.env.worker is victim}
            if self.killed:
                ray.kill(victim.actor, no_restart=True)
                _wait_until_dead(victim.actor)
        return gens


def test_bench_over_ray_gives_the_in_process_rewards(tmp_path):
    local = run_bench("oracle", ["all"], out=tmp_path / "local", episodes=2, progress=False,
                      plot=False)
    assert main(["bench", "--agent", "oracle", "--envs", "all", "--episodes", "2",
                 "--out", str(tmp_path / "ray"), "--ray", "local", "--ray-workers", "2",
                 "--no-progress"]) == 0
    remote = json.loads((tmp_path / "ray" / "results.json").read_text())
    assert list(remote["envs"]) == list(ENV_IDS)
    assert remote["ray"]["workers"] == 2 and remote["ray"]["lost"] == []

    def per_episode(res):
        return [(e["episode"], e["task_id"], e["reward"], e["passed"], e["infra_error"])
                for e in res["episodes"]]
    assert per_episode(remote) == per_episode(local)
    assert all(e["reward"] > 0 and e["env_retries"] == 0 for e in remote["episodes"])


def test_a_killed_worker_s_episodes_are_retried_and_recorded_once():
    with RayEnvPool([("digit", DigitEnv)], workers=2) as pool:
        policy = KillingOracle(pool)
        written = []
        collector = EpisodeCollector(pool.factories(), policy, concurrency=6,
                                     on_episode=written.append)
        specs = plan_episodes(["digit"], episodes=12)
        try:
            records = collector.run(specs)
        finally:
            collector.close()
        assert pool.restarts == 1 and pool.lost[0].startswith("worker 0:")
    assert policy.killed  # the first batch did hold episodes of worker 0
    assert sorted(r["episode"] for r in records) == sorted(s.key for s in specs)
    assert [r["episode"] for r in written] == [r["episode"] for r in records]
    retried = [r for r in records if r["env_retries"]]
    assert {r["task"]["id"] for r in retried} >= policy.killed
    for r in retried:  # the lost attempt was an infra error; the replay scored normally
        assert len(r["env_retries"]) == 1 and "env worker 0 " in r["env_retries"][0]
        assert "EnvUnavailable" in r["env_retries"][0]
    assert all(r["infra_error"] is None and r["reward"] == 1.0 for r in records)


def test_a_hung_worker_is_an_infra_error_never_a_zero_reward():
    with RayEnvPool([("digit", HangingDigitEnv)], workers=1, call_timeout_s=3.0) as pool:
        collector = EpisodeCollector(pool.factories(), OraclePolicy(), concurrency=1,
                                     env_retries=1)
        try:
            records = collector.run(plan_episodes(["digit"], episodes=3))
        finally:
            collector.close()
        assert pool.restarts == 2  # the hung worker, then its replacement, were replaced
    by_seed = {r["seed"]: r for r in records}
    assert sorted(by_seed) == [0, 1, 2]
    hung = by_seed[1]
    assert hung["infra_error"] and "call_timeout_s=3" in hung["infra_error"]
    assert len(hung["env_retries"]) == 1 and "no answer to step" in hung["env_retries"][0]
    assert by_seed[0]["reward"] == by_seed[2]["reward"] == 1.0
    metrics = summarize_env([{**r, "wall_s": 0, "generate_s": 0, "env_s": 0} for r in records],
                            1)
    assert metrics["infra_errors"] == 1 and metrics["mean_reward"] == 1.0


class StopAfter(OraclePolicy):
    """The oracle, which stops the whole run (as a killed driver would) at its n-th batch."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def generate(self, conversations, sampling=None):
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return super().generate(conversations, sampling)


def test_bench_resumes_after_ray_restarts_mid_run(tmp_path):
    out = tmp_path / "run"
    opts = RayOptions(workers=2)
    with pytest.raises(KeyboardInterrupt):
        run_bench(StopAfter(3), ["rlvr/Math-v0"], out=out, episodes=6, concurrency=2,
                  progress=False, plot=False, ray=opts)
    first = read_transcripts(transcript_path(out, "rlvr/Math-v0"))
    assert 0 < len(first) < 6
    ray.shutdown()  # the cluster goes away and comes back
    ray.init(**RAY_INIT)
    res = run_bench(OraclePolicy(), ["rlvr/Math-v0"], out=out, episodes=6, concurrency=2,
                    progress=False, plot=False, ray=opts)
    assert res["resumed_episodes"] == len(first)
    lines = read_transcripts(transcript_path(out, "rlvr/Math-v0"))
    assert sorted(r["episode"] for r in lines) == [f"rlvr/Math-v0#{i}.0" for i in range(6)]
    assert res["envs"]["rlvr/Math-v0"]["episodes"] == 6
    assert res["envs"]["rlvr/Math-v0"]["mean_reward"] == 1.0


def test_worker_counts_and_cpus_are_checked_before_any_work():
    assert parse_workers("4") == 4
    assert parse_workers("rlvr/Code-v0=3,rlvr/Math-v0=1") == {"rlvr/Code-v0": 3,
                                                              "rlvr/Math-v0": 1}
    with pytest.raises(ValueError, match="reserve 5 CPUs but the Ray cluster has 2"):
        RayEnvPool(["rlvr/Math-v0"], workers=5)
    with pytest.raises(ValueError, match="name each env once"):
        RayEnvPool(["rlvr/Math-v0", "rlvr/Code-v0"], workers={"rlvr/Math-v0": 1})
    assert main(["bench", "--envs", "rlvr/Math-v0", "--ray", "local", "--ray-workers",
                 "x=y", "--no-progress"]) == 2


def test_rlvr_train_runs_its_envs_on_ray_workers_with_the_in_process_rewards(tmp_path):
    """`rlvr train --ray`: the same seeded steps give the same episodes and rewards as in
    process (the workers only move where reset/step/verification run)."""
    from agents.grpo.config import apply_preset
    from agents.grpo.trainer import GRPOTrainer

    def run(**kw):
        cfg = apply_preset("tiny", steps=2, tasks_per_step=2, group_size=4, sft_episodes=0,
                           sft_steps=0, eval_tasks=0, plot=False,
                           output_dir=str(tmp_path / str(len(kw))), **kw)
        trainer = GRPOTrainer(cfg)
        try:
            return type(trainer.factories["rlvr/Math-v0"]()).__name__, trainer.train()
        finally:
            trainer.close()
    kind, on_ray = run(ray="local", ray_workers=2)  # Ray is already up: joins this instance
    assert kind == "RemoteEnv"
    kind, in_process = run()
    assert kind != "RemoteEnv"
    keys = ("reward_mean", "pass_rate", "generated_tokens", "loss_tokens", "infra_error_rate")
    assert [{k: m[k] for k in keys} for m in on_ray] == [{k: m[k] for k in keys}
                                                         for m in in_process]
    assert all(m["episodes"] == 8 and m["infra_error_rate"] == 0 for m in on_ray)
