"""Checks a statistic asks of a `JudgementSet`: usable points per group, constant columns."""

from __future__ import annotations

import pandas as pd

from metaeval.data.judgements import JudgementSet
from metaeval.errors import DataError, located


def usable_points(js: JudgementSet, group_col: str | None = None) -> pd.DataFrame:
    """Per group value (rows) and metric (columns): number of (item, system) cells where the gold
    human score and that metric are both present. One row ``"all"`` when ``group_col`` is None."""
    cells = js.cells()
    present = cells[js.metric_names].notna().mul(cells[js.gold].notna(), axis=0)
    if group_col is None:
        return present.sum().to_frame("all").T
    if group_col not in cells.columns:
        raise DataError(located(f"unknown grouping column {group_col!r}; groups are {js.groups}",
                                file=js.info.source or None, fix="group by one of those."))
    return present.groupby(cells[group_col], sort=False).sum()


def check_group_sizes(js: JudgementSet, group_col: str | None, min_points: int, *,
                      on_small: str = "error") -> list[str]:
    """Every group must have at least ``min_points`` usable points for every metric.

    A usable point is an (item, system) cell with both the gold score and the metric score.
    ``on_small="error"`` raises :class:`DataError` naming the group, the metric and the count;
    ``on_small="warn"`` returns those messages instead (empty list when all groups are large enough).
    """
    if on_small not in ("error", "warn"):
        raise ValueError(f"on_small must be 'error' or 'warn', not {on_small!r}")
    counts = usable_points(js, group_col)
    messages = []
    for group, row in counts.iterrows():
        small = row[row < min_points]
        for metric, n in small.items():
            where = f"group {group_col}={group!r}" if group_col else "the whole set"
            messages.append(located(
                f"{where} has {int(n)} usable point(s) for metric {metric!r}, fewer than "
                f"{min_points}", file=js.info.source or None, column=metric,
                fix="merge small groups, drop the grouping, or lower the minimum."))
    if messages and on_small == "error":
        raise DataError(messages[0] + (f" ({len(messages) - 1} more such group/metric pair(s))"
                                       if len(messages) > 1 else ""))
    return messages


def constant_vectors(js: JudgementSet, group_col: str | None = None) -> list[str]:
    """Warnings for human or metric columns that are constant (a correlation with them is undefined).

    Checked over the present values of the (item, system) cells, within each value of
    ``group_col`` when given; a column with fewer than two present values is a group-size
    problem (:func:`check_group_sizes`), not reported here.
    """
    cells = js.cells()
    columns = list(js.human) + js.metric_names
    parts = [(None, cells)] if group_col is None else list(cells.groupby(group_col, sort=False))
    warnings = []
    for group, part in parts:
        where = f" in group {group_col}={group!r}" if group_col else ""
        for column in columns:
            values = part[column].dropna()
            if len(values) > 1 and values.nunique() == 1:
                role = "human score" if column in js.human else "metric"
                warnings.append(f"{role} column {column!r} is constant ({float(values.iloc[0]):g})"
                                f"{where}: "
                                "its correlations are undefined (NaN).")
    return warnings
