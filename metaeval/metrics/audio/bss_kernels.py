"""Numerical kernels of the whole-excerpt BSS-Eval ratios (torch, float64, batched over rows).

See :mod:`metaeval.metrics.audio.bsseval` for the definitions and the configurations they serve.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np


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


def solve_symmetric(system, rhs):
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
    solution = solve_symmetric(_toeplitz(auto), cross)
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
    h = solve_symmetric(system, cross)
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


def image_sdr(estimate, reference):
    """BSS Eval v3 images SDR (dB): ``10 log10(||s||^2 / ||e - s||^2)`` (float64)."""
    import torch

    e, s = estimate.double(), reference.double()
    return 10 * torch.log10((s * s).sum(-1) / ((e - s) ** 2).sum(-1))
