"""Machine-readable reports: the tidy table as CSV and the whole result as JSON, for one run
over one or more human columns (a ``human`` column names each row's; one layout whatever the
number of humans)."""

from __future__ import annotations

import json

from metaeval.correlation.humans import HUMAN, HumanResults, as_humans
from metaeval.correlation.result import TABLE_COLUMNS, CorrelationResult
from metaeval.csvio import csv_text
from metaeval.io import json_safe
from metaeval.report.voicemos import voicemos_frame


def results_csv(result: CorrelationResult | HumanResults) -> str:
    """The result table as CSV: one row per (human, metric, group, level, coefficient).

    Columns: ``human`` (the human score column of the row), then
    :data:`metaeval.correlation.result.TABLE_COLUMNS` (``task, metric, group, level,
    coefficient, statistic, ci_low, ci_high, pvalue, cluster, n, n_items, chance_low,
    chance_high, epsilon, ceiling, ceiling_low, ceiling_high, note``), then any extra columns of
    the table, then ``display_name`` (the metric's report label; the column name when it has
    none). Missing = empty; formulas neutralised (:mod:`metaeval.csvio`).
    """
    run = as_humans(result)
    table = run.table.assign(display_name=run.table["metric"].map(run.first.display_name))
    columns = [HUMAN] + [c for c in TABLE_COLUMNS if c in table.columns]
    columns += [c for c in table.columns if c not in columns]
    return csv_text(table, columns)


def results_json(result: CorrelationResult | HumanResults) -> str:
    """The whole run (signature, humans, settings, dataset, every human's rows and pairs, each
    human's own record) as JSON text (:meth:`HumanResults.to_json_dict`); a ``--protocol
    voicemos`` run also its table (``voicemos``: one record per human, group and metric,
    :mod:`metaeval.report.voicemos`)."""
    run = as_humans(result)
    data = run.to_json_dict()
    frame = voicemos_frame(run)
    if frame is not None:
        data["voicemos"] = json_safe(frame.to_dict(orient="records"))
    return json.dumps(data, indent=1, default=str) + "\n"
