"""Join a `metaeval score` table onto a judgement table by (item, system).

Keys are compared as text (``1`` in the judgements matches ``"1"`` in the scores). Every
judgement row must find its scores; the scores table may hold extra pairs. The ``errors`` column
is not joined (it is not a score); a metric column that the judgement table already has is an
error rather than a silent overwrite.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metaeval.errors import DataError, located
from metaeval.score.files import NOT_SCORES, read_scores

SHOWN = 5


def join_scores(judgements: pd.DataFrame, scores: str | Path | pd.DataFrame,
                item_col: str | None = "item", system_col: str | None = "system",
                missing: str = "drop", source: str | None = None,
                file_rows: bool = True) -> pd.DataFrame:
    """``judgements`` with the metric columns of ``scores`` added, matched on (item, system).

    ``missing="error"``: a missing score of a matched pair is an error naming the scores file's
    row (unless ``file_rows`` is False: a table merged from several files has no file rows) and
    column (and the reason from its ``errors`` column), not the judgement file's row."""
    item_col, system_col = item_col or "item", system_col or "system"
    where = source or (str(scores) if not isinstance(scores, pd.DataFrame) else "scores table")
    frame = read_scores(scores)[0] if not isinstance(scores, pd.DataFrame) else scores
    for col in ("item", "system"):
        if col not in frame.columns:
            raise DataError(located(f"no '{col}' column", file=where, column=col,
                                    fix="give the table written by `metaeval score`."))
    for col in (item_col, system_col):
        if col not in judgements.columns:
            raise DataError(f"the judgement table has no column {col!r} to join the scores on. "
                            f"Fix: name the item and system columns (CLI: --item, --system).")
    metric_cols = [c for c in frame.columns if c not in NOT_SCORES]
    clash = [c for c in metric_cols if c in judgements.columns]
    if clash:
        raise DataError(located(f"metric column(s) {', '.join(map(repr, clash))} are in the judgement "
                                "table already", file=where,
                                fix="rename or drop them in one of the two tables."))
    keys = pd.DataFrame({"_item": frame["item"].astype(str), "_system": frame["system"].astype(str)})
    duplicated = keys.duplicated(keep=False)
    if duplicated.any():
        pairs = sorted(set(zip(keys["_item"][duplicated], keys["_system"][duplicated], strict=True)))
        raise DataError(located(f"duplicate (item, system) pairs in the scores: {_show(pairs)}",
                                file=where, fix="score each pair once."))
    reasons = (frame["errors"].astype(object).where(frame["errors"].notna(), "").astype(str)
               .reset_index(drop=True)
               if "errors" in frame.columns else pd.Series([""] * len(frame)))
    right = pd.concat([keys, frame[metric_cols].reset_index(drop=True).set_axis(keys.index),
                       pd.DataFrame({"_row": range(len(frame)), "_why": reasons.to_numpy()},
                                    index=keys.index)], axis=1)
    left_keys = pd.DataFrame({"_item": judgements[item_col].astype(str).to_numpy(),
                              "_system": judgements[system_col].astype(str).to_numpy()})
    merged = left_keys.merge(right, on=["_item", "_system"], how="left", indicator=True)
    unmatched = merged["_merge"] == "left_only"
    if unmatched.any():
        pairs = sorted(set(zip(merged["_item"][unmatched], merged["_system"][unmatched],
                               strict=True)))
        raise DataError(located(
            f"{len(pairs)} (item, system) pair(s) of the judgements have no scores: {_show(pairs)}",
            file=where, fix=f"score those pairs, or check that the judgements' {item_col!r}/"
                            f"{system_col!r} values are the names used in the scores' item/system."))
    if missing == "error":
        _check_missing(merged, metric_cols, where, file_rows)
    out = judgements.copy()
    for col in metric_cols:
        out[col] = merged[col].to_numpy()
    return out


def _check_missing(merged: pd.DataFrame, metric_cols: list[str], where: str,
                   file_rows: bool = True) -> None:
    for col in metric_cols:
        absent = pd.to_numeric(merged[col], errors="coerce").isna()
        if absent.any():
            first = merged[absent].iloc[0]
            why = f" ({first['_why']})" if first["_why"] else ""
            raise DataError(located(
                f"missing score for item {first['_item']!r}, system {first['_system']!r}{why}; "
                f"{int(absent.sum())} missing in this column", file=where,
                row=int(first["_row"]) + 2 if file_rows else None, column=col,
                fix="re-score those items, or pass --missing drop to leave those cells out of "
                    "this metric's statistics (never filled with 0)."))


def _show(pairs) -> str:
    text = ", ".join(f"({i}, {s})" for i, s in pairs[:SHOWN])
    return text + (f" and {len(pairs) - SHOWN} more" if len(pairs) > SHOWN else "")
