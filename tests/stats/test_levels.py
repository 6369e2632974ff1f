"""How many groups of a level entered a value (metaeval.stats.levels.groups_entered), and why the
others did not: by hand, against the per-item values, and on HANNA's CIDEr and ROUGE-4."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.levels import correlation_at_level, groups_entered
from tests.hanna import CIDER, hanna_matrix


def _hand_matrix():
    """4 systems x 5 items: item 0 a constant human score, item 1 a constant metric, item 2
    one usable cell, items 3 and 4 defined."""
    gold = np.array([[3.0, 1.0, 1.0, 1.0, 4.0],
                     [3.0, 2.0, np.nan, 2.0, 3.0],
                     [3.0, 3.0, np.nan, 3.0, 2.0],
                     [3.0, 4.0, np.nan, 4.0, 1.0]])
    metric = np.array([[0.1, 7.0, 0.5, 0.2, 0.9],
                       [0.4, 7.0, 0.6, 0.1, 0.8],
                       [0.2, 7.0, 0.7, 0.4, 0.2],
                       [0.3, 7.0, 0.8, 0.3, 0.1]])
    return gold, metric


@pytest.mark.parametrize("coef", ["pearson", "spearman", "kendall_b", "kendall_c"])
def test_by_hand_at_level_item(coef):
    gold, metric = _hand_matrix()
    assert groups_entered(gold, metric, coef, "item") == (
        2, {"a constant human score": 1, "a constant metric score": 1})
    # the value is the mean of exactly those two items' correlations
    per_item = get_coefficient(coef).batched(gold.T, metric.T)
    assert np.isfinite(per_item).sum() == 2
    assert correlation_at_level(gold, metric, coef, "item") == pytest.approx(
        np.nanmean(per_item), abs=1e-15)


def test_statistics_that_take_every_group_or_their_own_reasons():
    gold, metric = _hand_matrix()
    assert groups_entered(gold, metric, "tau23", "item") == (4, {})  # ties count, no NaN
    assert groups_entered(gold, metric, "pdp", "item") == (4, {})  # pooled pairs
    assert groups_entered(gold, metric, "acc23_tiecal", "item") == (4, {})
    # aces_tau: a constant metric is defined (ties discordant), a constant human score not
    assert groups_entered(gold, metric, "aces_tau", "item") == (3, {"a constant human score": 1})
    # kendall_like: no gold difference of 25 anywhere; the metric's constancy is not why
    assert groups_entered(gold, metric, "kendall_like", "item") == (
        0, {"a constant human score": 1, "kendall_like undefined for another reason": 3})
    assert groups_entered(gold * 30, metric, "kendall_like", "item") == (
        3, {"a constant human score": 1})
    assert groups_entered(gold, metric, "pearson", "none") is None
    assert groups_entered(gold, metric, "pearson", "system") is None


def test_level_sys_counts_systems():
    gold, metric = _hand_matrix()
    metric[2] = 5.0  # system 2 constant
    entered, reasons = groups_entered(gold, metric, "pearson", "sys")
    assert (entered, reasons) == (3, {"a constant metric score": 1})
    assert np.isnan(get_coefficient("pearson").batched(gold[2], metric[2]))


def test_hanna_cider_and_rouge4_by_item(datasets_dir):
    """CIDEr is 0 for all ten systems on 30 of the 96 prompts, ROUGE-4 F on 53: their
    item-level Pearson averages 66 and 43 prompts, never 96."""
    gold = hanna_matrix(datasets_dir, "Empathy")
    for column, expected in ((CIDER, 66), ("ROUGE-4 F-Score Ξ§", 43), ("BLEU Ξ§", 96)):
        metric = hanna_matrix(datasets_dir, column)
        assert int((np.ptp(metric, axis=0) == 0).sum()) == 96 - expected
        left = {} if expected == 96 else {"a constant metric score": 96 - expected}
        assert groups_entered(gold, metric, "pearson", "item") == (expected, left), column
