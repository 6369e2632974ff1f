"""The canonical column names of a judgement table and the missing-value policies.

A judgement table has the key columns ``item`` and ``system`` (and ``rater`` when each row is
one rating); loaders rename the user's columns to these.
"""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd

ITEM, SYSTEM, RATER = "item", "system", "rater"
KEYS = (ITEM, SYSTEM, RATER)

Missing = Literal["error", "drop"]
MISSING_POLICIES: tuple[str, ...] = get_args(Missing)
"""``error``: a missing metric score is an error; ``drop``: that cell is left out of that
metric's statistics. Never zero-filled."""


def is_mostly_numeric(values: pd.Series) -> bool:
    """A column is a metric candidate when most of its non-empty cells are numbers.

    A stray bad cell then reaches validation (which names its row) instead of silently dropping
    the whole column from the metrics. A column without a value is not one, whatever its type.
    """
    if pd.api.types.is_bool_dtype(values) or values.isna().all():
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    present = values.dropna()
    present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        return False
    return pd.to_numeric(present, errors="coerce").notna().mean() >= 0.5
