"""`correlate`: the one call behind `metaeval correlate`.

For every group (each value of the grouping column, plus the pooled set ``all``), level and
coefficient it computes each metric's correlation with the human scores, a bootstrap confidence
interval, the analytic p-value where one exists, a chance baseline (permutation null), the noise
ceiling where individual ratings are known, and the PERM-BOTH significance of every metric pair,
from which it forms WMT-style significance clusters.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from metaeval.correlation.assemble import assemble
from metaeval.correlation.budget import group_shapes, preflight, task_seconds
from metaeval.correlation.ceiling import group_ceiling
from metaeval.correlation.pooled import pooled_pairwise_accuracy
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.correlation.scheduler import run_tasks
from metaeval.correlation.settings import Settings
from metaeval.correlation.tasks import task_for
from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError, ParameterError, located
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.grouping import averaging
from metaeval.stats.resampling import tail_warning

ProgressCallback = Callable[[str, int, int], None]


def task_seed(seed: int, *labels: object) -> int:
    """A seed per (group, level, coefficient): reproducible, and independent between tasks."""
    digest = hashlib.sha256(("|".join(map(str, (seed, *labels)))).encode()).digest()
    return int.from_bytes(digest[:4], "little")


def groups_of(js: JudgementSet, group_by: str | None, pooled: bool) -> list[tuple[str, JudgementSet]]:
    """(name, subset) per value of ``group_by`` in sorted order, then the pooled set ``all``."""
    if group_by is None:
        return [(POOLED, js)]
    if group_by not in js.table.columns:
        raise ParameterError("group_by", group_by, f"not a column of "
                             f"{js.info.source or 'the data'}; columns: {list(js.table.columns)}.")
    values = sorted(js.group_values(group_by), key=str)
    if pooled and POOLED in map(str, values):
        raise DataError(located(f"the group value {POOLED!r} is the name of the pooled group",
                                file=js.info.source or None, column=group_by,
                                fix="rename that value in the data, or leave out the pooled "
                                    "group (--no-pooled; Python: pooled=False)."))
    parts = [(str(v), js.subset(group_by, v)) for v in values]
    return parts + ([(POOLED, js)] if pooled else [])


def check_usable(gold: np.ndarray, scores: np.ndarray, settings: Settings, group: str,
                 source: str | None) -> None:
    """A group needs ``min_points`` cells with the human score and a metric score for at least
    one metric (each metric counts its own cells: with ``--missing drop`` metrics may miss
    different cells; a metric below the minimum gets NaN rows with the reason)."""
    usable = (np.isfinite(gold)[None] & np.isfinite(scores)).sum((1, 2))
    if usable.max(initial=0) < settings.min_points:
        where = f"group {settings.group_by}={group!r}" if settings.group_by else "the data"
        raise DataError(located(
            f"{where} has at most {int(usable.max(initial=0))} usable point(s) per metric "
            f"(human score and metric both present; need >= {settings.min_points})",
            file=source or None, fix="drop the group, choose another grouping, or score more "
                                     "cells."))


def constant_warnings(name: str, gold: np.ndarray, scores: np.ndarray,
                      metrics: list[str]) -> list[str]:
    """Notes for a constant human score or metric in a group (its correlations are NaN)."""
    out = []
    finite = gold[np.isfinite(gold)]
    if finite.size and np.ptp(finite) == 0:
        out.append(f"group {name}: the human scores are constant; correlations are undefined (NaN).")
    for m, metric in enumerate(metrics):
        values = scores[m][np.isfinite(scores[m])]
        if values.size and np.ptp(values) == 0:
            out.append(f"group {name}: metric {metric} is constant; its correlations are NaN.")
    return out


def incomplete_design_warning(name: str, gold: np.ndarray) -> list[str]:
    """A note when the systems of a group are averaged over different item sets (level system)."""
    present = np.isfinite(gold)
    rated = present[present.any(1)]
    if len(rated) < 2 or (rated == rated[0]).all():
        return []
    counts = rated.sum(1)
    return [f"group {name}: at level system the systems are averaged over different item sets "
            f"({int(counts.min())} to {int(counts.max())} items per system, "
            f"{int(present.any(0).sum())} items in all; incomplete design): a system mean also "
            "reflects which items it got."]


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


def run_task(gold, scores, metrics, part, ratings, settings: Settings, group_name: str,
             level: str, coefficient: str, notes: list[str]) -> tuple[list[dict], list[dict]]:
    """The rows (with the group's noise ceiling) and metric pairs of one (group, level,
    coefficient)."""
    coef = get_coefficient(coefficient)
    task = task_for(coef)(gold, scores, metrics, coef, level, settings,
                          task_seed(settings.seed, group_name, level, coefficient), notes.append)
    task_rows, task_pairs = task.run()
    ceiling = group_ceiling(ratings, part, level, coefficient, settings,
                            task_seed(settings.seed, "ceiling", group_name, level, coefficient),
                            notes, group_name)
    rows = [{**r, "group": group_name, "ceiling": ceiling[0], "ceiling_low": ceiling[1],
             "ceiling_high": ceiling[2]} for r in task_rows]
    return rows, [{**p, "group": group_name} for p in task_pairs]


def _averaged(average: str, *args):
    """:func:`run_task` inside the ``--average`` context."""
    with averaging(average):
        return run_task(*args)


def _tasks(data, parts, metrics, human, ratings, settings, notes):
    """Every (group, level, coefficient) task as a job, with its label, its own notes list and
    its estimated cost; the groups' data checks and notes first."""
    jobs, labels, task_notes, costs = [], [], [], []
    for group_name, part in parts:
        gold, scores, _, _ = part.matrices(metrics, human)
        check_usable(gold, scores, settings, group_name, data.info.source)
        notes.extend(constant_warnings(group_name, gold, scores, metrics))
        if "system" in settings.levels:
            notes.extend(incomplete_design_warning(group_name, gold))
        for level in settings.levels:
            for coefficient in settings.coefficients:
                task_notes.append([])
                jobs.append(partial(_averaged, settings.average, gold, scores, metrics, part,
                                    ratings, settings, group_name, level, coefficient,
                                    task_notes[-1]))
                labels.append(f"{group_name} · {level} · {coefficient}")
                costs.append(task_seconds(int(np.isfinite(gold).sum()), level, coefficient,
                                          len(metrics), settings))
    return jobs, labels, task_notes, costs


def correlate(data: JudgementSet, *, metrics: Sequence[str] | None = None, human: str | None = None,
              settings: Settings | None = None, progress: ProgressCallback | None = None,
              note: str = "", force: bool = False,
              announce: Callable[[str], None] | None = None, workers: int | None = None,
              **options) -> CorrelationResult:
    """Correlate every metric with the human scores, with CIs, significance and clusters.

    ``settings`` (or its fields as keywords: ``coefficients``, ``levels``, ``group_by``, ``k``,
    ``seed``, ``ci``, ``significance`` ...; see :class:`Settings`) fix everything that changes
    the numbers. Groups are reported in sorted order, then the pooled group ``all``. ``note``:
    what the protocol wants a reader to know (shown in the methods text). Before computing,
    the cost is estimated (:mod:`metaeval.correlation.budget`): ``announce`` receives the
    estimate of a long run; a run over the budget is refused unless ``force``. ``workers``:
    threads for the tasks (default: the cores, at most 4; :mod:`metaeval.correlation.scheduler`);
    the numbers do not depend on it.

    Example::

        from metaeval import correlate, load_gensvs
        result = correlate(load_gensvs(), metrics=["sdr", "multi_res_loss"], group_by="model_type",
                           k=200)
        print(result)
    """
    settings = settings or Settings(**options)
    human, metrics = chosen_metrics(data, metrics, human)
    notes: list[str] = [w for w in [tail_warning(settings.k, settings.ci)] if w]
    rows: list[dict] = []
    pairs: list[dict] = []
    ratings = data.individual_ratings() if settings.ceiling else None
    parts = groups_of(data, settings.group_by, settings.pooled)
    shapes = group_shapes([(name, part.matrices(metrics[:1], human)[0]) for name, part in parts])
    for line in preflight(shapes, len(metrics), settings, force):
        (announce or notes.append)(line)
    jobs, labels, task_notes, costs = _tasks(data, parts, metrics, human, ratings, settings, notes)
    with warnings.catch_warnings():  # here, not in the workers: the filters are global
        warnings.simplefilter("ignore", RuntimeWarning)
        results = run_tasks(jobs, labels, workers, progress, costs)
    for (task_rows, task_pairs), task_note in zip(results, task_notes):
        rows += task_rows
        pairs += task_pairs
        notes.extend(task_note)
    if progress:
        progress("done", len(jobs), len(jobs))
    if settings.group_by and "pairwise_acc" in settings.coefficients and "system" in settings.levels:
        rows.extend(pooled_pairwise_accuracy(parts[:-1] if settings.pooled else parts, metrics,
                                             human))
    result = assemble(data, human, metrics, settings, rows, pairs, notes)
    result.settings["note"] = note
    return result
