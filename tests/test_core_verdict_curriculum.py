"""Verdicts add up; the adaptive curriculum raises difficulty as RLVE does."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr_envs.core import AdaptiveCurriculum, Verdict


def test_verdict_breakdown_must_sum_to_reward():
    v = Verdict(True, 1.3, "ok", {"outcome": 1.0, "evidence": 0.3})
    assert v.to_dict()["reward_breakdown"] == {"outcome": 1.0, "evidence": 0.3}
    with pytest.raises(ValueError, match="sums to"):
        Verdict(True, 1.0, "ok", {"outcome": 0.5})
    with pytest.raises(ValueError, match="finite"):
        Verdict(True, float("nan"), "ok")


def test_verdict_without_breakdown_books_outcome():
    assert Verdict(False, 0.0, "no").reward_breakdown == {"outcome": 0.0}
    assert Verdict.fail("x", infra_error=True).infra_error


@given(st.floats(0, 1), st.floats(0, 1))
def test_scaled_verdict_still_adds_up(reward, factor):
    v = Verdict(True, reward, "r", {"correct": reward}).scaled(factor)
    assert v.reward == pytest.approx(reward * factor)
    assert sum(v.reward_breakdown.values()) == pytest.approx(v.reward)


def test_curriculum_raises_frontier_after_window_of_successes():
    cur = AdaptiveCurriculum([1, 2, 3], threshold=0.9, window=4, sliding_window=2)
    assert cur.frontier() == 1
    for _ in range(3):
        assert not cur.report(1, True)
    assert cur.report(1, True)  # 4/4 >= 0.9
    assert cur.frontier() == 2
    rng = np.random.default_rng(0)
    assert {cur.sample(rng) for _ in range(200)} == {1, 2}


def test_curriculum_needs_threshold_and_ignores_levels_below_frontier():
    cur = AdaptiveCurriculum([1, 2, 3], threshold=0.9, window=10)
    for i in range(30):
        cur.report(1, i % 5 != 0)  # 80% success: not enough
    assert cur.frontier() == 1
    cur2 = AdaptiveCurriculum([1, 2], window=2, start=2)
    assert not cur2.report(1, True) and cur2.frontier() == 2
    cur2.report(2, True)
    assert not cur2.report(2, True)  # already at the top level


def test_curriculum_keys_are_independent_and_state_round_trips():
    cur = AdaptiveCurriculum(range(1, 6), window=2)
    cur.report(1, 1.0, key="returns")
    cur.report(1, 1.0, key="returns")
    assert cur.frontier("returns") == 2 and cur.frontier("search") == 1
    clone = AdaptiveCurriculum(range(1, 6), window=2)
    clone.load_state_dict(cur.state_dict())
    assert clone.frontier("returns") == 2


def test_curriculum_rejects_bad_settings():
    with pytest.raises(ValueError):
        AdaptiveCurriculum([])
    with pytest.raises(ValueError):
        AdaptiveCurriculum([1, 2], threshold=1.5)
    with pytest.raises(ValueError):
        AdaptiveCurriculum([1, 2], start=7)
