"""How a level arranges system x item matrices into the vectors that are correlated.

``gold`` and ``metric`` have shape (..., S, I); leading axes are batch (draw) axes
(Deutsch, Dror & Roth 2021; mt-metrics-eval):

- ``system``: one score per system: gold averaged over its rated items, metric averaged over the
  same gold-covered items; one correlation over S systems.
- ``item`` (group-by-item): correlate across systems within each item, then average the items.
- ``sys`` (group-by-system): correlate across items within each system, then average.
- ``none`` (pooled): flatten the matrix and correlate all cells.

When averaging, NaN correlations (constant vectors, fewer than two values) are dropped, as in
mt-metrics-eval, or counted as 0 with ``nan_as_zero=True``. The average is the mean, or the median
of the per-group correlations inside ``with averaging("median"):`` (studies of within-song
correlations report both); every engine path (bootstrap, permutation, fast paths) averages through
:func:`average_correlations`, so one setting changes them all.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.vocabulary import AVERAGES, LEVELS

_AVERAGE: ContextVar[str] = ContextVar("metaeval_average", default="mean")


def check_level(level: str) -> str:
    """``level`` if it is one of :data:`LEVELS`, else a `ParameterError`."""
    if level not in LEVELS:
        raise ParameterError("level", level, f"unknown level; choose from {', '.join(LEVELS)}.")
    return level


def system_scores(gold: np.ndarray, metric: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-system means over the items where both gold and metric are present: (..., S)."""
    valid = np.isfinite(gold) & np.isfinite(metric)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.where(valid, gold, 0.0).sum(-1) / n
        m = np.where(valid, metric, 0.0).sum(-1) / n
    return np.where(n > 0, g, np.nan), np.where(n > 0, m, np.nan)


@contextmanager
def averaging(how: str) -> Iterator[None]:
    """Inside the block, :func:`average_correlations` takes the ``mean`` or the ``median``."""
    if how not in AVERAGES:
        raise ParameterError("average", how, f"unknown average; choose from {', '.join(AVERAGES)}.")
    token = _AVERAGE.set(how)
    try:
        yield
    finally:
        _AVERAGE.reset(token)


def current_average() -> str:
    """``mean`` or ``median``: how per-group correlations are averaged here (see :func:`averaging`)."""
    return _AVERAGE.get()


def average_correlations(values: np.ndarray, nan_as_zero: bool = False) -> np.ndarray:
    """Mean (or median, see :func:`averaging`) over the last axis, dropping NaN correlations
    (or counting them as 0)."""
    if nan_as_zero:
        values = np.nan_to_num(values, nan=0.0)
    if _AVERAGE.get() == "median":
        with warnings.catch_warnings():  # a row of NaN only: NaN, without a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(values, axis=-1)
    if nan_as_zero:
        return values.mean(-1)
    finite = np.isfinite(values)
    n = finite.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, values, 0.0).sum(-1) / n
    return np.where(n > 0, mean, np.nan)


def level_groups(x: np.ndarray, level: str) -> np.ndarray:
    """(..., S, I) -> (..., G, n): items x systems for ``item``, systems x items for ``sys``,
    one group of all cells for ``none``."""
    if level == "item":
        return np.swapaxes(x, -1, -2)
    if level == "sys":
        return x
    return x.reshape(x.shape[:-2] + (1, -1))


def group_vectors(gold: np.ndarray, metric: np.ndarray, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Arrange the matrices so that the last axis holds the vectors to correlate.

    Returns arrays of shape (..., G, n) for ``item`` (G = items, n = systems) and ``sys``
    (G = systems, n = items), and (..., n) for ``none`` and ``system``.
    """
    check_level(level)
    gold, metric = np.broadcast_arrays(np.asarray(gold, float), np.asarray(metric, float))
    if level == "none":
        shape = gold.shape[:-2] + (-1,)
        return gold.reshape(shape), metric.reshape(shape)
    if level == "system":
        return system_scores(gold, metric)
    return level_groups(gold, level), level_groups(metric, level)
