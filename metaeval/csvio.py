"""The one CSV writer of metaeval: no cell or column name can run as a spreadsheet formula.

Every CSV file metaeval writes (report tables, score tables, listening ``items.csv``,
``power.csv``, ``explain --csv``, derived data sets) is produced by :func:`csv_text` (or
:func:`write_csv`); ``tests/test_csvio.py`` fails when a ``to_csv`` call elsewhere bypasses it.

A text cell (or header) that starts with ``= + - @``, a tab or a carriage return, possibly after
leading apostrophes, gets one more leading ``'`` (OWASP, CSV injection): a spreadsheet shows it as
text. Numeric columns are untouched (``-0.5`` stays a number). The escape is reversible:
:func:`unescape` removes one ``'`` from exactly those cells, and metaeval's own CSV readers apply
it, so a table written by metaeval reads back as it was (``'=x`` -> ``=x``, ``''=x`` -> ``'=x``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")  # what escape() produced
_NEEDS = re.compile(r"'*[=+\-@\t\r]")  # what escape() changes


def escape(value):
    """``value`` with one more leading ``'`` when it is text a spreadsheet would run."""
    return "'" + value if isinstance(value, str) and _NEEDS.match(value) else value


def unescape(value):
    """The inverse of :func:`escape` (other values unchanged)."""
    return value[1:] if isinstance(value, str) and _ESCAPED.match(value) else value


def _text_columns(frame) -> list:
    return [c for c in frame.columns if frame[c].dtype.kind not in "biufcmM"]


def spreadsheet_safe(frame):
    """A copy of ``frame`` whose text cells and column names cannot run as formulas."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(escape)
    return out.rename(columns={c: escape(c) for c in out.columns if isinstance(c, str)})


def read_back(frame):
    """``frame`` as read from a CSV metaeval wrote: :func:`unescape` on names and text cells."""
    for column in _text_columns(frame):
        frame[column] = frame[column].map(unescape)
    return frame.rename(columns={c: unescape(c) for c in frame.columns if isinstance(c, str)})


def csv_text(frame, columns: Sequence[str] | None = None, sep: str = ",",
             lineterminator: str = "\n") -> str:
    """``frame`` (or its ``columns``) as CSV text without its index, formulas neutralised."""
    chosen = frame if columns is None else frame[list(columns)]
    return spreadsheet_safe(chosen).to_csv(index=False, sep=sep, lineterminator=lineterminator)


def write_csv(path: str | Path, frame, columns: Sequence[str] | None = None) -> Path:
    """Write :func:`csv_text` of ``frame`` to ``path`` atomically."""
    from metaeval.io import write_atomic

    return write_atomic(path, csv_text(frame, columns))
