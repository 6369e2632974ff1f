"""BSS Eval v3 ``bss_eval_images`` of one estimate, whole excerpt: SDR, ISR, SIR, SAR.

Vincent, Gribonval, Fevotte, IEEE TASLP 2006 (BSS Eval v3, images criteria), as
``mir_eval.separation.bss_eval_images`` computes it (Raffel et al., ISMIR 2014) with the
``filter_length`` (mir_eval: 512) time-invariant distortion filters and no regularisation.
References: the target ``s`` and the interferer ``i = mixture - s``; ``e`` the estimate. With
``P_s`` the least-squares projection on the ``L`` delayed copies of ``s`` and ``P`` the one on
the delayed copies of ``s`` and ``i`` (over the zero-padded support of ``T + L - 1`` samples):

    s_true = s,  e_spat = P_s e - s,  e_interf = P e - P_s e,  e_artif = e - P e
    SDR = 10 log10 ||s||^2 / ||e - s||^2
    ISR = 10 log10 ||s||^2 / ||P_s e - s||^2
    SIR = 10 log10 ||P_s e||^2 / ||P e - P_s e||^2   = c_s / (c - c_s)
    SAR = 10 log10 ||P e||^2 / ||e - P e||^2         = c / (||e||^2 - c)

where ``c = h.b`` is the energy of an orthogonal projection (``R h = b``: R the Gram matrix of
the delayed copies, b their inner products with ``e``), so the ratios need no projected signal.
The Gram matrices are block Toeplitz matrices of the auto- and cross-correlations, computed with
one FFT per signal in float64 and solved with Cholesky (torch), batched over the items.
"""

from __future__ import annotations

import math

from metaeval.metrics.audio.bss_kernels import solve_symmetric


def _lagged(x, y, n_fft: int, length: int):
    """c[..., L - 1 + t] = sum_n x[n + t] y[n] for t = -(L-1) .. L-1 (linear correlation)."""
    import torch

    full = torch.fft.irfft(torch.fft.rfft(x, n=n_fft) * torch.fft.rfft(y, n=n_fft).conj(),
                           n=n_fft)
    return torch.cat([full[..., n_fft - length + 1:], full[..., :length]], dim=-1)


def _toeplitz_block(lagged, length: int):
    """G[a, b] = <delay_a x, delay_b y> = r_xy(b - a), from the lagged correlations r_xy."""
    import torch

    index = (torch.arange(length)[None, :] - torch.arange(length)[:, None]) + length - 1
    return lagged[..., index]


def bss_eval_images_v3(estimate, reference, mixture, filter_length: int = 512):
    """(SDR, ISR, SIR, SAR) in dB of each row of ``estimate`` (B, T) for the target
    ``reference`` with ``mixture - reference`` as the interfering source; float64 tensors."""
    import torch

    e, s = estimate.double(), reference.double()
    i = mixture.double() - s
    length = int(filter_length)
    n_fft = 2 ** math.ceil(math.log2(s.shape[-1] + length - 1))
    r_ss, r_ii, r_si = _lagged(s, s, n_fft, length), _lagged(i, i, n_fft, length), \
        _lagged(s, i, n_fft, length)
    # b[t] = <delay_t x, e> = sum_n e[n + t] x[n], t = 0 .. L-1
    b_s = _lagged(e, s, n_fft, length)[..., length - 1:]
    b_i = _lagged(e, i, n_fft, length)[..., length - 1:]
    g_ss, g_ii = _toeplitz_block(r_ss, length), _toeplitz_block(r_ii, length)
    g_si = _toeplitz_block(r_si, length)
    gram = torch.cat([torch.cat([g_ss, g_si], -1), torch.cat([g_si.transpose(-1, -2), g_ii], -1)],
                     -2)
    b = torch.cat([b_s, b_i], -1)
    h_s = solve_symmetric(g_ss, b_s)
    h = solve_symmetric(gram, b)
    c_s, c = (h_s * b_s).sum(-1), (h * b).sum(-1)
    energy_s, energy_e = (s * s).sum(-1), (e * e).sum(-1)
    spatial = c_s - 2 * (h_s * r_ss[..., length - 1:]).sum(-1) + energy_s
    distortion = ((e - s) ** 2).sum(-1)

    def db(num, den):
        return 10 * torch.log10(num / den)

    return db(energy_s, distortion), db(energy_s, spatial), db(c_s, c - c_s), db(c, energy_e - c)
