"""The WMT-style task-set table of a protocol run: one column per task, the average, the average
rank and the clusters of the average (as the WMT metrics-task findings print it).

- :func:`taskset_context`: the HTML section's rows (None for a plain run);
- :func:`taskset_latex`: the same as a booktabs ``table*`` (best cluster of the average in bold,
  each task's value with its cluster rank in parentheses), appended to ``table.tex``;
- :func:`averages_csv`: ``averages.csv`` with columns ``metric, average, rank, cluster`` (and
  ``pvalue_next``, the p-value of the average against the next metric's).
"""

from __future__ import annotations

import pandas as pd

from metaeval.correlation.averages import AVERAGE_COLUMNS
from metaeval.correlation.humans import HUMAN, HumanResults, as_humans
from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.taskset import Task
from metaeval.csvio import csv_text
from metaeval.report import labels
from metaeval.report.latex import latex_comment, latex_escape, table_label


def _tasks(result: CorrelationResult) -> list[Task]:
    return [Task.parse(name) for name in result.signature.tasks]


def _cells(result: CorrelationResult, task: Task) -> dict[str, tuple[float, object]]:
    rows = result.table[result.table["task"] == task.name]
    return {r["metric"]: (r["statistic"], r["cluster"]) for r in rows.to_dict(orient="records")}


def _order(result: CorrelationResult) -> list[str]:
    """Metrics with an average (best first), then the others in their order."""
    ranked = list(result.averages["metric"]) if result.averages is not None else []
    return ranked + [m for m in result.metrics if m not in ranked]


def taskset_context(result: CorrelationResult) -> dict | None:
    """Rows and headers of the HTML table (None without a protocol task set)."""
    if not result.signature.tasks:
        return None
    tasks = _tasks(result)
    cells = [_cells(result, t) for t in tasks]
    averages = (result.averages.set_index("metric") if result.averages is not None
                else pd.DataFrame(columns=AVERAGE_COLUMNS).set_index("metric"))
    rows = []
    for metric in _order(result):
        row = {"metric": labels.metric_label(result, metric), "cells": []}
        for task_cells in cells:
            value, rank = task_cells.get(metric, (None, None))
            row["cells"].append({"value": labels.fmt(value),
                                 "rank": "" if labels.is_missing(rank) else f"({int(rank)})"})
        if metric in averages.index:
            a = averages.loc[metric]
            row.update(average=labels.fmt(a["average"]), avg_rank=labels.fmt(a["rank"], 2),
                       cluster="" if labels.is_missing(a["cluster"]) else int(a["cluster"]),
                       best=not labels.is_missing(a["cluster"]) and int(a["cluster"]) == 1)
        else:
            row.update(average="\u2013", avg_rank="\u2013", cluster="", best=False)
        rows.append(row)
    weights = list(result.signature.weights) or [None] * len(tasks)
    return {"protocol": result.signature.protocol, "rows": rows, "averaged": bool(
        result.signature.weights), "tasks": [{"label": t.label, "name": t.name,
                                              "weight": "" if w is None else labels.fmt(w)}
                                             for t, w in zip(tasks, weights)]}


def taskset_latex(result: CorrelationResult) -> str:
    """The task-set table as booktabs LaTeX ('' without a protocol task set)."""
    context = taskset_context(result)
    if context is None:
        return ""
    tasks = context["tasks"]
    averaged = context["averaged"]
    head = ["Metric"] + (["Avg.", "Rank"] if averaged else []) + [t["label"] for t in tasks]
    spec = "l" + ("rr" if averaged else "") + "r" * len(tasks)
    lines = [latex_comment(f"metaeval {context['protocol']} task set; {result.signature}"),
             r"\begin{table*}[t]", r"\centering\footnotesize", r"\begin{tabular}{" + spec + "}",
             r"\toprule", " & ".join(latex_escape(h) for h in head) + r" \\", r"\midrule"]
    for row in context["rows"]:
        name = latex_escape(row["metric"])
        cells = [name]
        if averaged:
            average = row["average"]
            cells += [rf"\textbf{{{average}}}" if row["best"] else average, row["avg_rank"]]
        cells += [f"{c['value']} {c['rank']}".strip() for c in row["cells"]]
        lines.append(" & ".join(cells) + r" \\")
    caption = (f"{context['protocol']}: " if context["protocol"] else "") + (
        "average over the tasks (values rescaled to [0, 1], weighted), the weighted average "
        "rank, and each task's value with its significance-cluster rank; bold: best cluster of "
        "the average." if averaged else "each task's value with its significance-cluster rank.")
    caption += f" Human score: {result.human}."
    lines += [r"\bottomrule", r"\end{tabular}", r"\caption{" + latex_escape(caption) + "}",
              table_label(result, "tasks"), r"\end{table*}", ""]
    return "\n".join(lines)


def averages_csv(result: CorrelationResult | HumanResults) -> str:
    """``averages.csv``: human, metric, average, rank, cluster, pvalue_next (each human's
    rows best first)."""
    return csv_text(as_humans(result).stacked("averages"), [HUMAN, *AVERAGE_COLUMNS])
