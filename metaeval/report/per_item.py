"""The per-item correlations of a ``--per-item`` run: ``per_item.csv`` and the HTML strip plot.

- :func:`per_item_csv`: ``human, group, level, coefficient, metric, display_name, unit,
  statistic, n`` (one row per human column, item or system;
  :mod:`metaeval.correlation.per_item`); a run on human choices writes its per-item values
  (``result.preferences["per_item"]``: level ``item``, each item its own value of the
  statistic) in the same columns, without ``n``;
- :func:`per_item_plots`: per level one SVG of the primary coefficient: each metric a row of
  dots (one per item, pooled group, else the first group) with their mean as a bar, metrics in
  the order of the summary tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.humans import HUMAN, HumanResults, as_humans
from metaeval.correlation.per_item import PER_ITEM_COLUMNS
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.csvio import csv_text
from metaeval.report import labels
from metaeval.report.figures import PALETTE, figure, render_svg

CSV_COLUMNS = [HUMAN, *PER_ITEM_COLUMNS[:4], "display_name", *PER_ITEM_COLUMNS[4:]]


def per_item_frame(result: CorrelationResult) -> pd.DataFrame | None:
    """One human column's per-item values in the columns of :data:`CSV_COLUMNS` (None
    without any): the ``--per-item`` table, or the per-item values of a choice statistic."""
    table = result.per_item
    choices = (result.preferences or {}).get("per_item")
    if table is None and choices is not None:
        table = choices.rename(columns={"item": "unit", "value": "statistic"}).assign(
            group=POOLED, level="item")
    if table is None:
        return None
    return table.assign(display_name=table["metric"].map(result.display_name),
                        **{HUMAN: result.human})


def per_item_csv(result: CorrelationResult | HumanResults) -> str | None:
    """``per_item.csv`` of the run (see the module docstring); None when no human column has
    per-item values."""
    frames = [f for f in map(per_item_frame, as_humans(result)) if f is not None]
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return csv_text(table, [c for c in CSV_COLUMNS if c in table.columns])


def _shown(result: CorrelationResult, level: str):
    """(group, rows) of the primary coefficient at ``level``: the pooled group, else the first."""
    table = result.per_item
    rows = table[(table["level"] == level)
                 & (table["coefficient"] == labels.primary_coefficient(result))]
    groups = list(dict.fromkeys(rows["group"]))
    if not groups:
        return None, rows
    group = next((g for g in groups if labels.is_pooled(result, g)), groups[0])
    return group, rows[rows["group"] == group]


def draw_per_item(result: CorrelationResult, level: str):
    """The strip plot ``Figure`` (see the module docstring)."""
    group, rows = _shown(result, level)
    metrics = [m for m in labels.metrics(result) if m in set(rows["metric"])]
    fig, axes = figure(7.2, 0.8 + 0.35 * len(metrics))
    ax = axes[0, 0]
    rng = np.random.default_rng(0)  # jitter only: the values are not drawn
    for row, metric in enumerate(metrics):
        values = rows.loc[rows["metric"] == metric, "statistic"].to_numpy(float)
        values = values[np.isfinite(values)]
        ax.plot(values, row + rng.uniform(-0.2, 0.2, len(values)), "o", ms=3, alpha=0.5,
                color=PALETTE[0])
        if len(values):
            ax.plot([values.mean()] * 2, [row - 0.32, row + 0.32], color="#222222", lw=1.6)
    ax.axvline(0.0, color="#999999", lw=0.8, zorder=0)
    ax.set_yticks(range(len(metrics)), [labels.metric_label(result, m) for m in metrics])
    ax.set_ylim(len(metrics) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    unit = "item" if level == "item" else "system"
    ax.set_xlabel(f"{labels.coefficient_name(labels.primary_coefficient(result))} with "
                  f"{result.human} per {unit} ({group}); bar: mean")
    return fig


def per_item_plots(result: CorrelationResult) -> list[dict]:
    """Per level with per-item values: ``{"level", "group", "n", "svg"}`` ([] without)."""
    if result.per_item is None or result.per_item.empty:
        return []
    out = []
    for level in dict.fromkeys(result.per_item["level"]):
        group, rows = _shown(result, level)
        if group is None:
            continue
        out.append({"level": level, "group": group, "n": int(rows["unit"].nunique()),
                    "svg": render_svg(draw_per_item, f"per-item-{level}", f"per-{level} "
                                      "correlations per metric", result, level)})
    return out
