"""Calling a metric on a batch without letting one item sink the run.

:func:`outcomes` returns one :class:`Outcome` per item: a finite score (with the metric's details
for it), or a reason. If the batch call raises, its items are retried one by one, so one bad item
costs only its own score; except `ModelUnavailable` (the metric's model cannot be loaded, so no
item can be scored), which is raised and stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from metaeval.errors import MetaevalError, MetricError, ModelUnavailable
from metaeval.metrics.base import Batch, Metric

MAX_REASON = 300


@dataclass(frozen=True)
class Outcome:
    """A score (None when missing), the reason it is missing, and the metric's details."""

    value: float | None
    reason: str = ""
    details: Any = None


def reason_of(error: BaseException) -> str:
    """One short line: the message of a metaeval error, else ``Type: message``."""
    text = str(error) if isinstance(error, MetaevalError) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 3] + "..."


def _call(metric: Metric, batch: Batch) -> tuple[np.ndarray, list[Any]]:
    values, details = metric.score_with_details(batch)
    values = np.asarray(values, dtype=float).reshape(-1)
    if len(values) != len(batch) or len(details) != len(batch):
        raise MetricError(f"metric {metric.name!r} returned {len(values)} scores for "
                          f"{len(batch)} items")
    return values, list(details)


def _outcome(value: float, details: Any) -> Outcome:
    if np.isfinite(value):
        return Outcome(float(value), "", details)
    if isinstance(details, dict) and details.get("error"):
        return Outcome(None, " ".join(str(details["error"]).split())[:MAX_REASON], details)
    return Outcome(None, f"returned {value} (no defined score)", details)


def outcomes(metric: Metric, batch: Batch) -> list[Outcome]:
    """One outcome per item of ``batch``; a failed batch is retried item by item."""
    try:
        values, details = _call(metric, batch)
    except ModelUnavailable:  # no item can be scored: the run stops with the one-line fix
        raise
    except Exception as error:
        if len(batch) == 1:
            return [Outcome(None, reason_of(error))]
        return [outcomes(metric, batch.subset([i]))[0] for i in range(len(batch))]
    return [_outcome(v, d) for v, d in zip(values, details)]
