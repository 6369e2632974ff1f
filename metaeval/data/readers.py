"""Read a table file (CSV, TSV, JSON lines, Parquet) into a frame with the file line of each row.

The format comes from the file extension (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``,
``.parquet``/``.pq``). Every error names the file, the line (header = line 1; JSON lines count
from 1; Parquet rows count from 1 after a notional header, like a CSV export of it), the column
and the fix. Refused as ambiguous: a header naming a column twice (pandas would rename it
``m1.1``), a JSON object naming a key twice, JSON ``true``/``false`` among numbers (pandas would
read 1.0). Identifier columns are read as text on request (``001`` is not ``1``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from metaeval.csvio import read_back
from metaeval.errors import DataError, located

DELIMITED = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSON_LINES = (".jsonl", ".ndjson")
PARQUET = (".parquet", ".pq")
FORMATS = tuple(DELIMITED) + JSON_LINES + PARQUET


def _not_utf8(path: Path, error: UnicodeDecodeError) -> DataError:
    """A decoding error as the file line and byte it happened at (decoded again as a whole, so
    that the position is the file's, not a read buffer's)."""
    data = path.read_bytes()
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        data[bom:].decode("utf-8")
        position = error.start
    except UnicodeDecodeError as whole:
        position = whole.start + bom
    line = data[:position].count(b"\n") + 1
    return DataError(located(f"not UTF-8 text (byte 0x{data[position]:02x} at byte {position})",
                             file=str(path), row=line,
                             fix="save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)."))


def _unreadable(path: Path, reason: str) -> DataError:
    return DataError(located(f"cannot read the file ({reason})", file=str(path),
                             fix="check the path and that the file is a readable "
                                 f"{'/'.join(FORMATS)} table."))


def _duplicate_header(path: Path, names: Sequence[str]) -> None:
    """Refuse a header that names a column twice (pandas would rename it ``m1.1``)."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(located(f"the header names column {name!r} twice", file=str(path),
                                    row=1, column=name, fix="give every column its own name."))
        seen.add(name)


def _read_delimited(path: Path, sep: str,
                    text_columns: Sequence[str] = ()) -> tuple[pd.DataFrame, list[int]]:
    """Parse once with :mod:`csv` for line numbers and ragged rows, then with pandas for types
    (``text_columns`` kept as text: ``001`` stays ``001``)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=sep)
            header = next(reader, None)
            if header is None:
                raise DataError(located("the file is empty", file=str(path),
                                        fix="write a header line and one row per judgement."))
            _duplicate_header(path, header)
            lines, previous = [], reader.line_num
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record:
                    continue
                if len(record) != len(header):
                    raise DataError(located(
                        f"this line has {len(record)} field(s), the header has {len(header)}",
                        file=str(path), row=start,
                        column=header[min(len(record), len(header)) - 1] if header else None,
                        fix=f"give every line exactly {len(header)} '{sep}'-separated fields; "
                            "quote fields that contain the separator."))
                lines.append(start)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc
    except (OSError, csv.Error) as exc:
        raise _unreadable(path, str(exc)) from exc
    try:
        frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig",
                            dtype={c: str for c in text_columns if c in header})
    except (ValueError, OSError) as exc:
        raise _unreadable(path, str(exc)) from exc
    if len(frame) != len(lines):  # pandas and csv disagree on some odd quoting: fall back
        lines = [i + 2 for i in range(len(frame))]
    return read_back(frame), lines


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    twice = [k for k in dict.fromkeys(keys) if keys.count(k) > 1]
    if twice:
        raise KeyError(twice[0])
    return dict(pairs)


def _read_json_lines(path: Path) -> tuple[pd.DataFrame, list[int]]:
    records, lines = [], []
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text, object_pairs_hook=_no_duplicate_keys)
                except json.JSONDecodeError as exc:
                    raise DataError(located(f"not valid JSON ({exc.msg})", file=str(path),
                                            row=number, fix="write one JSON object per line.")
                                    ) from exc
                except KeyError as exc:
                    raise DataError(located(f"the object names key {exc.args[0]!r} twice",
                                            file=str(path), row=number, column=exc.args[0],
                                            fix="give every field its own name.")) from exc
                if not isinstance(record, dict):
                    raise DataError(located(f"expected a JSON object, got {type(record).__name__}",
                                            file=str(path), row=number,
                                            fix="write one JSON object per line."))
                records.append(record)
                lines.append(number)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc
    except OSError as exc:
        raise _unreadable(path, str(exc)) from exc
    if not records:
        raise DataError(located("the file has no records", file=str(path),
                                fix="write one JSON object per line."))
    frame = pd.DataFrame.from_records(records)
    _json_booleans(path, frame, records, lines)
    return frame, lines


def _json_booleans(path: Path, frame: pd.DataFrame, records: list[dict], lines: list[int]) -> None:
    """Refuse ``true``/``false`` in a column that otherwise holds numbers (pandas would read
    ``true`` as 1.0 there); a column of booleans only stays as it is (not a score column)."""
    for column in frame.columns:
        values = [r.get(column) for r in records]
        flags = [i for i, v in enumerate(values) if isinstance(v, bool)]
        numbers = any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if flags and numbers:
            raise DataError(located(f"JSON {str(values[flags[0]]).lower()} in a column of numbers",
                                    file=str(path), row=lines[flags[0]], column=column,
                                    fix="write a number, or null for a missing value."))


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise _unreadable(path, f"{type(exc).__name__}: {exc}") from exc
    _duplicate_header(path, [str(c) for c in frame.columns])
    return frame.reset_index(drop=True), [i + 2 for i in range(len(frame))]


def _as_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` as text (numbers written as they read: 1 -> "1"), missing cells kept."""
    for column in columns:
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: v if isinstance(v, str) or pd.isna(v)
                                              else str(v)).astype(object)
    return frame


def read_text_csv(path: str | Path, fix: str) -> pd.DataFrame:
    """A CSV with every cell as text (empty cells NaN); a `DataError` with ``fix`` if unreadable."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise DataError(located("the file is empty", file=str(path), fix=fix)) from None
    except (OSError, ValueError) as error:
        raise DataError(located(f"cannot read the file ({error})", file=str(path), fix=fix)) from error
    return no_rows_check(read_back(frame), path)


def no_rows_check(frame: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """``frame``, or one line saying the file has a header and no data rows."""
    if len(frame) == 0:
        raise DataError(located(f"the file has a header ({len(frame.columns)} columns) and no "
                                "data rows", file=str(path), fix="write one row per record under "
                                "the header (was the file written completely?)."))
    return frame


def read_table(path: str | Path,
               text_columns: Sequence[str] = ()) -> tuple[pd.DataFrame, list[int]]:
    """Read a table by extension; return it with the file line of each row. ``text_columns``
    (identifiers: item, system, rater, groups) are read as text, so ``001`` and ``1`` stay
    distinct and join with the same text elsewhere."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(located(f"unsupported file type '{suffix or '(none)'}'", file=str(path),
                                fix=f"save the table as one of {', '.join(FORMATS)}."))
    if not path.is_file():
        raise _unreadable(path, "no such file" if not path.exists() else "not a file")
    if suffix in DELIMITED:
        frame, lines = _read_delimited(path, DELIMITED[suffix], text_columns)
    elif suffix in JSON_LINES:
        frame, lines = _read_json_lines(path)
    else:
        frame, lines = _read_parquet(path)
    return _as_text(no_rows_check(frame, path), text_columns), lines
