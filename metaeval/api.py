"""`correlate`: the one call behind `metaeval correlate`.

For every group (each value of the grouping column, plus the pooled set ``all``), level and
coefficient it computes each metric's correlation with the human scores, a bootstrap confidence
interval, the analytic p-value where one exists, a chance baseline (permutation null), and the
PERM-BOTH significance of every metric pair, from which it forms WMT-style significance clusters.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy

from metaeval import __version__
from metaeval.data.judgements import ITEM, SYSTEM, JudgementSet
from metaeval.errors import DataError, StatsError
from metaeval.result import PAIRWISE_COLUMNS, POOLED, TABLE_COLUMNS, CorrelationResult
from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.levels import check_level, correlation_at_level, group_vectors

CI_METHODS = ("percentile", "bca")
CEILING_COEFFICIENTS = ("pearson", "spearman", "kendall_b", "kendall_c")
SIGNIFICANCE = ("primary", "all", "none")  # which coefficients get PERM-BOTH tests and clusters
RESAMPLE_SCHEMES = ("items", "systems", "both")
TIE_CALIBRATED = "acc23_tiecal"
# Bootstrap CIs of acc23_tiecal re-calibrate epsilon in every draw (the interval then includes the
# calibration's own variability); allowed while draws x pairs stays below this budget (~10 s).
TIECAL_BOOTSTRAP_BUDGET = 2e8

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Settings:
    """Everything that determines the numbers; recorded in the result's signature."""

    coefficients: tuple[str, ...] = ("spearman", "pearson")
    levels: tuple[str, ...] = ("none",)
    group_by: str | None = None
    k: int = 1000
    seed: int = 0
    ci: float = 0.95
    ci_method: str = "percentile"
    resample: str = "items"
    alpha: float = 0.05
    significance: str = "primary"
    chance: bool = True
    min_points: int = 3
    ceiling: bool = True
    ceiling_k: int = 200

    def tests_significance(self, coefficient: str) -> bool:
        if self.significance == "all":
            return True
        return self.significance == "primary" and coefficient == self.coefficients[0]

    def check(self) -> None:
        for coefficient in self.coefficients:
            get_coefficient(coefficient)
        for level in self.levels:
            check_level(level)
        if self.k < 1:
            raise StatsError(f"k must be a positive number of draws, got {self.k}.")
        if not 0 < self.ci < 1:
            raise StatsError(f"--ci must be between 0 and 1 (e.g. 0.95), got {self.ci}.")
        if not 0 < self.alpha < 1:
            raise StatsError(f"alpha must be between 0 and 1, got {self.alpha}.")
        if self.ci_method not in CI_METHODS:
            raise StatsError(f"unknown CI method {self.ci_method!r}; choose from {CI_METHODS}.")
        if self.significance not in SIGNIFICANCE:
            raise StatsError(f"unknown significance setting {self.significance!r}; choose from "
                             f"{SIGNIFICANCE}.")
        if self.resample not in RESAMPLE_SCHEMES:
            raise StatsError(f"unknown resampling {self.resample!r}; choose from {RESAMPLE_SCHEMES}.")


def signature(js: JudgementSet, human: str, settings: Settings) -> str:
    """A sacrebleu-style string that makes every number in the result reproducible."""
    parts = [
        f"metaeval:{__version__}",
        f"data:{js.info.name}@{js.data_hash()}",
        f"human:{human}",
        f"coef:{'+'.join(settings.coefficients)}",
        f"level:{'+'.join(settings.levels)}",
        f"group:{settings.group_by or 'none'}",
        f"resample:{settings.resample}",
        f"ci:{settings.ci_method}-{settings.ci:g}",
        f"k:{settings.k}",
        f"seed:{settings.seed}",
        f"perm:perm-both-{settings.significance}",
        f"alpha:{settings.alpha:g}",
        f"ceiling:{settings.ceiling_k if settings.ceiling else 'off'}",
        f"numpy:{np.__version__}",
        f"scipy:{scipy.__version__}",
    ]
    return "|".join(parts)


def _task_seed(seed: int, *labels: object) -> int:
    """A seed per (group, level, coefficient): reproducible, and independent between tasks."""
    digest = hashlib.sha256(("|".join(map(str, (seed, *labels)))).encode()).digest()
    return int.from_bytes(digest[:4], "little")


def _point_count(gold: np.ndarray, metric: np.ndarray, level: str) -> int:
    valid = np.isfinite(gold) & np.isfinite(metric)
    if level == "none":
        return int(valid.sum())
    if level == "system":
        return int((valid.sum(-1) > 0).sum())
    axis = 0 if level == "item" else 1
    return int((valid.sum(axis) >= 2).sum())


def _analytic_pvalue(coef: Coefficient, gold: np.ndarray, metric: np.ndarray, level: str) -> float:
    """Two-sided analytic p-value for single-correlation levels (none, system)."""
    if coef.pvalue is None or level not in ("none", "system"):
        return float("nan")
    g, m = group_vectors(gold, metric, level)
    return coef.pvalue(g, m)


class _Task:
    """Statistics for one (group, level, coefficient) over all metrics."""

    def __init__(self, gold, scores, metrics, coef, level, settings, seed, warn):
        self.gold, self.scores, self.metrics = gold, scores, metrics
        self.coef, self.level, self.settings, self.seed = coef, level, settings, seed
        self.warn = warn

    def run(self) -> tuple[list[dict], list[dict]]:
        if self.coef.name == TIE_CALIBRATED:
            return self._run_tie_calibrated()
        from metaeval.stats.permutation import chance_baseline, perm_both
        from metaeval.stats.resampling import bootstrap_ci

        s = self.settings
        values = np.asarray(correlation_at_level(self.gold, self.scores, self.coef, self.level))
        boot = bootstrap_ci(self.gold, self.scores, self.coef, self.level, k=s.k, seed=self.seed,
                            ci=s.ci, resample=s.resample, method=s.ci_method)
        rows = []
        for m, name in enumerate(self.metrics):
            low = high = float("nan")
            if s.chance:
                low, high, _ = chance_baseline(self.gold, self.scores[m], self.coef, self.level,
                                               k=s.k, seed=self.seed + m + 1, ci=s.ci)
            rows.append(self._row(name, values[m], boot.low[m], boot.high[m], low, high))
        pairs = []
        if s.tests_significance(self.coef.name) and len(self.metrics) > 1:
            perm = perm_both(self.gold, self.scores, self.coef, self.level, k=s.k, seed=self.seed)
            pairs = self._pairs(values, perm.delta, perm.p, "perm-both", self._williams())
            self._cluster(rows, values, perm.p)
        return rows, pairs

    def _run_tie_calibrated(self) -> tuple[list[dict], list[dict]]:
        from metaeval.stats.tiecal import pair_outcome_permutation, tie_calibrate

        s = self.settings
        if self.level == "system":
            raise StatsError("acc23_tiecal is defined at the item, sys and none levels, not system.")
        calibrations = [tie_calibrate(self.gold, self.scores[m], self.level)
                        for m in range(len(self.metrics))]
        values = np.array([c.value for c in calibrations])
        low = high = np.full(len(self.metrics), np.nan)
        chance = [(np.nan, np.nan)] * len(self.metrics)
        pair_draws = sum(c.n_pairs for c in calibrations) * s.k * (2 if s.chance else 1)
        if pair_draws <= TIECAL_BOOTSTRAP_BUDGET:
            from metaeval.stats.resampling import bootstrap_ci

            boot = bootstrap_ci(self.gold, self.scores, self.coef, self.level, k=s.k,
                                seed=self.seed, ci=s.ci, resample=s.resample, method=s.ci_method)
            low, high = boot.low, boot.high
            if s.chance:
                from metaeval.stats.permutation import chance_baseline

                chance = [chance_baseline(self.gold, self.scores[m], self.coef, self.level,
                                          k=s.k, seed=self.seed + m + 1, ci=s.ci)[:2]
                          for m in range(len(self.metrics))]
        else:
            self.warn(f"acc23_tiecal ({self.level}): no bootstrap CI or chance baseline; "
                      "re-calibrating epsilon in "
                      f"each of {s.k} draws would sweep {pair_draws:.2e} pairs. Use level item "
                      "or fewer draws (--k) for an interval.")
        rows = []
        for m, (name, cal) in enumerate(zip(self.metrics, calibrations)):
            if cal.ties_all_pairs:
                self.warn(f"{name}: tie calibration ({self.level}) is optimal when every pair is "
                          f"a tie (acc23 = share of human ties = {cal.value:.4f}); the metric's "
                          "ranking adds nothing over predicting 'all equal'.")
            rows.append(self._row(name, cal.value, low[m], high[m], *chance[m],
                                  epsilon=cal.epsilon))
        pairs = []
        if s.tests_significance(self.coef.name) and len(self.metrics) > 1:
            n = len(self.metrics)
            p = np.full((n, n), np.nan)
            delta = np.full((n, n), np.nan)
            for a in range(n):
                for b in range(a + 1, n):
                    p_ab, d_ab = pair_outcome_permutation(
                        self.gold, self.scores[a], self.scores[b], self.level, k=s.k,
                        seed=self.seed + a * n + b)
                    p_ba, _ = pair_outcome_permutation(
                        self.gold, self.scores[b], self.scores[a], self.level, k=s.k,
                        seed=self.seed + a * n + b)
                    p[a, b], p[b, a], delta[a, b], delta[b, a] = p_ab, p_ba, d_ab, -d_ab
            pairs = self._pairs(values, delta, p, "pair-outcome-permutation")
            self._cluster(rows, values, p)
        return rows, pairs

    def _row(self, metric, value, low, high, chance_low, chance_high, epsilon=np.nan) -> dict:
        m = self.metrics.index(metric)
        return {
            "metric": metric, "level": self.level, "coefficient": self.coef.name,
            "value": float(value), "ci_low": float(low), "ci_high": float(high),
            "p_value": _analytic_pvalue(self.coef, self.gold, self.scores[m], self.level),
            "cluster": np.nan, "n": _point_count(self.gold, self.scores[m], self.level),
            "chance_low": float(chance_low), "chance_high": float(chance_high),
            "epsilon": float(epsilon),
        }

    def _cluster(self, rows: list[dict], values: np.ndarray, p: np.ndarray) -> None:
        from metaeval.stats.clusters import significance_clusters

        ranks = significance_clusters(values, p, alpha=self.settings.alpha)
        for row, rank in zip(rows, ranks):
            row["cluster"] = int(rank)

    def _williams(self) -> np.ndarray | None:
        """One-sided Williams p-values for Pearson at single-correlation levels, else None."""
        from metaeval.stats.williams import williams_matrix

        if self.coef.name != "pearson" or self.level not in ("none", "system"):
            return None
        present = np.isfinite(self.gold)
        if not np.isfinite(self.scores[:, present]).all() or present.sum() < 4:
            return None
        return williams_matrix(self.gold, self.scores, self.level).p

    def _pairs(self, values, delta, p, test: str, williams: np.ndarray | None = None) -> list[dict]:
        from metaeval.stats.multitest import benjamini_hochberg, holm

        n = len(self.metrics)
        off = ~np.eye(n, dtype=bool)
        p_holm = np.full((n, n), np.nan)
        p_bh = np.full((n, n), np.nan)
        p_holm[off] = holm(p[off])
        p_bh[off] = benjamini_hochberg(p[off])
        return [
            {"level": self.level, "coefficient": self.coef.name,
             "metric_a": self.metrics[a], "metric_b": self.metrics[b],
             "delta": float(delta[a, b]), "p_value": float(p[a, b]),
             "p_holm": float(p_holm[a, b]), "p_bh": float(p_bh[a, b]),
             "p_williams": float(williams[a, b]) if williams is not None else float("nan"),
             "test": test}
            for a in range(n) for b in range(n) if a != b
        ]


def _noise_ceiling(ratings: pd.DataFrame | None, part: JudgementSet, level: str, coefficient: str,
                   settings: Settings, seed: int, notes: list[str], group_name: str) -> tuple:
    """(ceiling, low, high) for one group, level and coefficient, or NaNs without ratings.

    The ceiling is the expected correlation of a perfect metric with the panel mean:
    sqrt of the split-half reliability stepped up with Spearman-Brown
    (`metaeval.listening.ceiling`; Nili et al. 2014).
    """
    nan = (float("nan"),) * 3
    if ratings is None or not settings.ceiling or coefficient not in CEILING_COEFFICIENTS:
        return nan
    from metaeval.listening.ceiling import noise_ceiling

    cells = part.cells()[[ITEM, SYSTEM]].astype(str)
    keyed = ratings.assign(item=ratings["item"].astype(str), system=ratings["system"].astype(str))
    subset = keyed.merge(cells, on=[ITEM, SYSTEM])
    if subset.empty:
        return nan
    try:
        result = noise_ceiling(subset, coefficient=coefficient, level=level, k=settings.ceiling_k,
                               seed=seed, ci=settings.ci)
    except StatsError as error:
        notes.append(f"group {group_name}: no noise ceiling at level {level} ({error})")
        return nan
    return tuple(float(np.sqrt(v)) if v > 0 else float("nan")
                 for v in (result.value, result.low, result.high))


def _groups(js: JudgementSet, group_by: str | None, pooled: bool) -> list[tuple[str, JudgementSet]]:
    if group_by is None:
        return [(POOLED, js)]
    if group_by not in js.table.columns:
        raise DataError(f"--group-by {group_by!r} is not a column of {js.info.source or 'the data'}; "
                        f"columns: {list(js.table.columns)}.")
    values = sorted(js.group_values(group_by), key=str)
    parts = [(str(v), js.subset(group_by, v)) for v in values]
    return parts + ([(POOLED, js)] if pooled else [])


def _constant_warnings(name: str, gold: np.ndarray, scores: np.ndarray, metrics: list[str]) -> list[str]:
    out = []
    finite = gold[np.isfinite(gold)]
    if finite.size and np.ptp(finite) == 0:
        out.append(f"group {name}: the human scores are constant; correlations are undefined (NaN).")
    for m, metric in enumerate(metrics):
        values = scores[m][np.isfinite(scores[m])]
        if values.size and np.ptp(values) == 0:
            out.append(f"group {name}: metric {metric} is constant; its correlations are NaN.")
    return out


def _pooled_pairwise_accuracy(parts, metrics: list[str], human: str) -> list[dict]:
    """System-level pairwise accuracy pooled over groups (Kocmi et al. 2021; WMT practice).

    accuracy = sum over groups of agreeing system pairs / sum over groups of system pairs, i.e.
    every system pair of every group (test set, language pair) counts once. Reported in group
    ``all`` as coefficient ``pairwise_acc_pooled``.
    """
    from metaeval.stats.kendall import pairwise_agreement
    from metaeval.stats.levels import system_scores

    agree = np.zeros(len(metrics))
    total = np.zeros(len(metrics))
    for _, part in parts:
        gold, scores, _, _ = part.matrices(metrics, human)
        g, m = system_scores(gold[None], scores)
        a, n = pairwise_agreement(g, m)
        agree += a
        total += n
    nan = float("nan")
    return [{"metric": metric, "group": POOLED, "level": "system",
             "coefficient": "pairwise_acc_pooled", "value": float(agree[i] / total[i]) if total[i] else nan,
             "ci_low": nan, "ci_high": nan, "p_value": nan, "cluster": np.nan, "n": int(total[i]),
             "chance_low": nan, "chance_high": nan, "epsilon": nan}
            for i, metric in enumerate(metrics)]


def correlate(
    data: JudgementSet,
    *,
    metrics: Sequence[str] | None = None,
    human: str | None = None,
    coefficients: Sequence[str] = ("spearman", "pearson"),
    levels: Sequence[str] = ("none",),
    group_by: str | None = None,
    pooled: bool = True,
    k: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
    ci_method: str = "percentile",
    resample: str = "items",
    alpha: float = 0.05,
    significance: str = "primary",
    chance: bool = True,
    min_points: int = 3,
    ceiling: bool = True,
    ceiling_k: int = 200,
    progress: ProgressCallback | None = None,
) -> CorrelationResult:
    """Correlate every metric with the human scores, with CIs, significance and clusters.

    ``ceiling``: with per-rater data (``data.individual_ratings()``), every row gets the noise
    ceiling of its group, level and coefficient (Pearson, Spearman, Kendall).
    ``significance``: ``"primary"`` (default) runs the PERM-BOTH tests and clusters for the first
    coefficient, ``"all"`` for every coefficient, ``"none"`` skips them. Groups are reported in
    sorted order, then the pooled group ``all``.

    Example::

        from metaeval.data.gensvs import load_gensvs
        result = correlate(load_gensvs(), metrics=["sdr", "multi_res_loss"], group_by="model_type")
        print(result.table)
    """
    settings = Settings(tuple(coefficients), tuple(levels), group_by, int(k), int(seed), float(ci),
                        ci_method, resample, float(alpha), significance, chance, int(min_points),
                        bool(ceiling), int(ceiling_k))
    settings.check()
    human = human or data.gold
    if human not in data.human:
        raise DataError(f"{human!r} is not a human score column; choose from {data.human}.")
    metrics = list(metrics) if metrics is not None else data.metric_names
    unknown = [m for m in metrics if m not in data.metrics]
    if unknown:
        raise DataError(f"unknown metric(s) {unknown}; the data has {data.metric_names}.")
    if not metrics:
        raise DataError("no metric columns to correlate. Fix: name them with --metrics A,B.")

    notes: list[str] = []
    rows: list[dict] = []
    ratings = data.individual_ratings() if ceiling else None
    pairs: list[dict] = []
    parts = _groups(data, group_by, pooled)
    tasks = [(g, level, c) for g, _ in parts for level in settings.levels for c in settings.coefficients]
    done = 0
    for group_name, part in parts:
        gold, scores, _, _ = part.matrices(metrics, human)
        usable = int((np.isfinite(gold)[None] & np.isfinite(scores)).all(0).sum())
        if usable < min_points:
            raise DataError(f"group {group_by}={group_name!r} has only {usable} usable point(s) "
                            f"(need >= {min_points}). Fix: drop the group or choose another --group-by.")
        notes.extend(_constant_warnings(group_name, gold, scores, metrics))
        for level in settings.levels:
            for coefficient in settings.coefficients:
                if progress:
                    progress(f"{group_name} · {level} · {coefficient}", done, len(tasks))
                coef = get_coefficient(coefficient)
                task = _Task(gold, scores, metrics, coef, level, settings,
                             _task_seed(seed, group_name, level, coefficient), notes.append)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    task_rows, task_pairs = task.run()
                ceiling = _noise_ceiling(ratings, part, level, coefficient, settings,
                                         _task_seed(seed, "ceiling", group_name, level, coefficient),
                                         notes, group_name)
                for row in task_rows:
                    row["group"] = group_name
                    row["ceiling"], row["ceiling_low"], row["ceiling_high"] = ceiling
                for pair in task_pairs:
                    pair["group"] = group_name
                rows.extend(task_rows)
                pairs.extend(task_pairs)
                done += 1
    if progress:
        progress("done", done, len(tasks))
    if group_by and "pairwise_acc" in settings.coefficients and "system" in settings.levels:
        rows.extend(_pooled_pairwise_accuracy(parts[:-1] if pooled else parts, metrics, human))

    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table["cluster"] = table["cluster"].astype("Int64")
    pairwise = pd.DataFrame(pairs, columns=PAIRWISE_COLUMNS)
    cells = data.cells()
    points = pd.DataFrame({ITEM: cells[ITEM], SYSTEM: cells[SYSTEM],
                           "group": cells[group_by].astype(str) if group_by else POOLED,
                           human: cells[human]})
    for metric in metrics:
        points[metric] = data.oriented(metric, cells[metric].to_numpy(float))
    gold_all, _, systems, items = data.matrices(metrics[:1], human)
    record = {
        "coefficients": list(settings.coefficients), "levels": list(settings.levels),
        "primary_coefficient": settings.coefficients[0], "group_by": group_by,
        "k": settings.k, "seed": settings.seed, "ci": settings.ci, "ci_method": settings.ci_method,
        "resample": settings.resample, "alpha": settings.alpha,
        "permutation": "none" if settings.significance == "none" else "perm-both",
        "significance": settings.significance,
        "chance_baseline": settings.chance,
        "noise_ceiling": (f"sqrt of split-half Spearman-Brown reliability, {settings.ceiling_k} "
                          "random splits of each stimulus's raters") if ratings is not None else None,
        "lower_is_better": [m for m in metrics if not data.metrics[m].higher_is_better],
        "missing": data.missing, "n_items": len(items), "n_systems": len(systems),
        "n_cells": int(np.isfinite(gold_all).sum()), "metaeval_version": __version__,
    }
    return CorrelationResult(
        table=table, pairwise=pairwise, points=points, settings=record,
        signature=signature(data, human, settings), dataset=data.info, human=human,
        metrics={m: data.metrics[m].direction for m in metrics}, group_column=group_by,
        warnings=list(dict.fromkeys(notes)),
    )
