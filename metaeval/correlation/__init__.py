"""Correlation of metrics with human judgement: settings, tasks, result, the `correlate` call."""

from metaeval.correlation.api import correlate, run, task_seed
from metaeval.correlation.humans import HumanResults
from metaeval.correlation.inputs import judgements, load_with_scores
from metaeval.correlation.result import (
    PAIRWISE_COLUMNS,
    POOLED,
    TABLE_COLUMNS,
    CorrelationResult,
)
from metaeval.correlation.settings import SIGNIFICANCE, Settings
from metaeval.correlation.taskset import Task, TaskSet

__all__ = ["PAIRWISE_COLUMNS", "POOLED", "SIGNIFICANCE", "TABLE_COLUMNS", "CorrelationResult",
           "HumanResults", "Settings", "Task", "TaskSet", "correlate", "judgements", "load_with_scores", "run",
           "task_seed"]
