"""BSS-Eval energy ratios over the whole excerpt: SDR, SI-SDR, SAR, SIR, ISR.

Configuration of the GSVS study (Bereuter et al., WASPAA 2025; github.com/pablebe/gensvs_eval):

- SDR (Vincent et al. 2006, torchmetrics ``signal_distortion_ratio`` defaults): both signals are
  scaled to unit norm, the estimate is projected on the ``filter_length`` (512) delayed copies of
  the reference by solving ``R h = b`` (R: Toeplitz autocorrelation of the reference, b: its
  cross-correlation with the estimate), coherence ``c = b.h`` and ``SDR = 10 log10(c / (1 - c))``.
- SI-SDR (Le Roux et al. 2019), zero_mean=False: ``a = (<e,r> + eps) / (<r,r> + eps)``,
  ``SI-SDR = 10 log10((||a r||^2 + eps) / (||a r - e||^2 + eps))``.
- SAR, SIR: fast_bss_eval ``bss_eval_sources`` (Scheibler 2021; 1024 taps, load_diag=1e-7,
  compute_permutation=False; torch back-end) with two references, the target and the interferer
  ``mixture - target``, and two estimates, the estimate and ``mixture - estimate``; the target's
  values are returned. With the target as its only reference SAR would equal SDR.
- ISR (bss_eval_images, Vincent et al. 2006, as museval): ``s`` the target, ``P s`` the estimate
  projected on the ``filter_length`` delayed copies of the target alone,
  ``ISR = 10 log10(||s||^2 / ||P s - s||^2)``; the interferer does not enter ISR.
  fast_bss_eval has no ISR, hence this direct torch implementation.

All computations run in float64, batched over the items of equal length; an item whose estimate,
reference (or, for SAR/SIR, interferer) is all zeros scores NaN.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from metaeval.metrics.audio import is_silent, length_groups, mono_inputs
from metaeval.metrics.base import Batch, Metric, MetricConfig
from metaeval.metrics.catalog import LE_ROUX_2019, VINCENT_2006

FAST_BSS_EVAL = ("R. Scheibler, SDR - Medium Rare with Fast Computations, ICASSP 2022 "
                 "(fast_bss_eval).")


def _correlations(reference, estimate, length: int):
    """Autocorrelation of ``reference`` and its cross-correlation with ``estimate``, lags 0..length-1."""
    import torch

    n_fft = 2 ** math.ceil(math.log2(reference.shape[-1] + estimate.shape[-1] - 1))
    ref_f = torch.fft.rfft(reference, n=n_fft, dim=-1)
    auto = torch.fft.irfft(ref_f.real ** 2 + ref_f.imag ** 2, n=n_fft, dim=-1)[..., :length]
    est_f = torch.fft.rfft(estimate, n=n_fft, dim=-1)
    cross = torch.fft.irfft(ref_f.conj() * est_f, n=n_fft, dim=-1)[..., :length]
    return auto, cross


def _toeplitz(column):
    """Symmetric Toeplitz matrices (..., L, L) from their first columns (..., L)."""
    import torch

    length = column.shape[-1]
    lags = (torch.arange(length)[:, None] - torch.arange(length)[None, :]).abs()
    return column[..., lags]


def _solve_symmetric(system, rhs):
    """Solve the symmetric positive-definite systems ``system @ x = rhs`` (..., L, L), (..., L).

    Batched Cholesky; any system Cholesky rejects is solved alone with LU. (Batched LU,
    ``torch.linalg.solve`` on a stack, fails in torch 2.13's CPU MKL build with 2+ threads.)
    """
    import torch

    factor, info = torch.linalg.cholesky_ex(system)
    solution = torch.cholesky_solve(rhs.unsqueeze(-1), factor).squeeze(-1)
    for index in torch.nonzero(info.reshape(-1)).flatten().tolist():
        position = np.unravel_index(index, tuple(info.shape))
        solution[position] = torch.linalg.solve(system[position], rhs[position])
    return solution


def sdr(estimate, reference, filter_length: int = 512, zero_mean: bool = False,
        load_diag: float | None = None):
    """BSS-Eval SDR (dB) of each row of ``estimate`` (B, T) against ``reference`` (B, T)."""
    import torch

    estimate, reference = estimate.double(), reference.double()
    if zero_mean:
        estimate = estimate - estimate.mean(dim=-1, keepdim=True)
        reference = reference - reference.mean(dim=-1, keepdim=True)
    reference = reference / reference.norm(dim=-1, keepdim=True).clamp(min=1e-6)
    estimate = estimate / estimate.norm(dim=-1, keepdim=True).clamp(min=1e-6)
    auto, cross = _correlations(reference, estimate, filter_length)
    if load_diag is not None:
        auto[..., 0] += load_diag
    solution = _solve_symmetric(_toeplitz(auto), cross)
    coherence = (cross * solution).sum(dim=-1)
    return 10.0 * torch.log10(coherence / (1.0 - coherence))


def si_sdr(estimate, reference, zero_mean: bool = False):
    """Scale-invariant SDR (dB) of each row of ``estimate`` against ``reference`` (float64)."""
    import torch

    estimate, reference = estimate.double(), reference.double()
    eps = torch.finfo(torch.float64).eps
    if zero_mean:
        estimate = estimate - estimate.mean(dim=-1, keepdim=True)
        reference = reference - reference.mean(dim=-1, keepdim=True)
    alpha = ((estimate * reference).sum(-1, keepdim=True) + eps) / ((reference ** 2).sum(-1, keepdim=True) + eps)
    scaled = alpha * reference
    return 10 * torch.log10(((scaled ** 2).sum(-1) + eps) / (((scaled - estimate) ** 2).sum(-1) + eps))


def isr(estimate, reference, filter_length: int = 1024, load_diag: float | None = None):
    """Image-to-spatial distortion ratio (dB): ``||s||^2 / ||P s - s||^2`` (bss_eval_images).

    ``P s`` is the least-squares projection of the estimate on ``filter_length`` delayed copies of
    the (unnormalised) reference; ``load_diag`` defaults to the float64 epsilon, as museval.
    """
    import torch

    estimate, reference = estimate.double(), reference.double()
    auto, cross = _correlations(reference, estimate, filter_length)
    system = _toeplitz(auto)
    diag = torch.finfo(torch.float64).eps if load_diag is None else load_diag
    system = system + diag * torch.eye(filter_length, dtype=system.dtype)
    h = _solve_symmetric(system, cross)
    energy = auto[..., 0]
    # ||P s - s||^2 = h.R h - 2 h.r + ||s||^2 with R h = b and r the autocorrelation column
    spatial = (h * cross).sum(-1) - 2 * (h * auto).sum(-1) + energy
    return 10 * torch.log10(energy / spatial)


def bss_eval_with_interferer(estimate, reference, mixture, filter_length: int = 1024,
                             load_diag: float | None = 1e-7):
    """SDR, SIR, SAR (dB) of the estimate of the target, with ``mixture - target`` as second source.

    fast_bss_eval ``bss_eval_sources`` on torch tensors (its numpy back-end fails under numpy 2),
    run with one torch thread: it solves stacks of systems with batched LU, which fails in
    torch 2.13's CPU (MKL) build when torch uses 2+ threads.
    """
    import fast_bss_eval
    import torch

    estimate, reference, mixture = estimate.double(), reference.double(), mixture.double()
    references = torch.stack([reference, mixture - reference], dim=-2)
    estimates = torch.stack([estimate, mixture - estimate], dim=-2)
    with single_torch_thread():  # item by item: faster than one stacked call on 2 cores
        rows = [fast_bss_eval.bss_eval_sources(references[i], estimates[i], filter_length=filter_length,
                                               load_diag=load_diag, compute_permutation=False)
                for i in range(references.shape[0])]
    return tuple(torch.stack([row[k][0] for row in rows]) for k in range(3))


@contextmanager
def single_torch_thread():
    """Run the block with ``torch.set_num_threads(1)``, restoring the thread count after."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class _WholeExcerptMetric(Metric):
    """Shared batching: stack the items of equal length, NaN for silent inputs."""

    domain = "audio"
    sample_rate = 44100
    inputs = ("estimate", "reference")

    def score(self, batch: Batch) -> np.ndarray:
        import torch

        arrays = mono_inputs(batch, self.inputs)
        if "mixture" in arrays:
            arrays["interferer"] = [m - r for m, r in zip(arrays["mixture"], arrays["reference"])]
        values = np.full(len(batch), np.nan)
        for positions in length_groups(arrays["reference"]).values():
            usable = [p for p in positions
                      if not any(is_silent(arrays[name][p]) for name in self._must_not_be_silent)]
            if not usable:
                continue
            stacked = {name: torch.from_numpy(np.stack([arrays[name][p] for p in usable]))
                       for name in self.inputs}
            with torch.no_grad():
                values[usable] = self._compute(**stacked).double().cpu().numpy()
        return values

    _must_not_be_silent: tuple[str, ...] = ("estimate", "reference")

    def _compute(self, **tensors):
        raise NotImplementedError


@dataclass(frozen=True)
class SDRConfig(MetricConfig):
    filter_length: int = 512
    zero_mean: bool = False
    load_diag: float | None = None


class SDR(_WholeExcerptMetric):
    """BSS-Eval SDR over the whole excerpt (512-tap filter, torchmetrics defaults)."""

    name = "sdr"
    citation = VINCENT_2006
    description = "BSS-Eval SDR over the whole excerpt, 512-tap distortion filter."
    Config = SDRConfig

    def _compute(self, estimate, reference):
        c = self.config
        return sdr(estimate, reference, c.filter_length, c.zero_mean, c.load_diag)


@dataclass(frozen=True)
class SISDRConfig(MetricConfig):
    zero_mean: bool = False


class SISDR(_WholeExcerptMetric):
    """Scale-invariant SDR, zero_mean=False."""

    name = "sisdr"
    citation = LE_ROUX_2019
    description = "Scale-invariant SDR, zero_mean=False."
    Config = SISDRConfig

    def _compute(self, estimate, reference):
        return si_sdr(estimate, reference, self.config.zero_mean)


@dataclass(frozen=True)
class BSSEvalConfig(MetricConfig):
    filter_length: int = 1024
    load_diag: float | None = 1e-7


class _WithInterferer(_WholeExcerptMetric):
    inputs = ("estimate", "reference", "mixture")
    citation = VINCENT_2006 + " " + FAST_BSS_EVAL
    Config = BSSEvalConfig
    _must_not_be_silent = ("estimate", "reference", "interferer")
    _index = 0

    def _compute(self, estimate, reference, mixture):
        c = self.config
        return bss_eval_with_interferer(estimate, reference, mixture, c.filter_length,
                                        c.load_diag)[self._index]


class SIR(_WithInterferer):
    """BSS-Eval SIR of the target with the interferer (mixture - target) as second reference."""

    name = "sir"
    description = "BSS-Eval SIR (1024 taps) with the interferer (mixture - target) as second reference."
    _index = 1


class SAR(_WithInterferer):
    """BSS-Eval SAR of the target with the interferer (mixture - target) as second reference."""

    name = "sar"
    description = "BSS-Eval SAR (1024 taps) with the interferer (mixture - target) as second reference."
    _index = 2


@dataclass(frozen=True)
class ISRConfig(MetricConfig):
    filter_length: int = 1024


class ISR(_WholeExcerptMetric):
    """Image-to-spatial distortion ratio (bss_eval_images), whole excerpt, 1024 taps."""

    name = "isr"
    inputs = ("estimate", "reference", "mixture")
    citation = VINCENT_2006
    description = "BSS-Eval ISR (image-to-spatial distortion, 1024 taps); the mixture is not used."
    Config = ISRConfig

    def _compute(self, estimate, reference, mixture):
        return isr(estimate, reference, self.config.filter_length)
