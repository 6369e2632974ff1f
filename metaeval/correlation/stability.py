"""Ranking stability of a `correlate` run: leave one system / one group out, subgroup flips.

Every reduced ranking is a `correlate` run of the primary coefficient at the first level on the
data without one system (or one group), with the run's k, seed, alpha and resampling, so its
values and significance clusters are exactly those `metaeval correlate` reports for that data.
The comparison with the full ranking (ranks, Kendall tau-b, best cluster, top metric) is
:func:`metaeval.stats.stability.leave_one_out`; subgroup reversals are in
:mod:`metaeval.correlation.subgroups`. A reduced set that cannot be correlated (too few
points) gives NaN with the reason in ``note``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from metaeval.correlation.engine import chosen_metrics, compute
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.correlation.settings import Settings
from metaeval.correlation.subgroups import subgroup_flips
from metaeval.data.columns import SYSTEM
from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError, ParameterError
from metaeval.stats.stability import leave_one_out


def ranking_settings(settings: Settings) -> Settings:
    """One ranking: the primary coefficient at the first level, pooled, with clusters."""
    return replace(settings, coefficients=(settings.primary,), levels=(settings.levels[0],),
                   group_by=None, pooled=True, chance=False, ceiling=False,
                   significance="primary", stability=False, keep_draws=False, meta_by=None)


def ranking(data: JudgementSet, metrics: list[str], human: str,
            settings: Settings) -> tuple[np.ndarray, np.ndarray, str]:
    """(values (M,), best-cluster mask (M,), note) of one `correlate` run of the ranking."""
    try:
        result = compute(data, None, metrics=metrics, human=human, settings=settings, force=True)
    except DataError as error:
        return np.full(len(metrics), np.nan), np.zeros(len(metrics), bool), str(error)
    rows = result.table[result.table["group"] == POOLED].set_index("metric").loc[metrics]
    best = (rows["cluster"].fillna(0).astype(int) == 1).to_numpy()
    return rows["statistic"].to_numpy(float), best, ""


def _reduced_sets(data: JudgementSet, unit: str, column: str | None) -> list[tuple[str, object]]:
    """(label, data without it) per system or per value of the grouping ``column``."""
    if unit == "system":
        systems = sorted(map(str, distinct(data.table[SYSTEM])))
        return [(s, lambda s=s: data.without_systems([s])) for s in systems]
    values = sorted(distinct(data.table[column]), key=str)
    return [(str(v), lambda v=v: replace(data, table=data.table[data.table[column] != v]
                                         .reset_index(drop=True))) for v in values]


def distinct(column) -> list:
    """The distinct values of a column in order of appearance."""
    return list(dict.fromkeys(column.tolist()))


def _leave_out(data, metrics, human, settings, unit, column, full) -> dict:
    """The leave-one-``unit``-out block of the stability record."""
    labels, values, best, notes = [], [], [], []
    for label, reduced in _reduced_sets(data, unit, column):
        v, b, note = ranking(reduced(), metrics, human, settings)
        labels.append(label)
        values.append(v)
        best.append(b)
        notes.append(note)
    loo = leave_one_out(full[0], full[1], np.stack(values), np.stack(best))
    runs = [{"left_out": labels[r], "top": _top(values[r], metrics), "tau": float(loo.tau[r]),
             "top_changed": bool(loo.top_changed[r]), "best_changed": bool(loo.best_changed[r]),
             "best": [m for m, b in zip(metrics, best[r]) if b], "note": notes[r],
             "values": dict(zip(metrics, values[r].tolist())),
             "ranks": dict(zip(metrics, loo.ranks[r].tolist()))} for r in range(len(labels))]
    per_metric = [{"metric": m, "rank": float(loo.full_ranks[i]),
                   "rank_changed": float(loo.rank_changed[i]), "max_shift": float(loo.max_shift[i])}
                  for i, m in enumerate(metrics)]
    return {"unit": unit, "column": column if unit == "group" else SYSTEM, "runs": runs,
            "metrics": sorted(per_metric, key=lambda r: r["rank"]),
            "top_changed": float(loo.top_changed.mean()),
            "best_changed": float(loo.best_changed.mean()),
            "tau_min": float(np.nanmin(loo.tau)) if np.isfinite(loo.tau).any() else float("nan"),
            "tau_mean": float(np.nanmean(loo.tau)) if np.isfinite(loo.tau).any() else float("nan"),
            "depends_on": [r["left_out"] for r in runs if r["top_changed"]]}


def _top(values: np.ndarray, metrics: list[str]) -> str | None:
    return metrics[int(np.nanargmax(values))] if np.isfinite(values).any() else None


def stability_flags(blocks: list[dict], top: str) -> list[str]:
    """Sentences for a top metric (named ``top``) that depends on one system or group."""
    out = []
    for block in blocks:
        if block["depends_on"]:
            word = "system" if block["unit"] == "system" else f"{block['column']} group"
            out.append(f"the top metric {top} depends on a single {word}: leaving out "
                       f"{' or '.join(block['depends_on'])} puts another metric first.")
    return out


def ranking_stability(data: JudgementSet, *, metrics=None, human: str | None = None,
                      settings: Settings | None = None, group_by: str | None = None,
                      **options) -> dict:
    """Leave-one-system-out and leave-one-group-out stability of the ranking of the primary
    coefficient at the first level, and subgroup flips between every two groups of
    ``group_by`` (default: ``settings.group_by``, else the data's first grouping column)."""
    settings = settings or Settings(**options)
    human, metrics = chosen_metrics(data, metrics, human)
    column = group_by or settings.group_by or (data.groups[0] if data.groups else None)
    if column is not None and column not in data.table.columns:
        raise ParameterError("group_by", column, f"not a column of the data; columns: "
                             f"{list(data.table.columns)}.")
    base = ranking_settings(settings)
    full = ranking(data, metrics, human, base)
    if full[2]:
        raise DataError(f"ranking stability needs the full ranking: {full[2]}")
    top = _top(full[0], metrics)
    blocks = [_leave_out(data, metrics, human, base, "system", None, full)]
    if column is not None and len(distinct(data.table[column])) > 1:
        blocks.append(_leave_out(data, metrics, human, base, "group", column, full))
    return {"coefficient": base.primary, "level": base.levels[0], "k": base.k, "seed": base.seed,
            "alpha": base.alpha, "ci": base.ci, "resample": base.resample, "group_by": column,
            "top": top, "full": [{"metric": m, "statistic": float(v), "best": bool(b)}
                                 for m, v, b in zip(metrics, full[0], full[1])],
            "leave_one_out": blocks, "flags": stability_flags(blocks, top),
            "subgroups": subgroup_flips(data, metrics, human, base, column)
            if column is not None else []}


def with_stability(result: CorrelationResult, data: JudgementSet, settings: Settings,
                   group_by: str | None = None) -> CorrelationResult:
    """The result with its ranking stability record (``result.stability``, results.json,
    the HTML report) and the stability settings in ``result.settings``."""
    record = ranking_stability(data, metrics=list(result.metrics), human=result.human,
                               settings=settings, group_by=group_by)
    result.stability = record
    result.settings["stability"] = {key: record[key] for key in
                                    ("coefficient", "level", "k", "seed", "alpha", "group_by")}
    shown = result.display_names.get(record["top"], record["top"]) if record["top"] else None
    result.notes.extend(f"ranking stability: {flag}"
                           for flag in stability_flags(record["leave_one_out"], shown))
    return result
