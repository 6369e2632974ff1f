"""`metaeval explain`: the cells where a metric and the humans disagree most.

Per metric and group (each value of ``--group-by``, then the pooled set ``all``): the ``--top``
cells with the largest rank gap between metric and humans, with the human score's t-interval
over the cell's raters (:mod:`metaeval.correlation.disagreement`). A plain table on stdout;
``--csv`` writes every row; ``--html`` writes them as a page with the cells' inputs from
``--manifest`` (audio players with ``--embed-media``, text snippets) and the metrics' error
analyses from ``--scores``, or from the run's own scoring with ``--domain mt|text``
(:mod:`metaeval.cli.media`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from metaeval.cli.app import app
from metaeval.cli.common import cli_errors, echo, split, value_of
from metaeval.cli.correlate import DATA_OPTION, EXCLUDE_OPTION, MISSING_OPTION, Domain, Missing
from metaeval.cli.media import (
    BUDGET_OPTION,
    EMBED_OPTION,
    MANIFEST_OPTION,
    SECONDS_OPTION,
    media_inputs,
)
from metaeval.cli.options import (
    DOMAIN_OPTION,
    ITEM_OPTION,
    LOWER_OPTION,
    RATER_OPTION,
    SYSTEM_OPTION,
)
from metaeval.cli.text import text_table
from metaeval.correlation import judgements
from metaeval.correlation.api import chosen_metrics
from metaeval.correlation.assemble import result_points
from metaeval.correlation.disagreement import DEFAULT_TOP, disagreement_table
from metaeval.csvio import csv_text
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.io import check_output_file, write_atomic
from metaeval.report.disagreement import row_cells
from metaeval.report.explain_html import explain_html
from metaeval.report.explorer_inputs import with_details

HEADERS = ["#", "item", "system", "human", "interval", "metric", "gap", "ranks h/m", "note"]


@app.command("explain")
def explain_command(
    domain: Domain = DOMAIN_OPTION,
    data: Path = DATA_OPTION,
    item: str = ITEM_OPTION,
    system: str = SYSTEM_OPTION,
    human: str = typer.Option(None, help="Human score column (default: the first)."),
    rater: str = RATER_OPTION,
    metric: str = typer.Option(None, "--metric", "--metrics",
                               help="Comma-separated metric columns (default: all)."),
    lower_is_better: str = LOWER_OPTION,
    group_by: str = typer.Option(None, help="Rank within each value of this column (default: the "
                                            "protocol's grouping), plus pooled."),
    pooled: bool = typer.Option(True, "--pooled/--no-pooled", help="Add the pooled group 'all'."),
    top: int = typer.Option(DEFAULT_TOP, help="Cells per metric and group."),
    confidence: float = typer.Option(0.95, help="Confidence level of the human t-intervals."),
    exclude_systems: str = EXCLUDE_OPTION, missing: Missing = MISSING_OPTION,
    csv: Path = typer.Option(None, "--csv", help="Write all rows to this CSV file."),
    scores: list[Path] = typer.Option(None, help="Scores from `metaeval score` (repeat for "
                                                 "several), joined on (item, system); their "
                                                 "details go into --html."),
    html: Path = typer.Option(None, "--html", help="Write the tables as an HTML page, with the "
                                                   "cells' inputs (--manifest)."),
    manifest: Path = MANIFEST_OPTION,
    embed_media: bool = EMBED_OPTION,
    media_budget: float = BUDGET_OPTION,
    media_seconds: float = SECONDS_OPTION,
) -> None:
    """Print the cells where each metric and the humans disagree most."""
    with cli_errors({"confidence": "--confidence", "top": "--top", "csv": "--csv",
                     "html": "--html"}):
        for path, name in ((csv, "csv"), (html, "html")):
            if path is not None:
                check_output_file(path, name)
        if (embed_media or manifest is not None) and html is None:
            raise ParameterError("manifest" if manifest is not None else "embed_media",
                                 manifest or True, "shows the cells' inputs in the HTML page. "
                                 "Fix: give --html explain.html too.")
        shown = media_inputs(manifest=manifest, scores=scores, domain=value_of(domain),
                             data=data, embed=embed_media, budget_mb=media_budget,
                             seconds=media_seconds) if html is not None else None
        scoring = domain is not None and data is None
        js, defaults = judgements(
            domain=value_of(domain), data=data, scores=scores, item=item, system=system,
            human=human,
            rater=rater, metrics=None if scoring else (split(metric) or None),
            score_metrics=split(metric) or None if scoring else None,
            lower_is_better=split(lower_is_better), progress=False, missing=value_of(missing),
            groups=[group_by] if group_by else (), exclude_systems=split(exclude_systems))
        grouping = group_by or defaults.get("group_by") or (js.groups[0] if js.groups else None)
        table = explain(js, split(metric) or None, human, grouping, pooled, top, confidence)
        if csv is not None:
            write_atomic(csv, csv_text(table))
        if html is not None:
            write_atomic(html, page(js, table, human, confidence, pooled, shown))
        print_tables(js, table)
        for path in (csv, html):
            if path is not None:
                echo(f"wrote {path}")


def explain(js: JudgementSet, metrics, human, group_by, pooled, top, confidence):
    """The disagreement table of ``js`` (what `metaeval explain` prints)."""
    human, metrics = chosen_metrics(js, metrics, human)
    points = result_points(js, metrics, human, group_by)
    ratings = js.individual_ratings() if human == js.gold else None
    reason = ("no individual ratings" if js.individual_ratings() is None
              else f"the individual ratings are of {js.gold}, not {human}")
    return disagreement_table(points, human, {m: js.metrics[m].direction for m in metrics},
                              ratings, top=top, confidence=confidence, pooled=pooled,
                              no_ratings_reason=reason)


def page(js: JudgementSet, table, human, confidence, pooled, shown) -> str:
    """The `--html` page of ``table``, with what the metrics scored in the run explained
    (``js.details``) added to ``shown``."""
    metrics = {m: (js.metrics[m].display_name, js.metrics[m].direction == "lower")
               for m in pd.unique(table["metric"])}
    return explain_html(table, metrics, human or js.gold, js.info.title or js.info.name,
                        confidence, pooled, with_details(shown, js.details))


def print_tables(js: JudgementSet, table) -> None:
    """One plain table per (metric, group)."""
    for (metric, group), part in table.groupby(["metric", "group"], sort=False):
        flipped = " (-, lower is better)" if js.metrics[metric].direction == "lower" else ""
        echo(f"{metric}{flipped}, group {group}: largest rank gaps (gap = rank(metric) - "
             "rank(human))")
        rows = [list(row_cells(r).values()) for r in part.to_dict(orient="records")]
        echo(text_table(HEADERS, rows, right=(0, 3, 5, 6)))
        echo()
