"""``aggregate_humans="mean-of-correlations"``: the mean over several human columns of each
metric's correlation, as one more result of the run (human ``mean(<cols>)``, after the columns'
own in the :class:`~metaeval.correlation.humans.HumanResults`: a section and rows of their own
in the one report folder).

Multi-aspect benchmarks publish one number per metric: the mean of its correlations with each
human aspect (TIGERScore's WebNLG-2020 Data2Text column: five aspects, pooled Kendall tau-b;
:data:`metaeval.correlation.protocols.DEFAULTS` ``tigerscore``). Every human column is run as
usual (:func:`metaeval.correlation.run`); the mean of their values is the statistic, and its
interval comes from the joint bootstrap: each task draws the same k resamples of the cells for
every human column (the task's seed does not depend on the human column, and the cells are the
same), so draw d of the mean is the mean of the columns' draws d, and the percentile interval
is taken over those means. The aggregated rows carry no p-value, cluster, chance baseline or
noise ceiling (none is defined for a mean of correlations); the note says so.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from metaeval.correlation.assemble import settings_record
from metaeval.correlation.humans import HumanResults
from metaeval.correlation.result import PAIRWISE_COLUMNS, CorrelationResult
from metaeval.correlation.seeds import seed_labels, task_seed
from metaeval.correlation.settings import Settings
from metaeval.correlation.signature import run_signature
from metaeval.correlation.sources import JudgementData
from metaeval.correlation.taskset import Task
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.grouping import averaging
from metaeval.stats.resampling import bootstrap_indices, percentile_bounds, resampled_correlations

MEAN = "mean-of-correlations"
BLANK = ("pvalue", "cluster", "chance_low", "chance_high", "ceiling", "ceiling_low",
         "ceiling_high", "epsilon")


def mean_name(humans: list[str]) -> str:
    """The human name of the aggregated rows: ``mean(a,b,c)``."""
    return f"mean({','.join(humans)})"


def check_aggregation(settings: Settings, humans: list[str], js: JudgementSet) -> None:
    """Several known human columns, a plain run, percentile intervals (before computing)."""
    if len(humans) < 2:
        raise ParameterError("aggregate_humans", settings.aggregate_humans, "averages the "
                             "correlations with several human columns; one was given.",
                             "give several --human columns (Python: human=[...]).")
    unknown = [h for h in humans if h not in js.human]
    if unknown:
        raise ParameterError("human", ",".join(unknown), f"not a human score column; choose "
                             f"from {js.human}.")
    if settings.k > 0 and settings.ci_method != "percentile":
        raise ParameterError("ci_method", settings.ci_method, "the mean of correlations has "
                             "percentile intervals from the joint bootstrap only.",
                             "leave --ci-method percentile.")


def joint_draws(js: JudgementSet, task: Task, humans: list[str], metrics: list[str],
                settings: Settings) -> np.ndarray:
    """(H, M, k) draws of the task for every human column, on the same resamples."""
    part = JudgementData(js, settings.group_by, settings.pooled).part(task)
    coef = get_coefficient(task.coefficient)
    out = []
    for human in humans:
        gold, scores, _, _ = part.matrices(metrics, human)
        seed = task_seed(settings.seed, *seed_labels(replace(task, gold=human), human))
        indices = bootstrap_indices(*gold.shape, k=settings.k, seed=seed,
                                    resample=settings.resample)
        with averaging(settings.average):
            out.append(resampled_correlations(gold, scores, coef, task.level, indices))
    return np.stack(out)


def mean_rows(js: JudgementSet, results: dict[str, CorrelationResult], metrics: list[str],
              settings: Settings) -> pd.DataFrame:
    """The rows of the mean: per (group, level, coefficient, metric) the mean statistic and
    its joint-bootstrap interval."""
    humans = list(results)
    tables = [results[h].table.reset_index(drop=True) for h in humans]
    rows = tables[0].copy()
    stacked = np.stack([t["statistic"].to_numpy(float) for t in tables])
    rows["statistic"] = stacked.mean(0)  # NaN when some human column has none
    rows["ci_low"] = rows["ci_high"] = np.nan
    for column in BLANK:
        rows[column] = np.nan
    name = mean_name(humans)
    rows["task"] = [t.replace(f"gold={humans[0]};", f"gold={name};") for t in rows["task"]]
    note = (f"mean of the correlations with {', '.join(humans)}; no p-value, cluster, chance "
            "baseline or ceiling for a mean")
    if settings.k > 0:
        note += (f"; {100 * settings.ci:g}% interval from the joint bootstrap ({settings.k} "
                 "resamples shared by every human column)")
        for task_name, at in rows.groupby("task", sort=False).groups.items():
            task = Task.parse(task_name.replace(f"gold={name};", f"gold={humans[0]};"))
            draws = joint_draws(js, task, humans, metrics, settings).mean(0)  # (M, k)
            low, high = percentile_bounds(draws, settings.ci)
            order = [metrics.index(m) for m in rows.loc[at, "metric"]]
            rows.loc[at, "ci_low"], rows.loc[at, "ci_high"] = low[order], high[order]
    rows["note"] = note
    return rows


def mean_of_correlations(js: JudgementSet, results: dict[str, CorrelationResult],
                         metrics: list[str], settings: Settings) -> CorrelationResult:
    """The result of the mean over the human columns of ``results`` (one plain run each, with
    the same settings): its own human ``mean(<cols>)``, table, signature and note."""
    first = next(iter(results.values()))
    name = mean_name(list(results))
    table = mean_rows(js, results, metrics, settings)
    signature = first.signature.replace(human=name, aggregate_humans=MEAN)
    record = {**settings_record(signature, settings, js, metrics, next(iter(results))),
              "aggregate_humans": MEAN, "humans": list(results)}
    points = first.points.iloc[:0].rename(columns={first.human: name})  # no one human's cells
    return replace(first, table=table, pairwise=pd.DataFrame(columns=PAIRWISE_COLUMNS),
                   points=points, human=name, signature=signature, settings=record,
                   notes=[*first.notes, table["note"].iloc[0]] if len(table) else first.notes,
                   disagreements=None, stability=None, power=None, draws=None, meta=None,
                   group_draws=None, per_item=None)


def humans_with_mean(results: list[CorrelationResult], js: JudgementSet, metrics: list[str],
                     settings: Settings) -> HumanResults:
    """The run of the human columns' ``results`` (one plain run each) with their mean added
    last; the run's signature lists the columns and names the aggregation."""
    by_human = {r.human: r for r in results}
    mean = mean_of_correlations(js, by_human, metrics, settings)
    signature = run_signature([r.signature for r in results]).replace(aggregate_humans=MEAN)
    return HumanResults({**by_human, mean.human: mean}, signature)
