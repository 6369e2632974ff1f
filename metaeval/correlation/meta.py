"""Meta-analysis across test sets: per-set results, a random-effects pooled correlation and the
WMT-style average over sets with significance from the sets' stored bootstrap draws.

Each set contributes the pooled-group (``all``) rows of its primary coefficient at its first
level (a `CorrelationResult` or its ``results.json``): value r and point count n per metric.
:func:`result_draws` keeps the bootstrap draws of those rows in the result (``results.json``
key ``draws``): they are the draws behind the reported CIs (same seed), so a later combination
needs no rerun. Combination (:func:`meta_analysis`):

- DerSimonian-Laird on Fisher z (:mod:`metaeval.stats.meta`), pooled r, CI, tau^2, Q, I^2;
  NaN with a note at the item/sys levels (an average of correlations has no n) or for a
  coefficient without a Fisher-z variance.
- The average of r over the sets; its draws are the means of the sets' draws; one-sided
  p(a better than b) = (#{avg_a* - avg_b* <= 0} + 1) / (k + 1) (bootstrap, not PERM-BOTH),
  and WMT-style clusters from those p. Without draws for every set: no p, no clusters (noted).
"""

from __future__ import annotations

import numpy as np

from metaeval.correlation.api import task_seed
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.correlation.settings import Settings
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.meta import (
    FISHER_VARIANCE,
    META_METHODS,
    average_over_sets,
    dersimonian_laird,
    fisher_variance,
    fisher_z,
)
from metaeval.stats.resampling import bootstrap_ci

POINT_LEVELS = ("none", "system")
METHOD_NAMES = {"dl": "DerSimonian-Laird", "reml": "REML"}  # levels where n is a number of (independent) points


def result_draws(result: CorrelationResult, data: JudgementSet, settings: Settings) -> dict:
    """The bootstrap draws (M, k) of the pooled rows of the primary coefficient at the first
    level, recomputed with the task's seed (identical to the draws of the reported CI)."""
    level, coef = settings.levels[0], settings.primary
    gold, scores, _, _ = data.matrices(list(result.metrics), result.human)
    with np.errstate(all="ignore"):
        boot = bootstrap_ci(gold, scores, coef, level, k=settings.k, ci=settings.ci,
                            seed=task_seed(settings.seed, POOLED, level, coef),
                            resample=settings.resample)
    return {"group": POOLED, "level": level, "coefficient": coef, "k": settings.k,
            "seed": settings.seed, "resample": settings.resample,
            "metrics": list(result.metrics), "draws": boot.bootstrap_distribution.tolist()}


def set_summary(payload: dict, name: str) -> dict:
    """Values, n and (if stored) draws of one set from a ``results.json`` payload."""
    settings = payload.get("settings", {})
    coef = settings.get("primary_coefficient")
    level = (settings.get("levels") or ["none"])[0]
    rows = [r for r in payload.get("results", []) if r.get("group") == POOLED
            and r.get("coefficient") == coef and r.get("level") == level]
    if not rows:
        raise ParameterError("results", name, f"has no pooled ({POOLED!r}) rows of {coef} at "
                             f"level {level}; rerun `metaeval correlate` with the pooled group.")
    draws = payload.get("draws")
    if draws and (draws.get("coefficient"), draws.get("level")) != (coef, level):
        draws = None
    return {"name": name, "signature": payload.get("signature", ""), "coefficient": coef,
            "level": level, "values": {r["metric"]: _num(r.get("value")) for r in rows},
            "n": {r["metric"]: _num(r.get("n")) for r in rows},
            "draws": dict(zip(draws["metrics"], np.asarray(draws["draws"], float)))
            if draws else None}


def _num(value) -> float:
    return float("nan") if value is None else float(value)


def _common(summaries: list[dict]) -> tuple[str, str, list[str], list[str]]:
    coefs = {(s["coefficient"], s["level"]) for s in summaries}
    if len(coefs) > 1:
        raise ParameterError("results", ", ".join(s["name"] for s in summaries),
                             f"the sets use different primary coefficients/levels {sorted(coefs)}; "
                             "rerun them with the same --coef (first) and --level.")
    metrics = [m for m in summaries[0]["values"] if all(m in s["values"] for s in summaries)]
    if not metrics:
        raise ParameterError("results", ", ".join(s["name"] for s in summaries),
                             "the sets have no metric in common.")
    dropped = sorted({m for s in summaries for m in s["values"]} - set(metrics))
    notes = [f"metrics not in every set, left out: {', '.join(dropped)}."] if dropped else []
    return *coefs.pop(), metrics, notes


def _average_tests(summaries, metrics, values, alpha) -> tuple[np.ndarray, np.ndarray, str]:
    """(clusters (M,), p (M, M) one-sided), or NaN with the reason without common draws."""
    m = len(metrics)
    ks = {len(next(iter(s["draws"].values()))) for s in summaries if s["draws"]}
    if any(s["draws"] is None for s in summaries) or len(ks) != 1:
        return np.full(m, np.nan), np.full((m, m), np.nan), (
            "no significance for the average: not every set has stored draws of the same k "
            "(metaeval correlate --keep-draws).")
    draws = np.stack([[s["draws"][x] for x in metrics] for s in summaries])
    mean, avg_draws = average_over_sets(values, draws)
    diff = avg_draws[:, None, :] - avg_draws[None, :, :]
    finite = np.isfinite(diff)
    p = ((diff <= 0) & finite).sum(-1) + 1.0
    p = p / (finite.sum(-1) + 1.0)
    np.fill_diagonal(p, np.nan)
    return significance_clusters(mean, p, alpha), p, ""


def meta_analysis(summaries: list[dict], ci: float = 0.95, alpha: float = 0.05,
                  method: str = "dl") -> dict:
    """Combine the sets' summaries (:func:`set_summary`); see the module docstring. ``method``:
    ``dl`` (DerSimonian-Laird tau^2) or ``reml``."""
    if method not in META_METHODS:
        raise ParameterError("method", method, f"choose from {', '.join(META_METHODS)}.")
    if len(summaries) < 2:
        raise ParameterError("results", len(summaries), "a meta-analysis needs at least two "
                             "result sets.")
    coef, level, metrics, notes = _common(summaries)
    values = np.array([[s["values"][m] for s in summaries] for m in metrics])
    n = np.array([[s["n"][m] for s in summaries] for m in metrics])
    if level in POINT_LEVELS and coef in FISHER_VARIANCE:
        meta = dersimonian_laird(fisher_z(values), fisher_variance(n, coef), ci, method)
        pooled = meta.correlation()
    else:
        meta, pooled = None, (np.full(len(metrics), np.nan),) * 3
        notes.append(f"no random-effects pooling for {coef} at level {level}: the Fisher-z "
                     f"variance needs a Pearson/Spearman/Kendall tau-b over n points "
                     f"(levels {', '.join(POINT_LEVELS)}).")
    clusters, p, reason = _average_tests(summaries, metrics, values, alpha)
    notes += [reason] if reason else []
    rows = []
    for i, metric in enumerate(metrics):
        stats = {} if meta is None else {
            "tau2": meta.tau2[i], "q": meta.q[i], "q_pvalue": meta.q_pvalue[i], "i2": meta.i2[i],
            "p_value": meta.p_value[i], "z": meta.mu[i], "z_se": meta.se[i]}
        rows.append({"metric": metric, "pooled": pooled[0][i], "ci_low": pooled[1][i],
                     "ci_high": pooled[2][i], **stats, "average": float(values[i].mean()),
                     "average_cluster": clusters[i],
                     "per_set": {s["name"]: {"value": values[i, j], "n": n[i, j]}
                                 for j, s in enumerate(summaries)}})
    rows.sort(key=lambda r: -r["average"])
    return {"coefficient": coef, "level": level,
            "method": f"random effects on Fisher z, tau^2 by {METHOD_NAMES[method]}",
            "ci": ci, "alpha": alpha, "sets": [{"name": s["name"], "signature": s["signature"],
                                                "draws": s["draws"] is not None}
                                               for s in summaries],
            "metrics": rows, "pairwise_p": {"metrics": metrics, "p": p.tolist()},
            "notes": notes}


def meta_table(record: dict):
    """One row per metric: pooled r and CI, heterogeneity, average, cluster, per-set r and n."""
    import pandas as pd

    rows = []
    for r in record["metrics"]:
        flat = {k: v for k, v in r.items() if k != "per_set"}
        for name, cell in r["per_set"].items():
            flat[f"r[{name}]"], flat[f"n[{name}]"] = cell["value"], cell["n"]
        rows.append(flat)
    return pd.DataFrame(rows)
