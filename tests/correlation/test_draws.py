"""The bootstrap of a task on shared resamples (:mod:`metaeval.correlation.draws`) is
:func:`metaeval.stats.bootstrap_ci` bit for bit, and the shared indices are drawn once for all
the human columns that use them."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.correlation.draws import SharedDraws, bootstrap_interval
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.resampling import bootstrap_ci, bootstrap_indices


@pytest.mark.parametrize("coefficient", ["pearson", "spearman", "kendall_b"])
@pytest.mark.parametrize("level", ["none", "item", "sys", "system"])
@pytest.mark.parametrize(("resample", "method"), [("items", "percentile"), ("systems", "bca"),
                                                  ("both", "percentile"), ("both", "bca")])
def test_interval_on_shared_indices_equals_bootstrap_ci(coefficient, level, resample, method):
    rng = np.random.default_rng(21)
    gold = rng.normal(size=(6, 15))
    gold[rng.random(gold.shape) < 0.1] = np.nan
    scores = gold[None] + rng.normal(size=(3, 6, 15))
    scores[2] = np.round(scores[2])  # ties
    coef = get_coefficient(coefficient)
    indices = bootstrap_indices(6, 15, k=60, seed=5, resample=resample)
    low, high = bootstrap_interval(gold, scores, coef, level, indices, 0.9, method, resample)
    want = bootstrap_ci(gold, scores, coef, level, k=60, seed=5, ci=0.9, resample=resample,
                        method=method).confidence_interval
    np.testing.assert_array_equal(low, want.low)
    np.testing.assert_array_equal(high, want.high)


def test_shared_indices_are_drawn_once_and_released_after_the_last_user():
    shared = SharedDraws(users=3)
    first = shared.bootstrap_indices((4, 9), 30, 7, "items")
    again = [shared.bootstrap_indices((4, 9), 30, 7, "items") for _ in range(2)]
    assert all(a is first for a in again) and shared.drawn == 1
    other = shared.bootstrap_indices((4, 9), 30, 8, "items")
    assert shared.drawn == 2 and not np.array_equal(other.items, first.items)
    fresh = shared.bootstrap_indices((4, 9), 30, 7, "items")  # all 3 users had it: drawn anew
    assert shared.drawn == 3 and fresh is not first
    np.testing.assert_array_equal(fresh.items, first.items)
