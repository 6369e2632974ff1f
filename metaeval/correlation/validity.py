"""Where a number of a result row cannot be honest, it becomes NaN with the reason in the row's
``note`` (shown by every report), instead of a value that looks fine:

- fewer than ``min_points`` points at the level (e.g. one system at level ``system`` or
  ``item``): value, interval, p-value and chance baseline are NaN;
- fewer than two units to resample (one item when resampling items, one system when resampling
  systems): no bootstrap interval;
- every bootstrap draw equal (``k = 1``, or too few distinct resamples, e.g. two items at level
  ``sys``): a zero-width interval is no interval;
- every permutation of the chance baseline equal: no chance interval;
- the coefficient itself undefined on the data (NaN): the coefficient's ``undefined`` reason.

At ``item`` / ``sys`` the row's ``n_items`` counts the items (systems) whose own correlation
entered the value, next to ``n`` (those with two usable cells); when some were left out as
undefined, the note says how many and why (:func:`entered_note`).

:func:`metaeval.stats.resampling.tail_warning` flags a ``k`` too small for the CI level.
"""

from __future__ import annotations

import math

import numpy as np

from metaeval.correlation.settings import Settings
from metaeval.stats.coefficients import Coefficient

NAN = float("nan")
STATISTICS = ("statistic", "ci_low", "ci_high", "pvalue", "chance_low", "chance_high")


def resampling_units(gold: np.ndarray, metric: np.ndarray, resample: str) -> int:
    """Items (``items``), systems (``systems``) or the larger of the two (``both``) that hold a
    usable cell of this metric."""
    valid = np.isfinite(gold) & np.isfinite(metric)
    items, systems = int(valid.any(0).sum()), int(valid.any(1).sum())
    return {"items": items, "systems": systems}.get(resample, max(items, systems))


def entered_note(coef: Coefficient, level: str, n: int, entered: tuple[int, dict] | None) -> str:
    """Why fewer groups entered the value than the row's ``n`` counts (``item``: items, ``sys``:
    systems; :func:`metaeval.stats.levels.groups_entered`), or '' when all did."""
    if entered is None or entered[0] >= n:
        return ""
    count, reasons = entered
    if count == 0 and len(reasons) == 1 and f"{coef.name} undefined" in next(iter(reasons)):
        return ""  # the coefficient's own reason (screen_row) says it all
    unit = "items" if level == "item" else "systems"
    what = "the average" if coef.at_level is None else "the value"
    why = ", ".join(f"{reason} in {k}" for reason, k in reasons.items())
    return (f"{count} of {n} {unit} entered {what}; {n - count} left out as undefined there "
            f"({why})")


def _blank(row: dict, keys) -> None:
    for key in keys:
        row[key] = NAN


def screen_row(row: dict, gold: np.ndarray, metric: np.ndarray, level: str,
               settings: Settings, coef: Coefficient) -> None:
    """Blank what ``row`` cannot honestly report and write the reasons into ``row["note"]``."""
    reasons = [row["note"]] if row.get("note") else []
    if row["n"] < settings.min_points:
        _blank(row, STATISTICS)
        reasons.append(f"{row['n']} point(s) at level {level}, fewer than the minimum "
                       f"{settings.min_points}")
    elif math.isfinite(row["statistic"]):
        units = resampling_units(gold, metric, settings.resample)
        unit = {"items": "item", "systems": "system"}.get(settings.resample, "unit")
        if units < 2 and math.isfinite(row["ci_low"]):
            _blank(row, ("ci_low", "ci_high"))
            reasons.append(f"one {unit} to resample: no bootstrap interval")
        elif math.isfinite(row["ci_low"]) and row["ci_low"] == row["ci_high"]:
            _blank(row, ("ci_low", "ci_high"))
            reasons.append(f"all {settings.k} bootstrap draw(s) gave the same value: no interval")
        if math.isfinite(row["chance_low"]) and row["chance_low"] == row["chance_high"]:
            _blank(row, ("chance_low", "chance_high"))
            reasons.append("every permutation gave the same value: no chance baseline")
    else:
        reasons.append(f"{coef.name} undefined: "
                       + coef.undefined.format(**dict(coef.arguments)))
    row["note"] = "; ".join(reasons)
