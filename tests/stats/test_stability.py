"""Ranking-stability numerics against hand computations and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metaeval.errors import StatsError
from metaeval.stats.resampling import bootstrap_ci
from metaeval.stats.stability import (
    bootstrap_difference,
    bootstrap_pvalue,
    leave_one_out,
    metric_ranks,
    ranking_tau,
    reversed_pairs,
)


def test_ranks_best_first_ties_share_the_best_rank():
    assert metric_ranks(np.array([0.1, 0.7, 0.7, 0.3, np.nan])).tolist()[:4] == [4, 1, 1, 3]
    assert np.isnan(metric_ranks(np.array([0.1, np.nan]))[1])


def test_ranking_tau_is_scipy_kendall_tau_b_with_ties_and_missing():
    rng = np.random.default_rng(3)
    full = rng.normal(size=12)
    reduced = np.round(rng.normal(size=(4, 12)), 1)  # ties
    reduced[2, 5] = np.nan
    tau = ranking_tau(full, reduced)
    for r in range(4):
        keep = np.isfinite(reduced[r])
        expected = stats.kendalltau(full[keep], reduced[r][keep], variant="b").statistic
        assert tau[r] == pytest.approx(expected, abs=1e-12)


def test_leave_one_out_hand_case():
    full = np.array([0.9, 0.5, 0.1])
    best = np.array([True, True, False])
    reduced = np.array([[0.4, 0.6, 0.1],    # top changes: metric 1 first; ranks 2, 1, 3
                        [0.8, 0.3, 0.35]])  # ranks 1, 3, 2
    reduced_best = np.array([[False, True, False], [True, True, False]])
    loo = leave_one_out(full, best, reduced, reduced_best)
    assert loo.full_ranks.tolist() == [1, 2, 3]
    assert loo.ranks.tolist() == [[2, 1, 3], [1, 3, 2]]
    assert loo.rank_changed.tolist() == [0.5, 1.0, 0.5]
    assert loo.max_shift.tolist() == [1, 1, 1]
    assert loo.top == 0 and loo.top_changed.tolist() == [True, False]
    assert loo.best_changed.tolist() == [True, False]
    # tau-b over 3 metrics: run 0 has C=2, D=1 -> 1/3; run 1 likewise
    assert loo.tau == pytest.approx([1 / 3, 1 / 3])


def test_leave_one_out_refuses_an_empty_full_ranking():
    with pytest.raises(StatsError, match="no metric with a value"):
        leave_one_out(np.array([np.nan, np.nan]), np.zeros(2, bool), np.ones((1, 2)),
                      np.zeros((1, 2), bool))


def test_bootstrap_pvalue_by_hand():
    draws = np.array([[0.3, -0.1, 0.2, 0.5, np.nan],   # k' = 4, one <= 0, three >= 0
                      [-1.0, -2.0, -0.5, -0.1, -0.3]])  # all below 0
    p = bootstrap_pvalue(draws)
    assert p[0] == pytest.approx(2 * (1 + 1) / 5)
    assert p[1] == pytest.approx(2 * (0 + 1) / 6)
    assert np.isnan(bootstrap_pvalue(np.full((1, 3), np.nan))[0])


def test_reversed_pairs():
    a = np.array([0.9, 0.5, 0.1])
    b = np.array([0.2, 0.6, 0.3])
    assert reversed_pairs(a, b) == [(0, 1), (0, 2)]


def _spearman_cells(gold, metric, cols):
    return stats.spearmanr(gold[:, cols].ravel(), metric[:, cols].ravel()).statistic


def test_difference_of_correlations_by_hand_on_a_small_case():
    """Two independent groups, 2 systems x 6 items each; the draws of each group recomputed
    one by one with scipy from the same seeded item indices, then the difference CI and p."""
    rng = np.random.default_rng(0)
    gold_a, gold_b = rng.normal(size=(2, 6)), rng.normal(size=(2, 6))
    score_a = gold_a + rng.normal(scale=0.5, size=(2, 6))
    score_b = gold_b + rng.normal(scale=1.5, size=(2, 6))
    k = 50
    boot_a = bootstrap_ci(gold_a, score_a[None], "spearman", "none", k=k, seed=1)
    boot_b = bootstrap_ci(gold_b, score_b[None], "spearman", "none", k=k, seed=2)
    idx_a = np.random.default_rng(1).integers(0, 6, size=(k, 6))
    idx_b = np.random.default_rng(2).integers(0, 6, size=(k, 6))
    with np.errstate(all="ignore"):
        da = np.array([_spearman_cells(gold_a, score_a, c) for c in idx_a])
        db = np.array([_spearman_cells(gold_b, score_b, c) for c in idx_b])
    np.testing.assert_allclose(boot_a.bootstrap_distribution[0], da, atol=1e-12)
    np.testing.assert_allclose(boot_b.bootstrap_distribution[0], db, atol=1e-12)
    diff = bootstrap_difference(boot_a.statistic, boot_b.statistic,
                                boot_a.bootstrap_distribution, boot_b.bootstrap_distribution)
    d = (da - db)[np.isfinite(da - db)]
    ra = stats.spearmanr(gold_a.ravel(), score_a.ravel()).statistic
    rb = stats.spearmanr(gold_b.ravel(), score_b.ravel()).statistic
    assert diff.delta[0] == pytest.approx(ra - rb)
    assert diff.low[0] == pytest.approx(np.quantile(d, 0.025))
    assert diff.high[0] == pytest.approx(np.quantile(d, 0.975))
    below, above = sum(x <= 0 for x in d), sum(x >= 0 for x in d)
    assert diff.pvalue[0] == pytest.approx(min(1, 2 * min(below + 1, above + 1) / (len(d) + 1)))
    assert diff.n_draws[0] == len(d)


def test_difference_needs_draws_of_the_same_shape():
    with pytest.raises(StatsError, match="differ in shape"):
        bootstrap_difference(np.zeros(1), np.zeros(1), np.zeros((1, 3)), np.zeros((1, 4)))
