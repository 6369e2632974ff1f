"""Multi-resolution STFT loss (distance, lower is better), as in the GSVS study.

Steinmetz & Reiss, "auraloss: Audio focused loss functions in PyTorch", DMRN+15 2020
(github.com/csteinmetz1/auraloss); Yamamoto et al. 2019 (multi-resolution STFT); configuration of
Bereuter et al., WASPAA 2025: ``MultiResolutionSTFTLoss(fft_sizes=[256,512,1024,2048,4096],
hop_sizes=[64,128,256,512,1024], win_lengths=fft_sizes, sample_rate=44100,
perceptual_weighting=True)`` called as ``loss(estimate, target)``.

Per item, both signals are A-weighted by auraloss' 101-tap FIR (least-squares fit, ``firls``, of
the bilinear-transformed analogue IEC A-weighting filter; zero-padded 'same' convolution), then for
each resolution (periodic Hann window, centred reflect-padded ``torch.stft``):
``|X| = sqrt(max(re^2 + im^2, 1e-8))``, spectral convergence ``||Y - X||_F / ||Y||_F`` plus the
mean L1 distance of log magnitudes ``mean |log X - log Y|`` (X: estimate, Y: target); the loss is
the mean of the five resolution losses, one loss per item (auraloss returns the loss of a whole
batch). numpy/scipy, one item at a time (both signals framed together, float32 spectra as
auraloss, ``scipy.fft.rfft`` on all cores): the frames and spectra of an item stay in cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from metaeval.citations import AURALOSS_2020
from metaeval.metrics.audio import mono_inputs
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.valid import at_least, greater_than

AURALOSS = AURALOSS_2020


@lru_cache(maxsize=8)
def a_weighting_taps(sample_rate: int, ntaps: int = 101) -> np.ndarray:
    """auraloss ``FIRFilter(filter_type="aw")`` taps: firls fit of the digital A-weighting response."""
    import scipy.signal

    f1, f2, f3, f4, a1000 = 20.598997, 107.65265, 737.86223, 12194.217, 1.9997
    numerator = [(2 * np.pi * f4) ** 2 * (10 ** (a1000 / 20)), 0, 0, 0, 0]
    denominator = np.polymul([1, 4 * np.pi * f4, (2 * np.pi * f4) ** 2],
                             [1, 4 * np.pi * f1, (2 * np.pi * f1) ** 2])
    denominator = np.polymul(np.polymul(denominator, [1, 2 * np.pi * f3]), [1, 2 * np.pi * f2])
    b, a = scipy.signal.bilinear(numerator, denominator, fs=sample_rate)
    freqs, response = scipy.signal.freqz(b, a, worN=512, fs=sample_rate)
    taps = scipy.signal.firls(ntaps, freqs, abs(response), fs=sample_rate)
    return taps.astype(np.float32)


@lru_cache(maxsize=16)
def stft_window(win_length: int, fft_size: int) -> np.ndarray:
    """Periodic Hann window (float32), centred and zero-padded to ``fft_size`` as ``torch.stft``."""
    import scipy.signal

    window = np.zeros(fft_size, dtype=np.float32)
    left = (fft_size - win_length) // 2
    window[left:left + win_length] = scipy.signal.get_window("hann", win_length, fftbins=True)
    return window


def a_weighted(signals: np.ndarray, sample_rate: int) -> np.ndarray:
    """auraloss' A-weighting FIR, ``y[n] = sum_k w[k] x[n + k - 50]`` (zero padded), float32.

    Computed in float64 by overlap-add FFT convolution (the taps are symmetric) and rounded once.
    """
    import scipy.signal

    taps = a_weighting_taps(int(sample_rate)).astype(np.float64)[::-1]
    out = scipy.signal.oaconvolve(signals.astype(np.float64), taps[None], mode="same", axes=-1)
    return out.astype(np.float32)


def stft_magnitudes(signals: np.ndarray, fft_size: int, hop: int, win_length: int,
                    eps: float = 1e-8) -> np.ndarray:
    """``sqrt(max(|STFT|^2, eps))`` of each row (float32, frames x bins), centred reflect padding.

    As ``torch.stft(x, fft_size, hop, win_length, hann_window(win_length))``: ``1 + T // hop``
    frames; ``sqrt(max(p, eps)) = max(|X|, sqrt(eps))``, so the magnitude is floored directly.
    """
    import scipy.fft

    pad = fft_size // 2
    padded = np.pad(signals, ((0, 0), (pad, pad)), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, fft_size, axis=-1)[:, ::hop]
    frames = frames * stft_window(win_length, fft_size)
    magnitude = np.abs(scipy.fft.rfft(frames, axis=-1, workers=-1))
    return np.maximum(magnitude, np.sqrt(np.float32(eps)), out=magnitude)


def multi_resolution_stft_loss(estimate: np.ndarray, target: np.ndarray, sample_rate: int = 44100,
                               fft_sizes=(256, 512, 1024, 2048, 4096),
                               hop_sizes=(64, 128, 256, 512, 1024), win_lengths=None,
                               perceptual_weighting: bool = True, w_sc: float = 1.0,
                               w_log_mag: float = 1.0, eps: float = 1e-8) -> float:
    """Loss of one item: mean over resolutions of ``w_sc ||Y - X||_F / ||Y||_F`` plus
    ``w_log_mag mean |log(X / Y)|`` (X, Y: estimate and target magnitudes, float32 as auraloss).

    ``|log X - log Y| = |log(X / Y)|``: one logarithm per bin; sums of squares by BLAS (float32).
    """
    signals = np.stack([estimate, target]).astype(np.float32, copy=False)
    if perceptual_weighting:
        signals = a_weighted(signals, sample_rate)
    total = 0.0
    for fft_size, hop, win in zip(fft_sizes, hop_sizes, tuple(win_lengths or fft_sizes)):
        x_mag, y_mag = stft_magnitudes(signals, fft_size, hop, win, eps)
        if w_sc:
            difference = (y_mag - x_mag).ravel()
            y_flat = y_mag.ravel()
            total += w_sc * np.sqrt(float(difference @ difference) / float(y_flat @ y_flat))
        if w_log_mag:
            ratio = np.divide(x_mag, y_mag, out=x_mag)
            total += w_log_mag * float(np.abs(np.log(ratio, out=ratio), out=ratio).mean())
    return float(total / len(fft_sizes))


@dataclass(frozen=True)
class MRSTFTConfig(MetricConfig):
    fft_sizes: tuple[int, ...] = option((256, 512, 1024, 2048, 4096), "FFT size of each resolution",
                                        at_least(1))
    hop_sizes: tuple[int, ...] = option((64, 128, 256, 512, 1024), "hop of each resolution",
                                        at_least(1))
    win_lengths: tuple[int, ...] = option((256, 512, 1024, 2048, 4096),
                                          "Hann window length of each resolution", at_least(1))
    perceptual_weighting: bool = option(True, "A-weighting FIR pre-filter (auraloss, 101 taps)")
    w_sc: float = option(1.0, "weight of the spectral convergence term", at_least(0))
    w_log_mag: float = option(1.0, "weight of the L1 log-magnitude term", at_least(0))
    eps: float = option(1e-8, "floor of the power spectrum before the square root",
                        greater_than(0))


class MRSTFT(Metric):
    """auraloss multi-resolution STFT loss of the estimate against the reference (lower is better)."""

    name = "mrstft"
    backends = ("numpy", "scipy")
    domain = "audio"
    inputs = ("estimate", "reference")
    higher_is_better = False
    sample_rate = 44100
    citation = AURALOSS
    description = "Multi-resolution STFT loss as in the GSVS study (A-weighted, 5 resolutions)."
    Config = MRSTFTConfig

    def score(self, batch: Batch) -> np.ndarray:
        arrays = mono_inputs(batch, self.inputs, dtype=None)
        rate = batch.sample_rate or self.sample_rate
        c = self.config
        return np.array([multi_resolution_stft_loss(
            estimate, reference, rate, c.fft_sizes, c.hop_sizes, c.win_lengths,
            c.perceptual_weighting, c.w_sc, c.w_log_mag, c.eps)
            for estimate, reference in zip(arrays["estimate"], arrays["reference"])], dtype=np.float64)
