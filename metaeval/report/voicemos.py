"""The VoiceMOS table of a ``--protocol voicemos`` run in every format: the eight numbers per
metric (utterance- and system-level MSE, LCC, SRCC, KTAU, each with its bootstrap interval),
one table per condition and the pooled one (:mod:`metaeval.correlation.voicemos`).

- :func:`voicemos_frame`: the table (None for another run), a ``human`` column first, rows in
  the metric order of the run; :func:`voicemos_csv` writes it as ``voicemos.csv``;
  ``results.json`` holds it as ``voicemos``;
- :func:`voicemos_context`: the HTML section (best value of each column in bold: the smallest
  MSE, the largest correlations);
- :func:`voicemos_latex`: a booktabs ``table*`` per group, each number over its interval
  (the terminal tables: :func:`metaeval.cli.summary.voicemos_blocks`).
"""

from __future__ import annotations

import math

import pandas as pd

from metaeval.correlation.humans import HUMAN, HumanResults, as_humans
from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.voicemos import COLUMNS, PROTOCOL, headers, voicemos_table
from metaeval.csvio import csv_text
from metaeval.report import labels
from metaeval.report.formatting import DASH, fmt, fmt_interval
from metaeval.report.latex import latex_comment, latex_escape, table_label

CSV_COLUMNS = [HUMAN, "group", "metric", "display_name", *COLUMNS, "n_utt", "n_sys"]


def voicemos_frame(result: CorrelationResult | HumanResults) -> pd.DataFrame | None:
    """The VoiceMOS table of the run, a ``human`` column first (each human column's rows in
    turn; None unless the run was ``--protocol voicemos``)."""
    run = as_humans(result)
    if getattr(run.signature, "protocol", None) != PROTOCOL:
        return None
    frames = []
    for one in run:
        frame = voicemos_table(one.table, list(one.metrics))
        frames.append(frame.assign(display_name=frame["metric"].map(one.display_name),
                                   **{HUMAN: one.human}))
    return pd.concat(frames, ignore_index=True)[CSV_COLUMNS]


def voicemos_csv(result: CorrelationResult | HumanResults) -> str:
    """``voicemos.csv``: human, group, metric, display_name, the eight numbers with
    ``_low``/``_high``, n_utt, n_sys."""
    return csv_text(voicemos_frame(result), CSV_COLUMNS)


def _best(frame: pd.DataFrame, column: str) -> float:
    values = [v for v in frame[column] if not math.isnan(v)]
    if not values:
        return math.nan
    return min(values) if column.endswith("_mse") else max(values)


def voicemos_context(result: CorrelationResult) -> dict | None:
    """The HTML section of one human column's result: per group the rows (metric, cells of value and interval, best flag)."""
    frame = voicemos_frame(result)
    if frame is None:
        return None
    frame = frame.drop(columns=HUMAN)
    tables = []
    for group in dict.fromkeys(frame["group"]):
        part = frame[frame["group"] == group]
        best = {column: _best(part, column) for column, _ in headers()}
        rows = [{"metric": labels.metric_label(result, r["metric"]),
                 "cells": [{"value": fmt(r[c]), "ci": fmt_interval(r[c + "_low"], r[c + "_high"]),
                            "best": r[c] == best[c]} for c, _ in headers()],
                 "n": f"{r['n_utt']} / {r['n_sys']}"} for r in part.to_dict(orient="records")]
        tables.append({"group": "pooled (all groups)" if labels.is_pooled(result, group)
                       else str(group), "rows": rows})
    return {"headers": [title for _, title in headers()], "tables": tables}


def voicemos_latex(result: CorrelationResult) -> str:
    """One booktabs ``table*`` per group: each number over its interval; bold: the best of the
    column (smallest MSE, largest correlation)."""
    context = voicemos_context(result)
    if context is None:
        return ""
    out = [latex_comment(f"metaeval voicemos table; {result.signature}")]
    for table in context["tables"]:
        head = ["Metric", *context["headers"]]
        lines = [r"\begin{table*}[t]", r"\centering\footnotesize",
                 r"\begin{tabular}{l" + "r" * 8 + "}", r"\toprule",
                 " & ".join(latex_escape(h) for h in head) + r" \\", r"\midrule"]
        for row in table["rows"]:
            values = [rf"\textbf{{{c['value']}}}" if c["best"] else c["value"].replace(DASH, "--")
                      for c in row["cells"]]
            lines.append(" & ".join([latex_escape(row["metric"]), *values]) + r" \\")
            lines.append(" & ".join(["", *(rf"{{\scriptsize {c['ci']}}}" for c in
                                         row["cells"])]) + r" \\")
        caption = (f"VoiceMOS table of {result.human}, {table['group']}: utterance- (utt) and "
                   f"system-level (sys) MSE, LCC, SRCC and KTAU with "
                   f"{round(100 * result.settings['ci'])}% bootstrap intervals; bold: best of the "
                   "column (lowest MSE).")
        lines += [r"\bottomrule", r"\end{tabular}", r"\caption{" + latex_escape(caption) + "}",
                  table_label(result, f"voicemos-{table['group']}"), r"\end{table*}", ""]
        out += lines
    return "\n".join(out)
