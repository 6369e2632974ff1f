"""Tie calibration: the exact sweep against a direct re-implementation of mt-metrics-eval's loop,
the all-ties flag, and the pair-outcome permutation test."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.kendall import acc_23
from metaeval.stats.levels import correlation_at_level, group_vectors
from metaeval.stats.tiecal import pair_outcome_permutation, tie_calibrate

LEVELS = ("none", "item", "sys", "system")


def _outcome(h1, h2, m1, m2, tie):
    """Right (1) or wrong (0) for a pair, the metric tied or not (mt-metrics-eval _RankedPair)."""
    if tie or m1 == m2:
        return int(h1 == h2)
    return int(h1 != h2 and (h1 > h2) == (m1 > m2))


def brute_force(gold, metric, level):
    """mt-metrics-eval ``tau_optimization`` (acc_23, sample_rate 1) re-implemented literally:
    enumerate pairs per row, sort by |dm|, flip pairs to metric ties one at a time, record the
    mean per-row acc_23 per distinct threshold, take the first maximum. Exact arithmetic
    (Fractions) so that ties between thresholds are decided exactly."""
    g_rows, m_rows = group_vectors(np.asarray(gold, float), np.asarray(metric, float), level)
    g_rows, m_rows = np.atleast_2d(g_rows), np.atleast_2d(m_rows)
    pairs, per_row = [], {}
    for r, (gr, mr) in enumerate(zip(g_rows, m_rows)):
        keep = np.isfinite(gr) & np.isfinite(mr)
        gr, mr = gr[keep], mr[keep]
        for i, j in itertools.combinations(range(len(gr)), 2):
            pairs.append((abs(mr[i] - mr[j]), r, gr[i], gr[j], mr[i], mr[j]))
            per_row.setdefault(r, [0, 0])[1] += 1  # [right, pairs]
    if not per_row:
        return None
    for _, r, h1, h2, m1, m2 in pairs:
        per_row[r][0] += _outcome(h1, h2, m1, m2, False)
    n_rows = len(per_row)

    def total():
        return sum(Fraction(right, n) for right, n in per_row.values()) / n_rows

    thresholds, taus = [0.0], [total()]
    for diff, r, h1, h2, m1, m2 in sorted(pairs, key=lambda p: p[0]):
        per_row[r][0] += _outcome(h1, h2, m1, m2, True) - _outcome(h1, h2, m1, m2, False)
        if thresholds[-1] == diff:
            taus[-1] = total()
        else:
            thresholds.append(diff)
            taus.append(total())
    best = taus.index(max(taus))
    epsilon = thresholds[best]
    # all-ties flag, stated independently: at epsilon no pair is concordant and every human tie
    # is a metric tie (the calibrated metric predicts "tie" wherever it could be right)
    untied_right = any(_outcome(h1, h2, m1, m2, d <= epsilon) and d > epsilon
                       for d, _, h1, h2, m1, m2 in pairs)
    human_tie_untied = any(h1 == h2 and d > epsilon for d, _, h1, h2, m1, m2 in pairs)
    return taus[best], epsilon, not (untied_right or human_tie_untied), len(pairs), n_rows


@st.composite
def small_matrices(draw):
    s = draw(st.integers(1, 5))
    i = draw(st.integers(1, 6))
    gold = np.array(draw(st.lists(st.integers(0, 3), min_size=s * i, max_size=s * i)),
                    float).reshape(s, i)
    scale = draw(st.sampled_from([1, 2, 4]))
    metric = np.array(draw(st.lists(st.integers(0, 6), min_size=s * i, max_size=s * i)),
                      float).reshape(s, i) / scale
    holes = np.array(draw(st.lists(st.booleans(), min_size=s * i, max_size=s * i))).reshape(s, i)
    if draw(st.booleans()):
        gold[holes & (np.arange(s * i).reshape(s, i) % 3 == 0)] = np.nan
    if draw(st.booleans()):
        metric[holes & (np.arange(s * i).reshape(s, i) % 4 == 1)] = np.nan
    return gold, metric


@pytest.mark.parametrize("level", LEVELS)
@settings(max_examples=120, deadline=None)
@given(data=small_matrices())
def test_sweep_equals_brute_force(level, data):
    gold, metric = data
    expected = brute_force(gold, metric, level)
    got = tie_calibrate(gold, metric, level)
    if expected is None:
        assert np.isnan(got.statistic) and got.n_rows == 0 and got.n_pairs == 0
        return
    value, epsilon, ties_all, n_pairs, n_rows = expected
    assert got.statistic == float(value)
    assert got.epsilon == epsilon
    assert got.ties_all_pairs == ties_all
    assert (got.n_pairs, got.n_rows) == (n_pairs, n_rows)


def test_sweep_equals_brute_force_random_floats():
    rng = np.random.default_rng(0)
    for trial in range(30):
        s, i = rng.integers(2, 6), rng.integers(3, 12)
        gold = rng.integers(-3, 1, (s, i)).astype(float)
        metric = np.round(rng.normal(size=(s, i)), int(rng.integers(0, 3)))
        gold[rng.random((s, i)) < 0.15] = np.nan
        for level in LEVELS:
            expected = brute_force(gold, metric, level)
            got = tie_calibrate(gold, metric, level)
            if expected is None:
                continue
            assert got.statistic == float(expected[0]) and got.epsilon == expected[1], (trial, level)
            assert got.ties_all_pairs == expected[2]


def test_value_is_acc23_at_epsilon_and_maximal():
    rng = np.random.default_rng(1)
    gold = rng.integers(0, 3, (6, 40)).astype(float)
    metric = gold + rng.normal(scale=0.8, size=gold.shape)
    result = tie_calibrate(gold, metric, "item")
    per_item = acc_23(gold.T, metric.T, epsilon=result.epsilon)
    assert abs(per_item.mean() - result.statistic) <= 1e-12
    for eps in (0.0, result.epsilon / 2, result.epsilon * 1.5, 10.0):
        assert acc_23(gold.T, metric.T, epsilon=eps).mean() <= result.statistic + 1e-12
    assert not result.ties_all_pairs


def test_all_ties_flag():
    # Gold: system 0 is best on every item, the other four tie. The metric ranks system 0 last
    # (far below) and orders the others at random: its best use is to call every pair among the
    # others a tie, i.e. it is worth exactly as much as a constant metric.
    rng = np.random.default_rng(2)
    gold = np.zeros((5, 8))
    gold[0, :] = 1.0
    metric = rng.normal(size=(5, 8))
    metric[0, :] = -10.0
    result = tie_calibrate(gold, metric, "item")
    assert result.ties_all_pairs
    assert result.statistic == pytest.approx(6 / 10)  # 6 of the 10 pairs per item are gold ties
    assert result.statistic == pytest.approx(float(acc_23(gold.T, np.zeros((8, 5))).mean()))
    # the discordant pairs with system 0 (|dm| > 5) stay untied: epsilon is not max |dm|
    assert result.epsilon < np.abs(np.subtract.outer(metric[0], metric[1:])).min()
    assert result == tie_calibrate(gold, metric, "item")
    # A metric in the gold order never needs a tie: epsilon 0, not flagged.
    gold = np.arange(12.0).reshape(3, 4)
    exact = tie_calibrate(gold, gold * 2.0, "none")
    assert exact.statistic == 1.0 and exact.epsilon == 0.0 and not exact.ties_all_pairs


def test_registry_and_level_checks():
    gold = np.array([[1.0, 2.0, 2.0], [3.0, 1.0, 2.0]])
    metric = np.array([[0.5, 0.7, 0.1], [0.2, 0.9, 0.3]])
    for level in LEVELS:
        assert correlation_at_level(gold, metric, "acc23_tiecal", level) == \
            tie_calibrate(gold, metric, level).statistic
    with pytest.raises(ParameterError):
        tie_calibrate(gold, metric, "segment")
    with pytest.raises(StatsError):
        tie_calibrate(gold, metric[:1], "none")


def test_long_row_uses_bands_and_matches_small_blocks(monkeypatch):
    """The band enumeration for long rows (level none) gives the same result as one block."""
    from metaeval.stats import tiecal

    rng = np.random.default_rng(4)
    gold = rng.integers(0, 4, (7, 60)).astype(float)
    gold[rng.random(gold.shape) < 0.1] = np.nan
    metric = np.round(rng.normal(size=gold.shape), 1)
    other = metric + rng.normal(scale=0.5, size=gold.shape)
    whole = tie_calibrate(gold, metric, "none")
    test = pair_outcome_permutation(gold, metric, other, "none", 50, 1)
    monkeypatch.setattr(tiecal, "_BLOCK", 500)  # forces bands of a few rows of the pair matrix
    assert tie_calibrate(gold, metric, "none") == whole
    assert pair_outcome_permutation(gold, metric, other, "none", 50, 1) == test


# ------------------------------------------------------------------ pair-outcome permutation
def _clear_case(seed=0):
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 5, (6, 50)).astype(float)
    good = gold + rng.normal(scale=0.5, size=gold.shape)
    bad = rng.normal(size=gold.shape)
    return gold, good, bad


@pytest.mark.parametrize("level", ["none", "item", "sys"])
def test_permutation_small_p_when_a_is_clearly_better(level):
    gold, good, bad = _clear_case()
    p, delta = pair_outcome_permutation(gold, good, bad, level, k=2000, seed=7)
    assert delta > 0
    assert p == pytest.approx(1 / 2001)  # no draw reaches the observed delta
    p_rev, delta_rev = pair_outcome_permutation(gold, bad, good, level, k=2000, seed=7)
    assert delta_rev == pytest.approx(-delta)
    assert p_rev > 0.99


def test_permutation_p_range_reproducible_and_delta():
    gold, good, bad = _clear_case(1)
    noisy = gold + np.random.default_rng(3).normal(scale=3.0, size=gold.shape)
    results = [pair_outcome_permutation(gold, noisy, bad, "item", k=500, seed=s)
               for s in (1, 1, 2)]
    assert results[0] == results[1]
    for p, _ in results:
        assert 0 < p <= 1
    delta = results[0][1]
    expected = tie_calibrate(gold, noisy, "item").statistic - tie_calibrate(gold, bad, "item").statistic
    assert delta == pytest.approx(expected, abs=1e-12)
    # a metric against itself: delta 0, every draw ties it, p = 1
    assert pair_outcome_permutation(gold, good, good, "none", k=100, seed=0) == (1.0, 0.0)
    with pytest.raises(ParameterError):
        pair_outcome_permutation(gold, good, bad, "none", k=0)


def test_permutation_null_distribution_is_binomial():
    """One row: delta* = 2 Binomial(D, 1/2) - D, so p is the binomial tail (up to MC error)."""
    rng = np.random.default_rng(8)
    gold = rng.integers(0, 3, (1, 40)).astype(float)
    a = gold + rng.normal(scale=1.5, size=gold.shape)
    b = gold + rng.normal(scale=1.5, size=gold.shape)
    k = 20000
    p, delta = pair_outcome_permutation(gold, a, b, "none", k=k, seed=3)
    n_pairs = 40 * 39 // 2
    observed = round(delta * n_pairs)  # integer a_only - b_only
    cal_a, cal_b = tie_calibrate(gold, a, "none"), tie_calibrate(gold, b, "none")
    g = gold[0]
    i, j = np.triu_indices(40, 1)
    dg = g[i] - g[j]

    def right(m, eps):
        dm = m[0][i] - m[0][j]
        return np.where(np.abs(dm) <= eps, dg == 0, (dg != 0) & ((dg > 0) == (dm > 0)))

    ra, rb = right(a, cal_a.epsilon), right(b, cal_b.epsilon)
    differing = int((ra != rb).sum())
    assert int((ra & ~rb).sum() - (rb & ~ra).sum()) == observed
    # P(2B - D >= observed) = P(B >= (D + observed) / 2)
    tail = scipy.stats.binom.sf(np.ceil((differing + observed) / 2) - 1, differing, 0.5)
    assert p == pytest.approx(tail, abs=4 * np.sqrt(tail * (1 - tail) / k) + 2 / k)
