"""The seed of each task: reproducible, independent between tasks, and unchanged for the tasks of
a plain run (labels group, level, coefficient), which the meta-analysis and subgroup analyses
re-derive."""

from __future__ import annotations

import hashlib

from metaeval.correlation.taskset import Task


def task_seed(seed: int, *labels: object) -> int:
    """A seed per task: reproducible, and independent between tasks."""
    digest = hashlib.sha256(("|".join(map(str, (seed, *labels)))).encode()).digest()
    return int.from_bytes(digest[:4], "little")


def seed_labels(task: Task, human: str | None = None) -> tuple:
    """The labels of a task's seed: (group, level, coefficient) for the tasks of a plain run
    (their numbers stay what they were), plus every other field that is not the default (a gold
    other than the run's ``human``)."""
    extra = [f"gold={task.gold}"] if task.gold and task.gold != human else []
    extra += [f"table={task.table}"] if task.table != "cells" else []
    extra += [f"domain={task.domain}"] if task.domain else []
    extra += [f"{k}={v:g}" for k, v in task.arguments]
    return (task.group, task.level, task.coefficient, *extra)
