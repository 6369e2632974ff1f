"""`metaeval listening`: listening-test commands (mounted by :mod:`metaeval.cli` as a sub-app).

``metaeval listening summarize --data FILE --format dcr|acr|mushra|webmushra|long [--out DIR]``
reads raw ratings, screens raters, scores items and systems, tests the systems and writes the
report folder (see :mod:`metaeval.report.listening`). Bad input prints one line
(``error: ...``) on stderr; exit codes as every command (:mod:`metaeval.cli.common`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metaeval.cli.app import OneLineCommand, OneLineErrors, app
from metaeval.cli.common import choice_enum, cli_errors, echo, value_of
from metaeval.errors import DataError, ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.listening.formats import FORMATS, read_ratings
from metaeval.listening.posthoc import CORRECTIONS
from metaeval.listening.summarize import SCREENINGS, compute_summary, score_name
from metaeval.report.formatting import fmt
from metaeval.report.listening import FILES, write_summary

listening_app = typer.Typer(cls=OneLineErrors,
    help="Listening tests: raw ratings to MOS/DMOS with screening, agreement and a noise ceiling.",
    no_args_is_help=True, add_completion=False)
app.add_typer(listening_app, name="listening",
              help="Listening tests: ratings -> MOS/DMOS, screening, agreement, ceiling.")

BUNDLED_FORMATS = ("dcr", "acr", "mushra")
DEFAULT_OUT = Path("reports") / "listening"
RatingsFormat = choice_enum("RatingsFormat", FORMATS)
Screening = choice_enum("Screening", SCREENINGS)
Correction = choice_enum("Correction", CORRECTIONS)


def _scale(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError as error:
        raise ParameterError("scale", text, "is not 'lo,hi'. Fix: pass e.g. --scale 1,5.") from error
    if not lo < hi:
        raise ParameterError("scale", text, "lo must be below hi. Fix: pass e.g. --scale 1,5.")
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
    if format is None:
        raise ParameterError("format", None, f"give the ratings layout. Fix: one of "
                             f"{', '.join(FORMATS)}.")
    if format not in FORMATS:
        raise ParameterError("format", format, f"unknown ratings format; use one of "
                             f"{', '.join(FORMATS)}.")
    if screening not in SCREENINGS:
        raise ParameterError("screening", screening, f"use one of {', '.join(SCREENINGS)}.")
    if correction not in CORRECTIONS:
        raise ParameterError("correction", correction, f"use one of {', '.join(CORRECTIONS)}.")
    if data is None and format not in BUNDLED_FORMATS:
        raise ParameterError("format", format, "has no bundled study. Fix: pass --data FILE.")
    if data is not None and not Path(data).is_file():
        raise DataError(f"{data}: no such file. Fix: check the path given to --data.")
    check_output_folder(out if out is not None else DEFAULT_OUT,  # before any computation
                        owned=FILES if out is not None else None)
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
    folder = out if out is not None else DEFAULT_OUT / safe_name(table.info.name or "ratings")
    written = write_summary(result, folder)
    if not quiet:
        _print_summary(result, folder)
    return written


def _fmt(value) -> str:
    return fmt(value, missing="-")


def _print_summary(result, folder: Path) -> None:
    s = result.summary
    name = score_name(result.table.kind)
    echo(f"{s['dataset']['name']}: {s['counts']['ratings']} ratings, "
               f"{s['counts']['raters']} raters, {s['counts']['stimuli']} stimuli")
    excluded = s["screening"]["excluded"]
    echo(f"screening ({s['screening']['method']}): "
               + (f"excluded {', '.join(excluded)}" if excluded else "nobody excluded"))
    for r in result.systems.to_dict(orient="records"):
        echo(f"  {r['system']:<28} {name} {r['mos']:.3f} "
                   f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]  {r['letter']}")
    a = s["agreement"]
    echo(f"ICC(2,1) {_fmt(a['icc2_1'])}  ICC(2,k) {_fmt(a['icc2_k'])}  "
               f"alpha {_fmt(a['krippendorff_alpha'])}  rater-vs-rest "
               f"{_fmt(a['rater_vs_rest_mean'])}")
    ceiling = s["ceiling"].get("none", {})
    if "value" in ceiling:
        echo(f"noise ceiling (Spearman, pooled): {_fmt(ceiling['value'])}")
    echo(f"report: {folder / 'index.html'}")


@listening_app.command("summarize", cls=OneLineCommand)
def summarize_command(
    data: Annotated[Path | None, typer.Option(
        "--data", help="Ratings file (default: the bundled study for dcr/mushra).")] = None,
    format: Annotated[RatingsFormat | None, typer.Option(
        "--format", help="Layout of the ratings file.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Report folder (default reports/listening/<name>).")] = None,
    screening: Annotated[Screening, typer.Option(
        help="Rater screening: auto (BS.1534 with a hidden reference, else P.808).")] = "auto",
    k: Annotated[int, typer.Option(help="Bootstrap draws and noise-ceiling splits.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of every random draw.")] = 0,
    ci: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    correction: Annotated[Correction, typer.Option(
        help="Post-hoc correction of the pairwise Wilcoxon tests.")] = "bonferroni",
    scale: Annotated[str | None, typer.Option(
        help="Rating scale 'lo,hi' (needed for --format long).")] = None,
    reference: Annotated[str | None, typer.Option(
        help="Hidden-reference condition (MUSHRA screening).")] = None,
    anchors: Annotated[str | None, typer.Option(
        help="Anchor conditions, comma-separated.")] = None,
    quiet: Annotated[bool, typer.Option(help="No summary on the terminal.")] = False,
) -> None:
    """Screen raters, score items and systems, test systems, write CSV/JSON and an HTML report."""
    with cli_errors():
        run_listening_summarize(data=data, format=value_of(format), out=out,
                                screening=value_of(screening), k=k, seed=seed, ci=ci,
                                correction=value_of(correction), scale=scale,
                                reference=reference, anchors=anchors, quiet=quiet)
