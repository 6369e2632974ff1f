"""Draws shared by the human columns of one run.

A task's draws depend on its seed (:func:`metaeval.correlation.seeds.task_seed`: group, level,
coefficient, never the human column a plain run correlates with) and on the shape of the
data set, not on the gold scores. A run over several human columns therefore draws the
bootstrap resamples of each task once (:class:`SharedDraws`) and applies them to every human
column: the humans' intervals come from the same resampled (system, item) indices, and a human's
numbers are bit for bit those of a run with that human alone.

PERM-BOTH swap masks and chance-baseline orders are drawn inside
:func:`metaeval.stats.perm_both` and :func:`metaeval.stats.chance_baselines` from the same task
seed for every human column, so they are the same draws for every human (where the valid cells
coincide), drawn once per human.

:func:`bootstrap_interval` is :func:`metaeval.stats.bootstrap_ci` on given indices (the same
calls in the same order; a test checks the two agree bit for bit).
"""

from __future__ import annotations

import threading

import numpy as np

from metaeval.stats.coefficients import Coefficient
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.resampling import (
    BootstrapIndices,
    acceleration,
    bca_bounds,
    bootstrap_indices,
    jackknife_correlations,
    percentile_bounds,
    resampled_correlations,
)


class SharedDraws:
    """Bootstrap indices per (shape, k, seed, resampling unit), drawn on first use and kept
    until each of the ``users`` human columns has taken them (then released: a run holds at
    most the draws of the tasks in flight). Thread-safe: tasks run on worker threads.
    ``drawn`` counts the index sets drawn (one per task, whatever the number of humans)."""

    def __init__(self, users: int = 1):
        self.users = max(1, int(users))
        self.drawn = 0
        self._lock = threading.Lock()
        self._held: dict[tuple, list] = {}

    def bootstrap_indices(self, shape: tuple[int, int], k: int, seed: int,
                          resample: str) -> BootstrapIndices:
        key = (tuple(shape), k, seed, resample)
        with self._lock:
            entry = self._held.get(key)
            if entry is None:
                entry = [bootstrap_indices(*shape, k=k, seed=seed, resample=resample), 0]
                self._held[key] = entry
                self.drawn += 1
            entry[1] += 1
            if entry[1] >= self.users:
                del self._held[key]
            return entry[0]


def bootstrap_interval(gold: np.ndarray, scores: np.ndarray, coef: Coefficient, level: str,
                       indices: BootstrapIndices, ci: float, method: str,
                       resample: str) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) per metric of the bootstrap interval on the resamples ``indices``
    (percentile, or BCa with the jackknife acceleration over the resampled units)."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    draws = resampled_correlations(gold, scores, coef, level, indices)
    if method == "percentile":
        return percentile_bounds(draws, ci)
    value = correlation_at_level(gold[None], scores, coef, level)
    units = ["items", "systems"] if resample == "both" else [resample]
    jack = [jackknife_correlations(gold, scores, coef, level, u) for u in units]
    return bca_bounds(draws, value, acceleration(jack), ci)
