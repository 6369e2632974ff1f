"""What to score (images): a manifest with one row per (item, system), its image and text.

Columns: ``item``, ``system``, ``image`` (the image file: a generated image for text-to-image
metrics, the captioned image for captioning metrics), ``text`` (the caption or the prompt), and
as the metrics need them ``reference_image`` (CLIP-I) and ``references`` (RefCLIPScore). A CSV
cell of ``references`` holds one caption, or several as a JSON list
(``["a dog on a beach", "a brown dog runs"]``); JSON lines and Parquet may hold a list. Paths are
relative to the manifest's folder, or to ``images`` (CLI ``--images DIR``) when given (``~``,
environment variables and ``${METAEVAL_DATA_DIR}`` are expanded). CSV/TSV, JSON lines or
Parquet (by extension), UTF-8.

Checked up front, with the file, row, column and fix in the message: missing columns, empty
ids, duplicate (item, system) pairs, and for the inputs the chosen metrics need an empty cell or
a file that does not exist (the first one refused, naming its path and the ``--images`` fix).
An image that exists but cannot be decoded, or an empty caption, is a missing score with its
reason, decided when it is scored. A THumB JSONL is read into the same rows, with the same
checks (:func:`read_thumb_manifest`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data import thumb
from metaeval.data.readers import DELIMITED, read_table
from metaeval.errors import DataError, located
from metaeval.metrics.spec import IMAGE_FILES, INPUT_KINDS
from metaeval.score.manifest import expand_path
from metaeval.score.rows import ScoreRow, check_row_key

DEFAULT_IMAGE_NEEDS = ("image",)
COLUMNS_HINT = ("give the columns item, system, image, text (and reference_image / references "
                "for metrics that need them), one row per (item, system).")


def is_image_manifest(columns) -> bool:
    """An image manifest has an ``image`` or ``reference_image`` column and no hypothesis."""
    columns = set(columns)
    return bool(columns & set(IMAGE_FILES)) and "hypothesis" not in columns


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def parse_references(value, file: str, line: int) -> tuple[str, ...]:
    """A ``references`` cell: a list, a JSON list written as text, or one caption."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(str(v) for v in list(value))
    text = _cell(value)
    if not text.strip():
        return ()
    if not text.lstrip().startswith("["):
        return (text,)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(located(f"references looks like a JSON list but is not one ({error.msg})",
                                file=file, row=line, column="references",
                                fix='write ["caption 1", "caption 2"] or one plain caption.')) \
            from error
    if not isinstance(parsed, list):
        raise DataError(located("references must be a JSON list of captions", file=file,
                                row=line, column="references",
                                fix='write ["caption 1", "caption 2"].'))
    return tuple(str(v) for v in parsed)


def _read(path: Path) -> tuple[pd.DataFrame, list[int]]:
    frame, lines = read_table(path, ("item", "system"))
    if path.suffix.lower() in DELIMITED:  # keep ids such as "007" and every text as written
        frame = pd.read_csv(path, sep=DELIMITED[path.suffix.lower()], dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
    return frame, lines


def _check_columns(path: Path, frame: pd.DataFrame, needs: Sequence[str]) -> None:
    required = ["item", "system"] + [n for n in INPUT_KINDS["image"] if n in needs]
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise DataError(located(
            f"missing column(s) {', '.join(repr(c) for c in absent)} (found: "
            f"{', '.join(map(str, frame.columns))})", file=str(path), column=absent[0],
            fix=COLUMNS_HINT))


def _files(record: dict, path: Path, base: Path, line: int, needs: Sequence[str],
           images: bool = False) -> dict[str, Path]:
    """The row's image files (relative to ``base``); a needed one must be given and exist."""
    files = {}
    for name in IMAGE_FILES:
        value = _cell(record.get(name)).strip()
        if not value:
            if name in needs:
                raise DataError(located("empty cell", file=str(path), row=line, column=name,
                                        fix=f"give the {name} file of every row."))
            continue
        file = expand_path(value)
        file = file if file.is_absolute() else base / file
        if name in needs and not file.is_file():
            raise DataError(located(f"image file not found: {file}", file=str(path), row=line,
                                    column=name, fix=_missing_fix(base, images)))
        files[name] = file
    return files


def _missing_fix(base: Path, images: bool) -> str:
    where = f"--images {base}" if images else "the manifest's folder"
    return (f"paths are relative to {where}; give --images DIR, the folder that holds the "
            "images, or correct the path (or give an absolute one).")


def _texts(record: dict, path: Path, line: int, needs: Sequence[str]) -> dict:
    texts: dict = {}
    if "text" in record:
        texts["text"] = _cell(record["text"])  # an empty caption is scored as a failure
    elif "text" in needs:
        raise DataError(located("missing column 'text'", file=str(path), fix=COLUMNS_HINT))
    references = parse_references(record.get("references"), str(path), line)
    if references:
        texts["references"] = references
    elif "references" in needs:
        raise DataError(located("empty cell", file=str(path), row=line, column="references",
                                fix='give one caption or a JSON list ["caption 1", ...].'))
    return texts


def read_image_manifest(path: str | Path, needs: Sequence[str] = DEFAULT_IMAGE_NEEDS,
                        images: str | Path | None = None) -> list[ScoreRow]:
    """Read an image manifest; ``needs`` are the inputs every row must give; relative image
    paths are read from ``images`` (default: the manifest's folder)."""
    path = Path(path)
    base = Path(images) if images is not None else path.parent
    frame, lines = _read(path)
    _check_columns(path, frame, needs)
    rows, seen = [], {}
    for position, record in enumerate(frame.to_dict("records")):
        line = lines[position] if position < len(lines) else position + 2
        item, system = _cell(record.get("item")).strip(), _cell(record.get("system")).strip()
        check_row_key(path, line, item, system, seen)
        rows.append(ScoreRow(item, system,
                             _files(record, path, base, line, needs, images is not None),
                             f"{path}, row {line}", _texts(record, path, line, needs)))
    if not rows:
        raise DataError(located("the manifest has no rows", file=str(path),
                                fix="write one row per (item, system)."))
    return rows


def read_thumb_manifest(path: str | Path, needs: Sequence[str] = DEFAULT_IMAGE_NEEDS,
                        images: str | Path | None = None,
                        references: str | Path | None = None) -> list[ScoreRow]:
    """A THumB JSONL (:mod:`metaeval.data.thumb`) as rows to score: item ``seg_id``, system
    ``SYS``, ``image`` (relative to ``images``, default the JSONL's folder; checked as an image
    manifest's), ``text`` = ``hyp``, and ``references`` from ``references`` or THumB's
    references file next to the JSONL (absent when there is none)."""
    path = Path(path)
    base = Path(images) if images is not None else path.parent
    frame, lines = thumb.read_thumb(path)
    found = references or thumb.find_references(path)
    captions = thumb.read_references(found) if found is not None else {}
    rows = []
    for position, record in enumerate(frame.to_dict("records")):
        line = lines[position]
        item, system = _cell(record["seg_id"]).strip(), _cell(record["SYS"]).strip()
        texts: dict = {"text": _cell(record.get("hyp"))}
        if captions.get(item):
            texts["references"] = captions[item]
        rows.append(ScoreRow(item, system, _files({"image": record["image"]}, path, base, line,
                                                  needs, images is not None),
                             f"{path}, row {line}", texts))
    return rows
