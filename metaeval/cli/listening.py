"""`metaeval listening`: listening-test commands (mounted by :mod:`metaeval.cli` as a sub-app).

``metaeval listening summarize --data FILE --format dcr|acr|mushra|webmushra|long [--out DIR]``
reads raw ratings, screens raters, scores items and systems, tests the systems and writes the
report folder (see :mod:`metaeval.report.listening`); ``--format best-of-n|pairwise`` reads
choices and writes the choice summary (:mod:`metaeval.cli.listening_choices`). Bad input prints one line
(``error: ...``) on stderr; exit codes as every command (:mod:`metaeval.cli.common`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metaeval.cli.app import OneLineCommand, OneLineErrors, app
from metaeval.cli.common import choice_enum, cli_errors, echo, value_of, warn
from metaeval.cli.listening_choices import run_choice_summarize
from metaeval.cli.settings import settings_flags, with_settings_options
from metaeval.data.datasets import expand
from metaeval.errors import DataError, ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.listening.choice_summary import ChoiceSettings
from metaeval.listening.choices import CHOICE_FORMATS
from metaeval.listening.formats import FORMATS, read_ratings
from metaeval.listening.posthoc import CORRECTIONS
from metaeval.listening.ratings import NORMALIZATIONS, REPLICATES
from metaeval.listening.scores import AGGREGATES
from metaeval.listening.summarize import (
    SCREENINGS,
    check_summary_options,
    compute_summary,
    score_name,
)
from metaeval.report.formatting import fmt, fmt_p
from metaeval.report.listening import FILES, write_summary

listening_app = typer.Typer(cls=OneLineErrors,
    help="Listening tests: raw ratings to MOS/DMOS with screening, agreement and a noise ceiling.",
    no_args_is_help=True, add_completion=False)
app.add_typer(listening_app, name="listening",
              help="Listening tests: ratings -> MOS/DMOS, screening, agreement, ceiling.")

REGISTERED_FORMATS = ("dcr", "acr", "mushra")
DEFAULT_OUT = Path("reports") / "listening"
RatingsFormat = choice_enum("RatingsFormat", FORMATS + CHOICE_FORMATS)
Screening = choice_enum("Screening", SCREENINGS)
Correction = choice_enum("Correction", CORRECTIONS)
Replicates = choice_enum("Replicates", REPLICATES)
Normalize = choice_enum("Normalize", NORMALIZATIONS)
Aggregate = choice_enum("Aggregate", AGGREGATES)
# which column-mapping flags each layout reads
MAPPING = {"long": ("item", "system", "rater", "rating"), "webmushra": ("rater",),
           "dcr": ("item", "system"), "acr": ("item", "system"), "mushra": (),
           "best-of-n": ("item", "system", "rater", "picked"), "pairwise": ("item", "rater")}


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


def _mapping(format: str, columns: dict[str, str | None]) -> dict[str, str]:
    """The column-mapping options the layout reads; a flag it does not read is a usage error."""
    given = {name: column for name, column in columns.items() if column}
    for name in given:
        if name not in MAPPING[format]:
            readers = [f for f, names in MAPPING.items() if name in names]
            raise ParameterError(name, given[name], f"--format {format} does not read a "
                                 f"{name} column (--{name} applies to --format "
                                 f"{', '.join(readers)}).")
    return given


def _read_options(scale, reference, anchors, replicates, normalize) -> dict:
    options = {"replicates": replicates, "normalize": normalize}
    parsed = _scale(scale)
    if parsed is not None:
        options["scale"] = parsed
    if reference:
        options["reference"] = reference
    if anchors:
        options["anchors"] = [a.strip() for a in anchors.split(",") if a.strip()]
    return options


def run_listening_summarize(data: Path | None, format: str | None, out: Path | None = None,
                            screening: str = "auto", k: int = 1000, seed: int = 0,
                            ci: float = 0.95, correction: str = "bonferroni",
                            scale: str | None = None, reference: str | None = None,
                            anchors: str | None = None, quiet: bool = False,
                            columns: dict[str, str | None] | None = None,
                            replicates: str = "error", normalize: str = "none",
                            aggregate: str = "mean", exclude_systems: str | None = None,
                            simultaneous: str = "none") -> dict[str, Path]:
    """Read ``data`` in ``format`` (the registered study when ``data`` is None), summarise into ``out``.

    ``out`` defaults to ``reports/listening/<dataset name>``; ``scale`` is 'lo,hi';
    ``reference`` names the hidden-reference condition and ``anchors`` the anchor conditions
    (comma-separated) when the file's names differ from the defaults; ``columns`` maps
    ``item``/``system``/``rater``/``rating`` to the file's column names; ``replicates``,
    ``normalize``, ``aggregate`` and ``exclude_systems`` (comma-separated) as
    :func:`~metaeval.listening.formats.read_ratings` and
    :func:`~metaeval.listening.summarize.compute_summary`. Returns file name -> path.
    ``format`` best-of-n or pairwise: the choice summary (``simultaneous`` intervals, see
    :func:`~metaeval.cli.listening_choices.run_choice_summarize`).
    """
    if format is None or format not in FORMATS + CHOICE_FORMATS:
        raise ParameterError("format", format, "give the layout of the file. Fix: one of "
                             f"{', '.join(FORMATS + CHOICE_FORMATS)}.")
    if format in CHOICE_FORMATS:
        given = {"screening": screening, "correction": correction, "scale": scale,
                 "reference": reference, "anchors": anchors, "replicates": replicates,
                 "normalize": normalize, "aggregate": aggregate,
                 "exclude_systems": exclude_systems}
        return run_choice_summarize(data, format, out, k=k, seed=seed, ci=ci,
                                    simultaneous=simultaneous, quiet=quiet, columns=columns,
                                    rating_options=given)
    if simultaneous != "none":
        raise ParameterError("simultaneous", simultaneous, "applies to the choice formats "
                             "(best-of-n, pairwise).", "leave --simultaneous out.")
    check_summary_options(screening, k, seed, ci, correction, aggregate)
    if data is None and format not in REGISTERED_FORMATS:
        raise ParameterError("format", format, "has no registered study. Fix: pass --data FILE.")
    data = expand(data) if data is not None else None  # metaeval:<set>/<file>
    if data is not None and not Path(data).is_file():
        raise DataError(f"{data}: no such file. Fix: check the path given to --data.")
    check_output_folder(out if out is not None else DEFAULT_OUT,  # before any computation
                        owned=FILES if out is not None else None)
    options = {**_read_options(scale, reference, anchors, replicates, normalize),
               **_mapping(format, columns or {})}
    table = read_ratings(data, format=format, **options)
    excluded = [x.strip() for x in (exclude_systems or "").split(",") if x.strip()]
    result = compute_summary(table, screening=screening, k=k, seed=seed, ci=ci,
                             correction=correction, aggregate=aggregate,
                             exclude_systems=excluded)
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
    if "reliability" in ceiling:
        echo(f"split-half reliability (Spearman-Brown, pooled): {_fmt(ceiling['reliability'])}"
             f"  noise ceiling (sqrt of reliability): {_fmt(ceiling['noise_ceiling'])}")
    if s["tests"].get("test") not in (None, "none"):
        echo(f"test across systems: {s['tests']['method']}: statistic "
             f"{_fmt(s['tests']['statistic'])}, p {fmt_p(s['tests']['pvalue'])}")
    for line in s.get("notes", []):
        warn(f"note: {line}")
    echo(f"signature: {s['signature']}")
    echo(f"report: {folder / 'index.html'}")


@listening_app.command("summarize", cls=OneLineCommand)
@with_settings_options(ChoiceSettings)
def summarize_command(
    data: Annotated[Path | None, typer.Option(
        "--data", help="Ratings file (default: the registered study for dcr/mushra: gensvs_eval, bernoulli_mushra).")] = None,
    format: Annotated[RatingsFormat | None, typer.Option(
        "--format", help="Layout of the file: ratings (dcr, acr, mushra, webmushra, long) or choices (best-of-n, pairwise).")] = None,
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
    item: Annotated[str | None, typer.Option(
        help="Column naming the item (long; dcr/acr).")] = None,
    system: Annotated[str | None, typer.Option(
        help="Column naming the system / condition (long; dcr/acr).")] = None,
    rater: Annotated[str | None, typer.Option(
        help="Column naming the listener (long; webmushra).")] = None,
    rating: Annotated[str | None, typer.Option(help="Column with the rating (long).")] = None,
    picked: Annotated[str | None, typer.Option(
        help="Column with the 0/1 pick (best-of-n).")] = None,
    replicates: Annotated[Replicates, typer.Option(
        help="A rater rating a stimulus twice: error, or average the repeats per rater "
             "(test-retest agreement reported).")] = "error",
    normalize: Annotated[Normalize, typer.Option(
        help="trial-minmax: rescale each rater's trial to the scale (min -> lo, max -> hi).")
    ] = "none",
    aggregate: Annotated[Aggregate, typer.Option(
        help="Score of a stimulus / system: mean or median.")] = "mean",
    exclude_systems: Annotated[str | None, typer.Option(
        help="Conditions left out of scores and tests, comma-separated (e.g. the hidden "
             "reference and anchors; screening still sees them).")] = None,
    quiet: Annotated[bool, typer.Option(help="No summary on the terminal.")] = False,
    settings_options: dict | None = None,
) -> None:
    """Screen raters, score items and systems, test systems, write CSV/JSON and an HTML report
    (best-of-n / pairwise choices: vote shares with exact intervals and rater agreement)."""
    with cli_errors(settings_flags(ChoiceSettings)):
        run_listening_summarize(data=data, format=value_of(format), out=out,
                                screening=value_of(screening), k=k, seed=seed, ci=ci,
                                correction=value_of(correction), scale=scale,
                                reference=reference, anchors=anchors, quiet=quiet,
                                columns={"item": item, "system": system, "rater": rater,
                                         "rating": rating, "picked": picked},
                                replicates=value_of(replicates), normalize=value_of(normalize),
                                aggregate=value_of(aggregate), exclude_systems=exclude_systems,
                                **(settings_options or {}))
