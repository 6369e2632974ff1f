"""Image test helpers: solid-colour PNGs, a caption metric, and registration of image metrics
through the ``metaeval.metrics`` entry points (the plugin interface)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from metaeval.metrics.base import Batch, Metric

EXAMPLE_PLUGIN_SRC = (Path(__file__).resolve().parents[2] / "examples"
                      / "metaeval-example-plugin" / "src")
COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
           "white": (255, 255, 255), "black": (0, 0, 0)}


def png(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (8, 6)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


class ColourWordDistance(Metric):
    """Minus the Euclidean distance between the image's mean RGB and the mean RGB of the
    colour words in the text (0 = the caption names the image's colour); NaN without one."""

    name = "colour_word_distance"
    domain = "image"
    inputs = ("image", "text")

    def score(self, batch: Batch) -> np.ndarray:
        out = []
        for image, text in zip(batch["image"], batch["text"]):
            mean = np.asarray(image, dtype=float).reshape(-1, 3).mean(axis=0)
            named = [COLOURS[w] for w in text.lower().replace(".", " ").split() if w in COLOURS]
            out.append(-float(np.linalg.norm(mean - np.mean(named, axis=0))) if named
                       else np.nan)
        return np.array(out)


def register_image_plugins(root: Path, monkeypatch) -> None:
    """Install a dist-info folder whose entry points name the example plugin's colourfulness
    and :class:`ColourWordDistance`, as ``pip install`` of a plugin package would."""
    info = root / "image_test_plugin-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: image-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[metaeval.metrics]\n"
        "colourfulness = metaeval_example_plugin.colourfulness:Colourfulness\n"
        "colour_word_distance = tests.images.fakes:ColourWordDistance\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.syspath_prepend(str(EXAMPLE_PLUGIN_SRC))
    for name in [m for m in sys.modules if m.startswith("metaeval_example_plugin")]:
        monkeypatch.delitem(sys.modules, name)
