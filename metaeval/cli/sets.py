"""`metaeval correlate` over several judgement sets (repeated --data, or a folder of carded
tables): check every set first, correlate each with the same settings and seed, write the
per-set reports and their meta-analysis as one report folder; and the --meta-by checks."""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.cli.common import echo, warn
from metaeval.cli.meta import print_meta
from metaeval.cli.running import run_one
from metaeval.correlation.api import chosen_metrics
from metaeval.correlation.multiset import combine_sets, set_names
from metaeval.data.cards import carded_tables
from metaeval.data.datasets import expand
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.report import FORMATS, write_multiset_reports
from metaeval.report.latex_meta import meta_latex_warnings, multiset_names

DATA_SETS_OPTION = typer.Option(
    None, "--data", help="Judgement table: CSV, TSV, JSONL or Parquet (or a WMT MQM TSV / THumB "
                         "JSONL, see --data-format). Repeat it (--data a.csv --data b.csv), or "
                         "give a folder (its tables with a card), for one report per set and "
                         "their meta-analysis.", rich_help_panel="Data")


def data_paths(data) -> list[Path]:
    """``--data`` as a list of files: one path, several, or a folder's tables with a card."""
    paths = [expand(d) for d in ([data] if isinstance(data, (str, Path)) else data or [])]
    folders = [p for p in paths if p.is_dir()]
    if folders and len(paths) > 1:
        raise ParameterError("data", str(folders[0]), "is a folder; several --data name files.",
                             f"give the folder alone (--data {folders[0]}) or its files.")
    if len(paths) == 1 and paths[0].is_dir():
        paths = carded_tables(paths[0])
        if len(paths) < 2:
            raise ParameterError("data", str(paths[0].parent), f"holds one table with a card "
                                 f"({paths[0].name}); a meta-analysis needs two or more.",
                                 f"give the file itself: --data {paths[0]}.")
    return paths


def check_several(human, meta_by, pooled) -> None:
    """Options that a multi-set run cannot take (checked before anything is read)."""
    if len(human) > 1:
        raise ParameterError("human", ",".join(human), "with several --data each set is "
                             "correlated with one human score.", "give one --human (or none: "
                             "each set's default).")
    if meta_by:
        raise ParameterError("meta_by", meta_by, "with several --data the test sets are the "
                             "files.", "leave out --meta-by, or run one --data with --meta-by.")
    if not pooled:
        raise ParameterError("pooled", "no", "the meta-analysis of several --data combines "
                             "each set's pooled rows.", "leave out --no-pooled.")


def run_sets(loaded, settings, *, human, metrics, out, formats, quiet, force, workers, latex_layout,
             note) -> Path:
    """Correlate each set (same settings and seed; the choice of metrics and the human column
    are checked on every set first), keep its draws, write the per-set reports and the
    meta-analysis as one report folder."""
    names = set_names([js.info.name or Path(js.info.source).stem for js, _ in loaded])
    plan = []
    for js, defaults in loaded:
        gold = human or (list(defaults.get("human") or []) or [js.gold])[0]
        try:
            gold, chosen = chosen_metrics(js, list(metrics) if metrics else None, gold)
        except ParameterError as error:
            raise ParameterError(error.parameter, error.value, f"{js.info.source}: "
                                 f"{error.problem}", error.fix) from None
        if settings.group_by and settings.group_by not in js.table.columns:
            raise ParameterError("group_by", settings.group_by, f"not a column of "
                                 f"{js.info.source}.", "group only by a column every set has.")
        plan.append((js, gold, chosen))
    out = check_output_folder(Path(out) if out else Path("reports") /
                              safe_name("meta-" + "+".join(names)))
    sets = []
    for name, (js, gold, chosen) in zip(names, plan):
        if not quiet:
            warn(f"set {name}: {js.info.source}")
        result = run_one(js, chosen, gold, settings, note, quiet, force, workers)
        sets.append((name, result))
    multi = combine_sets(sets, settings)
    written = write_multiset_reports(multi, out, formats=formats or list(FORMATS),
                                     latex_layout=latex_layout)
    if not quiet:
        print_meta(multi.meta)
        if "latex" in written:
            for line in meta_latex_warnings(multi.meta, multiset_names(multi)):
                warn(f"note: {line}")
        for fmt_name, path in written.items():
            echo(f"{fmt_name:>5}: {path}")
        echo(f"signature: {multi.signature}")
    return out
