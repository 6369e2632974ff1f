"""`metaeval correlate --data-format mtme`: mt-metrics-eval evalsets, WMT protocols, reports.

``--data ROOT/<testset> --lp zh-en[,en-de] --gold mqm --ref refA`` loads each language pair
(:func:`metaeval.data.mtme.load_evalset`); ``--scores`` adds the metrics a user scored on the
evalset's texts (``metaeval data texts``); ``--protocol wmt22|wmt23|wmt24|wmt25`` runs that
task set (:mod:`metaeval.correlation.protocols`), otherwise the settings' levels and
coefficients are crossed with the language pairs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from metaeval.cli.common import warn
from metaeval.cli.running import run_one
from metaeval.cli.summary import print_summary
from metaeval.correlation.domains import registered_directions
from metaeval.correlation.protocols import protocol_run
from metaeval.correlation.settings import Settings
from metaeval.correlation.sources import EvalSetData
from metaeval.data.mtme import load_evalset
from metaeval.errors import ParameterError
from metaeval.io import check_output_folder, safe_name
from metaeval.report import write_reports
from metaeval.report.explorer_inputs import explorer_inputs
from metaeval.score.merge import read_score_tables, score_paths

DATA = "Data"
LP_OPTION = typer.Option(None, "--lp", help="--data-format mtme: language pair(s), "
                                            "comma-separated (e.g. zh-en or en-de,zh-en).",
                         rich_help_panel=DATA)
GOLD_OPTION = typer.Option(None, "--gold", help="--data-format mtme: the human scores (mqm, "
                                                "wmt, ...; default mqm when present).",
                           rich_help_panel=DATA)
REF_OPTION = typer.Option(None, "--ref", help="--data-format mtme: the main reference(s) "
                                              "(refA, or refA.refB; default refA).",
                          rich_help_panel=DATA)
HUMAN_OUTPUTS_OPTION = typer.Option(
    True, "--human-outputs/--no-human-outputs",
    help="--data-format mtme: score the other references as systems (as WMT did).",
    rich_help_panel=DATA)


def evalset_source(data: Path, lps: list[str], gold: str | None, ref: str | None,
                   include_human: bool, exclude: list[str], scores,
                   metrics: list[str] | None, missing: str = "error") -> EvalSetData:
    """The evalsets of every language pair, with the user's scores added."""
    if not lps:
        raise ParameterError("lp", None, "give the language pair(s) of the evalset, e.g. "
                             "--lp zh-en.")
    evalsets = {lp: load_evalset(data, lp) for lp in lps}
    if score_paths(scores):  # several files are merged on (item, system) first
        tables = read_score_tables(scores, missing)
        columns = tables.metric_columns
        infos = {**registered_directions(columns), **tables.infos}  # directions, configs
        for evs in evalsets.values():
            evs.add_scores(tables.frame, columns, ref, tables.source, missing, infos)
        for note in tables.notes:
            warn(note)
    return EvalSetData(evalsets, gold=gold, ref=ref, include_human=include_human,
                       exclude=tuple(exclude), metrics=tuple(metrics) if metrics else None,
                       missing=missing)


def run_mtme(*, data, lps, gold, ref, include_human, exclude_systems, scores, metrics,
             missing, protocol_name, settings_options, out, formats, quiet, force, workers,
             latex_layout, mqm_weights=None, empty_output="nan") -> Path:
    """Load the evalsets, run the protocol (or the plain crossing), write the reports."""
    if mqm_weights:
        raise ParameterError("mqm_weights", mqm_weights, "an evalset's MQM scores come "
                             "computed; there are no per-error rows to weigh.",
                             "leave out --mqm-weights.")
    if empty_output != "nan":
        raise ParameterError("empty_output", empty_output, "an evalset's metric scores come "
                             "computed.", "score your metric with `metaeval score "
                             "--empty-output` and pass it with --scores.")
    if len(data) != 1:
        raise ParameterError("data", ",".join(map(str, data)) or None, "give one evalset "
                             "folder (ROOT/<testset>) with --data-format mtme.")
    source = evalset_source(data[0], lps, gold, ref, include_human, exclude_systems, scores,
                            metrics, missing)
    # no protocol: WMT's levels and coefficients over the language pairs
    taskset, options, note = protocol_run(protocol_name or "wmt", source.groups(),
                                          source.domains(), settings_options, evalsets=True)
    settings = Settings(**options)
    human = source.primary.gold
    out = check_output_folder(Path(out) if out else Path("reports") /
                              safe_name(source.info().name))
    result = run_one(source, list(metrics) if metrics else None, human, settings, note, quiet,
                     force, workers, taskset=taskset)
    texts = pd.concat([e.text_frame(ref, prefixed=len(lps) > 1)
                       for e in source.evalsets.values()], ignore_index=True)
    written = write_reports(result, out, formats=formats, latex_layout=latex_layout,
                            inputs=explorer_inputs(scores=scores, texts=texts))
    if not quiet:
        print_summary(result, written)
    return out
