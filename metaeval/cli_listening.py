"""`metaeval listening`: listening-test commands (mounted by :mod:`metaeval.cli` as a sub-app).

``metaeval listening summarize --data FILE --format dcr|acr|mushra|webmushra|long [--out DIR]``
reads raw ratings, screens raters, scores items and systems, tests the systems and writes the
report folder (see :mod:`metaeval.listening.summarize`). Bad input prints one line
(``error: ...``) on stderr and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metaeval.errors import DataError, MetaevalError

listening_app = typer.Typer(
    help="Listening tests: raw ratings to MOS/DMOS with screening, agreement and a noise ceiling.",
    no_args_is_help=True, add_completion=False)

BUNDLED_FORMATS = ("dcr", "acr", "mushra")
DEFAULT_OUT = Path("reports") / "listening"


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _scale(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError as error:
        raise DataError(f"--scale {text!r} is not 'lo,hi'. Fix: pass e.g. --scale 1,5.") from error
    if not lo < hi:
        raise DataError(f"--scale {text!r}: lo must be below hi. Fix: pass e.g. --scale 1,5.")
    return lo, hi


def run_listening_summarize(data: Path | None, format: str | None, out: Path | None = None,
                            screening: str = "auto", k: int = 1000, seed: int = 0,
                            ci: float = 0.95, correction: str = "bonferroni",
                            scale: str | None = None, reference: str | None = None,
                            anchors: str | None = None, quiet: bool = False) -> dict[str, Path]:
    """Read ``data`` in ``format`` (bundled study when ``data`` is None), summarise into ``out``.

    ``out`` defaults to ``reports/listening/<dataset name>``; ``scale`` is 'lo,hi';
    ``reference`` names the hidden-reference condition and ``anchors`` the anchor conditions
    (comma-separated) when the file's names differ from the defaults. Returns file name -> path.
    """
    from metaeval.listening.ratings import FORMATS, read_ratings
    from metaeval.listening.summarize import SCREENINGS, compute_summary, write_summary

    if format is None:
        raise DataError(f"give the ratings layout with --format. Fix: one of {list(FORMATS)}.")
    if format not in FORMATS:
        raise DataError(f"unknown ratings format {format!r}. Fix: use one of {list(FORMATS)}.")
    if screening not in SCREENINGS:
        raise DataError(f"unknown screening {screening!r}. Fix: use one of {list(SCREENINGS)}.")
    if correction not in ("bonferroni", "holm"):
        raise DataError(f"unknown correction {correction!r}. Fix: use bonferroni or holm.")
    if data is None and format not in BUNDLED_FORMATS:
        raise DataError(f"format {format!r} has no bundled study. Fix: pass --data FILE.")
    if data is not None and not Path(data).is_file():
        raise DataError(f"{data}: no such file. Fix: check the path given to --data.")
    options = {}
    parsed = _scale(scale)
    if parsed is not None:
        options["scale"] = parsed
    if reference:
        options["reference"] = reference
    if anchors:
        options["anchors"] = [a.strip() for a in anchors.split(",") if a.strip()]
    table = read_ratings(data, format=format, **options)
    result = compute_summary(table, screening=screening, k=k, seed=seed, ci=ci,
                             correction=correction)
    folder = out if out is not None else DEFAULT_OUT / (table.info.name or "ratings")
    written = write_summary(result, folder)
    if not quiet:
        _print_summary(result, folder)
    return written


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_summary(result, folder: Path) -> None:
    from metaeval.listening.report import score_name

    s = result.summary
    name = score_name(result.table.kind)
    typer.echo(f"{s['dataset']['name']}: {s['counts']['ratings']} ratings, "
               f"{s['counts']['raters']} raters, {s['counts']['stimuli']} stimuli")
    excluded = s["screening"]["excluded"]
    typer.echo(f"screening ({s['screening']['method']}): "
               + (f"excluded {', '.join(excluded)}" if excluded else "nobody excluded"))
    for r in result.systems.to_dict(orient="records"):
        typer.echo(f"  {r['system']:<28} {name} {r['mos']:.3f} "
                   f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]  {r['letter']}")
    a = s["agreement"]
    typer.echo(f"ICC(2,1) {_fmt(a['icc2_1'])}  ICC(2,k) {_fmt(a['icc2_k'])}  "
               f"alpha {_fmt(a['krippendorff_alpha'])}  rater-vs-rest "
               f"{_fmt(a['rater_vs_rest_mean'])}")
    ceiling = s["ceiling"].get("none", {})
    if "value" in ceiling:
        typer.echo(f"noise ceiling (Spearman, pooled): {_fmt(ceiling['value'])}")
    typer.echo(f"report: {folder / 'index.html'}")


@listening_app.command("summarize")
def summarize_command(
    data: Annotated[Path | None, typer.Option(
        "--data", help="Ratings file (default: the bundled study for dcr/mushra).")] = None,
    format: Annotated[str | None, typer.Option(
        "--format", help="dcr, acr, mushra, webmushra or long.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Report folder (default reports/listening/<name>).")] = None,
    screening: Annotated[str, typer.Option(help="auto, p808, mushra or none.")] = "auto",
    k: Annotated[int, typer.Option(help="Bootstrap draws and noise-ceiling splits.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of every random draw.")] = 0,
    ci: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    correction: Annotated[str, typer.Option(
        help="Post-hoc correction: bonferroni or holm.")] = "bonferroni",
    scale: Annotated[str | None, typer.Option(
        help="Rating scale 'lo,hi' (needed for --format long).")] = None,
    reference: Annotated[str | None, typer.Option(
        help="Hidden-reference condition (MUSHRA screening).")] = None,
    anchors: Annotated[str | None, typer.Option(
        help="Anchor conditions, comma-separated.")] = None,
    quiet: Annotated[bool, typer.Option(help="No summary on the terminal.")] = False,
) -> None:
    """Screen raters, score items and systems, test systems, write CSV/JSON and an HTML report."""
    try:
        run_listening_summarize(data=data, format=format, out=out, screening=screening, k=k,
                                seed=seed, ci=ci, correction=correction, scale=scale,
                                reference=reference, anchors=anchors, quiet=quiet)
    except MetaevalError as error:
        _fail(str(error))
