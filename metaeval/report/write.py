"""`write_reports`: render a result to every requested format, each file written atomically;
`write_multiset_reports`: the per-set reports of a multi-set run and their meta-analysis."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from metaeval.correlation.humans import HumanResults, as_humans
from metaeval.correlation.meta import meta_table
from metaeval.correlation.multiset import MultiSetResult
from metaeval.correlation.result import CorrelationResult
from metaeval.csvio import csv_text
from metaeval.errors import MetaevalError
from metaeval.io import write_set
from metaeval.report.csvjson import results_csv, results_json
from metaeval.report.explorer_inputs import ExplorerInputs
from metaeval.report.html import render_html
from metaeval.report.latex import DEFAULT_LAYOUT, LAYOUTS
from metaeval.report.latex_meta import latex_report, multiset_latex
from metaeval.report.meta import render_multiset_html
from metaeval.report.per_item import per_item_csv
from metaeval.report.preferences import CHOICE_CSVS, choice_csvs
from metaeval.report.taskset import averages_csv
from metaeval.report.voicemos import voicemos_csv, voicemos_frame

FORMATS: dict[str, tuple[str, Callable[[CorrelationResult | HumanResults], str]]] = {
    "html": ("index.html", render_html),
    "latex": ("table.tex", latex_report),
    "csv": ("results.csv", results_csv),
    "json": ("results.json", results_json),
}


AVERAGES_CSV = "averages.csv"  # with the csv format, for a weighted task set (a protocol run)
VOICEMOS_CSV = "voicemos.csv"  # with the csv format, for --protocol voicemos
PER_ITEM_CSV = "per_item.csv"  # with the csv format, for --per-item and choice statistics
REPORT_FILES = (*(name for name, _ in FORMATS.values()), AVERAGES_CSV, VOICEMOS_CSV,
                PER_ITEM_CSV, *CHOICE_CSVS)
META_CSV = "meta.csv"


def _check(formats: Iterable[str], latex_layout: str) -> list[str]:
    formats = list(dict.fromkeys(str(f).lower() for f in formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise MetaevalError(f"unknown report format(s) {', '.join(map(repr, unknown))}. Fix: "
                            f"choose from {', '.join(FORMATS)}.")
    if latex_layout not in LAYOUTS:
        raise MetaevalError(f"unknown LaTeX layout {latex_layout!r}. Fix: choose from "
                            f"{', '.join(LAYOUTS)}.")
    return formats


def _render(result: CorrelationResult | HumanResults, formats: list[str], latex_layout: str,
            inputs: ExplorerInputs | None = None) -> dict[str, str]:
    run = as_humans(result)
    render = {**{f: FORMATS[f][1] for f in formats},
              "latex": lambda r: latex_report(r, latex_layout),
              "html": lambda r: render_html(r, inputs)}
    texts = {FORMATS[f][0]: render[f](run) for f in formats}
    if "csv" in formats:
        texts.update(_extra_csvs(run))
    return texts


def _extra_csvs(run: HumanResults) -> dict[str, str]:
    """The CSV files of what some runs have (each with a ``human`` column first): a weighted
    task set's averages, the VoiceMOS table, per-item values, the choice tables."""
    texts = {}
    if any(r.averages is not None for r in run):
        texts[AVERAGES_CSV] = averages_csv(run)
    if voicemos_frame(run) is not None:
        texts[VOICEMOS_CSV] = voicemos_csv(run)
    per_item = per_item_csv(run)
    if per_item is not None:
        texts[PER_ITEM_CSV] = per_item
    texts.update(choice_csvs(run))
    return texts


def report_folders(folder: Path) -> list[str]:
    """Subfolders of ``folder`` that hold only report files (per-set reports of an earlier
    multi-set run: replaced with the set, never mixed with the new one)."""
    if not folder.is_dir():
        return []
    return [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
            and all(f.is_file() and f.name in REPORT_FILES for f in p.iterdir())]


def write_multiset_reports(multi: MultiSetResult, out_dir: Path | str,
                           formats: Iterable[str] = ("html", "latex", "csv", "json"),
                           latex_layout: str = DEFAULT_LAYOUT) -> dict[str, Path]:
    """A multi-set report: ``<set>/`` with each set's reports (as :func:`write_reports`), and
    at the top ``index.html`` (per-set rankings and the meta-analysis), ``results.json``
    (signature, settings, sets, ``meta``), ``meta.csv`` (:func:`meta_table`) and
    ``table.tex`` (the meta-analysis, :func:`multiset_latex`), all written as one set; return
    {format: top-level path} (``csv``: meta.csv)."""
    formats = _check(formats, latex_layout)
    out_dir = Path(out_dir)
    texts: dict[str, str] = {}
    for name, result in multi.sets:
        texts.update({f"{name}/{file}": text
                      for file, text in _render(result, formats, latex_layout).items()})
    top = {"html": ("index.html", lambda: render_multiset_html(multi)),
           "json": ("results.json", lambda: json.dumps(multi.to_json_dict(), indent=1)),
           "csv": (META_CSV, lambda: csv_text(meta_table(multi.meta))),
           "latex": ("table.tex", lambda: multiset_latex(multi, latex_layout))}
    texts.update({top[f][0]: top[f][1]() for f in formats if f in top})
    owned = [*REPORT_FILES, META_CSV, *report_folders(out_dir), *(n for n, _ in multi.sets)]
    written = write_set(out_dir, texts, owned=owned)
    return {f: written[top[f][0]] for f in formats if f in top}


def write_reports(result: CorrelationResult | HumanResults, out_dir: Path | str,
                  formats: Iterable[str] = ("html", "latex", "csv", "json"),
                  latex_layout: str = DEFAULT_LAYOUT,
                  inputs: ExplorerInputs | None = None) -> dict[str, Path]:
    """Write the requested reports of a run into ``out_dir`` (created if needed); return
    {format: path}. One folder whatever the number of human columns (``result``: a
    :class:`HumanResults`, or one human's `CorrelationResult`, the same as a run of one): the
    CSV files have a ``human`` column, results.json a ``humans`` list and ``by_human``, the HTML
    a section per human, table.tex the tables of each human, labelled.

    ``latex_layout``: ``compact`` (fits an article column), ``two-column`` (``table*``) or
    ``full`` (see :mod:`metaeval.report.latex`). ``inputs``: the cells' inputs shown in the
    HTML disagreement tables (:mod:`metaeval.report.explorer_inputs`).

    Files: ``index.html``, ``table.tex`` (with ``--meta-by`` also the meta-analysis table; a
    protocol run also the task-set table), ``results.csv`` (and ``averages.csv`` for a weighted
    task set), ``results.json``. Everything is
    rendered first, then written as a set (:func:`metaeval.io.write_set`): an existing report
    folder is replaced whole or not at all, never mixed with files of an earlier run.
    """
    formats = _check(formats, latex_layout)
    texts = _render(result, formats, latex_layout, inputs)  # render all first
    written = write_set(Path(out_dir), texts, owned=REPORT_FILES)
    return {f: written[FORMATS[f][0]] for f in formats}
