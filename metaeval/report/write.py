"""`write_reports`: render a result to every requested format, each file written atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from metaeval.correlation.result import CorrelationResult
from metaeval.errors import MetaevalError
from metaeval.io import write_atomic
from metaeval.report.csvjson import results_csv, results_json
from metaeval.report.html import render_html
from metaeval.report.latex import latex_tables

FORMATS: dict[str, tuple[str, Callable[[CorrelationResult], str]]] = {
    "html": ("index.html", render_html),
    "latex": ("table.tex", latex_tables),
    "csv": ("results.csv", results_csv),
    "json": ("results.json", results_json),
}


def write_reports(result: CorrelationResult, out_dir: Path | str,
                  formats: Iterable[str] = ("html", "latex", "csv", "json")) -> dict[str, Path]:
    """Write the requested reports into ``out_dir`` (created if needed); return {format: path}.

    Files: ``index.html``, ``table.tex``, ``results.csv``, ``results.json``. Every file is
    written to a temp file in ``out_dir`` and moved into place with ``os.replace``, so an existing
    report is replaced whole or not at all. All formats are checked before anything is written.
    """
    formats = list(dict.fromkeys(str(f).lower() for f in formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise MetaevalError(f"unknown report format(s) {', '.join(map(repr, unknown))}. Fix: "
                            f"choose from {', '.join(FORMATS)}.")
    out_dir = Path(out_dir)
    texts = {f: FORMATS[f][1](result) for f in formats}  # render all before writing any
    return {f: write_atomic(out_dir / FORMATS[f][0], text) for f, text in texts.items()}
