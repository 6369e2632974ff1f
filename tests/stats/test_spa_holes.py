"""SPA when systems miss different segments (a metric that failed on a few cells): the kernel of
:mod:`metaeval.stats.spaholes` against the rule by hand, and the bootstrap and PERM-BOTH fast
paths against the generic path draw by draw (continuous scores, so that no permuted difference
ties the observed one and float32 rounding decides nothing)."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.stats import perm_both, permspa
from metaeval.stats.coefficients import get_coefficient, with_arguments
from metaeval.stats.permfast import fast_path_metrics, perm_both_fast_path
from metaeval.stats.permspa import SpaPermBoth, usable_metrics
from metaeval.stats.permutation import perm_both_draws, zscore_on_gold
from metaeval.stats.resampling import bootstrap_indices
from metaeval.stats.spa import sign_matrix, soft_pairwise_accuracy
from metaeval.stats.spaholes import holed_pvalues
from tests.stats.test_spa import assert_bootstrap_fast_path_is_each_resample


def _case(seed: int, systems: int = 5, segments: int = 48, metrics: int = 4):
    """Continuous gold and metrics; metric 1 misses two cells of system 2 and one of system 4
    (as chrF on empty outputs), metric 3 one cell of system 0."""
    rng = np.random.default_rng(seed)
    gold = rng.normal(size=(systems, segments)) + np.linspace(1, -1, systems)[:, None]
    scores = gold + rng.normal(size=(metrics, systems, segments))
    scores[1, 2, [3, 17]] = np.nan
    scores[1, 4, 30] = np.nan
    scores[3, 0, 5] = np.nan
    return gold, scores


def test_kernel_equals_each_pair_by_hand():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 30))
    valid = rng.random(size=x.shape) > 0.15
    signs = sign_matrix(200, 30, 4)
    p = holed_pvalues(x, valid, signs)
    iu, ju = np.triu_indices(4, 1)
    for n in range(2):
        for pair, (i, j) in enumerate(zip(iu, ju)):
            d = np.where(valid[n, i] & valid[n, j], x[n, i] - x[n, j], 0.0)
            assert p[n, pair] == np.mean(signs.astype(float) @ d >= d.sum())


def test_usable_metrics_need_a_complete_system_on_every_segment():
    gold, scores = _case(2)
    z = zscore_on_gold(gold, scores)
    assert usable_metrics(gold, z).all()
    coef = get_coefficient("spa")
    assert fast_path_metrics(coef, "system", gold, z).all()
    assert fast_path_metrics(get_coefficient("pearson"), "system", gold, z).tolist() == [
        True, False, True, False]
    z[1, :, 9] = np.nan  # no system keeps segment 9 for metric 1: only the complete metrics
    assert usable_metrics(gold, z).tolist() == [True, False, True, False]


def test_perm_both_fast_path_with_holes_equals_the_generic_path():
    gold, scores = _case(3)
    coef = with_arguments("spa", permutations=300)
    assert isinstance(perm_both_fast_path(coef, "system", gold, zscore_on_gold(gold, scores)),
                      SpaPermBoth)
    fast = perm_both(gold, scores, coef, "system", k=60, seed=2)
    slow = perm_both(gold, scores, coef, "system", k=60, seed=2, fast=False)
    np.testing.assert_array_equal(fast.pvalue, slow.pvalue)
    np.testing.assert_array_equal(fast.statistic, slow.statistic)
    for a, b in [(0, 1), (1, 3), (0, 2)]:  # holes in a, in both, in neither
        draws = perm_both_draws(gold, scores, coef, "system", a, b, k=40, seed=5, chunk=15)
        generic = perm_both_draws(gold, scores, coef, "system", a, b, k=40, seed=5, fast=False)
        np.testing.assert_allclose(draws, generic, rtol=0, atol=1e-12)
        assert np.ptp(draws) > 0


def test_bootstrap_fast_path_with_holes_equals_spa_of_each_resample():
    gold, scores = _case(4)
    coef = with_arguments("spa", permutations=250)
    indices = bootstrap_indices(5, 48, 30, seed=6)
    assert_bootstrap_fast_path_is_each_resample(gold, scores, 250, indices)
    assert soft_pairwise_accuracy(gold, scores, 250).patterns_differ.tolist() == [
        False, True, False, True]
    scores[1, :, 9] = np.nan  # a segment no system keeps: the generic path
    assert not permspa.bootstrap_supports(coef, "system", gold, scores, indices.systems)


@pytest.mark.parametrize("segments", [40, 400])
def test_a_system_without_cells_leaves_its_pairs_out(segments):
    gold, scores = _case(5, segments=segments)
    scores[1, 3] = np.nan  # metric 1 (with holes) has nothing for system 3
    result = soft_pairwise_accuracy(gold, scores, 200)
    kept = [0, 1, 2, 4]
    alone = soft_pairwise_accuracy(gold[kept], scores[1, kept], 200)
    assert result.patterns_differ[1] and alone.patterns_differ
    assert result.statistic[1] == alone.statistic
