"""Bootstrap draws, chance baseline and PERM-BOTH of the choice statistics on synthetic choices
(a generator per test)."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.stats.choice_inference import (
    bootstrap_draws,
    chance_draws,
    chance_pvalue,
    perm_both_choices,
    shuffled,
)
from metaeval.stats.choice_statistics import choice_statistics
from metaeval.stats.choices import ChoiceArrays, HumanDraws


def _choices(rng: np.random.Generator, items: int = 12, systems: int = 4, raters: int = 5):
    """Every pair of every item judged by every rater; system s wins with a chance growing in s."""
    pairs = [(i, a, b) for i in range(items) for a in range(systems) for b in range(a + 1, systems)]
    vote_pair, vote_rater, outcome = [], [], []
    for p, (_, a, b) in enumerate(pairs):
        for r in range(raters):
            vote_pair.append(p), vote_rater.append(r)
            outcome.append(-1 if rng.random() < 0.5 + 0.1 * (b - a) else 1)
    item, a, b = (np.array(x) for x in zip(*pairs))
    return ChoiceArrays(items, systems, raters, item, a, b, np.array(vote_pair),
                        np.array(vote_rater), np.array(outcome), np.ones((items, systems), bool))


def _accuracy(arrays):
    return choice_statistics(arrays, ("drop",), ("wrong",), ("pooled",), 1.0)[0]


def test_bootstrap_draws_are_the_seeded_indices():
    arrays = _choices(np.random.default_rng(1))
    draws = list(bootstrap_draws(arrays, 5, seed=3, resample="both"))
    rng = np.random.default_rng(3)
    items = rng.integers(0, 12, (5, 12))
    raters = rng.integers(0, 5, (5, 5))
    np.testing.assert_array_equal(np.concatenate([d.item_index for d in draws]), items)
    counts = np.stack([np.bincount(r, minlength=5) for r in raters])
    np.testing.assert_array_equal(np.concatenate([d.rater_weight for d in draws]), counts)


def test_shuffle_permutes_within_items_only():
    rng = np.random.default_rng(2)
    arrays = _choices(rng)
    metric = rng.normal(size=(12, 4))
    out = shuffled(arrays, metric, np.random.default_rng(0), 20)
    np.testing.assert_allclose(np.sort(out, -1), np.broadcast_to(np.sort(metric, -1), out.shape))
    assert not np.allclose(out, metric)


def test_perm_both_extremes():
    rng = np.random.default_rng(4)
    arrays = _choices(rng)
    good = np.tile(np.arange(4.0), (12, 1))  # agrees with the likelier winner of every pair
    statistic = _accuracy(arrays)
    delta, p = perm_both_choices(statistic, arrays, np.stack([good, good]), k=99, seed=0)
    assert delta[0, 1] == 0 and p[0, 1] == 1.0 and p[1, 0] == 1.0
    delta, p = perm_both_choices(statistic, arrays, np.stack([good, -good]), k=99, seed=0)
    assert delta[0, 1] > 0 and p[0, 1] == pytest.approx(1 / 100) and p[1, 0] == 1.0


def test_chance_baseline_is_centred_on_guessing():
    rng = np.random.default_rng(5)
    arrays = _choices(rng)
    draws = chance_draws(_accuracy(arrays), arrays, rng.normal(size=(12, 4)), k=400, seed=1)
    assert draws.mean() == pytest.approx(0.5, abs=0.03)


def test_chance_pvalue_counts_the_draws_at_least_as_high():
    draws = np.array([0.4, 0.5, 0.55, np.nan, 0.6, 0.7])
    assert chance_pvalue(draws, 0.6) == (2 + 1) / (5 + 1)  # 0.6 (a tie) and 0.7
    assert chance_pvalue(draws, 0.9) == 1 / 6 and chance_pvalue(draws, 0.0) == 1.0
    assert np.isnan(chance_pvalue(draws, np.nan)) and np.isnan(chance_pvalue([np.nan], 0.5))
    rng = np.random.default_rng(6)
    arrays = _choices(rng)
    good = np.tile(np.arange(4.0), (12, 1))  # agrees with the likelier winner of every pair
    statistic = _accuracy(arrays)
    null = chance_draws(statistic, arrays, good, k=199, seed=2)
    value = float(statistic.compute(HumanDraws(arrays), good[None])[0][0])
    assert value > null.max() and chance_pvalue(null, value) == 1 / 200
