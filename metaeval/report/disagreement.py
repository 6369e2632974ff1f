"""The disagreement tables of the HTML report: per metric, the cells with the largest rank gap
between metric and humans in each group (:mod:`metaeval.correlation.disagreement`), with the
human score's t-interval over the cell's raters, the raw metric score and the signed gap."""

from __future__ import annotations

from metaeval.correlation.result import CorrelationResult
from metaeval.report import labels
from metaeval.report.formatting import fmt, fmt_interval

SHOWN = 5  # cells per metric and group in the HTML (the result holds more)


def row_cells(row: dict) -> dict:
    """The printable fields of one disagreement row (used by the report and the CLI)."""
    return {"rank": int(row["rank"]), "item": str(row["item"]), "system": str(row["system"]),
            "human": fmt(row["human"]),
            "ci": fmt_interval(row["human_low"], row["human_high"]),
            "metric": fmt(row["metric_value"]), "gap": f"{float(row['gap']):+.3f}",
            "ranks": f"{fmt(row['human_rank'], 2)} / {fmt(row['metric_rank'], 2)}",
            "note": str(row.get("note") or "")}


def grouped_tables(table, metrics: dict[str, tuple[str, bool]], is_pooled,
                   shown: int | None = SHOWN) -> list[dict]:
    """Per metric of ``metrics`` (column -> (label, lower is better), in order): its groups,
    each with up to ``shown`` rows (all with None); ``is_pooled(group)`` names the pooled one."""
    if table is None or not len(table):
        return []
    out = []
    for metric, (label, flipped) in metrics.items():
        rows = table[(table["metric"] == metric)
                     & (table["rank"] <= (shown if shown is not None else len(table)))]
        if rows.empty:
            continue
        groups = [{"group": str(group),
                   "title": "pooled (all groups)" if is_pooled(str(group)) else str(group),
                   "rows": [row_cells(r) for r in part.to_dict(orient="records")]}
                  for group, part in rows.groupby("group", sort=False)]
        out.append({"metric": metric, "label": label, "flipped": flipped, "groups": groups,
                    "has_notes": bool((rows["note"].astype(str) != "").any())})
    return out


def disagreement_tables(result: CorrelationResult, shown: int = SHOWN) -> list[dict]:
    """Per metric (in the report's metric order): its groups, each with up to ``shown`` rows."""
    metrics = {m: (labels.metric_label(result, m), result.metrics.get(m) == "lower")
               for m in labels.metrics(result)}
    return grouped_tables(result.disagreements, metrics,
                          lambda group: labels.is_pooled(result, group), shown)
