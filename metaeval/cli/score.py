"""`metaeval score`: read the rows, run the metrics, write the table, report failures.

``--metrics`` takes metric requests with options (``sar:filter_length=512,sdr``; see
:mod:`metaeval.metrics.options`); each request writes one column named as written.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import typer

from metaeval.cli.app import app
from metaeval.cli.common import choice_enum, cli_errors, echo, note, value_of
from metaeval.cli.settings import settings_flags, with_settings_options
from metaeval.errors import ParameterError
from metaeval.metrics.options import parse_metric_list
from metaeval.score.audio_io import LengthMismatchWarning
from metaeval.score.cache import DEFAULT_CACHE_DIR
from metaeval.score.empty import ScoringSettings
from metaeval.score.files import check_output, write_scores
from metaeval.score.runner import (
    BACKENDS,
    failure_summary,
    needed_inputs,
    resolve_metrics,
    score_items,
)
from metaeval.score.sources import MANIFEST_KINDS, load_rows

ManifestKind = choice_enum("ManifestKind", MANIFEST_KINDS)
Backend = choice_enum("Backend", BACKENDS)


@app.command("score")
@with_settings_options(ScoringSettings)
def score_command(
    manifest: Path = typer.Option(None, help="CSV/JSONL/Parquet: item, system and estimate, "
                                             "reference[, mixture] (audio) or hypothesis[, "
                                             "reference, source] (text); or a WMT MQM TSV."),
    manifest_format: ManifestKind = typer.Option("auto", help="What the manifest holds (auto: "
                                                              "by its columns)."),
    estimates: str = typer.Option(None, help="Folder pattern of estimates, e.g. 'out/{system}/{item}.wav'."),
    references: str = typer.Option(None, help="Folder pattern of references, e.g. 'ref/{item}.wav'."),
    mixtures: str = typer.Option(None, help="Folder pattern of mixtures (for sar/sir/isr)."),
    images: Path = typer.Option(None, help="Folder the image paths of an image manifest or a "
                                           "THumB file are relative to (default: the "
                                           "manifest's folder)."),
    metrics: str = typer.Option(..., help="Comma-separated metrics with options, e.g. "
                                          "'sar:filter_length=512,sdr' (see `metaeval metrics "
                                          "--show NAME`)."),
    out: Path = typer.Option(..., help="Output table: .parquet or .csv (+ .csv.yaml metadata)."),
    device: str = typer.Option("cpu", help="cpu or cuda."),
    batch_size: int = typer.Option(None, help="Items per metric call (default: each metric's "
                                              "own: 8; BERTScore and sacrebleu many more)."),
    jobs: int = typer.Option(1, help="Parallel workers for loading audio."),
    cache: Path = typer.Option(None, help="Score cache folder (default .cache/metaeval-scores)."),
    resume: bool = typer.Option(False, help="Continue an interrupted run from its cache."),
    loudness_normalize: float = typer.Option(
        None, "--loudness-normalize", metavar="LUFS",
        help="Normalise every file to this BS.1770 loudness first (the GSVS test used -18)."),
    quiet: bool = typer.Option(False, help="No progress bar."),
    backend: Backend = typer.Option("local", help="local: in this process; ray: on Ray actors "
                                                  "(pip install 'metaeval[distributed]')."),
    ray_address: str = typer.Option(None, help="Ray cluster address (e.g. 'auto' or "
                                               "'ray://head:10001'); default a local one."),
    ray_workers: int = typer.Option(None, help="Ray actors, one per device (default: one per "
                                               "GPU on cuda, else one per CPU)."),
    settings_options: dict | None = None,
) -> None:
    """Score system outputs with metrics; one row per (item, system), NaN + reason on failure."""
    with cli_errors(settings_flags(ScoringSettings)):
        run_score(**(settings_options or {}),manifest=manifest, estimates=estimates, references=references,
                  mixtures=mixtures, images=images, metrics=metrics, out=out, device=device,
                  batch_size=batch_size, jobs=jobs, cache=cache, resume=resume, quiet=quiet,
                  loudness_lufs=loudness_normalize, manifest_format=value_of(manifest_format),
                  backend=value_of(backend), ray_address=ray_address, ray_workers=ray_workers)


def _score(rows, chosen, **options) -> tuple[pd.DataFrame, list[str]]:
    """Score, showing back-end warnings as usual; return the frame and the length notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LengthMismatchWarning)
        frame = score_items(rows, chosen, **options)
    for other in caught:
        if not issubclass(other.category, LengthMismatchWarning):
            warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    return frame, list(dict.fromkeys(str(w.message) for w in caught
                                     if issubclass(w.category, LengthMismatchWarning)))


def run_score(*, manifest=None, estimates=None, references=None, mixtures=None, images=None,
              metrics=(), out, device="cpu", batch_size=None, jobs=1, cache=None, resume=False,
              quiet=False, loudness_lufs=None, manifest_format="auto", backend="local",
              ray_address=None, ray_workers=None, empty_output="nan") -> pd.DataFrame:
    """Score the rows of a manifest (or folder patterns) and write ``out``; return the frame
    (``empty_output``: :mod:`metaeval.score.empty`)."""
    out = check_output(out)
    empty_output = ScoringSettings(empty_output=empty_output).empty_output
    if batch_size is not None and batch_size < 1:
        raise ParameterError("batch_size", batch_size, "must be at least 1.")
    if jobs < 1:
        raise ParameterError("jobs", jobs, "must be at least 1.")
    requests = [r.text for r in parse_metric_list(metrics)] if isinstance(metrics, str) else metrics
    chosen = resolve_metrics(requests, device)
    for caveat in [c for metric in chosen for c in metric.caveats()]:
        note(f"warning: {caveat}")
    rows = load_rows(manifest, estimates, references, mixtures, needs=needed_inputs(chosen),
                     kind=manifest_format, images=images)
    cache_dir = Path(cache) if cache is not None else DEFAULT_CACHE_DIR
    frame, notes = _score(rows, chosen, device=device, batch_size=batch_size, jobs=jobs,
                          cache_dir=cache_dir, resume=resume, progress=not quiet,
                          loudness_lufs=loudness_lufs, backend=backend,
                          ray_address=ray_address, ray_workers=ray_workers,
                          empty_output=empty_output)
    write_scores(frame, out)
    columns = [m.column for m in chosen]
    echo(f"wrote {len(frame)} rows x {len(columns)} metric(s) ({', '.join(columns)}) to {out} "
         f"({frame.attrs['computed']} computed, {frame.attrs['from_cache']} from the cache "
         f"in {cache_dir})")
    for message in notes[:10]:
        note(f"warning: {message}")
    if len(notes) > 10:
        note(f"warning: ... and {len(notes) - 10} more")
    failures = failure_summary(frame)
    if failures:
        note("failures (NaN in the table, reasons in its 'errors' column):")
        for line in failures:
            note(f"  {line}")
    else:
        echo("no failures")
    return frame
