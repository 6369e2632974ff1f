"""Machine-readable reports: the tidy table as CSV and the whole result as JSON."""

from __future__ import annotations

import json

from metaeval.correlation.result import TABLE_COLUMNS, CorrelationResult
from metaeval.csvio import csv_text
from metaeval.io import json_safe
from metaeval.report.voicemos import voicemos_frame


def results_csv(result: CorrelationResult) -> str:
    """The result table as CSV: one row per (metric, group, level, coefficient).

    Columns: :data:`metaeval.correlation.result.TABLE_COLUMNS` (``metric, group, level,
    coefficient, statistic, ci_low, ci_high, pvalue, cluster, n, chance_low, chance_high, epsilon,
    ceiling, ceiling_low, ceiling_high, note``), then any extra columns of the table, then
    ``display_name`` (the metric's report label; the column name when it has none). Missing =
    empty; formulas neutralised (:mod:`metaeval.csvio`).
    """
    table = result.table.assign(display_name=result.table["metric"].map(result.display_name))
    columns = [c for c in TABLE_COLUMNS if c in table.columns]
    columns += [c for c in table.columns if c not in columns]
    return csv_text(table, columns)


def results_json(result: CorrelationResult) -> str:
    """The whole result (signature, settings, dataset, table, pairwise) as JSON text; a
    ``--protocol voicemos`` run also its table (``voicemos``: one record per group and metric,
    :mod:`metaeval.report.voicemos`)."""
    data = result.to_json_dict()
    frame = voicemos_frame(result)
    if frame is not None:
        data["voicemos"] = json_safe(frame.to_dict(orient="records"))
    return json.dumps(data, indent=1, default=str) + "\n"
