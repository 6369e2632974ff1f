"""Pairwise difference Pearson: the closed form against the pairs enumerated one by one, a case
worked by hand, the level identities (none = Pearson over cells, system = Pearson of means),
batching, and every ``seg_pdp_item`` value of the WMT22 zh-en MTME reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats

from metaeval.stats import correlation_at_level, system_scores
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.pdp import pdp_at_level, pdp_vectors
from metaeval.stats.permfast import PdpPermBoth, perm_both_fast_path
from metaeval.stats.permutation import perm_both, perm_both_draws, zscore_on_gold
from metaeval.stats.resampling import bootstrap_indices, resampled_correlations
from tests.stats import mtme_wmt22


def enumerated(gold, metric, level):
    """PDP by definition: every pair i < j within each group, pooled, uncentred correlation."""
    if level == "system":
        g, m = system_scores(gold, metric)
        groups = [(g, m)]
    elif level == "none":
        groups = [(gold.ravel(), metric.ravel())]
    else:
        groups = list(zip(gold.T, metric.T)) if level == "item" else list(zip(gold, metric))
    dg, dm = [], []
    for g, m in groups:
        cells = [(a, b) for a, b in zip(g, m) if np.isfinite(a) and np.isfinite(b)]
        for (g1, m1), (g2, m2) in itertools.combinations(cells, 2):
            dg.append(g1 - g2)
            dm.append(m1 - m2)
    dg, dm = np.array(dg), np.array(dm)
    return (dg * dm).sum() / np.sqrt((dg * dg).sum() * (dm * dm).sum())


def test_hand_computed_item_level():
    """Two items, three systems. Item 0: gold [1, 2, 4], metric [2, 1, 5]: pairs (dg, dm) =
    (-1, 1), (-3, -3), (-2, -4). Item 1: gold [3, 3, 0], metric [1, 2, 0]: (0, -1), (3, 1),
    (3, 2). sum dg dm = -1 + 9 + 8 + 0 + 3 + 6 = 25; sum dg^2 = 1 + 9 + 4 + 0 + 9 + 9 = 32;
    sum dm^2 = 1 + 9 + 16 + 1 + 1 + 4 = 32: PDP = 25 / 32."""
    gold = np.array([[1, 3], [2, 3], [4, 0]], float)
    metric = np.array([[2, 1], [1, 2], [5, 0]], float)
    assert pdp_at_level(gold, metric, "item") == pytest.approx(25 / 32, abs=1e-15)
    assert correlation_at_level(gold, metric, "pdp", "item") == pytest.approx(25 / 32, abs=1e-15)


@pytest.mark.parametrize("level", ["item", "sys", "none", "system"])
def test_closed_form_equals_enumerated_pairs(level):
    rng = np.random.default_rng(0)
    gold = np.round(rng.normal(size=(6, 9)), 1)
    metric = gold + rng.normal(size=gold.shape)
    gold[0, 2] = gold[3, 2] = gold[4, 7] = np.nan
    metric[5, 1] = np.nan
    gold[:, 4] = np.nan
    gold[1:, 5] = np.nan  # an item with one valid cell: no pair
    assert pdp_at_level(gold, metric, level) == pytest.approx(enumerated(gold, metric, level),
                                                              abs=1e-12)


def test_level_identities_and_vector_form():
    rng = np.random.default_rng(1)
    gold = rng.normal(size=(5, 8))
    metric = gold + rng.normal(size=gold.shape)
    pearson_cells = scipy.stats.pearsonr(gold.ravel(), metric.ravel()).statistic
    assert pdp_at_level(gold, metric, "none") == pytest.approx(pearson_cells, abs=1e-12)
    means = scipy.stats.pearsonr(gold.mean(1), metric.mean(1)).statistic
    assert pdp_at_level(gold, metric, "system") == pytest.approx(means, abs=1e-12)
    assert pdp_vectors(gold[0], metric[0]) == pytest.approx(
        scipy.stats.pearsonr(gold[0], metric[0]).statistic, abs=1e-12)
    assert get_coefficient("pdp").batched is pdp_vectors


def test_undefined_is_nan():
    gold = np.array([[1.0, 2.0], [1.0, 5.0]])
    metric = np.array([[3.0, 3.0], [4.0, 4.0]])
    assert np.isnan(pdp_at_level(gold, metric, "sys"))  # metric constant within each system
    # item 0: (dg, dm) = (0, -1); item 1: (-3, -1): 3 / sqrt(9 * 2)
    assert pdp_at_level(gold, metric, "item") == pytest.approx(3 / np.sqrt(18), abs=1e-15)
    assert np.isnan(pdp_at_level(np.full((3, 2), np.nan), metric[:1].repeat(3, 0), "item"))
    assert np.isnan(pdp_vectors([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))


def test_batched_equals_each_matrix():
    rng = np.random.default_rng(2)
    gold = rng.normal(size=(4, 7))
    metric = gold + rng.normal(size=(3, 2, 4, 7))
    metric[0, 1, 2, 3] = np.nan
    for level in ("item", "sys", "none", "system"):
        batched = pdp_at_level(gold, metric, level)
        assert batched.shape == (3, 2)
        for idx in np.ndindex(3, 2):
            assert batched[idx] == pytest.approx(pdp_at_level(gold, metric[idx], level),
                                                 abs=1e-15)


def _case(seed):
    rng = np.random.default_rng(seed)
    gold = np.round(rng.normal(size=(6, 25)), 1)  # ties, and a constant item
    gold[:, 3] = 0.5
    scores = gold + rng.normal(size=(4, 6, 25))
    gold[2, 5] = gold[4, 9] = np.nan  # missing gold cells
    return gold, scores


@pytest.mark.parametrize("level", ["item", "sys", "none"])
def test_perm_both_fast_path_equals_the_generic_path(level):
    gold, scores = _case(21)
    assert isinstance(perm_both_fast_path(get_coefficient("pdp"), level, gold,
                                          zscore_on_gold(gold, scores)), PdpPermBoth)
    fast = perm_both(gold, scores, "pdp", level, k=200, seed=4)
    slow = perm_both(gold, scores, "pdp", level, k=200, seed=4, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
    np.testing.assert_allclose(fast.statistic, slow.statistic, rtol=0, atol=1e-14)
    draws = perm_both_draws(gold, scores, "pdp", level, 0, 3, k=60, seed=1)
    generic = perm_both_draws(gold, scores, "pdp", level, 0, 3, k=60, seed=1, fast=False)
    np.testing.assert_allclose(draws, generic, rtol=0, atol=1e-13)


@pytest.mark.parametrize(("level", "resample"), [("item", "items"), ("sys", "systems")])
def test_bootstrap_of_whole_groups_adds_their_moments(level, resample):
    gold, scores = _case(22)
    coef = get_coefficient("pdp")
    indices = bootstrap_indices(*gold.shape, 30, seed=2, resample=resample)
    got = resampled_correlations(gold, scores, coef, level, indices)
    each = np.stack([correlation_at_level(gold[s][:, i], scores[:, s][:, :, i], "pdp", level)
                     for s, i in zip(indices.systems, indices.items)], 1)
    np.testing.assert_allclose(got, each, rtol=0, atol=1e-13)


def test_seg_pdp_item_matches_mtme_on_wmt22(datasets_dir):
    wmt22 = mtme_wmt22.load(datasets_dir)
    expected = wmt22["reference"]["tasks"]["seg_pdp_item"]["values"]
    names = list(expected)
    got = pdp_at_level(wmt22["gold"], np.stack([wmt22["metrics"][n] for n in names]), "item")
    for name, value in zip(names, got):
        assert abs(value - expected[name]) <= 1e-12, (name, value, expected[name])
