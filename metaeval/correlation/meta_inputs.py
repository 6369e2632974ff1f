"""The one input check of a meta-analysis (:func:`metaeval.correlation.meta.meta_analysis`).

Before anything is combined, :func:`check_meta_inputs` refuses, with one line:

- a confidence level or alpha outside (0, 1), an unknown tau^2 method, fewer than two sets;
- a set given twice (the same data, by the data hash of its signature, with the same values
  and n): pooling it twice would count one sample as two independent ones;
- an impossible value: a statistic outside [-1, 1] or a point count n that is negative or not
  a whole number (e.g. a hand-edited results.json).

:func:`pooling_plan` then decides, per metric and set, what enters the random-effects pooling
and says why each left-out set was left out, in the metric's row (``note``) and in the
record's notes, so every report shows it (terminal, meta.json, meta.csv, HTML):

- no value (NaN: the set's own note says why), or too few points for the Fisher-z variance
  c / (n - d) (n <= d);
- |r| = 1 (within 1e-12): Fisher z = artanh r is infinite, so the set carries no finite
  effect; clipping it (the former behaviour) put an arbitrary z of about 14 into the pooling
  and made tau^2 and the pooled r depend on the clip. The set is left out of the pooling and
  kept in the plain average.

A metric without a value in some set gets no average and no cluster (as a metric missing from
a set), with a note.
"""

from __future__ import annotations

import re

import numpy as np

from metaeval.errors import DataError, ParameterError
from metaeval.stats.meta import FISHER_VARIANCE, META_METHODS

PERFECT = 1e-12  # |r| >= 1 - PERFECT is a perfect correlation (float rounding of 1)


def check_meta_settings(ci: float, alpha: float, method: str) -> None:
    """``ci`` and ``alpha`` in (0, 1) and a known method (`ParameterError` naming it)."""
    for name, value, example in (("ci", ci, "0.95"), ("alpha", alpha, "0.05")):
        if not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ParameterError(name, value, f"must be between 0 and 1, e.g. {example}.")
    if method not in META_METHODS:
        raise ParameterError("method", method, f"choose from {', '.join(META_METHODS)}.")


def _where(summary: dict) -> str:
    source = summary.get("source")
    return f"set {summary['name']}" + (f" ({source})" if source else "")


def _data_of(signature: str) -> str:
    """The data field of a signature (``data:name@hash``), else the whole signature."""
    found = re.search(r"(?:^|\|)data:([^|]*)", str(signature))
    return found.group(1) if found else str(signature)


def _key(summary: dict) -> tuple:
    def same(values: dict) -> tuple:
        return tuple(sorted((m, None if v != v else v) for m, v in values.items()))

    return _data_of(summary.get("signature", "")), same(summary["values"]), same(summary["n"])


def _check_values(summary: dict) -> None:
    for metric, value in summary["values"].items():
        if value == value and not -1 - PERFECT <= value <= 1 + PERFECT:
            raise DataError(f"{_where(summary)}, metric {metric}: statistic {value:g} is not a "
                            f"correlation or accuracy (outside [-1, 1]). Fix: give results "
                            "written by `metaeval correlate`, unedited.")
    for metric, n in summary["n"].items():
        if n == n and (n < 0 or not float(n).is_integer()):
            raise DataError(f"{_where(summary)}, metric {metric}: n = {n:g} is not a number of "
                            "points (a whole number >= 0). Fix: give results written by "
                            "`metaeval correlate`, unedited.")


def check_meta_inputs(summaries: list[dict], ci: float, alpha: float, method: str) -> None:
    """Refuse what cannot be combined (see the module docstring)."""
    check_meta_settings(ci, alpha, method)
    if len(summaries) < 2:
        raise ParameterError("results", len(summaries), "a meta-analysis needs at least two "
                             "result sets.")
    seen: dict[tuple, dict] = {}
    for summary in summaries:
        _check_values(summary)
        first = seen.setdefault(_key(summary), summary)
        if first is not summary:
            raise ParameterError("results", f"{first['name']},{summary['name']}",
                                 f"{_where(first)} and {_where(summary)} are the same test set "
                                 f"(data {_data_of(summary.get('signature', ''))}, the same "
                                 "values and n); pooling it twice would count one sample as two.",
                                 "give each test set once.")


def _reason(value: float, n: float, coefficient: str, pooled: bool) -> str:
    """Why a set's cell is left out of the pooling ('' when it enters)."""
    if value != value:
        return "has no value"
    if not pooled:
        return ""
    if abs(value) >= 1 - PERFECT:
        return (f"has {coefficient} = {value:g} (a perfect correlation: Fisher z is infinite; "
                "left out of the pooling, kept in the average)")
    c, d = FISHER_VARIANCE[coefficient]
    if not n == n or n <= d:
        return (f"has n = {n:g} points, too few for the Fisher-z variance (needs n > {d})"
                if n == n else "has no point count n")
    return ""


def pooling_plan(summaries: list[dict], metrics: list[str], values: np.ndarray, n: np.ndarray,
                 coefficient: str, pooled: bool) -> tuple[np.ndarray, list[str], list[str]]:
    """(cells (M, K) that enter the pooling, one note per metric ('' when none), the record's
    notes): see the module docstring. ``pooled``: whether random-effects pooling is done."""
    used = np.zeros(values.shape, bool)
    row_notes, notes = [], []
    for i, metric in enumerate(metrics):
        reasons = []
        for j, summary in enumerate(summaries):
            if metric not in summary["values"]:
                continue
            why = _reason(values[i, j], n[i, j], coefficient, pooled)
            used[i, j] = not why
            if why:
                own = (summary.get("notes") or {}).get(metric)
                reasons.append(f"set {summary['name']} {why}" + (f" ({own})" if own and
                                                                  values[i, j] != values[i, j]
                                                                  else ""))
        row_notes.append("; ".join(reasons))
        if reasons:
            entered = int(used[i].sum())
            notes.append(f"metric {metric}: " + "; ".join(reasons) + (
                f"; pooled over {entered} of {len(summaries)} sets" if pooled else ""))
    return used, row_notes, notes


def unaveraged(metrics: list[str], values: np.ndarray) -> list[str]:
    """Metrics with no value in some set: no average, no cluster."""
    return [m for m, row in zip(metrics, values) if not np.isfinite(row).all()]


def average_note(metric: str, sets: int, missing: int) -> str:
    return (f"metric {metric}: no value in {missing} of {sets} sets, so no average and no "
            "cluster (the average ranks metrics with a value in every set).")

