"""Validation of a `JudgementSet`, done once when it is built.

Rules (SPECS §6): keys must be present and unique per (item, system[, rater]); human and metric
columns must be numeric; a missing human score is allowed (filtered pairwise later); a missing
metric score is an error unless the user chose ``missing="drop"``; nothing is ever zero-filled.
Row numbers in messages are file line numbers (header = line 1), assuming the table keeps the
file's row order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from metaeval.errors import DataError, located

if TYPE_CHECKING:
    from metaeval.data.judgements import JudgementSet

MISSING_POLICIES = ("error", "drop")


def _line(index_label) -> int:
    return int(index_label) + 2


def _to_numeric(table: pd.DataFrame, column: str, file: str | None) -> pd.Series:
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
            file=file, row=_line(first), column=column,
            fix="write numbers only; leave the cell empty for a missing value."))
    converted = converted.astype(float)
    infinite = ~np.isfinite(converted) & converted.notna()
    if infinite.any():
        first = infinite.idxmax()
        raise DataError(located(f"value {values[first]!r} is infinite", file=file,
                                row=_line(first), column=column,
                                fix="replace it with a finite score or leave it empty."))
    return converted


def validate_judgements(js: JudgementSet) -> pd.DataFrame:
    """Check a judgement set; return its table with numeric columns coerced to float."""
    from metaeval.data.judgements import ITEM, RATER, SYSTEM

    file = js.info.source or None
    table = js.table.copy()
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

    for key in keys + list(js.groups):
        empty = table[key].isna() | (table[key].astype(str).str.strip() == "")
        if empty.any():
            first = empty.idxmax()
            raise DataError(located(f"empty {key!r} value", file=file, row=_line(first), column=key,
                                    fix="every row needs an item, a system and its group values."))
        table[key] = table[key].astype(str) if key in (ITEM, SYSTEM, RATER) else table[key]

    duplicated = table.duplicated(subset=keys, keep=False)
    if duplicated.any():
        rows = [_line(i) for i in table.index[duplicated][:2]]
        first = table.index[duplicated][0]
        ident = ", ".join(f"{k}={table.at[first, k]!r}" for k in keys)
        hint = ("each (item, system) may appear once; give --rater COL if rows are individual ratings"
                if not js.has_rater else "each (item, system, rater) may appear once.")
        raise DataError(located(f"duplicate row for {ident} (rows {rows[0]} and {rows[1]})",
                                file=file, row=rows[0], fix=hint))

    for column in js.human:
        table[column] = _to_numeric(table, column, file)
        if table[column].isna().all():
            raise DataError(located("human score column is empty", file=file, column=column,
                                    fix="name the column that holds the human scores."))
    for column in js.metrics:
        table[column] = _to_numeric(table, column, file)
        missing = table[column].isna()
        if missing.any() and js.missing == "error":
            first = missing.idxmax()
            raise DataError(located(
                f"missing metric score ({int(missing.sum())} missing in this column)", file=file,
                row=_line(first), column=column,
                fix="score every cell, or pass --missing drop to leave those cells out of this "
                    "metric's statistics (they are never filled with 0)."))
    if js.has_rater:
        spread = table.groupby([ITEM, SYSTEM])[list(js.metrics)].nunique(dropna=False)
        varying = spread.columns[(spread > 1).any()]
        if len(varying):
            raise DataError(located(
                f"metric column(s) {list(varying)} differ between raters of the same (item, system)",
                file=file, fix="a metric scores a system output once; put one value per cell."))
    return table
