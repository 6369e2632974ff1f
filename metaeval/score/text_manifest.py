"""What to score (text): a manifest with one row per (item, system) and its texts.

Columns: ``item``, ``system``, ``hypothesis`` (the system output), and as the metrics need them
``reference`` (one reference per cell, read as plain text whatever it starts with: ``[2019]``
stays ``[2019]``; in JSON lines or Parquet a list value is a list of references), or for several
``references`` (a JSON list per cell, ``["ref a", "ref b"]``; in JSON lines or Parquet also a
list) or ``reference_1``, ``reference_2``, ... (one text each; all of these columns add up),
``source``, and for instruction-following metrics (TIGERScore) ``instruction`` and ``context``.
CSV/TSV, JSON lines or Parquet (by extension), UTF-8. Errors name the file, row and column;
an empty hypothesis or reference is scored as a missing value with its reason, not refused here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from metaeval.data.readers import DELIMITED, read_table
from metaeval.errors import DataError, located
from metaeval.score.rows import ScoreRow, check_row_key

TEXT_INPUTS = ("hypothesis", "reference", "source", "instruction", "context")
NUMBERED_REFERENCE = re.compile(r"reference_(\d+)\Z")


def is_text_manifest(columns) -> bool:
    """A manifest is a text manifest when it has a ``hypothesis`` column."""
    return "hypothesis" in set(columns)


def _text(value) -> str | None:
    """The cell as text; None for an absent or empty cell."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value) == "":
        return None
    return str(value)


def _listed(value, path: Path, line: int) -> list[str]:
    """A ``references`` cell: a list (JSON lines, Parquet) or a JSON list written as text."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [str(v) for v in list(value)]
    if _text(value) is None:
        return []
    fix = ('write a JSON list such as ["ref 1", "ref 2"], or put a single reference in a '
           "'reference' column (read as plain text).")
    try:
        parsed = json.loads(str(value))
    except json.JSONDecodeError as error:
        raise DataError(located(f"not a JSON list ({error.msg}); the references column holds "
                                "JSON lists", file=str(path), row=line, column="references",
                                fix=fix)) from error
    if not isinstance(parsed, list):
        raise DataError(located(f"not a JSON list (a JSON {type(parsed).__name__}); the "
                                "references column holds JSON lists", file=str(path), row=line,
                                column="references", fix=fix))
    return [str(v) for v in parsed]


def _references(record: dict, numbered: list[str], path: Path, line: int) -> tuple[str, ...]:
    """The row's references: ``reference`` (one text as written, never parsed; a list when the
    file format holds lists), ``references`` (JSON lists) and ``reference_i`` columns."""
    value = record.get("reference")
    found: list[str] = []
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        found += [str(v) for v in list(value)]
    elif _text(value) is not None:
        found.append(str(value))
    found += _listed(record.get("references"), path, line)
    found += [str(record[c]) for c in numbered if _text(record.get(c)) is not None]
    return tuple(found)


def read_text_manifest(path: str | Path) -> list[ScoreRow]:
    """Read a text manifest into rows (texts kept as written, ids as text)."""
    path = Path(path)
    frame, lines = read_table(path, ("item", "system"))
    if path.suffix.lower() in DELIMITED:  # keep ids such as "007" and every text as written
        frame = pd.read_csv(path, sep=DELIMITED[path.suffix.lower()], dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
    for column in ("item", "system", "hypothesis"):
        if column not in frame.columns:
            raise DataError(located(f"missing column '{column}' (found: "
                                    f"{', '.join(map(str, frame.columns))})", file=str(path),
                                    fix="give item, system, hypothesis and the texts the "
                                        "metrics need (reference, source, ...)."))
    numbered = sorted((c for c in frame.columns if NUMBERED_REFERENCE.match(str(c))),
                      key=lambda c: int(NUMBERED_REFERENCE.match(c).group(1)))
    rows, seen = [], {}
    for position, record in enumerate(frame.to_dict("records")):
        line = lines[position] if position < len(lines) else position + 2
        item, system = (_text(record.get(k)) or "" for k in ("item", "system"))
        check_row_key(path, line, item, system, seen)
        texts = {name: _text(record.get(name)) for name in TEXT_INPUTS if name != "reference"}
        texts = {k: v for k, v in texts.items() if v is not None}
        texts["hypothesis"] = texts.get("hypothesis") or ""  # an empty output is scored as such
        references = _references(record, numbered, path, line)
        if references:
            texts["reference"] = references
        rows.append(ScoreRow(item, system, origin=f"{path}, row {line}", texts=texts))
    if not rows:
        raise DataError(located("the manifest has no rows", file=str(path),
                                fix="write one row per (item, system)."))
    return rows
