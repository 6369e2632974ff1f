"""`write_reports`: render a result to every requested format, each file written atomically."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from metaeval.errors import MetaevalError
from metaeval.result import CorrelationResult


def _html(result: CorrelationResult) -> str:
    from metaeval.report.html import render_html

    return render_html(result)


def _latex(result: CorrelationResult) -> str:
    from metaeval.report.latex import latex_tables

    return latex_tables(result)


def _csv(result: CorrelationResult) -> str:
    from metaeval.report.csvjson import results_csv

    return results_csv(result)


def _json(result: CorrelationResult) -> str:
    from metaeval.report.csvjson import results_json

    return results_json(result)


FORMATS: dict[str, tuple[str, Callable[[CorrelationResult], str]]] = {
    "html": ("index.html", _html),
    "latex": ("table.tex", _latex),
    "csv": ("results.csv", _csv),
    "json": ("results.json", _json),
}


def write_reports(result: CorrelationResult, out_dir: Path | str,
                  formats: Iterable[str] = ("html", "latex", "csv", "json")) -> dict[str, Path]:
    """Write the requested reports into ``out_dir`` (created if needed); return {format: path}.

    Files: ``index.html``, ``table.tex``, ``results.csv``, ``results.json``. Every file is
    written to a temp file in ``out_dir`` and moved into place with ``os.replace``, so an existing
    report is replaced whole or not at all. All formats are checked before anything is written.
    """
    from metaeval.report.atomic import write_atomic

    formats = list(dict.fromkeys(str(f).lower() for f in formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise MetaevalError(f"unknown report format(s) {', '.join(map(repr, unknown))}. Fix: "
                            f"choose from {', '.join(FORMATS)}.")
    out_dir = Path(out_dir)
    texts = {f: FORMATS[f][1](result) for f in formats}  # render all before writing any
    return {f: write_atomic(out_dir / FORMATS[f][0], text) for f, text in texts.items()}
