"""`metaeval correlate`: pick the data, run `correlate`, write the reports, print a summary.

The summary (stdout) is one plain table per group and level of the primary coefficient, full
metric names, readable at 80 columns; progress and warnings go to stderr; the signature is
printed as one unwrapped line.
"""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli.app import app
from metaeval.cli.common import (
    choice_enum,
    cli_errors,
    comma_choices,
    ints,
    split,
    value_of,
    warn,
)
from metaeval.cli.summary import print_summary
from metaeval.correlation import Settings, correlate, judgements
from metaeval.correlation.inputs import DATA_FORMATS
from metaeval.correlation.meta import result_draws
from metaeval.correlation.power import METHODS
from metaeval.correlation.power_curves import PowerSettings, check_power_settings, with_power
from metaeval.correlation.protocols import PROTOCOLS, protocol
from metaeval.correlation.settings import SIGNIFICANCE
from metaeval.correlation.stability import with_stability
from metaeval.data.bundled import DOMAINS
from metaeval.data.columns import MISSING_POLICIES
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.report import FORMATS, write_reports
from metaeval.report.latex import DEFAULT_LAYOUT, LAYOUTS
from metaeval.stats.coefficients import COEFFICIENTS
from metaeval.stats.vocabulary import AVERAGES, CI_METHODS, LEVELS, RESAMPLE_UNITS

DEFAULT_COEFFICIENTS = ("spearman", "pearson")
DEFAULT_LEVELS = ("none",)
Domain = choice_enum("Domain", (*DOMAINS, "image"))
CIMethod = choice_enum("CIMethod", CI_METHODS)
Resample = choice_enum("Resample", RESAMPLE_UNITS)
Missing = choice_enum("Missing", MISSING_POLICIES)
SignificanceChoice = choice_enum("Significance", SIGNIFICANCE)
DataFormat = choice_enum("DataFormat", DATA_FORMATS)
ProtocolChoice = choice_enum("Protocol", tuple(PROTOCOLS))
AverageChoice = choice_enum("Average", AVERAGES)
LatexLayout = choice_enum("LatexLayout", LAYOUTS)
DATA_OPTION = typer.Option(None, "--data", help="Judgement table: CSV, TSV, JSONL or Parquet (or "
                                                "a WMT MQM TSV / THumB JSONL, see --data-format).")
DATA_FORMAT_OPTION = typer.Option("table", help="table (with a column mapping or card), wmt-mqm "
                                                "(per-error MQM TSV) or thumb (THumB 1.0 JSONL).")
LATEX_LAYOUT_OPTION = typer.Option(
    DEFAULT_LAYOUT, help="table.tex: compact (fits an article column), two-column (table* "
                         "across a two-column paper) or full (one wide table).")
EXCLUDE_OPTION = typer.Option(None, help="Comma-separated systems left out of every "
                                             "statistic (e.g. the hidden reference and anchors "
                                             "of a MUSHRA test).")
TIECAL_SAMPLE_OPTION = typer.Option(1.0, help="Share of the pairs acc23_tiecal calibrates on "
                                                  "(1 = all pairs, exact; below 1 an estimate, "
                                                  "for very large matrices).")
SIGNIFICANCE_OPTION = typer.Option(
    "primary", help="PERM-BOTH tests and clusters for the primary (first) coefficient, "
                    "all coefficients, or none.")
MQM_WEIGHTS_OPTION = typer.Option(None, help="MQM penalties, e.g. major=5,minor=1,"
                                              "minor_punctuation=0.1,non_translation=25.")
FORMAT_OPTION = typer.Option(",".join(FORMATS), "--format",
                             callback=comma_choices(tuple(FORMATS), "--format", "report format"),
                             help=f"Comma-separated report formats: {', '.join(FORMATS)}.")
KEEP_DRAWS_OPTION = typer.Option(
    False, "--keep-draws/--no-keep-draws",
    help="Store the bootstrap draws of the pooled primary rows in results.json ('draws'), "
         "for `metaeval meta` significance without a rerun.")
STABILITY_OPTION = typer.Option(
    False, "--stability/--no-stability",
    help="Also rank stability: leave one system / one group out (rank changes, Kendall tau, "
         "best cluster, top metric) and subgroup flips with bootstrap tests (report section "
         "'Ranking stability', results.json 'stability'; about 2 + #systems + #groups "
         "correlate runs of the primary coefficient).")
POWER_OPTION = typer.Option(
    False, "--power/--no-power",
    help="Also power curves: the probability that 'top metric better than the next 3' is "
         "significant for n items / m ratings per cell, and the items needed for 80% power "
         "(report section 'Power', results.json 'power'; small grids, 100 draws each).")
POWER_PAIR_OPTION = typer.Option(None, help="With --power (implies it): only this pair, A,B "
                                            "(is A better than B?).")
PowerMethod = choice_enum("PowerMethod", METHODS)
POWER_METHOD_OPTION = typer.Option("subsample", help="--power: subsample the real items and "
                                   "ratings, or simulate panels from the fitted per-stimulus "
                                   "rater variance (ratings per cell beyond the real panel).")
POWER_GRID_OPTION = typer.Option(None, help="--power item counts (default 20%, 40%, ..., 100% "
                                            "of the items).")
POWER_RATERS_OPTION = typer.Option(None, help="--power ratings per cell (default 1, 2, 4, ... "
                                              "up to the panel; twice it when simulating).")
POWER_REPS_OPTION = typer.Option(100, help="--power subsamples (simulations) per grid point.")
IMAGE_OPTION = typer.Option(None, help="Column with image paths (thumbnails in the report).")
IMAGES_OPTION = typer.Option(None, help="Folder the image paths are relative to (default: the "
                                        "data file's folder).")


@app.command("correlate")
def correlate_command(
    domain: Domain = typer.Option(None, help="Use the bundled data set of a domain."),
    data: Path = DATA_OPTION,
    data_format: DataFormat = DATA_FORMAT_OPTION,
    mqm_weights: str = MQM_WEIGHTS_OPTION,
    scores: Path = typer.Option(None, help="Scores from `metaeval score`, joined on (item, system)."),
    item: str = typer.Option(None, help="Column naming the item (stimulus / segment)."),
    system: str = typer.Option(None, help="Column naming the system (model / condition)."),
    human: str = typer.Option(None, help="Human score column(s), comma-separated: one result set "
                                         "per column (e.g. DMOS; coherence,fluency)."),
    rater: str = typer.Option(None, help="Column with the rater id when rows are single ratings."),
    image: str = IMAGE_OPTION,
    images: Path = IMAGES_OPTION,
    metrics: str = typer.Option(None, help="Comma-separated metric columns (default: all numeric); "
                                           "with --domain mt/text: metrics to score, with options."),
    lower_is_better: str = typer.Option(None, help="Metrics where lower is better (sign-flipped)."),
    group_by: str = typer.Option(None, help="One result per value of this column, plus pooled."),
    pooled: bool = typer.Option(True, "--pooled/--no-pooled",
                                help="With --group-by: add the pooled group 'all'."),
    protocol_name: ProtocolChoice = typer.Option(None, "--protocol",
                                                 help="Defaults of a published protocol."),
    level: str = typer.Option(None, callback=comma_choices(LEVELS, "--level", "level"),
                              help=f"Comma-separated levels: {', '.join(LEVELS)}."),
    coef: str = typer.Option(None, callback=comma_choices(tuple(COEFFICIENTS), "--coef", "coefficient"),
                             help=f"Comma-separated coefficients: {', '.join(COEFFICIENTS)}."),
    average: AverageChoice = typer.Option("mean", help="Item/sys levels: mean or median of the "
                                                       "per-group correlations."),
    k: int = typer.Option(1000, help="Bootstrap and permutation draws."),
    seed: int = typer.Option(0, help="Seed of every random draw."),
    ci: float = typer.Option(0.95, help="Confidence level of the bootstrap intervals."),
    ci_method: CIMethod = typer.Option("percentile", help="Bootstrap interval method."),
    resample: Resample = typer.Option("items", help="Bootstrap unit."),
    alpha: float = typer.Option(0.05, help="Significance level for the clusters."),
    missing: Missing = typer.Option("error", help="Missing metric scores: error, or drop the cell."),
    significance: SignificanceChoice = SIGNIFICANCE_OPTION,
    out: Path = typer.Option(None, help="Report folder (default reports/<dataset>/)."),
    format: str = FORMAT_OPTION,
    latex_layout: LatexLayout = LATEX_LAYOUT_OPTION,
    force: bool = typer.Option(False, help="Run even when the cost estimate exceeds the "
                                           "budget (2 h)."),
    exclude_systems: str = EXCLUDE_OPTION,
    tiecal_sample: float = TIECAL_SAMPLE_OPTION,
    quiet: bool = typer.Option(False, help="No progress bar or summary table."),
    stability: bool = STABILITY_OPTION,
    keep_draws: bool = KEEP_DRAWS_OPTION,
    power: bool = POWER_OPTION,
    power_pair: str = POWER_PAIR_OPTION,
    power_method: PowerMethod = POWER_METHOD_OPTION,
    power_grid: str = POWER_GRID_OPTION,
    power_raters: str = POWER_RATERS_OPTION,
    power_reps: int = POWER_REPS_OPTION,
) -> None:
    """Correlate metrics with human judgements and write the reports."""
    options = dict(locals())
    with cli_errors():
        run_correlate(**command_arguments(options))


RENAMED = {"level": "levels", "coef": "coefficients", "format": "formats"}
LIST_OPTIONS = ("human", "metrics", "lower_is_better", "level", "coef", "format",
                "exclude_systems")


def command_arguments(options: dict) -> dict:
    """`run_correlate`'s keywords from the command's options: choices as their text,
    comma-separated lists split, the --power options as one `PowerSettings` (or None)."""
    power = power_settings(**{key: options.pop(key) for key in list(options)
                              if key.startswith("power")})
    return {**{RENAMED.get(key, key): split(value) if key in LIST_OPTIONS else value_of(value)
               for key, value in options.items()}, "power": power}


def power_settings(power, power_pair, power_method, power_grid, power_raters,
                   power_reps) -> PowerSettings | None:
    """The --power options as settings (None without --power or --power-pair)."""
    pair = split(power_pair)
    if not (power or pair):
        return None
    if power_pair is not None and len(pair) != 2:
        raise ParameterError("power_pair", power_pair, "give two metrics as A,B.",
                             "e.g. --power-pair visqol,sisdr.")
    return PowerSettings(pair=tuple(pair) or None, method=value_of(power_method),
                         grid=tuple(ints(power_grid, "power_grid")),
                         raters=tuple(ints(power_raters, "power_raters")), reps=power_reps)


def _load(domain, data, scores, missing, lower_is_better, item, system, human, metrics, rater,
          group_by, data_format, mqm_weights, quiet, image=None, images=None):
    """The judgement set and protocol defaults; bundled MT/text sets are scored first."""
    scoring = domain is not None and data is None
    return judgements(domain=domain, data=data, scores=scores, missing=missing,
                      lower_is_better=lower_is_better, item=item, system=system,
                      human=(human[0] if len(human) == 1 else list(human)) if human else None,
                      metrics=None if scoring else (metrics or None), rater=rater,
                      groups=[group_by] if group_by else (), data_format=data_format,
                      mqm_weights=mqm_weights, score_metrics=metrics if scoring else None,
                      progress=not quiet, **({"image": image} if image else {}),
                      **({"images": images} if images else {}))


def run_correlate(*, domain=None, data=None, item=None, system=None, human=(), rater=None,
                  metrics=(), lower_is_better=(), group_by=None, pooled=True, levels=(),
                  coefficients=(),
                  k=1000, seed=0, ci=0.95, ci_method="percentile", resample="items", alpha=0.05,
                  missing="error", significance="primary", out=None, formats=(), quiet=False,
                  force=False, tiecal_sample=1.0, exclude_systems=(),
                  scores=None, data_format="table", mqm_weights=None,
                  protocol_name=None, average="mean", latex_layout=DEFAULT_LAYOUT, image=None,
                  images=None, stability=False, keep_draws=False,
                  power: PowerSettings | None = None) -> Path:
    """Load, correlate, write the reports into ``out`` (one folder per human score when there
    are several); print the summary unless ``quiet``."""
    human = [human] if isinstance(human, str) else list(human or ())
    check_output_folder(out if out else Path("reports"),  # before any long computation
                        owned=[name for name, _ in FORMATS.values()] if out else None)
    js, defaults = _load(domain, data, scores, missing, lower_is_better, item, system, human,
                         metrics, rater, group_by, data_format, mqm_weights, quiet, image,
                         images)
    if exclude_systems:
        js = js.without_systems(list(exclude_systems))
    if not quiet:
        for line in js.notes:
            warn(line)
    if protocol_name:
        defaults = {**defaults, **protocol(protocol_name)}
    settings = Settings(
        coefficients=coefficients or defaults.get("coefficients", DEFAULT_COEFFICIENTS),
        levels=levels or defaults.get("levels", DEFAULT_LEVELS),
        group_by=group_by or (defaults["group_by"] if "group_by" in defaults
                              else js.groups[0] if js.groups else None),
        pooled=pooled, k=k, seed=seed, ci=ci, ci_method=ci_method, resample=resample,
        alpha=alpha, significance=significance, tiecal_sample=tiecal_sample,
        average=average)
    # a bundled set's --metrics selects its columns (audio) or names what was scored (MT/text)
    scored_here = domain is not None and data is None
    scored = scored_here and not set(metrics or ()) <= set(js.metric_names)
    chosen = list(metrics) if metrics and not scored else js.metric_names
    humans = human or list(defaults.get("human") or [js.gold])
    out = check_output_folder(Path(out) if out else Path("reports") / safe_name(js.info.name))
    for name in humans if power else ():
        check_power_settings(power, js, chosen, name)
    for name in humans:
        folder = out / safe_name(name) if len(humans) > 1 else out
        result = _run(js, chosen, name, settings, defaults.get("note", ""), quiet, force)
        if stability:
            result = with_stability(result, js, settings)
        if power:
            result = with_power(result, js, settings, power,
                                progress=None if quiet else lambda line: warn(f"note: {line}"))
        if keep_draws:
            result.draws = result_draws(result, js, settings)
        written = write_reports(result, folder, formats=formats or list(FORMATS),
                                latex_layout=latex_layout)
        if not quiet:
            print_summary(result, written)
    return out


def _run(js, metrics, human, settings, note, quiet, force=False):
    options = {"metrics": metrics, "human": human, "settings": settings, "note": note,
               "force": force}
    if quiet:
        return correlate(js, **options)
    return _with_progress(js, options)


def _with_progress(js, options):
    """`correlate` with the cost estimate and a progress bar on stderr (the bar only when
    stderr is a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return correlate(js, announce=lambda line: warn(f"note: {line}"), **options)
    with Progress(TextColumn("correlate {task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def report(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        return correlate(js, progress=report, announce=lambda line: bar.console.print(
            f"note: {line}", markup=False, highlight=False), **options)


