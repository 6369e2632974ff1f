"""`write_reports`: render a result to every requested format, each file written atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from metaeval.correlation.result import CorrelationResult
from metaeval.errors import MetaevalError
from metaeval.io import write_set
from metaeval.report.csvjson import results_csv, results_json
from metaeval.report.explorer_inputs import ExplorerInputs
from metaeval.report.html import render_html
from metaeval.report.latex import DEFAULT_LAYOUT, LAYOUTS, latex_tables

FORMATS: dict[str, tuple[str, Callable[[CorrelationResult], str]]] = {
    "html": ("index.html", render_html),
    "latex": ("table.tex", latex_tables),
    "csv": ("results.csv", results_csv),
    "json": ("results.json", results_json),
}


def write_reports(result: CorrelationResult, out_dir: Path | str,
                  formats: Iterable[str] = ("html", "latex", "csv", "json"),
                  latex_layout: str = DEFAULT_LAYOUT,
                  inputs: ExplorerInputs | None = None) -> dict[str, Path]:
    """Write the requested reports into ``out_dir`` (created if needed); return {format: path}.

    ``latex_layout``: ``compact`` (fits an article column), ``two-column`` (``table*``) or
    ``full`` (see :mod:`metaeval.report.latex`). ``inputs``: the cells' inputs shown in the
    HTML disagreement tables (:mod:`metaeval.report.explorer_inputs`).

    Files: ``index.html``, ``table.tex``, ``results.csv``, ``results.json``. Everything is
    rendered first, then written as a set (:func:`metaeval.io.write_set`): an existing report
    folder is replaced whole or not at all, never mixed with files of an earlier run.
    """
    formats = list(dict.fromkeys(str(f).lower() for f in formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise MetaevalError(f"unknown report format(s) {', '.join(map(repr, unknown))}. Fix: "
                            f"choose from {', '.join(FORMATS)}.")
    if latex_layout not in LAYOUTS:
        raise MetaevalError(f"unknown LaTeX layout {latex_layout!r}. Fix: choose from "
                            f"{', '.join(LAYOUTS)}.")
    render = {**{f: FORMATS[f][1] for f in formats},
              "latex": lambda r: latex_tables(r, latex_layout),
              "html": lambda r: render_html(r, inputs)}
    texts = {FORMATS[f][0]: render[f](result) for f in formats}  # render all first
    written = write_set(Path(out_dir), texts, owned=[name for name, _ in FORMATS.values()])
    return {f: written[FORMATS[f][0]] for f in formats}
