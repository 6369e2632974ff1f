"""Meta-analysis across test sets: per-set results, a random-effects pooled correlation and the
WMT-style average over sets with significance from the sets' stored bootstrap draws.

Each set contributes the pooled (``all``) rows of its primary coefficient at its first level
(a `CorrelationResult` or one human's part of its ``results.json``): r and n per metric.
:func:`result_draws` keeps the bootstrap draws behind those CIs (same seed; key ``draws``), so a
later combination needs no rerun; ``--meta-by`` (:func:`with_meta_by`) with ``--keep-draws``
keeps each subset's (``group_draws``), read back by :func:`subset_summaries`. Combination
(:func:`meta_analysis`):

- DerSimonian-Laird on Fisher z (:mod:`metaeval.stats.meta`), pooled r, CI, tau^2, Q, I^2;
  NaN with a note at the item/sys levels (no n) or without a Fisher-z variance.
- The average of r over the sets; its draws are the means of the sets' draws; one-sided
  p(a better than b) = (#{avg_a* - avg_b* <= 0} + 1) / (k + 1) (bootstrap, not PERM-BOTH),
  and WMT-style clusters from those p. Without draws for every set: no p, no clusters (noted).
- A metric missing from some sets is kept: pooled over the sets that have it, with per-set
  values where present, but no average and no cluster (``in_every_set`` false, and a note).
- Inputs are checked first, every set left out of the pooling named with its reason
  (:mod:`~metaeval.correlation.meta_inputs`: repeated sets, impossible values refused; no value,
  too few points, |r| = 1 noted in the row's ``note`` and the record's notes).
"""

from __future__ import annotations

import numpy as np

from metaeval.correlation.humans import human_payload
from metaeval.correlation.meta_inputs import (
    average_note,
    check_meta_inputs,
    pooling_plan,
    unaveraged,
)
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.correlation.seeds import task_seed
from metaeval.correlation.settings import Settings
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.paths import display_path
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.meta import (
    FISHER_VARIANCE,
    average_over_sets,
    dersimonian_laird,
    fisher_variance,
    fisher_z,
)
from metaeval.stats.resampling import bootstrap_ci

POINT_LEVELS = ("none", "system")
METHOD_NAMES = {"dl": "DerSimonian-Laird", "reml": "REML"}  # levels where n is a number of (independent) points


def group_draws(part: JudgementSet, metrics: list[str], human: str, settings: Settings,
                group: str = POOLED) -> np.ndarray:
    """The bootstrap draws (M, k) of ``group``'s rows of the primary coefficient at the first
    level, recomputed on ``part`` (that group's data) with the task's seed: identical to the
    draws behind the group's reported CI."""
    level, coef = settings.levels[0], settings.primary
    gold, scores, _, _ = part.matrices(list(metrics), human)
    with np.errstate(all="ignore"):
        boot = bootstrap_ci(gold, scores, coef, level, k=settings.k, ci=settings.ci,
                            seed=task_seed(settings.seed, group, level, coef),
                            resample=settings.resample)
    return boot.bootstrap_distribution


def draws_record(draws: np.ndarray, metrics: list[str], settings: Settings,
                 group: str = POOLED) -> dict:
    """The stored form (``draws``, or an entry of ``group_draws``) of ``group``'s draws (M, k)."""
    return {"group": group, "level": settings.levels[0], "coefficient": settings.primary,
            "k": settings.k, "seed": settings.seed, "resample": settings.resample,
            "metrics": list(metrics), "draws": np.asarray(draws).tolist()}


def result_draws(result: CorrelationResult, data: JudgementSet, settings: Settings) -> dict:
    """The bootstrap draws (M, k) of the pooled rows of the primary coefficient at the first
    level, recomputed with the task's seed (identical to the draws of the reported CI)."""
    draws = group_draws(data, list(result.metrics), result.human, settings)
    return draws_record(draws, list(result.metrics), settings)


def result_summary(result: CorrelationResult, name: str, group: str = POOLED,
                   draws: np.ndarray | None = None) -> dict:
    """Values, n and draws of one set (:func:`set_summary`) from an in-memory result: the rows
    of ``group``; ``draws`` (M, k) in the result's metric order, else ``result.draws``."""
    rows = result.table[result.table["group"].astype(str) == group]
    stored = result.draws if group == POOLED else None
    if draws is not None:
        stored = {"coefficient": result.settings.get("primary_coefficient"),
                  "level": (result.settings.get("levels") or ["none"])[0],
                  "metrics": list(result.metrics), "draws": np.asarray(draws)}
    payload = {"signature": str(result.signature), "settings": result.settings,
               "results": [{**r, "group": POOLED} for r in rows.to_dict(orient="records")],
               "draws": stored}
    return set_summary(payload, name)


def group_summaries(result: CorrelationResult, data: JudgementSet,
                    settings: Settings) -> tuple[list[dict], list[dict]]:
    """One summary per value of ``settings.meta_by`` (the result's grouping column): the group's
    rows with the draws of its CI, so the groups of one study are the test sets; and those
    draws in their stored form (:func:`draws_record`, one per group)."""
    column, metrics = settings.meta_by, list(result.metrics)
    values = {str(v): v for v in data.group_values(column)}
    summaries, stored = [], []
    for g in (g for g in result.groups if g != POOLED):
        draws = group_draws(data.subset(column, values[g]), metrics, result.human, settings, g)
        summaries.append(result_summary(result, g, g, draws))
        stored.append(draws_record(draws, metrics, settings, g))
    return summaries, stored


def with_meta_by(result: CorrelationResult, data: JudgementSet,
                 settings: Settings) -> CorrelationResult:
    """The result with ``result.meta``: the meta-analysis across the values of
    ``settings.meta_by`` as test sets (subsets of one study; they share raters and maybe
    items, so they are not independent samples: noted in the record); with
    ``settings.keep_draws`` also ``result.group_draws``, the subsets' draws behind it."""
    summaries, stored = group_summaries(result, data, settings)
    record = meta_analysis(summaries, ci=settings.ci, alpha=settings.alpha,
                           method=settings.meta_method)
    record["scope"] = f"subsets of one study: the values of {settings.meta_by}"
    record["meta_by"] = settings.meta_by
    record["notes"].append(
        f"the test sets are the {settings.meta_by} subsets of one study ({result.dataset.name}): "
        "they may share items and raters, so they are not independent samples; the pooled "
        "interval and the average's significance assume independence and may be too narrow.")
    result.meta = record
    result.group_draws = stored if settings.keep_draws else None
    return result


def set_summary(payload: dict, name: str, group: str = POOLED) -> dict:
    """Values, n and (if stored) draws of one set from a ``results.json`` payload (of one
    human column, :func:`human_payload`): the rows of ``group`` (pooled, or a subset)."""
    payload = human_payload(payload, where=name)
    settings = payload.get("settings", {})
    coef = settings.get("primary_coefficient")
    level = (settings.get("levels") or ["none"])[0]
    rows = [r for r in payload.get("results", []) if str(r.get("group")) == group
            and r.get("coefficient") == coef and r.get("level") == level]
    if not rows:
        what = f"pooled ({POOLED!r})" if group == POOLED else f"{group!r}"
        raise ParameterError("results", name, f"has no {what} rows of {coef} at level "
                             f"{level}; rerun `metaeval correlate` with the pooled group.")
    draws = payload.get("draws") if group == POOLED else next(
        (d for d in payload.get("group_draws") or [] if str(d.get("group")) == group), None)
    if draws and (draws.get("coefficient"), draws.get("level")) != (coef, level):
        draws = None
    return {"name": name, "signature": payload.get("signature", ""), "coefficient": coef,
            "level": level, "values": {r["metric"]: _num(r.get("statistic")) for r in rows},
            "n": {r["metric"]: _num(r.get("n")) for r in rows},
            "n_items": {r["metric"]: _num(r.get("n_items")) for r in rows},
            "notes": {r["metric"]: r["note"] for r in rows if r.get("note")},
            "draws": dict(zip(draws["metrics"], np.asarray(draws["draws"], float)))
            if draws else None}


def subset_summaries(payload: dict) -> list[dict]:
    """One summary per test set of a ``--meta-by`` run's ``results.json`` (its ``meta``): the
    subset's rows and (``--keep-draws``) draws; empty for a run without ``--meta-by``."""
    payload = human_payload(payload)
    meta = payload.get("meta") or {}
    if not meta.get("meta_by"):
        return []
    return [set_summary(payload, str(s["name"]), str(s["name"])) for s in meta["sets"]]


def _descending(value: float) -> float:
    """Sort key: larger first, NaN last."""
    return -value if np.isfinite(value) else float("inf")


def _num(value) -> float:
    return float("nan") if value is None else float(value)


def _common(summaries: list[dict]) -> tuple[str, str, list[str], list[str], list[str]]:
    """(coefficient, level, metrics in every set, metrics in only some, notes)."""
    coefs = {(s["coefficient"], s["level"]) for s in summaries}
    if len(coefs) > 1:
        raise ParameterError("results", ", ".join(s["name"] for s in summaries),
                             f"the sets use different primary coefficients/levels {sorted(coefs)}; "
                             "rerun them with the same --coef (first) and --level.")
    metrics = [m for m in summaries[0]["values"] if all(m in s["values"] for s in summaries)]
    if not metrics:
        raise ParameterError("results", ", ".join(s["name"] for s in summaries),
                             "the sets have no metric in common.")
    partial = [m for m in dict.fromkeys(m for s in summaries for m in s["values"])
               if m not in metrics]
    notes = [f"metric {m} is in {sum(m in s['values'] for s in summaries)} of {len(summaries)} "
             f"sets ({', '.join(s['name'] for s in summaries if m in s['values'])}): pooled "
             "over those, with no average and no cluster (the average ranks the metrics of "
             "every set)." for m in partial]
    return *coefs.pop(), metrics, partial, notes
def _average_tests(summaries, metrics, values, alpha) -> tuple[np.ndarray, np.ndarray, str]:
    """(clusters (M,), p (M, M) one-sided), or NaN with the reason without common draws."""
    m = len(metrics)
    if m == 0:
        return np.full(0, np.nan), np.full((0, 0), np.nan), ""
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
    check_meta_inputs(summaries, ci, alpha, method)
    coef, level, common, partial, notes = _common(summaries)
    nan = float("nan")
    lacking = unaveraged(common, np.array([[s["values"][m] for s in summaries] for m in common]))
    notes += [average_note(m, len(summaries), sum(s["values"][m] != s["values"][m]
                                                  for s in summaries)) for m in lacking]
    common = [m for m in common if m not in lacking]
    metrics = common + lacking + partial
    values = np.array([[s["values"].get(m, nan) for s in summaries] for m in metrics])
    n = np.array([[s["n"].get(m, nan) for s in summaries] for m in metrics])
    entered = np.array([[s.get("n_items", {}).get(m, nan) for s in summaries] for m in metrics])
    pooling = level in POINT_LEVELS and coef in FISHER_VARIANCE
    used, row_notes, plan_notes = pooling_plan(summaries, metrics, values, n, coef, pooling)
    notes += plan_notes
    if pooling:
        with np.errstate(divide="ignore", invalid="ignore"):
            meta = dersimonian_laird(np.where(used, fisher_z(values), nan),
                                     np.where(used, fisher_variance(n, coef), nan), ci, method)
        pooled = meta.correlation()
    else:
        meta, pooled = None, (np.full(len(metrics), np.nan),) * 3
        notes.append(f"no random-effects pooling for {coef} at level {level}: the Fisher-z "
                     f"variance needs a Pearson/Spearman/Kendall tau-b over n points "
                     f"(levels {', '.join(POINT_LEVELS)}).")
    clusters, p, reason = _average_tests(summaries, common, values[:len(common)], alpha)
    notes += [reason] if reason else []
    rows = []
    for i, metric in enumerate(metrics):
        stats = {} if meta is None else {
            "tau2": meta.tau2[i], "q": meta.q[i], "q_pvalue": meta.q_pvalue[i], "i2": meta.i2[i],
            "pvalue": meta.pvalue[i], "z": meta.mu[i], "z_se": meta.se[i]}
        every = i < len(common)
        rows.append({"metric": metric, "pooled": pooled[0][i], "ci_low": pooled[1][i],
                     "ci_high": pooled[2][i], **stats,
                     "average": float(values[i].mean()) if every else nan,
                     "average_cluster": clusters[i] if every else nan,
                     "n_sets": int(meta.n_sets[i] if meta is not None
                                   else np.isfinite(values[i]).sum()),
                     "in_every_set": every, "note": row_notes[i],
                     "per_set": {s["name"]: {"statistic": values[i, j], "n": n[i, j],
                                             "n_items": entered[i, j]}
                                 for j, s in enumerate(summaries) if metric in s["values"]}})
    rows.sort(key=lambda r: (not r["in_every_set"], _descending(
        r["average"] if r["in_every_set"] else r["pooled"])))
    return {"coefficient": coef, "level": level,
            "method": f"random effects on Fisher z, tau^2 by {METHOD_NAMES[method]}",
            "ci": ci, "alpha": alpha, "sets": [{"name": s["name"], "signature": s["signature"],
                                                "draws": s["draws"] is not None}
                                               for s in summaries],
            "metrics": rows, "pairwise_p": {"metrics": common, "p": p.tolist()},
            "notes": notes}


def meta_table(record: dict):
    """One row per metric: pooled r and CI, heterogeneity, average, cluster, per-set r and n
    (and at levels item / sys the items or systems that entered each set's average)."""
    import pandas as pd

    rows = []
    for r in record["metrics"]:
        flat = {k: v for k, v in r.items() if k != "per_set"}
        for name, cell in r["per_set"].items():
            flat[f"r[{name}]"], flat[f"n[{name}]"] = cell["statistic"], cell["n"]
            if record.get("level") in ("item", "sys"):
                flat[f"n_items[{name}]"] = cell.get("n_items")
        rows.append(flat)
    return pd.DataFrame(rows)


def check_meta_by(js, column: str) -> None:
    """``column`` is a column of the set with two or more values."""
    if column not in js.table.columns:
        raise ParameterError("meta_by", column, "not a column of "
                             f"{display_path(js.info.source) if js.info.source else js.info.name}; "
                             f"columns: {', '.join(map(str, js.table.columns))}.")
    values = js.group_values(column)
    if len(values) < 2:
        raise ParameterError("meta_by", column, f"has {len(values)} value(s); a meta-analysis "
                             "needs two or more test sets.", "choose a column with several "
                             "values (e.g. model_type).")
