"""Batched torch kernels (float64) of the whole-excerpt ISR and images SDR, and a symmetric solver.

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
