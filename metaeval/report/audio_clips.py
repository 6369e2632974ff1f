"""Short audio excerpts for the HTML report: the first ``seconds`` of a file as a mono 16-bit
PCM WAV at ``rate`` Hz, base64-encoded into a ``data:audio/wav`` URI for an ``<audio>`` player.

Read with soundfile (only the excerpt's frames), mono by the mean over channels
``x[n] = (1/C) sum_c x_c[n]``, resampled with soxr (the scoring loader's quality), clipped to
[-1, 1] and quantised to 16 bits by rounding, ``q[n] = round(32767 x[n])``. A file that cannot be read gives the reason instead of a URI,
never an error of the report.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np

from metaeval.score.audio_io import RESAMPLE_QUALITY, check_header

DEFAULT_SECONDS = 5.0
DEFAULT_RATE = 16_000
WAV_PREFIX = "data:audio/wav;base64,"


def excerpt(path: str | Path, seconds: float = DEFAULT_SECONDS,
            rate: int = DEFAULT_RATE) -> np.ndarray:
    """The first ``seconds`` of ``path``, mono float64 at ``rate`` Hz (raises what soundfile
    raises for an unreadable file, ValueError for an empty one, and `DataError` for a header the
    scoring loader refuses, e.g. a sample rate outside 1-768 kHz, checked before resampling)."""
    import soundfile as sf

    with sf.SoundFile(str(path)) as handle:
        source_rate = handle.samplerate
        frames = max(1, int(round(seconds * source_rate)))
        check_header(Path(path), source_rate, min(frames, handle.frames), handle.channels, rate)
        data = handle.read(frames=frames, dtype="float64", always_2d=True)
    if data.shape[0] == 0:
        raise ValueError("the audio file is empty (0 samples)")
    mono = data.mean(axis=1)
    if source_rate != rate:
        import soxr

        mono = soxr.resample(mono, source_rate, rate, quality=RESAMPLE_QUALITY)
    return mono


def wav_bytes(signal: np.ndarray, rate: int = DEFAULT_RATE) -> bytes:
    """``signal`` (float, [-1, 1]) as a mono 16-bit PCM WAV file, ``round(32767 x)``."""
    import soundfile as sf

    buffer = io.BytesIO()
    samples = np.round(np.clip(signal, -1.0, 1.0) * 32767).astype(np.int16)
    sf.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def clip_uri(path: str | Path, seconds: float = DEFAULT_SECONDS,
             rate: int = DEFAULT_RATE) -> tuple[str | None, str]:
    """(``data:audio/wav;base64,...`` of the excerpt, "") or (None, the reason)."""
    try:
        data = wav_bytes(excerpt(path, seconds, rate), rate)
    except Exception as error:  # any unreadable file is a placeholder, never a crash
        return None, f"{type(error).__name__}: {error}"
    return WAV_PREFIX + base64.b64encode(data).decode("ascii"), ""
