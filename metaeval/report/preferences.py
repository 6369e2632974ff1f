"""The preference section of the reports: per-item values (table and plot), Bradley-Terry
strengths of the humans and of each metric, vote shares, and their CSV files.

CSV files (with the ``csv`` format, through :mod:`metaeval.csvio`), each with a ``human``
column first: ``bradley_terry.csv`` (``source, system, strength, ci_low, ci_high, rank``)
and, for best-of-N, ``vote_shares.csv`` (``item, system, votes, pages, share``); every item's
own value of every item statistic goes to ``per_item.csv`` in the columns of a ``--per-item`` run
(:func:`metaeval.report.per_item.per_item_csv`: ``unit`` the item, ``statistic`` its value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.humans import HUMAN, HumanResults, as_humans
from metaeval.correlation.result import CorrelationResult
from metaeval.csvio import csv_text
from metaeval.report import labels
from metaeval.report.figures import PALETTE, figure, render_svg
from metaeval.report.latex import fixed, latex_comment, latex_escape, table_label

CHOICE_CSVS = ("bradley_terry.csv", "vote_shares.csv")


def choice_csvs(result: CorrelationResult | HumanResults) -> dict[str, str]:
    """{file name: CSV text} of the preference tables present in the run, each with a
    ``human`` column first (the gold of its rows, as in every CSV of a report folder)."""
    run = as_humans(result)
    out = {}
    for name, key in zip(CHOICE_CSVS, ("bradley_terry", "vote_shares")):
        frames = [r.preferences[key].assign(**{HUMAN: r.human}) for r in run
                  if r.preferences is not None and r.preferences.get(key) is not None]
        if frames:
            table = pd.concat(frames, ignore_index=True)
            out[name] = csv_text(table[[HUMAN, *[c for c in table.columns if c != HUMAN]]])
    return out


def draw_per_item(result: CorrelationResult, coefficient: str):
    """One row per item, one marker per metric: the item's own value of ``coefficient``."""
    table = result.preferences["per_item"]
    rows = table[table["coefficient"] == coefficient]
    items = list(dict.fromkeys(rows["item"]))
    metrics = list(dict.fromkeys(rows["metric"]))
    fig, axes = figure(7.2, 0.8 + 0.26 * len(items))
    ax = axes[0, 0]
    for m, metric in enumerate(metrics):
        sub = rows[rows["metric"] == metric].set_index("item")["value"]
        offset = (m - (len(metrics) - 1) / 2) * 0.18
        ax.scatter([sub.get(i, np.nan) for i in items], np.arange(len(items)) + offset, s=18,
                   color=PALETTE[m % len(PALETTE)], label=labels.metric_label(result, metric),
                   zorder=3)
    ax.set_yticks(np.arange(len(items)))
    ax.set_yticklabels([labels.shorten(i, 40) for i in items])
    ax.invert_yaxis()
    ax.set_xlabel(f"{coefficient} per item")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=min(4, len(metrics)))
    return fig


def _per_item_context(result: CorrelationResult) -> list[dict]:
    table = result.preferences["per_item"]
    out = []
    for coefficient in dict.fromkeys(table["coefficient"]):
        rows = table[table["coefficient"] == coefficient]
        wide = rows.pivot(index="item", columns="metric", values="value")
        wide = wide.loc[list(dict.fromkeys(rows["item"])), list(dict.fromkeys(rows["metric"]))]
        out.append({
            "coefficient": coefficient,
            "metrics": [labels.metric_label(result, m) for m in wide.columns],
            "rows": [{"item": item, "values": [labels.fmt(v) for v in values]}
                     for item, values in zip(wide.index, wide.to_numpy())],
            "plot": render_svg(draw_per_item, f"per-item-{len(out)}",
                               f"{coefficient} of every item per metric", result, coefficient)})
    return out


def _strengths_context(result: CorrelationResult) -> dict:
    bt = result.preferences["bradley_terry"]
    sources = list(dict.fromkeys(bt["source"]))
    cell = {(r["source"], r["system"]): r for r in bt.to_dict(orient="records")}
    systems = list(bt.loc[bt["source"] == "humans"].sort_values("rank")["system"])
    return {"sources": [s if s == "humans" else labels.metric_label(result, s) for s in sources],
            "rows": [{"system": system,
                      "cells": [_strength_cell(cell.get((s, system))) for s in sources]}
                     for system in systems]}


def _strength_cell(row: dict | None) -> dict:
    if row is None:
        return {"value": "\u2013", "ci": "", "rank": ""}
    rank = row.get("rank")
    return {"value": labels.fmt(row["strength"]),
            "ci": labels.fmt_interval(row["ci_low"], row["ci_high"]),
            "rank": "" if labels.is_missing(rank) else str(int(rank))}


def preference_context(result: CorrelationResult) -> dict | None:
    """What the HTML section shows (None for a rating result)."""
    if result.preferences is None:
        return None
    prefs = result.preferences
    shares = prefs.get("vote_shares")
    return {"format": prefs["format"], "counts": prefs["counts"],
            "per_item": _per_item_context(result), "strengths": _strengths_context(result),
            "shares": None if shares is None else _shares_context(shares)}


def _shares_context(shares: pd.DataFrame) -> dict:
    wide = shares.pivot(index="item", columns="system", values="share")
    return {"systems": list(wide.columns),
            "rows": [{"item": item, "values": [labels.fmt(v) for v in values]}
                     for item, values in zip(wide.index, wide.to_numpy())]}


def bradley_terry_latex(result: CorrelationResult) -> str:
    """table.tex's Bradley-Terry table of a choice result ('' otherwise): one row per system in
    the humans' order, one column for the humans and one per metric, each cell the log-strength,
    its rank and, under it, its CI."""
    bt = None if result.preferences is None else result.preferences.get("bradley_terry")
    if bt is None:
        return ""
    sources = list(dict.fromkeys(bt["source"]))
    cell = {(r["source"], r["system"]): r for r in bt.to_dict(orient="records")}
    names = [s if s == "humans" else labels.metric_label(result, s) for s in sources]
    lines = [latex_comment(f"metaeval signature: {result.signature}"), r"\begin{table}[t]",
             r"\centering", r"\footnotesize", rf"\begin{{tabular}}{{l{'c' * len(sources)}}}",
             r"\toprule", " & ".join(["System", *map(latex_escape, names)]) + r" \\",
             r"\midrule"]
    for system in bt.loc[bt["source"] == "humans"].sort_values("rank")["system"]:
        cells = [_strength_tex(cell.get((s, system))) for s in sources]
        lines.append(" & ".join([latex_escape(system), *cells]) + r" \\")
    caption = ("Bradley-Terry log-strengths (rank; small print: CI) of the systems from the "
               "human choices and from each metric's verdicts on the same comparisons, "
               f"{latex_escape(result.dataset.title or result.dataset.name)}.")
    lines += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{caption}}}",
              table_label(result, "bradley-terry"), r"\end{table}"]
    return "\n".join(lines) + "\n"


def _strength_tex(row: dict | None) -> str:
    if row is None or labels.is_missing(row["strength"]):
        return "--"
    rank = "" if labels.is_missing(row.get("rank")) else f" ({int(row['rank'])})"
    interval = ("" if labels.is_missing(row["ci_low"]) else
                rf"\\{{\scriptsize$[{fixed(row['ci_low'], 2)},{fixed(row['ci_high'], 2)}]$}}")
    return rf"\begin{{tabular}}[t]{{@{{}}c@{{}}}}${fixed(row['strength'])}${rank}{interval}\end{{tabular}}"
