"""Thumbnails of the cells where a metric and the humans disagree most (image judgement sets).

Per metric: the ``n`` cells with the largest rank gap ``|rank(metric) - rank(human)|`` over
all points (the one formula of :mod:`metaeval.correlation.disagreement`) are shown with their
image downscaled to ``size`` pixels on the longer side (Pillow, Lanczos), embedded as a base64
PNG. Images are read by the one image loader (:func:`metaeval.metrics.image.images.load_rgb`);
an image it cannot read is a text placeholder with the reason, never an error of the report.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from metaeval.correlation.disagreement import fraction_ranks, largest_disagreements
from metaeval.correlation.result import CorrelationResult
from metaeval.errors import DataError
from metaeval.metrics.image.images import load_rgb
from metaeval.paths import display_path
from metaeval.report import plots

__all__ = ["fraction_ranks", "largest_disagreements", "thumbnail_uri", "disagreement_panels"]
SHOWN = 6  # cells per metric
SIZE = 96  # longest side of a thumbnail, pixels


def thumbnail_uri(path: str | Path, size: int = SIZE) -> tuple[str | None, str]:
    """(``data:image/png;base64,...`` of the downscaled image, "") or (None, the reason).

    The image is read by the one image loader (:func:`metaeval.metrics.image.images.load_rgb`,
    as the metrics see it: 16-bit grey scaled, alpha on white, float refused, ...)."""
    from PIL import Image

    try:
        small = load_rgb(path)
        small.thumbnail((size, size), Image.Resampling.LANCZOS)
    except DataError as error:  # an unreadable file is a placeholder, never a crash
        return None, str(error)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), ""


def _card(row, human: str, metric: str, paths: dict, cache: dict, size: int) -> dict:
    path = paths.get((str(row["item"]), str(row["system"])), "")
    if path and path not in cache:
        cache[path] = thumbnail_uri(path, size)
    uri, reason = cache.get(path, (None, "no image path for this cell"))
    return {"item": str(row["item"]), "system": str(row["system"]), "uri": uri,
            "placeholder": "" if uri else f"image not shown ({reason})",
            "file": display_path(path) if path else "", "human": float(row[human]),
            "metric": float(row[metric]), "human_rank": float(row["human_rank"]),
            "metric_rank": float(row["metric_rank"])}


def disagreement_panels(result: CorrelationResult, n: int = SHOWN,
                        size: int = SIZE) -> list[dict]:
    """Per metric (the scatter's metrics): its ``n`` most disagreeing cells with thumbnails;
    empty when the judgement set has no image paths."""
    if result.images is None or not len(result.images) or not len(result.points):
        return []
    paths = {(str(i), str(s)): p for i, s, p in zip(result.images["item"],
                                                      result.images["system"],
                                                      result.images["image"])}
    cache: dict[str, tuple[str | None, str]] = {}
    panels = []
    for metric in plots.best_metrics(result, plots.MAX_PANELS):
        if metric not in result.points.columns:
            continue
        cells = largest_disagreements(result.points, result.human, metric, n)
        flipped = result.metrics.get(metric) == "lower"
        panels.append({"metric": metric, "flipped": flipped,
                       "cells": [_card(row, result.human, metric, paths, cache, size)
                                 for _, row in cells.iterrows()]})
    return panels
