"""Correlation coefficients over the last axis of batched arrays, and their one registry.

Convention: ``coef(human, metric)`` with arrays of shape (..., n); any NaN in either array drops
that pair (pairwise filtering). The result has shape (...) and is NaN when fewer than two pairs
remain or either vector is constant. Leading axes are batch axes (bootstrap or permutation draws,
items of a level), so one call evaluates thousands of correlations.

Registered here, in one place (``COEFFICIENTS``): ``pearson``, ``spearman``, the pair-count
family of :mod:`metaeval.stats.kendall` (``kendall_b``, ``kendall_c``, ``tau23``, ``acc23``,
``aces_tau``, ``pairwise_acc``), ``mse`` (mean squared error: not a correlation, lower is
better, metric and human on one scale) and the statistics that need the whole matrix and so implement
``at_level``: ``acc23_tiecal`` (:mod:`metaeval.stats.tiecal`, one epsilon per matrix and level),
``spa`` (soft pairwise accuracy, :mod:`metaeval.stats.spa`, level ``system`` only), ``pdp``
(pairwise difference Pearson, :mod:`metaeval.stats.pdp`) and ``kendall_like`` (WMT20
Kendall-like tau, :mod:`metaeval.stats.kendall_like`, pair-count weighted at ``item``/``sys``).
A coefficient with ``arguments`` (``kendall_like``: ``thresh``; ``spa``: ``permutations``,
``seed``) takes other values through :func:`with_arguments`. The engine's fast paths look at a
coefficient's capabilities (``linear``, ``rank_based``, ``from_counts``, ``soft_pairwise``),
never at its name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import scipy.stats

from metaeval.errors import ParameterError
from metaeval.stats import kendall, kendall_like, pdp, spa, tiecal
from metaeval.stats.exact import EXACT_MAX_N, exact_pvalue
from metaeval.stats.paircounts import PairCounts
from metaeval.stats.paired import constant, paired
from metaeval.stats.scaling import unit_scale

Batched = Callable[[np.ndarray, np.ndarray], np.ndarray]
FromCounts = Callable[[PairCounts, "np.ndarray | None"], np.ndarray]


def pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r = sum((x-mx)(y-my)) / sqrt(sum((x-mx)^2) sum((y-my)^2)) (Pearson 1895).

    Scale-free: each vector is first multiplied by the power of two that puts its largest
    |value| in [0.5, 1) (:func:`metaeval.stats.scaling.unit_scale`, exact), so zeros and one
    subnormal value, or values near 1e300, give scipy's r instead of an underflow or overflow.
    NaN for fewer than two pairs or an exactly constant vector (as ``scipy.stats.pearsonr``).
    Vectors that are constant up to rounding (spread below 1e-8 of the mean) are not constant
    for scipy and mt-metrics-eval, but their r is decided by rounding noise; those rare rows are
    computed by ``scipy.stats.pearsonr`` itself so that the result is the reference's, bit for bit.
    """
    x, y, valid = paired(x, y)
    x, y = unit_scale(x), unit_scale(y)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.nansum(x, -1) / n
        my = np.nansum(y, -1) / n
        xc = np.where(valid, x - mx[..., None], 0.0)
        yc = np.where(valid, y - my[..., None], 0.0)
        sxx = (xc * xc).sum(-1)
        syy = (yc * yc).sum(-1)
        r = np.asarray((xc * yc).sum(-1) / np.sqrt(sxx * syy))
    undefined = (n < 2) | constant(x, valid) | constant(y, valid)
    r = np.where(undefined, np.nan, r)
    fragile = ~undefined & ((np.sqrt(sxx) < 1e-8 * np.abs(mx)) | (np.sqrt(syy) < 1e-8 * np.abs(my)))
    if fragile.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for idx in map(tuple, np.argwhere(fragile)):
                keep = valid[idx]
                r[idx] = scipy.stats.pearsonr(x[idx][keep], y[idx][keep]).statistic
    return np.clip(r, -1.0, 1.0)


def mean_squared_error(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """MSE = mean((metric - human)^2) over the pairwise-complete cells (the VoiceMOS challenge's
    ``np.mean((pred - mos) ** 2)``); NaN without a cell. Not scale-free: both on one scale.

    >>> float(mean_squared_error(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])))
    0.4166666666666667
    """
    x, y, valid = paired(x, y)
    n = valid.sum(-1)
    squares = np.where(valid, (y - x) ** 2, 0.0).sum(-1)
    return np.where(n > 0, squares / np.maximum(n, 1), np.nan)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis with ties averaged; NaN stays NaN (not ranked)."""
    return scipy.stats.rankdata(x, axis=-1, nan_policy="omit")


def spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman rho: Pearson r of the average ranks of the pairwise-complete values."""
    x, y, _ = paired(x, y)
    return pearson(average_ranks(x), average_ranks(y))


@dataclass(frozen=True)
class Coefficient:
    """A registered correlation coefficient and what the engine may exploit about it.

    ``batched(human, metric)`` works on the last axis (see module docstring); ``pvalue`` returns
    the analytic two-sided p-value for 1-D vectors where one exists (None otherwise).
    Capabilities: ``linear`` (Pearson r of the raw values: moments are sufficient statistics),
    ``rank_based`` (Pearson r of the average ranks), ``from_counts`` (a function of the pair
    counts, Kendall family; ``needs_distinct`` when it also needs the number of distinct values),
    ``at_level`` (needs the whole matrix, e.g. tie calibration's one epsilon per matrix:
    ``at_level(gold, metric, level) -> (...)``), ``soft_pairwise`` (soft pairwise accuracy:
    a function of pairwise permutation p-values of system sums under one sign matrix, whose
    PERM-BOTH draws are matrix products, :mod:`metaeval.stats.permspa`), ``moments`` (per-group
    sums pooled over the groups and the value from their totals, PDP: ``moments(x, y) ->
    (..., 3, G)``, ``from_moments((..., 3)) -> (...)``). ``arguments``: the
    ``(name, value)`` pairs that ``batched`` and ``at_level`` use (see :func:`with_arguments`).
    ``undefined``: when the value is NaN (the reason a result row shows; ``{argument}`` fields
    are filled with the arguments). ``scale_free``: the value does not change when the gold or
    the metric matrix is multiplied by a positive constant (all but ``kendall_like``, whose
    threshold is in gold units), so the engine may rescale the matrices exactly before it
    forms system means (:mod:`metaeval.stats.scaling`). ``every_group_enters``: at ``item`` /
    ``sys`` every group with a pair of cells enters the value (PDP's pooled sums, tie
    calibration's mean over the rows with a pair); otherwise a group enters where the
    coefficient of its own vector is defined (:func:`metaeval.stats.levels.groups_entered`).
    ``lower_is_better``: a smaller value is better (MSE): clusters, ranks and PERM-BOTH's
    "a better than b" follow it. ``same_scale``: the value compares metric and human values
    directly (MSE), so both must be on one scale: PERM-BOTH swaps the raw scores (no z-scores)
    and a sign-flipped (lower-is-better) metric is refused.
    """

    name: str
    batched: Batched
    label: str
    description: str
    pvalue: Callable[[np.ndarray, np.ndarray], float] | None = None
    linear: bool = False
    rank_based: bool = False
    from_counts: FromCounts | None = None
    needs_distinct: bool = False
    at_level: Callable[[np.ndarray, np.ndarray, str], np.ndarray] | None = None
    arguments: tuple[tuple[str, float], ...] = ()
    soft_pairwise: bool = False
    moments: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    from_moments: Callable[[np.ndarray], np.ndarray] | None = None
    undefined: str = ("fewer than two usable points, or a constant human score or metric, in "
                      "every group of the level")
    scale_free: bool = True
    every_group_enters: bool = False
    lower_is_better: bool = False
    same_scale: bool = False

    @property
    def pair_based(self) -> bool:
        """Built from concordance counts over pairs (Kendall family, tie calibration)."""
        return self.from_counts is not None or self.at_level is not None


def _pvalue(fn, kind: str) -> Callable[[np.ndarray, np.ndarray], float]:
    """Two-sided p-value: exact by enumeration for n <= 9 (:mod:`metaeval.stats.exact`), else
    scipy's analytic one (``fn(x, y).pvalue``), of the vectors rescaled exactly (scipy's mean
    of subnormal values rounds)."""

    def pvalue(x: np.ndarray, y: np.ndarray) -> float:
        x, y, valid = paired(x, y)
        x, y = unit_scale(x[valid]), unit_scale(y[valid])
        if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
            return float("nan")
        if len(x) <= EXACT_MAX_N:
            return exact_pvalue(kind, x, y)
        return float(fn(x, y).pvalue)

    return pvalue


def _kendalltau(variant: str):
    def fn(x, y):
        return scipy.stats.kendalltau(x, y, variant=variant)

    return fn


COEFFICIENTS: dict[str, Coefficient] = {}


def register(coefficient: Coefficient) -> Coefficient:
    """Add a coefficient to the registry (by its name)."""
    COEFFICIENTS[coefficient.name] = coefficient
    return coefficient


for _coefficient in (
    Coefficient("pearson", pearson, "Pearson r", "Pearson product-moment correlation.",
                _pvalue(scipy.stats.pearsonr, "values"), linear=True),
    Coefficient("spearman", spearman, "Spearman ρ",
                "Spearman rank correlation (average ranks for ties).",
                _pvalue(scipy.stats.spearmanr, "ranks"), rank_based=True),
    Coefficient("kendall_b", kendall.kendall_tau_b, "Kendall τ_b",
                "Kendall tau-b: (C - D) / sqrt((N - T_human)(N - T_metric)).",
                _pvalue(_kendalltau("b"), "pairs"),
                from_counts=kendall.tau_b_from_counts),
    Coefficient("kendall_c", kendall.kendall_tau_c, "Kendall τ_c",
                "Stuart's tau-c: 2 (C - D) / (n^2 (m - 1) / m), m = fewer distinct values.",
                _pvalue(_kendalltau("c"), "pairs"),
                from_counts=kendall.tau_c_from_counts,
                needs_distinct=True),
    Coefficient("tau23", kendall.tau_23, "τ_23",
                "Kendall tau_23 (Deutsch et al. 2023): (C + T_both - D - T_human - T_metric) / N;"
                " exact metric ties only (epsilon 0).", from_counts=kendall.tau_23_from_counts),
    Coefficient("acc23", kendall.acc_23, "acc_23",
                "Pairwise accuracy with ties, acc_23 (Deutsch et al. 2023): (C + T_both) / N;"
                " exact metric ties only (epsilon 0).", from_counts=kendall.acc_23_from_counts),
    Coefficient("aces_tau", kendall.aces_tau, "ACES τ",
                "ACES Kendall tau-like: (C - D) / (C + D) over pairs with a human difference,"
                " metric ties counted as discordant.", from_counts=kendall.aces_tau_from_counts),
    Coefficient("pairwise_acc", kendall.pairwise_accuracy, "Pairwise accuracy",
                "Pairwise ranking accuracy (Kocmi et al. 2021): share of pairs whose order"
                " (or tie) the metric matches; meant for system-level scores.",
                from_counts=kendall.acc_23_from_counts),
    Coefficient("acc23_tiecal", tiecal.acc23_tiecal_vectors, "acc_23 (tie-calibrated)",
                "acc_23 with the metric tie threshold epsilon chosen to maximise it on the data"
                " (Deutsch et al. 2023 tie calibration; one epsilon per matrix and level).",
                at_level=tiecal.acc23_tiecal_at_level, every_group_enters=True),
    Coefficient("spa", spa.spa_vectors, "SPA",
                "Soft pairwise accuracy (Thompson et al. 2024, arXiv 2409.09598; mt-metrics-eval"
                " pce.py): 1 - mean |p_human - p_metric| over system pairs, p from paired"
                " permutation tests of the segment scores; level system only.",
                at_level=spa.spa_at_level, soft_pairwise=True,
                undefined="fewer than two systems with a shared rated segment",
                arguments=(("permutations", spa.PERMUTATIONS), ("seed", spa.SEED))),
    Coefficient("pdp", pdp.pdp_vectors, "PDP",
                "Pairwise difference Pearson (WMT25; mt-metrics-eval Pearson(pdp=True)):"
                " uncentred correlation of the pairwise gold and metric differences within"
                " each group, pooled over the groups.", at_level=pdp.pdp_at_level,
                moments=pdp.moments, from_moments=pdp.from_moments, every_group_enters=True),
    Coefficient("kendall_like", kendall_like.kendall_like, "Kendall-like τ",
                "WMT20 Kendall-like tau (mt-metrics-eval KendallLike): (C - D) / (C + D) over"
                " pairs with |gold difference| >= thresh (25), metric ties discordant;"
                " pair-count weighted over items or systems.",
                at_level=kendall_like.kendall_like_at_level,
                undefined="no pair of cells whose gold scores differ by at least thresh={thresh:g}",
                arguments=(("thresh", kendall_like.THRESHOLD),), scale_free=False),
    Coefficient("mse", mean_squared_error, "MSE",
                "Mean squared error mean((metric - human)^2) (VoiceMOS challenge); not a"
                " correlation and not scale-free: metric and human on one scale; lower is better.",
                undefined="no cell with both a human and a metric score", scale_free=False,
                lower_is_better=True, same_scale=True),
):
    register(_coefficient)


def with_arguments(name_or_coef: str | Coefficient, **values) -> Coefficient:
    """A copy of the coefficient whose ``batched`` and ``at_level`` use ``values`` for its
    ``arguments`` (e.g. ``with_arguments("kendall_like", thresh=10)``); the registry keeps the
    defaults. An argument the coefficient does not take is a `ParameterError`."""
    coef = get_coefficient(name_or_coef)
    known = dict(coef.arguments)
    for name, value in values.items():
        if name not in known:
            raise ParameterError(name, value, f"{coef.name} takes "
                                 + (", ".join(known) or "no arguments") + ".")
    if not values:
        return coef
    return replace(coef, batched=partial(coef.batched, **values),
                   at_level=partial(coef.at_level, **values) if coef.at_level else None,
                   arguments=tuple((name, values.get(name, value))
                                   for name, value in coef.arguments))


def get_coefficient(name: str | Coefficient) -> Coefficient:
    """The registered coefficient ``name`` (a `Coefficient` is returned as it is)."""
    if isinstance(name, Coefficient):
        return name
    try:
        return COEFFICIENTS[name]
    except KeyError:
        raise ParameterError("coefficient", name, "unknown coefficient; choose from "
                             f"{', '.join(COEFFICIENTS)}.") from None
