"""`load_rgb`: every documented conversion and refusal, on files written by Pillow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from metaeval.errors import DataError
from metaeval.metrics.image.images import DEFAULT_MAX_PIXELS, as_rgb, caption, load_rgb


def _save(tmp_path, name, image, **kwargs):
    path = tmp_path / name
    image.save(path, **kwargs)
    return path


def test_default_limit_is_pillows():
    assert DEFAULT_MAX_PIXELS == Image.MAX_IMAGE_PIXELS == 1024 ** 3 // 4 // 3


def test_rgb_png_round_trips_exactly(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    image = load_rgb(_save(tmp_path, "a.png", Image.fromarray(pixels)))
    assert image.mode == "RGB" and image.size == (7, 5)
    np.testing.assert_array_equal(np.asarray(image), pixels)


def test_rgba_is_composited_on_white(tmp_path):
    rgba = np.zeros((1, 3, 4), dtype=np.uint8)
    rgba[0, 0] = (200, 0, 0, 255)    # opaque red stays
    rgba[0, 1] = (0, 0, 0, 0)        # transparent becomes white
    rgba[0, 2] = (0, 0, 100, 128)    # half: c * a + 255 * (1 - a), a = 128/255
    out = np.asarray(load_rgb(_save(tmp_path, "a.png", Image.fromarray(rgba, "RGBA"))))
    assert out[0, 0].tolist() == [200, 0, 0]
    assert out[0, 1].tolist() == [255, 255, 255]
    a = 128 / 255
    expected = [round(0 * a + 255 * (1 - a)), round(0 * a + 255 * (1 - a)),
                round(100 * a + 255 * (1 - a))]
    assert np.abs(out[0, 2].astype(int) - expected).max() <= 1


def test_la_is_composited_on_white(tmp_path):
    la = Image.fromarray(np.array([[[10, 255], [10, 0]]], dtype=np.uint8), "LA")
    out = np.asarray(load_rgb(_save(tmp_path, "a.png", la)))
    assert out.tolist() == [[[10, 10, 10], [255, 255, 255]]]


def test_palette_goes_through_its_palette_and_transparency(tmp_path):
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    assert np.asarray(load_rgb(_save(tmp_path, "p.png", image))).tolist() == \
        [[[255, 0, 0], [0, 0, 255]]]
    out = np.asarray(load_rgb(_save(tmp_path, "t.png", image, transparency=1)))
    assert out.tolist() == [[[255, 0, 0], [255, 255, 255]]]  # index 1 transparent: white


def test_cmyk_uses_pillows_conversion(tmp_path):
    cmyk = Image.new("CMYK", (2, 2), (0, 255, 255, 0))  # no black, full magenta+yellow: red
    out = load_rgb(_save(tmp_path, "c.jpg", cmyk, quality=100))
    assert out.mode == "RGB"
    r, g, b = np.asarray(out)[0, 0].astype(int)
    assert r > 240 and g < 15 and b < 15


def test_sixteen_bit_grey_is_scaled_to_eight_bits(tmp_path):
    values = np.array([[0, 257, 32768, 65535]], dtype=np.uint16)
    image = Image.fromarray(values)
    assert image.mode == "I;16"
    out = np.asarray(load_rgb(_save(tmp_path, "g.png", image)))
    assert out[..., 0].tolist() == [[0, 1, 128, 255]]  # round(v / 257)
    assert (out[..., 0] == out[..., 2]).all()


def test_float_images_are_refused(tmp_path):
    path = _save(tmp_path, "f.tif", Image.fromarray(np.ones((2, 2), dtype=np.float32)))
    with pytest.raises(DataError, match=r"f\.tif.*mode 'F'"):
        load_rgb(path)


def test_truncated_files_are_errors(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    for name in ("t.png", "t.jpg"):
        path = _save(tmp_path, name, Image.fromarray(pixels))
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(DataError, match=rf"{name}: unreadable image, truncated or corrupt"):
            load_rgb(path)


def test_missing_empty_and_non_image_files(tmp_path):
    with pytest.raises(DataError, match=r"nope\.png: image file not found"):
        load_rgb(tmp_path / "nope.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.png: image file is empty"):
        load_rgb(tmp_path / "empty.png")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(DataError, match=r"text\.png: not an image Pillow can read"):
        load_rgb(tmp_path / "text.png")


def test_pixel_limit_names_file_and_option(tmp_path):
    path = _save(tmp_path, "big.png", Image.new("RGB", (100, 50)))
    with pytest.raises(DataError, match=r"big\.png: image of 100 x 50 = 5,000 pixels is over the "
                                        r"limit of 4,999 pixels.*max_pixels=N"):
        load_rgb(path, max_pixels=4999)
    assert load_rgb(path, max_pixels=5000).size == (100, 50)
    assert load_rgb(path, max_pixels=None).size == (100, 50)


def test_limit_above_pillows_own_lifts_pillows_check(tmp_path, monkeypatch):
    path = _save(tmp_path, "big.png", Image.new("RGB", (100, 50)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow refuses > 2000 pixels
    with pytest.raises(DataError, match="max_pixels"):
        load_rgb(path, max_pixels=1500)
    assert load_rgb(path, max_pixels=10_000).size == (100, 50)
    assert Image.MAX_IMAGE_PIXELS == 1000  # restored


def test_first_frame_of_an_animation(tmp_path):
    frames = [Image.new("RGB", (4, 4), c) for c in ((255, 0, 0), (0, 255, 0))]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert np.asarray(load_rgb(path))[0, 0].tolist() == [255, 0, 0]


def test_as_rgb_and_caption():
    assert as_rgb(Image.new("L", (2, 2), 7)).getpixel((0, 0)) == (7, 7, 7)
    with pytest.raises(DataError, match="not an image"):
        as_rgb(3)
    with pytest.raises(DataError, match="over the limit"):
        as_rgb(Image.new("RGB", (10, 10)), max_pixels=99)
    assert caption(" a dog ") == " a dog "
    for bad, why in ((None, "no text given"), ("  ", "empty text"), (3, "not text")):
        with pytest.raises(DataError, match=why):
            caption(bad)


def test_oversized_png_text_chunk_is_named_with_its_fix(tmp_path):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "a" * (PngImagePlugin.MAX_TEXT_CHUNK + 1), zip=True)
    path = _save(tmp_path, "t.png", Image.new("RGB", (3, 2), (9, 8, 7)), pnginfo=info)
    with pytest.raises(DataError, match=r"t\.png: a PNG text chunk is larger than Pillow's "
                                        r"limit .*MAX_TEXT_CHUNK.*Fix: save the image again"):
        load_rgb(path)
