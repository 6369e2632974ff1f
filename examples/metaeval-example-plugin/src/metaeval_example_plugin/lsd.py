"""Log-spectral distance (LSD) between an estimate and a reference, in dB (lower is better).

    LSD = 1/T sum_t sqrt( 1/K sum_k ( 10 log10(|X_tk|^2 + eps) - 10 log10(|Y_tk|^2 + eps) )^2 )

with X the STFT of the estimate, Y the STFT of the reference, T frames and K = n_fft/2 + 1
frequency bins. Frames are ``n_fft`` samples long, ``hop_length`` apart, windowed (periodic Hann
by default); the signal end is zero-padded so that every sample lies in a frame. Signals of
different lengths are compared over the shorter length.

A. Gray, J. Markel, Distance measures for speech processing, IEEE TASSP 24(5), 1976 (the dB
form above is the one used in audio super-resolution papers, e.g. AudioSR, ICASSP 2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.errors import MetricError
from metaeval.metrics.base import Batch, Metric, MetricConfig

WINDOWS = ("hann", "boxcar")


@dataclass(frozen=True)
class LSDConfig(MetricConfig):
    n_fft: int = 2048
    hop_length: int = 512
    window: str = "hann"
    eps: float = 1e-10

    def __post_init__(self) -> None:
        if self.n_fft < 1 or self.hop_length < 1:
            raise MetricError(f"log_spectral_distance: n_fft ({self.n_fft}) and hop_length "
                              f"({self.hop_length}) must be positive. Fix: e.g. n_fft=2048, hop_length=512.")
        if self.window not in WINDOWS:
            raise MetricError(f"log_spectral_distance: unknown window {self.window!r}. "
                              f"Fix: choose one of {', '.join(WINDOWS)}.")
        if not self.eps > 0:
            raise MetricError(f"log_spectral_distance: eps must be > 0, got {self.eps}. Fix: e.g. eps=1e-10.")


def _window(name: str, n: int) -> np.ndarray:
    if name == "boxcar":
        return np.ones(n)
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)  # periodic Hann


def _frames(signal: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """(T, n_fft) frames; the end is zero-padded so the last samples are covered."""
    n_frames = 1 + max(0, -(-(len(signal) - n_fft) // hop))
    padded = np.zeros((n_frames - 1) * hop + n_fft)
    padded[: len(signal)] = signal
    return np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]


def log_spectral_distance(estimate: np.ndarray, reference: np.ndarray, n_fft: int = 2048,
                          hop_length: int = 512, window: str = "hann", eps: float = 1e-10) -> float:
    """LSD in dB of two mono signals (see the module docstring); NaN if empty or not finite."""
    estimate = np.asarray(estimate, dtype=np.float64).ravel()
    reference = np.asarray(reference, dtype=np.float64).ravel()
    length = min(len(estimate), len(reference))
    estimate, reference = estimate[:length], reference[:length]
    if length == 0 or not (np.isfinite(estimate).all() and np.isfinite(reference).all()):
        return float("nan")
    win = _window(window, n_fft)
    power = [np.abs(np.fft.rfft(_frames(x, n_fft, hop_length) * win, axis=-1)) ** 2
             for x in (estimate, reference)]
    log_diff = 10 * np.log10(power[0] + eps) - 10 * np.log10(power[1] + eps)
    return float(np.mean(np.sqrt(np.mean(log_diff**2, axis=-1))))


class LogSpectralDistance(Metric):
    """Log-spectral distance in dB between estimate and reference STFT power spectra."""

    name = "log_spectral_distance"
    domain = "audio"
    inputs = ("estimate", "reference")
    higher_is_better = False
    sample_rate = 44100
    citation = ("A. Gray, J. Markel, Distance measures for speech processing, "
                "IEEE TASSP 24(5), 1976.")
    description = "Log-spectral distance (dB) of STFT power spectra, 2048-point Hann frames, hop 512."
    Config = LSDConfig

    def score(self, batch: Batch) -> np.ndarray:
        c = self.config
        return np.array([log_spectral_distance(est, ref, c.n_fft, c.hop_length, c.window, c.eps)
                         for est, ref in zip(batch["estimate"], batch["reference"])])
