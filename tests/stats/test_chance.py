"""The chance baseline of many metrics at once (metaeval.stats.chance): one definition, the same
draws whatever the other metrics, shared draws for order-only statistics, fast == generic."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from metaeval.stats.chance import (
    chance_baseline,
    chance_baselines,
    chance_draws,
    place,
    random_orders,
    sorted_units,
    tie_pattern,
)
from metaeval.stats.grouping import level_groups

LEVELS = ["item", "sys", "none", "system"]


def _data(seed=0, S=6, n_items=30):
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 5, (S, n_items)).astype(float)  # ties in gold
    continuous = gold + rng.normal(size=(3, S, n_items))
    tied = np.round(gold + rng.normal(size=(2, S, n_items)))  # ties in the metric
    scores = np.concatenate([continuous, tied])
    scores[4, 2, 3] = np.nan  # its own valid cells
    return gold, scores


@pytest.mark.parametrize("coef", ["pearson", "spearman", "kendall_b", "kendall_c", "acc23",
                                  "acc23_tiecal"])
@pytest.mark.parametrize("level", LEVELS)
def test_fast_draws_equal_the_generic_path(coef, level):
    gold, scores = _data(1)
    fast = chance_draws(gold, scores, coef, level, k=60, seed=7)
    slow = chance_draws(gold, scores, coef, level, k=60, seed=7, fast=False)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("coef", ["pearson", "spearman", "kendall_b"])
@pytest.mark.parametrize("level", LEVELS)
def test_a_metric_baseline_does_not_depend_on_the_other_metrics(coef, level):
    gold, scores = _data(2)
    together = chance_baselines(gold, scores, coef, level, k=50, seed=3)
    for m in (0, 4):
        alone = chance_baseline(gold, scores[m], coef, level, k=50, seed=3)
        np.testing.assert_allclose(alone.null_distribution, together[m].null_distribution,
                                   rtol=0, atol=1e-12)  # one matrix product: rounding only
    reversed_ = chance_baselines(gold, scores[::-1], coef, level, k=50, seed=3)
    np.testing.assert_allclose(reversed_[-1].null_distribution, together[0].null_distribution,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("coef", ["spearman", "kendall_b"])
def test_metrics_without_ties_share_the_draws_of_order_statistics(coef):
    gold, scores = _data(3)
    draws = chance_draws(gold, scores[:3], coef, "none", k=40, seed=0)
    np.testing.assert_array_equal(draws[0], draws[1])
    np.testing.assert_array_equal(draws[0], draws[2])
    pearson = chance_draws(gold, scores[:3], "pearson", "none", k=40, seed=0)
    assert not np.allclose(pearson[0], pearson[1])  # Pearson sees the values


def test_each_draw_is_the_statistic_of_a_placement_of_the_metric_values():
    gold, scores = _data(4)
    metric = scores[3]
    draws = chance_draws(gold, metric[None], "kendall_b", "none", k=5, seed=11)[0]
    valid = (np.isfinite(gold) & np.isfinite(metric)).reshape(1, -1)
    orders = random_orders(np.random.default_rng(11), valid, 5)
    placed = place(sorted_units(metric.reshape(1, -1), valid), orders)
    for d in range(5):
        row = placed[d, 0]
        assert sorted(row) == sorted(metric.ravel())  # a permutation of the metric's values
        expected = scipy.stats.kendalltau(gold.ravel(), row).statistic
        assert draws[d] == pytest.approx(expected, abs=1e-12)


def test_within_item_placements_keep_each_item_values():
    gold, scores = _data(5)
    metric = scores[0]
    units = level_groups(metric, "item")
    valid = np.isfinite(level_groups(gold, "item")) & np.isfinite(units)
    placed = place(sorted_units(units, valid), random_orders(np.random.default_rng(0), valid, 3))
    for d in range(3):
        np.testing.assert_array_equal(np.sort(placed[d], -1), np.sort(units, -1))


def test_tie_pattern_is_the_dense_rank_of_sorted_values():
    pattern = tie_pattern(np.array([[0.5, 0.5, 2.0, 7.0, np.nan]]))
    np.testing.assert_array_equal(pattern[0, :4], [1, 1, 2, 3])
    assert np.isnan(pattern[0, 4])


def test_seeded_and_centred():
    gold, scores = _data(6, S=10, n_items=60)
    a = chance_baselines(gold, scores, "pearson", "none", k=400, seed=1)
    b = chance_baselines(gold, scores, "pearson", "none", k=400, seed=1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.null_distribution, y.null_distribution)
        assert x.low < 0 < x.high
        assert abs(np.mean(x.null_distribution)) < 0.03


@pytest.mark.parametrize("coef", ["pearson", "spearman"])
@pytest.mark.parametrize("level", ["item", "sys"])
def test_a_metric_constant_in_some_groups_leaves_the_others_draws_alone(coef, level):
    """The first metric of a unit is constant in two groups; the gold vectors the fast path
    shares with the other metrics were zeroed there, so their r in those groups read 0 (up to
    0.09 apart from the generic path on HANNA's item level with CIDEr first)."""
    rng = np.random.default_rng(1821)
    gold = rng.normal(size=(6, 9))
    scores = gold[None] + rng.normal(size=(3, 6, 9))
    scores[0, :, :2] = 0.0  # metric 0 constant in items 0 and 1 ...
    scores[0, :2, :] = 0.0  # ... and in systems 0 and 1
    fast = chance_draws(gold, scores, coef, level, k=300, seed=3)
    generic = chance_draws(gold, scores, coef, level, k=300, seed=3, fast=False)
    alone = np.stack([chance_draws(gold, m[None], coef, level, k=300, seed=3)[0] for m in scores])
    assert np.allclose(fast, generic, rtol=0, atol=1e-12, equal_nan=True)
    assert np.allclose(fast, alone, rtol=0, atol=1e-12, equal_nan=True)


def test_hanna_item_level_with_cider_first(datasets_dir):
    from tests.hanna import CIDER, hanna_matrix

    columns = [CIDER, "BLEU Ξ§", "ROUGE-4 F-Score Ξ§", "BERTScore Recall Ξε"]
    gold = hanna_matrix(datasets_dir, "Empathy")
    scores = np.stack([hanna_matrix(datasets_dir, c) for c in columns])
    for coef in ("pearson", "spearman"):
        fast = chance_draws(gold, scores, coef, "item", k=200, seed=1)
        generic = chance_draws(gold, scores, coef, "item", k=200, seed=1, fast=False)
        assert np.allclose(fast, generic, rtol=0, atol=1e-12, equal_nan=True), coef
