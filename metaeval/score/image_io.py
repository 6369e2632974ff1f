"""Image loading for the scoring runner: the one image loader, memoised per run.

Every image a scoring run (``metaeval score``, image challenge sets) hands to a metric is read
by :func:`metaeval.metrics.image.images.load_rgb`, the loader the image metrics document:
verified and fully decoded, 16-bit grey scaled by ``round(v / 257)``, palette / CMYK / grey
converted, alpha composited on white, 32-bit float refused, a pixel limit. Any file it cannot
read (missing, empty, truncated, not an image, an oversized PNG text chunk, over the limit, a
mode without a conversion) raises `DataError` naming the file and the fix; the runner turns
that into a missing score with the reason for that item only.

`ImageLoader` memoises the decoded images of a run by (path, pixel limit), and the failures
too, so a file shared by several rows or metrics is decoded once.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from metaeval.errors import DataError
from metaeval.metrics.image.images import DEFAULT_MAX_PIXELS, IMAGE_VERSION, load_rgb
from metaeval.score.file_hash import memo_file_sha256

__all__ = ["IMAGE_VERSION", "ImageLoader"]


class ImageLoader:
    """Decoded images (or their `DataError`) and file hashes of one run, memoised (at most
    ``capacity`` entries, least recently used dropped first)."""

    version = IMAGE_VERSION  # how images are decoded; part of every image cache key

    def __init__(self, capacity: int = 256):
        self.capacity = capacity
        self._images: OrderedDict[tuple[str, int | None], object] = OrderedDict()
        self._hashes: dict[str, str] = {}

    def sha256(self, path: str | Path) -> str:
        return memo_file_sha256(self._hashes, path)

    def load(self, path: str | Path, max_pixels: int | None = DEFAULT_MAX_PIXELS):
        """The image at ``path`` as an 8-bit RGB ``PIL.Image`` (``load_rgb``'s conversions)."""
        key = (str(Path(path)), max_pixels)
        if key in self._images:
            self._images.move_to_end(key)
            found = self._images[key]
        else:
            try:
                found = load_rgb(path, max_pixels)
            except DataError as error:
                found = error
            self._images[key] = found
            if len(self._images) > self.capacity:
                self._images.popitem(last=False)
        if isinstance(found, DataError):
            raise found
        return found
