"""`metaeval` command line: thin wrappers over the Python API.

Bad input prints one line (``error: ...``) and exits with status 2, without a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from metaeval.errors import MetaevalError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Meta-evaluation of metrics against human judgement.")

FORMATS = ("html", "latex", "csv", "json")


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command()
def correlate(
    domain: str = typer.Option(None, help="Use the bundled data set of a domain (audio)."),
    data: Path = typer.Option(None, "--data", help="Judgement table: CSV, TSV, JSONL or Parquet."),
    scores: Path = typer.Option(None, help="Scores from `metaeval score`, joined on (item, system)."),
    item: str = typer.Option(None, help="Column naming the item (stimulus / segment)."),
    system: str = typer.Option(None, help="Column naming the system (model / condition)."),
    human: str = typer.Option(None, help="Column with the human score (e.g. DMOS, MQM)."),
    rater: str = typer.Option(None, help="Column with the rater id when rows are single ratings."),
    metrics: str = typer.Option(None, help="Comma-separated metric columns (default: all numeric)."),
    lower_is_better: str = typer.Option(None, help="Metrics where lower is better (sign-flipped)."),
    group_by: str = typer.Option(None, help="One result per value of this column, plus pooled."),
    level: str = typer.Option(None, help="Levels: none, item, sys, system (comma-separated)."),
    coef: str = typer.Option(None, help="Coefficients, e.g. spearman,pearson,kendall_b,acc23_tiecal."),
    k: int = typer.Option(1000, help="Bootstrap and permutation draws."),
    seed: int = typer.Option(0, help="Seed of every random draw."),
    ci: float = typer.Option(0.95, help="Confidence level of the bootstrap intervals."),
    ci_method: str = typer.Option("percentile", help="percentile or bca."),
    resample: str = typer.Option("items", help="Bootstrap unit: items, systems or both."),
    alpha: float = typer.Option(0.05, help="Significance level for the clusters."),
    missing: str = typer.Option("error", help="Missing metric scores: error (default) or drop."),
    significance: str = typer.Option(
        "primary", help="PERM-BOTH tests and clusters for the primary (first) coefficient, all, or none."),
    out: Path = typer.Option(None, help="Report folder (default reports/<dataset>/)."),
    format: str = typer.Option(",".join(FORMATS), "--format", help="html,latex,csv,json"),
    quiet: bool = typer.Option(False, help="No progress bar or summary table."),
) -> None:
    """Correlate metrics with human judgements and write the reports."""
    from metaeval.cli_correlate import run_correlate

    try:
        run_correlate(
            domain=domain, data=data, item=item, system=system, human=human, rater=rater,
            metrics=_split(metrics), lower_is_better=_split(lower_is_better), group_by=group_by,
            levels=_split(level), coefficients=_split(coef), k=k, seed=seed, ci=ci,
            ci_method=ci_method, resample=resample, alpha=alpha, missing=missing,
            significance=significance, out=out, formats=_split(format), quiet=quiet,
            scores=scores,
        )
    except MetaevalError as error:
        _fail(str(error))


@app.command()
def metrics(
    domain: str = typer.Option(None, help="Only metrics of this domain (audio, text, image)."),
) -> None:
    """List the registered metrics (built-in and plugins) and whether they can run here."""
    from metaeval.cli_metrics import run_metrics

    try:
        run_metrics(domain=domain)
    except MetaevalError as error:
        _fail(str(error))


@app.command()
def score(
    manifest: Path = typer.Option(None, help="CSV/JSONL: item, system, estimate, reference[, mixture]."),
    estimates: str = typer.Option(None, help="Folder pattern of estimates, e.g. 'out/{system}/{item}.wav'."),
    references: str = typer.Option(None, help="Folder pattern of references, e.g. 'ref/{item}.wav'."),
    mixtures: str = typer.Option(None, help="Folder pattern of mixtures (for sar/sir/isr)."),
    metrics: str = typer.Option(..., help="Comma-separated metric names (see `metaeval metrics`)."),
    out: Path = typer.Option(..., help="Output table: .parquet or .csv."),
    device: str = typer.Option("cpu", help="cpu or cuda."),
    batch_size: int = typer.Option(8, help="Items per metric call."),
    jobs: int = typer.Option(1, help="Parallel workers for loading audio."),
    cache: Path = typer.Option(None, help="Score cache folder (default .cache/metaeval-scores)."),
    resume: bool = typer.Option(False, help="Continue an interrupted run from its cache."),
    quiet: bool = typer.Option(False, help="No progress bar."),
) -> None:
    """Score system outputs with metrics; one row per (item, system), NaN + reason on failure."""
    from metaeval.cli_score import run_score

    try:
        run_score(manifest=manifest, estimates=estimates, references=references,
                  mixtures=mixtures, metrics=_split(metrics), out=out, device=device,
                  batch_size=batch_size, jobs=jobs, cache=cache, resume=resume, quiet=quiet)
    except MetaevalError as error:
        _fail(str(error))


@app.command()
def datasets() -> None:
    """List the bundled data sets."""
    from metaeval.data.bundled import list_bundled

    try:
        for line in list_bundled():
            typer.echo(line)
    except MetaevalError as error:
        _fail(str(error))


def _mount_listening() -> None:
    from metaeval.cli_listening import listening_app

    app.add_typer(listening_app, name="listening",
                  help="Listening tests: ratings -> MOS/DMOS, screening, agreement, ceiling.")


_mount_listening()

data_app = typer.Typer(help="External data sets (audio) used by the examples and tests.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("download")
def data_download(
    name: str = typer.Argument(..., help="gensvs_eval_audio or bernoulli_mushra"),
    to: Path = typer.Option(None, help="Target folder (default: $METAEVAL_DATA_DIR or ./data)."),
    base_url: str = typer.Option(None, help="Mirror or file:// folder instead of the recorded source."),
) -> None:
    """Download a data set with sha256 verification; re-running resumes."""
    import os

    from metaeval.data.download import download_dataset

    dest = to or Path(os.environ.get("METAEVAL_DATA_DIR", "data"))
    try:
        result = download_dataset(name, dest, base_url=base_url)
    except MetaevalError as error:
        _fail(str(error))
    typer.echo(f"{result.name}: {len(result.downloaded)} downloaded, {len(result.skipped)} already "
               f"present, in {result.folder}. Set METAEVAL_DATA_DIR={dest} to use it.")


def main() -> None:
    try:
        app()
    except MetaevalError as error:  # pragma: no cover - commands catch their own
        typer.echo(f"error: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
