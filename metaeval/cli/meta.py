"""`metaeval meta`: combine the results.json of several `metaeval correlate` runs (test sets)
into a random-effects meta-analysis and the WMT-style average (see
:mod:`metaeval.correlation.meta`); writes ``meta.json``, ``meta.csv`` and ``table.tex``. One results.json of a
``--meta-by`` run is recombined across its subsets (with their draws under ``--keep-draws``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import typer

from metaeval.cli.app import app
from metaeval.cli.common import choice_enum, cli_errors, echo, value_of
from metaeval.correlation.humans import human_payload
from metaeval.correlation.meta import meta_analysis, meta_table, set_summary, subset_summaries
from metaeval.correlation.meta_inputs import check_meta_settings
from metaeval.csvio import csv_text
from metaeval.errors import DataError
from metaeval.io import check_output_folder, json_safe, write_set
from metaeval.report.formatting import fmt, fmt_interval
from metaeval.report.latex import DEFAULT_LAYOUT, LAYOUTS
from metaeval.report.latex_meta import meta_latex_table, meta_latex_warnings
from metaeval.stats.meta import META_METHODS

MetaMethod = choice_enum("MetaMethod", META_METHODS)
LatexLayout = choice_enum("LatexLayout", LAYOUTS)
FILES = ["meta.json", "meta.csv", "table.tex"]


def meta_signature(names: list[str], payloads: list[dict], method: str, ci: float,
                   alpha: float) -> str:
    """What the combined numbers depend on: the settings and each set's signature (hashed)."""
    sets = ",".join(f"{name}@{hashlib.sha256(str(p.get('signature')).encode()).hexdigest()[:12]}"
                    for name, p in zip(names, payloads))
    return f"meta:{method}|ci:{ci}|alpha:{alpha}|sets:{sets}"


def read_results(path: Path, human: str | None = None) -> dict:
    """The payload of a results.json (or of ``path/results.json`` for a report folder): the
    part of its human column ``human`` (which may be left out when it has one)."""
    file = path / "results.json" if path.is_dir() else path
    try:
        return human_payload(json.loads(file.read_text(encoding="utf-8")), human, str(file))
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
    out: Path = typer.Option(Path("reports/meta"), help="Folder for meta.json, meta.csv and "
                                                        "table.tex."),
    ci: float = typer.Option(0.95, help="Confidence level of the pooled interval."),
    alpha: float = typer.Option(0.05, help="Significance level of the average's clusters."),
    method: MetaMethod = typer.Option("dl", help="Between-set variance tau^2: dl "
                                                 "(DerSimonian-Laird) or reml."),
    latex_layout: LatexLayout = typer.Option(DEFAULT_LAYOUT, help="table.tex: compact, "
                                             "two-column (table*) or full."),
    human: str = typer.Option(None, help="The human score column whose results to combine, "
                                         "when a results.json holds several."),
) -> None:
    """Meta-analysis of metric correlations over several test sets."""
    with cli_errors({"results": "RESULTS", "method": "--method", "human": "--human"}):
        check_meta_settings(ci, alpha, value_of(method))
        check_output_folder(out, owned=FILES)
        taken: set[str] = set()
        payloads = [(path, read_results(path, human)) for path in results]
        summaries = subset_summaries(payloads[0][1]) if len(payloads) == 1 else []
        summaries = summaries or [{**set_summary(payload, _set_name(path, taken)),
                                   "source": str(path)} for path, payload in payloads]
        record = meta_analysis(summaries, ci=ci, alpha=alpha, method=value_of(method))
        sources = [p for _, p in payloads] * (len(summaries) if len(payloads) == 1 else 1)
        signature = meta_signature([s["name"] for s in summaries], sources, value_of(method),
                                   ci, alpha)
        record["signature"] = signature
        write_set(out, {"meta.json": json.dumps(json_safe(record), indent=1),
                        "meta.csv": csv_text(meta_table(record)),
                        "table.tex": meta_latex_table(record, signature,
                                                      layout=value_of(latex_layout))},
                  owned=FILES)
        print_meta(record)
        for line in meta_latex_warnings(record):
            typer.echo(f"warning: {line}", err=True)
        echo(f"wrote {', '.join(str(out / f) for f in FILES)}")
