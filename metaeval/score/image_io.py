"""Image loading for the scoring runner: Pillow in, RGB ``PIL.Image`` out.

Images are decoded once per run (memoised by path), converted to RGB (a palette or grey image
becomes three channels; an alpha channel is composited on white, as a viewer shows it) and
handed to image metrics as ``PIL.Image.Image`` objects. A file that cannot be read or decoded,
an empty (0-pixel) image and an image above ``max_pixels`` raise `DataError` naming the file and
the fix; the runner turns that into a missing score with the reason.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from pathlib import Path

from metaeval.errors import DataError, located
from metaeval.score.audio_io import memo_file_sha256

IMAGE_VERSION = "pillow-rgb-v1"  # how images are decoded; part of every image cache key
MAX_PIXELS = 178_956_970  # Pillow's decompression-bomb threshold


def load_rgb_image(path: str | Path, max_pixels: int = MAX_PIXELS):
    """The image at ``path`` as an RGB ``PIL.Image`` (alpha composited on white)."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                width, height = opened.size
                if width * height > max_pixels:
                    raise DataError(located(
                        f"image of {width} x {height} pixels exceeds {max_pixels} pixels",
                        file=str(path), fix="downscale the image before scoring."))
                opened.load()
                image = opened.copy()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as error:
        raise DataError(located(f"cannot decode the image ({error})", file=str(path),
                                fix="check that the file is a PNG/JPEG/WebP image.")) from error
    if image.width == 0 or image.height == 0:
        raise DataError(located("the image has no pixels", file=str(path),
                                fix="replace the file with a real image."))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


class ImageLoader:
    """Decoded images and file hashes of one run, memoised (at most ``capacity`` images)."""

    version = IMAGE_VERSION

    def __init__(self, max_pixels: int = MAX_PIXELS, capacity: int = 256):
        self.max_pixels, self.capacity = max_pixels, capacity
        self._images: OrderedDict[str, object] = OrderedDict()
        self._hashes: dict[str, str] = {}

    def sha256(self, path: str | Path) -> str:
        return memo_file_sha256(self._hashes, path)

    def load(self, path: str | Path):
        key = str(Path(path))
        if key in self._images:
            self._images.move_to_end(key)
            return self._images[key]
        image = load_rgb_image(path, self.max_pixels)
        self._images[key] = image
        if len(self._images) > self.capacity:
            self._images.popitem(last=False)
        return image
