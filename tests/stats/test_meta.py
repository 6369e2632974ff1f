"""Random-effects meta-analysis (DerSimonian-Laird on Fisher z) against a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metaeval.errors import StatsError
from metaeval.stats.meta import (
    average_over_sets,
    dersimonian_laird,
    fisher_variance,
    fisher_z,
)
from tests.meta_by_hand import random_effects_by_hand


@pytest.mark.parametrize("r, n", [([0.5, 0.3, 0.7], [50, 30, 80]),      # heterogeneous
                                  ([0.41, 0.40, 0.43, 0.39], [40, 60, 35, 90])])  # tau^2 = 0
def test_dersimonian_laird_matches_the_hand_computation(r, n):
    meta = dersimonian_laird(fisher_z(np.array([r])), fisher_variance(np.array([n]), "pearson"))
    want = random_effects_by_hand(r, n)
    assert meta.mu[0] == pytest.approx(want["mu"])
    assert meta.se[0] == pytest.approx(want["se"])
    assert meta.tau2[0] == pytest.approx(want["tau2"])
    assert meta.q[0] == pytest.approx(want["q"])
    assert meta.i2[0] == pytest.approx(want["i2"])
    assert meta.q_pvalue[0] == pytest.approx(want["q_p"])
    assert meta.pvalue[0] == pytest.approx(want["p"])
    pooled, low, high = meta.correlation()
    assert (pooled[0], low[0], high[0]) == pytest.approx((want["r"], want["low"], want["high"]))


def test_heterogeneous_case_has_positive_tau2_and_the_homogeneous_none():
    meta = dersimonian_laird(fisher_z(np.array([[0.5, 0.3, 0.7], [0.41, 0.40, 0.43]])),
                             fisher_variance(np.array([[50, 30, 80], [40, 60, 35]]), "pearson"))
    assert meta.tau2[0] > 0 and 0 < meta.i2[0] < 1
    assert meta.tau2[1] == 0 and meta.i2[1] == 0


def test_missing_sets_are_left_out_per_metric_and_one_set_has_no_heterogeneity():
    z = fisher_z(np.array([[0.5, np.nan, 0.7], [0.2, np.nan, np.nan]]))
    v = fisher_variance(np.array([[50, 30, 80], [50, 30, 80]]), "pearson")
    meta = dersimonian_laird(z, v)
    both = dersimonian_laird(fisher_z(np.array([[0.5, 0.7]])),
                             fisher_variance(np.array([[50, 80]]), "pearson"))
    assert meta.mu[0] == pytest.approx(both.mu[0]) and meta.n_sets.tolist() == [2, 1]
    assert meta.mu[1] == pytest.approx(math.atanh(0.2))  # one set: its own z
    assert np.isnan(meta.tau2[1]) and np.isnan(meta.i2[1])


def test_fisher_variances_of_the_rank_coefficients():
    assert fisher_variance(np.array([23]), "spearman")[0] == pytest.approx(1.06 / 20)
    assert fisher_variance(np.array([24]), "kendall_b")[0] == pytest.approx(0.437 / 20)
    assert np.isnan(fisher_variance(np.array([3]), "pearson")[0])
    with pytest.raises(StatsError, match="no Fisher-z variance"):
        fisher_variance(np.array([10]), "acc23")


def test_average_over_sets_means_draws_with_the_same_index():
    values = np.array([[0.2, 0.4], [0.6, 0.8]])  # 2 metrics x 2 sets
    draws = np.arange(2 * 2 * 3, dtype=float).reshape(2, 2, 3)  # sets x metrics x k
    mean, avg = average_over_sets(values, draws)
    assert mean.tolist() == pytest.approx([0.3, 0.7])
    assert avg.tolist() == [[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]]
    with pytest.raises(StatsError, match="draws must be"):
        average_over_sets(values, draws[:1])


def _restricted_loglik(t, z, v):
    w = 1 / (v + t)
    mu = (w * z).sum() / w.sum()
    return -0.5 * (np.log(v + t).sum() + np.log(w.sum()) + (w * (z - mu) ** 2).sum())


def test_reml_maximises_the_restricted_likelihood():
    from scipy.optimize import minimize_scalar

    r, n = np.array([0.5, 0.3, 0.7, 0.1, 0.45]), np.array([50, 30, 80, 40, 60])
    z, v = fisher_z(r), fisher_variance(n, "pearson")
    meta = dersimonian_laird(z[None], v[None], method="reml")
    best = minimize_scalar(lambda t: -_restricted_loglik(t, z, v), bounds=(0, 2),
                           method="bounded", options={"xatol": 1e-12})
    assert meta.tau2[0] == pytest.approx(best.x, abs=1e-7)
    assert meta.tau2[0] != pytest.approx(dersimonian_laird(z[None], v[None]).tau2[0], abs=1e-4)
    w = 1 / (v + meta.tau2[0])
    assert meta.mu[0] == pytest.approx((w * z).sum() / w.sum())
    with pytest.raises(StatsError, match="unknown meta-analysis method"):
        dersimonian_laird(z[None], v[None], method="ml")


def test_reml_is_zero_for_homogeneous_sets():
    z = fisher_z(np.array([[0.41, 0.40, 0.43, 0.39]]))
    v = fisher_variance(np.array([[40, 60, 35, 90]]), "pearson")
    assert dersimonian_laird(z, v, method="reml").tau2[0] == 0
