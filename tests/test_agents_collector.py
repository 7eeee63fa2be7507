"""The episode collector: batching across envs, turn and token limits, infra errors kept
apart from policy failures, and records that serialize."""

from __future__ import annotations

import json
import threading

from test_agents_toy_envs import ToyGuessEnv, ToyToolEnv

from agents.collector import EpisodeCollector, collect, plan_episodes
from agents.oracle import NullPolicy, OraclePolicy
from agents.policy import Generation, Policy
from rlvr_envs.core import Turn, Verdict

ENVS = [("guess", ToyGuessEnv), ("tool", ToyToolEnv)]


class RecordingOracle(OraclePolicy):
    """The oracle, remembering the size of every batch it was given."""

    def __init__(self):
        self.batches: list[int] = []

    def generate(self, conversations, sampling=None):
        self.batches.append(len(conversations))
        return super().generate(conversations, sampling)


def test_oracle_solves_every_episode_and_batches_across_envs():
    policy = RecordingOracle()
    records = collect(ENVS, policy, episodes=6, samples=2, concurrency=8)
    assert len(records) == 24
    assert [(r["env_id"], r["task_index"], r["sample_index"]) for r in records] == \
        [(e, i, k) for e, _ in ENVS for i in range(6) for k in range(2)]
    assert all(r["reward"] == 1.0 and r["passed"] and r["infra_error"] is None
               for r in records)
    assert max(policy.batches) > 1  # waiting episodes of both envs share a generate call
    same_task = [r["task"]["id"] for r in records if r["env_id"] == "tool" and r["task_index"] == 0]
    assert len(set(same_task)) == 1  # the samples of one task share it (pass@k)
    json.loads(json.dumps(records))


def test_null_policy_fails_and_turn_limits_end_episodes():
    records = collect(ENVS, NullPolicy(), episodes=2)
    assert all(r["reward"] == 0.0 and not r["passed"] for r in records)
    guess = [r for r in records if r["env_id"] == "guess"]
    assert all(r["num_turns"] == 3 and r["end_reason"] == "env_truncated" for r in guess)
    capped = collect([("guess", ToyGuessEnv)], NullPolicy(), episodes=2, max_turns=2)
    assert all(r["num_turns"] == 2 and r["end_reason"] == "max_turns" and r["truncated"]
               for r in capped)


class FlakyEnv(ToyGuessEnv):
    """Raises in step for odd seeds; reports a verifier infra error for seed 2."""

    def respond(self, action):
        if self.np_random_seed % 2:
            raise RuntimeError("simulator crashed")
        if self.np_random_seed == 2:
            return Turn("", terminated=True,
                        verdict=Verdict.fail("sandbox did not start", infra_error=True))
        return super().respond(action)


class FailingPolicy(Policy):
    """Fails its second generate call outright; answers wrongly otherwise."""

    name = "failing"

    def __init__(self):
        self.calls = 0
        self.lock = threading.Lock()

    def generate(self, conversations, sampling):
        with self.lock:
            self.calls += 1
            if self.calls == 2:
                raise MemoryError("out of memory")
        return [Generation("\\boxed{0}") for _ in conversations]


def test_env_and_verifier_failures_are_infra_errors_not_rewards():
    records = collect([("flaky", FlakyEnv)], OraclePolicy(), episodes=4, concurrency=4)
    by_seed = {r["seed"]: r for r in records}
    assert "simulator crashed" in by_seed[1]["infra_error"]
    assert "simulator crashed" in by_seed[3]["infra_error"]
    assert "sandbox did not start" in by_seed[2]["infra_error"]
    assert by_seed[0]["infra_error"] is None and by_seed[0]["reward"] == 1.0


def test_a_failing_generate_call_marks_only_its_batch():
    records = collect([("guess", ToyGuessEnv)], FailingPolicy(), episodes=3, concurrency=1)
    errors = [r for r in records if r["infra_error"]]
    assert len(errors) == 1 and "MemoryError" in errors[0]["infra_error"]
    assert errors[0]["end_reason"] == "infra_error"
    assert all(r["reward"] == 0.0 and r["num_turns"] == 3 for r in records
               if not r["infra_error"])


class TokenCountingPolicy(Policy):
    """Reports 40 prompt tokens growing by 30 a turn, like a tokenizing backend."""

    name = "counting"

    def generate(self, conversations, sampling):
        return [Generation("\\boxed{0}", prompt_tokens=40 + 30 * len(c.messages),
                           completion_tokens=10) for c in conversations]


def test_token_budget_ends_an_episode():
    rec = collect([("guess", ToyGuessEnv)], TokenCountingPolicy(), episodes=1,
                  max_episode_tokens=150)[0]
    assert rec["end_reason"] == "token_budget" and rec["truncated"]
    assert rec["num_turns"] == 2 and rec["tokens"] >= 150


def test_collector_rejects_unknown_envs_with_a_clear_message():
    collector = EpisodeCollector(ENVS, OraclePolicy())
    try:
        collector.run(plan_episodes(["nope"], episodes=1))
    except ValueError as e:
        assert "nope" in str(e)
    else:
        raise AssertionError("expected ValueError")
    try:
        collect(["rlvr/NoSuch-v0"], OraclePolicy())
    except ValueError as e:
        assert "rlvr list" in str(e)
