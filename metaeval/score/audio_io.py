"""Audio loading for the scoring runner: soundfile in, mono float32 at the metric's rate out.

- Mono by the mean over channels: ``x[n] = (1/C) * sum_c x_c[n]``.
- Resampling with soxr (``quality="HQ"``), never torchaudio.
- Optional loudness normalisation (``loudness_lufs``): each file, as stored (all channels), is
  scaled to that BS.1770 integrated loudness before the downmix, as the GSVS listening test
  played its outputs at -18 LUFS (:mod:`metaeval.metrics.audio.loudness`).
- Unreadable, empty, silent (all zeros) and NaN/inf-containing files raise `DataError` naming the
  file and the fix; the runner turns that into a missing score with the reason.
- Estimate and reference of different lengths are trimmed to the shorter one with a
  `LengthMismatchWarning` when they differ by at most ``tolerance_s`` (default 50 ms), and
  refused beyond it.

`AudioLoader` memoises the decoded arrays of a run by (path, sample rate), so a file shared by
several systems or metrics is read and resampled once per rate.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from metaeval.errors import DataError, MetricError, located
from metaeval.metrics.audio.loudness import normalize_loudness

DEFAULT_TOLERANCE_S = 0.05
RESAMPLE_QUALITY = "HQ"
LOADER_VERSION = f"soundfile+mean+soxr-{RESAMPLE_QUALITY}"  # part of every cache key


class LengthMismatchWarning(UserWarning):
    """Two inputs of an item differed in length by at most the tolerance and were trimmed."""


def read_audio(path: str | Path, sample_rate: int | None = None,
               loudness_lufs: float | None = None) -> tuple[np.ndarray, int]:
    """Read ``path`` as a mono float32 array; resample to ``sample_rate`` when given, after
    normalising to ``loudness_lufs`` when given.

    Returns ``(audio, rate)``. Raises `DataError` for an unreadable, empty, non-finite or silent file.
    """
    import soundfile as sf

    path = Path(path)
    try:
        data, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except Exception as error:  # libsndfile raises LibsndfileError, RuntimeError, OSError...
        raise DataError(located(f"cannot read the audio ({type(error).__name__}: {error})",
                                file=str(path),
                                fix="check that the file exists and is a WAV/FLAC/OGG file "
                                    "soundfile can open (re-export it if it is truncated).")
                        ) from error
    if data.shape[0] == 0:
        raise DataError(located("the audio file is empty (0 samples)", file=str(path),
                                fix="re-export the file, or leave the item out of the manifest."))
    if not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise DataError(located(f"the audio holds {bad} NaN/inf sample(s)", file=str(path),
                                fix="re-export the file with finite samples."))
    if not np.any(data):
        raise DataError(located("the audio is silent (all samples are zero)", file=str(path),
                                fix="check the system output; a silent file has no defined score."))
    if np.abs(data.mean(axis=1)).max() <= 1e-4 * np.abs(data).max():  # -80 dB: quantised L = -R
        raise DataError(located("the audio is silent once mixed to mono (its channels cancel, "
                                "e.g. left = -right)", file=str(path),
                                fix="check the channel polarity of the system output."))
    if loudness_lufs is not None:
        data = _normalised(data, rate, float(loudness_lufs), path)
    mono = data.mean(axis=1)
    if sample_rate is not None and int(sample_rate) != int(rate):
        import soxr

        mono = soxr.resample(mono, int(rate), int(sample_rate), quality=RESAMPLE_QUALITY)
        rate = int(sample_rate)
    return np.ascontiguousarray(mono, dtype=np.float32), int(rate)


def _normalised(data: np.ndarray, rate: int, target: float, path: Path) -> np.ndarray:
    try:
        return normalize_loudness(data, int(rate), target)
    except MetricError as error:
        raise DataError(located(f"cannot loudness-normalise the audio ({error})", file=str(path),
                                fix="leave the item out, or score without --loudness-normalize."
                                )) from error


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def memo_file_sha256(hashes: dict[str, str], path: str | Path) -> str:
    """:func:`file_sha256` of ``path``, remembered in ``hashes``; an unreadable file is a
    `DataError` naming it."""
    key = str(Path(path))
    if key not in hashes:
        try:
            hashes[key] = file_sha256(path)
        except OSError as error:
            raise DataError(located(f"cannot read the file ({error.strerror or error})",
                                    file=key, fix="check that the file exists.")) from error
    return hashes[key]


def align_lengths(signals: Mapping[str, np.ndarray], sample_rate: int,
                  tolerance_s: float = DEFAULT_TOLERANCE_S, where: str = "") -> dict[str, np.ndarray]:
    """Trim every signal to the shortest when they differ by <= ``tolerance_s``; else `DataError`."""
    lengths = {name: len(x) for name, x in signals.items()}
    if len(set(lengths.values())) <= 1:
        return dict(signals)
    shortest, longest = min(lengths.values()), max(lengths.values())
    diff_s = (longest - shortest) / sample_rate
    described = ", ".join(f"{n} {lengths[n] / sample_rate:.3f} s" for n in lengths)
    prefix = f"{where}: " if where else ""
    if diff_s > tolerance_s + 1e-12:
        raise DataError(f"{prefix}input lengths differ by {diff_s * 1000:.1f} ms ({described}), more "
                        f"than the {tolerance_s * 1000:.0f} ms tolerance. Fix: give estimate and "
                        "reference the same length (same excerpt, same start).")
    warnings.warn(f"{prefix}trimmed to the shortest input ({described}; "
                  f"{diff_s * 1000:.1f} ms difference)", LengthMismatchWarning, stacklevel=2)
    return {name: x[:shortest] for name, x in signals.items()}


class AudioLoader:
    """Reads files once per (path, sample rate) within a run; remembers failures too.

    Keeps the ``max_arrays`` most recently used arrays (least recently used dropped first).
    ``reads`` counts the decodes actually made (for tests and the run summary).
    """

    def __init__(self, max_arrays: int = 512, loudness_lufs: float | None = None):
        self.max_arrays = max_arrays
        self.loudness_lufs = None if loudness_lufs is None else float(loudness_lufs)
        self._arrays: OrderedDict[tuple[str, int | None], np.ndarray | DataError] = OrderedDict()
        self._hashes: dict[str, str] = {}
        self.reads = 0

    def load(self, path: str | Path, sample_rate: int | None) -> np.ndarray:
        key = (str(Path(path)), None if sample_rate is None else int(sample_rate))
        if key in self._arrays:
            self._arrays.move_to_end(key)
            found = self._arrays[key]
        else:
            self.reads += 1
            try:
                found = read_audio(path, sample_rate, self.loudness_lufs)[0]
            except DataError as error:
                found = error
            self._arrays[key] = found
            while len(self._arrays) > self.max_arrays:
                self._arrays.popitem(last=False)
        if isinstance(found, DataError):
            raise found
        return found

    def prefetch(self, requests, jobs: int = 1) -> None:
        """Decode the (path, sample rate) pairs not yet memoised, ``jobs`` files at a time."""
        todo = list(dict.fromkeys((str(Path(p)), None if r is None else int(r)) for p, r in requests
                                  if (str(Path(p)), None if r is None else int(r)) not in self._arrays))
        if jobs <= 1 or len(todo) <= 1:
            return
        from concurrent.futures import ThreadPoolExecutor

        def read(request):
            try:
                return read_audio(*request, self.loudness_lufs)[0]
            except DataError as error:
                return error

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for request, found in zip(todo, pool.map(read, todo), strict=True):
                self.reads += 1
                self._arrays[request] = found
        while len(self._arrays) > self.max_arrays:
            self._arrays.popitem(last=False)

    @property
    def version(self) -> str:
        """How the audio is read, part of every cache key: ``soundfile+mean+soxr-HQ[+lufs-18]``."""
        if self.loudness_lufs is None:
            return LOADER_VERSION
        return f"{LOADER_VERSION}+lufs{self.loudness_lufs:g}"

    def native_rate(self, path: str | Path) -> int:
        """The sample rate stored in the file header."""
        import soundfile as sf

        try:
            return int(sf.info(str(path)).samplerate)
        except Exception as error:
            raise DataError(located(f"cannot read the audio ({type(error).__name__}: {error})",
                                    file=str(path), fix="check that the file is a readable "
                                                        "WAV/FLAC/OGG file.")) from error

    def sha256(self, path: str | Path) -> str:
        return memo_file_sha256(self._hashes, path)
