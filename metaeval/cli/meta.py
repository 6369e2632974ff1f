"""`metaeval meta`: combine the results.json of several `metaeval correlate` runs (test sets)
into a random-effects meta-analysis and the WMT-style average (see
:mod:`metaeval.correlation.meta`); writes ``meta.json`` and ``meta.csv``. One results.json of a
``--meta-by`` run is recombined across its subsets (with their draws under ``--keep-draws``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from metaeval.cli.app import app
from metaeval.cli.common import choice_enum, cli_errors, echo, value_of
from metaeval.correlation.meta import meta_analysis, meta_table, set_summary, subset_summaries
from metaeval.errors import DataError
from metaeval.io import check_output_folder, json_safe, write_set
from metaeval.report.formatting import fmt, fmt_interval
from metaeval.stats.meta import META_METHODS

MetaMethod = choice_enum("MetaMethod", META_METHODS)


def read_results(path: Path) -> dict:
    """The payload of a results.json (or of ``path/results.json`` for a report folder)."""
    file = path / "results.json" if path.is_dir() else path
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{file}: no such results file. Fix: give the results.json (or report "
                        "folder) of a `metaeval correlate` run.") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{file}: not JSON ({error.msg}, line {error.lineno}). Fix: give a "
                        "results.json written by `metaeval correlate`.") from None


def _set_name(path: Path, taken: set[str]) -> str:
    """The report folder's name (``a/results.json`` -> ``a``), made unique."""
    name = (path if path.is_dir() else path.parent).resolve().name or path.stem
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def print_meta(record: dict) -> None:
    """The combined ranking on stdout (one line per metric), its notes on stderr."""
    echo(f"meta-analysis: {record['coefficient']} at level {record['level']} over "
         f"{len(record['sets'])} sets ({record['method']}):")
    for r in record["metrics"]:
        echo(f"  {r['metric']:<32} pooled {fmt(r['pooled'])} "
             f"{fmt_interval(r['ci_low'], r['ci_high'])}  I2 {fmt(r.get('i2'))}  "
             f"average {fmt(r['average'])}  cluster {fmt(r['average_cluster'], 0)}")
    for line in record["notes"]:
        typer.echo(f"note: {line}", err=True)


@app.command("meta")
def meta_command(
    results: list[Path] = typer.Argument(..., help="results.json files (or report folders) of "
                                                   "`metaeval correlate` runs, one per test set; "
                                                   "or one of a --meta-by run (its subsets)."),
    out: Path = typer.Option(Path("reports/meta"), help="Folder for meta.json and meta.csv."),
    ci: float = typer.Option(0.95, help="Confidence level of the pooled interval."),
    alpha: float = typer.Option(0.05, help="Significance level of the average's clusters."),
    method: MetaMethod = typer.Option("dl", help="Between-set variance tau^2: dl "
                                                 "(DerSimonian-Laird) or reml."),
) -> None:
    """Meta-analysis of metric correlations over several test sets."""
    with cli_errors({"results": "RESULTS"}):
        check_output_folder(out, owned=["meta.json", "meta.csv"])
        taken: set[str] = set()
        payloads = [(path, read_results(path)) for path in results]
        summaries = subset_summaries(payloads[0][1]) if len(payloads) == 1 else []
        summaries = summaries or [set_summary(payload, _set_name(path, taken))
                                  for path, payload in payloads]
        record = meta_analysis(summaries, ci=ci, alpha=alpha, method=value_of(method))
        write_set(out, {"meta.json": json.dumps(json_safe(record), indent=1),
                        "meta.csv": meta_table(record).to_csv(index=False)},
                  owned=["meta.json", "meta.csv"])
        print_meta(record)
        echo(f"wrote {out / 'meta.json'} and {out / 'meta.csv'}")
