"""Multi-resolution STFT loss (distance, lower is better), batched, as in the GSVS study.

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
the mean of the five resolution losses. All items of a batch are computed at once (float32, as
auraloss), giving one loss per item instead of auraloss' loss of the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from metaeval.citations import AURALOSS_2020
from metaeval.metrics.audio import length_groups, mono_inputs
from metaeval.metrics.base import Batch, Metric, MetricConfig, option

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


def multi_resolution_stft_loss(estimate, target, sample_rate: int = 44100,
                               fft_sizes=(256, 512, 1024, 2048, 4096),
                               hop_sizes=(64, 128, 256, 512, 1024), win_lengths=None,
                               perceptual_weighting: bool = True, w_sc: float = 1.0,
                               w_log_mag: float = 1.0, eps: float = 1e-8):
    """Loss per row of ``estimate`` and ``target`` (B, T) float32 tensors -> (B,)."""
    import torch

    win_lengths = tuple(win_lengths or fft_sizes)
    estimate, target = estimate.float(), target.float()
    batch = estimate.shape[0]
    signals = torch.cat([estimate, target])  # one pass over both
    if perceptual_weighting:
        taps = torch.from_numpy(a_weighting_taps(int(sample_rate))).view(1, 1, -1)
        signals = torch.nn.functional.conv1d(signals[:, None], taps, padding=taps.shape[-1] // 2)[:, 0]
    total = torch.zeros(batch, dtype=torch.float64)
    for fft_size, hop, win in zip(fft_sizes, hop_sizes, win_lengths):
        spec = torch.stft(signals, fft_size, hop, win, torch.hann_window(win), return_complex=True)
        power = torch.view_as_real(spec).square().sum(-1).clamp(min=eps)
        magnitude = power.sqrt()
        # float64 reductions: a float32 sum over ~1e5 bins drifts by ~1e-6 with the summation order
        x_mag, y_mag = magnitude[:batch].double(), magnitude[batch:].double()
        loss = torch.zeros(batch, dtype=torch.float64)
        if w_sc:
            convergence = (y_mag - x_mag).flatten(1).norm(dim=1) / y_mag.flatten(1).norm(dim=1)
            loss = loss + w_sc * convergence
        if w_log_mag:
            log_magnitude = magnitude.log().double()
            log_distance = (log_magnitude[:batch] - log_magnitude[batch:]).abs().flatten(1).mean(dim=1)
            loss = loss + w_log_mag * log_distance
        total = total + loss
    return total / len(fft_sizes)


@dataclass(frozen=True)
class MRSTFTConfig(MetricConfig):
    fft_sizes: tuple[int, ...] = option((256, 512, 1024, 2048, 4096), "FFT size of each resolution")
    hop_sizes: tuple[int, ...] = option((64, 128, 256, 512, 1024), "hop of each resolution")
    win_lengths: tuple[int, ...] = option((256, 512, 1024, 2048, 4096),
                                          "Hann window length of each resolution")
    perceptual_weighting: bool = option(True, "A-weighting FIR pre-filter (auraloss, 101 taps)")
    w_sc: float = option(1.0, "weight of the spectral convergence term")
    w_log_mag: float = option(1.0, "weight of the L1 log-magnitude term")
    eps: float = option(1e-8, "floor of the power spectrum before the square root")


class MRSTFT(Metric):
    """auraloss multi-resolution STFT loss of the estimate against the reference (lower is better)."""

    name = "mrstft"
    domain = "audio"
    inputs = ("estimate", "reference")
    higher_is_better = False
    sample_rate = 44100
    citation = AURALOSS
    description = "Multi-resolution STFT loss as in the GSVS study (A-weighted, 5 resolutions)."
    Config = MRSTFTConfig

    def score(self, batch: Batch) -> np.ndarray:
        import torch

        arrays = mono_inputs(batch, self.inputs)
        rate = batch.sample_rate or self.sample_rate
        c = self.config
        values = np.full(len(batch), np.nan)
        for positions in length_groups(arrays["reference"]).values():
            estimate = torch.from_numpy(np.stack([arrays["estimate"][p] for p in positions]))
            reference = torch.from_numpy(np.stack([arrays["reference"][p] for p in positions]))
            with torch.no_grad():
                loss = multi_resolution_stft_loss(
                    estimate, reference, rate, c.fft_sizes, c.hop_sizes, c.win_lengths,
                    c.perceptual_weighting, c.w_sc, c.w_log_mag, c.eps)
            values[positions] = loss.double().numpy()
        return values
