"""`metaeval correlate`: pick the data, run `correlate`, write the reports, print a summary.

The summary (stdout) is one plain table per group and level of the primary coefficient, full
metric names, readable at 80 columns; progress and warnings go to stderr; the signature is
printed as one unwrapped line.
"""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli import media as cli_media
from metaeval.cli import options as shared
from metaeval.cli.app import app
from metaeval.cli.common import (
    choice_enum,
    cli_errors,
    comma_choices,
    split,
    value_of,
    warn,
)
from metaeval.cli.meta import print_meta
from metaeval.cli.power_options import (
    POWER_GRID_OPTION,
    POWER_METHOD_OPTION,
    POWER_OPTION,
    POWER_PAIR_OPTION,
    POWER_RATERS_OPTION,
    POWER_REPS_OPTION,
    PowerMethod,
    power_settings,
)
from metaeval.cli.running import (
    KEEP_DRAWS_OPTION,
    STABILITY_OPTION,
    WORKERS_OPTION,
    run_one,
    with_extras,
)
from metaeval.cli.sets import (
    DATA_SETS_OPTION,
    META_BY_OPTION,
    META_METHOD_OPTION,
    MetaMethod,
    check_meta_by,
    check_several,
    data_paths,
    run_sets,
)
from metaeval.cli.summary import print_summary
from metaeval.correlation import Settings, judgements
from metaeval.correlation.inputs import DATA_FORMATS
from metaeval.correlation.power_curves import PowerSettings, check_power_settings, with_power
from metaeval.correlation.protocols import PROTOCOLS, protocol
from metaeval.correlation.settings import SIGNIFICANCE
from metaeval.data.columns import MISSING_POLICIES
from metaeval.data.studies import DOMAINS
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.report import FORMATS, write_reports
from metaeval.report.explorer_inputs import with_details
from metaeval.report.latex import DEFAULT_LAYOUT, LAYOUTS
from metaeval.report.write import META_CSV, REPORT_FILES
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
IMAGE_OPTION = typer.Option(None, help="Column with image paths (thumbnails in the report).")
IMAGES_OPTION = typer.Option(None, help="Folder the image paths are relative to (default: the "
                                        "data file's folder).")
POOLED_OPTION = typer.Option(True, "--pooled/--no-pooled",
                             help="With --group-by: add the pooled group 'all'.")
PROTOCOL_OPTION = typer.Option(None, "--protocol", help="Defaults of a published protocol.")
FORCE_OPTION = typer.Option(False, help="Run even when the cost estimate exceeds the budget "
                                        "(2 h).")

@app.command("correlate")
def correlate_command(
    domain: Domain = shared.DOMAIN_OPTION,
    data: list[Path] = DATA_SETS_OPTION,
    data_format: DataFormat = DATA_FORMAT_OPTION,
    mqm_weights: str = MQM_WEIGHTS_OPTION,
    scores: Path = typer.Option(None, help="Scores from `metaeval score`, joined on (item, system)."),
    item: str = shared.ITEM_OPTION,
    system: str = shared.SYSTEM_OPTION,
    human: str = typer.Option(None, help="Human score column(s), comma-separated: one result set "
                                         "per column (e.g. DMOS; coherence,fluency)."),
    rater: str = shared.RATER_OPTION,
    image: str = IMAGE_OPTION,
    images: Path = IMAGES_OPTION,
    metrics: str = typer.Option(None, help="Comma-separated metric columns (default: all numeric); "
                                           "with --domain mt/text: metrics to score, with options."),
    lower_is_better: str = shared.LOWER_OPTION,
    group_by: str = typer.Option(None, help="One result per value of this column, plus pooled."),
    pooled: bool = POOLED_OPTION,
    protocol_name: ProtocolChoice = PROTOCOL_OPTION,
    level: str = typer.Option(None, callback=comma_choices(LEVELS, "--level", "level"),
                              help=f"Comma-separated levels: {', '.join(LEVELS)}."),
    coef: str = typer.Option(None, callback=comma_choices(tuple(COEFFICIENTS), "--coef", "coefficient"),
                             help=f"Comma-separated coefficients: {', '.join(COEFFICIENTS)}."),
    average: AverageChoice = typer.Option("mean", help="Item/sys levels: mean or median of the "
                                                       "per-group correlations."),
    k: int = typer.Option(1000, help="Bootstrap and permutation draws."),
    seed: int = shared.SEED_OPTION,
    ci: float = typer.Option(0.95, help="Confidence level of the bootstrap intervals."),
    ci_method: CIMethod = typer.Option("percentile", help="Bootstrap interval method."),
    resample: Resample = typer.Option("items", help="Bootstrap unit."),
    alpha: float = typer.Option(0.05, help="Significance level for the clusters."),
    missing: Missing = typer.Option("error", help="Missing metric scores: error, or drop the cell."),
    significance: SignificanceChoice = SIGNIFICANCE_OPTION,
    out: Path = typer.Option(None, help="Report folder (default reports/<dataset>/)."),
    format: str = FORMAT_OPTION,
    latex_layout: LatexLayout = LATEX_LAYOUT_OPTION,
    force: bool = FORCE_OPTION,
    exclude_systems: str = EXCLUDE_OPTION,
    tiecal_sample: float = TIECAL_SAMPLE_OPTION,
    quiet: bool = typer.Option(False, help="No progress bar or summary table."),
    workers: int = WORKERS_OPTION,
    stability: bool = STABILITY_OPTION, keep_draws: bool = KEEP_DRAWS_OPTION,
    meta_by: str = META_BY_OPTION, meta_method: MetaMethod = META_METHOD_OPTION,
    manifest: Path = cli_media.MANIFEST_OPTION, embed_media: bool = cli_media.EMBED_OPTION,
    media_budget: float = cli_media.BUDGET_OPTION, media_seconds: float = cli_media.SECONDS_OPTION,
    power: bool = POWER_OPTION, power_pair: str = POWER_PAIR_OPTION,
    power_method: PowerMethod = POWER_METHOD_OPTION, power_grid: str = POWER_GRID_OPTION,
    power_raters: str = POWER_RATERS_OPTION, power_reps: int = POWER_REPS_OPTION,
) -> None:
    """Correlate metrics with human judgements and write the reports."""
    options = dict(locals())
    with cli_errors():
        run_correlate(**command_arguments(options))


RENAMED = {"level": "levels", "coef": "coefficients", "format": "formats"}
LIST_OPTIONS = ("human", "metrics", "lower_is_better", "level", "coef", "format",
                "exclude_systems")
MEDIA_OPTIONS = {"manifest": "manifest", "embed_media": "embed", "media_budget": "budget_mb",
                 "media_seconds": "seconds"}


def command_arguments(options: dict) -> dict:
    """`run_correlate`'s keywords from the command's options: choices as their text,
    comma-separated lists split, the --power options as one `PowerSettings` (or None), the
    media options as one dict."""
    power = power_settings(**{key: options.pop(key) for key in list(options)
                              if key.startswith("power")})
    media = {MEDIA_OPTIONS[key]: options.pop(key) for key in MEDIA_OPTIONS}
    return {**{RENAMED.get(key, key): split(value) if key in LIST_OPTIONS else value_of(value)
               for key, value in options.items()}, "power": power, "media": media}


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
                  coefficients=(), k=1000, seed=0, ci=0.95, ci_method="percentile",
                  resample="items", alpha=0.05, missing="error", significance="primary",
                  out=None, formats=(), quiet=False, force=False, workers=None,
                  tiecal_sample=1.0, exclude_systems=(), scores=None, data_format="table",
                  mqm_weights=None, protocol_name=None, average="mean",
                  latex_layout=DEFAULT_LAYOUT, image=None, images=None, stability=False,
                  keep_draws=False, meta_by=None, meta_method="dl", media=None,
                  power: PowerSettings | None = None) -> Path:
    """Load, correlate, write the reports into ``out`` (one folder per human score when there
    are several); print the summary unless ``quiet``. Several ``data`` files (or a folder):
    one report per set and their meta-analysis (:func:`run_sets`); ``meta_by``: the
    meta-analysis across the values of that column of one set. ``media``: the keywords of
    :func:`metaeval.cli.media.media_inputs` (manifest, embed, budget_mb, seconds)."""
    human = [human] if isinstance(human, str) else list(human or ())
    paths = data_paths(data)
    several = len(paths) > 1
    check_output_folder(out if out else Path("reports"),  # before any long computation
                        owned=[*REPORT_FILES, META_CSV] if out else None)
    if several:
        check_several(human, meta_by, pooled)
        if power:
            raise ParameterError("power", True, "the power section applies to one judgement "
                                 "set.", "leave out --power / --power-pair with several --data.")
        if media and (media.get("manifest") or media.get("embed")):
            raise ParameterError("manifest", media.get("manifest"), "the disagreement inputs "
                                 "apply to one judgement set.", "leave out --manifest / "
                                 "--embed-media with several --data.")
    shown = None if several else cli_media.media_inputs(
        scores=scores, domain=domain, data=paths[0] if paths else None, **(media or {}))
    loaded = []
    for path in paths or [None]:  # every set is read and validated before any computation
        js, defaults = _load(domain, path, scores, missing, lower_is_better, item, system, human,
                             metrics, rater, group_by, data_format, mqm_weights, quiet, image,
                             images)
        loaded.append((js.without_systems(list(exclude_systems)) if exclude_systems else js,
                       defaults))
    js, defaults = loaded[0]
    if not quiet:
        for line in (f"{s.info.name}: {n}" if several else n for s, _ in loaded for n in s.notes):
            warn(line)
    defaults = {**defaults, **protocol(protocol_name)} if protocol_name else defaults
    settings = _settings(js, defaults, group_by=group_by, meta_by=meta_by, several=several,
                         coefficients=coefficients, levels=levels, pooled=pooled, k=k,
                         seed=seed, ci=ci, ci_method=ci_method, resample=resample, alpha=alpha,
                         significance=significance, tiecal_sample=tiecal_sample,
                         average=average, stability=stability, keep_draws=keep_draws,
                         meta_method=meta_method)
    common = {"out": out, "formats": formats or list(FORMATS), "quiet": quiet, "force": force,
              "workers": workers,
              "latex_layout": latex_layout, "note": defaults.get("note", "")}
    if several:
        return run_sets(loaded, settings, human=human[0] if human else None, metrics=metrics,
                        **common)
    # a bundled set's --metrics selects its columns (audio) or names what was scored (MT/text)
    scored = domain is not None and not paths and not set(metrics or ()) <= set(js.metric_names)
    chosen = list(metrics) if metrics and not scored else js.metric_names
    return _run_single(js, chosen, human or list(defaults.get("human") or [js.gold]), settings,
                       inputs=with_details(shown, js.details), power=power, **common)


def _settings(js, defaults, *, group_by, meta_by, several, coefficients, levels, keep_draws,
              **options) -> Settings:
    """The run's settings: the options, else the protocol defaults; --meta-by is the grouping
    (checked on the set); several sets keep their draws."""
    if meta_by and group_by and group_by != meta_by:
        raise ParameterError("meta_by", meta_by, f"the test sets of --meta-by are the groups, "
                             f"but --group-by is {group_by}.", "leave out --group-by or give "
                             "the same column to both.")
    if meta_by:
        check_meta_by(js, meta_by)
    return Settings(
        coefficients=coefficients or defaults.get("coefficients", DEFAULT_COEFFICIENTS),
        levels=levels or defaults.get("levels", DEFAULT_LEVELS),
        group_by=meta_by or group_by or (defaults["group_by"] if "group_by" in defaults
                                         else js.groups[0] if js.groups else None),
        keep_draws=keep_draws or several, meta_by=meta_by, **options)


def _run_single(js, chosen, humans, settings, *, out, formats, quiet, force, workers, latex_layout,
                note, inputs=None, power=None) -> Path:
    """One set: a report per human score (a folder each when there are several)."""
    out = check_output_folder(Path(out) if out else Path("reports") / safe_name(js.info.name))
    for name in humans if power else ():
        check_power_settings(power, js, chosen, name)
    for name in humans:
        folder = out / safe_name(name) if len(humans) > 1 else out
        result = with_extras(run_one(js, chosen, name, settings, note, quiet, force, workers), js,
                             settings)
        if power:
            result = with_power(result, js, settings, power,
                                progress=None if quiet else lambda line: warn(f"note: {line}"))
        written = write_reports(result, folder, formats=formats, latex_layout=latex_layout,
                                inputs=inputs)
        if not quiet:
            print_summary(result, written)
            if result.meta:
                print_meta(result.meta)
    return out
