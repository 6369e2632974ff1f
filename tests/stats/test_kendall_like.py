"""WMT20 Kendall-like tau: cases worked by hand (threshold, ties, differences exactly at the
threshold, metric ties), a literal transcription of mt-metrics-eval's ``stats.KendallLike`` for
both counting paths, the pair-count weighted average of ``item``/``sys``, and the registry's
threshold argument."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from metaeval.errors import ParameterError
from metaeval.stats import correlation_at_level, system_scores
from metaeval.stats.coefficients import get_coefficient, with_arguments
from metaeval.stats.kendall_like import (
    SHORT_MAX,
    kendall_like,
    kendall_like_at_level,
    kendall_like_counts,
)


def mtme_kendall_like(gold_scores, metric_scores, thresh=25.0):
    """mt-metrics-eval ``stats.KendallLike`` (68a481a): (corr, concordant, discordant); a NaN
    cell is skipped as MTME skips a None gold score."""
    concordant, discordant = 0, 0
    for (a, b) in itertools.combinations(zip(gold_scores, metric_scores), 2):
        if np.isnan(a[0]) or np.isnan(b[0]) or np.isnan(a[1]) or np.isnan(b[1]):
            continue
        diff = a[0] - b[0]
        if abs(diff) >= thresh:
            if diff > 0 and a[1] > b[1] or diff < 0 and a[1] < b[1]:
                concordant += 1
            else:
                discordant += 1
    num_pairs = concordant + discordant
    return ((concordant - discordant) / num_pairs if num_pairs else np.nan), concordant, discordant


def test_threshold_drops_close_pairs():
    """gold [0, 10, 30, 60], metric [1, 2, 2, 0], thresh 25: (0,1) and (1,2) differ by < 25;
    (0,2) concordant (1 < 2); (0,3), (1,3), (2,3) discordant: tau = (1 - 3) / 4."""
    assert kendall_like([0, 10, 30, 60], [1, 2, 2, 0], 25) == -0.5
    assert kendall_like_counts([0, 10, 30, 60], [1, 2, 2, 0], 25) == (1, 3)


def test_difference_at_the_threshold_counts_and_metric_ties_are_discordant():
    """gold [0, 25, 50], metric [5, 5, 7]: (0,1) differs by exactly 25 (counted) and the metric
    ties (discordant); (0,2), (1,2) concordant: tau = 1/3. Just above 25 only (0,2) counts."""
    assert kendall_like([0, 25, 50], [5, 5, 7], 25) == pytest.approx(1 / 3, abs=1e-15)
    assert kendall_like([0, 25, 50], [5, 5, 7], 25.0001) == 1.0


def test_gold_ties_are_discordant_at_threshold_zero():
    """thresh 0 counts every pair: the gold tie (0,1) is discordant, (0,2), (1,2) concordant."""
    assert kendall_like([1, 1, 2], [1, 2, 3], 0) == pytest.approx(1 / 3, abs=1e-15)


def test_no_counted_pair_is_nan():
    assert np.isnan(kendall_like([0, 10, 20], [1, 2, 3], 25))
    assert np.isnan(kendall_like([0.0, np.nan], [1.0, 2.0], 0))
    assert mtme_kendall_like([0, 10, 20], [1, 2, 3])[1:] == (0, 0)  # MTME returns 0 there


def test_item_level_weights_by_counted_pairs():
    """Item 0: gold [0, 30, 60], metric [1, 2, 3]: 3 concordant pairs, tau 1. Item 1: gold
    [0, 10, 40], metric [3, 2, 1]: (0,2), (1,2) discordant, tau -1. Item 2 has no counted pair.
    Weighted by pairs: (3 * 1 + 2 * (-1)) / 5 = 0.2 (a plain mean would give 0)."""
    gold = np.array([[0, 0, 0], [30, 10, 5], [60, 40, 10]], float)
    metric = np.array([[1, 3, 1], [2, 2, 2], [3, 1, 3]], float)
    assert kendall_like_at_level(gold, metric, "item", 25) == pytest.approx(0.2, abs=1e-15)
    assert correlation_at_level(gold, metric, "kendall_like", "item") == pytest.approx(0.2)
    assert np.isnan(kendall_like_at_level(gold, metric, "item", 100))


@pytest.mark.parametrize("n", [12, SHORT_MAX + 60])  # all-pairs path and sorting path
def test_counts_equal_the_mtme_loop(n):
    rng = np.random.default_rng(n)
    for thresh in (0.0, 0.2, 0.3, 2.0):
        gold = np.round(rng.normal(size=n), 1)  # 0.1 grid: rounded differences at thresh
        metric = np.round(rng.normal(size=n) + gold, 1)  # metric ties
        gold[3] = np.nan
        metric[5] = np.nan
        tau, con, dis = mtme_kendall_like(gold, metric, thresh)
        assert kendall_like_counts(gold, metric, thresh) == (con, dis)
        assert kendall_like(gold, metric, thresh) == pytest.approx(tau, abs=1e-15)


def test_rounded_difference_decides_the_threshold():
    """0.3 - 0.1 is 0.19999999999999998 in binary floating point, below 0.2 (as in MTME)."""
    short = np.array([0.1, 0.3])
    long = np.concatenate([short, np.arange(SHORT_MAX) + 100.0])
    assert np.isnan(kendall_like(short, [0.0, 1.0], 0.2))
    assert kendall_like_counts(long[:2], [0.0, 1.0], 0.2) == (0, 0)
    metric = np.concatenate([[0.0, 1.0], np.zeros(SHORT_MAX)])
    assert (kendall_like_counts(long, metric, 0.2)
            == mtme_kendall_like(long, metric, 0.2)[1:])


@pytest.mark.parametrize("level", ["none", "system", "item", "sys"])
def test_levels_against_the_mtme_loop(level):
    rng = np.random.default_rng(7)
    gold = np.round(rng.uniform(0, 60, size=(6, 60)) + 12 * np.arange(6)[:, None])
    metric = gold + rng.normal(scale=30, size=gold.shape)
    gold[2, 4] = np.nan
    if level in ("none", "system"):
        g, m = (gold.ravel(), metric.ravel()) if level == "none" else system_scores(gold, metric)
        expected = mtme_kendall_like(g, m)[0]
    else:
        rows = zip(gold.T, metric.T) if level == "item" else zip(gold, metric)
        counts = [mtme_kendall_like(g, m)[1:] for g, m in rows]
        taus = [(c - d) / (c + d) for c, d in counts if c + d]  # MTME macro=False weights
        weights = [c + d for c, d in counts if c + d]
        expected = np.dot(weights, taus) / np.sum(weights)
    assert np.isfinite(expected)
    assert kendall_like_at_level(gold, metric, level) == pytest.approx(expected, abs=1e-12)


def test_batched_equals_each_vector():
    rng = np.random.default_rng(8)
    gold = np.round(rng.uniform(0, 100, size=(3, 4, 20)))
    metric = gold + rng.normal(scale=20, size=gold.shape)
    batched = kendall_like(gold, metric)
    assert batched.shape == (3, 4)
    for idx in np.ndindex(3, 4):
        assert batched[idx] == kendall_like(gold[idx], metric[idx])
    matrices = kendall_like_at_level(gold, metric[None], "item")
    assert matrices.shape == (1, 3)
    assert matrices[0, 1] == kendall_like_at_level(gold[1], metric[1], "item")


def test_registry_threshold_argument():
    coef = get_coefficient("kendall_like")
    assert coef.arguments == (("thresh", 25.0),)
    gold = np.array([[0, 0], [20, 20], [40, 60]], float)
    metric = np.array([[1, 3], [2, 2], [3, 1]], float)
    assert correlation_at_level(gold, metric, coef, "none") == kendall_like(gold.ravel(),
                                                                            metric.ravel(), 25)
    ten = with_arguments("kendall_like", thresh=10)
    assert ten.arguments == (("thresh", 10),) and ten.name == "kendall_like"
    assert correlation_at_level(gold, metric, ten, "item") == kendall_like_at_level(
        gold, metric, "item", 10)
    assert ten.batched(gold[:, 0], metric[:, 0]) == kendall_like(gold[:, 0], metric[:, 0], 10)
    assert get_coefficient("kendall_like").arguments == (("thresh", 25.0),)  # registry unchanged
    with pytest.raises(ParameterError, match="thresh"):
        with_arguments("kendall_like", epsilon=1)
    with pytest.raises(ParameterError, match="no arguments"):
        with_arguments("pearson", thresh=1)
    with pytest.raises(ParameterError, match="thresh"):
        kendall_like([1, 2], [1, 2], -1)
    assert with_arguments("pearson") is get_coefficient("pearson")
