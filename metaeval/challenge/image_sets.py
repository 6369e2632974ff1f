"""Contrastive image-caption pairs: one image, a correct and an incorrect caption.

Fields: ``image`` (a path, relative to the set's file, or absolute), ``good-caption``,
``bad-caption``, ``phenomenon`` (or ``phenomena``, as ACES writes it); optional ``id``,
``category`` (else ``other`` unless the phenomenon is an ACES one), ``references`` (captions for
reference-based metrics: one, or a JSON list) and ``langpair`` (a free grouping, default
``image-text``). TSV, CSV, JSON lines or a JSON list. Both captions of a pair are scored
against its image; tau counts a pair as concordant when the metric prefers the good caption,
ties as discordant, as for the text sets. Errors name the file, the row, the field and the fix;
image files are checked before anything is scored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metaeval.challenge.aces import category_of
from metaeval.data.images import resolve_image
from metaeval.errors import DataError, located
from metaeval.score.image_manifest import parse_references

IMAGE_FIELDS = ("image", "good-caption", "bad-caption")
DEFAULT_GROUP = "image-text"


def is_image_set(columns) -> bool:
    """An image set has the fields image, good-caption and bad-caption."""
    return set(IMAGE_FIELDS) <= set(columns)


def _first(mask: pd.Series, lines: list[int]) -> int:
    return lines[int(mask.to_numpy().nonzero()[0][0])]


def _check(frame: pd.DataFrame, lines: list[int], path: Path, phenomenon: str) -> list[str]:
    """Empty fields refused; the resolved image path of every pair, each an existing file."""
    for field in (*IMAGE_FIELDS, phenomenon):
        empty = frame[field].fillna("").astype(str).str.strip() == ""
        if empty.any():
            raise DataError(located(f"empty {field}", file=str(path), row=_first(empty, lines),
                                    column=field, fix="every pair needs its image, both captions "
                                                      "and its phenomenon."))
    images = [resolve_image(v, path.parent) for v in frame["image"]]
    for position, image in enumerate(images):
        if not Path(image).is_file():
            raise DataError(located(f"image file not found: {image}", file=str(path),
                                    row=lines[position], column="image",
                                    fix="paths are relative to the set's folder; check the name "
                                        "or give an absolute path."))
    return images


def image_pairs(frame: pd.DataFrame, lines: list[int], path: Path) -> pd.DataFrame:
    """The pairs table of an image set (columns as for text sets, plus ``image`` and
    ``references``; ``source`` holds the image path for the reports)."""
    phenomenon = "phenomenon" if "phenomenon" in frame.columns else "phenomena"
    if phenomenon not in frame.columns:
        raise DataError(located(f"missing field 'phenomenon'; found {list(frame.columns)}",
                                file=str(path), column="phenomenon",
                                fix="give image, good-caption, bad-caption, phenomenon."))
    images = _check(frame, lines, path, phenomenon)
    phenomena = frame[phenomenon].astype(str)
    category = (frame["category"].fillna("").astype(str) if "category" in frame.columns
                else pd.Series([""] * len(frame)))
    group = (frame["langpair"].fillna(DEFAULT_GROUP).astype(str) if "langpair" in frame.columns
             else pd.Series([DEFAULT_GROUP] * len(frame)))
    return pd.DataFrame({
        "source": images, "good": frame["good-caption"].astype(str).to_numpy(),
        "bad": frame["bad-caption"].astype(str).to_numpy(), "reference": "",
        "phenomenon": phenomena.to_numpy(),
        "category": [c or category_of(p) for c, p in zip(category, phenomena)],
        "langpair": group.to_numpy(), "image": images,
        "references": _references(frame, lines, path)})


def _references(frame: pd.DataFrame, lines: list[int], path: Path) -> list:
    """Each pair's reference captions (a tuple) or None, parsed up front."""
    if "references" not in frame.columns:
        return [None] * len(frame)
    return [parse_references(value, str(path), line) or None
            for value, line in zip(frame["references"], lines)]
