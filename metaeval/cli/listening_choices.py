"""`metaeval listening summarize --format best-of-n|pairwise`: the choice summary (vote shares
with exact intervals, Fleiss' kappa and Krippendorff's alpha, per-item tables), called by
:mod:`metaeval.cli.listening` for the choice formats. Rating-only options are refused."""

from __future__ import annotations

from pathlib import Path

from metaeval.cli.common import echo, warn
from metaeval.cli.text import text_table
from metaeval.data.datasets import expand
from metaeval.errors import DataError, ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.listening.choice_summary import check_choice_options, compute_choice_summary
from metaeval.listening.choices import COLUMNS, read_choices
from metaeval.report.formatting import fmt, fmt_interval
from metaeval.report.listening_choices import CHOICE_FILES, write_choice_summary

DEFAULT_OUT = Path("reports") / "listening"
# options of the rating formats and their defaults: given with a choice format, a usage error
RATING_OPTIONS = {"screening": "auto", "correction": "bonferroni", "scale": None,
                  "reference": None, "anchors": None, "replicates": "error", "normalize": "none",
                  "aggregate": "mean", "exclude_systems": None}


def refuse_rating_options(format: str, given: dict) -> None:
    """A rating-only option (``--scale``, ``--screening``, ...) given with a choice format."""
    for name, default in RATING_OPTIONS.items():
        if given.get(name, default) != default:
            raise ParameterError(name, given[name], f"applies to the rating formats (dcr, acr, "
                                 f"mushra, webmushra, long), not to --format {format}: choices "
                                 "have no scale, screening or mean.",
                                 f"leave --{name.replace('_', '-')} out.")


def _mapping(format: str, columns: dict[str, str | None]) -> dict[str, str]:
    given = {name: column for name, column in columns.items() if column}
    for name, column in given.items():
        if name not in COLUMNS[format]:
            raise ParameterError(name, column, f"--format {format} reads no {name} column (its "
                                 f"columns: {', '.join(COLUMNS[format])}).")
    return given


def run_choice_summarize(data: Path | None, format: str, out: Path | None = None,
                         k: int = 1000, seed: int = 0, ci: float = 0.95,
                         simultaneous: str = "none", quiet: bool = False,
                         columns: dict[str, str | None] | None = None,
                         rating_options: dict | None = None) -> dict[str, Path]:
    """Read ``data`` as ``format`` choices, summarise into ``out``; returns file -> path."""
    refuse_rating_options(format, rating_options or {})
    settings = check_choice_options(k, seed, ci, simultaneous)
    mapping = _mapping(format, columns or {})
    if data is None:
        raise ParameterError("data", None, f"--format {format} has no registered study.",
                             "pass --data FILE.")
    data = expand(data)
    if not Path(data).is_file():
        raise DataError(f"{data}: no such file. Fix: check the path given to --data.")
    check_output_folder(out if out is not None else DEFAULT_OUT,
                        owned=CHOICE_FILES if out is not None else None)
    table = read_choices(data, format=format, columns=mapping)
    result = compute_choice_summary(table, **settings)
    folder = out if out is not None else DEFAULT_OUT / safe_name(table.info.name)
    written = write_choice_summary(result, folder)
    if not quiet:
        print_choice_summary(result, folder)
    return written


def print_choice_summary(result, folder: Path) -> None:
    s = result.summary
    counts = s["counts"]
    echo(f"{s['dataset']['name']}: {counts['rows']} rows, {counts['raters']} raters, "
         f"{counts['items']} items, {counts['systems']} systems ({result.table.format})")
    ci = round(100 * s["settings"]["ci"])
    systems = result.systems.to_dict(orient="records")
    if result.table.format == "best-of-n":
        echo(text_table(["system", "votes", "pages", "share", f"{ci}% CI (Clopper-Pearson)",
                         "top on items"],
                        [[r["system"], r["votes"], r["n"], fmt(r["share"]),
                          fmt_interval(r["ci_low"], r["ci_high"]), r["top_items"]]
                         for r in systems], right=(1, 2, 3, 4, 5)))
    else:
        echo(text_table(["system", "wins", "losses", "ties", "win rate",
                         f"{ci}% CI (Clopper-Pearson)"],
                        [[r["system"], r["wins"], r["losses"], r["ties"], fmt(r["win_rate"]),
                          fmt_interval(r["ci_low"], r["ci_high"])] for r in systems],
                        right=(1, 2, 3, 4, 5)))
    a = s["agreement"]
    for name, label in (("fleiss_kappa", "Fleiss' kappa"),
                        ("krippendorff_alpha_nominal", "Krippendorff's alpha (nominal)")):
        entry = a[name]
        echo(f"{label}: {fmt(entry['statistic'])} "
             f"{fmt_interval(entry['ci_low'], entry['ci_high'])} {entry['note']}".rstrip())
    for line in s["notes"]:
        warn(f"note: {line}")
    echo(f"signature: {s['signature']}")
    echo(f"report: {folder / 'index.html'}")
