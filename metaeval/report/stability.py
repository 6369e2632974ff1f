"""The ranking-stability section of the HTML report (``metaeval correlate --stability``).

Formats :attr:`CorrelationResult.stability` (see :mod:`metaeval.correlation.stability`):
the flags, one table per leave-one-out unit (left-out system or group, top metric, Kendall
tau-b with the full ranking, best cluster changed), the metrics whose rank moves most, and per
pair of groups the per-metric differences and the reversed pairs, most significant first.
"""

from __future__ import annotations

from metaeval.correlation.result import CorrelationResult
from metaeval.correlation.stability import stability_flags
from metaeval.report import labels

MAX_REVERSALS = 15  # reversed pairs shown per comparison (all are in results.json)
MAX_MOVERS = 10  # metrics with the least stable rank shown per unit


def _leave_out_table(result: CorrelationResult, block: dict) -> dict:
    runs = [{"left_out": r["left_out"],
             "top": labels.metric_label(result, r["top"]) if r["top"] else "\u2013",
             "tau": labels.fmt(r["tau"]), "top_changed": r["top_changed"],
             "best_changed": r["best_changed"], "note": r["note"],
             "best": ", ".join(labels.metric_label(result, m) for m in r["best"])}
            for r in block["runs"]]
    movers = sorted(block["metrics"], key=lambda m: (-m["rank_changed"], -m["max_shift"]))
    movers = [{"label": labels.metric_label(result, m["metric"]), "rank": f"{m['rank']:g}",
               "changed": f"{100 * m['rank_changed']:.0f}%", "shift": f"{m['max_shift']:g}"}
              for m in movers[:MAX_MOVERS] if m["rank_changed"] > 0]
    unit = "system" if block["unit"] == "system" else f"{block['column']} group"
    return {"unit": unit, "runs": runs, "movers": movers,
            "top_changed": f"{100 * block['top_changed']:.0f}%",
            "best_changed": f"{100 * block['best_changed']:.0f}%",
            "tau_min": labels.fmt(block["tau_min"]), "tau_mean": labels.fmt(block["tau_mean"])}


def _comparison(result: CorrelationResult, comp: dict) -> dict:
    rows = sorted(comp["metrics"], key=lambda r: r["pvalue"]
                  if not labels.is_missing(r["pvalue"]) else 2.0)
    metrics = [{"label": labels.metric_label(result, r["metric"]), "a": labels.fmt(r["value_a"]),
                "b": labels.fmt(r["value_b"]), "rank_a": labels.fmt(r["rank_a"], 0), "rank_b": labels.fmt(r["rank_b"], 0),
                "delta": labels.fmt(r["delta"]),
                "ci": labels.fmt_interval(r["ci_low"], r["ci_high"]),
                "p": labels.fmt_p(r["pvalue"])} for r in rows]
    reversals = [{"i": labels.metric_label(result, r["metric_i"]),
                  "j": labels.metric_label(result, r["metric_j"]),
                  "gap_a": labels.fmt(r["gap_a"]), "gap_b": labels.fmt(r["gap_b"]),
                  "ci": labels.fmt_interval(r["ci_low"], r["ci_high"]),
                  "p": labels.fmt_p(r["pvalue"])} for r in comp["reversals"][:MAX_REVERSALS]]
    return {"a": comp["group_a"], "b": comp["group_b"], "column": comp["column"],
            "note": comp["note"], "metrics": metrics, "reversals": reversals,
            "n_reversals": len(comp["reversals"])}


def stability_context(result: CorrelationResult) -> dict | None:
    """What the template's stability section shows; None without a stability record."""
    record = getattr(result, "stability", None)
    if not record:
        return None
    top = labels.metric_label(result, record["top"]) if record["top"] else None
    return {"coefficient": labels.coefficient_name(record["coefficient"]),
            "level": labels.LEVEL_DESCRIPTIONS.get(record["level"], record["level"]),
            "top": top, "flags": stability_flags(record["leave_one_out"], top) if top else [],
            "k": record["k"], "seed": record["seed"], "alpha": record["alpha"],
            "tables": [_leave_out_table(result, b) for b in record["leave_one_out"]],
            "comparisons": [_comparison(result, c) for c in record["subgroups"]],
            "max_reversals": MAX_REVERSALS}
