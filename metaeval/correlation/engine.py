"""`compute`: the statistics of a task set on a source, as a `CorrelationResult` (no extras).

The public calls (:func:`metaeval.correlation.api.run`, :func:`~metaeval.correlation.api.correlate`)
add what the settings ask for after it (stability, stored draws, meta-analysis, power); the
analyses that recompute rankings (stability, subgroups) call :func:`compute` directly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace

from metaeval.correlation.assemble import assemble
from metaeval.correlation.averages import average_table
from metaeval.correlation.budget import preflight, shape_of
from metaeval.correlation.pooled import pooled_pairwise_accuracy
from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.runner import task_jobs
from metaeval.correlation.scheduler import run_tasks
from metaeval.correlation.settings import Settings
from metaeval.correlation.sources import JudgementData
from metaeval.correlation.taskset import Task, TaskSet
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.resampling import tail_warning

ProgressCallback = Callable[[str, int, int], None]


def chosen_metrics(data: JudgementSet, metrics: Sequence[str] | None, human: str | None) -> tuple:
    """(human column, metric list) checked against the judgement set."""
    human = human or data.gold
    if human not in data.human:
        raise ParameterError("human", human, f"not a human score column; choose from {data.human}.")
    metrics = list(metrics) if metrics is not None else data.metric_names
    repeated = list(dict.fromkeys(m for m in metrics if metrics.count(m) > 1))
    if repeated:
        raise ParameterError("metrics", ",".join(metrics), f"{', '.join(repeated)} given twice; "
                             "list each metric once.")
    unknown = [m for m in metrics if m not in data.metrics]
    if unknown:
        raise ParameterError("metrics", ",".join(unknown), f"unknown metric(s); the data has "
                             f"{data.metric_names}.")
    if not metrics:
        raise ParameterError("metrics", "", "no metric columns to correlate. Fix: name them.")
    return human, metrics


def same_scale_notes(js: JudgementSet, metrics: list[str], coefficients,
                     human: str) -> list[str]:
    """The note of a coefficient that compares metric and human values directly (MSE); a
    sign-flipped (lower-is-better) metric is refused for it, before any computation."""
    notes = []
    for name in coefficients:
        coef = get_coefficient(name)
        if not coef.same_scale:
            continue
        flipped = [m for m in metrics if js.metrics[m].direction == "lower"]
        if flipped:
            raise ParameterError("metrics", ",".join(flipped), f"{name} compares the metric's "
                                 "values with the human scores, so it needs a metric on the "
                                 "human scale; these are lower-is-better (sign-flipped).",
                                 f"leave them out, or use a correlation instead of {name}.")
        notes.append(f"{name} is not scale-free: it compares each metric's values with the "
                     f"human scores ({human}) directly, "
                     "so it is meaningful only when both are on the same scale (e.g. a MOS "
                     "predictor against MOS on 1-5); lower is better (clusters and ranks follow "
                     "it).")
    return notes


def _costs(source, taskset: TaskSet, metrics: list[str], human: str) -> list:
    """(cells, systems, items, level, coefficient) per task, for the cost estimate."""
    shapes = {}
    work = []
    for task in taskset.tasks:
        key = (task.group, task.gold, task.table, task.domain)
        if key not in shapes:
            part = source.part(task)
            shapes[key] = shape_of(part.matrices(metrics[:1], task.gold or human
                                                 if (task.gold or human) in part.human
                                                 else part.gold)[0])
        work.append((*shapes[key], task.level, task.coefficient))
    return work


def compute(source, taskset: TaskSet | None, *, metrics: Sequence[str] | None = None,
            human: str | None = None, settings: Settings, progress: ProgressCallback | None = None,
            note: str = "", force: bool = False, announce: Callable[[str], None] | None = None,
            workers: int | None = None) -> CorrelationResult:
    """Every task of ``taskset`` (default: the settings' groups x levels x coefficients) on
    ``source`` (a judgement set, or a :mod:`~metaeval.correlation.sources` source)."""
    if isinstance(source, JudgementSet):
        source = JudgementData(source, settings.group_by, settings.pooled)
    js = source.primary
    human, metrics = chosen_metrics(js, metrics, human)
    plain = taskset is None
    taskset = (taskset or TaskSet.cross(source.groups(), settings.levels,
                                        settings.coefficients)).with_gold(human)
    scale_notes = same_scale_notes(js, metrics, taskset.coefficients, human)
    if not plain:  # every task of a task set is tested (unless significance is none)
        settings = replace(settings, coefficients=taskset.coefficients, levels=taskset.levels,
                           significance="none" if settings.significance == "none" else "all")
    notes: list[str] = [w for w in [tail_warning(settings.k, settings.ci) if settings.k else
                                    "k = 0: point values only (no interval, chance baseline or "
                                    "test)."] if w] + scale_notes
    for line in preflight([], len(metrics), settings, force, _costs(source, taskset, metrics,
                                                                    human)):
        (announce or notes.append)(line)
    ratings = js.individual_ratings() if settings.ceiling else None
    keep_null = bool(taskset.weights)
    jobs, labels, costs = task_jobs(source, taskset, metrics, human, ratings, settings, notes,
                                    keep_null)
    with warnings.catch_warnings():  # here, not in the workers: the filters are global
        warnings.simplefilter("ignore", RuntimeWarning)
        outputs = run_tasks(jobs, labels, workers, progress, costs)
    if progress:
        progress("done", len(jobs), len(jobs))
    rows = [r for out in outputs for r in out.rows]
    pairs = [p for out in outputs for p in out.pairs]
    notes += [n for out in outputs for n in out.notes]
    if plain and settings.group_by and "pairwise_acc" in settings.coefficients \
            and "system" in settings.levels:
        groups = [g for g in source.groups() if g != "all"]
        rows.extend(pooled_pairwise_accuracy(
            [(g, source.part(Task("pairwise_acc", "system", g))) for g in groups], metrics,
            human))
    carried = source.carried_out()
    if not plain:
        carried.update(protocol=taskset.protocol, tasks=taskset.names, weights=taskset.weights)
    result = assemble(js, human, metrics, settings, rows, pairs, notes, **carried)
    result.settings["note"] = note or taskset.note
    if taskset.weights:
        result.averages, more = average_table(result.table, taskset,
                                              {t.name: o.null for t, o in
                                               zip(taskset.tasks, outputs)}, metrics, settings)
        result.notes.extend(more)
    return result
