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
                item_col: str | None = "item", system_col: str | None = "system") -> pd.DataFrame:
    """``judgements`` with the metric columns of ``scores`` added, matched on (item, system)."""
    item_col, system_col = item_col or "item", system_col or "system"
    where = str(scores) if not isinstance(scores, pd.DataFrame) else "scores table"
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
    right = pd.concat([keys, frame[metric_cols].reset_index(drop=True)
                       .set_axis(keys.index)], axis=1)
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
    out = judgements.copy()
    for col in metric_cols:
        out[col] = merged[col].to_numpy()
    return out


def _show(pairs) -> str:
    text = ", ".join(f"({i}, {s})" for i, s in pairs[:SHOWN])
    return text + (f" and {len(pairs) - SHOWN} more" if len(pairs) > SHOWN else "")
