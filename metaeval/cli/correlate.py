"""`metaeval correlate`: pick the data, run `correlate`, write the reports, print a summary.

The summary (stdout) is one plain table per group and level of the primary coefficient, full
metric names, readable at 80 columns; progress and warnings go to stderr; the signature is
printed as one unwrapped line.
"""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli import media as cli_media
from metaeval.cli import mtme as cli_mtme
from metaeval.cli import options as shared
from metaeval.cli import preferences as prefs
from metaeval.cli.app import app
from metaeval.cli.common import choice_enum, cli_errors, comma_choices, split, value_of, warn
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
from metaeval.cli.running import WORKERS_OPTION, run_one
from metaeval.cli.sets import DATA_SETS_OPTION, check_several, data_paths, run_sets
from metaeval.cli.settings import settings_flags, with_settings_options
from metaeval.cli.summary import print_summary
from metaeval.correlation import Settings, judgements
from metaeval.correlation.inputs import DATA_FORMATS
from metaeval.correlation.power_curves import PowerSettings
from metaeval.correlation.preference_settings import PreferenceSettings
from metaeval.correlation.protocols import PROTOCOLS, protocol, protocol_run, table_taskset
from metaeval.correlation.result import POOLED
from metaeval.data.columns import MISSING_POLICIES
from metaeval.data.studies import DOMAINS
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.report import FORMATS, write_reports
from metaeval.report.explorer_inputs import with_details
from metaeval.report.latex import DEFAULT_LAYOUT, LAYOUTS
from metaeval.report.write import META_CSV, REPORT_FILES
from metaeval.score.empty import ScoringSettings

DEFAULT_COEFFICIENTS = ("spearman", "pearson")
DEFAULT_LEVELS = ("none",)
Domain = choice_enum("Domain", (*DOMAINS, "image"))
Missing = choice_enum("Missing", MISSING_POLICIES)
DataFormat = choice_enum("DataFormat", DATA_FORMATS)
ProtocolChoice = choice_enum("Protocol", tuple(PROTOCOLS))
LatexLayout = choice_enum("LatexLayout", LAYOUTS)
DATA, REPORTS, SPEED, STATISTICS = "Data", "Reports", "Speed", "Statistics"
DATA_OPTION = typer.Option(None, "--data", help="Judgement table: CSV, TSV, JSONL or Parquet (or "
                                                "a WMT MQM TSV / THumB JSONL, see --data-format).")
DATA_FORMAT_OPTION = typer.Option("table", help="table (with a column mapping or card), wmt-mqm "
                                                "(per-error MQM TSV), thumb (THumB 1.0 JSONL), "
                                                "mtme (an mt-metrics-eval evalset folder, with "
                                                "--lp), pairwise or best-of-n (human choices, "
                                                "with --scores).",
                                  rich_help_panel=DATA)
LATEX_LAYOUT_OPTION = typer.Option(
    DEFAULT_LAYOUT, help="table.tex: compact (fits an article column), two-column (table* "
                         "across a two-column paper) or full (one wide table).",
    rich_help_panel=REPORTS)
EXCLUDE_OPTION = typer.Option(None, help="Comma-separated systems left out of every "
                                             "statistic (e.g. the hidden reference and anchors "
                                             "of a MUSHRA test).", rich_help_panel=DATA)
MQM_WEIGHTS_OPTION = typer.Option(None, help="MQM penalties, e.g. major=5,minor=1,"
                                              "minor_punctuation=0.1,non_translation=25.",
                                  rich_help_panel=DATA)
FORMAT_OPTION = typer.Option(",".join(FORMATS), "--format",
                             callback=comma_choices(tuple(FORMATS), "--format", "report format"),
                             help=f"Comma-separated report formats: {', '.join(FORMATS)}.",
                             rich_help_panel=REPORTS)
IMAGE_OPTION = typer.Option(None, help="Column with image paths (thumbnails in the report).",
                            rich_help_panel=DATA)
IMAGES_OPTION = typer.Option(None, help="Folder the image paths are relative to (default: the "
                                        "data file's folder).", rich_help_panel=DATA)
PROTOCOL_OPTION = typer.Option(None, "--protocol", help="Defaults of a published protocol.",
                               rich_help_panel=STATISTICS)
MISSING_OPTION = typer.Option("error", help="Missing metric scores (a failed or absent score, "
                                             "also of --domain mt/text scoring): error, or drop "
                                             "the cell.", rich_help_panel=DATA)
FORCE_OPTION = typer.Option(False, help="Run even when the cost estimate exceeds the budget "
                                        "(2 h).", rich_help_panel=SPEED)


@app.command("correlate")
@with_settings_options(PreferenceSettings, into="choice_options")
@with_settings_options(ScoringSettings, into="scoring_options")
@with_settings_options(Settings)
def correlate_command(
    domain: Domain = shared.DOMAIN_OPTION,
    data: list[Path] = DATA_SETS_OPTION,
    data_format: DataFormat = DATA_FORMAT_OPTION,
    mqm_weights: str = MQM_WEIGHTS_OPTION,
    scores: list[Path] = typer.Option(None, help="Scores from `metaeval score`, joined on "
                                                 "(item, system); repeat it for several files "
                                                 "(merged; a metric in two files is an error).",
                                      rich_help_panel=DATA),
    item: str = shared.ITEM_OPTION,
    system: str = shared.SYSTEM_OPTION,
    human: str = typer.Option(None, help="Human score column(s), comma-separated: one run over "
                                         "all of them, a section per column in one report "
                                         "(e.g. DMOS; coherence,fluency).",
                              rich_help_panel=DATA),
    rater: str = shared.RATER_OPTION,
    system_a: str = prefs.SYSTEM_A_OPTION, system_b: str = prefs.SYSTEM_B_OPTION,
    winner: str = prefs.WINNER_OPTION, picked: str = prefs.PICKED_OPTION,
    image: str = IMAGE_OPTION,
    images: Path = IMAGES_OPTION,
    metrics: str = typer.Option(None, help="Comma-separated metric columns (default: all numeric); "
                                           "with --domain mt/text: metrics to score, with options.",
                                rich_help_panel=DATA),
    lower_is_better: str = shared.LOWER_OPTION,
    missing: Missing = MISSING_OPTION,
    exclude_systems: str = EXCLUDE_OPTION,
    lp: str = cli_mtme.LP_OPTION, gold: str = cli_mtme.GOLD_OPTION, ref: str = cli_mtme.REF_OPTION,
    human_outputs: bool = cli_mtme.HUMAN_OUTPUTS_OPTION,
    protocol_name: ProtocolChoice = PROTOCOL_OPTION,
    out: Path = typer.Option(None, help="Report folder (default reports/<dataset>/).",
                             rich_help_panel=REPORTS),
    format: str = FORMAT_OPTION,
    latex_layout: LatexLayout = LATEX_LAYOUT_OPTION,
    quiet: bool = typer.Option(False, help="No progress bar or summary table.",
                               rich_help_panel=REPORTS),
    manifest: Path = cli_media.MANIFEST_OPTION, embed_media: bool = cli_media.EMBED_OPTION,
    media_budget: float = cli_media.BUDGET_OPTION, media_seconds: float = cli_media.SECONDS_OPTION,
    power: bool = POWER_OPTION, power_pair: str = POWER_PAIR_OPTION,
    power_method: PowerMethod = POWER_METHOD_OPTION, power_grid: str = POWER_GRID_OPTION,
    power_raters: str = POWER_RATERS_OPTION, power_reps: int = POWER_REPS_OPTION,
    workers: int = WORKERS_OPTION,
    force: bool = FORCE_OPTION,
    settings_options: dict | None = None, choice_options: dict | None = None,
    scoring_options: dict | None = None,
) -> None:
    """Correlate metrics with human judgements (ratings, or pairwise / best-of-N choices) and
    write the reports."""
    options = dict(locals())
    with cli_errors({**settings_flags(Settings), **settings_flags(PreferenceSettings),
                     **settings_flags(ScoringSettings)}):
        arguments = command_arguments(options)
        if "choices" in arguments:  # --data-format pairwise|best-of-n
            prefs.run_choices(arguments["choices"])
        else:
            run_correlate(**arguments)


RENAMED = {"format": "formats"}
LIST_OPTIONS = ("human", "metrics", "lower_is_better", "format", "exclude_systems", "lp")
MEDIA_OPTIONS = {"manifest": "manifest", "embed_media": "embed", "media_budget": "budget_mb",
                 "media_seconds": "seconds"}


def command_arguments(options: dict) -> dict:
    """`run_correlate`'s keywords from the command's options: choices as their text,
    comma-separated lists split, the --power options as one `PowerSettings` (or None), the
    media options as one dict, the settings options as they came; choice data
    (``--data-format pairwise|best-of-n``): ``{"choices": keywords of `run_choices`}``."""
    power = power_settings(**{key: options.pop(key) for key in list(options)
                              if key.startswith("power")})
    media = {MEDIA_OPTIONS[key]: options.pop(key) for key in MEDIA_OPTIONS}
    chosen = options.pop("settings_options") or {}
    options.update(options.pop("scoring_options") or {})  # --empty-output (--domain mt|text)
    converted = {RENAMED.get(key, key): split(value) if key in LIST_OPTIONS else value_of(value)
                 for key, value in options.items()}
    if converted["data_format"] in prefs.CHOICE_FORMATS:
        return {"choices": {**converted, "media": media, "power": power,
                            "settings_options": chosen}}
    prefs.refuse_choice_options(converted)
    return {**converted, "power": power, "media": media, "settings_options": chosen}


def _load(domain, data, scores, missing, lower_is_better, item, system, human, metrics, rater,
          group_by, data_format, mqm_weights, quiet, image=None, images=None, exclude=(),
          empty_output="nan"):
    """The judgement set and protocol defaults; bundled MT/text sets are scored first."""
    scoring = domain is not None and data is None
    return judgements(domain=domain, data=data, scores=scores, missing=missing,
                      lower_is_better=lower_is_better, item=item, system=system,
                      human=(human[0] if len(human) == 1 else list(human)) if human else None,
                      metrics=None if scoring else (metrics or None), rater=rater,
                      groups=[group_by] if group_by else (), data_format=data_format,
                      mqm_weights=mqm_weights, score_metrics=metrics if scoring else None,
                      exclude_systems=list(exclude), progress=not quiet, empty_output=empty_output,
                      **({"image": image} if image else {}),
                      **({"images": images} if images else {}))


def run_correlate(*, domain=None, data=None, item=None, system=None, human=(), rater=None,
                  metrics=(), lower_is_better=(), missing="error", out=None, formats=(),
                  quiet=False, force=False, workers=None, exclude_systems=(), scores=None,
                  data_format="table", mqm_weights=None, protocol_name=None,
                  latex_layout=DEFAULT_LAYOUT, image=None, images=None, media=None,
                  power: PowerSettings | None = None, settings_options=None, lp=(), gold=None,
                  ref=None, human_outputs=True, empty_output="nan") -> Path:
    """Load, correlate, write the reports into ``out`` (one folder, a section per human score);
    print the summary unless ``quiet``. Several ``data`` files (or a folder):
    one report per set and their meta-analysis (:func:`run_sets`); ``meta_by``: the
    meta-analysis across the values of that column of one set. ``media``: the keywords of
    :func:`metaeval.cli.media.media_inputs` (manifest, embed, budget_mb, seconds)."""
    human = [human] if isinstance(human, str) else list(human or ())
    chosen = dict(settings_options or {})
    if data_format == "mtme":
        return cli_mtme.run_mtme(
            data=list(data or []), lps=list(lp), gold=gold, ref=ref, include_human=human_outputs,
            exclude_systems=list(exclude_systems), scores=scores, metrics=metrics,
            missing=missing, protocol_name=protocol_name, settings_options=chosen, out=out,
            formats=formats or list(FORMATS), quiet=quiet, force=force, workers=workers,
            latex_layout=latex_layout, mqm_weights=mqm_weights, empty_output=empty_output)
    if protocol_name:  # a WMT task set is refused before anything is read
        protocol_run(protocol_name, [POOLED], None, {}, evalsets=False)
    group_by, meta_by, pooled = (chosen.get(k) for k in ("group_by", "meta_by", "pooled"))
    paths = data_paths(data)
    several = len(paths) > 1
    check_output_folder(out if out else Path("reports"),  # before any long computation
                        owned=[*REPORT_FILES, META_CSV] if out else None)
    if several:
        _check_sets(human, meta_by, pooled, power, media)
    shown = None if several else cli_media.media_inputs(
        scores=scores, domain=domain, data=paths[0] if paths else None, **(media or {}))
    loaded = []
    for path in paths or [None]:  # every set is read and validated before any computation
        js, defaults = _load(domain, path, scores, missing, lower_is_better, item, system, human,
                             metrics, rater, group_by or meta_by, data_format, mqm_weights,
                             quiet, image, images, exclude_systems, empty_output)
        loaded.append((js, defaults))
    js, defaults = loaded[0]
    if not quiet:
        for line in (f"{s.info.name}: {n}" if several else n for s, _ in loaded for n in s.notes):
            warn(line)
    defaults = {**defaults, **protocol(protocol_name)} if protocol_name else defaults
    settings = _settings(js, defaults, several=several, **chosen)
    common = {"out": out, "formats": formats or list(FORMATS), "quiet": quiet, "force": force,
              "workers": workers, "latex_layout": latex_layout, "note": defaults.get("note", "")}
    taskset = table_taskset(protocol_name, js, settings.group_by, settings.pooled, several)
    if several:
        return run_sets(loaded, settings, human=human[0] if human else None, metrics=metrics,
                        **common)
    # a bundled set's --metrics selects its columns (audio) or names what was scored (MT/text)
    scored = domain is not None and not paths and not set(metrics or ()) <= set(js.metric_names)
    chosen = list(metrics) if metrics and not scored else js.metric_names
    return _run_single(js, chosen, human or list(defaults.get("human") or [js.gold]), settings,
                       inputs=with_details(shown, js.details), power=power, taskset=taskset,
                       **common)


def _check_sets(human, meta_by, pooled, power, media) -> None:
    """Refuse what applies to one judgement set when several ``--data`` are given."""
    check_several(human, meta_by, pooled if pooled is not None else True)
    if power:
        raise ParameterError("power", True, "the power section applies to one judgement set.",
                             "leave out --power / --power-pair with several --data.")
    if media and (media.get("manifest") or media.get("embed")):
        raise ParameterError("manifest", media.get("manifest"), "the disagreement inputs apply "
                             "to one judgement set.", "leave out --manifest / --embed-media "
                             "with several --data.")


def _settings(js, defaults, *, several, group_by=None, meta_by=None, coefficients=(),
              levels=(), keep_draws=False, **options) -> Settings:
    """The run's settings: the options, else the protocol defaults; --meta-by is the grouping
    (checked on the set); several sets keep their draws."""
    if meta_by and group_by and group_by != meta_by:
        raise ParameterError("meta_by", meta_by, f"the test sets of --meta-by are the groups, "
                             f"but --group-by is {group_by}.", "leave out --group-by or give "
                             "the same column to both.")
    return Settings(
        coefficients=coefficients or defaults.get("coefficients", DEFAULT_COEFFICIENTS),
        levels=levels or defaults.get("levels", DEFAULT_LEVELS),
        group_by=meta_by or group_by or (defaults["group_by"] if "group_by" in defaults
                                         else js.groups[0] if js.groups else None),
        keep_draws=keep_draws or several, meta_by=meta_by, **options)


def _run_single(js, chosen, humans, settings, *, out, formats, quiet, force, workers, latex_layout,
                note, inputs=None, power=None, taskset=None) -> Path:
    """One set: one run over every human score (one cost estimate, one progress count, shared
    draws) and one report folder whatever their number; with --aggregate-humans the mean of
    the correlations is one more human section of it, ``mean(<cols>)``; ``taskset``: a
    protocol's task set over the table's groups (``voicemos``)."""
    out = check_output_folder(Path(out) if out else Path("reports") / safe_name(js.info.name))
    result = run_one(js, chosen, list(humans), settings, note, quiet, force, workers, power,
                     taskset)
    written = write_reports(result, out, formats=formats, latex_layout=latex_layout,
                            inputs=inputs)
    if not quiet:
        print_summary(result, written)
        for one in result:
            if one.meta:
                print_meta(one.meta)
    return out
