"""`AdaptiveCurriculum.sample` takes the rngs the project uses (issue #18): numpy Generators
(envs' `np_random`) and `random.Random` (task families' `generate(rng, ...)`)."""

import random

import numpy as np
import pytest

from rlvr_envs import AdaptiveCurriculum


def _promoted():
    cur = AdaptiveCurriculum([1, 2, 3, 4], threshold=0.5, window=2, sliding_window=2)
    cur.report(1, True)
    cur.report(1, True)
    cur.report(2, True)
    cur.report(2, True)
    assert cur.frontier() == 3
    return cur


@pytest.mark.parametrize("make_rng", [np.random.default_rng, random.Random,
                                      np.random.RandomState])
def test_every_kind_of_rng_draws_the_sliding_window_reproducibly(make_rng):
    cur = _promoted()
    draws = [cur.sample(make_rng(5)) for _ in range(3)]
    assert len(set(draws)) == 1  # same seed, same level
    rng = make_rng(0)
    assert {cur.sample(rng) for _ in range(200)} == {2, 3}


def test_a_wrong_rng_says_which_types_work():
    with pytest.raises(TypeError, match="numpy Generator, random.Random or RandomState, got int"):
        AdaptiveCurriculum([1, 2]).sample(0)
