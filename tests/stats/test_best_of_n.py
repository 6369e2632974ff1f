"""Best-of-N statistics on hand-computed cases: top-1 with shared human tops and fractional
credit for a metric tie, share correlations against scipy, the held-out rater ceilings."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from metaeval.stats.best_of_n import (
    pooled_share_correlation,
    share_correlations,
    top1_credit,
    weighted_item_mean,
)
from metaeval.stats.choices import ChoiceArrays, HumanDraws
from metaeval.stats.rater_agreement import held_out_accuracy, held_out_top1

NAN = np.nan


def test_top1_credit_by_hand():
    shares = np.array([[[0.5, 0.5, 0.0],     # two human tops: the metric's top B is one
                        [0.2, 0.7, 0.1],     # human top B; metric ties A and B at the top: 1/2
                        [0.6, 0.4, 0.0],     # human top A; metric top C: 0
                        [0.0, 0.0, 0.0]]])   # no vote: no credit
    metric = np.array([[[1.0, 2.0, 0.0],
                        [3.0, 3.0, 1.0],
                        [0.0, 1.0, 2.0],
                        [1.0, 2.0, 3.0]]])
    credit = top1_credit(shares, metric)
    np.testing.assert_allclose(credit[0], [1.0, 0.5, 0.0, NAN])
    assert weighted_item_mean(credit, np.ones((1, 4)))[0] == pytest.approx(0.5)
    # a bootstrap draw repeating item 0: (2 x 1 + 0.5 + 0) / 4
    assert weighted_item_mean(credit, np.array([[2, 1, 1, 0]]))[0] == pytest.approx(0.625)


def test_non_candidates_are_ignored():
    shares = np.array([[[0.5, 0.5, NAN]]])
    metric = np.array([[[1.0, 0.0, 9.0]]])  # the best score belongs to no candidate
    assert top1_credit(shares, metric)[0, 0] == 1.0


def test_share_correlations_equal_scipy():
    rng = np.random.default_rng(11)
    shares = rng.dirichlet(np.ones(6), size=5)[None]
    metric = rng.normal(size=(1, 5, 6))
    rho = share_correlations(shares, metric, "spearman")[0]
    tau = share_correlations(shares, metric, "kendall_b")[0]
    for i in range(5):
        assert rho[i] == pytest.approx(scipy.stats.spearmanr(shares[0, i], metric[0, i])[0])
        assert tau[i] == pytest.approx(scipy.stats.kendalltau(shares[0, i], metric[0, i])[0])
    pooled = pooled_share_correlation(shares, metric, np.arange(5)[None], "spearman")[0]
    assert pooled == pytest.approx(scipy.stats.spearmanr(shares.ravel(), metric.ravel())[0])


def _pages(picks: list[list[int]]) -> ChoiceArrays:
    """One item, three candidates, one page per rater with the given pick (best-of-N)."""
    rater, system, picked = [], [], []
    for r, pick in enumerate(picks):
        for s in range(3):
            rater.append(r), system.append(s), picked.append(int(s == pick[0]))
    pair = {(0, 1): 0, (0, 2): 1, (1, 2): 2}
    vote_pair, vote_rater, outcome = [], [], []
    for r, pick in enumerate(picks):
        for other in range(3):
            if other != pick[0]:
                a, b = sorted((pick[0], other))
                vote_pair.append(pair[(a, b)]), vote_rater.append(r)
                outcome.append(1 if a == pick[0] else -1)
    n = len(rater)
    return ChoiceArrays(1, 3, len(picks), np.zeros(3, int), np.array([0, 0, 1]),
                        np.array([1, 2, 2]), np.array(vote_pair), np.array(vote_rater),
                        np.array(outcome), np.ones((1, 3), bool), np.array(rater),
                        np.zeros(n, int), np.array(system), np.array(picked))


def test_held_out_top1_by_hand():
    """Picks A, A, B: rater 0 against (A, B) tied tops: in; rater 1 likewise; rater 2 (B)
    against A, A: out. Mean 2/3."""
    draws = HumanDraws(_pages([[0], [0], [1]]))
    assert held_out_top1(draws)[0] == pytest.approx(2 / 3)


def test_held_out_accuracy_by_hand():
    """Picks A, A, B. Votes: r0 A>B, A>C; r1 A>B, A>C; r2 B>A, B>C. Held-out majorities:
    r0 on (A,B): others A:1 B:1 -> tie; (A,C): A -> right. r1 the same. r2 on (A,B): A (wrong),
    (B,C): others have no vote on it -> left out. With human ties dropped: 2 of 3 right;
    kept (metric ties wrong): decisive rater vs held-out tie = 0: 2 of 5."""
    draws = HumanDraws(_pages([[0], [0], [1]]))
    assert held_out_accuracy(draws, "drop", "wrong", "pooled")[0] == pytest.approx(2 / 3)
    assert held_out_accuracy(draws, "tie", "wrong", "pooled")[0] == pytest.approx(2 / 5)
    assert held_out_accuracy(draws, "tie", "half", "pooled")[0] == pytest.approx(3 / 5)
