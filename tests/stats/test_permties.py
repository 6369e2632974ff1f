"""PERM-BOTH fast paths on tied data (issue 18, "wide tables with ties"): HANNA-like scores
(human means of three 1..5 ratings, metrics with zeros and rounding ties, a metric sharing
values with another cell by cell, constant groups) give the generic path's draws at every
level, through the short-group product (``permshort``), the sorted path with ties
(``permsorted``) and the system-level mask products (``permsystem``); no tied pair falls back to
the generic path; one constant metric no longer sends every pair to the generic path."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from metaeval.stats import permutation
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.permfast import perm_both_fast_path
from metaeval.stats.permshort import ShortSpearmanPermBoth
from metaeval.stats.permsorted import SortedSpearmanPermBoth
from metaeval.stats.permsystem import SystemPermBoth
from metaeval.stats.permutation import perm_both, perm_both_draws, swap_masks, zscore_on_gold

LEVELS = ("item", "sys", "none", "system")


def _hanna_like(rng: np.random.Generator, systems: int = 11, items: int = 40):
    """Gold: means of three ratings 1..5 (ties), one missing cell, one item rated the same by
    every system; metrics: zeros below a threshold (rounded to 0.1), integers, continuous, a
    copy of the integer metric with a third of its cells changed (equal values in the same
    cell of a and b), and one that is 0 on a whole item and a whole system."""
    gold = rng.integers(3, 16, (systems, items)) / 3.0
    gold[:, 3] = 3.0
    quality = gold + rng.normal(size=(5, systems, items))
    scores = np.stack([np.round(np.maximum(quality[0] - 3.5, 0.0), 1), np.round(quality[1]),
                       quality[2], np.round(quality[1]), np.round(quality[4], 1)])
    changed = rng.random((systems, items)) < 0.3
    scores[3][changed] = np.round(quality[3][changed])
    scores[4][:, 5] = 0.0
    scores[4][2] = 0.0
    gold[1, 7] = np.nan
    return gold, scores


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("coef", ["spearman", "pearson", "kendall_b"])
def test_tied_draws_equal_the_generic_path(coef, level):
    rng = np.random.default_rng([18, len(level), len(coef)])
    gold, scores = _hanna_like(rng)
    for a, b in combinations(range(scores.shape[0]), 2):
        fast = perm_both_draws(gold, scores, coef, level, a, b, k=150, seed=3)
        slow = perm_both_draws(gold, scores, coef, level, a, b, k=150, seed=3, fast=False)
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True,
                                   err_msg=f"{coef} {level} pair {a}, {b}")


@pytest.mark.parametrize("level", LEVELS)
def test_tied_p_values_equal_the_generic_path(level):
    rng = np.random.default_rng([18, 2, len(level)])
    gold, scores = _hanna_like(rng)
    for coef in ("spearman", "pearson") if level == "system" else ("spearman",):
        fast = perm_both(gold, scores, coef, level, k=200, seed=1)
        slow = perm_both(gold, scores, coef, level, k=200, seed=1, fast=False)
        np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
        np.testing.assert_allclose(fast.statistic, slow.statistic, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("level, path", [("item", ShortSpearmanPermBoth),
                                         ("sys", SortedSpearmanPermBoth),
                                         ("none", SortedSpearmanPermBoth),
                                         ("system", SystemPermBoth)])
def test_tied_pairs_never_take_the_generic_path(level, path, monkeypatch):
    """Every pair of tied metrics has its fast path (at level system there was none; Spearman's
    tied pairs went to the generic path or to O(n^2) half-step matrices)."""
    rng = np.random.default_rng([18, 3, len(level)])
    gold, scores = _hanna_like(rng)
    z = zscore_on_gold(gold, scores)
    assert isinstance(perm_both_fast_path(get_coefficient("spearman"), level, gold, z), path)
    calls = []
    generic = permutation.generic_pair_draws
    monkeypatch.setattr(permutation, "generic_pair_draws",
                        lambda *args: calls.append(1) or generic(*args))
    perm_both(gold, scores, "spearman", level, k=50, seed=0)
    assert not calls


def test_sorted_plan_keeps_tied_pairs_and_matches_scipy():
    """At level none (440 cells: the sorted path) a tied pair's draws are scipy's Spearman of
    the hybrids, average ranks of ties included."""
    rng = np.random.default_rng(1807)
    gold, scores = _hanna_like(rng)
    gold = np.where(np.isfinite(gold), gold, 2.0)
    z = zscore_on_gold(gold, scores)
    path = perm_both_fast_path(get_coefficient("spearman"), "none", gold, z)
    assert path._plan(0, 3)[0] is True  # ties within and across the two metrics
    masks = swap_masks(rng, 4, gold.shape)
    got = path.draws([(0, 3), (3, 4)], masks)
    for p, (a, b) in enumerate([(0, 3), (3, 4)]):
        for d in range(4):
            a_star = np.where(masks[d], z[b], z[a]).ravel()
            b_star = np.where(masks[d], z[a], z[b]).ravel()
            expected = (scipy.stats.spearmanr(gold.ravel(), a_star).statistic
                        - scipy.stats.spearmanr(gold.ravel(), b_star).statistic)
            assert got[p, d] == pytest.approx(expected, abs=1e-12)


def test_all_tied_hybrids_are_nan_as_in_the_generic_path():
    """Two metrics constant within every item (each system's own value): at level item each
    hybrid that takes one metric in every cell of an item is constant there (NaN, dropped);
    two metrics equal everywhere give delta* = 0 in every draw."""
    rng = np.random.default_rng(1808)
    gold = rng.integers(3, 16, (6, 9)) / 3.0
    scores = np.stack([np.zeros((6, 9)) + np.arange(6)[:, None] % 2, np.zeros((6, 9)),
                       np.round(gold + rng.normal(size=(6, 9)))])
    scores[1][:, :4] = 1.0
    scores[1][0] = 2.0
    for level in ("item", "sys", "none", "system"):
        for a, b in [(0, 1), (0, 2), (1, 2)]:
            fast = perm_both_draws(gold, scores, "spearman", level, a, b, k=100, seed=4)
            slow = perm_both_draws(gold, scores, "spearman", level, a, b, k=100, seed=4,
                                   fast=False)
            np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True)
    same = perm_both_draws(gold, np.stack([scores[2], scores[2]]), "spearman", "item", 0, 1,
                           k=30)
    assert (same == 0).all()


def test_a_constant_metric_sends_only_its_own_pairs_to_the_generic_path(monkeypatch):
    rng = np.random.default_rng(1809)
    gold, scores = _hanna_like(rng, items=12)
    scores = np.concatenate([scores, np.full((1,) + gold.shape, 0.5)])  # NaN once z-scored
    calls = []
    generic = permutation.generic_pair_draws
    monkeypatch.setattr(permutation, "generic_pair_draws",
                        lambda *args: calls.append(1) or generic(*args))
    fast = perm_both(gold, scores, "spearman", "item", k=100, seed=2)
    assert len(calls) == scores.shape[0] - 1  # the constant metric's pairs, one chunk
    slow = perm_both(gold, scores, "spearman", "item", k=100, seed=2, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)


def test_system_draws_do_not_depend_on_the_scale():
    """Powers of two far beyond float32's range (exact; a factor like 1e-310 rounds subnormal
    gold cells, and system means that tie exactly are then ordered by that rounding, at any
    scale, as in test_scaling): the same draws, equal to the generic path's."""
    rng = np.random.default_rng(1810)
    gold, scores = _hanna_like(rng, items=20)
    for coef in ("spearman", "pearson"):
        base = perm_both_draws(gold, scores, coef, "system", 0, 2, k=200, seed=5)
        for g, m in [(2.0 ** -1000, 2.0 ** 990), (2.0 ** 990, 2.0 ** -1000)]:
            scaled = perm_both_draws(gold * g, scores * m, coef, "system", 0, 2, k=200, seed=5)
            generic = perm_both_draws(gold * g, scores * m, coef, "system", 0, 2, k=200, seed=5,
                                      fast=False)
            np.testing.assert_allclose(scaled, base, rtol=0, atol=1e-12)
            np.testing.assert_allclose(scaled, generic, rtol=0, atol=1e-12)


@st.composite
def _tied_matrices(draw):
    systems, items = draw(st.integers(2, 7)), draw(st.integers(2, 7))
    cells = st.lists(st.integers(0, 3), min_size=systems * items, max_size=systems * items)
    gold = np.array(draw(cells), float).reshape(systems, items)
    holes = np.array(draw(st.lists(st.booleans(), min_size=gold.size, max_size=gold.size)))
    gold[holes.reshape(gold.shape) & (np.arange(gold.size).reshape(gold.shape) % 3 == 0)] = np.nan
    scores = np.stack([np.array(draw(cells), float).reshape(systems, items) for _ in range(3)])
    return gold, scores, draw(st.sampled_from(LEVELS)), draw(st.integers(0, 2**16))


@settings(max_examples=60, deadline=None)
@given(case=_tied_matrices())
def test_property_fast_equals_generic_on_small_tied_matrices(case):
    gold, scores, level, seed = case
    for a, b in [(0, 1), (1, 2)]:
        fast = perm_both_draws(gold, scores, "spearman", level, a, b, k=20, seed=seed)
        slow = perm_both_draws(gold, scores, "spearman", level, a, b, k=20, seed=seed,
                               fast=False)
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12, equal_nan=True)
