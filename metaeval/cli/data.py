"""`metaeval data list|download|path` (the data-set registry), `metaeval data texts` (an
mt-metrics-eval evalset's texts as a score manifest) and `metaeval datasets` (studies)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from metaeval.cli.app import OneLineErrors, app
from metaeval.cli.common import choice_enum, cli_errors, echo, value_of
from metaeval.data.datasets import locate, resolve, resolve_file
from metaeval.data.download import download
from metaeval.data.mtme import load_evalset
from metaeval.data.registry import registry
from metaeval.data.studies import list_studies
from metaeval.errors import ParameterError
from metaeval.io import check_output_file, write_atomic
from metaeval.paths import DATA_DIR_VARIABLE, display_path

data_app = typer.Typer(cls=OneLineErrors, no_args_is_help=True,
                       help="Real data sets: where they are, download them (sha256-verified).")
app.add_typer(data_app, name="data")
Downloadable = choice_enum("Downloadable", [*(n for n, e in registry().items() if not e.derived),
                                            "all"])
Registered = choice_enum("Registered", list(registry()))


@app.command("datasets")
def datasets_command() -> None:
    """List the studies behind --domain (their data comes from `metaeval data`)."""
    with cli_errors():
        for line in list_studies():
            echo(line)


def _size(entry) -> str:
    return "-" if entry.derived else f"{entry.size / 1e6:.2f} MB"


@data_app.command("list")
def list_command() -> None:
    """Every registered set: name, licence, size, source and where it was found."""
    with cli_errors():
        echo("name\tlicence\tsize\tsource\tfound")
        for name, entry in registry().items():
            where = locate(name)
            found = f"{where[0]}: {display_path(where[1]) or where[1]}" if where else "not here"
            if where is None and entry.derived:
                found = "built at first use"
            echo(f"{name}\t{entry.licence}\t{_size(entry)}\t{entry.source}\t{found}")


@data_app.command("download")
def download_command(
    name: Downloadable = typer.Argument(..., help="The set to download, or all."),
    to: Path = typer.Option(..., help=f"Target folder (the {DATA_DIR_VARIABLE} layout)."),
    base_url: str = typer.Option(None, help="A mirror laid out like the data folder "
                                            "(https:// or file://) instead of each set's source."),
) -> None:
    """Download sets with sha256 verification into a data folder; re-running resumes."""
    with cli_errors():
        for result in download(value_of(name), to, base_url=base_url):
            echo(f"{result.name}: {len(result.downloaded)} downloaded, {len(result.skipped)} "
                 f"already present, in {result.folder}")
        echo(f"Use them with: export {DATA_DIR_VARIABLE}={to.resolve()}")


@data_app.command("path")
def path_command(
    name: Registered = typer.Argument(..., help="A registered set."),
    file: str = typer.Argument(None, help="A file of the set (default: the set's folder)."),
) -> None:
    """Print where a set (or one of its files) is, downloading or building it first if needed."""
    with cli_errors():
        echo(str(resolve_file(value_of(name), file) if file else resolve(value_of(name))))


@data_app.command("texts")
def texts_command(
    data: Path = typer.Option(..., "--data", help="An mt-metrics-eval evalset: ROOT/<testset>."),
    lp: str = typer.Option(..., "--lp", help="Language pair(s), comma-separated."),
    ref: str = typer.Option(None, "--ref", help="The main reference(s) the metric may use "
                                                "(refA, or refA.refB; default refA)."),
    out: Path = typer.Option(..., "--out", help="The manifest to write (.jsonl)."),
) -> None:
    """Write an evalset's texts as a `metaeval score` manifest (JSONL: item, system, hypothesis,
    reference, source, lp), to score a new metric and correlate it with WMT's metrics."""
    with cli_errors():
        lps = [p.strip() for p in lp.split(",") if p.strip()]
        check_output_file(out)
        if out.suffix != ".jsonl":
            raise ParameterError("out", str(out), "the manifest is JSON lines (references are "
                                 "lists).", "name it *.jsonl.")
        frames = [load_evalset(data, p).text_frame(ref, prefixed=len(lps) > 1) for p in lps]
        frame = pd.concat(frames, ignore_index=True)
        frame["reference"] = frame["reference"].map(list)
        write_atomic(out, frame.to_json(orient="records", lines=True, force_ascii=False))
        echo(f"{len(frame)} outputs of {', '.join(lps)} written to {out}; next: metaeval score "
             f"--manifest {out} --metrics NAME --out scores.csv, then metaeval correlate "
             f"--data-format mtme --data {data} --lp {lp} --scores scores.csv")
