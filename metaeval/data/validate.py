"""Validation of a judgement table, done once when a `JudgementSet` is built.

Rules (as mt-metrics-eval and Deutsch, Dror & Roth 2021): keys must be present and unique per (item, system[, rater]); human and metric
columns must be numeric; a missing human score is allowed (filtered pairwise later); a missing
metric score is an error unless the user chose ``missing="drop"``; nothing is ever zero-filled.
Row numbers in messages are file line numbers (header = line 1). A loader that knows each row's
line passes ``lines`` to :func:`check_rows`; without it the table is assumed to keep the file's
row order under a one-line header.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from metaeval.data.columns import ITEM, MISSING_POLICIES, RATER, SYSTEM
from metaeval.errors import DataError, located

HIDDEN = ("Cf", "Cc", "Zl", "Zp")  # format (zero-width, BOM, soft hyphen...), control, breaks


def visible_form(name: object) -> str:
    """``name`` as a reader sees it: invisible characters (zero-width spaces, BOM, soft hyphen,
    direction marks, controls) removed, every kind of space (NBSP, thin space...) one space."""
    text = "".join(" " if unicodedata.category(c).startswith("Z") else c for c in str(name)
                   if unicodedata.category(c) not in HIDDEN)
    return " ".join(text.split())


def _odd_characters(*names: str) -> str:
    odd = sorted({c for n in names for c in n if unicodedata.category(c) in HIDDEN
                  or (unicodedata.category(c).startswith("Z") and c != " ")})
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in odd)


def check_lookalikes(names: Sequence[str], file: str | None, what: str = "columns") -> None:
    """Refuse two different names that look the same (they differ only by invisible or space
    characters): every report would show them as two rows with one name."""
    seen: dict[str, str] = {}
    for name in names:
        first = seen.setdefault(visible_form(name), name)
        if first != name:
            raise DataError(located(
                f"{what} {first!r} and {name!r} look the same: they differ only by invisible or "
                f"space characters ({_odd_characters(first, name)}), so reports would show two "
                "rows with one name", file=file,
                fix="rename one of them, or remove the invisible character from the header."))


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


def _check_duplicates(table: pd.DataFrame, keys: Sequence[str], file: str | None,
                      line: Callable[[object], int]) -> None:
    """Each (item, system[, rater]) appears once; else a `DataError` naming both rows."""
    has_rater = len(keys) > 2
    duplicated = table.duplicated(subset=list(keys), keep=False)
    if duplicated.any():
        labels = table.index[duplicated]
        first = labels[0]
        ident = tuple(table.at[first, k] for k in keys)
        twins = labels[(table.loc[labels, list(keys)] == pd.Series(ident, index=list(keys))).all(axis=1)]
        rows = [line(i) for i in twins[:2]]
        shown = ", ".join(f"{k}={table.at[first, k]!r}" for k in keys)
        hint = ("each (item, system) may appear once; name the rater column (rater=COL; CLI "
                "--rater COL) if rows are individual ratings"
                if not has_rater else "each (item, system, rater) may appear once.")
        raise DataError(located(f"duplicate row for {shown} (rows {rows[0]} and {rows[1]})",
                                file=file, row=rows[0], column=keys[0], fix=hint))


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
    for key in list(keys) + list(groups):
        empty = table[key].isna() | (table[key].astype(str).str.strip() == "")
        if empty.any():
            first = empty.idxmax()
            raise DataError(located(f"empty {key!r} value", file=file, row=line(first), column=key,
                                    fix="every row needs an item, a system and its group values."))
        if key in as_text:
            table[key] = table[key].astype(str)

    _check_duplicates(table, keys, file, line)

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
                fix="score every cell, or pass missing='drop' (CLI: --missing drop) to leave "
                    "those cells out of this metric's statistics (they are never filled with 0)."))
    return table


def validate_judgements(table: pd.DataFrame, *, human: Sequence[str], metrics: Sequence[str],
                        groups: Sequence[str] = (), has_rater: bool = False,
                        missing: str = "error", file: str | None = None) -> pd.DataFrame:
    """Check a judgement table with canonical key columns; return it with numeric columns
    coerced to float."""
    if missing not in MISSING_POLICIES:
        raise DataError(f"unknown missing-value policy {missing!r}; use one of {MISSING_POLICIES}.")
    if not human:
        raise DataError(located("no human score column given", file=file,
                                fix="name one: human=COL (CLI: --human COL)."))
    keys = [ITEM, SYSTEM] + ([RATER] if has_rater else [])
    needed = keys + list(human) + list(metrics) + list(groups)
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the table has {list(table.columns)}",
                                file=file, fix="check the column mapping."))
    check_lookalikes(list(human) + list(metrics) + list(groups), file)
    overlap = set(human) & set(metrics)
    if overlap:
        raise DataError(located(f"column(s) {sorted(overlap)} are both human and metric columns",
                                file=file, fix="list each column in one role only."))
    if table.empty:
        raise DataError(located("the table has no rows", file=file, fix="check the file."))

    table = check_rows(table, keys=keys, human=human, metrics=list(metrics), groups=groups,
                       missing=missing, file=file, as_text=(ITEM, SYSTEM, RATER))
    if has_rater:
        spread = table.groupby([ITEM, SYSTEM])[list(metrics)].nunique(dropna=False)
        varying = spread.columns[(spread > 1).any()]
        if len(varying):
            raise DataError(located(
                f"metric column(s) {list(varying)} differ between raters of the same (item, system)",
                file=file, fix="a metric scores a system output once; put one value per cell."))
    return table
