"""Image paths of a judgement set: which image each (item, system) cell shows.

Reports use them for thumbnails (the items where a metric and the humans disagree most).
A path is resolved against ``base`` (the data file's folder, or the folder given as
``images=`` / ``--images``); ``~``, environment variables and ``${METAEVAL_DATA_DIR}`` are
expanded. Paths are not checked here: an image that cannot be read is a placeholder in the
report, never an error of the statistics.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from metaeval.data.columns import ITEM, SYSTEM
from metaeval.errors import DataError, located
from metaeval.paths import data_dir

DATA_DIR_VARIABLE = "${METAEVAL_DATA_DIR}"
IMAGE = "image"


def resolve_image(value, base: str | Path) -> str:
    """One image path as an absolute-or-base-relative path text ("" for an empty cell)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip():
        return ""
    text = str(value).strip()
    if DATA_DIR_VARIABLE in text:
        text = text.replace(DATA_DIR_VARIABLE, str(data_dir(required=True)))
    path = Path(os.path.expandvars(text)).expanduser()
    return str(path if path.is_absolute() else Path(base) / path)


def image_table(frame: pd.DataFrame, item: str, system: str, column: str, base: str | Path,
                file: str | None = None) -> pd.DataFrame:
    """(item, system, image) with the paths resolved; one row per cell (raters collapsed)."""
    if column not in frame.columns:
        raise DataError(located(f"unknown image column '{column}'; the file has "
                                f"{list(frame.columns)}", file=file, column=column,
                                fix="name the column that holds the image paths (--image COL "
                                    "or 'image: COL' in the dataset card)."))
    table = pd.DataFrame({ITEM: frame[item].astype(str).to_numpy(),
                          SYSTEM: frame[system].astype(str).to_numpy(),
                          IMAGE: [resolve_image(v, base) for v in frame[column]]})
    return table.drop_duplicates([ITEM, SYSTEM]).reset_index(drop=True)
