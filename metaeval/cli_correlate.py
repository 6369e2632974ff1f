"""What `metaeval correlate` does: pick the data, run `correlate`, show a summary, write reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metaeval.errors import DataError, MetaevalError

DEFAULT_COEFFICIENTS = ("spearman", "pearson")
DEFAULT_LEVELS = ("none",)


def _load(domain, data, item, system, human, rater, metrics, lower_is_better, group_by, missing,
          scores=None):
    """Return (JudgementSet, protocol defaults dict)."""
    if data is None:
        if domain is None:
            raise DataError("give --data FILE (with --item/--system/--human) or --domain audio "
                            "for the bundled listening test.")
        from metaeval.data.bundled import bundled_dataset, bundled_protocol

        js = bundled_dataset(domain, missing=missing)
        return js, bundled_protocol(domain)
    from metaeval.data.loaders import load_table

    path = Path(data)
    js = load_table(path, item=item, system=system, human=human, metrics=metrics or None,
                    rater=rater, groups=[group_by] if group_by else (),
                    lower_is_better=lower_is_better, missing=missing, scores=scores)
    return js, {}


def run_correlate(*, domain, data, item, system, human, rater, metrics, lower_is_better, group_by,
                  levels, coefficients, k, seed, ci, ci_method, resample, alpha, missing,
                  significance, out, formats, quiet, scores=None) -> Path:
    from metaeval.api import correlate
    from metaeval.report import write_reports

    if scores is not None and data is None:
        raise DataError("--scores joins metric scores onto a judgement table: give --data FILE too.")
    js, protocol = _load(domain, data, item, system, human, rater, metrics, lower_is_better,
                         group_by, missing, scores)
    if lower_is_better and data is None:
        js = _with_lower_is_better(js, lower_is_better)
    group_by = group_by or protocol.get("group_by") or (js.groups[0] if js.groups else None)
    levels = levels or list(protocol.get("levels", DEFAULT_LEVELS))
    coefficients = coefficients or list(protocol.get("coefficients", DEFAULT_COEFFICIENTS))
    chosen = metrics or list(protocol.get("metrics") or js.metric_names)
    formats = formats or ["html", "latex", "csv", "json"]
    out = Path(out) if out else Path("reports") / js.info.name

    _check_formats(formats)
    run = dict(metrics=chosen, coefficients=coefficients, levels=levels, group_by=group_by, k=k,
               seed=seed, ci=ci, ci_method=ci_method, resample=resample, alpha=alpha,
               significance=significance)
    if quiet:
        result = correlate(js, **run)
    else:
        result = _with_progress(correlate, js, run)
    written = write_reports(result, out, formats=formats)
    if not quiet:
        _print_summary(result, written)
    return out


def _check_formats(formats) -> None:
    """Fail before the (long) computation when a report format is unknown."""
    from metaeval.report import FORMATS

    unknown = [f for f in formats if f.lower() not in FORMATS]
    if unknown:
        raise MetaevalError(f"unknown report format(s) {unknown}. Fix: choose from "
                            f"{', '.join(FORMATS)}.")


def _with_lower_is_better(js, names):
    from dataclasses import replace

    from metaeval.data.judgements import MetricInfo

    unknown = [n for n in names if n not in js.metrics]
    if unknown:
        raise DataError(f"--lower-is-better names unknown metric(s) {unknown}.")
    metrics = {m: (MetricInfo(m, False, info.description, info.citation) if m in names else info)
               for m, info in js.metrics.items()}
    return replace(js, metrics=metrics)


def _with_progress(correlate, js, run):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]correlate[/] {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def report(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        return correlate(js, progress=report, **run)


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"


def _print_summary(result, written) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    primary = result.settings["primary_coefficient"]
    table = result.table[result.table["coefficient"] == primary]
    groups = list(dict.fromkeys(table["group"]))
    for level in dict.fromkeys(table["level"]):
        view = Table(title=f"{primary} with {result.human} (level {level}); [cluster] 1 = best",
                     header_style="bold")
        view.add_column("metric")
        for group in groups:
            view.add_column(group, justify="right")
        at_level = table[table["level"] == level]
        order = at_level[at_level["group"] == groups[-1]].sort_values("value", ascending=False)
        for metric in order["metric"]:
            cells = []
            for group in groups:
                row = at_level[(at_level["group"] == group) & (at_level["metric"] == metric)]
                if row.empty:
                    cells.append("")
                    continue
                r = row.iloc[0]
                cluster = "" if pd.isna(r["cluster"]) else f" [{int(r['cluster'])}]"
                cells.append(f"{_fmt(r['value'])} ({_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}){cluster}")
            arrow = "" if result.metrics.get(metric) == "higher" else " (↓, flipped)"
            view.add_row(metric + arrow, *cells)
        if at_level["ceiling"].notna().any():
            ceilings = []
            for group in groups:
                known = at_level[(at_level["group"] == group) & at_level["ceiling"].notna()]
                ceilings.append("" if known.empty else
                                f"{_fmt(known.iloc[0]['ceiling'])} ({_fmt(known.iloc[0]['ceiling_low'])}, "
                                f"{_fmt(known.iloc[0]['ceiling_high'])})")
            view.add_section()
            view.add_row("[italic]noise ceiling[/]", *ceilings)
        console.print(view)
    for note in result.warnings:
        console.print(f"[yellow]warning:[/] {note}")
    for fmt, path in written.items():
        console.print(f"{fmt:>5}: {path}")
    console.print(f"[dim]{result.signature}[/]")


__all__ = ["run_correlate", "MetaevalError"]
