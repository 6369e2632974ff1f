"""The HTML report: one self-contained file (inline CSS, inline SVG plots, no scripts, no URLs).

Rendered with jinja2 (autoescape on for all text); only the SVG strings made by
:mod:`metaeval.report.plots` are inserted unescaped.
"""

from __future__ import annotations

from dataclasses import replace

from metaeval.correlation.humans import HumanResults, as_humans
from metaeval.correlation.result import CorrelationResult
from metaeval.io import safe_name
from metaeval.paths import display_path
from metaeval.report import labels, plots, thumbnails
from metaeval.report.disagreement import SHOWN as DISAGREEMENTS_SHOWN
from metaeval.report.disagreement import disagreement_tables
from metaeval.report.explorer_inputs import ExplorerInputs
from metaeval.report.explorer_media import attach_inputs
from metaeval.report.figures import prefix_ids
from metaeval.report.headline import headline_rows
from metaeval.report.meta import meta_context
from metaeval.report.methods import methods_text
from metaeval.report.per_item import per_item_plots
from metaeval.report.power import power_context
from metaeval.report.preferences import preference_context
from metaeval.report.stability import stability_context
from metaeval.report.taskset import taskset_context
from metaeval.report.templating import render
from metaeval.report.voicemos import voicemos_context


def level_coefficients(result: CorrelationResult, level: str) -> list[str]:
    """Coefficients with a value at ``level``, primary first (e.g. pooled accuracy is system-only)."""
    present = set(result.table.loc[result.table["level"] == level, "coefficient"])
    return [c for c in labels.coefficients(result) if c in present]


def _metric_row(result: CorrelationResult, metric: str, cells: dict, coefs: list[str]) -> dict:
    """One summary-table row: values/CI/p per coefficient, the primary's chance interval."""
    main = cells[(metric, coefs[0])]
    cluster = main.get("cluster")
    cluster = None if labels.is_missing(cluster) else int(cluster)
    values = []
    for coef in coefs:
        r = cells.get((metric, coef))
        values.append({
            "value": labels.fmt(r["statistic"]) if r else "\u2013",
            "ci": (f"[{labels.fmt(r['ci_low'])}, {labels.fmt(r['ci_high'])}]"
                   if r and not labels.is_missing(r["ci_low"]) else ""),
            "p": labels.fmt_p(r["pvalue"]) if r else "\u2013",
        })
    notes = [f"{c}: {cells[(metric, c)]['note']}" if c != coefs[0] else
             cells[(metric, c)]["note"] for c in coefs
             if (metric, c) in cells and isinstance(cells[(metric, c)].get("note"), str)
             and cells[(metric, c)]["note"]]
    return {"metric": metric, "label": labels.metric_label(result, metric),
            "direction": result.metrics.get(metric, "higher"), "values": values,
            "cluster": cluster, "best": cluster == 1, "note": "; ".join(notes),
            "chance": labels.fmt_interval(main.get("chance_low"), main.get("chance_high")),
            "sort": -labels.goodness(coefs[0], main["statistic"])
            if not labels.is_missing(main["statistic"]) else float("inf"),
            "n": main.get("n"), "n_items": main.get("n_items")}


def _entered(rows: list[dict], level: str) -> str:
    """'items entering the average: 43-96' when some row's average left groups out, else ''."""
    known = [(int(r["n_items"]), int(r["n"])) for r in rows
             if not labels.is_missing(r.get("n_items")) and not labels.is_missing(r["n"])]
    if not any(used < n for used, n in known):
        return ""
    low, high = min(u for u, _ in known), max(u for u, _ in known)
    unit = "items" if level == "item" else "systems"
    return f"{unit} entering the average: {low}" + (f"\u2013{high}" if high > low else "")


def summary_tables(result: CorrelationResult, level: str) -> list[dict]:
    """Per group: rows of (metric, direction, value/CI/p per coefficient, cluster, chance), best
    first, then the noise ceiling and the chance baseline rows where known."""
    table = result.table[result.table["level"] == level]
    coefs = level_coefficients(result, level)
    primary = coefs[0] if coefs else labels.primary_coefficient(result)  # the level's lead
    out = []
    for group in labels.groups(result):
        sub = table[table["group"].astype(str) == group]
        if sub.empty:
            continue
        cells = {(r["metric"], r["coefficient"]): r for r in sub.to_dict(orient="records")}
        rows = [_metric_row(result, metric, cells, coefs) for metric in labels.metrics(result)
                if (metric, primary) in cells]
        rows.sort(key=lambda r: r["sort"])
        n_values = {r["n"] for r in rows if not labels.is_missing(r["n"])}
        out.append({"group": group,
                    "title": "pooled (all groups)" if labels.is_pooled(result, group) else group,
                    "rows": rows, "n": ", ".join(str(int(n)) for n in sorted(n_values)),
                    "entered": _entered(rows, level),
                    "ceiling": _ceiling_cells(sub, coefs), "chance": _chance_cells(sub, coefs),
                    "has_chance": any(r["chance"] for r in rows),
                    "has_notes": any(r["note"] for r in rows)})
    return out


def _chance_cells(rows, coefs: list[str]) -> list[dict] | None:
    """Per coefficient the chance baseline of the group: the widest chance interval over its
    metrics (:func:`labels.chance_envelope`); None when no chance interval is known."""
    cells = [labels.chance_envelope(rows[rows["coefficient"] == coef]) for coef in coefs]
    if all(c is None for c in cells):
        return None
    return [{"value": "\u2013", "ci": ""} if c is None else
            {"value": "", "ci": labels.fmt_interval(*c)} for c in cells]


def _ceiling_cells(rows, coefs: list[str]) -> list[dict] | None:
    """The group's noise ceiling per coefficient (same for every metric), or None if unknown."""
    if "ceiling" not in rows.columns or rows["ceiling"].isna().all():
        return None
    cells = []
    for coef in coefs:
        known = rows[(rows["coefficient"] == coef) & rows["ceiling"].notna()]
        if known.empty:
            cells.append({"value": "\u2013", "ci": ""})
            continue
        r = known.iloc[0]
        cells.append({"value": labels.fmt(r["ceiling"]),
                      "ci": f"[{labels.fmt(r['ceiling_low'])}, {labels.fmt(r['ceiling_high'])}]"})
    return cells


def _level_section(result: CorrelationResult, level: str, primary: str) -> dict:
    """One level's summary tables and figures, led by its first coefficient (the primary one
    where the level has it; a task set's level may not)."""
    coefs = level_coefficients(result, level)
    lead = coefs[0] if coefs else primary
    return {"level": level, "description": labels.LEVEL_DESCRIPTIONS.get(level, level),
            "primary": labels.coefficient_name(lead),
            "coefficients": [labels.coefficient_name(c) for c in coefs],
            "tables": summary_tables(result, level),
            "group_vs_group": plots.group_vs_group_svg(result, level, lead),
            "headline": headline_rows(result, level, lead),
            "forest": plots.forest_plot_svg(result, level, lead),
            "heatmap": plots.pairwise_heatmap_svg(result, level, lead)}


def human_slugs(humans: list[str]) -> list[str]:
    """One HTML id fragment per human column: its safe name, made unique."""
    out: list[str] = []
    for human in humans:
        slug = base = safe_name(human, "human")
        while slug in out:
            slug = f"{base}-{len(out)}"
        out.append(slug)
    return out


def _prefixed(value, prefix: str):
    """``value`` (a context: dicts, lists, strings) with the ids of its SVG figures prefixed."""
    if isinstance(value, str):
        return prefix_ids(value, prefix) if value.lstrip().startswith("<svg") else value
    if isinstance(value, dict):
        return {k: _prefixed(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [_prefixed(v, prefix) for v in value]
    return value


def human_context(result: CorrelationResult) -> dict:
    """What the report shows of one human column (its section of the page)."""
    primary = labels.primary_coefficient(result)
    lvls = labels.levels(result)
    voicemos = voicemos_context(result)
    return {
        "human": result.human, "settings": result.settings,
        "signature": str(result.signature), "warnings": list(result.notes),
        "sections": [_level_section(result, level, primary) for level in lvls],
        "multi_level": len(lvls) > 1, "groups": labels.real_groups(result),
        "group_by": result.settings.get("group_by") or result.group_column,
        "scatter": plots.scatter_grid_svg(result) if len(result.points) else None,
        "disagreements": thumbnails.disagreement_panels(result),
        "rank_gaps": disagreement_tables(result), "rank_gaps_shown": DISAGREEMENTS_SHOWN,
        "rank_gaps_open": False, "media_note": "", "stimuli": [],
        "shown": {"scatter": min(plots.MAX_PANELS, len(result.metrics)),
                  "heatmap": min(plots.MAX_HEATMAP, len(result.metrics)),
                  "all": len(result.metrics)},
        "methods": methods_text(result), "stability": stability_context(result),
        "meta": meta_context(result.meta, {m: labels.metric_label(result, m)
                                           for m in result.metrics}),
        "power": power_context(result), "preferences": preference_context(result),
        "taskset": None if voicemos else taskset_context(result), "voicemos": voicemos,
        "per_item": per_item_plots(result),
        "colours": plots.group_colours(result),
    }


def render_html(result: CorrelationResult | HumanResults,
                inputs: ExplorerInputs | None = None) -> str:
    """The full report as one HTML string: a section per human column (one when one), each
    with its tables, figures and methods; ``inputs``: what the disagreement tables show of
    each listed cell (:mod:`metaeval.report.explorer_media`), each file embedded once."""
    run = as_humans(result)
    humans = [human_context(r) for r in run]
    for h, slug in zip(humans, human_slugs(run.humans)):
        h.update(slug=slug, pid=f"{slug}-" if len(humans) > 1 else "")
        if len(humans) > 1:  # the figures of each section keep ids of their own
            h.update(_prefixed(h, slug))
    media_note, stimuli = attach_inputs([t for h in humans for t in h["rank_gaps"]], inputs)
    shown = [h for h in humans if h["rank_gaps"]]
    if shown:  # the embedded files are listed once, after the last disagreement tables
        shown[-1].update(media_note=media_note, stimuli=stimuli)
    first, s = run.first, run.settings()
    info = replace(first.dataset, source=display_path(first.dataset.source))
    context = {
        "title": f"metaeval report: {info.title or info.name}",
        "dataset": info, "humans": humans, "settings": s, "signature": str(run.signature),
        "primary": labels.coefficient_name(labels.primary_coefficient(first)),
        "coefficients": [labels.coefficient_name(c) for c in labels.coefficients(first)],
        "groups": labels.real_groups(first),
        "group_by": s.get("group_by") or first.group_column,
        "metrics": labels.metrics(first),
        "sizes": [(word, s.get(key)) for key, word in
                  (("n_items", "items"), ("n_systems", "systems"), ("n_cells", "cells"))
                  if s.get(key) is not None],
    }
    return render("report.html.j2", **context)
