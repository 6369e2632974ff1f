"""Per-item float64 kernels (numpy/scipy) of the whole-excerpt SDR, SI-SDR, SIR and SAR.

One item at a time: the working set (a few MB) stays in cache, where a batch of 60 five-second
items in float64 (100+ MB per temporary) is bound by memory traffic. Definitions as in
:mod:`metaeval.metrics.audio.bsseval`. Correlations use FFTs of ``next_fast_len(T + L - 1)``
points, the shortest length whose circular correlation equals the linear one at every lag
``|k| < L`` (torchmetrics and fast_bss_eval use ``2^ceil(log2(2T - 1))``; the values agree to
rounding).
"""

from __future__ import annotations

import numpy as np

from metaeval.metrics.audio.bss_kernels import single_torch_thread

UNIT_NORM_FLOOR = 1e-6  # torchmetrics / fast_bss_eval: x / max(||x||, 1e-6)


def _float64(x, zero_mean: bool = False) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x - x.mean() if zero_mean else x


def unit_norm(x: np.ndarray) -> np.ndarray:
    """``x / max(||x||_2, 1e-6)`` (float64)."""
    return x / max(float(np.sqrt(_dot(x, x))), UNIT_NORM_FLOOR)


def _dot(x: np.ndarray, y: np.ndarray) -> float:
    """``<x, y>`` by numpy's own loop (BLAS ``ddot`` is threaded: no gain next to the FFTs)."""
    return float(np.einsum("i,i->", x, y))


def si_sdr_item(estimate, reference, zero_mean: bool = False) -> float:
    """SI-SDR (dB) of one item; see :func:`si_sdr_items`."""
    return si_sdr_items([estimate], [reference], zero_mean)[0]


def si_sdr_items(estimates, references, zero_mean: bool = False) -> list[float]:
    """SI-SDR (dB), Le Roux et al. 2019, as torchmetrics (float64, eps = machine epsilon):

    ``a = (<e,r> + eps) / (<r,r> + eps)``, ``10 log10((||a r||^2 + eps) / (||a r - e||^2 + eps))``.
    A ``(channels, samples)`` item is scored on its concatenated channels (one scale ``a``, the
    inner products over every channel and sample: torchmetrics' SA-SDR with channels for
    speakers); ``zero_mean`` subtracts each channel's mean. The float64 copies go into buffers
    reused across the items of one shape.
    """
    buffers: dict[tuple[int, ...], np.ndarray] = {}
    values = []
    for estimate, reference in zip(estimates, references):
        shape = np.shape(reference)
        e, r, residual = buffers.setdefault(shape, np.empty((3, *shape)))
        e[...], r[...] = estimate, reference
        if zero_mean:
            e -= e.mean(-1, keepdims=True)
            r -= r.mean(-1, keepdims=True)
        values.append(_si_sdr(e.reshape(-1), r.reshape(-1), residual.reshape(-1)))
    return values


def _si_sdr(e: np.ndarray, r: np.ndarray, residual: np.ndarray) -> float:
    eps = np.finfo(np.float64).eps
    energy = float(r @ r)
    alpha = (float(e @ r) + eps) / (energy + eps)
    np.multiply(r, alpha, out=residual)
    residual -= e
    return float(10 * np.log10((alpha * alpha * energy + eps) / (float(residual @ residual) + eps)))


def _spectra(signals, taps: int) -> tuple[list[np.ndarray], int]:
    import scipy.fft

    n_fft = scipy.fft.next_fast_len(signals[0].size + taps - 1, real=True)
    return [scipy.fft.rfft(x, n_fft) for x in signals], n_fft


def _correlation(x_f: np.ndarray, y_f: np.ndarray, n_fft: int) -> np.ndarray:
    """``c[k] = sum_t x(t) y(t + k)`` at every lag (negative lags at the end), from spectra."""
    import scipy.fft

    if x_f is y_f:
        return scipy.fft.irfft(x_f.real ** 2 + x_f.imag ** 2, n_fft)
    return scipy.fft.irfft(x_f.conj() * y_f, n_fft)


def _coherences(system: np.ndarray, rhs: np.ndarray, lead: int) -> tuple[float, float]:
    """``b' A^-1 b`` of the leading ``lead`` x ``lead`` block and of the whole system.

    Cholesky ``A = C C'``, ``z = C^-1 b``: ``b' A^-1 b = ||z||^2``, and the leading block's value
    is ``||z[:lead]||^2`` (the factor's leading block is the leading block's factor). A system
    Cholesky rejects is solved with LU. torch (LAPACK) on one thread, as the reference loop
    runs fast_bss_eval: a multi-threaded factorisation of one small system gains little and
    stalls when the cores are shared.
    """
    import torch

    a, b = torch.from_numpy(system), torch.from_numpy(rhs)
    with single_torch_thread():
        factor, info = torch.linalg.cholesky_ex(a)
        if int(info) == 0:
            z = torch.linalg.solve_triangular(factor, b[:, None], upper=False)[:, 0]
            return float(z[:lead] @ z[:lead]), float(z @ z)
        head = b[:lead] @ torch.linalg.solve(a[:lead, :lead], b[:lead])
        return float(head), float(b @ torch.linalg.solve(a, b))


def _toeplitz(correlation: np.ndarray, length: int) -> np.ndarray:
    """``T[a, b] = c[a - b]`` for ``a, b < length`` (negative lags read from the end of ``c``)."""
    lags = np.arange(length)[:, None] - np.arange(length)[None, :]
    return correlation[lags % correlation.size]


def sdr_item(estimate, reference, filter_length: int = 512, zero_mean: bool = False,
             load_diag: float | None = None) -> float:
    """SDR (dB) as torchmetrics ``signal_distortion_ratio``: unit-norm signals, ``R h = b``,
    ``c = b.h``, ``10 log10(c / (1 - c))`` (R: Toeplitz autocorrelation, b: cross-correlation)."""
    r = unit_norm(_float64(reference, zero_mean))
    e = unit_norm(_float64(estimate, zero_mean))
    (r_f, e_f), n_fft = _spectra((r, e), filter_length)
    auto = _correlation(r_f, r_f, n_fft)[:filter_length]
    cross = _correlation(r_f, e_f, n_fft)[:filter_length]
    if load_diag is not None:
        auto[0] += load_diag
    coherence = _coherences(_toeplitz(auto, filter_length), cross, filter_length)[0]
    coherence = np.float64(min(coherence, 1.0))  # a rounding excess over 1: a perfect copy, +inf
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(10 * np.log10(coherence / (1 - coherence)))


def _ratio_db(coherence: float) -> float:
    """fast_bss_eval's ``-10 log10((1 - c) / c)`` with ``c`` clamped to [0, 1]."""
    c = np.clip(np.float64(coherence), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        return float(-10 * np.log10((1 - c) / c))


def sir_sar_item(estimate, reference, mixture, filter_length: int = 1024,
                 load_diag: float | None = 1e-7) -> tuple[float, float, float]:
    """SDR, SIR, SAR (dB) of the target as fast_bss_eval ``bss_eval_sources`` (Scheibler 2022).

    References: the target ``s`` and the interferer ``i = mixture - s``, each scaled to unit
    norm, as the estimate ``e``. ``G`` is the Gram matrix of the ``L`` delayed copies of ``s`` then
    of ``i`` (block Toeplitz from the correlations, ``load_diag`` on its diagonal), ``b`` their
    correlations with ``e``. ``c_sdr = b_s' G_ss^-1 b_s``, ``c_sar = b' G^-1 b``,
    ``c_sir = c_sdr / c_sar``; each ratio is ``10 log10(c / (1 - c))``. The second estimate
    (``mixture - e``) fast_bss_eval also scores does not enter the target's values.
    """
    s = _float64(reference)
    i = unit_norm(_float64(mixture) - s)
    s, e = unit_norm(s), unit_norm(_float64(estimate))
    (s_f, i_f, e_f), n_fft = _spectra((s, i, e), filter_length)
    length = filter_length
    system = np.empty((2 * length, 2 * length))
    system[:length, :length] = _toeplitz(_correlation(s_f, s_f, n_fft), length)
    system[length:, length:] = _toeplitz(_correlation(i_f, i_f, n_fft), length)
    system[:length, length:] = _toeplitz(_correlation(s_f, i_f, n_fft), length)
    system[length:, :length] = system[:length, length:].T
    if load_diag is not None:
        system[np.diag_indices(2 * length)] += load_diag
    rhs = np.concatenate([_correlation(s_f, e_f, n_fft)[:length], _correlation(i_f, e_f, n_fft)[:length]])
    coh_sdr, coh_sar = _coherences(system, rhs, length)
    return _ratio_db(coh_sdr), _ratio_db(coh_sdr / coh_sar), _ratio_db(coh_sar)
