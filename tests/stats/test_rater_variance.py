"""One-way random-effects fit of the panel ratings and the simulated panel means."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from metaeval import load_gensvs
from metaeval.correlation.power import ratings_tensor
from metaeval.stats.rater_variance import fit_rater_variance, simulated_means


def test_hand_computed_fit():
    # two cells: ratings (1, 2, 3) and (4, 4); a third cell with one rating, a fourth unrated
    ratings = np.array([[[1.0, 2.0, 3.0], [4.0, 4.0, np.nan]],
                        [[5.0, np.nan, np.nan], [np.nan, np.nan, np.nan]]])
    fit = fit_rater_variance(ratings)
    assert fit.means[0].tolist() == [2.0, 4.0] and fit.means[1, 0] == 5.0
    assert np.isnan(fit.means[1, 1])
    assert fit.cell_variance[0].tolist() == [1.0, 0.0]           # (1+0+1)/2, 0
    # MS_W = (2 + 0 + 0) / (6 ratings - 3 cells); grand mean 19/6
    assert fit.pooled == pytest.approx(2 / 3)
    grand = 19 / 6
    ms_b = (3 * (2 - grand) ** 2 + 2 * (4 - grand) ** 2 + (5 - grand) ** 2) / 2
    n0 = (6 - (9 + 4 + 1) / 6) / 2
    assert fit.ms_between == pytest.approx(ms_b)
    assert fit.between == pytest.approx((ms_b - 2 / 3) / n0)
    cell = fit.variance("cell")
    assert cell[0].tolist() == [1.0, 0.0] and cell[1, 0] == pytest.approx(2 / 3)  # fallback
    assert np.isnan(cell[1, 1]) and np.allclose(fit.variance("pooled")[0], 2 / 3)
    assert fit.panel == 2                                           # median of 3, 2, 1


@pytest.fixture(scope="module")
def gsvs_ratings():
    js = load_gensvs()
    _, _, systems, items = js.matrices(js.metric_names[:1], js.gold)
    return js, ratings_tensor(js, systems, items)


def test_fit_on_gsvs_matches_a_direct_anova(gsvs_ratings):
    js, tensor = gsvs_ratings
    fit = fit_rater_variance(tensor)
    frame = js.individual_ratings()
    groups = [g["rating"].to_numpy(float) for _, g in frame.groupby(["item", "system"])]
    assert len(groups) == 250 and fit.panel == 12
    # per-stimulus variance: pandas' unbiased variance of each cell
    by_cell = frame.groupby(["system", "item"])["rating"].var(ddof=1)
    assert sorted(fit.cell_variance.ravel()) == pytest.approx(sorted(by_cell.to_numpy()))
    # pooled: MS_W, and MS_B / MS_W is scipy's one-way ANOVA F
    within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (3000 - 250)
    assert fit.pooled == pytest.approx(within)
    assert fit.ms_between / fit.pooled == pytest.approx(stats.f_oneway(*groups).statistic)
    assert 0 < fit.between and np.allclose(fit.means, np.nanmean(tensor, -1))


def test_simulated_means_have_the_model_moments():
    means = np.array([[1.0, 2.0], [3.0, np.nan]])
    zero = simulated_means(np.random.default_rng(0), means, np.zeros_like(means), 5)
    assert np.array_equal(zero[:, 0, 0], np.ones(5)) and np.isnan(zero[:, 1, 1]).all()
    variance, m = 2.0, 8                                     # mean of 8 ratings: var 2/8
    draws = simulated_means(np.random.default_rng(1), means, np.full((2, 2),
                            np.sqrt(variance / m)), 40_000)
    assert draws[:, 0, 1].mean() == pytest.approx(2.0, abs=4 * np.sqrt(0.25 / 40_000))
    assert draws[:, 1, 0].var() == pytest.approx(variance / m, rel=0.03)
