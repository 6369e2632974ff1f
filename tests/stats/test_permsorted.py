"""Spearman PERM-BOTH from one sort per pair (metaeval.stats.permsorted): equal to the generic
path draw by draw, at every level, with missing gold cells, a constant gold group, and pairs
with tied values (average ranks from the sorted order) in the same matrix."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.permfast import perm_both_fast_path
from metaeval.stats.permsorted import SortedSpearmanPermBoth
from metaeval.stats.permutation import perm_both, perm_both_draws, zscore_on_gold


def _continuous(seed=0, S=7, n_items=12):
    rng = np.random.default_rng(seed)
    gold = np.round(rng.normal(size=(S, n_items)), 1)  # ties in gold are fine
    scores = gold[None] + rng.normal(size=(4, S, n_items)) * np.array([0.3, 1, 2, 4])[:, None, None]
    scores[3] = np.round(scores[3])  # a tied metric: its pairs take the tie bounds
    gold[0, 1] = gold[2, 5] = np.nan
    return gold, scores


@pytest.mark.parametrize("level", ["none", "item", "sys"])
def test_sorted_draws_equal_generic(level):
    gold, scores = _continuous(1)
    gold[:, 4] = 1.0  # a constant item: NaN at level item, left out of the average
    for a, b in [(0, 1), (1, 2), (2, 0), (0, 3)]:
        fast = perm_both_draws(gold, scores, "spearman", level, a, b, k=120, seed=2)
        slow = perm_both_draws(gold, scores, "spearman", level, a, b, k=120, seed=2, fast=False)
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True)


def test_the_sorted_path_is_taken_for_tied_and_untied_pairs():
    gold, scores = _continuous(2)
    z = zscore_on_gold(gold, scores)
    path = perm_both_fast_path(get_coefficient("spearman"), "none", gold, z)
    assert isinstance(path, SortedSpearmanPermBoth)
    assert path._plan(0, 1)[0] is False  # no tie: ranks are a permutation
    assert path._plan(0, 3)[0] is True  # metric 3 ties: with the bounds of each tie group


def test_matrix_with_tied_and_untied_pairs_equals_generic():
    gold, scores = _continuous(3)
    fast = perm_both(gold, scores, "spearman", "none", k=200, seed=1)
    slow = perm_both(gold, scores, "spearman", "none", k=200, seed=1, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)


def test_one_draw_matches_scipy():
    gold, scores = _continuous(4)
    gold = np.where(np.isfinite(gold), gold, 0.0)
    z = zscore_on_gold(gold, scores)
    mask = np.random.default_rng(0).random((1,) + gold.shape) < 0.5
    a_star = np.where(mask[0], z[1], z[0]).ravel()
    b_star = np.where(mask[0], z[0], z[1]).ravel()
    expected = (scipy.stats.spearmanr(gold.ravel(), a_star).statistic
                - scipy.stats.spearmanr(gold.ravel(), b_star).statistic)
    path = perm_both_fast_path(get_coefficient("spearman"), "none", gold, z)
    assert path.draws([(0, 1)], mask)[0, 0] == pytest.approx(expected, abs=1e-12)


def test_long_vectors_beyond_the_half_step_limit():
    """4,000 cells (above the quadratic path's 3,000): the sorted path answers, scipy agrees."""
    rng = np.random.default_rng(5)
    gold = rng.normal(size=(2, 2000))
    scores = gold[None] + rng.normal(size=(2, 2, 2000))
    z = zscore_on_gold(gold, scores)
    mask = rng.random((3,) + gold.shape) < 0.5
    path = perm_both_fast_path(get_coefficient("spearman"), "none", gold, z)
    got = path.draws([(0, 1)], mask)[0]
    for d in range(3):
        a_star = np.where(mask[d], z[1], z[0]).ravel()
        b_star = np.where(mask[d], z[0], z[1]).ravel()
        expected = (scipy.stats.spearmanr(gold.ravel(), a_star).statistic
                    - scipy.stats.spearmanr(gold.ravel(), b_star).statistic)
        assert got[d] == pytest.approx(expected, abs=1e-12)
