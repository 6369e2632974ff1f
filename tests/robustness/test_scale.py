"""Scale without surprises (section 7): exact results from the memory-bounded paths, the rank
overflow at 32,768 distinct values, the tie-group blow-up of the Kendall chance baseline, and
the cost estimate that refuses runs beyond the budget."""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.correlation.budget import estimate_cost, preflight, task_seconds
from metaeval.correlation.settings import Settings
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import get_coefficient, pearson
from metaeval.stats.fastpaths import fixed_gold_statistic, weighted_pair_counts
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.paircounts import dense_ranks
from metaeval.stats.permutation import chance_baseline
from metaeval.stats.rankdraws import pooled_rank_draws
from metaeval.stats.resampling import bootstrap_indices, resampled_correlations
from metaeval.stats.weightedcounts import grouped_pair_counts
from metaeval.stats.williams import metric_correlations
from tests.robustness.conftest import BASE, invoke, one_error_line

FIELDS = ("con", "dis", "ties_human", "ties_metric", "ties_both", "n")


def test_dense_ranks_do_not_wrap_beyond_int16():
    ranks = dense_ranks(np.arange(40000.0)[None])
    assert ranks.min() == 1 and ranks.max() == 40000


def test_kendall_on_more_than_32767_distinct_values():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 40000))
    y = x + rng.normal(size=(1, 40000))
    tau = correlation_at_level(x, y[None], get_coefficient("kendall_b"), "none")[0]
    import scipy.stats

    assert tau == pytest.approx(scipy.stats.kendalltau(x.ravel(), y.ravel()).statistic, abs=1e-12)


def test_kendall_chance_baseline_with_a_huge_tie_group_is_exact():
    rng = np.random.default_rng(1)
    gold = np.where(rng.random((20, 1000)) < 0.8, 0.0, -rng.integers(1, 25, (20, 1000)))
    metric = gold + rng.normal(size=gold.shape)  # 16,000 cells tie at gold 0
    fast = chance_baseline(gold, metric, "kendall_b", "none", k=20, seed=0)
    shuffles = np.stack([rng.permutation(metric.ravel()) for _ in range(3)])
    counts = fixed_gold_statistic(get_coefficient("kendall_b"), gold.ravel(), shuffles)
    for row, value in zip(shuffles, counts):
        import scipy.stats

        assert value == pytest.approx(scipy.stats.kendalltau(gold.ravel(), row).statistic,
                                      abs=1e-12)
    assert np.isfinite(fast.null_distribution).all()


def test_grouped_pair_counts_equal_the_quadratic_counts():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 7, 400).astype(float)
    y = np.round(x + rng.normal(size=400), 1)
    y[[3, 50]] = np.nan
    w = rng.integers(0, 3, (15, 400)).astype(float)
    for a, b in ((x, y), (y, x)):
        grouped, quadratic = grouped_pair_counts(a, b, w), weighted_pair_counts(a, b, w)
        for field in FIELDS:
            np.testing.assert_array_equal(getattr(grouped, field), getattr(quadratic, field))


@pytest.mark.parametrize("name", ["spearman", "kendall_b", "kendall_c"])
def test_pooled_draws_of_long_vectors_equal_the_generic_path(name):
    rng = np.random.default_rng(3)
    gold = -rng.poisson(2, (8, 500)).astype(float)  # 4,000 cells: beyond the quadratic paths
    scores = np.round(gold[None] + rng.normal(size=(2, 8, 500)), 1)
    idx = bootstrap_indices(8, 500, 6, 5, "both")
    coef = get_coefficient(name)
    fast = resampled_correlations(gold, scores, coef, "none", idx)
    for b in range(6):
        g = gold[idx.systems[b][:, None], idx.items[b][None, :]]
        m = scores[:, idx.systems[b][:, None], idx.items[b][None, :]]
        np.testing.assert_allclose(fast[:, b], correlation_at_level(g[None], m, coef, "none"),
                                   atol=1e-12)
    if name == "spearman":
        np.testing.assert_allclose(pooled_rank_draws(gold, scores, idx.systems, idx.items), fast)


def test_metric_correlations_in_blocks_equal_the_full_array():
    rng = np.random.default_rng(4)
    m = rng.normal(size=(7, 300))
    full = pearson(m[:, None, :], m[None, :, :])
    np.testing.assert_allclose(metric_correlations(m, block=2), full, atol=1e-14)


def test_exact_tie_calibration_beyond_memory_is_refused_up_front():
    settings = Settings(coefficients=("acc23_tiecal",), levels=("none",), k=10)
    with pytest.raises(ParameterError, match=r"about \d+ GB"):
        preflight([(500_000, 50, 10_000)], 2, settings)
    assert preflight([(500_000, 50, 10_000)], 2, Settings(coefficients=("acc23_tiecal",),
                                                          levels=("item",), k=10)) is not None


def test_runs_beyond_the_budget_need_force():
    settings = Settings(coefficients=("spearman",), k=10_000_000)
    with pytest.raises(ParameterError, match="pass --force"):
        preflight([(400, 20, 20)], 10, settings)
    assert preflight([(400, 20, 20)], 10, settings, force=True)[0].startswith("estimated")
    with pytest.raises(ParameterError, match=r"would take about [\d.]+ h .*budget 2 h"):
        preflight([(30_000, 15, 2_000)], 40, Settings(coefficients=("spearman",), k=100_000))
    small = estimate_cost([(400, 20, 20)], 2, Settings(k=100))
    assert small.seconds < 5


def test_the_estimate_follows_the_perm_both_paths():
    """HANNA's shape (11 systems x 96 items, 72 metrics, 2,556 pairs, k=1000): at level system
    PERM-BOTH works on 11 system means per draw, at level item on groups of 11 systems (one
    small product per pair), at level none on all 1,056 cells (one sort per pair); the
    estimate counted every level as cells (system was estimated like none, 13x too dear)."""
    shape, cells, pairs = (11, 96), 1056, 72 * 71 // 2
    tested = Settings(levels=("system", "item"))
    untested = Settings(levels=("system", "item"), significance="none")
    perm = {level: task_seconds(cells, level, "spearman", 72, tested, shape)
            - task_seconds(cells, level, "spearman", 72, untested, shape)
            for level in ("system", "item", "none")}
    assert perm["system"] == pytest.approx(pairs * 1000 * 11 * 8e-8)
    assert perm["item"] == pytest.approx(pairs * 1000 * cells * 1e-8)
    assert perm["none"] == pytest.approx(pairs * 1000 * cells * 2e-8)
    assert 20 < estimate_cost([(cells, *shape)], 72, tested).seconds < 60


def test_cli_refuses_an_absurd_k_with_an_estimate(table, tmp_path):
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o", "--k", "100000000")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "would take about" in line and "--force" in line
    assert not (tmp_path / "o").exists()


def test_tie_calibration_on_a_sample_of_pairs():
    from metaeval.stats.tiecal import tie_calibrate

    rng = np.random.default_rng(5)
    gold = -rng.poisson(1.5, (6, 300)).astype(float)
    metric = np.round(gold + rng.normal(size=gold.shape), 1)
    exact = tie_calibrate(gold, metric, "none")
    sampled = tie_calibrate(gold, metric, "none", sample=0.05, seed=1)
    assert sampled.sampled and not exact.sampled
    assert sampled.n_pairs == int(np.ceil(0.05 * exact.n_pairs))
    assert sampled.statistic == pytest.approx(exact.statistic, abs=0.02)  # 80k of 1.6M pairs
    assert tie_calibrate(gold, metric, "none", sample=0.05, seed=1) == sampled
    # by hand: a sample drawn with the documented scheme gives the same optimum
    g, m = gold.ravel(), metric.ravel()
    draws = np.random.default_rng(1)
    i = draws.integers(0, g.size, sampled.n_pairs)
    j = draws.integers(0, g.size - 1, sampled.n_pairs)
    j += j >= i
    dg, dm = g[i] - g[j], m[i] - m[j]
    def acc(eps):
        tie = np.abs(dm) <= eps
        return np.mean(((dg == 0) & tie) | ((np.sign(dg) == np.sign(dm)) & ~tie & (dg != 0)))
    assert acc(sampled.epsilon) == pytest.approx(sampled.statistic, abs=1e-12)
    grid = np.unique(np.abs(dm))[:400]
    assert max(acc(e) for e in grid) <= sampled.statistic + 1e-12


def test_sampled_tie_calibration_is_allowed_and_recorded(table, tmp_path):
    settings = Settings(coefficients=("acc23_tiecal",), levels=("none",), k=10,
                        tiecal_sample=0.001)
    assert preflight([(500_000, 50, 10_000)], 2, settings) is not None
    result = invoke(*BASE, "--data", table, "--out", tmp_path / "o", "--coef", "acc23_tiecal",
                    "--tiecal-sample", "0.5", "--format", "json", "--quiet")
    assert result.exit_code == 0, result.output
    import json

    record = json.loads((tmp_path / "o" / "results.json").read_text())
    assert "tiecal-sample:0.5" in json.dumps(record)
    bad = invoke(*BASE, "--data", table, "--out", tmp_path / "p", "--tiecal-sample", "0")
    assert bad.exit_code == 2 and "tiecal" in one_error_line(bad)


@pytest.mark.parametrize("groups", [1, 2, 3, 37])
def test_grouped_pair_counts_by_splits_equal_the_quadratic_counts(groups):
    """Divide and conquer over 1, 2, 3 and 37 outer groups (odd splits, ties in both vectors,
    a missing cell, zero weights) gives the all-pairs counts exactly."""
    rng = np.random.default_rng(groups)
    x = rng.integers(0, groups, 500).astype(float)
    y = np.round(x + 3 * rng.normal(size=500))  # ties in the inner vector too
    x[7] = np.nan
    weights = rng.integers(0, 4, (9, 500))
    got = grouped_pair_counts(x, y, weights)
    expected = weighted_pair_counts(x, y, weights)
    for field in ("con", "dis", "ties_human", "ties_metric", "ties_both", "n"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field), field)
