"""Exact binomial intervals and tests against scipy, simultaneous multinomial intervals against
the published values (Sison & Glaz 1995's examples: Goodman's intervals as printed in the paper,
3 decimals; Sison-Glaz's as R's MultinomialCI computes them, 4 decimals), the unit bootstrap of
a ratio by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metaeval.errors import StatsError
from metaeval.stats.proportions import (
    binomial_pvalue,
    bootstrap_ratio,
    clopper_pearson,
    goodman_intervals,
    sison_glaz_intervals,
    unit_weights,
)

EXAMPLE_1 = [56, 72, 73, 59, 62, 87, 58]
EXAMPLE_3 = [1] * 10 + [12] * 10 + [5] * 10 + [3] * 10 + [4] * 10


@pytest.mark.parametrize("ci", [0.9, 0.95, 0.99])
def test_clopper_pearson_equals_scipy_exact_interval(ci):
    rng = np.random.default_rng(11)
    n = rng.integers(1, 60, size=25)
    x = rng.integers(0, n + 1)
    x[:2], n[:2] = 0, 7  # the edges: x = 0 ...
    x[2] = n[2]  # ... and x = n
    low, high = clopper_pearson(x, n, ci)
    for i in range(len(n)):
        expected = stats.binomtest(int(x[i]), int(n[i])).proportion_ci(ci, method="exact")
        assert low[i] == pytest.approx(expected.low, abs=1e-12)
        assert high[i] == pytest.approx(expected.high, abs=1e-12)


def test_clopper_pearson_of_nothing_is_nan():
    low, high = clopper_pearson([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_binomial_pvalue_equals_scipy():
    rng = np.random.default_rng(12)
    for _ in range(10):
        n = int(rng.integers(1, 80))
        x = int(rng.integers(0, n + 1))
        assert binomial_pvalue(x, n) == stats.binomtest(x, n, 0.5).pvalue
    assert np.isnan(binomial_pvalue(0, 0))


def test_goodman_equals_the_sison_glaz_paper():
    low, high = goodman_intervals(EXAMPLE_1)
    assert np.round(low, 3).tolist() == [.085, .115, .116, .091, .096, .143, .089]
    assert np.round(high, 3).tolist() == [.166, .204, .207, .173, .181, .239, .171]
    low, high = goodman_intervals(EXAMPLE_3)
    assert np.round(low[::10], 3).tolist() == [0, .019, .005, .002, .004]
    assert np.round(high[::10], 3).tolist() == [.049, .114, .075, .062, .069]
    low, high = goodman_intervals([5] * 50)
    assert np.allclose(np.round(low, 3), .005) and np.allclose(np.round(high, 3), .075)


def test_goodman_by_its_formula():
    counts = np.array([3.0, 5.0, 2.0])
    a = stats.chi2.ppf(1 - 0.05 / 3, 1)  # Bonferroni over 3 categories, 1 df
    n1 = 3.0
    root = np.sqrt(a * (a + 4 * n1 * (10 - n1) / 10))
    low, high = goodman_intervals(counts, 0.95)
    assert low[0] == pytest.approx((a + 2 * n1 - root) / (2 * (10 + a)))
    assert high[0] == pytest.approx((a + 2 * n1 + root) / (2 * (10 + a)))


def test_sison_glaz_equals_r_multinomialci():
    low, high = sison_glaz_intervals(EXAMPLE_1)
    r_values = np.array([[.07922912, .1643361], [.11349036, .1985973], [.11563169, .2007386],
                         [.08565310, .1707601], [.09207709, .1771840], [.14561028, .2307172],
                         [.08351178, .1686187]])
    np.testing.assert_almost_equal(np.c_[low, high], r_values, decimal=4)
    low, high = sison_glaz_intervals([5] * 50)
    np.testing.assert_almost_equal(np.c_[low, high], [0, .05304026] * np.ones((50, 2)), 4)
    low, high = sison_glaz_intervals(EXAMPLE_3)
    expected = np.array([[0, .04120118], [.012, .08520118], [0, .05720118], [0, .04920118],
                         [0, .05320118]])
    np.testing.assert_almost_equal(np.c_[low, high][::10], expected, decimal=4)


def test_sison_glaz_against_statsmodels_when_installed():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    rng = np.random.default_rng(13)
    counts = rng.multinomial(40, [0.4, 0.3, 0.2, 0.1])
    for method, ours in (("sison-glaz", sison_glaz_intervals), ("goodman", goodman_intervals)):
        theirs = proportion.multinomial_proportions_confint(counts, method=method)
        np.testing.assert_allclose(np.c_[ours(counts)], theirs, atol=1e-9)


def test_simultaneous_intervals_need_two_categories_and_counts():
    with pytest.raises(StatsError):
        goodman_intervals([4])
    with pytest.raises(StatsError):
        sison_glaz_intervals([0, 0])


def test_unit_weights_are_multiplicities_of_the_draws():
    weights = unit_weights(5, 200, seed=3)
    assert weights.shape == (200, 5) and (weights.sum(axis=1) == 5).all()
    rng = np.random.default_rng(3)  # the same stream: unit indices drawn with replacement
    drawn = rng.integers(0, 5, size=(200, 5))
    assert (weights[7] == np.bincount(drawn[7], minlength=5)).all()


def test_bootstrap_ratio_is_the_percentile_interval_of_the_weighted_ratio():
    rng = np.random.default_rng(14)
    successes = rng.integers(0, 5, size=8)
    totals = successes + rng.integers(0, 5, size=8)
    weights = unit_weights(8, 300, seed=5)
    draws = (weights @ successes) / (weights @ totals)
    low, high = bootstrap_ratio(successes, totals, weights, 0.9)
    assert (low, high) == pytest.approx(tuple(np.quantile(draws, [0.05, 0.95])))
