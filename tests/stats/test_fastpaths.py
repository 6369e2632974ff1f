"""Exact fast paths: they must give the generic path's numbers on data with ties and NaNs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from metaeval.stats.coefficients import COEFFICIENTS, get_coefficient
from metaeval.stats.fastpaths import (
    fixed_gold_pair_counts,
    weighted_distinct,
    weighted_pair_counts,
)
from metaeval.stats.kendall import pair_counts, tau_b_from_counts
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.permfast import perm_both_fast_path
from metaeval.stats.permshort import ShortSpearmanPermBoth
from metaeval.stats.permsorted import SortedSpearmanPermBoth
from metaeval.stats.permutation import (
    chance_baseline,
    perm_both,
    perm_both_draws,
    zscore_on_gold,
)
from metaeval.stats.resampling import bootstrap_ci, bootstrap_indices, resampled_correlations


def _tied(seed=0, S=6, I=15, holes=True):  # noqa: E741
    """Gold and three metrics rounded so that ties are common; NaN gold cells."""
    rng = np.random.default_rng(seed)
    gold = np.round(rng.normal(size=(S, I)), 0)
    scores = np.stack([np.round(gold * 0.5 + rng.normal(size=(S, I)), r) for r in (0, 1, 8)])
    if holes:
        gold[0, 1] = gold[2, 5] = np.nan
    return gold, scores


PAIR_FAST = [c.name for c in COEFFICIENTS.values() if c.from_counts is not None]


# ------------------------------------------------------------ Spearman PERM-BOTH
@pytest.mark.parametrize("level", ["none", "item", "sys"])
def test_spearman_perm_both_draws_equal_generic(level):
    gold, scores = _tied(1)
    for a, b in [(0, 1), (0, 2), (2, 1)]:
        fast = perm_both_draws(gold, scores, "spearman", level, a, b, k=150, seed=4, chunk=40)
        slow = perm_both_draws(gold, scores, "spearman", level, a, b, k=150, seed=4, chunk=40,
                               fast=False)
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True)


def test_spearman_perm_both_matrix_equals_generic():
    gold, scores = _tied(2)
    fast = perm_both(gold, scores, "spearman", "none", k=200, seed=1)
    slow = perm_both(gold, scores, "spearman", "none", k=200, seed=1, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
    np.testing.assert_allclose(fast.statistic, slow.statistic, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("level", ["none", "item"])  # sorted path (90 cells), short path (6)
def test_spearman_ranks_of_one_draw_match_scipy(level):
    gold, scores = _tied(3, holes=False)
    z = zscore_on_gold(gold, scores)
    path = perm_both_fast_path(get_coefficient("spearman"), level, gold, z)
    mask = np.random.default_rng(0).random((1,) + gold.shape) < 0.5
    a_star = np.where(mask[0], z[1], z[0])
    b_star = np.where(mask[0], z[0], z[1])
    if level == "none":
        expected = (scipy.stats.spearmanr(gold.ravel(), a_star.ravel()).statistic
                    - scipy.stats.spearmanr(gold.ravel(), b_star.ravel()).statistic)
    else:
        expected = np.nanmean([scipy.stats.spearmanr(gold[:, i], a_star[:, i]).statistic
                               for i in range(gold.shape[1])]) - np.nanmean(
            [scipy.stats.spearmanr(gold[:, i], b_star[:, i]).statistic
             for i in range(gold.shape[1])])
    assert path.draws([(0, 1)], mask)[0, 0] == pytest.approx(expected, abs=1e-12)


def test_spearman_fast_path_declines_missing_metric_cells():
    gold, scores = _tied(4)
    z = zscore_on_gold(gold, scores)
    coef = get_coefficient("spearman")
    for path in (SortedSpearmanPermBoth, ShortSpearmanPermBoth):
        assert path.supports(coef, "item", gold, z)
    scores[1, 3, 3] = np.nan  # gold present there: the valid cells would change between draws
    for path in (SortedSpearmanPermBoth, ShortSpearmanPermBoth):
        assert not path.supports(coef, "item", gold, zscore_on_gold(gold, scores))
        assert not path.supports(get_coefficient("kendall_b"), "item", gold, z)
    # the generic path still answers (for the pairs of that metric)
    fast = perm_both(gold, scores, "spearman", "none", k=50, seed=0)
    slow = perm_both(gold, scores, "spearman", "none", k=50, seed=0, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)


# ------------------------------------------------------------ weighted pair counts
def test_weighted_pair_counts_equal_counts_of_the_expanded_vector():
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=12), 0)
    y = np.round(x + rng.normal(size=12), 0)
    x[3] = np.nan
    y[7] = np.nan
    weights = rng.integers(0, 4, size=(20, 12))
    got = weighted_pair_counts(x, y, weights)
    for d, w in enumerate(weights):
        expected = pair_counts(np.repeat(x, w), np.repeat(y, w))
        for field in ("con", "dis", "ties_human", "ties_metric", "ties_both", "n"):
            assert getattr(got, field)[d] == getattr(expected, field), field
        valid = np.isfinite(x) & np.isfinite(y) & (w > 0)
        assert weighted_distinct(x, np.isfinite(x) & np.isfinite(y), w[None])[0] == len(
            np.unique(x[valid]))


def test_weighted_pair_counts_by_hand():
    # cells (x, y): (1, 1), (2, 3), (2, 2); weights 2, 1, 1 -> multiset of 4 cells, 6 pairs
    counts = weighted_pair_counts(np.array([1.0, 2, 2]), np.array([1.0, 3, 2]),
                                  np.array([[2, 1, 1]]))
    # (1,1)x(1,1): tie both; (1,1)x(2,3): con (x2); (1,1)x(2,2): con (x2); (2,3)x(2,2): human tie
    assert (counts.con[0], counts.dis[0], counts.ties_human[0], counts.ties_metric[0],
            counts.ties_both[0], counts.n[0]) == (4, 0, 1, 0, 1, 4)
    assert tau_b_from_counts(counts)[0] == pytest.approx(4 / np.sqrt(4 * 5))


@pytest.mark.parametrize("name", PAIR_FAST)
@pytest.mark.parametrize("resample", ["items", "systems", "both"])
def test_pooled_kendall_bootstrap_equals_generic(name, resample):
    gold, scores = _tied(6)
    scores[1, 3, 3] = np.nan
    coef = get_coefficient(name)
    idx = bootstrap_indices(*gold.shape, k=80, seed=2, resample=resample)
    fast = resampled_correlations(gold, scores, coef, "none", idx)
    rows, cols = idx.systems[:, :, None], idx.items[:, None, :]
    slow = correlation_at_level(gold[rows, cols][None], scores[:, rows, cols], coef, "none")
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True)


def test_pooled_kendall_bootstrap_ci_equals_scipy_loop():
    gold, scores = _tied(7, S=4, I=10)
    result = bootstrap_ci(gold, scores, "kendall_b", "none", k=60, seed=9)
    idx = bootstrap_indices(*gold.shape, k=60, seed=9)
    for d in range(60):
        g = gold[:, idx.items[d]].ravel()
        for m in range(scores.shape[0]):
            s = scores[m][:, idx.items[d]].ravel()
            keep = np.isfinite(g) & np.isfinite(s)
            assert result.bootstrap_distribution[m, d] == pytest.approx(
                scipy.stats.kendalltau(g[keep], s[keep]).statistic, abs=1e-12)


# ------------------------------------------------------------ chance baseline, fixed gold
@pytest.mark.parametrize("n,decimals", [(1, 0), (2, 0), (40, 0), (300, 1), (300, 8)])
def test_fixed_gold_pair_counts_equal_pair_counts(n, decimals):
    rng = np.random.default_rng(n + decimals)
    x = np.round(rng.normal(size=n), decimals)
    ys = np.round(rng.normal(size=(30, n)), decimals)
    if n > 10:
        x[3] = np.nan
        ys[:, 5] = np.nan
    got = fixed_gold_pair_counts(x, ys)
    expected = pair_counts(np.broadcast_to(x, ys.shape), ys)
    for field in ("con", "dis", "ties_human", "ties_metric", "ties_both", "n"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field), field)


@pytest.mark.parametrize("name", PAIR_FAST)
def test_pooled_kendall_chance_baseline_equals_generic(name):
    gold, scores = _tied(8)
    metric = scores[0].copy()
    metric[3, 3] = np.nan
    fast = chance_baseline(gold, metric, name, "none", k=120, seed=5, chunk=50)
    slow = chance_baseline(gold, metric, name, "none", k=120, seed=5, chunk=50, fast=False)
    np.testing.assert_allclose(fast[2], slow[2], rtol=0, atol=1e-12, equal_nan=True)
    assert fast[:2] == pytest.approx(slow[:2], abs=1e-12)


@pytest.mark.parametrize("name", ["pearson", "spearman"])
@pytest.mark.parametrize("variant", ["plain", "constant", "fragile"])
def test_pooled_linear_chance_baseline_equals_generic(name, variant):
    gold, scores = _tied(9)
    metric = scores[0].copy()
    metric[3, 3] = np.nan
    if variant == "constant":
        metric = np.full_like(metric, 2.0)
    elif variant == "fragile":  # spread below 1e-8 of the mean: the generic path decides
        metric = 1e6 + metric * 1e-5
    fast = chance_baseline(gold, metric, name, "none", k=150, seed=3, chunk=40)
    slow = chance_baseline(gold, metric, name, "none", k=150, seed=3, chunk=40, fast=False)
    np.testing.assert_allclose(fast[2], slow[2], rtol=0, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", ["pearson", "spearman"])
@pytest.mark.parametrize("level", ["item", "sys"])
@pytest.mark.parametrize("variant", ["plain", "constant_group", "fragile"])
def test_within_group_linear_chance_baseline_equals_generic(name, level, variant):
    gold, scores = _tied(10)
    metric = scores[0].copy()
    metric[3, 3] = np.nan
    gold[:, 2] = 1.0  # a constant item: NaN at level item, dropped from the average
    if variant == "constant_group":
        metric[1] = 4.0  # a constant system: NaN at level sys
    elif variant == "fragile":
        metric = 1e6 + metric * 1e-5
    fast = chance_baseline(gold, metric, name, level, k=150, seed=4, chunk=40)
    slow = chance_baseline(gold, metric, name, level, k=150, seed=4, chunk=40, fast=False)
    np.testing.assert_allclose(fast[2], slow[2], rtol=0, atol=1e-12, equal_nan=True)
    assert fast[:2] == pytest.approx(slow[:2], abs=1e-12, nan_ok=True)
