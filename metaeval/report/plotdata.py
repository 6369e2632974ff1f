"""What the correlation figures share: row selection, metric order, group colours, interval
segments and the caps on what one figure shows."""

from __future__ import annotations

import math

import numpy as np

from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.report import labels
from metaeval.report.figures import PALETTE, POOLED_COLOUR

MAX_SCATTER_POINTS = 3000  # per panel; larger data are subsampled with a fixed seed
MAX_PANELS = 24  # scatter panels: the best metrics by the pooled primary value
MAX_HEATMAP = 40  # metrics in the pairwise p-value heatmap (the best ones)
MAX_LABELS = 12  # labelled points of the group-vs-group figure


def group_colours(result: CorrelationResult) -> dict[str, str]:
    """One fixed colour per group (pooled in dark grey), the same in every figure."""
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(labels.real_groups(result))}
    if labels.is_pooled(result, POOLED):
        colours[POOLED] = POOLED_COLOUR
    return colours


def rows_of(result: CorrelationResult, level: str, coefficient: str):
    """The table rows of one level and coefficient."""
    t = result.table
    return t[(t["level"] == level) & (t["coefficient"] == coefficient)]


def pooled_order(rows, metrics: list[str], pooled_name: str | None = POOLED) -> list[str]:
    """Metrics sorted by the pooled value (or the mean over groups), best first."""
    pooled = rows[rows["group"] == pooled_name]
    source = pooled if len(pooled) else rows
    means = source.groupby("metric")["statistic"].mean()
    coef = str(rows["coefficient"].iloc[0]) if len(rows) else ""
    return sorted(metrics, key=lambda m: -(labels.goodness(coef, means.get(m)) if not
                                           math.isnan(means.get(m, np.nan)) else -np.inf))


def best_metrics(result: CorrelationResult, limit: int) -> list[str]:
    """The ``limit`` metrics with the best pooled (or group-mean) primary value, in that order."""
    table = result.table
    primary = labels.primary_coefficient(result)
    rows = table[(table["coefficient"] == primary)
                 & (table["level"] == labels.levels(result)[0])]
    pooled = POOLED if labels.is_pooled(result, POOLED) else None
    return pooled_order(rows, labels.metrics(result), pooled)[:limit]


def interval_lines(ax, at, low, high, colour: str, horizontal: bool, cap: float = 0.08) -> None:
    """Confidence intervals as line segments from ``low`` to ``high`` (with end caps) at the
    positions ``at``; a missing bound draws nothing. A percentile interval need not contain its
    point estimate (e.g. at small k or a low CI level), so no error-bar arithmetic is used."""
    keep = [(p, lo, hi) for p, lo, hi in zip(at, low, high)
            if not (labels.is_missing(lo) or labels.is_missing(hi))]
    if not keep:
        return
    at, low, high = (list(v) for v in zip(*keep))
    lines = ax.hlines if horizontal else ax.vlines
    caps = ax.vlines if horizontal else ax.hlines
    lines(at, low, high, colors=colour, linewidth=1.1)
    for bound in (low, high):  # end caps, ``cap`` data units long across the interval
        caps(bound, [p - cap for p in at], [p + cap for p in at], colors=colour, linewidth=0.8)
