"""Image inputs of the image metrics: open with Pillow, check, convert to 8-bit RGB.

:func:`load_rgb` is the one way an image file becomes a metric input (the scoring runner, image
challenge sets and the reports' thumbnails read images with it too):

- the file is opened, ``Image.verify()``-ed (structure, PNG chunk CRCs), opened again and fully
  ``load()``-ed, so a truncated or corrupt file is a `DataError` naming the file, never a
  half-grey image (Pillow's ``LOAD_TRUNCATED_IMAGES`` is not used); so is whatever else the
  decoder raises, e.g. a PNG text chunk that inflates past Pillow's ``MAX_TEXT_CHUNK`` (1 MB);
- the pixel count (width x height, read from the header before decoding) must not exceed
  ``max_pixels`` (default 89,478,485 = Pillow's ``Image.MAX_IMAGE_PIXELS``), a guard against
  decompression bombs; the error names the file and the option (``max_pixels=``, ``none`` for no
  limit);
- multi-frame files (GIF, TIFF, APNG) give their first frame; EXIF orientation is not applied
  (neither CLIPScore's nor ClassDiffusion's scripts apply it);
- modes are converted explicitly (:func:`to_rgb`): ``RGB`` as is; ``L``, ``1``, ``CMYK``,
  ``YCbCr``, ``RGBX``, ``LAB``, ``HSV`` with Pillow's ``convert("RGB")`` (CMYK: Pillow's naive
  formula, an embedded ICC profile is not applied); alpha modes (``RGBA``, ``LA``, ``PA``,
  ``RGBa``) and palette images with a transparent index composited over white; ``P``
  without transparency through its palette; 16-bit grey (``I;16``, ``I;16B``, ``I;16L``, and
  ``I``, read as 16-bit values clipped to [0, 65535]) scaled to 8 bits by ``round(v / 257)``;
  32-bit float (``F``) is refused (its value range is not defined).
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np

from metaeval.errors import DataError

DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's Image.MAX_IMAGE_PIXELS: 1024**3 // 4 // 3
IMAGE_VERSION = "pil-rgb-v1"  # how images are read and converted; for cache keys
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa")
SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N", "I")
DIRECT = ("L", "1", "CMYK", "YCbCr", "RGBX", "LAB", "HSV")
WHITE = (255, 255, 255, 255)
_PILLOW_LIMIT = threading.Lock()


def to_rgb(image):
    """``image`` (any Pillow mode) as an 8-bit ``RGB`` image, converted as the module says."""
    from PIL import Image

    mode = image.mode
    if mode == "RGB":
        return image
    if (mode == "P" and "transparency" in image.info) or mode in ALPHA_MODES:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", image.size, WHITE), rgba).convert("RGB")
    if mode == "P" or mode in DIRECT:
        return image.convert("RGB")
    if mode in SIXTEEN_BIT:
        values = np.clip(np.asarray(image, dtype=np.int64), 0, 65535)
        grey = np.rint(values / 257.0).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    raise DataError(f"image mode {mode!r} has no defined 8-bit RGB conversion (32-bit float "
                    "images have no fixed value range). Fix: save the image as 8-bit or 16-bit "
                    "RGB/grey (PNG).")


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int | None) -> None:
    width, height = size
    if max_pixels is not None and width * height > max_pixels:
        raise DataError(f"{path}: image of {width} x {height} = {width * height:,} pixels is over "
                        f"the limit of {max_pixels:,} pixels (a guard against decompression "
                        "bombs). Fix: downscale the image, or raise the metric option "
                        "max_pixels=N (max_pixels=none: no limit) if you trust the file.")


def _decode(path: Path, max_pixels: int | None):
    from PIL import Image

    with Image.open(path) as probe:  # header only: size and format, nothing decoded yet
        _check_pixels(path, probe.size, max_pixels)
        probe.verify()
    image = Image.open(path)
    image.load()
    return image


def _decode_within_limits(path: Path, max_pixels: int | None):
    """Decode with Pillow's own bomb check relaxed only when ``max_pixels`` asks for more."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        pillow = Image.MAX_IMAGE_PIXELS
        if pillow is None or (max_pixels is not None and max_pixels <= 2 * pillow):
            return _decode(path, max_pixels)
        with _PILLOW_LIMIT:  # Pillow refuses > 2 x its global limit: lift it for this file
            Image.MAX_IMAGE_PIXELS = None
            try:
                return _decode(path, max_pixels)
            finally:
                Image.MAX_IMAGE_PIXELS = pillow


def load_rgb(path, max_pixels: int | None = DEFAULT_MAX_PIXELS):
    """The image file ``path`` as a fully decoded 8-bit ``PIL.Image.Image`` in mode ``RGB``.

    Raises `DataError` (naming the file and the fix) for a missing, empty, unreadable, truncated
    or corrupt file (whatever the decoder raises), a PNG text chunk over Pillow's
    ``MAX_TEXT_CHUNK``, an image over ``max_pixels`` pixels (None: no limit), or a mode without
    an RGB conversion. See the module docstring for the conversions.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: image file not found. Fix: check the path (relative paths are "
                        "read from the manifest's folder).")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: image file is empty (0 bytes). Fix: regenerate or remove it.")
    try:
        image = _decode_within_limits(path, max_pixels)
    except DataError:
        raise
    except UnidentifiedImageError as error:
        raise DataError(f"{path}: not an image Pillow can read ({error}). Fix: give a PNG, JPEG, "
                        "WebP, GIF, BMP or TIFF file.") from error
    except Image.DecompressionBombError as error:
        raise DataError(f"{path}: {error} Fix: raise max_pixels=N if you trust the file.") from error
    except ValueError as error:
        if "MAX_TEXT" in str(error):  # PngImagePlugin's MAX_TEXT_CHUNK / MAX_TEXT_MEMORY
            raise DataError(f"{path}: a PNG text chunk is larger than Pillow's limit ({error}). "
                            "Fix: save the image again without its text metadata.") from error
        raise _unreadable(path, error) from error
    except Exception as error:  # a decoder's error on a malformed file, whatever its type
        raise _unreadable(path, error) from error
    with image:
        try:
            return to_rgb(image)
        except DataError as error:
            raise DataError(f"{path}: {error}") from error
        except Exception as error:  # a converter's error on an unusual mode
            raise _unreadable(path, error) from error


def _unreadable(path: Path, error: Exception) -> DataError:
    return DataError(f"{path}: unreadable image, truncated or corrupt ({type(error).__name__}: "
                     f"{error}). Fix: regenerate or re-download the file.")


def as_rgb(value, max_pixels: int | None = DEFAULT_MAX_PIXELS, what: str = "image"):
    """A metric input as an RGB image: a path (read with :func:`load_rgb`) or a Pillow image."""
    from PIL import Image

    if isinstance(value, Image.Image):
        _check_pixels(Path(f"<{what}>"), value.size, max_pixels)
        return to_rgb(value)
    if isinstance(value, (str, Path)) and str(value).strip():
        return load_rgb(value, max_pixels)
    raise DataError(f"input {what!r} is {type(value).__name__} {value!r}, not an image. Fix: give "
                    "an image file path (or a PIL image in the Python API).")


def caption(value, what: str = "text") -> str:
    """A text input: a non-empty string (``DataError`` for a missing or blank text)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        raise DataError(f"no {what} given: this metric compares the image with a text. Fix: fill "
                        f"the {what} column for this row.")
    if not isinstance(value, str):
        raise DataError(f"{what} is {type(value).__name__}, not text. Fix: give a string.")
    if not value.strip():
        raise DataError(f"empty {what}: there is no text to compare the image with. Fix: fill "
                        f"the {what} column for this row.")
    return value
