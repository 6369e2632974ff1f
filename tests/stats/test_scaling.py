"""Scale-free kernels (:mod:`metaeval.stats.scaling`): a correlation of finite scores does not
depend on the positive constants that multiply the gold and the metric scores, from subnormal
(1e-310) up to 1e300, and equals scipy's at every level; the PERM-BOTH, bootstrap and chance
fast paths give the same draws on scaled data as on unscaled data; constancy is decided
exactly (zeros and one subnormal value are not constant); HANNA's CIDEr item whose scores are
zeros and one subnormal value (it gave r = -1.0)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.stats

from metaeval.stats.chance import chance_draws
from metaeval.stats.coefficients import get_coefficient, pearson, spearman
from metaeval.stats.exact import exact_pvalue
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.permfast import perm_both_fast_path
from metaeval.stats.permutation import perm_both, perm_both_draws, zscore_on_gold
from metaeval.stats.resampling import bootstrap_ci
from metaeval.stats.scaling import binary_exponent, unit_scale
from metaeval.stats.spa import soft_pairwise_accuracy
from metaeval.stats.tiecal import tie_calibrate
from metaeval.stats.williams import williams_matrix
from tests.hanna import CIDER, CRITERIA, hanna_matrix, published_story_pearson

LEVELS = ("none", "item", "sys", "system")
EXTREMES = [(1e-310, 1.0), (1.0, 1e-310), (1e-310, 1e300), (1e300, 1e-310), (1e300, 1e300),
            (2.5e-308, 3e-305), (1e-200, 1e150)]


def _data(rng: np.random.Generator, systems: int = 7, items: int = 9, metrics: int = 1):
    """Gold as means of three 1..5 ratings (ties; a few cells missing) and metrics that follow
    it with noise, some rounded (ties) and some exactly 0."""
    gold = rng.integers(3, 16, (systems, items)) / 3.0
    gold[rng.random(gold.shape) < 0.06] = np.nan
    scores = 0.4 * np.nan_to_num(gold)[None] + rng.normal(size=(metrics, systems, items))
    rounded = rng.random(scores.shape) < 0.3
    scores[rounded] = np.round(scores[rounded], 1)
    scores[rng.random(scores.shape) < 0.1] = 0.0
    return gold, scores


def _extremes(coef: str, level: str) -> list[tuple[float, float]]:
    """EXTREMES, or for an order statistic of system means exact powers of two in the normal
    range: a subnormal product rounds each cell, and system means that tie exactly are then
    ordered by that rounding (as at any scale), which is not what is compared here."""
    if level == "system" and coef not in ("pearson", "pdp"):
        return [(2.0 ** -1000, 2.0 ** 990), (2.0 ** 990, 2.0 ** -1000), (2.0 ** 600, 1.0)]
    return EXTREMES


def _scale_pairs(rng: np.random.Generator, n: int = 6) -> list[tuple[float, float]]:
    """EXTREMES plus log-uniform draws in [1e-310, 1e300] for gold and metric separately."""
    drawn = 10.0 ** rng.uniform(-310, 300, size=(n, 2))
    return EXTREMES + [tuple(map(float, pair)) for pair in drawn]


# ------------------------------------------------------------------ references
def _hand_counts(x, y):
    """(C, D, T_human only, T_metric only, T_both) by looping over the pairs."""
    counts = [0, 0, 0, 0, 0]
    for i, j in itertools.combinations(range(len(x)), 2):
        sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if sx == 0 and sy == 0:
            counts[4] += 1
        elif sx == 0:
            counts[2] += 1
        elif sy == 0:
            counts[3] += 1
        else:
            counts[0 if sx == sy else 1] += 1
    return counts


def _tau23(x, y):
    c, d, th, tm, tb = _hand_counts(x, y)
    n = c + d + th + tm + tb
    return (c + tb - d - th - tm) / n if n else np.nan


def _acc23(x, y):
    c, d, th, tm, tb = _hand_counts(x, y)
    n = c + d + th + tm + tb
    return (c + tb) / n if n else np.nan


REFERENCES = {
    "pearson": lambda x, y: scipy.stats.pearsonr(x, y).statistic,
    "spearman": lambda x, y: scipy.stats.spearmanr(x, y).statistic,
    "kendall_b": lambda x, y: scipy.stats.kendalltau(x, y, variant="b").statistic,
    "kendall_c": lambda x, y: scipy.stats.kendalltau(x, y, variant="c").statistic,
    "tau23": _tau23,
    "acc23": _acc23,
}


def _reference_vector(coef: str, x: np.ndarray, y: np.ndarray) -> float:
    """scipy's value (or the hand count) on the pairwise-complete values, each vector first
    rescaled exactly by a power of two: scipy itself is scale-free down to the normal range,
    but its mean of subnormal values rounds (HANNA's item 47: -0.02112411 where the exact
    value, and scipy's on the rescaled vector, is -0.02112414)."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = unit_scale(x[keep]), unit_scale(y[keep])
    if len(x) < 2 or (coef not in ("tau23", "acc23") and (np.ptp(x) == 0 or np.ptp(y) == 0)):
        return np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(REFERENCES[coef](x, y))


def _system_means(gold: np.ndarray, metric: np.ndarray):
    """System means over the cells with both scores, of the matrices rescaled exactly (powers
    of two): the system scores of the data as given, free of the rounding of subnormal sums."""
    g, m = unit_scale(gold, (-2, -1)), unit_scale(metric, (-2, -1))
    valid = np.isfinite(g) & np.isfinite(m)
    rows = valid.any(1)
    n = valid.sum(1)[rows]  # summed in the engine's order: exact ties stay ties
    return (np.where(valid, g, 0.0).sum(1)[rows] / n, np.where(valid, m, 0.0).sum(1)[rows] / n)


def _reference(coef: str, gold: np.ndarray, metric: np.ndarray, level: str) -> float:
    """scipy (or hand counts) per vector of the level; ``item``/``sys`` average the defined."""
    if level == "none":
        return _reference_vector(coef, gold.ravel(), metric.ravel())
    if level == "system":
        return _reference_vector(coef, *_system_means(gold, metric))
    pairs = zip(gold.T, metric.T) if level == "item" else zip(gold, metric)
    values = np.array([_reference_vector(coef, x, y) for x, y in pairs])
    return float(values[np.isfinite(values)].mean()) if np.isfinite(values).any() else np.nan


# ------------------------------------------------------------------ the property
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("coef", list(REFERENCES))
def test_every_level_equals_scipy_at_any_scale_of_gold_and_metric(coef, seed):
    rng = np.random.default_rng([18, seed])
    gold, scores = _data(rng)
    metric = scores[0]
    for level in LEVELS:
        unscaled = float(correlation_at_level(gold, metric, coef, level))
        for scale_gold, scale_metric in _scale_pairs(rng):
            g, m = gold * scale_gold, metric * scale_metric
            value = float(correlation_at_level(g, m, coef, level))
            expected = _reference(coef, g, m, level)
            context = f"{coef} {level} gold x {scale_gold:.3g}, metric x {scale_metric:.3g}"
            assert value == pytest.approx(expected, abs=1e-12, nan_ok=True), context
            if coef == "pearson" or level != "system":  # (system means that tie exactly are
                # ordered by rounding, at any scale: order statistics of them are not compared)
                assert value == pytest.approx(unscaled, abs=1e-9, nan_ok=True), context


def test_constancy_is_exact_at_any_scale():
    rng = np.random.default_rng(1801)
    y = rng.normal(size=11)
    for tiny in (1.47627e-318, 5e-324, 2.3e-308, 1e300):
        x = np.zeros(11)
        x[7] = tiny  # zeros and one value: not constant
        exact = scipy.stats.pearsonr(unit_scale(x), y).statistic  # = pearsonr(x > 0, y)
        assert exact == pytest.approx(scipy.stats.pearsonr(x > 0, y).statistic, abs=1e-15)
        assert pearson(x, y) == pytest.approx(exact, abs=1e-15)
        assert spearman(x, y) == pytest.approx(scipy.stats.spearmanr(x, y).statistic, abs=1e-12)
        assert np.isnan(pearson(np.full(11, tiny), y))  # identical values: constant
        assert np.isnan(pearson(y, np.full(11, -tiny)))


def test_unit_scale_is_exact_and_keeps_missing_values():
    x = np.array([[3.0, -12.0, np.nan, np.inf], [0.0, 0.0, 0.0, np.nan], [1e-318, 0, 2e-318, 0]])
    scaled = unit_scale(x)
    assert np.abs(scaled[0, :2]).max() == 0.75 and np.isnan(scaled[0, 2])
    assert scaled[0, 3] == np.inf
    assert (scaled[1, :3] == 0).all()
    assert 0.5 <= scaled[2, 2] < 1 and scaled[2, 2] == pytest.approx(2 * scaled[2, 0], rel=1e-4)
    assert np.array_equal(np.ldexp(scaled, binary_exponent(x)), x, equal_nan=True)


# ------------------------------------------------------------------ fast paths: same draws
def _scaled_scores(scores: np.ndarray, scales) -> np.ndarray:
    return scores * np.asarray(scales, float)[:, None, None]


@pytest.mark.parametrize("level", ["item", "sys", "none"])
@pytest.mark.parametrize("coef", ["pearson", "spearman", "pdp"])
def test_perm_both_fast_paths_give_the_same_draws_at_any_scale(coef, level):
    rng = np.random.default_rng([18, 2, len(level), len(coef)])
    gold, scores = _data(rng, systems=8, items=10, metrics=3)
    assert perm_both_fast_path(get_coefficient(coef), level, gold,
                               zscore_on_gold(gold, scores)) is not None
    base = perm_both_draws(gold, scores, coef, level, 0, 1, k=300, seed=5)
    assert np.isfinite(base).all()
    for scale_gold, scale_metric in EXTREMES:
        scales = [scale_metric, 1.0 / 3.0 * scale_metric, 1e-310 if scale_metric > 1 else 1e300]
        g, s = gold * scale_gold, _scaled_scores(scores, scales)
        fast = perm_both_draws(g, s, coef, level, 0, 1, k=300, seed=5)
        generic = perm_both_draws(g, s, coef, level, 0, 1, k=300, seed=5, fast=False)
        assert np.allclose(fast, base, rtol=0, atol=1e-10), (scale_gold, scales)
        assert np.allclose(fast, generic, rtol=0, atol=1e-10), (scale_gold, scales)
    p_base = perm_both(gold, scores, coef, level, k=200, seed=3).pvalue
    p_scaled = perm_both(gold * 1e-310, _scaled_scores(scores, [1e300, 1e-310, 7.0]), coef,
                         level, k=200, seed=3).pvalue
    assert np.array_equal(p_base, p_scaled, equal_nan=True)


BOOTSTRAP_CASES = [  # (coefficient, level, resample): each takes a different fast path
    ("pearson", "none", "items"), ("pearson", "none", "both"), ("pearson", "item", "items"),
    ("pearson", "sys", "systems"), ("pearson", "system", "items"), ("pdp", "item", "items"),
    ("pdp", "none", "items"), ("spearman", "none", "items"), ("kendall_b", "none", "items"),
    ("kendall_c", "none", "both"), ("acc23", "item", "systems"), ("spearman", "system", "both"),
]


@pytest.mark.parametrize("coef, level, resample", BOOTSTRAP_CASES)
def test_bootstrap_draws_do_not_depend_on_the_scale(coef, level, resample):
    rng = np.random.default_rng([18, 3, len(coef), len(level), len(resample)])
    gold, scores = _data(rng, systems=6, items=12, metrics=2)
    base = bootstrap_ci(gold, scores, coef, level, k=150, seed=2, resample=resample)
    for scale_gold, scale_metric in _extremes(coef, level):
        scaled = bootstrap_ci(gold * scale_gold, _scaled_scores(scores, [scale_metric, 1e300]),
                              coef, level, k=150, seed=2, resample=resample)
        assert np.allclose(scaled.bootstrap_distribution, base.bootstrap_distribution,
                           rtol=0, atol=1e-10, equal_nan=True), (scale_gold, scale_metric)
        assert np.allclose(scaled.statistic, base.statistic, rtol=0, atol=1e-10)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("coef", ["pearson", "spearman", "kendall_b", "pdp"])
def test_chance_draws_do_not_depend_on_the_scale(coef, level):
    rng = np.random.default_rng([18, 4, len(coef), len(level)])
    gold, scores = _data(rng, systems=6, items=10, metrics=2)
    base = chance_draws(gold, scores, coef, level, k=120, seed=9)
    for scale_gold, scale_metric in _extremes(coef, level):
        scaled = chance_draws(gold * scale_gold, _scaled_scores(scores, [scale_metric, 1e-310]),
                              coef, level, k=120, seed=9)
        assert np.allclose(scaled, base, rtol=0, atol=1e-10, equal_nan=True), (scale_gold,
                                                                               scale_metric)


def test_spa_williams_and_exact_p_do_not_depend_on_the_scale():
    rng = np.random.default_rng(1805)
    gold, scores = _data(rng, systems=6, items=25, metrics=3)
    gold = np.nan_to_num(gold, nan=2.0)
    up, down = 2.0 ** 990, 2.0 ** -1000  # exact in float64; beyond float32 either way
    spa = soft_pairwise_accuracy(gold, scores).statistic
    assert np.array_equal(soft_pairwise_accuracy(gold * down, scores * up).statistic, spa)
    boot = bootstrap_ci(gold, scores, "spa", "system", k=30, seed=1).bootstrap_distribution
    assert np.array_equal(bootstrap_ci(gold * up, scores * down, "spa", "system", k=30,
                                       seed=1).bootstrap_distribution, boot)
    for level in ("none", "system"):
        base = williams_matrix(gold, scores, level).pvalue
        scaled = williams_matrix(gold * 1e-310, scores * 1e300, level).pvalue
        assert np.allclose(scaled, base, rtol=0, atol=1e-10, equal_nan=True), level
    x, y = gold[:, 0][:8], scores[0, :8, 0]
    for kind in ("values", "ranks", "pairs"):
        assert exact_pvalue(kind, x * 1e-310, y * 1e300) == exact_pvalue(kind, x, y), kind


def test_tie_calibration_does_not_depend_on_the_scale():
    """Comparisons only (a difference of two finite scores keeps its sign even when it
    overflows; subnormal differences are exact): the same acc_23 and epsilon times the scale."""
    rng = np.random.default_rng(1806)
    gold = rng.integers(1, 4, (6, 30)).astype(float)
    metric = gold + rng.normal(scale=0.4, size=gold.shape)
    for level in ("none", "item", "sys"):
        cal = tie_calibrate(gold, metric, level)
        assert cal.epsilon > 0, level
        for scale_gold, scale_metric in [(1e-310, 1e-300), (1e300, 1e300), (1.0, 1e-200)]:
            scaled = tie_calibrate(gold * scale_gold, metric * scale_metric, level)
            assert scaled.statistic == cal.statistic, (level, scale_gold, scale_metric)
            assert scaled.epsilon == pytest.approx(cal.epsilon * scale_metric, rel=1e-12)


# ------------------------------------------------------------------ HANNA: the real defect
def test_hanna_cider_item_with_one_subnormal_score_is_scipys_value(datasets_dir):
    """Prompt 47: CIDEr is 0 for nine systems and 1.47627e-318 for one; Pearson with Empathy
    across the ten systems is -0.0211 (it was -1.0, which moved the story-level averages of
    all six criteria by 0.012-0.015 from the authors' released values, ``rankings/
    story_pearson.csv``). The exact value is
    the r of the indicator of that system, -0.021124141684149216 (rational arithmetic);
    scipy gives it on the column rescaled by 2^1060 and -0.021124110 on the subnormal column
    itself (its mean of subnormal values rounds: up to 3.5e-7 off on this prompt)."""
    cider = hanna_matrix(datasets_dir, CIDER)
    column = cider[:, 47]
    assert (column == 0).sum() == 9 and column.max() == pytest.approx(1.47627e-318, rel=1e-5)
    empathy = hanna_matrix(datasets_dir, "Empathy")[:, 47]
    assert pearson(empathy, column) == pytest.approx(-0.021124141684149216, abs=1e-15)
    assert pearson(empathy, column) == pytest.approx(
        scipy.stats.pearsonr(empathy, np.ldexp(column, 1060)).statistic, abs=1e-15)
    assert pearson(empathy, column) == pytest.approx(
        scipy.stats.pearsonr(empathy, column).statistic, abs=1e-7)
    for criterion in CRITERIA:
        gold = hanna_matrix(datasets_dir, criterion)
        per_item = pearson(gold.T, cider.T)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = [scipy.stats.pearsonr(g, m).statistic if np.ptp(m) > 0 else np.nan
                         for g, m in zip(gold.T, cider.T)]
            rescaled = [scipy.stats.pearsonr(g, unit_scale(m)).statistic if np.ptp(m) > 0
                        else np.nan for g, m in zip(gold.T, cider.T)]
        assert np.allclose(per_item, rescaled, rtol=0, atol=1e-12, equal_nan=True), criterion
        assert np.allclose(per_item, reference, rtol=0, atol=1e-6, equal_nan=True), criterion
        assert np.isfinite(per_item).sum() == 66  # 30 prompts where CIDEr is 0 for all ten
        value = float(correlation_at_level(gold, cider, "pearson", "item"))
        published = published_story_pearson(datasets_dir, CIDER, criterion)
        # the authors averaged scipy's values on the subnormal columns: equal to 1e-15; ours
        # differ from theirs by scipy's rounding of those columns (up to 5.3e-9), no more
        assert abs(np.nanmean(reference)) == pytest.approx(published, abs=1e-15), criterion
        assert abs(value) == pytest.approx(published, abs=1e-8), criterion
