"""Validation of a `JudgementSet`, done once when it is built, plus checks a statistic asks for.

Rules (SPECS §6): keys must be present and unique per (item, system[, rater]); human and metric
columns must be numeric; a missing human score is allowed (filtered pairwise later); a missing
metric score is an error unless the user chose ``missing="drop"``; nothing is ever zero-filled.
Row numbers in messages are file line numbers (header = line 1). A loader that knows each row's
line passes ``lines`` to :func:`check_rows`; without it the table is assumed to keep the file's
row order under a one-line header.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from metaeval.errors import DataError, located

if TYPE_CHECKING:
    from metaeval.data.judgements import JudgementSet

MISSING_POLICIES = ("error", "drop")


def _line(index_label) -> int:
    return int(index_label) + 2


def _line_lookup(table: pd.DataFrame, lines: Sequence[int] | None) -> Callable[[object], int]:
    """Map an index label of ``table`` to its file line (``lines[position]``)."""
    if lines is None:
        return _line
    if len(lines) != len(table):
        raise ValueError(f"{len(lines)} line numbers for {len(table)} rows")
    positions = {label: pos for pos, label in enumerate(table.index)}
    return lambda label: int(lines[positions[label]])


def _to_numeric(table: pd.DataFrame, column: str, file: str | None,
                line: Callable[[object], int] = _line) -> pd.Series:
    values = table[column]
    if pd.api.types.is_bool_dtype(values):
        raise DataError(located("holds true/false values, not scores", file=file, column=column,
                                fix="map them to numbers first."))
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        first = bad.idxmax()
        raise DataError(located(
            f"value {values[first]!r} is not a number ({int(bad.sum())} such value(s) in the column)",
            file=file, row=line(first), column=column,
            fix="write numbers only; leave the cell empty for a missing value."))
    converted = converted.astype(float)
    infinite = ~np.isfinite(converted) & converted.notna()
    if infinite.any():
        first = infinite.idxmax()
        raise DataError(located(f"value {values[first]!r} is infinite", file=file,
                                row=line(first), column=column,
                                fix="replace it with a finite score or leave it empty."))
    return converted


def check_rows(
    table: pd.DataFrame,
    *,
    keys: Sequence[str],
    human: Sequence[str],
    metrics: Sequence[str],
    groups: Sequence[str] = (),
    missing: str = "error",
    file: str | None = None,
    lines: Sequence[int] | None = None,
    as_text: Sequence[str] = (),
) -> pd.DataFrame:
    """Row-level checks; return a copy with human and metric columns coerced to float.

    ``keys`` are the (item, system[, rater]) columns, under whatever names the table uses;
    ``lines[i]`` is the file line of the i-th row (default: i + 2); ``as_text`` key columns are
    converted to strings. Raises :class:`DataError` naming file, line and column.
    """
    line = _line_lookup(table, lines)
    table = table.copy()
    has_rater = len(keys) > 2
    for key in list(keys) + list(groups):
        empty = table[key].isna() | (table[key].astype(str).str.strip() == "")
        if empty.any():
            first = empty.idxmax()
            raise DataError(located(f"empty {key!r} value", file=file, row=line(first), column=key,
                                    fix="every row needs an item, a system and its group values."))
        if key in as_text:
            table[key] = table[key].astype(str)

    duplicated = table.duplicated(subset=list(keys), keep=False)
    if duplicated.any():
        labels = table.index[duplicated]
        first = labels[0]
        ident = tuple(table.at[first, k] for k in keys)
        twins = labels[(table.loc[labels, list(keys)] == pd.Series(ident, index=list(keys))).all(axis=1)]
        rows = [line(i) for i in twins[:2]]
        shown = ", ".join(f"{k}={table.at[first, k]!r}" for k in keys)
        hint = ("each (item, system) may appear once; give --rater COL if rows are individual ratings"
                if not has_rater else "each (item, system, rater) may appear once.")
        raise DataError(located(f"duplicate row for {shown} (rows {rows[0]} and {rows[1]})",
                                file=file, row=rows[0], column=keys[0], fix=hint))

    for column in human:
        table[column] = _to_numeric(table, column, file, line)
        if table[column].isna().all():
            raise DataError(located("human score column is empty", file=file, column=column,
                                    fix="name the column that holds the human scores."))
    for column in metrics:
        table[column] = _to_numeric(table, column, file, line)
        absent = table[column].isna()
        if absent.any() and missing == "error":
            first = absent.idxmax()
            raise DataError(located(
                f"missing metric score ({int(absent.sum())} missing in this column)", file=file,
                row=line(first), column=column,
                fix="score every cell, or pass --missing drop to leave those cells out of this "
                    "metric's statistics (they are never filled with 0)."))
    return table


def validate_judgements(js: JudgementSet) -> pd.DataFrame:
    """Check a judgement set; return its table with numeric columns coerced to float."""
    from metaeval.data.judgements import ITEM, RATER, SYSTEM

    file = js.info.source or None
    table = js.table
    if js.missing not in MISSING_POLICIES:
        raise DataError(f"unknown missing-value policy {js.missing!r}; use one of {MISSING_POLICIES}.")
    if not js.human:
        raise DataError(located("no human score column given", file=file,
                                fix="name one with --human COL."))
    keys = [ITEM, SYSTEM] + ([RATER] if js.has_rater else [])
    needed = keys + list(js.human) + list(js.metrics) + list(js.groups)
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the table has {list(table.columns)}",
                                file=file, fix="check the column mapping."))
    overlap = set(js.human) & set(js.metrics)
    if overlap:
        raise DataError(located(f"column(s) {sorted(overlap)} are both human and metric columns",
                                file=file, fix="list each column in one role only."))
    if table.empty:
        raise DataError(located("the table has no rows", file=file, fix="check the file."))

    table = check_rows(table, keys=keys, human=js.human, metrics=list(js.metrics),
                       groups=js.groups, missing=js.missing, file=file,
                       as_text=(ITEM, SYSTEM, RATER))
    if js.has_rater:
        spread = table.groupby([ITEM, SYSTEM])[list(js.metrics)].nunique(dropna=False)
        varying = spread.columns[(spread > 1).any()]
        if len(varying):
            raise DataError(located(
                f"metric column(s) {list(varying)} differ between raters of the same (item, system)",
                file=file, fix="a metric scores a system output once; put one value per cell."))
    return table


# ---------------------------------------------------------------------- checks a statistic asks for
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
