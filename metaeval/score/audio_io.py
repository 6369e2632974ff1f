"""Audio loading for the scoring runner: soundfile in, mono float32 at the metric's rate out.

- Mono by the mean over channels: ``x[n] = (1/C) * sum_c x_c[n]``.
- Resampling with soxr (``quality="HQ"``), never torchaudio.
- Optional loudness normalisation (``loudness_lufs``): each file, as stored (all channels), is
  scaled to that BS.1770 integrated loudness before the downmix, as the GSVS listening test
  played its outputs at -18 LUFS (:mod:`metaeval.metrics.audio.loudness`).
- The header is checked before anything is decoded or resampled (:func:`check_header`): a sample
  rate outside 1-768 kHz (a 64 KB file whose header says 1 Hz would resample to 1.4e9 samples),
  a file over one hour, or one whose reading and resampling would need over 4 GiB
  (:func:`needed_bytes`) is refused.
- Unreadable, empty, NaN/inf-containing and silent files are refused. Silent means an RMS level
  below -140 dBFS (``SILENCE_DBFS``; full scale = 1.0, as soundfile reads PCM; -140 dBFS is
  below one step of 24-bit PCM, 2^-23 = -138.5 dBFS), whatever the file's numeric scale: all
  zeros, or a float file of samples near 1e-38 (-760 dBFS).
- Every refusal is a `DataError` naming the file and the fix; the runner turns it into a missing
  score with the reason for that item.
- Estimate and reference of different lengths are trimmed to the shorter one with a
  `LengthMismatchWarning` when they differ by at most ``tolerance_s`` (default 50 ms), and
  refused beyond it.

`AudioLoader` memoises the decoded arrays of a run by (path, sample rate), so a file shared by
several systems or metrics is read and resampled once per rate.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from metaeval.errors import DataError, MetricError, located
from metaeval.metrics.audio.loudness import normalize_loudness

DEFAULT_TOLERANCE_S = 0.05
RESAMPLE_QUALITY = "HQ"
MIN_RATE, MAX_RATE = 1_000, 768_000  # Hz: what a header may say (8 kHz telephony .. 768 kHz)
MAX_SECONDS = 3_600.0  # one file, one hour at most
MAX_BYTES = 4 * 1024 ** 3  # working memory of reading and resampling one file (needed_bytes)
SILENCE_DBFS = -140.0  # RMS level (full scale 1.0) below one step of 24-bit PCM (-138.5 dBFS)
LOADER_VERSION = f"soundfile+mean+soxr-{RESAMPLE_QUALITY}"  # part of every cache key


class LengthMismatchWarning(UserWarning):
    """Two inputs of an item differed in length by at most the tolerance and were trimmed."""


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale (1.0): ``20 log10(sqrt(mean(x^2)))``, -inf for all
    zeros; computed as ``peak * rms(x / peak)`` so no square underflows or overflows."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak == 0.0:
        return float("-inf")
    return 20.0 * math.log10(peak) + 10.0 * math.log10(float(np.mean(np.square(samples / peak))))


def needed_bytes(frames: int, channels: int, rate: int, target: int | None) -> int:
    """Working memory of reading a file and resampling it (bytes): the decoded channels and
    their mono mix in float64, the resampled signal in float64 and in float32."""
    out = frames if target is None or int(target) == int(rate) else \
        math.ceil(frames * int(target) / int(rate))
    return 8 * frames * (channels + 1) + 12 * out


def check_header(path: Path, rate: int, frames: int, channels: int, target: int | None,
                 max_seconds: float = MAX_SECONDS, max_bytes: int = MAX_BYTES) -> None:
    """Refuse, from the header alone (before decoding or resampling), a sample rate outside
    [MIN_RATE, MAX_RATE] Hz, a file over ``max_seconds`` and one whose resampling to ``target``
    Hz would need more than ``max_bytes`` (:func:`needed_bytes`)."""
    if not MIN_RATE <= rate <= MAX_RATE:
        raise DataError(located(
            f"the header's sample rate of {rate:,} Hz is outside {MIN_RATE:,}-{MAX_RATE:,} Hz "
            f"(read as {frames:,} frames of {frames / max(rate, 1):,.0f} s)", file=str(path),
            fix="re-export the file with its true sample rate (a corrupt or mislabelled header "
                "would make resampling allocate without bound)."))
    if frames / rate > max_seconds:
        raise DataError(located(
            f"the audio lasts {frames / rate:,.1f} s, over the limit of {max_seconds:,.1f} s",
            file=str(path), fix="cut the file into excerpts (in Python: read_audio(..., "
                                "max_seconds=...))."))
    need = needed_bytes(frames, channels, rate, target)
    if need > max_bytes:
        goal = f" to {int(target):,} Hz" if target is not None and int(target) != rate else ""
        raise DataError(located(
            f"reading and resampling it{goal} would need about {need / 1e6:,.1f} MB "
            f"({frames:,} frames x {channels} channel(s) at {rate:,} Hz), over the limit of "
            f"{max_bytes / 1e6:,.1f} MB", file=str(path),
            fix="cut the file into excerpts or resample it first (in Python: read_audio(..., "
                "max_bytes=...))."))


def _decode(path: Path, sample_rate: int | None, max_seconds: float,
            max_bytes: int) -> tuple[np.ndarray, int]:
    """The file's samples (frames x channels, float64) after :func:`check_header`."""
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as handle:
            rate = int(handle.samplerate)
            check_header(path, rate, int(handle.frames), int(handle.channels), sample_rate,
                         max_seconds, max_bytes)
            return handle.read(dtype="float64", always_2d=True), rate
    except DataError:
        raise
    except Exception as error:  # libsndfile raises LibsndfileError, RuntimeError, OSError...
        raise DataError(located(f"cannot read the audio ({type(error).__name__}: {error})",
                                file=str(path),
                                fix="check that the file exists and is a WAV/FLAC/OGG file "
                                    "soundfile can open (re-export it if it is truncated).")
                        ) from error


def _check_samples(data: np.ndarray, path: Path) -> None:
    """Refuse empty, non-finite, silent (RMS below SILENCE_DBFS) and self-cancelling audio."""
    if data.shape[0] == 0:
        raise DataError(located("the audio file is empty (0 samples)", file=str(path),
                                fix="re-export the file, or leave the item out of the manifest."))
    if not np.isfinite(data).all():
        bad = int((~np.isfinite(data)).sum())
        raise DataError(located(f"the audio holds {bad} NaN/inf sample(s)", file=str(path),
                                fix="re-export the file with finite samples."))
    level = level_dbfs(data)
    if level < SILENCE_DBFS:
        shown = "all samples are zero" if level == -math.inf else f"RMS level {level:,.1f} dBFS"
        raise DataError(located(f"the audio is silent: {shown}, below the {SILENCE_DBFS:g} dBFS "
                                "silence threshold", file=str(path),
                                fix="check the system output; a silent file has no defined score."))
    if np.abs(data.mean(axis=1)).max() <= 1e-4 * np.abs(data).max():  # -80 dB: quantised L = -R
        raise DataError(located("the audio is silent once mixed to mono (its channels cancel, "
                                "e.g. left = -right)", file=str(path),
                                fix="check the channel polarity of the system output."))


def read_audio(path: str | Path, sample_rate: int | None = None,
               loudness_lufs: float | None = None, *, max_seconds: float = MAX_SECONDS,
               max_bytes: int = MAX_BYTES) -> tuple[np.ndarray, int]:
    """Read ``path`` as a mono float32 array; resample to ``sample_rate`` when given, after
    normalising to ``loudness_lufs`` when given.

    Returns ``(audio, rate)``. Raises `DataError` naming the file and the fix, before anything
    is decoded, for a header rate outside [MIN_RATE, MAX_RATE] Hz, a file over ``max_seconds``
    or over ``max_bytes`` of working memory (:func:`check_header`); after decoding, for an
    unreadable, empty, non-finite or silent file (:data:`SILENCE_DBFS`).
    """
    path = Path(path)
    data, rate = _decode(path, sample_rate, max_seconds, max_bytes)
    _check_samples(data, path)
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
