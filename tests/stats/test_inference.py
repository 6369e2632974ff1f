"""Bootstrap CIs, PERM-BOTH, chance baseline, clusters and multiple-comparison adjustments."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import scipy.stats

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.chance import place, random_orders, sorted_units
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.coefficients import pearson
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.multitest import benjamini_hochberg, holm
from metaeval.stats.permutation import (
    chance_baseline,
    perm_both,
    perm_both_draws,
    swap_masks,
)
from metaeval.stats.resampling import (
    acceleration,
    bca_bounds,
    bootstrap_ci,
    bootstrap_indices,
    jackknife_correlations,
)


def _data(seed=0, S=6, I=15, M=3, holes=True):  # noqa: E741
    rng = np.random.default_rng(seed)
    gold = rng.normal(size=(S, I))
    scores = np.stack([gold * (0.8 - 0.3 * m) + rng.normal(size=gold.shape) for m in range(M)])
    if holes:
        gold[0, 1] = gold[2, 5] = gold[4, 0] = np.nan
    return gold, scores


# ---------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("level", ["item", "none", "system", "sys"])
@pytest.mark.parametrize("resample", ["items", "systems", "both"])
def test_percentile_ci_equals_plain_loop(level, resample):
    gold, scores = _data()
    k = 60
    result = bootstrap_ci(gold, scores, "pearson", level, k=k, seed=3, resample=resample, chunk=7)
    idx = bootstrap_indices(*gold.shape, k=k, seed=3, resample=resample)
    loop = np.empty((scores.shape[0], k))
    for d in range(k):
        rows, cols = idx.systems[d][:, None], idx.items[d][None, :]
        for m in range(scores.shape[0]):
            loop[m, d] = correlation_at_level(gold[rows, cols], scores[m][rows, cols], "pearson", level)
    np.testing.assert_allclose(result.bootstrap_distribution, loop, rtol=0, atol=1e-12, equal_nan=True)
    for m in range(scores.shape[0]):
        finite = loop[m][np.isfinite(loop[m])]
        low, high = np.quantile(finite, [0.025, 0.975])
        assert result.confidence_interval.low[m] == pytest.approx(low, abs=1e-12)
        assert result.confidence_interval.high[m] == pytest.approx(high, abs=1e-12)
    np.testing.assert_allclose(result.statistic, correlation_at_level(gold, scores, "pearson", level))


def test_bca_equals_scipy_on_one_vector():
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = 0.5 * x + rng.normal(size=40)
    res = scipy.stats.bootstrap((x, y), lambda a, b, axis=-1: pearson(a, b), paired=True,
                                vectorized=True, method="BCa", n_resamples=1500,
                                rng=np.random.default_rng(7))
    gold, scores = x[None, :], y[None, None, :]  # one system, 40 items, level none
    jack = jackknife_correlations(gold, scores, pearson_coef(), "none", "items")
    # the jackknife matches a plain leave-one-out loop
    loo = [pearson(np.delete(x, i), np.delete(y, i)) for i in range(40)]
    np.testing.assert_allclose(jack[0], loo, atol=1e-12)
    low, high = bca_bounds(res.bootstrap_distribution[None], pearson(x, y)[None],
                           acceleration([jack]), 0.95)
    assert low[0] == pytest.approx(res.confidence_interval.low, abs=1e-10)
    assert high[0] == pytest.approx(res.confidence_interval.high, abs=1e-10)


def pearson_coef():
    from metaeval.stats.coefficients import get_coefficient

    return get_coefficient("pearson")


def test_bca_full_run_close_to_scipy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=60)
    y = 0.4 * x + rng.normal(size=60)
    ours = bootstrap_ci(x[None], y[None, None], "pearson", "none", k=4000, seed=0, method="bca")
    ref = scipy.stats.bootstrap((x, y), lambda a, b, axis=-1: pearson(a, b), paired=True,
                                vectorized=True, method="BCa", n_resamples=4000,
                                rng=np.random.default_rng(0))
    # different random draws: agreement within Monte Carlo error
    assert ours.confidence_interval.low[0] == pytest.approx(ref.confidence_interval.low, abs=0.03)
    assert ours.confidence_interval.high[0] == pytest.approx(ref.confidence_interval.high, abs=0.03)


@pytest.mark.parametrize("method", ["percentile", "bca"])
@pytest.mark.parametrize("resample", ["items", "systems", "both"])
def test_ci_covers_estimate_and_is_reproducible(method, resample):
    gold, scores = _data(seed=4, S=8, I=30)
    a = bootstrap_ci(gold, scores, "spearman", "item", k=200, seed=11, method=method, resample=resample)
    b = bootstrap_ci(gold, scores, "spearman", "item", k=200, seed=11, method=method, resample=resample)
    c = bootstrap_ci(gold, scores, "spearman", "item", k=200, seed=12, method=method, resample=resample)
    assert np.all(a.confidence_interval.low <= a.statistic) and np.all(a.statistic <= a.confidence_interval.high)
    np.testing.assert_array_equal(a.bootstrap_distribution, b.bootstrap_distribution)
    np.testing.assert_array_equal(a.confidence_interval.low, b.confidence_interval.low)
    assert not np.array_equal(a.bootstrap_distribution, c.bootstrap_distribution)
    assert a.bootstrap_distribution.shape == (3, 200)


def test_undefined_draws_are_counted_and_ignored():
    rng = np.random.default_rng(0)
    gold = rng.normal(size=(3, 10))
    scores = (gold + rng.normal(size=(3, 10)))[None]
    result = bootstrap_ci(gold, scores, "pearson", "system", k=300, seed=0, resample="systems")
    # a draw that repeats one system three times has constant vectors -> undefined
    idx = bootstrap_indices(3, 10, k=300, seed=0, resample="systems")
    expected = int((idx.systems == idx.systems[:, :1]).all(1).sum())
    assert result.n_undefined[0] == expected > 0
    assert np.isnan(result.bootstrap_distribution[0]).sum() == expected
    assert np.isfinite(result.confidence_interval.low[0]) and np.isfinite(result.confidence_interval.high[0])


def test_bootstrap_rejects_bad_arguments():
    gold, scores = _data()
    with pytest.raises(ParameterError):
        bootstrap_ci(gold, scores, "pearson", "item", resample="cells")
    with pytest.raises(ParameterError):
        bootstrap_ci(gold, scores, "pearson", "item", method="bc")
    with pytest.raises(StatsError):
        bootstrap_ci(gold, scores[:, :2], "pearson", "item")


# ---------------------------------------------------------------- PERM-BOTH


def _reference_perm_both(gold, scores, stat, k, seed):
    """Slow loop: per draw and pair, swap cells and recompute with scipy on the filtered cells."""
    present = np.isfinite(gold)
    z = np.full(scores.shape, np.nan)
    for m in range(len(scores)):
        z[m][present] = scipy.stats.zscore(scores[m][present])
    masks = swap_masks(np.random.default_rng(seed), k, gold.shape)
    M = len(scores)
    value = np.array([stat(gold, z[m]) for m in range(M)])
    count = np.zeros((M, M), int)
    for w in masks:
        for a, b in combinations(range(M), 2):
            d = stat(gold, np.where(w, z[b], z[a])) - stat(gold, np.where(w, z[a], z[b]))
            delta = value[a] - value[b]
            count[a, b] += d >= delta - 1e-12  # ties within rounding count as extreme
            count[b, a] += d <= delta + 1e-12
    return value, (count + 1) / (k + 1)


def _item_stat(fn):
    def stat(gold, metric):
        vals = []
        for i in range(gold.shape[1]):
            ok = np.isfinite(gold[:, i])
            g, m = gold[ok, i], metric[ok, i]
            if len(g) >= 2 and np.ptp(g) > 0 and np.ptp(m) > 0:
                vals.append(fn(g, m)[0])
        return np.mean(vals)

    return stat


def _pooled_stat(fn):
    def stat(gold, metric):
        ok = np.isfinite(gold)
        return fn(gold[ok], metric[ok])[0]

    return stat


@pytest.mark.parametrize(
    ("coefficient", "level", "stat"),
    [
        ("pearson", "item", _item_stat(scipy.stats.pearsonr)),
        ("spearman", "item", _item_stat(scipy.stats.spearmanr)),
        ("pearson", "none", _pooled_stat(scipy.stats.pearsonr)),
        ("spearman", "none", _pooled_stat(scipy.stats.spearmanr)),
    ],
)
def test_perm_both_equals_slow_loop(coefficient, level, stat):
    gold, scores = _data(seed=5, S=5, I=8)
    k = 40
    result = perm_both(gold, scores, coefficient, level, k=k, seed=9, chunk=15)
    value, p = _reference_perm_both(gold, scores, stat, k, seed=9)
    diagonal = np.eye(3, dtype=bool)
    np.testing.assert_allclose(result.statistic, np.where(diagonal, np.nan, value[:, None] - value),
                               atol=1e-12)
    np.testing.assert_array_equal(result.pvalue, np.where(diagonal, np.nan, p))


def test_perm_both_p_values_have_the_permutation_form():
    gold, scores = _data(seed=6, S=6, I=20, M=4)
    k = 99
    result = perm_both(gold, scores, "pearson", "item", k=k, seed=0)
    off = ~np.eye(4, dtype=bool)
    p = result.pvalue[off]
    assert np.all((p > 0) & (p <= 1))
    counts = p * (k + 1) - 1
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    # each draw is counted for (a, b) or (b, a) (both on a tie)
    pairs = result.pvalue[off] + result.pvalue.T[off]
    assert np.all(pairs >= (k + 2) / (k + 1) - 1e-12)
    np.testing.assert_allclose(result.statistic, -result.statistic.T)
    assert np.isnan(np.diag(result.pvalue)).all()


def test_perm_both_detects_a_clearly_better_metric():
    rng = np.random.default_rng(0)
    gold = rng.normal(size=(10, 60))
    good = gold + 0.3 * rng.normal(size=gold.shape)
    bad = rng.normal(size=gold.shape)
    result = perm_both(gold, np.stack([good, bad]), "pearson", "none", k=200, seed=1)
    assert result.pvalue[0, 1] == pytest.approx(1 / 201)
    assert result.pvalue[1, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("level", ["item", "sys", "none"])
def test_fast_pearson_path_equals_generic_path(level):
    gold, scores = _data(seed=8, S=7, I=12, M=3)
    for a, b in [(0, 1), (2, 0)]:
        fast = perm_both_draws(gold, scores, "pearson", level, a, b, k=120, seed=4)
        slow = perm_both_draws(gold, scores, "pearson", level, a, b, k=120, seed=4, fast=False)
        np.testing.assert_allclose(fast, slow, atol=1e-12)
    fast = perm_both(gold, scores, "pearson", level, k=120, seed=4)
    slow = perm_both(gold, scores, "pearson", level, k=120, seed=4, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
    np.testing.assert_allclose(fast.statistic, slow.statistic, atol=1e-12)


def test_fast_pearson_path_handles_constant_groups():
    gold, scores = _data(seed=8, S=5, I=6, M=2, holes=False)
    gold[:, 2] = 1.0  # constant gold item: undefined, dropped from the average
    scores[:, :, 3] = 0.5  # both metrics constant on an item: undefined in every draw
    fast = perm_both_draws(gold, scores, "pearson", "item", 0, 1, k=50, seed=0)
    slow = perm_both_draws(gold, scores, "pearson", "item", 0, 1, k=50, seed=0, fast=False)
    np.testing.assert_allclose(fast, slow, atol=1e-12)


# ---------------------------------------------------------------- chance baseline


def test_random_orders_place_only_valid_cells():
    rng = np.random.default_rng(0)
    metric = np.arange(12.0).reshape(2, 6)
    valid = np.ones((2, 6), bool)
    valid[0, [1, 4]] = False
    out = place(sorted_units(metric, valid), random_orders(rng, valid, 20))
    for draw in out:
        for row in range(2):
            np.testing.assert_array_equal(np.sort(draw[row][valid[row]]), np.sort(metric[row][valid[row]]))
            assert np.isnan(draw[row][~valid[row]]).all()
    assert len({tuple(d[1]) for d in out}) > 1


@pytest.mark.parametrize("level", ["item", "sys", "none", "system"])
def test_chance_baseline_is_centred_near_zero(level):
    rng = np.random.default_rng(3)
    gold = rng.normal(size=(12, 40))
    metric = gold + 0.5 * rng.normal(size=gold.shape)
    gold[1, 3] = np.nan
    low, high, draws = chance_baseline(gold, metric, "pearson", level, k=400, seed=0)
    assert draws.shape == (400,)
    assert low < 0 < high
    assert abs(np.nanmean(draws)) < 0.05 if level != "system" else abs(np.nanmean(draws)) < 0.1
    observed = correlation_at_level(gold, metric, "pearson", level)
    assert observed > high
    again = chance_baseline(gold, metric, "pearson", level, k=400, seed=0)
    np.testing.assert_array_equal(draws, again[2])


# ---------------------------------------------------------------- clusters


def test_clusters_split_at_significant_gaps():
    values = np.array([0.5, 0.9, 0.7, 0.1])  # order by value: 1, 2, 0, 3
    p = np.full((4, 4), 0.5)
    p[1, 2] = 0.3  # 1 not significantly better than 2
    p[1, 0] = 0.01  # 1 significantly better than 0 -> 0 opens cluster 2
    p[2, 0] = 0.2
    p[0, 3] = 0.2
    p[1, 3] = 0.001  # 1 is not in 0's cluster, so 3 stays with 0
    np.testing.assert_array_equal(significance_clusters(values, p), [2, 1, 1, 2])
    p[0, 3] = 0.04
    np.testing.assert_array_equal(significance_clusters(values, p), [2, 1, 1, 3])
    np.testing.assert_array_equal(significance_clusters(values, p, alpha=0.01), [1, 1, 1, 2])


def test_clusters_leave_nan_out_and_all_equal_when_nothing_significant():
    """A metric without a value belongs to no cluster (it was put last, looking ranked)."""
    values = np.array([0.2, np.nan, 0.4])
    p = np.full((3, 3), 0.9)
    np.testing.assert_array_equal(significance_clusters(values, p), [1, np.nan, 1])
    p[2, 0] = 0.0
    np.testing.assert_array_equal(significance_clusters(values, p), [2, np.nan, 1])
    assert np.isnan(significance_clusters(np.array([np.nan, np.nan]), np.full((2, 2), 0.5))).all()


# ---------------------------------------------------------------- multiple comparisons


def test_holm_hand_computed():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005=0.02, 3*0.01=0.03, 2*0.03=0.06, 1*0.04 -> max 0.06
    np.testing.assert_allclose(holm(p), [0.03, 0.06, 0.06, 0.02])


def test_bh_matches_scipy_and_ignores_nan():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.2, size=(5, 5))
    np.fill_diagonal(p, np.nan)
    adjusted = benjamini_hochberg(p)
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose(adjusted[off], scipy.stats.false_discovery_control(p[off]))
    assert np.isnan(np.diag(adjusted)).all()
    h = holm(p)
    assert np.all(h[off] >= p[off]) and np.isnan(np.diag(h)).all()
