"""What `metaeval score` does: read the rows, run the metrics, write the table, report failures."""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import typer

from metaeval.errors import DataError, located

OUTPUT_TYPES = (".parquet", ".csv")


def check_output(out: str | Path) -> Path:
    """``out`` as a Path; `DataError` unless it ends in .parquet or .csv."""
    out = Path(out)
    if out.suffix.lower() not in OUTPUT_TYPES:
        raise DataError(located(f"unsupported output type '{out.suffix or '(none)'}'", file=str(out),
                                fix="end --out with .parquet or .csv."))
    return out


def write_scores(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write the scores as Parquet or CSV via a temp file in the same folder and ``os.replace``."""
    out = check_output(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    plain = pd.DataFrame(frame)
    plain.attrs = {}
    try:
        if out.suffix.lower() == ".parquet":
            plain.to_parquet(tmp, index=False)
        else:
            plain.to_csv(tmp, index=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def run_score(*, manifest=None, estimates=None, references=None, mixtures=None, metrics=(),
              out, device="cpu", batch_size=8, jobs=1, cache=None, resume=False,
              quiet=False) -> pd.DataFrame:
    """Score the rows of a manifest (or folder patterns) and write ``out``; return the frame."""
    from metaeval.score.audio_io import LengthMismatchWarning
    from metaeval.score.cache import DEFAULT_CACHE_DIR
    from metaeval.score.manifest import load_rows
    from metaeval.score.runner import failure_summary, needed_inputs, resolve_metrics, score_items

    out = check_output(out)
    if batch_size < 1 or jobs < 1:
        raise DataError("--batch-size and --jobs must be at least 1.")
    chosen = resolve_metrics(metrics, device)
    rows = load_rows(manifest, estimates, references, mixtures, needs=needed_inputs(chosen))
    cache_dir = Path(cache) if cache is not None else DEFAULT_CACHE_DIR
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LengthMismatchWarning)
        frame = score_items(rows, chosen, device=device, batch_size=batch_size, jobs=jobs,
                            cache_dir=cache_dir, resume=resume, progress=not quiet)
    for other in caught:  # warnings of the metric back-ends: show them as usual
        if not issubclass(other.category, LengthMismatchWarning):
            warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    write_scores(frame, out)
    names = [m.name for m in chosen]
    typer.echo(f"wrote {len(frame)} rows x {len(names)} metric(s) ({', '.join(names)}) to {out} "
               f"({frame.attrs['computed']} computed, {frame.attrs['from_cache']} from the cache "
               f"in {cache_dir})")
    notes = list(dict.fromkeys(str(w.message) for w in caught
                               if issubclass(w.category, LengthMismatchWarning)))
    for note in notes[:10]:
        typer.echo(f"warning: {note}", err=True)
    if len(notes) > 10:
        typer.echo(f"warning: ... and {len(notes) - 10} more", err=True)
    failures = failure_summary(frame)
    if failures:
        typer.echo("failures (NaN in the table, reasons in its 'errors' column):", err=True)
        for line in failures:
            typer.echo(f"  {line}", err=True)
    else:
        typer.echo("no failures")
    return frame
