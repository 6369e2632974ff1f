"""The statistics of one (group, level, coefficient) over all metrics: one task class per path.

- :class:`CorrelationTask`: value, paired bootstrap CI (:func:`metaeval.stats.bootstrap_ci`),
  analytic p-value, chance baseline (:func:`metaeval.stats.chance_baseline`) and, when the
  settings ask for it, PERM-BOTH for every metric pair (Deutsch, Dror & Roth 2021) with the
  Williams test for Pearson (Graham & Baldwin 2014), Holm / BH adjustment and greedy
  significance clusters (mt-metrics-eval ``AssignRanks``).
- :class:`TieCalibratedTask`: tie-calibrated acc_23 (Deutsch, Foster & Freitag 2023): one
  epsilon per metric, CIs and the chance baseline re-calibrate in every draw when the compute
  budget allows, pair-outcome permutation tests between metrics.

Each task returns ``(rows, pairs)``: dictionaries with the columns of
:data:`metaeval.correlation.result.TABLE_COLUMNS` (without ``group`` and the ceiling) and
:data:`PAIRWISE_COLUMNS` (without ``group``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from metaeval.correlation.budget import TIECAL_BOOTSTRAP_BUDGET, tiecal_sweeps
from metaeval.correlation.draws import SharedDraws, bootstrap_interval
from metaeval.correlation.settings import Settings
from metaeval.correlation.validity import entered_note, screen_row
from metaeval.errors import ParameterError
from metaeval.stats.chance import chance_baselines
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.coefficients import Coefficient
from metaeval.stats.grouping import group_vectors
from metaeval.stats.levels import correlation_at_level, groups_entered, scaled_for_means
from metaeval.stats.multitest import benjamini_hochberg, holm
from metaeval.stats.permutation import perm_both
from metaeval.stats.tiecal import pair_outcome_permutation, tie_calibrate
from metaeval.stats.williams import williams_matrix

# Bootstrap CIs of acc23_tiecal re-calibrate epsilon in every draw (the interval then includes the
# calibration's own variability); allowed while draws x pairs stays below this budget (~10 s).
NAN = float("nan")


@dataclass
class TaskOutput:
    """What one task produced: rows, pairs, notes and (when kept) the null draws of its tests."""

    rows: list[dict] = field(default_factory=list)
    pairs: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    null: dict = field(default_factory=dict)


def point_count(gold: np.ndarray, metric: np.ndarray, level: str) -> int:
    """Points behind a value: cells (``none``), systems (``system``), or averaged vectors."""
    valid = np.isfinite(gold) & np.isfinite(metric)
    if level == "none":
        return int(valid.sum())
    if level == "system":
        return int((valid.sum(-1) > 0).sum())
    axis = 0 if level == "item" else 1
    return int((valid.sum(axis) >= 2).sum())


def analytic_pvalue(coef: Coefficient, gold: np.ndarray, metric: np.ndarray, level: str) -> float:
    """Two-sided analytic p-value for single-correlation levels (none, system), else NaN."""
    if coef.pvalue is None or level not in ("none", "system"):
        return NAN
    g, m = group_vectors(*scaled_for_means(coef, gold, metric, level), level)
    return coef.pvalue(g, m)


class CorrelationTask:
    """Statistics for one (group, level, coefficient) over all metrics.

    With ``keep_null`` the null draws of every metric pair's test are kept in ``null``
    ({(a, b): k deltas, a < b}) for the significance of averages over tasks. ``k = 0`` gives
    the point values only (no interval, chance baseline or test), as mt-metrics-eval's k=0.
    ``draws``: the run's bootstrap resamples, shared by its human columns
    (:class:`~metaeval.correlation.draws.SharedDraws`; by default this task's own).
    """

    test = "perm-both"

    def __init__(self, gold: np.ndarray, scores: np.ndarray, metrics: list[str],
                 coef: Coefficient, level: str, settings: Settings, seed: int,
                 warn: Callable[[str], None], keep_null: bool = False,
                 draws: SharedDraws | None = None):
        self.gold, self.scores, self.metrics = gold, scores, metrics
        self.coef, self.level, self.settings, self.seed = coef, level, settings, seed
        self.warn, self.keep_null, self.null = warn, keep_null, {}
        self.draws = draws or SharedDraws()

    def tests(self) -> bool:
        """Whether this task runs the pairwise tests (and clusters)."""
        return (self.settings.k > 0 and self.settings.tests_significance(self.coef.name)
                and len(self.metrics) > 1)

    def run(self) -> tuple[list[dict], list[dict]]:
        values = np.asarray(correlation_at_level(self.gold, self.scores, self.coef, self.level))
        low, high = self.bootstrap()
        chance = self.chance()
        rows = self.screened([self.row(m, values[m], low[m], high[m], *chance[m])
                              for m in range(len(self.metrics))])
        pairs: list[dict] = []
        if self.tests():
            delta, p = self.without_blank(rows, *self.pair_tests())
            pairs = self.pairs(delta, p, self.williams())
            self.cluster(rows, p)
        return rows, pairs

    def screened(self, rows: list[dict]) -> list[dict]:
        """The rows with what cannot be reported honestly blanked, reasons in ``note``."""
        for m, row in enumerate(rows):
            screen_row(row, self.gold, self.scores[m], self.level, self.settings, self.coef)
        return rows

    @staticmethod
    def without_blank(rows: list[dict], delta: np.ndarray, p: np.ndarray):
        """No test involves a metric without a value (its pairs are NaN, outside Holm/BH)."""
        blank = ~np.isfinite([r["statistic"] for r in rows])
        delta, p = delta.copy(), p.copy()
        for matrix in (delta, p):
            matrix[blank, :] = NAN
            matrix[:, blank] = NAN
        return delta, p

    def bootstrap(self) -> tuple[np.ndarray, np.ndarray]:
        s = self.settings
        if s.k == 0:
            return np.full(len(self.metrics), NAN), np.full(len(self.metrics), NAN)
        indices = self.draws.bootstrap_indices(self.gold.shape, s.k, self.seed, s.resample)
        return bootstrap_interval(self.gold, self.scores, self.coef, self.level, indices, s.ci,
                                  s.ci_method, s.resample)

    def chance(self) -> list[tuple[float, float]]:
        s = self.settings
        if not s.chance or s.k == 0:
            return [(NAN, NAN)] * len(self.metrics)
        return [c[:2] for c in chance_baselines(self.gold, self.scores, self.coef, self.level,
                                                k=s.k, seed=self.seed + 1, ci=s.ci)]

    def pair_tests(self) -> tuple[np.ndarray, np.ndarray]:
        """delta[a, b] and one-sided p[a, b] for "a better than b"."""
        result = perm_both(self.gold, self.scores, self.coef, self.level, k=self.settings.k,
                           seed=self.seed, keep_draws=self.keep_null)
        if self.keep_null:
            self.null = dict(zip(combinations(range(len(self.metrics)), 2), result.draws))
        return result.statistic, result.pvalue

    def row(self, m: int, value, low, high, chance_low, chance_high, epsilon=NAN) -> dict:
        n = point_count(self.gold, self.scores[m], self.level)
        entered = groups_entered(self.gold, self.scores[m], self.coef, self.level)
        return {
            "metric": self.metrics[m], "level": self.level, "coefficient": self.coef.name,
            "statistic": float(value), "ci_low": float(low), "ci_high": float(high),
            "pvalue": analytic_pvalue(self.coef, self.gold, self.scores[m], self.level),
            "cluster": np.nan, "n": n, "n_items": entered[0] if entered else None,
            "chance_low": float(chance_low), "chance_high": float(chance_high),
            "epsilon": float(epsilon), "note": entered_note(self.coef, self.level, n, entered),
        }

    def cluster(self, rows: list[dict], p: np.ndarray) -> None:
        """Significance clusters of the rows with a value (the others get none)."""
        values = np.array([r["statistic"] for r in rows], float)
        if self.coef.lower_is_better:  # best first: the smallest value (MSE)
            values = -values
        ranks = significance_clusters(values, p, alpha=self.settings.alpha)
        for row, rank in zip(rows, ranks):
            row["cluster"] = int(rank) if np.isfinite(rank) else NAN

    def williams(self) -> np.ndarray | None:
        """One-sided Williams p-values for Pearson at single-correlation levels, else None."""
        if not self.coef.linear or self.level not in ("none", "system"):
            return None
        present = np.isfinite(self.gold)
        if not np.isfinite(self.scores[:, present]).all() or present.sum() < 4:
            return None
        return williams_matrix(self.gold, self.scores, self.level).pvalue

    def pairs(self, delta: np.ndarray, p: np.ndarray, williams: np.ndarray | None) -> list[dict]:
        n = len(self.metrics)
        off = ~np.eye(n, dtype=bool)
        p_holm = np.full((n, n), np.nan)
        p_bh = np.full((n, n), np.nan)
        p_holm[off] = holm(p[off])
        p_bh[off] = benjamini_hochberg(p[off])
        return [
            {"level": self.level, "coefficient": self.coef.name,
             "metric_a": self.metrics[a], "metric_b": self.metrics[b],
             "delta": float(delta[a, b]), "pvalue": float(p[a, b]),
             "p_holm": float(p_holm[a, b]), "p_bh": float(p_bh[a, b]),
             "p_williams": float(williams[a, b]) if williams is not None else NAN,
             "test": self.test}
            for a in range(n) for b in range(n) if a != b
        ]


class TieCalibratedTask(CorrelationTask):
    """Tie-calibrated acc_23: one epsilon per metric, pair-outcome permutation tests."""

    test = "pair-outcome-permutation"

    def run(self) -> tuple[list[dict], list[dict]]:
        if self.level == "system":
            raise ParameterError("levels", "system", "acc23_tiecal is defined at the item, sys "
                                 "and none levels, not system.")
        s = self.settings
        calibrations = [tie_calibrate(self.gold, self.scores[m], self.level,
                                      sample=s.tiecal_sample, seed=self.seed)
                        for m in range(len(self.metrics))]
        pair_draws = tiecal_sweeps(sum(c.n_pairs for c in calibrations), 1, s)
        low = high = np.full(len(self.metrics), np.nan)
        chance = [(NAN, NAN)] * len(self.metrics)
        reason = ""
        if s.tiecal_sample < 1:
            reason = (f"calibrated on a {s.tiecal_sample:g} sample of the pairs (an estimate); "
                      "no bootstrap CI or chance baseline")
            self.warn(f"acc23_tiecal ({self.level}): {reason}.")
        elif s.k == 0:
            pass  # point values only
        elif pair_draws <= TIECAL_BOOTSTRAP_BUDGET:
            (low, high), chance = self.bootstrap(), self.chance()
        else:
            fits = int(TIECAL_BOOTSTRAP_BUDGET // (pair_draws / s.k))
            reason = (f"no bootstrap CI or chance baseline: re-calibrating epsilon in each of "
                      f"{s.k} draws would sweep {pair_draws:.2e} pairs (budget "
                      f"{TIECAL_BOOTSTRAP_BUDGET:.0e}; " + (f"k <= {fits} fits)" if fits else
                                                             "one draw exceeds it)"))
            self.warn(f"acc23_tiecal ({self.level}): {reason}; the tests use all {s.k} draws.")
        rows = []
        for m, (name, cal) in enumerate(zip(self.metrics, calibrations)):
            if cal.ties_all_pairs:
                self.warn(f"{name}: tie calibration ({self.level}) is optimal when every pair is "
                          f"a tie (acc23 = share of human ties = {cal.statistic:.4f}); the "
                          "metric's ranking adds nothing over predicting 'all equal'.")
            rows.append(self.row(m, cal.statistic, low[m], high[m], *chance[m],
                                 epsilon=cal.epsilon))
            rows[-1]["note"] = "; ".join(filter(None, [reason, rows[-1]["note"]]))
        rows = self.screened(rows)
        pairs: list[dict] = []
        if self.tests():
            delta, p = self.without_blank(rows, *self.pair_tests())
            pairs = self.pairs(delta, p, None)
            self.cluster(rows, p)
        return rows, pairs

    def pair_tests(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.metrics)
        p = np.full((n, n), np.nan)
        delta = np.full((n, n), np.nan)
        for a in range(n):
            for b in range(a + 1, n):
                seed = self.seed + a * n + b
                p_ab, d_ab, null = pair_outcome_permutation(
                    self.gold, self.scores[a], self.scores[b], self.level, k=self.settings.k,
                    seed=seed, return_draws=True)
                p_ba, _ = pair_outcome_permutation(self.gold, self.scores[b], self.scores[a],
                                                   self.level, k=self.settings.k, seed=seed)
                p[a, b], p[b, a], delta[a, b], delta[b, a] = p_ab, p_ba, d_ab, -d_ab
                if self.keep_null:
                    self.null[(a, b)] = null
        return delta, p


def task_for(coef: Coefficient):
    """The task class of a coefficient: tie calibration's own path, or the generic one (which
    also runs the other whole-matrix statistics through their ``at_level``)."""
    return TieCalibratedTask if coef.name == "acc23_tiecal" else CorrelationTask
