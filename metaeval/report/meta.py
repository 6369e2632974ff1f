"""The "Meta-analysis across test sets" section of the HTML reports.

Formats a record of :func:`metaeval.correlation.meta.meta_analysis` (a multi-set `correlate`
run, or ``--meta-by`` subsets of one study): one row per metric with the random-effects pooled
correlation tanh(mu) and its CI, tau^2, I^2 = max(0, (Q - df)/Q) and Q with its p, the
per-set values (n), and the WMT-style average over sets with its significance cluster; best
average cluster first, metrics missing from some sets after the others, marked.
:func:`render_multiset_html` is the index page of a multi-set report (per-set rankings, then
this section).
"""

from __future__ import annotations

from collections.abc import Mapping

from metaeval.correlation.multiset import MultiSetResult
from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.report import labels
from metaeval.report.formatting import fmt_n
from metaeval.report.templating import render

METHOD_TEXT = (
    "Each set's {coefficient} (level {level}, pooled rows) is Fisher-z transformed, z = artanh r, "
    "with sampling variance c/(n - d) (Pearson c = 1, d = 3, Fisher 1921; Spearman c = 1.06, "
    "d = 3 and Kendall tau c = 0.437, d = 4, Fieller, Hartley & Pearson 1957). The pooled value "
    "is a random-effects mean, {method} (DerSimonian & Laird 1986; REML: Viechtbauer 2005), "
    "back-transformed with tanh, with its {ci}% interval; Q is Cochran's heterogeneity "
    "statistic and I^2 = max(0, (Q - df)/Q) the share of variation between sets beyond chance "
    "(Higgins & Thompson 2002). The average is the plain mean of r over the sets (WMT style); "
    "its clusters (alpha = {alpha}) come from the one-sided bootstrap p of 'a better than b' on "
    "the means of the sets' stored draws.")


def _cell(value, digits: int = 3) -> str:
    return labels.fmt(value, digits)


def meta_context(record: Mapping | None, names: Mapping[str, str] | None = None) -> dict | None:
    """The template context of the section (None without a record); ``names`` maps metric
    columns to their display labels."""
    if not record:
        return None
    names = names or {}
    sets = [s["name"] for s in record["sets"]]
    rows = []
    for r in record["metrics"]:
        cluster = r.get("average_cluster")
        cluster = None if labels.is_missing(cluster) else int(cluster)
        per_set = [r["per_set"].get(name) for name in sets]
        rows.append({
            "metric": r["metric"], "label": names.get(r["metric"]) or r["metric"],
            "pooled": _cell(r["pooled"]), "ci": labels.fmt_interval(r["ci_low"], r["ci_high"]),
            "tau2": labels.fmt(r.get("tau2"), 4), "i2": "\u2013" if labels.is_missing(r.get("i2"))
            else f"{100 * r['i2']:.0f}%", "q": _cell(r.get("q"), 2),
            "q_p": labels.fmt_p(r.get("q_pvalue")),
            "per_set": [{"value": _cell(c["statistic"]), "n": fmt_n(c["n"], c.get("n_items"))}
                        if c else
                        {"value": "absent", "n": ""} for c in per_set],
            "average": _cell(r["average"]), "cluster": cluster, "best": cluster == 1,
            "partial": not r.get("in_every_set", True), "n_sets": r.get("n_sets", len(sets))})
    method = record["method"].split("tau^2 by ")[-1]
    return {"coefficient": labels.coefficient_name(record["coefficient"]),
            "level": record["level"], "method": record["method"], "sets": sets,
            "scope": record.get("scope", f"{len(sets)} test sets"),
            "one_study": bool(record.get("meta_by")), "meta_by": record.get("meta_by"),
            "rows": rows, "notes": list(record.get("notes", [])),
            "any_partial": any(r["partial"] for r in rows),
            "text": METHOD_TEXT.format(coefficient=labels.coefficient_name(record["coefficient"]),
                                       level=record["level"], method=f"tau^2 by {method}",
                                       ci=round(100 * record.get("ci", 0.95)),
                                       alpha=record.get("alpha", 0.05))}


def _set_rows(result: CorrelationResult) -> list[dict]:
    """The pooled primary rows at the first level of one set, best first."""
    primary = labels.primary_coefficient(result)
    level = labels.levels(result)[0]
    table = result.table
    rows = table[(table["group"].astype(str) == POOLED) & (table["coefficient"] == primary)
                 & (table["level"] == level)].to_dict(orient="records")
    out = []
    for r in sorted(rows, key=lambda r: -r["statistic"] if not labels.is_missing(r["statistic"])
                    else float("inf")):
        cluster = None if labels.is_missing(r["cluster"]) else int(r["cluster"])
        out.append({"metric": r["metric"], "label": labels.metric_label(result, r["metric"]),
                    "value": labels.fmt(r["statistic"]),
                    "ci": labels.fmt_interval(r["ci_low"], r["ci_high"]),
                    "n": fmt_n(r["n"], r.get("n_items")), "cluster": cluster,
                    "best": cluster == 1})
    return out


def render_multiset_html(multi: MultiSetResult) -> str:
    """The index page of a multi-set report: the sets' rankings and the meta-analysis."""
    names = {m: labels.metric_label(r, m) for _, r in reversed(multi.sets) for m in r.metrics}
    first = multi.sets[0][1]
    sets = []
    for name, result in multi.sets:
        s = result.settings
        sizes = ", ".join(f"{s[key]} {word}" for key, word in
                          (("n_items", "items"), ("n_systems", "systems"), ("n_cells", "cells"))
                          if s.get(key) is not None)
        sets.append({"name": name, "title": result.dataset.title or result.dataset.name,
                     "human": result.human, "sizes": sizes, "data": result.signature.data,
                     "rows": _set_rows(result)})
    warnings = [f"{name}: {w}" for name, r in multi.sets for w in r.notes]
    return render("meta.html.j2", title=f"metaeval meta-analysis: {len(sets)} test sets",
                  version=multi.settings.get("metaeval_version", ""),
                  signature=str(multi.signature), settings=multi.settings, sets=sets,
                  n_metrics=len(names), primary=labels.coefficient_name(
                      labels.primary_coefficient(first)),
                  level=labels.levels(first)[0], warnings=warnings,
                  meta=meta_context(multi.meta, names))
