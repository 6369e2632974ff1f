"""BSS-Eval energy ratios over the whole excerpt: SDR, SI-SDR, SAR, SIR, ISR.

Configuration of the GSVS study (Bereuter et al., WASPAA 2025; github.com/pablebe/gensvs_eval):

- SDR (Vincent et al. 2006, torchmetrics ``signal_distortion_ratio`` defaults): both signals are
  scaled to unit norm, the estimate is projected on the ``filter_length`` (512) delayed copies of
  the reference by solving ``R h = b`` (R: Toeplitz autocorrelation of the reference, b: its
  cross-correlation with the estimate), coherence ``c = b.h`` and ``SDR = 10 log10(c / (1 - c))``.
- SI-SDR (Le Roux et al. 2019), zero_mean=False: ``a = (<e,r> + eps) / (<r,r> + eps)``,
  ``SI-SDR = 10 log10((||a r||^2 + eps) / (||a r - e||^2 + eps))``.
- SAR, SIR: fast_bss_eval ``bss_eval_sources`` (Scheibler 2022; 1024 taps, load_diag=1e-7,
  compute_permutation=False), computed as it does (one Cholesky of the block Gram matrix) with two references, the target and the interferer
  ``mixture - target``, and two estimates, the estimate and ``mixture - estimate``; the target's
  values are returned. With the target as its only reference SAR would equal SDR.
- ISR (bss_eval_images, Vincent et al. 2006, as museval): ``s`` the target, ``P s`` the estimate
  projected on the ``filter_length`` (1024) delayed copies of the target alone,
  ``ISR = 10 log10(||s||^2 / ||P s - s||^2)``; the interferer does not enter ISR.
  fast_bss_eval has no ISR, hence this direct torch implementation.

The preset ``bss_eval_v3`` of ``sdr``, ``sar``, ``sir`` and ``isr`` (``sar:bss_eval_v3``) is
BSS Eval v3 ``bss_eval_images`` as mir_eval computes it (512 taps, target and interferer as the
two references, exact least squares; :mod:`metaeval.metrics.audio.bsseval_images`), the
configuration of published SiSEC-style separation studies, on the channel mean
(``channels=mono``, as metaeval computed it before the option existed).

``channels`` (every metric here; choices :data:`CHANNELS`): ``mono`` (default) scores the mean
of each file's channels; ``multichannel`` scores the channels as stored, as one image:

- SDR, SIR, SAR (method ``bss_eval_v3`` only: ``sdr:bss_eval_v3:channels=multichannel``) and ISR
  as mir_eval's ``bss_eval_images`` on the (samples, channels) arrays: every estimate channel is
  projected on the delayed copies of every reference channel, the energies summed over channels
  (SiSEC 2018's published SDR is of this kind, framewise: ``bsseval_v4:channels=multichannel``).
  fast_bss_eval / torchmetrics SDR has no images criteria: ``method=fast_bss_eval`` with
  ``multichannel`` is refused.
- SI-SDR on the concatenated channels: one scale ``a = <e, r> / <r, r>`` with the inner products
  over every channel and sample, ``10 log10(||a r||^2 / ||a r - e||^2)``. This is torchmetrics'
  ``source_aggregated_signal_distortion_ratio(scale_invariant=True)`` (SA-SDR, von Neumann et
  al., ICASSP 2022) with channels in place of speakers: a single gain keeps the level difference
  between the channels, so a wrong pan counts as distortion (a per-channel SI-SDR would rescale
  each channel and forgive it). A dual-mono file scores as its mono channel.

All computations run in float64: SDR, SI-SDR, SAR and SIR one item at a time with numpy/scipy
(:mod:`metaeval.metrics.audio.bss_items`; in cache, faster than a batch bound by memory traffic),
ISR and the ``bss_eval_v3`` presets batched in torch over the items of equal length. An item
whose estimate, reference (or, for SAR/SIR, interferer) is all zeros scores NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.citations import LE_ROUX_2019, MIR_EVAL_2014, SCHEIBLER_2022, VINCENT_2006
from metaeval.errors import MetricOptionError
from metaeval.metrics.audio import (
    CHANNELS,
    audio_inputs,
    channels_option,
    is_silent,
    length_groups,
)
from metaeval.metrics.audio.bss_items import sdr_item, si_sdr_item, si_sdr_items, sir_sar_item
from metaeval.metrics.audio.bss_kernels import image_sdr, isr, single_torch_thread
from metaeval.metrics.audio.bsseval_images import bss_eval_images_v3
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.valid import at_least, one_of

__all__ = ["CHANNELS", "ISR", "SAR", "SDR", "SIR", "SISDR", "bss_eval_images_v3", "image_sdr",
           "isr", "sdr_item", "si_sdr_item", "si_sdr_items", "single_torch_thread",
           "sir_sar_item"]

METHODS = ("fast_bss_eval", "bss_eval_v3")
V3 = {"method": "bss_eval_v3", "filter_length": 512, "load_diag": None, "channels": "mono"}


class _WholeExcerptMetric(Metric):
    """Shared batching: stack the items of equal length, NaN for silent inputs."""

    domain = "audio"
    sample_rate = 44100
    inputs = ("estimate", "reference")
    backends = ("numpy", "scipy", "torch")

    def score(self, batch: Batch) -> np.ndarray:
        arrays = audio_inputs(batch, self.inputs, self.config.channels, dtype=None)
        values = np.full(len(batch), np.nan)
        usable = [p for p in range(len(batch)) if not self._silent(arrays, p)]
        if usable:
            values[usable] = (self._score_items(arrays, usable) if self._per_item()
                              else self._score_stacked(arrays, usable))
        return values

    _must_not_be_silent: tuple[str, ...] = ("estimate", "reference")

    def _silent(self, arrays, position: int) -> bool:
        if "interferer" in self._must_not_be_silent and np.array_equal(
                arrays["mixture"][position], arrays["reference"][position]):
            return True  # mixture - target is all zeros
        return any(is_silent(arrays[name][position]) for name in self._must_not_be_silent
                   if name != "interferer")

    def _per_item(self) -> bool:
        """True when the configuration has a per-item numpy kernel (:meth:`_item`)."""
        return False

    def _score_items(self, arrays, usable: list[int]) -> list[float]:
        return [self._item(*(arrays[name][p] for name in self.inputs)) for p in usable]

    def _score_stacked(self, arrays, usable: list[int]) -> np.ndarray:
        """Items of equal length stacked into float64 torch batches for :meth:`_compute`."""
        import torch

        values = np.full(len(usable), np.nan)
        lengths = [arrays["reference"][p] for p in usable]
        for group in length_groups(lengths).values():
            stacked = {name: torch.from_numpy(np.stack([arrays[name][usable[g]] for g in group])
                                              .astype(np.float64, copy=False))
                       for name in self.inputs}
            with torch.no_grad():
                values[group] = self._compute(**stacked).double().cpu().numpy()
        return values

    def _item(self, *signals) -> float:
        raise NotImplementedError

    def _compute(self, **tensors):
        raise NotImplementedError


def _check_method(metric: Metric) -> None:
    config = metric.config
    if config.channels == "multichannel" and config.method != "bss_eval_v3":
        raise MetricOptionError(f"{metric.name}: channels=multichannel evaluates the stereo "
                                "images as mir_eval bss_eval_images; method fast_bss_eval is "
                                f"single-channel. Fix: use '{metric.name}:bss_eval_v3:"
                                "channels=multichannel', or channels=mono.")
    if config.method == "bss_eval_v3" and getattr(config, "load_diag", None) is not None:
        raise MetricOptionError(f"{metric.name}: method bss_eval_v3 solves the exact least-squares "
                          "problem (as mir_eval) and takes no load_diag. Fix: use the preset "
                          f"'{metric.name}:bss_eval_v3' or add load_diag=none.")


def _images(estimate, reference, mixture, filter_length: int, index: int):
    return bss_eval_images_v3(estimate, reference, mixture, filter_length)[index]


@dataclass(frozen=True)
class SDRConfig(MetricConfig):
    method: str = option("fast_bss_eval", "fast_bss_eval: the estimate projected on the delayed "
                         "reference (torchmetrics / GSVS); bss_eval_v3: mir_eval images SDR "
                         "(||s||^2 / ||e - s||^2, no distortion filter)", one_of(*METHODS))
    filter_length: int = option(512, "distortion filter taps (fast_bss_eval method)",
                                at_least(1))
    zero_mean: bool = option(False, "subtract each signal's mean first")
    load_diag: float | None = option(None, "value added to the diagonal of the autocorrelation "
                                           "(regularisation); none: no loading", at_least(0))
    channels: str = channels_option()


class SDR(_WholeExcerptMetric):
    """BSS-Eval SDR over the whole excerpt (512-tap filter, torchmetrics defaults)."""

    name = "sdr"
    citation = VINCENT_2006
    description = "BSS-Eval SDR over the whole excerpt, 512-tap distortion filter."
    Config = SDRConfig
    presets = {"bss_eval_v3": V3}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_method(self)

    def _per_item(self) -> bool:
        return self.config.method == "fast_bss_eval"

    def _item(self, estimate, reference) -> float:
        c = self.config
        return sdr_item(estimate, reference, c.filter_length, c.zero_mean, c.load_diag)

    def _compute(self, estimate, reference):  # bss_eval_v3: images SDR, no distortion filter
        return image_sdr(estimate, reference)


@dataclass(frozen=True)
class SISDRConfig(MetricConfig):
    zero_mean: bool = option(False, "subtract each signal's mean first")
    channels: str = channels_option()


class SISDR(_WholeExcerptMetric):
    """Scale-invariant SDR, zero_mean=False; multichannel: on the concatenated channels."""

    name = "sisdr"
    citation = LE_ROUX_2019
    description = "Scale-invariant SDR, zero_mean=False."
    Config = SISDRConfig

    def _per_item(self) -> bool:
        return True

    def _score_items(self, arrays, usable: list[int]) -> list[float]:
        return si_sdr_items([arrays["estimate"][p] for p in usable],
                            [arrays["reference"][p] for p in usable], self.config.zero_mean)


@dataclass(frozen=True)
class BSSEvalConfig(MetricConfig):
    method: str = option("fast_bss_eval", "fast_bss_eval: bss_eval_sources of fast_bss_eval "
                         "(GSVS study); bss_eval_v3: mir_eval bss_eval_images", one_of(*METHODS))
    filter_length: int = option(1024, "distortion filter taps (mir_eval / BSS Eval v3: 512)",
                                at_least(1))
    load_diag: float | None = option(1e-7, "diagonal loading of the normalised correlation "
                                           "matrices (fast_bss_eval); none for bss_eval_v3",
                                     at_least(0))
    channels: str = channels_option()


class _WithInterferer(_WholeExcerptMetric):
    """SAR/SIR with the interferer (mixture - target) as the second reference."""

    inputs = ("estimate", "reference", "mixture")
    citation = f"{VINCENT_2006} {SCHEIBLER_2022} {MIR_EVAL_2014}"
    Config = BSSEvalConfig
    presets = {"bss_eval_v3": V3}
    _must_not_be_silent = ("estimate", "reference", "interferer")
    _index = 0  # position in fast_bss_eval's (sdr, sir, sar)
    _images_index = 0  # position in bss_eval_images_v3's (sdr, isr, sir, sar)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_method(self)

    def _per_item(self) -> bool:
        return self.config.method == "fast_bss_eval"

    def _item(self, estimate, reference, mixture) -> float:
        c = self.config
        return sir_sar_item(estimate, reference, mixture, c.filter_length, c.load_diag)[self._index]

    def _compute(self, estimate, reference, mixture):  # bss_eval_v3
        c = self.config
        return _images(estimate, reference, mixture, c.filter_length, self._images_index)


class SIR(_WithInterferer):
    """BSS-Eval SIR of the target with the interferer (mixture - target) as second reference."""

    name = "sir"
    description = ("BSS-Eval SIR (fast_bss_eval, 1024 taps; preset bss_eval_v3: mir_eval images, "
                   "512 taps) with the interferer (mixture - target) as second reference.")
    _index, _images_index = 1, 2


class SAR(_WithInterferer):
    """BSS-Eval SAR of the target with the interferer (mixture - target) as second reference."""

    name = "sar"
    description = ("BSS-Eval SAR (fast_bss_eval, 1024 taps; preset bss_eval_v3: mir_eval images, "
                   "512 taps) with the interferer (mixture - target) as second reference.")
    _index, _images_index = 2, 3


@dataclass(frozen=True)
class ISRConfig(MetricConfig):
    filter_length: int = option(1024, "distortion filter taps (mir_eval / BSS Eval v3: 512)",
                                at_least(1))
    channels: str = channels_option()


class ISR(_WholeExcerptMetric):
    """Image-to-spatial distortion ratio (bss_eval_images), whole excerpt, 1024 taps."""

    name = "isr"
    inputs = ("estimate", "reference", "mixture")
    citation = VINCENT_2006
    description = ("BSS-Eval ISR (image-to-spatial distortion, 1024 taps; preset bss_eval_v3: "
                   "512 taps as mir_eval); the mixture is not used.")
    Config = ISRConfig
    presets = {"bss_eval_v3": {"filter_length": 512, "channels": "mono"}}

    def _compute(self, estimate, reference, mixture):
        return isr(estimate, reference, self.config.filter_length)
