"""Averages over the tasks of a weighted task set (mt-metrics-eval ``TaskSetResults``).

- **average**: each task's value rescaled to [0, 1] by its range, ``(v - lo) / (hi - lo)``
  (``(r + 1) / 2`` for correlations, accuracies as they are), weighted by the task set's
  weights and summed, over the metrics that have a value in every task (``AverageCorrs``);
- **rank**: the weighted average of each task's significance-cluster rank (``AverageRanks``);
  when a task ran no tests (k = 0, significance none) its rank is the metric's position by
  value, as mt-metrics-eval's ranks of an empty significance matrix;
- **significance of the average** (``AverageCorrMatrix``): for metrics a, b the null draws of
  every task's test of a against b, rescaled like the values and summed with the weights, against
  the observed difference of the averages: p = (#{null >= observed} + 1) / (k + 1); then
  clusters as in every task (:func:`metaeval.stats.clusters.significance_clusters`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.settings import Settings
from metaeval.correlation.taskset import TaskSet
from metaeval.stats.clusters import significance_clusters

AVERAGE_COLUMNS = ["metric", "average", "rank", "cluster", "pvalue_next"]
TIE_TOLERANCE = 1e-12


def _task_values(table: pd.DataFrame, taskset: TaskSet, metrics: list[str]):
    """(values (T, M), ranks (T, M)) from the task rows."""
    values = np.full((len(taskset.tasks), len(metrics)), np.nan)
    ranks = np.full_like(values, np.nan)
    for t, task in enumerate(taskset.tasks):
        rows = table[table["task"] == task.name].set_index("metric")
        for m, metric in enumerate(metrics):
            if metric in rows.index:
                values[t, m] = rows.loc[metric, "statistic"]
                cluster = rows.loc[metric, "cluster"]
                ranks[t, m] = np.nan if pd.isna(cluster) else float(cluster)
        if np.isnan(ranks[t]).all():  # no tests: rank by value (then name), one rank each
            order = sorted(range(len(metrics)), key=lambda m: (-values[t, m], metrics[m]))
            for position, m in enumerate(order):
                ranks[t, m] = position + 1 if np.isfinite(values[t, m]) else np.nan
    return values, ranks


def _null(taskset: TaskSet, null: dict, a: int, b: int, k: int) -> np.ndarray | None:
    """The weighted, rescaled null differences of metrics a and b summed over the tasks."""
    total = np.zeros(k)
    for task, weight in zip(taskset.tasks, taskset.weights):
        draws = null.get(task.name, {})
        pair = draws.get((a, b)) if a < b else draws.get((b, a))
        if pair is None:
            return None
        lo, hi = task.range
        total += weight * (pair if a < b else -pair) / (hi - lo)
    return total


def average_table(table: pd.DataFrame, taskset: TaskSet, null: dict, metrics: list[str],
                  settings: Settings) -> tuple[pd.DataFrame, list[str]]:
    """(averages, notes): one row per metric with a value in every task, best first."""
    values, ranks = _task_values(table, taskset, metrics)
    weights = np.array(taskset.weights)[:, None]
    bounds = np.array([t.range for t in taskset.tasks])
    scaled = (values - bounds[:, :1]) / (bounds[:, 1:] - bounds[:, :1])
    complete = np.isfinite(values).all(0)
    average = (weights * scaled).sum(0)
    rank = (weights * ranks).sum(0)
    order = sorted(np.flatnonzero(complete), key=lambda m: (-average[m], metrics[m]))
    notes = [f"average over tasks: {metrics[m]} is left out (no value in every task)."
             for m in np.flatnonzero(~complete)]
    p = np.full((len(order), len(order)), np.nan)
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            if i < j and settings.k > 0:
                draws = _null(taskset, null, a, b, settings.k)
                if draws is not None:
                    observed = average[a] - average[b]
                    p[i, j] = ((draws >= observed - TIE_TOLERANCE).sum() + 1) / (settings.k + 1)
                    p[j, i] = ((draws <= observed + TIE_TOLERANCE).sum() + 1) / (settings.k + 1)
    tested = len(order) > 1 and np.isfinite(p[~np.eye(len(order), dtype=bool)]).all()
    clusters = (significance_clusters(average[order], p, alpha=settings.alpha) if tested
                else np.full(len(order), np.nan))
    if len(order) > 1 and not tested:
        notes.append("average over tasks: no significance clusters (the tasks ran no tests: "
                     "k = 0 or significance none).")
    rows = [{"metric": metrics[m], "average": float(average[m]), "rank": float(rank[m]),
             "cluster": clusters[i], "pvalue_next": float(p[i, i + 1]) if i + 1 < len(order)
             else np.nan} for i, m in enumerate(order)]
    frame = pd.DataFrame(rows, columns=AVERAGE_COLUMNS)
    frame["cluster"] = frame["cluster"].astype("Int64")
    return frame, notes
