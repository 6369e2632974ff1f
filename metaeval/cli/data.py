"""`metaeval datasets` (bundled studies) and `metaeval data download` (external audio)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from metaeval.cli.app import OneLineErrors, app
from metaeval.cli.common import choice_enum, cli_errors, echo, value_of
from metaeval.data.bundled import list_bundled
from metaeval.data.download import download_dataset, downloadable

data_app = typer.Typer(cls=OneLineErrors, help="External data sets (audio) used by the examples and tests.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")
Downloadable = choice_enum("Downloadable", downloadable())


@app.command("datasets")
def datasets_command() -> None:
    """List the bundled data sets."""
    with cli_errors():
        for line in list_bundled():
            echo(line)


@data_app.command("download")
def download_command(
    name: Downloadable = typer.Argument(..., help="The data set to download."),
    to: Path = typer.Option(None, help="Target folder (default: $METAEVAL_DATA_DIR or ./data)."),
    base_url: str = typer.Option(None, help="Mirror or file:// folder instead of the recorded source."),
) -> None:
    """Download a data set with sha256 verification; re-running resumes."""
    dest = to or Path(os.environ.get("METAEVAL_DATA_DIR", "data"))
    with cli_errors():
        result = download_dataset(value_of(name), dest, base_url=base_url)
        echo(f"{result.name}: {len(result.downloaded)} downloaded, {len(result.skipped)} already "
             f"present, in {result.folder}. Set METAEVAL_DATA_DIR={dest} to use it.")
