"""The images a scoring run hands to image metrics come from the one image loader
(:func:`metaeval.metrics.image.images.load_rgb`): every mode converted as it documents, and an
unreadable file (an oversized PNG text chunk included) a missing score with its reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from metaeval.metrics.base import Batch, Metric
from metaeval.score.image_io import ImageLoader
from metaeval.score.runner import score_items


class MeanPixel(Metric):
    """The mean of the 8-bit RGB values the metric was given (0 black .. 255 white)."""

    name = "mean_pixel"
    domain = "image"
    inputs = ("image",)

    def score(self, batch: Batch) -> np.ndarray:
        return np.array([np.asarray(image, dtype=np.float64).mean() for image in batch["image"]])


def oversized_text_png(path, colour=(10, 20, 30)) -> None:
    """An RGB PNG with a zTXt chunk that inflates past Pillow's ``MAX_TEXT_CHUNK``."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "a" * (PngImagePlugin.MAX_TEXT_CHUNK + 1), zip=True)
    Image.new("RGB", (4, 4), colour).save(path, pnginfo=info)


@pytest.fixture
def modes(tmp_path):
    """One file per mode, and the mean 8-bit RGB value the documented conversion gives it."""
    rng = np.random.default_rng(18)
    files, expected = {}, {}
    grey16 = rng.integers(0, 65536, (6, 5), dtype=np.uint16)
    files["grey16"] = tmp_path / "grey16.png"
    Image.fromarray(grey16).save(files["grey16"])
    expected["grey16"] = np.rint(grey16 / 257.0).mean()  # round(v / 257), grey in R = G = B
    palette = rng.integers(0, 256, (4, 3), dtype=np.uint8)
    index = rng.integers(0, 4, (6, 5), dtype=np.uint8)
    image = Image.fromarray(index, "P")
    image.putpalette(palette.ravel().tolist() + [0] * (768 - 12))
    files["palette"] = tmp_path / "palette.png"
    image.save(files["palette"])
    expected["palette"] = palette[index].astype(float).mean()
    rgba = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    files["rgba"] = tmp_path / "rgba.png"
    Image.fromarray(rgba, "RGBA").save(files["rgba"])
    alpha = rgba[..., 3:] / 255.0
    expected["rgba"] = (rgba[..., :3] * alpha + 255 * (1 - alpha)).mean()  # over white
    cmyk = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    files["cmyk"] = tmp_path / "cmyk.tif"
    Image.fromarray(cmyk, "CMYK").save(files["cmyk"])  # lossless
    c, k = cmyk[..., :3].astype(float), cmyk[..., 3:].astype(float)
    expected["cmyk"] = ((255 - c) * (255 - k) / 255).mean()  # Pillow's naive CMYK -> RGB
    return files, expected


def _rows(files: dict) -> list[dict]:
    return [{"item": name, "system": "s", "image": str(path)} for name, path in files.items()]


def test_scoring_converts_every_mode_as_the_documented_loader(modes):
    files, expected = modes
    frame = score_items(_rows(files), [MeanPixel()]).set_index("item")
    for name, value in expected.items():
        assert frame.loc[name, "mean_pixel"] == pytest.approx(value, abs=0.51), name
    assert (frame["errors"] == "").all()


def test_sixteen_bit_grey_is_scaled_not_white(modes):
    files, expected = modes
    frame = score_items(_rows({"grey16": files["grey16"]}), [MeanPixel()])
    assert frame["mean_pixel"].iloc[0] == pytest.approx(expected["grey16"], abs=1e-9)
    assert frame["mean_pixel"].iloc[0] < 200  # convert("RGB") clips 16-bit values: all white


def test_float_tiff_is_a_missing_score_with_the_reason_not_black(tmp_path):
    values = np.random.default_rng(3).random((4, 6)).astype(np.float32)
    Image.fromarray(values).save(tmp_path / "float.tif")
    frame = score_items(_rows({"float": tmp_path / "float.tif"}), [MeanPixel()])
    assert np.isnan(frame["mean_pixel"].iloc[0])
    assert "float.tif: image mode 'F' has no defined 8-bit RGB conversion" in \
        frame["errors"].iloc[0]


def test_oversized_text_chunk_is_one_missing_score_not_a_crash(tmp_path):
    oversized_text_png(tmp_path / "text.png")
    Image.new("RGB", (4, 4), (30, 60, 90)).save(tmp_path / "fine.png")
    frame = score_items(_rows({"text": tmp_path / "text.png", "fine": tmp_path / "fine.png"}),
                        [MeanPixel()]).set_index("item")
    assert np.isnan(frame.loc["text", "mean_pixel"])
    assert "text.png: a PNG text chunk is larger than Pillow's limit" in frame.loc["text",
                                                                                  "errors"]
    assert frame.loc["fine", "mean_pixel"] == pytest.approx(60.0)
    assert frame.loc["fine", "errors"] == ""


def test_loader_memoises_images_and_failures_per_limit(tmp_path, monkeypatch):
    from metaeval.score import image_io

    Image.new("RGB", (10, 10), (1, 2, 3)).save(tmp_path / "a.png")
    calls = []
    real = image_io.load_rgb
    monkeypatch.setattr(image_io, "load_rgb",
                        lambda path, limit: calls.append((str(path), limit)) or real(path, limit))
    loader = ImageLoader()
    assert loader.load(tmp_path / "a.png").getpixel((0, 0)) == (1, 2, 3)
    loader.load(tmp_path / "a.png")
    with pytest.raises(Exception, match="over the limit of 99 pixels"):
        loader.load(tmp_path / "a.png", max_pixels=99)
    with pytest.raises(Exception, match="over the limit of 99 pixels"):
        loader.load(tmp_path / "a.png", max_pixels=99)
    assert len(calls) == 2  # one decode per (file, limit), the failure remembered too
