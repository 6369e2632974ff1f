"""Soft pairwise accuracy: MTME's own case, a case enumerated by hand, a literal transcription of
mt-metrics-eval's ``pce.compute_pairwise_p_values`` loop, missing-cell rules, the PERM-BOTH fast
path, the bootstrap, and every ``sys_spa`` value of the WMT22 zh-en reference."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.errors import ParameterError, StatsError
from metaeval.stats import bootstrap_ci, correlation_at_level, perm_both, permspa
from metaeval.stats.coefficients import get_coefficient, with_arguments
from metaeval.stats.permfast import perm_both_fast_path
from metaeval.stats.permspa import SpaPermBoth
from metaeval.stats.permutation import perm_both_draws, zscore_on_gold
from metaeval.stats.resampling import bootstrap_indices, resampled_correlations
from metaeval.stats.spa import (
    PATTERN_NOTE,
    masked_pvalues,
    pairwise_pvalues,
    sign_matrix,
    soft_pairwise_accuracy,
    spa_at_level,
)
from tests.stats import mtme_wmt22


def mtme_pvalues(seg_scores, num_permutations=1000, seed=4):
    """mt-metrics-eval ``pce.compute_pairwise_p_values`` (68a481a), line by line, on a C-ordered
    matrix as MTME's ``stats._Reshape`` builds it (``np.asarray(v).reshape(num_sys, -1)``): the
    float32 row sums of a strided matrix accumulate in another order."""
    seg_scores = np.ascontiguousarray(seg_scores)
    num_systems, num_segments = seg_scores.shape
    rng = np.random.default_rng(seed)
    two_m_minus_one = rng.random(size=(num_permutations, num_segments), dtype=np.float32)
    np.rint(two_m_minus_one, out=two_m_minus_one, casting="same_kind")
    two_m_minus_one *= 2.0
    two_m_minus_one -= 1.0
    seg_scores = seg_scores.astype(np.float32)
    sys_scores = np.sum(seg_scores, axis=1)
    partial = np.matmul(two_m_minus_one, seg_scores.T)
    p_vals = np.empty((num_systems, num_systems)) * np.nan
    for ii in range(num_systems):
        for jj in range(ii + 1, num_systems):
            null_delta = partial[:, ii] - partial[:, jj]
            test_delta = sys_scores[ii] - sys_scores[jj]
            p_vals[ii, jj] = np.sum(null_delta >= test_delta) / num_permutations
    return p_vals


def mtme_spa(gold, metric, num_permutations=1000):
    """``compute_one_minus_pce`` of the two p-value matrices (same seed, same sign matrix)."""
    human, predicted = mtme_pvalues(gold, num_permutations), mtme_pvalues(metric, num_permutations)
    upper = np.triu_indices(human.shape[0], 1)
    return 1.0 - np.mean(np.abs(human - predicted)[upper])


def test_mtme_test_case():
    """MTME's example: system 0 has gold [1, 2, 3], system 1 [2, 3, 4]; metric [2, 2, 4] and
    [1, 3, 5]. Gold: every permuted difference (|d| <= 3) is >= -3, p = 1; metric: p = 0.872."""
    gold = np.array([1, 2, 3, 2, 3, 4], float).reshape(2, 3)
    metric = np.array([2, 2, 4, 1, 3, 5], float).reshape(2, 3)
    assert pairwise_pvalues(gold)[0, 1] == 1.0
    assert pairwise_pvalues(metric)[0, 1] == 0.872
    result = soft_pairwise_accuracy(gold, metric)
    assert result.statistic == 0.872
    assert mtme_spa(gold, metric) == 0.872
    assert not result.patterns_differ and result.note == ""


def test_three_systems_enumerated_by_hand():
    """P = 8 permutations of 3 segments. default_rng(4) gives the rows below; p[i, j] is the
    share of rows r with r . (x_i - x_j) >= sum(x_i - x_j) (all values exact in float32).

    gold  x0 = [3, 1, 2], x1 = [1, 1, 1], x2 = [2, 2, 0]
      (0, 1): d = [2, 0, 1], test 3: row values 3 3 1 1 3 -1 -3 1 -> 3/8
      (0, 2): d = [1, -1, 2], test 2: 2 2 0 0 2 0 -4 0            -> 3/8
      (1, 2): d = [-1, -1, 1], test -1: -1 -1 -1 -1 -1 1 -1 -1     -> 8/8
    metric x0 = [2, 2, 2], x1 = [1, 0, 1], x2 = [0, 2, 1]
      (0, 1): d = [1, 2, 1], test 4: 4 4 -2 -2 4 2 0 -2            -> 3/8
      (0, 2): d = [2, 0, 1], test 3: as gold (0, 1)                 -> 3/8
      (1, 2): d = [1, -2, 0], test -1: -1 -1 3 3 -1 -3 -3 3         -> 6/8
    SPA = 1 - (0 + 0 + 1/4) / 3 = 11/12.
    """
    rows = [[1, 1, 1], [1, 1, 1], [1, -1, -1], [1, -1, -1], [1, 1, 1], [-1, 1, 1], [-1, 1, -1],
            [1, -1, -1]]
    np.testing.assert_array_equal(sign_matrix(8, 3, 4), rows)
    gold = np.array([[3, 1, 2], [1, 1, 1], [2, 2, 0]], float)
    metric = np.array([[2, 2, 2], [1, 0, 1], [0, 2, 1]], float)
    nan = np.nan
    np.testing.assert_array_equal(pairwise_pvalues(gold, 8),
                                  [[nan, 3 / 8, 3 / 8], [nan, nan, 1.0], [nan, nan, nan]])
    np.testing.assert_array_equal(pairwise_pvalues(metric, 8),
                                  [[nan, 3 / 8, 3 / 8], [nan, nan, 6 / 8], [nan, nan, nan]])
    np.testing.assert_array_equal(pairwise_pvalues(gold, 8), mtme_pvalues(gold, 8))
    assert soft_pairwise_accuracy(gold, metric, 8).statistic == pytest.approx(11 / 12, abs=1e-15)
    assert soft_pairwise_accuracy(gold, metric, 8).statistic == mtme_spa(gold, metric, 8)


def test_pvalues_equal_the_mtme_loop_on_random_data():
    rng = np.random.default_rng(0)
    for systems, segments in [(2, 5), (7, 40), (12, 300)]:
        scores = rng.normal(size=(systems, segments)) * 10
        np.testing.assert_array_equal(pairwise_pvalues(scores), mtme_pvalues(scores))
        metric = scores + rng.normal(size=scores.shape) * 5
        assert soft_pairwise_accuracy(scores, metric).statistic == mtme_spa(scores, metric)


def test_batched_equals_each_matrix():
    rng = np.random.default_rng(1)
    gold = rng.normal(size=(6, 25))
    metric = gold + rng.normal(size=(2, 3, 6, 25))
    metric[1, 2, 3, 4] = np.nan  # one matrix with a missing cell (per-pair rule)
    batched = soft_pairwise_accuracy(gold, metric)
    assert batched.statistic.shape == (2, 3)
    for idx in np.ndindex(2, 3):
        one = soft_pairwise_accuracy(gold, metric[idx])
        assert batched.statistic[idx] == one.statistic
        assert batched.patterns_differ[idx] == one.patterns_differ
    golds = rng.normal(size=(2, 3, 6, 25))  # gold differing per batch element too
    for idx in np.ndindex(2, 3):
        assert (soft_pairwise_accuracy(golds, metric).statistic[idx]
                == soft_pairwise_accuracy(golds[idx], metric[idx]).statistic)
    np.testing.assert_array_equal(pairwise_pvalues(metric[0])[1], pairwise_pvalues(metric[0, 1]))


def test_same_missing_segments_equal_the_kept_columns():
    rng = np.random.default_rng(2)
    gold = rng.normal(size=(5, 30))
    metric = gold + rng.normal(size=gold.shape)
    holes = gold.copy()
    holes[:, [3, 10, 11]] = np.nan
    kept = np.delete(np.arange(30), [3, 10, 11])
    result = soft_pairwise_accuracy(holes, metric)
    assert not result.patterns_differ and result.note == ""
    assert result.statistic == mtme_spa(gold[:, kept], metric[:, kept])
    only_metric = metric.copy()  # a missing metric cell counts as a missing gold cell
    only_metric[:, [3, 10, 11]] = np.nan
    assert soft_pairwise_accuracy(gold, only_metric).statistic == result.statistic


def union_pvalues(x, valid, num_permutations=1000, seed=4):
    """The rule for systems that miss different segments, by hand in float64: the sign matrix of
    the union of the segments, and each pair (i, j) counts the rows whose permuted difference on
    the segments both have is at least the observed one there."""
    union = valid.any(0)
    signs = sign_matrix(num_permutations, int(union.sum()), seed).astype(float)
    x, valid = x[:, union], valid[:, union]
    p = np.full((len(x), len(x)), np.nan)
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            shared = valid[i] & valid[j]
            d = np.where(shared, x[i] - x[j], 0.0)
            p[i, j] = np.mean(signs @ d >= d.sum()) if shared.any() else np.nan
    return p


def test_different_patterns_compare_each_pair_on_its_shared_segments():
    rng = np.random.default_rng(3)
    gold = rng.normal(size=(4, 20))
    metric = gold + rng.normal(size=gold.shape)
    gold[0, [1, 2]] = np.nan
    gold[2, [2, 7, 9]] = np.nan
    metric[3, 15] = np.nan
    metric[:, 11] = np.nan  # out of the union: no system has it
    valid = np.isfinite(gold) & np.isfinite(metric)
    upper = np.triu_indices(4, 1)
    human, predicted = union_pvalues(gold, valid), union_pvalues(metric, valid)
    result = soft_pairwise_accuracy(gold, metric)
    assert result.patterns_differ
    assert result.note == PATTERN_NOTE
    assert result.statistic == pytest.approx(1.0 - np.mean(np.abs(human - predicted)[upper]),
                                              abs=1e-15)
    np.testing.assert_array_equal(masked_pvalues(metric[None], valid[None])[0][0],
                                  predicted[upper])
    assert 0 < np.nanmin(predicted) and np.nanmax(predicted) < 1  # counts away from the ends


def test_different_patterns_leave_out_pairs_without_shared_segments():
    rng = np.random.default_rng(5)
    gold = rng.normal(size=(3, 60))
    metric = gold + rng.normal(size=gold.shape)
    gold[0, 30:] = np.nan  # system 0 has segments 0-29 only, system 1 has 30-59 only
    gold[1, :30] = np.nan
    valid = np.isfinite(gold) & np.isfinite(metric)
    p, differ = masked_pvalues(metric[None], valid[None])
    assert differ[0] and np.isnan(p[0, 0]) and np.isfinite(p[0, 1:]).all()
    np.testing.assert_array_equal(p[0], union_pvalues(metric, valid)[np.triu_indices(3, 1)])


def test_systems_without_cells_are_left_out():
    rng = np.random.default_rng(4)
    gold = rng.normal(size=(4, 15))
    metric = gold + rng.normal(size=gold.shape)
    with_empty = np.vstack([gold[:2], np.full((1, 15), np.nan), gold[2:]])
    metric_5 = np.vstack([metric[:2], rng.normal(size=(1, 15)), metric[2:]])
    result = soft_pairwise_accuracy(with_empty, metric_5)
    assert not result.patterns_differ
    assert result.statistic == mtme_spa(gold, metric)  # MTME on the systems that have cells
    assert np.isnan(soft_pairwise_accuracy(gold[:1], metric[:1]).statistic)  # no pair


def test_pvalues_are_invariant_to_adding_a_constant():
    """p[i, j] depends on x_i - x_j only; with integer scores every float32 sum is exact."""
    rng = np.random.default_rng(5)
    scores = rng.integers(-20, 20, size=(6, 50)).astype(float)
    np.testing.assert_array_equal(pairwise_pvalues(scores + 7.0), pairwise_pvalues(scores))
    gold = rng.integers(0, 25, size=(6, 50)).astype(float)
    assert (soft_pairwise_accuracy(gold, scores + 100.0).statistic
            == soft_pairwise_accuracy(gold, scores).statistic)


def test_registry_and_levels():
    rng = np.random.default_rng(6)
    gold = rng.normal(size=(5, 12))
    metric = gold + rng.normal(size=(3, 5, 12))
    coef = get_coefficient("spa")
    assert coef.label == "SPA" and coef.soft_pairwise
    assert dict(coef.arguments) == {"permutations": 1000, "seed": 4}
    np.testing.assert_array_equal(correlation_at_level(gold, metric, "spa", "system"),
                                  soft_pairwise_accuracy(gold, metric).statistic)
    for level in ("item", "sys", "none"):
        with pytest.raises(ParameterError, match=level):
            correlation_at_level(gold, metric, "spa", level)
    with pytest.raises(ParameterError, match="bogus"):
        spa_at_level(gold, metric, "bogus")
    with pytest.raises(StatsError, match="spa needs the system x item matrix"):
        coef.batched(gold[0], metric[0, 0])
    fewer = with_arguments("spa", permutations=8)
    assert dict(fewer.arguments)["permutations"] == 8
    assert (fewer.at_level(gold, metric[0], "system")
            == soft_pairwise_accuracy(gold, metric[0], 8).statistic)
    with pytest.raises(ParameterError):
        pairwise_pvalues(gold, permutations=0)
    with pytest.raises(StatsError):
        pairwise_pvalues(np.where(gold > 1, np.nan, gold))


def _spa_case(seed, systems=6, segments=40, metrics=4):
    """Gold rounded to 0.1 (ties) with one segment missing for every system; enough segments
    that no sign-matrix row is all +1 (such a row ties the permuted and observed difference in
    exact arithmetic, and rounding alone then decides the count)."""
    rng = np.random.default_rng(seed)
    gold = np.round(rng.normal(size=(systems, segments)), 1)
    scores = gold + rng.normal(size=(metrics, systems, segments))
    gold[:, 5] = np.nan
    return gold, scores


def test_perm_both_fast_path_equals_the_generic_path():
    gold, scores = _spa_case(7)
    assert isinstance(perm_both_fast_path(get_coefficient("spa"), "system", gold,
                                          zscore_on_gold(gold, scores)), SpaPermBoth)
    fast = perm_both(gold, scores, "spa", "system", k=300, seed=2)
    slow = perm_both(gold, scores, "spa", "system", k=300, seed=2, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
    np.testing.assert_array_equal(fast.statistic, slow.statistic)
    draws = perm_both_draws(gold, scores, "spa", "system", 0, 2, k=120, seed=5, chunk=50)
    generic = perm_both_draws(gold, scores, "spa", "system", 0, 2, k=120, seed=5, fast=False)
    np.testing.assert_allclose(draws, generic, rtol=0, atol=1e-12)


def test_perm_both_fast_path_with_fewer_permutations_and_a_system_without_gold():
    gold, scores = _spa_case(8, systems=5, segments=60, metrics=3)
    gold[2] = np.nan  # left out, as in the generic path
    coef = with_arguments("spa", permutations=200)
    fast = perm_both(gold, scores, coef, "system", k=200, seed=3)
    slow = perm_both(gold, scores, coef, "system", k=200, seed=3, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
    np.testing.assert_allclose(fast.statistic, slow.statistic, rtol=0, atol=1e-12)


def test_perm_both_takes_the_generic_path_for_differing_patterns():
    gold, scores = _spa_case(9)
    gold[1, 7] = np.nan  # system 1 misses a segment the others have
    z = zscore_on_gold(gold, scores)
    assert perm_both_fast_path(get_coefficient("spa"), "system", gold, z) is None
    result = perm_both(gold, scores, "spa", "system", k=30, seed=0)
    assert np.isfinite(result.pvalue[~np.eye(4, dtype=bool)]).all()


def test_bootstrap_ci_of_spa():
    gold, scores = _spa_case(10, systems=5, segments=30, metrics=2)
    result = bootstrap_ci(gold, scores, "spa", "system", k=40, seed=0)
    assert result.bootstrap_distribution.shape == (2, 40)
    assert np.isfinite(result.bootstrap_distribution).all()
    low, high = result.confidence_interval
    assert low.shape == high.shape == (2,)
    assert np.all(np.isfinite(low)) and np.all(low <= high)
    np.testing.assert_array_equal(result.statistic, soft_pairwise_accuracy(gold, scores).statistic)


def assert_bootstrap_fast_path_is_each_resample(gold, scores, permutations, indices):
    """The bootstrap takes the fast path and gives each item resample's SPA bit for bit."""
    coef = with_arguments("spa", permutations=permutations)
    assert permspa.bootstrap_supports(coef, "system", gold, scores, indices.systems)
    fast = resampled_correlations(gold, scores, coef, "system", indices)
    each = np.stack([soft_pairwise_accuracy(gold[:, i], scores[:, :, i],
                                            permutations).statistic for i in indices.items], 1)
    np.testing.assert_array_equal(fast, each)


def test_bootstrap_fast_path_equals_spa_of_each_resample():
    """Continuous scores, every item rated: the stacked product gives each draw's SPA exactly
    (no permuted difference ties the observed one, so rounding decides nothing)."""
    rng = np.random.default_rng(11)
    gold = rng.normal(size=(5, 45))
    scores = gold + rng.normal(size=(3, 5, 45))
    coef = with_arguments("spa", permutations=300)
    indices = bootstrap_indices(5, 45, 25, seed=4)
    assert_bootstrap_fast_path_is_each_resample(gold, scores, 300, indices)
    both = bootstrap_indices(5, 45, 25, seed=4, resample="both")  # systems resampled, or
    assert not permspa.bootstrap_supports(coef, "system", gold, scores, both.systems)
    gold[0, 3] = np.nan  # a missing cell: the generic path
    assert not permspa.bootstrap_supports(coef, "system", gold, scores, indices.systems)


# ---------------------------------------------------------------- WMT22 zh-en (MTME reference)
@pytest.fixture(scope="module")
def wmt22(datasets_dir):
    return mtme_wmt22.load(datasets_dir)


def test_sys_spa_matches_mtme_on_wmt22(wmt22):
    expected = wmt22["reference"]["tasks"]["sys_spa"]["values"]
    names = list(expected)
    scores = np.stack([wmt22["metrics"][n] for n in names])
    assert scores.shape == (10, 15, 1875)
    result = soft_pairwise_accuracy(wmt22["gold"], scores)
    assert not result.patterns_differ.any()
    for name, value in zip(names, result.statistic):
        # exact counts; the mean of the 105 |differences| may round 1 ulp apart
        assert abs(value - expected[name]) <= 1e-12, (name, value, expected[name])
    np.testing.assert_array_equal(
        correlation_at_level(wmt22["gold"], scores, "spa", "system"), result.statistic)


def test_sys_pearson_matches_mtme_on_wmt22(wmt22):
    """Every output is MQM-rated on every segment, so level system (means over gold-covered
    segments) is MTME's system-level Pearson: a check of the reader."""
    assert np.isfinite(wmt22["gold"]).all()
    expected = wmt22["reference"]["tasks"]["sys_pearson"]["values"]
    for name, value in expected.items():
        got = float(correlation_at_level(wmt22["gold"], wmt22["metrics"][name], "pearson",
                                         "system"))
        assert abs(got - value) <= 1e-9, (name, got, value)
