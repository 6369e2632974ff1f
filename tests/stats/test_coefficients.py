"""Coefficients: agreement with scipy.stats (property-based), batching, hand-computed Kendall family."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from metaeval.errors import ParameterError
from metaeval.stats import paircounts
from metaeval.stats.coefficients import COEFFICIENTS, get_coefficient
from metaeval.stats.kendall import (
    acc_23,
    aces_tau,
    contrastive_tau,
    kendall_tau_b,
    kendall_tau_c,
    pair_counts,
    pairwise_accuracy,
    pairwise_agreement,
    tau_23,
)
from metaeval.stats.levels import correlation_at_level

# ------------------------------------------------------------------ random data with ties and NaNs
_value = st.one_of(
    st.integers(-3, 3).map(float),  # many ties
    st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 2)),
    st.just(float("nan")),
)


@st.composite
def paired_vectors(draw, min_size=0, max_size=30):
    n = draw(st.integers(min_size, max_size))
    x = draw(st.lists(_value, min_size=n, max_size=n))
    y = draw(st.lists(_value, min_size=n, max_size=n))
    return np.array(x, float), np.array(y, float)


def _complete(x, y):
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def _scipy(fn, x, y):
    """scipy's statistic on the pairwise-complete values, NaN where scipy cannot define it."""
    x, y = _complete(x, y)
    if len(x) < 2:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(x, y).statistic)


SCIPY = {
    "pearson": lambda x, y: scipy.stats.pearsonr(x, y),
    "spearman": lambda x, y: scipy.stats.spearmanr(x, y),
    "kendall_b": lambda x, y: scipy.stats.kendalltau(x, y, variant="b"),
    "kendall_c": lambda x, y: scipy.stats.kendalltau(x, y, variant="c"),
}


def _same(a: float, b: float, tol: float = 1e-9) -> bool:
    return (np.isnan(a) and np.isnan(b)) or abs(a - b) <= tol


@pytest.mark.parametrize("name", sorted(SCIPY))
@settings(max_examples=150, deadline=None)
@given(data=paired_vectors())
def test_matches_scipy_with_ties_and_nans(name, data):
    x, y = data
    ours = float(get_coefficient(name).batched(x, y))
    ref = _scipy(SCIPY[name], x, y)
    assert _same(ours, ref), (ours, ref, x, y)


@pytest.mark.parametrize("name", ["kendall_b", "kendall_c", "pearson", "spearman"])
@settings(max_examples=60, deadline=None)
@given(data=paired_vectors(min_size=3))
def test_analytic_pvalue_matches_scipy(name, data):
    """Above 9 complete pairs scipy's analytic p-value; up to 9 scipy's exact permutation test
    (checked here up to 6 pairs, where enumerating with scipy is quick; larger n below)."""
    x, y = data
    p = get_coefficient(name).pvalue(x, y)
    xc, yc = _complete(x, y)
    if len(xc) < 3 or np.ptp(xc) == 0 or np.ptp(yc) == 0:
        assert np.isnan(p)
        return
    if 6 < len(xc) <= 9:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(xc) > 9:
            expected = SCIPY[name](xc, yc).pvalue
        else:
            # the statistic rounded to 12 digits: orderings whose statistics are equal in exact
            # arithmetic must tie (scipy's own float tolerance misses some, see below)
            expected = scipy.stats.permutation_test(
                (yc,), lambda v: round(float(SCIPY[name](xc, v).statistic), 12),
                permutation_type="pairings", n_resamples=np.inf).pvalue
    assert _same(p, float(expected), 1e-9)


def test_exact_pearson_pvalue_with_tied_orderings_equals_rational_enumeration():
    """A case hypothesis found: orderings of y = (0, 0, 0, 0, -3, -2) give statistics equal in
    exact arithmetic that scipy's float comparison splits (0.867); enumeration over fractions
    gives 14/15, as metaeval does."""
    from fractions import Fraction
    from itertools import permutations

    x = np.array([-2.0, 48.78, -2.0, 81.0, 48.78, -1.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, -3.0, -2.0])
    xs, ys = [Fraction(str(v)) for v in x], [Fraction(str(v)) for v in y]
    mean = sum(xs) / len(xs)

    def numerator(values):
        return sum((a - mean) * b for a, b in zip(xs, values))

    observed = numerator(ys)
    null = [numerator(order) for order in permutations(ys)]
    greater = Fraction(sum(v >= observed for v in null), len(null))
    less = Fraction(sum(v <= observed for v in null), len(null))
    exact = min(Fraction(1), 2 * min(greater, less))
    assert exact == Fraction(14, 15)
    assert get_coefficient("pearson").pvalue(x, y) == pytest.approx(float(exact), abs=1e-12)


def test_exact_pvalue_at_nine_points_equals_scipy():
    """n = 9 (all 362,880 orderings) against scipy's permutation test, vectorised Pearson."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=9)
    y = np.round(x + rng.normal(size=9), 1)

    def r(v, axis=-1):
        xc, vc = x - x.mean(), v - v.mean(axis=axis, keepdims=True)
        return (vc * xc).sum(axis) / np.sqrt((vc * vc).sum(axis) * (xc * xc).sum())

    expected = scipy.stats.permutation_test((y,), r, permutation_type="pairings",
                                            n_resamples=np.inf, vectorized=True).pvalue
    assert get_coefficient("pearson").pvalue(x, y) == pytest.approx(expected, abs=1e-12)


def test_pvalues_only_where_analytic():
    with_p = {n for n, c in COEFFICIENTS.items() if c.pvalue is not None}
    assert {"pearson", "spearman", "kendall_b", "kendall_c"} <= with_p
    assert not with_p & {"tau23", "acc23", "aces_tau", "pairwise_acc", "acc23_tiecal"}
    for name in ("kendall_b", "kendall_c", "tau23", "acc23", "aces_tau", "pairwise_acc",
                 "acc23_tiecal"):
        assert COEFFICIENTS[name].pair_based
    assert COEFFICIENTS["acc23_tiecal"].at_level is not None


# ------------------------------------------------------------------ brute-force pair counts
def _brute_counts(x, y, epsilon=0.0):
    x, y = _complete(np.asarray(x, float), np.asarray(y, float))
    c = [0, 0, 0, 0, 0]
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        tx, ty = dx == 0, abs(dy) <= epsilon
        if tx and ty:
            c[4] += 1
        elif tx:
            c[2] += 1
        elif ty:
            c[3] += 1
        elif (dx > 0) == (dy > 0):
            c[0] += 1
        else:
            c[1] += 1
    return c


def _as_list(c):
    return [int(c.con), int(c.dis), int(c.ties_human), int(c.ties_metric), int(c.ties_both)]


@settings(max_examples=150, deadline=None)
@given(data=paired_vectors(), epsilon=st.sampled_from([0.0, 0.5, 1.0, 2.5, 0.01]))
def test_pair_counts_match_brute_force(data, epsilon):
    x, y = data
    expected = _brute_counts(x, y, epsilon)
    assert _as_list(pair_counts(x, y, epsilon)) == expected
    # the sort-based path (used for long vectors) gives the same integers
    xc, yc = _complete(x, y)
    assert [int(v) for v in paircounts._sorted_counts(xc, yc, epsilon)] == expected


def test_long_vectors_use_the_sorted_path_and_agree(monkeypatch):
    rng = np.random.default_rng(3)
    n = paircounts.SHORT_MAX + 60
    x = rng.integers(0, 6, (3, n)).astype(float)
    y = np.round(rng.normal(size=(3, n)), 1)
    x[rng.random(x.shape) < 0.05] = np.nan
    y[rng.random(y.shape) < 0.05] = np.nan
    for eps in (0.0, 0.1, 0.35):
        long_path = pair_counts(x, y, eps)
        monkeypatch.setattr(paircounts, "SHORT_MAX", 10**6)
        all_pairs = pair_counts(x, y, eps)
        monkeypatch.undo()
        for field in ("con", "dis", "ties_human", "ties_metric", "ties_both", "n"):
            assert np.array_equal(getattr(long_path, field), getattr(all_pairs, field)), field
        assert _as_list(pair_counts(x[1], y[1], eps)) == _brute_counts(x[1], y[1], eps)


def test_epsilon_boundary_uses_the_rounded_difference(monkeypatch):
    # 0.79 - 0.6 = 0.19000000000000006 > 0.19 (not a tie), although 0.6 + 0.19 == 0.79 in floats;
    # 0.3 - 0.1 = 0.19999999999999998 <= 0.2 (a tie). Both paths follow |y_i - y_j| <= epsilon.
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.6, 0.79, 0.79, 1.5, 0.6])
    expected = _brute_counts(x, y, 0.19)
    assert expected == [5, 3, 0, 2, 0]
    assert _as_list(pair_counts(x, y, 0.19)) == expected
    monkeypatch.setattr(paircounts, "SHORT_MAX", 1)  # force the sorted path
    assert _as_list(pair_counts(x, y, 0.19)) == expected
    assert _as_list(pair_counts([0.0, 1.0], [0.1, 0.3], 0.2)) == [0, 0, 0, 1, 0]


def test_negative_epsilon_is_an_error():
    with pytest.raises(ParameterError):
        pair_counts([1, 2], [1, 2], -0.1)


# ------------------------------------------------------------------ batching
BATCHED = ["pearson", "spearman", "kendall_b", "kendall_c", "tau23", "acc23", "aces_tau",
           "pairwise_acc", "acc23_tiecal"]


@pytest.mark.parametrize("name", BATCHED)
@pytest.mark.parametrize("n", [7, paircounts.SHORT_MAX + 5])
def test_batched_equals_per_row(name, n):
    rng = np.random.default_rng(11)
    x = rng.integers(0, 4, (2, 3, n)).astype(float)
    y = np.round(rng.normal(size=(2, 3, n)), 1)
    x[rng.random(x.shape) < 0.1] = np.nan
    y[0, 1] = 2.0  # a constant row: NaN for correlations, still defined for acc23
    y[1, 2, : n - 1] = np.nan  # a row with one valid cell
    coef = get_coefficient(name)
    batched = coef.batched(x, y)
    assert batched.shape == (2, 3)
    for a, b in itertools.product(range(2), range(3)):
        single = float(coef.batched(x[a, b], y[a, b]))
        assert _same(float(batched[a, b]), single, 0.0), (a, b)
    # gold broadcast against a stack of metrics, as resampling calls it
    stacked = coef.batched(x[0][None], y)
    assert np.allclose(stacked[0], batched[0], equal_nan=True, rtol=0, atol=0)


def test_undefined_cases_are_nan():
    for name in BATCHED:
        f = get_coefficient(name).batched
        assert np.isnan(f([1.0], [2.0])), name
        assert np.isnan(f([np.nan, 1.0, 2.0], [1.0, np.nan, 3.0])), name
    for name in ("pearson", "spearman", "kendall_b", "kendall_c"):
        assert np.isnan(get_coefficient(name).batched([1, 2, 3], [5, 5, 5])), name
    assert acc_23([1, 2, 3], [5, 5, 5]) == 0.0  # every pair a metric tie, none a human tie
    assert np.isnan(aces_tau([1, 1, 1], [1, 2, 3]))  # no pair with a human difference


# ------------------------------------------------------------------ hand-computed small cases
# x (human) = [1, 2, 3, 3], y (metric) = [1, 3, 2, 2]; pairs (i < j):
# (0,1) con, (0,2) con, (0,3) con, (1,2) dis, (1,3) dis, (2,3) tied in both  -> C=3 D=2 Tb=1, N=6
X1, Y1 = [1.0, 2.0, 3.0, 3.0], [1.0, 3.0, 2.0, 2.0]


def test_hand_counts():
    assert _as_list(pair_counts(X1, Y1)) == [3, 2, 0, 0, 1]
    # epsilon 1: only (0,1) (|dy| = 2) stays untied -> C=1, T_metric=4, T_both=1
    assert _as_list(pair_counts(X1, Y1, 1.0)) == [1, 0, 0, 4, 1]


def test_hand_tau23_acc23():
    assert tau_23(X1, Y1) == pytest.approx((3 + 1 - 2) / 6)
    assert acc_23(X1, Y1) == pytest.approx(4 / 6)
    assert tau_23(X1, Y1, epsilon=1.0) == pytest.approx((1 + 1 - 0 - 0 - 4) / 6)
    assert acc_23(X1, Y1, epsilon=1.0) == pytest.approx(2 / 6)
    # tau_23 = 2 acc_23 - 1 always (every pair is right or wrong)
    assert tau_23(X1, Y1, 1.0) == pytest.approx(2 * acc_23(X1, Y1, 1.0) - 1)


def test_hand_tau_b_and_c():
    # no human-only or metric-only ties; T_x = T_y = 1 -> (3 - 2) / sqrt(5 * 5)
    assert kendall_tau_b(X1, Y1) == pytest.approx(1 / 5)
    # n = 4, m = min(3, 3) distinct -> 2 (3 - 2) / (16 * 2 / 3) = 3 / 16
    assert kendall_tau_c(X1, Y1) == pytest.approx(3 / 16)
    # x = [1, 1, 2], y = [1, 2, 3]: (0,1) human-only tie, two concordant -> 2 / sqrt(2 * 3)
    assert kendall_tau_b([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / np.sqrt(6))
    assert tau_23([1, 1, 2], [1, 2, 3]) == pytest.approx((2 - 1) / 3)


def test_hand_aces_tau():
    # pairs with a human difference: 5; C = 3, D = 2 -> 1/5
    assert aces_tau(X1, Y1) == pytest.approx(1 / 5)
    # a metric tie on a pair the human score orders counts as discordant
    assert aces_tau([1, 2, 3], [1, 1, 2]) == pytest.approx((2 - 1) / 3)
    # human ties are left out
    assert aces_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(1.0)
    # contrastive pairs: C = #(good > bad) = 1, D = 2 (one tie, one wrong)
    assert contrastive_tau([2.0, 1.0, 1.0], [1.0, 1.0, 3.0]) == pytest.approx(-1 / 3)
    assert contrastive_tau([[2.0, np.nan]], [[1.0, 0.0]]) == pytest.approx([1.0])


def test_hand_pairwise_accuracy_and_pooling():
    # system scores: (0,1) agree, (0,2) agree, (1,2) disagree
    assert pairwise_accuracy([1, 2, 3], [1, 3, 2]) == pytest.approx(2 / 3)
    # a tie agrees only with a tie (sign 0 == sign 0)
    assert pairwise_accuracy([1, 1, 2], [5, 5, 6]) == pytest.approx(1.0)
    assert pairwise_accuracy([1, 1, 2], [5, 6, 7]) == pytest.approx(2 / 3)
    agree, pairs = pairwise_agreement([[1, 2, 3], [1, 1, 2]], [[1, 3, 2], [5, 6, 7]])
    assert agree.tolist() == [2, 2] and pairs.tolist() == [3, 3]
    assert agree.sum() / pairs.sum() == pytest.approx(4 / 6)  # pooled over two test sets
    assert pairwise_accuracy(X1, Y1) == pytest.approx(acc_23(X1, Y1))


def test_registry_levels_and_tiecal_broadcast():
    rng = np.random.default_rng(5)
    gold = rng.integers(0, 3, (4, 9)).astype(float)
    metrics = rng.normal(size=(2, 4, 9))
    for level in ("system", "item", "sys", "none"):
        for name in BATCHED:
            values = correlation_at_level(gold, metrics, name, level)
            assert values.shape == (2,), (name, level)
    from metaeval.stats.tiecal import tie_calibrate

    got = correlation_at_level(gold, metrics, "acc23_tiecal", "item")
    assert got[1] == tie_calibrate(gold, metrics[1], "item").statistic
