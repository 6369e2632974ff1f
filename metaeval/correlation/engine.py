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
from metaeval.correlation.ceiling import human_ratings
from metaeval.correlation.draws import SharedDraws
from metaeval.correlation.pooled import pooled_pairwise_accuracy
from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.runner import task_jobs
from metaeval.correlation.scheduler import run_tasks
from metaeval.correlation.settings import Settings
from metaeval.correlation.sources import JudgementData
from metaeval.correlation.taskset import Task, TaskSet
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError, unknown_names
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.resampling import tail_warning

ProgressCallback = Callable[[str, int, int], None]


def checked_human(data: JudgementSet, human: str | None) -> str:
    """``human`` (default: the set's default score), checked to be a human score column."""
    human = human or data.gold
    if human not in data.human:
        raise ParameterError("human", human, f"not a human score column; choose from {data.human}.")
    return human


def chosen_metrics(data: JudgementSet, metrics: Sequence[str] | None, human: str | None) -> tuple:
    """(human column, metric list) checked against the judgement set."""
    human = checked_human(data, human)
    metrics = list(metrics) if metrics is not None else data.metric_names
    repeated = list(dict.fromkeys(m for m in metrics if metrics.count(m) > 1))
    if repeated:
        raise ParameterError("metrics", ",".join(metrics), f"{', '.join(repeated)} given twice; "
                             "list each metric once.")
    unknown = [m for m in metrics if m not in data.metrics]
    if unknown:
        raise unknown_names("metrics", unknown, data.metric_names)
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


def chosen_humans(data: JudgementSet, humans: Sequence[str | None] | None) -> list[str]:
    """The human columns of a run (default: the set's default score), each checked once."""
    humans = list(humans or [None])
    names = [checked_human(data, h) for h in humans]
    repeated = list(dict.fromkeys(h for h in names if names.count(h) > 1))
    if repeated:
        raise ParameterError("human", ",".join(names), f"{', '.join(repeated)} given twice; "
                             "list each human score once.")
    return names


def compute(source, taskset: TaskSet | None, *, metrics: Sequence[str] | None = None,
            human: str | None = None, settings: Settings, progress: ProgressCallback | None = None,
            note: str = "", force: bool = False, announce: Callable[[str], None] | None = None,
            workers: int | None = None) -> CorrelationResult:
    """Every task of ``taskset`` (default: the settings' groups x levels x coefficients) on
    ``source`` (a judgement set, or a :mod:`~metaeval.correlation.sources` source)."""
    return compute_humans(source, taskset, metrics=metrics, humans=[human], settings=settings,
                          progress=progress, note=note, force=force, announce=announce,
                          workers=workers)[0]


def compute_humans(source, taskset: TaskSet | None, *, metrics: Sequence[str] | None = None,
                   humans: Sequence[str | None] | None = None, settings: Settings,
                   progress: ProgressCallback | None = None, note: str = "",
                   force: bool = False, announce: Callable[[str], None] | None = None,
                   workers: int | None = None) -> list[CorrelationResult]:
    """:func:`compute` for each of ``humans`` (default: the set's default score) as one run:
    every human column and metric is checked and the cost of the whole run estimated (and
    announced) once before anything is computed; the tasks of every human run as one batch
    (one progress count), each task's bootstrap resamples drawn once for all humans
    (:mod:`metaeval.correlation.draws`). A human's result is the same, bit for bit, as a
    run with that human alone."""
    if isinstance(source, JudgementSet):
        source = JudgementData(source, settings.group_by, settings.pooled)
    js = source.primary
    humans = chosen_humans(js, humans)
    metrics = chosen_metrics(js, metrics, humans[0])[1]
    plain = taskset is None
    base = taskset or TaskSet.cross(source.groups(), settings.levels, settings.coefficients)
    scale_notes = {h: same_scale_notes(js, metrics, base.coefficients, h) for h in humans}
    if not plain:  # every task of a task set is tested (unless significance is none)
        settings = replace(settings, coefficients=base.coefficients, levels=base.levels,
                           significance="none" if settings.significance == "none" else "all")
    tasksets = [base.with_gold(h) for h in humans]
    run_notes: list[str] = [w for w in [tail_warning(settings.k, settings.ci) if settings.k else
                                        "k = 0: point values only (no interval, chance "
                                        "baseline or test)."] if w]
    work = [w for h, ts in zip(humans, tasksets) for w in _costs(source, ts, metrics, h)]
    for line in preflight([], len(metrics), settings, force, work):
        (announce or run_notes.append)(line)
    draws = SharedDraws(len(humans))
    plans, jobs, labels, costs = [], [], [], []
    for human, ts in zip(humans, tasksets):
        notes = list(run_notes) + scale_notes[human]
        ratings = human_ratings(js, human) if settings.ceiling else None
        more = task_jobs(source, ts, metrics, human, ratings, settings, notes,
                         bool(ts.weights), draws)
        plans.append((human, ts, notes, len(jobs), len(jobs) + len(more[0])))
        jobs += more[0]
        labels += [f"{human}: {label}" if len(humans) > 1 else label for label in more[1]]
        costs += more[2]
    with warnings.catch_warnings():  # here, not in the workers: the filters are global
        warnings.simplefilter("ignore", RuntimeWarning)
        outputs = run_tasks(jobs, labels, workers, progress, costs)
    if progress:
        progress("done", len(jobs), len(jobs))
    return [_result(source, human, metrics, settings, ts, outputs[first:last], notes,
                    note, plain) for human, ts, notes, first, last in plans]


def _result(source, human: str, metrics: list[str], settings: Settings, taskset: TaskSet,
            outputs: list, notes: list[str], note: str, plain: bool) -> CorrelationResult:
    """One human column's result from the outputs of its tasks."""
    js = source.primary
    rows = [r for out in outputs for r in out.rows]
    pairs = [p for out in outputs for p in out.pairs]
    notes = notes + [n for out in outputs for n in out.notes]
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
