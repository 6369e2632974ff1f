"""Numbers as every report and terminal summary shows them (one formatter for all)."""

from __future__ import annotations

import math

DASH = "\u2013"  # shown for a missing value


def is_missing(value) -> bool:
    """None, NaN, pandas NA or infinite."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def fmt(value, digits: int = 3, missing: str = DASH) -> str:
    """A number with ``digits`` decimals (integers as integers); ``missing`` for no value."""
    if isinstance(value, bool) or (isinstance(value, int) and not isinstance(value, float)):
        return str(value)
    if is_missing(value):
        return missing
    if hasattr(value, "is_integer") and type(value).__name__.startswith("int"):
        return str(int(value))
    return f"{float(value):.{digits}f}"


def fmt_p(value, missing: str = DASH) -> str:
    """A p-value: 3 decimals, ``< 0.001`` below that."""
    if is_missing(value):
        return missing
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def fmt_interval(low, high, digits: int = 3, missing: str = "") -> str:
    """``[low, high]``, or ``missing`` when either bound is missing."""
    if is_missing(low) or is_missing(high):
        return missing
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def fmt_n(n, n_items=None) -> str:
    """The points behind a value: ``n``, or ``entered/n`` when fewer items (systems) entered
    an item-level (sys-level) average than ``n`` counts (``n_items`` of the result table)."""
    if is_missing(n):
        return ""
    if not is_missing(n_items) and int(n_items) < int(n):
        return f"{int(n_items)}/{int(n)}"
    return str(int(n))


ENTERED_LEGEND = ("n: the points behind a value (cells at level none, systems at system, items "
                  "at item, systems at sys); a/b: only a of the b items (systems) entered the "
                  "average, the others' correlations being undefined (the notes say why).")


def some_left_out(table) -> bool:
    """Whether any row of a result table has fewer groups entered than its ``n``."""
    if "n_items" not in table.columns:
        return False
    known = table["n_items"].notna()
    return bool((table.loc[known, "n_items"].astype(int) < table.loc[known, "n"].astype(int)).any())
