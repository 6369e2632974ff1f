"""Batched torch kernels (float64) of the whole-excerpt images criteria: projections on the
delayed copies of reference signals, ISR and images SDR, mono or multichannel.

A signal is ``(B, T)`` (mono) or ``(B, C, T)`` (``C`` channels of one image). See
:mod:`metaeval.metrics.audio.bsseval` for the definitions and the configurations they serve.
"""

from __future__ import annotations

import math
from contextlib import contextmanager


def as_channels(signal):
    """``signal`` as a float64 tensor ``(B, C, T)``: a mono ``(B, T)`` batch gets ``C = 1``."""
    signal = signal.double()
    return signal.unsqueeze(-2) if signal.dim() == 2 else signal


def _lags(x_f, y_f, n_fft: int, length: int):
    """c[..., L - 1 + t] = sum_n x[n + t] y[n], t = -(L-1) .. L-1, from the spectra of x, y."""
    import torch

    full = torch.fft.irfft(x_f * y_f.conj(), n=n_fft)
    return torch.cat([full[..., n_fft - length + 1:], full[..., :length]], dim=-1)


def gram_system(references, estimate, length: int):
    """Gram matrix of the ``length`` delayed copies of each reference and their inner products
    with each estimate channel.

    ``references`` (B, R, T), ``estimate`` (B, C, T). Returns ``gram`` (B, R L, R L) with
    ``gram[a L + p, b L + q] = <delay_p x_a, delay_q x_b>`` (block Toeplitz, from the linear
    correlations by FFT) and ``rhs`` (B, R L, C) with ``rhs[a L + t, c] = <delay_t x_a, e_c>``.
    """
    import torch

    count, channels = references.shape[-2], estimate.shape[-2]
    n_fft = 2 ** math.ceil(math.log2(references.shape[-1] + length - 1))
    ref_f = torch.fft.rfft(references, n=n_fft)
    est_f = torch.fft.rfft(estimate, n=n_fft)
    index = (torch.arange(length)[None, :] - torch.arange(length)[:, None]) + length - 1
    rows: list[list] = [[None] * count for _ in range(count)]
    for a in range(count):
        for b in range(a, count):
            block = _lags(ref_f[..., a, :], ref_f[..., b, :], n_fft, length)[..., index]
            rows[a][b], rows[b][a] = block, block.transpose(-1, -2)
    gram = torch.cat([torch.cat(row, -1) for row in rows], -2)
    cross = [torch.fft.irfft(est_f * ref_f[..., a:a + 1, :].conj(), n=n_fft)[..., :length]
             for a in range(count)]  # (B, C, L) each: sum_n e_c[n + t] x_a[n]
    rhs = torch.cat([c.transpose(-1, -2) for c in cross], -2)
    return gram, rhs.reshape(*rhs.shape[:-2], count * length, channels)


def projection_energies(gram, rhs, lead: int):
    """``b' G^-1 b`` for each column ``b`` of ``rhs`` (..., N, C): the energy of the estimate
    channel's orthogonal projection on the span of the delayed copies; for the leading ``lead``
    x ``lead`` block and for the whole system.

    One Cholesky ``G = F F'``, ``z = F^-1 b``: the whole system's value is ``||z||^2`` and the
    leading block's ``||z[:lead]||^2`` (the factor's leading block factors the leading block).
    A system Cholesky rejects (linearly dependent references: a channel that repeats, or is a
    scaled or delayed copy of, another, as in dual-mono files or a panned source) is solved by
    pivoted Cholesky (:func:`pseudo_energies`): the projection on the span is still defined.
    """
    import torch

    factor, info = torch.linalg.cholesky_ex(gram)
    z = torch.linalg.solve_triangular(factor, rhs, upper=False)
    head, whole = (z[..., :lead, :] ** 2).sum(-2), (z ** 2).sum(-2)
    for flat in torch.nonzero(info.reshape(-1)).flatten().tolist():
        g, b = gram.reshape(-1, *gram.shape[-2:])[flat], rhs.reshape(-1, *rhs.shape[-2:])[flat]
        head.reshape(-1, head.shape[-1])[flat] = pseudo_energies(g[:lead, :lead], b[:lead])
        whole.reshape(-1, whole.shape[-1])[flat] = pseudo_energies(g, b)
    return head, whole


def pseudo_energies(gram, rhs):
    """``b' G^+ b`` per column of ``rhs`` for a positive semi-definite ``gram``: LAPACK's pivoted
    Cholesky (``dpstrf``, ``P' G P = F F'``, rank ``r`` at its default tolerance ``N eps
    max(diag G)``) and ``||F_r^-1 (P' b)_r||^2``, the projection on the span of the ``r``
    pivoted copies."""
    import scipy.linalg
    import torch

    factor, pivots, rank, _info = scipy.linalg.lapack.dpstrf(gram.cpu().numpy(), lower=1)
    chosen = pivots[:rank] - 1
    z = scipy.linalg.solve_triangular(factor[:rank, :rank], rhs.cpu().numpy()[chosen], lower=True)
    return torch.from_numpy((z ** 2).sum(0)).to(rhs)


def own_products(rhs, length: int):
    """``<e_c, x_c>`` (B, C) from ``rhs`` (B, R L, C): each estimate channel's inner product
    with the undelayed reference channel of the same index."""
    import torch

    channels = torch.arange(rhs.shape[-1])
    return rhs[..., channels * length, channels]


def isr(estimate, reference, filter_length: int = 1024, load_diag: float | None = None):
    """Image-to-spatial distortion ratio (dB): ``sum_c ||s_c||^2 / sum_c ||P s_c - s_c||^2``
    (bss_eval_images).

    ``P e_c`` is the least-squares projection of estimate channel ``c`` on the ``filter_length``
    delayed copies of every (unnormalised) reference channel, ``||P e_c - s_c||^2 = b'G^-1 b
    - 2 <e_c, s_c> + ||s_c||^2`` (``s_c`` lies in the span). ``load_diag`` on the Gram diagonal
    defaults to the float64 epsilon, as museval. Mono ``(B, T)`` or multichannel ``(B, C, T)``.
    """
    import torch

    e, s = as_channels(estimate), as_channels(reference)
    gram, rhs = gram_system(s, e, filter_length)
    diag = torch.finfo(torch.float64).eps if load_diag is None else load_diag
    gram = gram + diag * torch.eye(gram.shape[-1], dtype=gram.dtype)
    projected = projection_energies(gram, rhs, gram.shape[-1])[1]
    energy = (s * s).sum(-1)
    spatial = projected - 2 * own_products(rhs, filter_length) + energy
    return 10 * torch.log10(energy.sum(-1) / spatial.sum(-1))


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
    """BSS Eval v3 images SDR (dB): ``10 log10(||s||^2 / ||e - s||^2)``, the norms over every
    channel and sample (float64; mono ``(B, T)`` or multichannel ``(B, C, T)``)."""
    import torch

    e, s = estimate.double().flatten(1), reference.double().flatten(1)
    return 10 * torch.log10((s * s).sum(-1) / ((e - s) ** 2).sum(-1))
