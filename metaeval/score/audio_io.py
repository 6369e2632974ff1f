"""Audio loading for the scoring runner: soundfile in, float32 at the metric's rate out.

- Mono by the mean over channels: ``x[n] = (1/C) * sum_c x_c[n]``; or, for a metric with
  ``channels=multichannel``, every channel as stored, a ``(channels, samples)`` array.
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

`AudioLoader` memoises the decoded arrays of a run by (path, sample rate, channels), so a file
shared by several systems or metrics is read and resampled once per rate.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from metaeval.errors import DataError, MetricError, ParameterError, located
from metaeval.metrics.audio import CHANNELS
from metaeval.metrics.audio.loudness import normalize_loudness
from metaeval.score.file_hash import memo_file_sha256

DEFAULT_TOLERANCE_S = 0.05
RESAMPLE_QUALITY = "HQ"
MIN_RATE, MAX_RATE = 1_000, 768_000  # Hz: what a header may say (8 kHz telephony .. 768 kHz)
MAX_SECONDS = 3_600.0  # one file, one hour at most
MAX_BYTES = 4 * 1024 ** 3  # working memory of reading and resampling one file (needed_bytes)
SILENCE_DBFS = -140.0  # RMS level (full scale 1.0) below one step of 24-bit PCM (-138.5 dBFS)
LOADER_VERSION = f"soundfile+mean+soxr-{RESAMPLE_QUALITY}"  # part of every cache key
MULTICHANNEL_VERSION = f"soundfile+channels+soxr-{RESAMPLE_QUALITY}"  # channels kept


class LengthMismatchWarning(UserWarning):
    """Two inputs of an item differed in length by at most the tolerance and were trimmed."""


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale (1.0): ``20 log10(sqrt(mean(x^2)))``, -inf for all
    zeros; computed as ``peak * rms(x / peak)`` so no square underflows or overflows."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak == 0.0:
        return float("-inf")
    return 20.0 * math.log10(peak) + 10.0 * math.log10(float(np.mean(np.square(samples / peak))))


def needed_bytes(frames: int, channels: int, rate: int, target: int | None,
                 kept: int = 1) -> int:
    """Working memory of reading a file and resampling it (bytes): the decoded channels and
    their mono mix in float64, the ``kept`` resampled channels in float64 and in float32."""
    out = frames if target is None or int(target) == int(rate) else \
        math.ceil(frames * int(target) / int(rate))
    return 8 * frames * (channels + 1) + 12 * out * kept


def check_header(path: Path, rate: int, frames: int, channels: int, target: int | None,
                 max_seconds: float = MAX_SECONDS, max_bytes: int = MAX_BYTES,
                 kept: int = 1) -> None:
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
    need = needed_bytes(frames, channels, rate, target, kept)
    if need > max_bytes:
        goal = f" to {int(target):,} Hz" if target is not None and int(target) != rate else ""
        raise DataError(located(
            f"reading and resampling it{goal} would need about {need / 1e6:,.1f} MB "
            f"({frames:,} frames x {channels} channel(s) at {rate:,} Hz), over the limit of "
            f"{max_bytes / 1e6:,.1f} MB", file=str(path),
            fix="cut the file into excerpts or resample it first (in Python: read_audio(..., "
                "max_bytes=...))."))


def _decode(path: Path, sample_rate: int | None, max_seconds: float,
            max_bytes: int, multichannel: bool) -> tuple[np.ndarray, int]:
    """The file's samples (frames x channels, float64) after :func:`check_header`."""
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as handle:
            rate = int(handle.samplerate)
            check_header(path, rate, int(handle.frames), int(handle.channels), sample_rate,
                         max_seconds, max_bytes, int(handle.channels) if multichannel else 1)
            return handle.read(dtype="float64", always_2d=True), rate
    except DataError:
        raise
    except Exception as error:  # libsndfile raises LibsndfileError, RuntimeError, OSError...
        raise DataError(located(f"cannot read the audio ({type(error).__name__}: {error})",
                                file=str(path),
                                fix="check that the file exists and is a WAV/FLAC/OGG file "
                                    "soundfile can open (re-export it if it is truncated).")
                        ) from error


def _check_samples(data: np.ndarray, path: Path, mono: bool) -> None:
    """Refuse empty, non-finite, silent (RMS below SILENCE_DBFS) and (when mixed to ``mono``)
    self-cancelling audio."""
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
    if mono and np.abs(data.mean(axis=1)).max() <= 1e-4 * np.abs(data).max():  # -80 dB: L = -R
        raise DataError(located("the audio is silent once mixed to mono (its channels cancel, "
                                "e.g. left = -right)", file=str(path),
                                fix="check the channel polarity of the system output."))


def read_audio(path: str | Path, sample_rate: int | None = None,
               loudness_lufs: float | None = None, *, channels: str = "mono",
               max_seconds: float = MAX_SECONDS,
               max_bytes: int = MAX_BYTES) -> tuple[np.ndarray, int]:
    """Read ``path`` as a mono float32 array (``channels="multichannel"``: a ``(channels,
    samples)`` array of the channels as stored); resample to ``sample_rate`` when given, after
    normalising to ``loudness_lufs`` when given.

    Returns ``(audio, rate)``. Raises `DataError` naming the file and the fix, before anything
    is decoded, for a header rate outside [MIN_RATE, MAX_RATE] Hz, a file over ``max_seconds``
    or over ``max_bytes`` of working memory (:func:`check_header`); after decoding, for an
    unreadable, empty, non-finite or silent file (:data:`SILENCE_DBFS`).
    """
    if channels not in CHANNELS:
        raise ParameterError("channels", channels, f"is not one of {', '.join(CHANNELS)}.")
    path, mono = Path(path), channels == "mono"
    data, rate = _decode(path, sample_rate, max_seconds, max_bytes, not mono)
    _check_samples(data, path, mono)
    if loudness_lufs is not None:
        data = _normalised(data, rate, float(loudness_lufs), path)
    audio = data.mean(axis=1) if mono else data  # (samples,) or (samples, channels)
    if sample_rate is not None and int(sample_rate) != int(rate):
        import soxr

        audio = soxr.resample(audio, int(rate), int(sample_rate), quality=RESAMPLE_QUALITY)
        rate = int(sample_rate)
    return np.ascontiguousarray(audio.T, dtype=np.float32), int(rate)


def _normalised(data: np.ndarray, rate: int, target: float, path: Path) -> np.ndarray:
    try:
        return normalize_loudness(data, int(rate), target)
    except MetricError as error:
        raise DataError(located(f"cannot loudness-normalise the audio ({error})", file=str(path),
                                fix="leave the item out, or score without --loudness-normalize."
                                )) from error


def align_lengths(signals: Mapping[str, np.ndarray], sample_rate: int,
                  tolerance_s: float = DEFAULT_TOLERANCE_S, where: str = "") -> dict[str, np.ndarray]:
    """Trim every signal (its last axis: samples) to the shortest when they differ by <=
    ``tolerance_s``; else `DataError`."""
    lengths = {name: x.shape[-1] for name, x in signals.items()}
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
    return {name: x[..., :shortest] for name, x in signals.items()}


def _request(path, rate: int | None, channels: str = "mono") -> tuple[str, int | None, str]:
    """The memo key of one read: (path, sample rate, channels)."""
    return str(Path(path)), None if rate is None else int(rate), channels


class AudioLoader:
    """Reads files once per (path, sample rate) within a run; remembers failures too.

    Keeps the ``max_arrays`` most recently used arrays (least recently used dropped first).
    ``reads`` counts the decodes actually made (for tests and the run summary).
    """

    def __init__(self, max_arrays: int = 512, loudness_lufs: float | None = None):
        self.max_arrays = max_arrays
        self.loudness_lufs = None if loudness_lufs is None else float(loudness_lufs)
        self._arrays: OrderedDict[tuple[str, int | None, str], np.ndarray | DataError] = \
            OrderedDict()
        self._hashes: dict[str, str] = {}
        self.reads = 0

    def load(self, path: str | Path, sample_rate: int | None, channels: str = "mono") -> np.ndarray:
        key = _request(path, sample_rate, channels)
        if key in self._arrays:
            self._arrays.move_to_end(key)
            found = self._arrays[key]
        else:
            self.reads += 1
            try:
                found = self._read(key)
            except DataError as error:
                found = error
            self._arrays[key] = found
            while len(self._arrays) > self.max_arrays:
                self._arrays.popitem(last=False)
        if isinstance(found, DataError):
            raise found
        return found

    def _read(self, request: tuple[str, int | None, str]) -> np.ndarray:
        path, rate, channels = request
        return read_audio(path, rate, self.loudness_lufs, channels=channels)[0]

    def prefetch(self, requests, jobs: int = 1) -> None:
        """Decode the (path, sample rate[, channels]) requests not yet memoised, ``jobs`` files
        at a time."""
        todo = list(dict.fromkeys(k for k in (_request(*r) for r in requests)
                                  if k not in self._arrays))
        if jobs <= 1 or len(todo) <= 1:
            return
        from concurrent.futures import ThreadPoolExecutor

        def read(request):
            try:
                return self._read(request)
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
        return self.version_of("mono")

    def version_of(self, channels: str) -> str:
        """:attr:`version` when reading ``channels`` (``soundfile+channels+...``: kept)."""
        base = LOADER_VERSION if channels == "mono" else MULTICHANNEL_VERSION
        return base if self.loudness_lufs is None else f"{base}+lufs{self.loudness_lufs:g}"

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
