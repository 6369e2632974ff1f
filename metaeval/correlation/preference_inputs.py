"""Human choices with metric scores attached: the input of a preference run.

The scores are a table ``item, system, metric...`` (a ``metaeval score`` output or any CSV /
Parquet with those columns, e.g. published scores), or several merged on (item, system) as
:mod:`metaeval.score.merge` does for rating tables; each column's direction comes from its
``metaeval score`` metadata, a registered metric name, or ``lower_is_better``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from metaeval.correlation.inputs import registered_directions
from metaeval.data.judgements import MetricInfo
from metaeval.data.preferences import (
    CHOICE_FORMATS,
    PreferenceSet,
    attach_scores,
    load_best_of_n,
    load_pairwise,
)
from metaeval.errors import DataError, ParameterError, located
from metaeval.score.files import NOT_SCORES
from metaeval.score.merge import read_score_tables, score_paths


def _metric_columns(frame: pd.DataFrame, metrics: Sequence[str] | None, source: str) -> list[str]:
    if metrics:
        unknown = [m for m in metrics if m not in frame.columns]
        if unknown:
            raise DataError(located(f"no metric column(s) {unknown}; the scores have "
                                    f"{list(frame.columns)}", file=source, column=unknown[0],
                                    fix="spell --metrics as the scores' header does."))
        return list(metrics)
    chosen = [c for c in frame.columns if c not in NOT_SCORES
              and pd.api.types.is_numeric_dtype(frame[c])]
    if not chosen:
        raise DataError(located("no numeric metric column besides item and system",
                                file=source, fix="give a table item, system, metric..."))
    return chosen


def load_choices(data: str | Path, data_format: str,
                 scores: str | Path | Sequence[str | Path] | None, *,
                 item: str | None = None, system: str | None = None, rater: str | None = None,
                 system_a: str | None = None, system_b: str | None = None,
                 winner: str | None = None, picked: str | None = None,
                 metrics: Sequence[str] | None = None,
                 lower_is_better: Sequence[str] = ()) -> PreferenceSet:
    """The choices of ``data`` (``pairwise`` or ``best-of-n`` rows) with ``scores`` attached.
    Column names left None take the defaults (``item``, ``system``, ``rater``, ``system_a``,
    ``system_b``, ``winner``, ``picked``)."""
    if data_format not in CHOICE_FORMATS:
        raise ParameterError("data_format", data_format, f"choose from {', '.join(CHOICE_FORMATS)}.")
    if not score_paths(scores):
        raise ParameterError("scores", None, "choices need the metric scores of the candidates.",
                             "give --scores FILE (columns item, system, one per metric).")
    if data_format == "pairwise":
        pset = load_pairwise(data, item=item or "item", system_a=system_a or "system_a",
                             system_b=system_b or "system_b", winner=winner or "winner",
                             rater=rater or "rater")
    else:
        pset = load_best_of_n(data, item=item or "item", system=system or "system",
                              rater=rater or "rater", picked=picked or "picked")
    # several files are merged on (item, system); a candidate a file lacks is refused below
    candidates = {(pset.items[i], pset.systems[s]) for i, s in zip(*pset.candidates.nonzero())}
    tables = read_score_tables(scores, "drop", candidates)
    frame, infos, source = tables.frame, tables.infos, tables.source
    columns = _metric_columns(frame, metrics, source)
    unknown = [m for m in lower_is_better if m not in columns]
    if unknown:
        raise ParameterError("lower_is_better", ",".join(unknown), f"not a metric of the "
                             f"scores ({', '.join(columns)}).")
    known = {**registered_directions(columns), **infos}
    chosen = {c: known.get(c, MetricInfo(c)) for c in columns}
    chosen = {c: replace(info, higher_is_better=False) if c in lower_is_better else info
              for c, info in chosen.items()}
    return attach_scores(pset, frame, chosen, source)
