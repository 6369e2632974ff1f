"""Loudness normalisation to a target integrated loudness (ITU-R BS.1770-4, via pyloudnorm).

The GSVS listening test (Bereuter et al., WASPAA 2025) played every output normalised to -18 LUFS.
Integrated loudness ``L`` (K-weighted, 400 ms blocks, absolute -70 LUFS and relative -10 LU gates)
is measured with ``pyloudnorm.Meter`` (Steinmetz & Reiss, 2021); the signal is multiplied by
``10 ** ((target - L) / 20)``.
"""

from __future__ import annotations

import warnings

import numpy as np

from metaeval.errors import MetricError


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness (LUFS) of ``audio``, shape (samples,) or (samples, channels)."""
    import pyloudnorm

    data = np.asarray(audio, dtype=np.float64)
    meter = pyloudnorm.Meter(sample_rate)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # log10(0) of silent blocks
            return float(meter.integrated_loudness(data))
    except ValueError as error:
        raise MetricError(f"loudness of a {data.shape[0] / sample_rate:.3f} s signal cannot be "
                          f"measured ({error}). Fix: give at least 0.4 s of audio.") from error


def normalize_loudness(audio: np.ndarray, sample_rate: int, target_lufs: float = -18.0) -> np.ndarray:
    """``audio`` scaled so that its integrated loudness is ``target_lufs`` (same shape and dtype).

    Raises `MetricError` for silent audio (all blocks below the -70 LUFS gate), which has no
    loudness to scale from.
    """
    data = np.asarray(audio)
    measured = integrated_loudness(data, sample_rate)
    if not np.isfinite(measured):
        raise MetricError("cannot loudness-normalise silent audio: every 400 ms block is below the "
                          "-70 LUFS gate of ITU-R BS.1770. Fix: check the file (it is silent or "
                          "nearly so) or leave it out.")
    gain = 10.0 ** ((target_lufs - measured) / 20.0)
    out = data.astype(np.float64) * gain
    return out.astype(data.dtype) if np.issubdtype(data.dtype, np.floating) else out
