"""Pairwise preference accuracy: every tie policy and aggregation on hand-computed cases, the
majority rule, tie calibration against a brute-force sweep, and draws against a loop."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.errors import ParameterError
from metaeval.stats.choices import ChoiceArrays, HumanDraws, majority
from metaeval.stats.preference_accuracy import (
    item_accuracies,
    pair_credit,
    preference_accuracy,
)

# Two items, five pairs. Human majority: item 0: +1, -1, 0; item 1: +1, 0.
HUMAN = np.array([[1.0, -1.0, 0.0, 1.0, 0.0]])
USABLE = np.ones((1, 5), bool)
ITEM = np.array([0, 0, 0, 1, 1])
ONES = np.ones((1, 2))
# metric differences a - b: right, metric tie, metric tie (on a human tie), wrong, decisive
DIFF = np.array([[0.5, 0.0, 0.0, -0.2, 0.3]])


def accuracy(human_ties, metric_ties, aggregation, diff=DIFF, human=HUMAN, weight=ONES):
    return preference_accuracy(human, USABLE, weight, ITEM, diff, human_ties, metric_ties,
                               aggregation)


@pytest.mark.parametrize("human_ties,metric_ties,aggregation,expected", [
    # drop: pairs 0, 1, 3 (credits 1, 0, 0) -> 1/3; per item: item 0 (1, 0) 0.5, item 1 (0) 0
    ("drop", "wrong", "pooled", 1 / 3), ("drop", "wrong", "per-item", 0.25),
    # half: the metric tie on pair 1 earns 0.5 -> 1.5/3; per item (0.75 + 0) / 2
    ("drop", "half", "pooled", 0.5), ("drop", "half", "per-item", 0.375),
    # tie: all five; credits 1, 0, 1 (tie matches tie), 0, 0 -> 2/5; items 2/3 and 0
    ("tie", "wrong", "pooled", 0.4), ("tie", "wrong", "per-item", 1 / 3),
    # tie + half: 1, 0.5, 1, 0, 0.5 (decisive metric on a human tie) -> 3/5; items 2.5/3, 0.25
    ("tie", "half", "pooled", 0.6), ("tie", "half", "per-item", (2.5 / 3 + 0.25) / 2),
])
def test_tie_policies_by_hand(human_ties, metric_ties, aggregation, expected):
    value, epsilon = accuracy(human_ties, metric_ties, aggregation)
    assert value[0] == pytest.approx(expected)
    assert np.isnan(epsilon[0])


def test_epsilon_calibration_by_hand():
    """With human ties kept, epsilon = 0.3 also ties pairs 3 (wrong anyway) and 4 (a human
    tie): credits 1, 0, 1, 0, 1 = 3/5, better than 2/5 at 0 and at 0.5 (which ties pair 0)."""
    value, epsilon = accuracy("tie", "epsilon", "pooled")
    assert value[0] == pytest.approx(0.6) and epsilon[0] == pytest.approx(0.3)
    value, epsilon = accuracy("drop", "epsilon", "pooled")  # no human tie left: epsilon 0
    assert value[0] == pytest.approx(1 / 3) and epsilon[0] == 0.0


def _brute_force(human, diff, weight_per_pair):
    """Every candidate threshold tried: (best value, smallest threshold reaching it)."""
    best, best_t = -1.0, None
    for t in sorted({0.0, *np.abs(diff)}):
        verdict = np.where(np.abs(diff) <= t, 0.0, np.sign(diff))
        value = float(np.sum(weight_per_pair * (verdict == human)))
        if value > best + 1e-12:
            best, best_t = value, t
    return best, best_t


@pytest.mark.parametrize("aggregation", ["pooled", "per-item"])
def test_epsilon_calibration_equals_a_brute_force_sweep(aggregation):
    rng = np.random.default_rng(7)
    human = rng.choice([-1.0, 0.0, 1.0], size=(1, 40), p=[0.35, 0.3, 0.35])
    diff = np.round(rng.normal(size=(1, 40)), 1)  # rounded: many equal |differences|
    item = np.repeat(np.arange(8), 5)
    value, epsilon = preference_accuracy(human, np.ones((1, 40), bool), np.ones((1, 8)), item,
                                         diff, "tie", "epsilon", aggregation)
    weight = np.full(40, 1 / 40)  # five pairs per item: per-item = pooled weights
    best, threshold = _brute_force(human[0], diff[0], weight)
    assert value[0] == pytest.approx(best) and epsilon[0] == pytest.approx(threshold)


def test_item_accuracies_are_the_per_item_values():
    values = item_accuracies(HUMAN[0], USABLE[0], ITEM, 2, DIFF[0], "tie", "half")
    np.testing.assert_allclose(values, [2.5 / 3, 0.25])


def test_credit_table():
    human = np.array([1.0, 1.0, 1.0, 0.0, 0.0])
    metric = np.array([1.0, -1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(pair_credit(human, metric, "wrong"), [1, 0, 0, 1, 0])
    np.testing.assert_array_equal(pair_credit(human, metric, "half"), [1, 0, 0.5, 1, 0.5])


def test_majority_rule():
    a = np.array([3, 1, 2, 2, 0, 1])
    b = np.array([1, 3, 2, 0, 0, 0])
    tie = np.array([0, 0, 0, 2, 3, 0])
    np.testing.assert_array_equal(majority(a, b, tie), [1, -1, 0, 0, 0, 1])


def test_unknown_policy_is_refused():
    with pytest.raises(ParameterError, match="human_ties='ignore'"):
        accuracy("ignore", "wrong", "pooled")


def test_bootstrap_weights_equal_a_loop_over_draws():
    """The vectorised draws (items and raters resampled at once) equal one draw at a time on
    data built by hand: the same statistic on explicitly duplicated votes."""
    rng = np.random.default_rng(3)
    votes = 60
    pair_item = np.array([0, 0, 1, 1, 2, 2])
    arrays = ChoiceArrays(3, 3, 5, pair_item, np.array([0, 0, 0, 1, 0, 1]),
                          np.array([1, 2, 1, 2, 2, 2]), rng.integers(0, 6, votes),
                          rng.integers(0, 5, votes), rng.choice([-1, 0, 1], votes),
                          np.ones((3, 3), bool))
    items = rng.integers(0, 3, (4, 3))
    raters = rng.integers(0, 3, (4, 5)).astype(float)
    draws = HumanDraws(arrays, items, raters)
    diff = rng.normal(size=(1, 6))
    together = preference_accuracy(draws.verdict, draws.usable, draws.item_weight, pair_item,
                                   diff, "tie", "half", "pooled")[0]
    for d in range(4):
        counts = [np.zeros(6) for _ in range(3)]
        for pair, rater, outcome in zip(arrays.vote_pair, arrays.vote_rater,
                                        arrays.vote_outcome):
            counts[{1: 0, -1: 1, 0: 2}[outcome]][pair] += raters[d, rater]
        verdict = majority(*counts).astype(float)
        item_weight = np.bincount(items[d], minlength=3)[pair_item] * (sum(counts) > 0)
        credit = pair_credit(verdict, np.sign(diff[0]), "half")
        assert together[d] == pytest.approx(np.sum(item_weight * credit) / item_weight.sum())
