"""BSS Eval v3 ``bss_eval_images`` of one estimate, whole excerpt: SDR, ISR, SIR, SAR.

Vincent, Gribonval, Fevotte, IEEE TASLP 2006 (BSS Eval v3, images criteria), as
``mir_eval.separation.bss_eval_images`` computes it (Raffel et al., ISMIR 2014) with the
``filter_length`` (mir_eval: 512) time-invariant distortion filters and no regularisation.
References: the target image ``s`` and the interferer ``i = mixture - s``, each of ``C``
channels (``C = 1`` for mono); ``e`` the estimate. With ``P_s`` the least-squares projection on
the ``L`` delayed copies of every channel of ``s`` and ``P`` the one on the delayed copies of
every channel of ``s`` and ``i`` (over the zero-padded support of ``T + L - 1`` samples; each
estimate channel is projected on the same span, so a channel may borrow from another, as
mir_eval's multichannel filters do), summing the energies over channels:

    s_true = s,  e_spat = P_s e - s,  e_interf = P e - P_s e,  e_artif = e - P e
    SDR = 10 log10 ||s||^2 / ||e - s||^2
    ISR = 10 log10 ||s||^2 / ||P_s e - s||^2
    SIR = 10 log10 ||P_s e||^2 / ||P e - P_s e||^2   = c_s / (c - c_s)
    SAR = 10 log10 ||P e||^2 / ||e - P e||^2         = c / (||e||^2 - c)

where ``c = b'G^-1 b`` is the energy of an orthogonal projection (G the Gram matrix of the
delayed copies, b their inner products with ``e``), so the ratios need no projected signal, and
``||P_s e - s||^2 = c_s - 2 <e, s> + ||s||^2``. The Gram matrices are block Toeplitz matrices of
the auto- and cross-correlations, computed with one FFT per signal in float64 and factored once
with Cholesky (torch), batched over the items; linearly dependent channels (dual-mono files, a
panned source) fall back to pivoted Cholesky (:mod:`metaeval.metrics.audio.bss_kernels`).
"""

from __future__ import annotations

from metaeval.metrics.audio.bss_kernels import (
    as_channels,
    gram_system,
    own_products,
    projection_energies,
)


def bss_eval_images_v3(estimate, reference, mixture, filter_length: int = 512):
    """(SDR, ISR, SIR, SAR) in dB of each item of ``estimate`` for the target ``reference`` with
    ``mixture - reference`` as the interfering source; float64 tensors, mono ``(B, T)`` or
    multichannel ``(B, C, T)``."""
    import torch

    e, s = as_channels(estimate), as_channels(reference)
    i = as_channels(mixture) - s
    length = int(filter_length)
    gram, rhs = gram_system(torch.cat([s, i], -2), e, length)
    c_s, c = projection_energies(gram, rhs, s.shape[-2] * length)
    energy_s, energy_e = (s * s).sum(-1), (e * e).sum(-1)
    spatial = c_s - 2 * own_products(rhs, length) + energy_s
    distortion = ((e - s) ** 2).sum(-1)

    def db(num, den):
        return 10 * torch.log10(num.sum(-1) / den.sum(-1))

    return (db(energy_s, distortion), db(energy_s, spatial), db(c_s, c - c_s),
            db(c, energy_e - c))
