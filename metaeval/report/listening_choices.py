"""The report folder of a choice listening test (best-of-N or pairwise) from a
:class:`~metaeval.listening.choice_summary.ChoiceSummary`: ``items.csv``, ``systems.csv``,
``raters.csv`` (through :mod:`metaeval.csvio`), ``summary.json`` and one self-contained
``index.html`` (vote shares with their exact intervals, agreement, per-item table, methods,
signature), written as a set (:func:`metaeval.io.write_set`)."""

from __future__ import annotations

import json
from pathlib import Path

from metaeval.csvio import csv_text
from metaeval.io import write_set
from metaeval.listening.choice_summary import ChoiceSummary
from metaeval.report.formatting import fmt, fmt_interval
from metaeval.report.templating import render

CHOICE_FILES = ("items.csv", "systems.csv", "raters.csv", "summary.json", "index.html")
AGREEMENT_NAMES = {"fleiss_kappa": "Fleiss' kappa",
                   "krippendorff_alpha_nominal": "Krippendorff's alpha (nominal)"}


def _interval(row: dict, low: str = "ci_low", high: str = "ci_high") -> str:
    return fmt_interval(row.get(low), row.get(high)) or "\u2013"


def _system_table(result: ChoiceSummary, ci: int) -> dict:
    rows = result.systems.to_dict(orient="records")
    if result.table.format == "best-of-n":
        return {"id": "system-table", "numeric": (1, 2, 3, 4, 5, 6),
                "caption": f"Vote share per system over all pages ({ci}% Clopper-Pearson)",
                "headers": ["System", "votes", "pages", "share", "CI", "items", "top on items"],
                "rows": [[r["system"], r["votes"], r["n"], fmt(r["share"]), _interval(r),
                          r["n_items"], r["top_items"]] for r in rows]}
    return {"id": "system-table", "numeric": (1, 2, 3, 4, 5, 6),
            "caption": f"Win rate per system: wins / (wins + losses), ties apart ({ci}% "
                       "Clopper-Pearson)",
            "headers": ["System", "wins", "losses", "ties", "win rate", "CI", "items"],
            "rows": [[r["system"], r["wins"], r["losses"], r["ties"], fmt(r["win_rate"]),
                      _interval(r), r["n_items"]] for r in rows]}


def _item_table(result: ChoiceSummary, ci: int) -> dict:
    simultaneous = result.summary["settings"]["simultaneous"]
    keys = (["item", "system"] if result.table.format == "best-of-n"
            else ["item", "system_a", "system_b", "outcome"])
    headers = [k.replace("_", " ") for k in keys] + ["votes", "n", "share", "Clopper-Pearson"]
    headers += [simultaneous] if simultaneous != "none" else []
    rows = [[r[k] for k in keys] + [r["votes"], r["n"], fmt(r["share"]), _interval(r)]
            + ([_interval(r, "sim_low", "sim_high")] if simultaneous != "none" else [])
            for r in result.items.to_dict(orient="records")]
    first = len(keys)
    return {"id": "item-table", "numeric": tuple(range(first, len(headers))),
            "caption": f"Vote shares per item ({ci}% intervals)", "headers": headers,
            "rows": rows}


def _agreement_table(result: ChoiceSummary) -> dict:
    agreement = result.summary["agreement"]
    rows = [[AGREEMENT_NAMES[name], fmt(agreement[name]["statistic"]),
             _interval(agreement[name]), agreement[name]["note"]]
            for name in AGREEMENT_NAMES]
    return {"id": "agreement-table", "numeric": (1, 2), "caption": agreement["method"],
            "headers": ["Statistic", "value", "CI", "note"], "rows": rows}


def methods_paragraph(result: ChoiceSummary) -> str:
    """Plain text: what was counted, which intervals, which agreement statistics."""
    s = result.summary
    settings, counts = s["settings"], s["counts"]
    ci = round(100 * settings["ci"])
    unit = ("pages (one pick per listener and item)" if result.table.format == "best-of-n"
            else "verdicts (a, b or tie per rater and pair)")
    parts = [f"{counts['rows']} rows: {counts['raters']} raters, {counts['items']} items, "
             f"{counts['systems']} systems; the votes are counted over {unit}.",
             f"A vote share is votes / n with the exact {ci}% Clopper-Pearson interval "
             "(Clopper & Pearson 1934); no mean rating of 0/1 votes is formed."]
    if settings["simultaneous"] == "goodman":
        parts.append("Simultaneous intervals hold for all shares of an item at once (Goodman "
                     "1965, Technometrics 7(2)).")
    elif settings["simultaneous"] == "sison-glaz":
        parts.append("Simultaneous intervals hold for all shares of an item at once (Sison & "
                     "Glaz 1995, JASA 90(429)).")
    parts.append("Agreement between raters: Fleiss' kappa (Fleiss 1971) and Krippendorff's "
                 "alpha with the nominal metric (Krippendorff 2011), with percentile intervals "
                 f"from {settings['k']} bootstrap draws over units (seed {settings['seed']}).")
    parts.append("Pooled system shares treat pages (verdicts) as independent trials.")
    return " ".join(parts)


def render_choice_html(result: ChoiceSummary) -> str:
    """The report page as one string."""
    s = result.summary
    ci = round(100 * s["settings"]["ci"])
    kind = "best-of-N" if result.table.format == "best-of-n" else "pairwise"
    return render(
        "tables.html.j2", title=s["dataset"]["name"], kind=f"{kind} listening-test summary",
        subtitle=f"Listening test with {kind} choices: vote shares with exact intervals and "
                 "rater agreement",
        facts=[f"{s['counts']['rows']} rows", f"{s['counts']['raters']} raters",
               f"{s['counts']['items']} items", f"{s['counts']['systems']} systems",
               f"format: {result.table.format}",
               f"k = {s['settings']['k']}, seed = {s['settings']['seed']}"],
        notes=s["notes"],
        sections=[{"id": "systems", "title": "Systems", "text": "",
                   "tables": [_system_table(result, ci)]},
                  {"id": "agreement", "title": "Agreement between raters", "text": "",
                   "tables": [_agreement_table(result)]},
                  {"id": "items", "title": "Per item", "text": "",
                   "tables": [_item_table(result, ci)]}],
        methods=methods_paragraph(result), signature=s["signature"],
        footer="Written by metaeval listening summarize. Files next to this page: items.csv, "
               "systems.csv, raters.csv, summary.json.")


def write_choice_summary(result: ChoiceSummary, out_dir: str | Path) -> dict[str, Path]:
    """Write :data:`CHOICE_FILES` as a set into ``out_dir``; returns name -> path."""
    page = render_choice_html(result)
    texts = {"items.csv": csv_text(result.items), "systems.csv": csv_text(result.systems),
             "raters.csv": csv_text(result.raters),
             "summary.json": json.dumps(result.summary, indent=1) + "\n", "index.html": page}
    return write_set(Path(out_dir), texts, owned=CHOICE_FILES)
