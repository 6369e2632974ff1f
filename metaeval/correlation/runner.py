"""Run the tasks of a task set: each task's cells, its statistics task, the rows and pairs.

For every :class:`~metaeval.correlation.taskset.Task` the source gives the judgement set of its
selection; the cells are checked once per selection (enough usable points, constant columns,
incomplete designs), then one job per task computes value, CI, p-value, chance baseline, noise
ceiling and the pairwise tests (:mod:`metaeval.correlation.tasks`) on worker threads
(:mod:`metaeval.correlation.scheduler`). Global accuracy (``pairwise_acc`` at level ``system``
over several language pairs) takes :mod:`metaeval.correlation.global_accuracy`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from metaeval.correlation.budget import task_seconds
from metaeval.correlation.ceiling import group_ceiling
from metaeval.correlation.draws import SharedDraws
from metaeval.correlation.global_accuracy import global_accuracy_rows, is_global_accuracy
from metaeval.correlation.seeds import seed_labels, task_seed
from metaeval.correlation.settings import Settings
from metaeval.correlation.tasks import TaskOutput, task_for
from metaeval.correlation.taskset import Task, TaskSet
from metaeval.errors import DataError, located
from metaeval.stats.coefficients import get_coefficient, with_arguments
from metaeval.stats.grouping import averaging
from metaeval.stats.spa import PATTERN_NOTE, differing_patterns


def check_usable(gold: np.ndarray, scores: np.ndarray, settings: Settings, group: str,
                 source: str | None) -> None:
    """A selection needs ``min_points`` cells with the human score and a metric score for at
    least one metric (each metric counts its own cells; a metric below the minimum gets NaN
    rows with the reason)."""
    usable = (np.isfinite(gold)[None] & np.isfinite(scores)).sum((1, 2))
    if usable.max(initial=0) < settings.min_points:
        where = f"group {group!r}" if group != "all" else "the data"
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


def cell_notes(gold: np.ndarray, scores: np.ndarray, metrics: list[str],
               soft_pairwise: bool = False) -> dict[str, str]:
    """{metric: note} for the metrics without a score on some cells that have a human score
    (``--missing drop``: those cells are left out), and for SPA the metrics whose systems then
    miss different segments (:data:`metaeval.stats.spa.PATTERN_NOTE`)."""
    present = np.isfinite(gold)
    valid = present[None] & np.isfinite(scores)
    lacking = (present[None] & ~valid).sum((1, 2))
    differ = differing_patterns(valid) if soft_pairwise else np.zeros(len(metrics), bool)
    notes = {}
    for m, name in enumerate(metrics):
        parts = ([f"no {name} score on {lacking[m]:,} of the {present.sum():,} cells with a "
                  "human score (left out: --missing drop)"] if lacking[m] else [])
        notes[name] = "; ".join(parts + ([PATTERN_NOTE] if differ[m] else []))
    return notes


def run_task(task: Task, gold, scores, metrics, part, ratings, settings: Settings,
             keep_null: bool, human: str | None = None,
             draws: SharedDraws | None = None) -> TaskOutput:
    """The rows (with the selection's noise ceiling) and metric pairs of one task (``human``:
    the run's human score, see :func:`seed_labels`; ``draws``: the bootstrap resamples the
    run's human columns share)."""
    out = TaskOutput()
    coef = with_arguments(get_coefficient(task.coefficient), **dict(task.arguments))
    job = task_for(coef)(gold, scores, metrics, coef, task.level, settings,
                         task_seed(settings.seed, *seed_labels(task, human)), out.notes.append,
                         keep_null=keep_null, draws=draws)
    task_rows, task_pairs = job.run()
    ceiling = group_ceiling(ratings, part, task.level, task.coefficient, settings,
                            task_seed(settings.seed, "ceiling", *seed_labels(task, human)),
                            out.notes, task.group)
    extra = {"task": task.name, "group": task.group}
    cells = cell_notes(gold, scores, metrics, coef.soft_pairwise)
    out.rows = [{**r, **extra, "ceiling": ceiling[0], "ceiling_low": ceiling[1],
                 "ceiling_high": ceiling[2],
                 "note": "; ".join(filter(None, [r.get("note", ""), cells.get(r["metric"])]))}
                for r in task_rows]
    out.pairs = [{**p, **extra} for p in task_pairs]
    out.null = job.null
    return out


def _averaged(average: str, *args) -> TaskOutput:
    """:func:`run_task` inside the ``average`` context."""
    with averaging(average):
        return run_task(*args)


def task_jobs(source, taskset: TaskSet, metrics: list[str], human: str, ratings,
              settings: Settings, notes: list[str], keep_null: bool,
              draws: SharedDraws | None = None):
    """(jobs, labels, costs): one job per task; each selection is checked once, its notes
    first; ``draws``: the bootstrap resamples shared by the run's human columns."""
    jobs, labels, costs, checked = [], [], [], set()
    for task in taskset.tasks:
        part = source.part(task)
        gold_name = task.gold or human
        gold, scores, _, _ = part.matrices(metrics, gold_name if gold_name in part.human
                                           else part.gold)
        key = (task.group, task.gold, task.table, task.domain)
        if key not in checked:
            checked.add(key)
            check_usable(gold, scores, settings, task.group, part.info.source)
            notes.extend(constant_warnings(task.group, gold, scores, metrics))
            if task.level == "system" and task.table == "cells":
                notes.extend(incomplete_design_warning(task.group, gold))
        if is_global_accuracy(task, part):
            jobs.append(partial(global_accuracy_rows, task, part, metrics, settings, keep_null))
        else:
            jobs.append(partial(_averaged, settings.average, task, gold, scores, metrics, part,
                                ratings, settings, keep_null, human, draws))
        labels.append(task.label)
        present = np.isfinite(gold)
        costs.append(task_seconds(int(present.sum()), task.level, task.coefficient,
                                  len(metrics), settings,
                                  (int(present.any(1).sum()), int(present.any(0).sum()))))
    return jobs, labels, costs
