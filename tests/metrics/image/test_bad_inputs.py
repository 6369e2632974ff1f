"""Bad images and texts inside a scoring call: the framework's per-item capture
(:func:`metaeval.score.calls.outcomes`, what the runner calls) gives each bad item a missing
score with its reason, converts the documented modes, and leaves the other items' scores as
they are alone."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from metaeval.metrics import Batch, get_metric
from metaeval.metrics.image.images import load_rgb
from metaeval.score.calls import outcomes


def png_header_only(path, width: int, height: int) -> None:
    """A PNG whose IHDR claims ``width x height`` (8-bit RGB) with a one-row IDAT: what a
    decompression bomb looks like before decoding."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + 3 * min(width, 16)))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
                     + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, image_files):
    folder = tmp_path_factory.mktemp("bad")
    rgb = Image.open(image_files[2]).convert("RGB")
    files = {"good": image_files[0]}
    rgb.save(folder / "whole.jpg", quality=95)
    data = (folder / "whole.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    files["truncated"] = folder / "truncated.jpg"
    files["palette"] = folder / "palette.png"
    rgb.quantize(16).save(files["palette"])
    files["cmyk"] = folder / "cmyk.jpg"
    rgb.convert("CMYK").save(files["cmyk"], quality=95)
    rgba = rgb.convert("RGBA")
    alpha = np.zeros(rgb.size[::-1], dtype=np.uint8)
    alpha[:, : rgb.size[0] // 2] = 255  # left half opaque, right half transparent
    rgba.putalpha(Image.fromarray(alpha))
    files["rgba"] = folder / "rgba.png"
    rgba.save(files["rgba"])
    files["huge"] = folder / "huge.png"
    png_header_only(files["huge"], 10_000, 9_000)  # 90 Mpx > the default 89,478,485
    files["missing"] = folder / "missing.png"
    return files


ORDER = ("good", "truncated", "palette", "cmyk", "rgba", "huge", "missing", "empty_text")


def _batch(files) -> Batch:
    images = [files[name if name != "empty_text" else "good"] for name in ORDER]
    texts = ["a red dog"] * len(ORDER)
    texts[ORDER.index("empty_text")] = "   "
    return Batch(list(ORDER), {"image": images, "text": texts,
                               "references": [["a dog"]] * len(ORDER),
                               "reference_image": [files["good"]] * len(ORDER)})


@pytest.mark.parametrize("name, folder", [("blip2t", "blip_dir"), ("blip2_itm", "blip2_dir"),
                                          ("clipscore", "clip_dir"), ("refclipscore", "clip_dir")])
def test_bad_items_are_missing_with_reasons(request, bad_files, name, folder):
    metric = get_metric(name, model=str(request.getfixturevalue(folder)))
    results = dict(zip(ORDER, outcomes(metric, _batch(bad_files))))
    for bad, why in (("truncated", "truncated.jpg: unreadable image, truncated or corrupt"),
                     ("huge", "huge.png: image of 10000 x 9000 = 90,000,000 pixels is over the "
                              "limit of 89,478,485 pixels"),
                     ("missing", "missing.png: image file not found"),
                     ("empty_text", "empty text")):
        assert results[bad].value is None, bad
        assert why in results[bad].reason and f"item '{bad}'" in results[bad].reason
    assert "max_pixels=N" in results["huge"].reason
    for good in ("good", "palette", "cmyk", "rgba"):
        assert results[good].value is not None and np.isfinite(results[good].value), good


def test_converted_modes_score_as_their_rgb_conversion(clip_dir, bad_files):
    metric = get_metric("clip_t", model=str(clip_dir))
    paths = [bad_files[n] for n in ("palette", "cmyk", "rgba")]
    from_files = metric.score(Batch(["p", "c", "a"], {"image": paths, "text": ["a cat"] * 3}))
    palette = Image.open(paths[0]).convert("RGB")  # no transparency: through the palette
    cmyk = Image.open(paths[1]).convert("RGB")
    rgba = Image.open(paths[2])
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    composited = Image.alpha_composite(white, rgba).convert("RGB")
    assert np.asarray(composited)[:, -1].min() == 255  # the transparent half is white
    direct = metric.score(Batch(["p", "c", "a"], {"image": [palette, cmyk, composited],
                                                  "text": ["a cat"] * 3}))
    np.testing.assert_allclose(from_files, direct, rtol=0, atol=1e-12)
    assert abs(from_files[2] - metric.score(Batch(["x"], {"image": [rgba.convert("RGB")],
                                                           "text": ["a cat"]}))[0]) > 1e-6


def test_good_items_score_as_alone(clip_dir, bad_files):
    metric = get_metric("clip_i", model=str(clip_dir))
    results = outcomes(metric, _batch(bad_files))
    alone = metric.score(Batch(["g"], {"image": [bad_files["good"]],
                                       "reference_image": [bad_files["good"]]}))[0]
    assert results[0].value == pytest.approx(alone, abs=1e-9) == pytest.approx(1.0, abs=1e-9)
    assert results[ORDER.index("truncated")].value is None


def test_limit_is_an_option(clip_dir, bad_files):
    metric = get_metric("clip_t:max_pixels=1000", model=str(clip_dir))  # good is 40 x 32 = 1280
    result = outcomes(metric, Batch(["g"], {"image": [bad_files["good"]], "text": ["a"]}))[0]
    assert result.value is None and "limit of 1,000 pixels" in result.reason
    assert load_rgb(bad_files["good"], max_pixels=1280).size == (40, 32)
