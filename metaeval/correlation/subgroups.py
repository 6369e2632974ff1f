"""Subgroup flips: metrics whose ranking reverses between two groups (e.g. discriminative vs
generative systems), with bootstrap significance of the difference of correlations.

Per group the primary coefficient at the first level and its bootstrap draws
(:func:`metaeval.stats.resampling.bootstrap_ci`, the run's k, resampling unit and a seed per
group from :func:`metaeval.correlation.runner.task_seed`); the groups are independent samples, so
``delta = r_A - r_B`` is tested on the differences of their draws
(:func:`metaeval.stats.stability.bootstrap_difference`). A reversed pair (i better than j in
A, worse in B) is tested the same way on its interaction (r_A,i - r_A,j) - (r_B,i - r_B,j).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from metaeval.correlation.seeds import task_seed
from metaeval.correlation.settings import Settings
from metaeval.data.judgements import JudgementSet
from metaeval.stats.resampling import bootstrap_ci
from metaeval.stats.stability import bootstrap_difference, metric_ranks, reversed_pairs

MIN_GROUP_POINTS = 3


def group_draws(data: JudgementSet, metrics: list[str], human: str, settings: Settings,
                column: str, value: object) -> tuple[np.ndarray, np.ndarray, str]:
    """(values (M,), draws (M, k), note) of one group; NaN with the reason when too small."""
    part = data.subset(column, value)
    gold, scores, _, _ = part.matrices(metrics, human)
    if np.isfinite(gold).sum() < max(MIN_GROUP_POINTS, settings.min_points):
        nan = np.full(len(metrics), np.nan)
        return nan, np.full((len(metrics), settings.k), np.nan), \
            f"group {column}={value} has too few rated cells for a correlation"
    level, coef = settings.levels[0], settings.primary
    with np.errstate(all="ignore"):
        boot = bootstrap_ci(gold, scores, coef, level, k=settings.k, ci=settings.ci,
                            seed=task_seed(settings.seed, "subgroup", value, level, coef),
                            resample=settings.resample)
    return boot.statistic, boot.bootstrap_distribution, ""


def _metric_rows(metrics, a, b, diff) -> list[dict]:
    ranks_a, ranks_b = metric_ranks(a), metric_ranks(b)
    return [{"metric": m, "value_a": float(a[i]), "value_b": float(b[i]),
             "rank_a": float(ranks_a[i]), "rank_b": float(ranks_b[i]),
             "delta": float(diff.delta[i]), "ci_low": float(diff.low[i]),
             "ci_high": float(diff.high[i]), "pvalue": float(diff.pvalue[i])}
            for i, m in enumerate(metrics)]


def compare_groups(metrics: list[str], a: tuple, b: tuple, ci: float) -> dict:
    """Per-metric differences and reversed pairs of two groups' (values, draws)."""
    (va, da), (vb, db) = a, b
    diff = bootstrap_difference(va, vb, da, db, ci)
    pairs = reversed_pairs(va, vb)
    reversals = []
    if pairs:
        i, j = np.array(pairs).T
        inter = bootstrap_difference(va[i] - va[j], vb[i] - vb[j], da[i] - da[j],
                                     db[i] - db[j], ci)
        reversals = [{"metric_i": metrics[x], "metric_j": metrics[y],
                      "gap_a": float(va[x] - va[y]), "gap_b": float(vb[x] - vb[y]),
                      "interaction": float(inter.delta[n]), "ci_low": float(inter.low[n]),
                      "ci_high": float(inter.high[n]), "pvalue": float(inter.pvalue[n])}
                     for n, (x, y) in enumerate(pairs)]
        reversals.sort(key=lambda r: (r["pvalue"], -abs(r["interaction"])))
    return {"metrics": _metric_rows(metrics, va, vb, diff), "reversals": reversals}


def subgroup_flips(data: JudgementSet, metrics: list[str], human: str, settings: Settings,
                   column: str) -> list[dict]:
    """One comparison per pair of values of ``column`` (sorted), group A first."""
    values = sorted(dict.fromkeys(data.table[column].tolist()), key=str)
    drawn = {v: group_draws(data, metrics, human, settings, column, v) for v in values}
    out = []
    for a, b in combinations(values, 2):
        notes = [n for n in (drawn[a][2], drawn[b][2]) if n]
        out.append({"column": column, "group_a": str(a), "group_b": str(b),
                    "note": "; ".join(notes),
                    **compare_groups(metrics, drawn[a][:2], drawn[b][:2], settings.ci)})
    return out
