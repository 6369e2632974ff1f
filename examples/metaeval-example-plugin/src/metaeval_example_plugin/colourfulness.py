"""Colourfulness of an image (Hasler & Suesstrunk 2003), a reference-free image metric.

    rg = R - G,  yb = (R + G) / 2 - B  (per pixel, 0..255 channels)
    M  = sqrt(std(rg)^2 + std(yb)^2) + 0.3 * sqrt(mean(rg)^2 + mean(yb)^2)

D. Hasler, S. Suesstrunk, Measuring colourfulness in natural images, Proc. SPIE 5007, 2003.
"""

from __future__ import annotations

import numpy as np

from metaeval.metrics.base import Batch, Metric


def colourfulness(rgb: np.ndarray) -> float:
    """M of an (H, W, 3) array of 0..255 channel values."""
    rgb = np.asarray(rgb, dtype=np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


class Colourfulness(Metric):
    """Hasler-Suesstrunk colourfulness of the image (higher = more colourful)."""

    name = "colourfulness"
    domain = "image"
    inputs = ("image",)
    citation = ("D. Hasler, S. Suesstrunk, Measuring colourfulness in natural images, "
                "Proc. SPIE 5007, 2003.")
    description = "Hasler-Suesstrunk colourfulness of the image (reference-free)."

    def score(self, batch: Batch) -> np.ndarray:
        return np.array([colourfulness(np.asarray(image.convert("RGB")))
                         for image in batch["image"]])
