"""`metaeval correlate`: pick the data, run `correlate`, write the reports, print a summary.

The summary (stdout) is one plain table per group and level of the primary coefficient, full
metric names, readable at 80 columns; progress and warnings go to stderr; the signature is
printed as one unwrapped line.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import typer

from metaeval.cli.app import app
from metaeval.cli.common import (
    choice_enum,
    cli_errors,
    comma_choices,
    echo,
    note,
    split,
    value_of,
)
from metaeval.cli.text import text_table
from metaeval.correlation import Settings, correlate, judgements
from metaeval.correlation.settings import SIGNIFICANCE
from metaeval.data.bundled import DOMAINS
from metaeval.data.columns import MISSING_POLICIES
from metaeval.report import FORMATS, write_reports
from metaeval.report.formatting import fmt, fmt_interval, is_missing
from metaeval.stats.coefficients import COEFFICIENTS
from metaeval.stats.vocabulary import CI_METHODS, LEVELS, RESAMPLE_UNITS

DEFAULT_COEFFICIENTS = ("spearman", "pearson")
DEFAULT_LEVELS = ("none",)
Domain = choice_enum("Domain", tuple(DOMAINS))
CIMethod = choice_enum("CIMethod", CI_METHODS)
Resample = choice_enum("Resample", RESAMPLE_UNITS)
Missing = choice_enum("Missing", MISSING_POLICIES)
SignificanceChoice = choice_enum("Significance", SIGNIFICANCE)


@app.command("correlate")
def correlate_command(
    domain: Domain = typer.Option(None, help="Use the bundled data set of a domain."),
    data: Path = typer.Option(None, "--data", help="Judgement table: CSV, TSV, JSONL or Parquet."),
    scores: Path = typer.Option(None, help="Scores from `metaeval score`, joined on (item, system)."),
    item: str = typer.Option(None, help="Column naming the item (stimulus / segment)."),
    system: str = typer.Option(None, help="Column naming the system (model / condition)."),
    human: str = typer.Option(None, help="Column with the human score (e.g. DMOS, MQM)."),
    rater: str = typer.Option(None, help="Column with the rater id when rows are single ratings."),
    metrics: str = typer.Option(None, help="Comma-separated metric columns (default: all numeric)."),
    lower_is_better: str = typer.Option(None, help="Metrics where lower is better (sign-flipped)."),
    group_by: str = typer.Option(None, help="One result per value of this column, plus pooled."),
    level: str = typer.Option(None, callback=comma_choices(LEVELS, "--level", "level"),
                              help=f"Comma-separated levels: {', '.join(LEVELS)}."),
    coef: str = typer.Option(None, callback=comma_choices(tuple(COEFFICIENTS), "--coef", "coefficient"),
                             help=f"Comma-separated coefficients: {', '.join(COEFFICIENTS)}."),
    k: int = typer.Option(1000, help="Bootstrap and permutation draws."),
    seed: int = typer.Option(0, help="Seed of every random draw."),
    ci: float = typer.Option(0.95, help="Confidence level of the bootstrap intervals."),
    ci_method: CIMethod = typer.Option("percentile", help="Bootstrap interval method."),
    resample: Resample = typer.Option("items", help="Bootstrap unit."),
    alpha: float = typer.Option(0.05, help="Significance level for the clusters."),
    missing: Missing = typer.Option("error", help="Missing metric scores: error, or drop the cell."),
    significance: SignificanceChoice = typer.Option(
        "primary", help="PERM-BOTH tests and clusters for the primary (first) coefficient, "
                        "all coefficients, or none."),
    out: Path = typer.Option(None, help="Report folder (default reports/<dataset>/)."),
    format: str = typer.Option(",".join(FORMATS), "--format",
                               callback=comma_choices(tuple(FORMATS), "--format", "report format"),
                               help=f"Comma-separated report formats: {', '.join(FORMATS)}."),
    quiet: bool = typer.Option(False, help="No progress bar or summary table."),
) -> None:
    """Correlate metrics with human judgements and write the reports."""
    with cli_errors():
        run_correlate(
            domain=value_of(domain), data=data, item=item, system=system, human=human,
            rater=rater, metrics=split(metrics), lower_is_better=split(lower_is_better),
            group_by=group_by, levels=split(level), coefficients=split(coef), k=k, seed=seed,
            ci=ci, ci_method=value_of(ci_method), resample=value_of(resample), alpha=alpha,
            missing=value_of(missing), significance=value_of(significance), out=out,
            formats=split(format), quiet=quiet, scores=scores)


def run_correlate(*, domain=None, data=None, item=None, system=None, human=None, rater=None,
                  metrics=(), lower_is_better=(), group_by=None, levels=(), coefficients=(),
                  k=1000, seed=0, ci=0.95, ci_method="percentile", resample="items", alpha=0.05,
                  missing="error", significance="primary", out=None, formats=(), quiet=False,
                  scores=None) -> Path:
    """Load, correlate, write the reports into ``out``; print the summary unless ``quiet``."""
    js, protocol = judgements(domain=domain, data=data, scores=scores, missing=missing,
                              lower_is_better=lower_is_better, item=item, system=system,
                              human=human, metrics=metrics or None, rater=rater,
                              groups=[group_by] if group_by else ())
    settings = Settings(
        coefficients=coefficients or protocol.get("coefficients", DEFAULT_COEFFICIENTS),
        levels=levels or protocol.get("levels", DEFAULT_LEVELS),
        group_by=group_by or protocol.get("group_by") or (js.groups[0] if js.groups else None),
        k=k, seed=seed, ci=ci, ci_method=ci_method, resample=resample, alpha=alpha,
        significance=significance)
    chosen = list(metrics) or list(protocol.get("metrics") or js.metric_names)
    out = Path(out) if out else Path("reports") / js.info.name
    if quiet:
        result = correlate(js, metrics=chosen, settings=settings)
    else:
        result = _with_progress(js, chosen, settings)
    written = write_reports(result, out, formats=formats or list(FORMATS))
    if not quiet:
        print_summary(result, written)
    return out


def _with_progress(js, metrics, settings):
    """`correlate` with a progress bar on stderr (only when stderr is a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return correlate(js, metrics=metrics, settings=settings)
    with Progress(TextColumn("correlate {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def report(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        return correlate(js, metrics=metrics, settings=settings, progress=report)


def _cell(row) -> list[str]:
    cluster = "" if is_missing(row["cluster"]) else str(int(row["cluster"]))
    return [fmt(row["value"]), fmt_interval(row["ci_low"], row["ci_high"]), cluster]


def summary_tables(result) -> list[str]:
    """One plain table per level and group of the primary coefficient, best metric first."""
    primary = result.settings["primary_coefficient"]
    table = result.table[result.table["coefficient"] == primary]
    ci = round(100 * float(result.settings["ci"]))
    out = []
    for level in dict.fromkeys(table["level"]):
        for group in dict.fromkeys(table["group"]):
            rows = table[(table["level"] == level) & (table["group"] == group)]
            rows = rows.sort_values("value", ascending=False, na_position="last")
            body = []
            for r in rows.to_dict(orient="records"):
                lower = result.metrics.get(r["metric"]) == "lower"
                body.append([r["metric"] + (" (-)" if lower else ""), *_cell(r), str(r["n"])])
            known = rows[rows["ceiling"].notna()]
            if len(known):
                c = known.iloc[0]
                body.append(["noise ceiling", fmt(c["ceiling"]),
                             fmt_interval(c["ceiling_low"], c["ceiling_high"]), "", ""])
            title = f"{primary} with {result.human}, level {level}, group {group}"
            out.append(title + "\n" + text_table(
                ["metric", "value", f"{ci}% CI", "cluster", "n"], body, right=(1, 4)))
    return out


def print_summary(result, written) -> None:
    """The summary tables, the cluster legend and the written files on stdout; warnings on
    stderr; the signature as one line."""
    for block in summary_tables(result):
        echo(block)
        echo()
    if any(direction == "lower" for direction in result.metrics.values()):
        echo("(-): lower is better; the metric was sign-flipped before every statistic.")
    if result.settings.get("permutation") == "perm-both":
        echo(textwrap.fill(
            f"cluster: significance cluster of {result.settings['primary_coefficient']} "
            f"(PERM-BOTH, alpha {result.settings['alpha']:g}); 1 = best; a new cluster starts at "
            "the first metric significantly worse than one of the current cluster.", width=80))
    for message in result.warnings:
        note(f"warning: {message}")
    for fmt_name, path in written.items():
        echo(f"{fmt_name:>5}: {path}")
    echo(f"signature: {result.signature}")
