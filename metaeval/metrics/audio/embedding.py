"""Embedding distances of the GSVS study: ``emb_mse`` and ``fad_song2song`` (lower is better).

Both compare the frame embeddings ``E_ref [T_r, D]`` of the reference and ``E_est [T_e, D]`` of
the estimate from one encoder (MERT, Music2Latent or CLAP, see `encoders`):

- ``emb_mse = mean_{t < T, d} (E_ref[t, d] - E_est[t, d])^2`` over time-aligned frames,
  ``T = min(T_r, T_e)`` (no pooling).
- ``fad_song2song = ||mu_r - mu_e||^2 + Tr(S_r + S_e - 2 (S_r S_e)^{1/2})``: the Frechet distance
  between Gaussians fitted to the frames of the reference and of the estimate (per item; means
  and unbiased covariances, ``np.cov`` with ``ddof=1``, as fadtk's ``calc_embd_statistics``).

As in the study's fadtk pipeline (Bereuter et al., WASPAA 2025; github.com/pablebe/gensvs_eval,
``fadtk_mod/fad_mod.py``: ``mse_song2song``, ``score_song2song``), embeddings are rounded to
float16 before the distances (fadtk caches them as float16); ``float16_embeddings=False`` turns
that off.

Fewer frames than dimensions (the usual case: 5 s gives 375 MERT frames for 768 dims, ~54
Music2Latent frames for 64 dims, 5 CLAP windows for 512 dims) makes both covariances singular
(rank <= T - 1): the Frechet distance between these degenerate Gaussians is still defined and is
what the study reports. ``Tr (S_r S_e)^{1/2}`` is computed as the sum of the square roots of the
eigenvalues of the symmetric PSD matrix ``S_r^{1/2} S_e S_r^{1/2}`` (same spectrum as
``S_r S_e``), which stays real and stable for singular covariances; ``matrix_sqrt="scipy"`` uses
``scipy.linalg.sqrtm(S_r S_e)`` (real part) instead, which can be inaccurate there. With fewer
than 2 frames the covariance is undefined and the FAD is NaN. Tiny negative results from rounding
are clipped to 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from metaeval.citations import GSVS_2025
from metaeval.errors import MetricError
from metaeval.metrics.audio.encoders import (
    CLAP_DEFAULT,
    MERT_DEFAULT,
    FrameEncoder,
    shared_encoder,
)
from metaeval.metrics.base import Batch, Metric, MetricConfig, option
from metaeval.metrics.valid import at_least, greater_than, one_of

MERT_2024 = ("Y. Li et al., MERT: Acoustic Music Understanding Model with Large-Scale "
             "Self-supervised Training, ICLR 2024.")
M2L_2024 = ("M. Pasini, S. Lattner, G. Fazekas, Music2Latent: Consistency Autoencoders for Latent "
            "Audio Compression, ISMIR 2024.")
CLAP_2023 = ("Y. Wu et al., Large-scale Contrastive Language-Audio Pretraining with Feature Fusion "
             "and Keyword-to-Caption Augmentation, ICASSP 2023.")
FAD_2019 = ("K. Kilgour, M. Zuluaga, D. Roblek, M. Sharifi, Frechet Audio Distance: A Reference-free "
            "Metric for Evaluating Music Enhancement Algorithms, Interspeech 2019.")
MATRIX_SQRT = ("eigh", "scipy")


def embedding_mse(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Mean squared difference of time-aligned frames, truncated to the shorter sequence."""
    reference, estimate = np.asarray(reference, float), np.asarray(estimate, float)
    if reference.ndim != 2 or estimate.ndim != 2 or reference.shape[1] != estimate.shape[1]:
        raise MetricError(f"embeddings must be [frames, dims] with equal dims, got "
                          f"{reference.shape} and {estimate.shape}.")
    frames = min(len(reference), len(estimate))
    if frames == 0:
        return float("nan")
    return float(np.mean((reference[:frames] - estimate[:frames]) ** 2))


def gaussian_stats(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased covariance (``ddof=1``) of frames ``[T, D]``."""
    embeddings = np.asarray(embeddings, float)
    return embeddings.mean(axis=0), np.atleast_2d(np.cov(embeddings, rowvar=False))


def _psd_eigenvalues(values: np.ndarray) -> np.ndarray:
    """Eigenvalues of a PSD matrix with rounding noise set to 0.

    ``eigh`` returns the zero eigenvalues of a rank-deficient covariance (fewer frames than dims)
    as noise of size ``eps * max|lambda|``; their square roots (~1e-8) would each add a spurious
    term to ``Tr sqrt``. Values below ``n * eps * max|lambda|`` (numpy's ``matrix_rank`` rule) are
    zero, as are negative ones.
    """
    tolerance = len(values) * np.finfo(float).eps * np.max(np.abs(values), initial=0.0)
    return np.where(values > tolerance, values, 0.0)


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(_psd_eigenvalues(values))) @ vectors.T


def trace_sqrt_product(cov1: np.ndarray, cov2: np.ndarray, method: str = "eigh") -> float:
    """``Tr (cov1 cov2)^{1/2}`` for PSD covariances."""
    if method == "eigh":
        root = _psd_sqrt(cov1)
        inner = root @ cov2 @ root
        values = np.linalg.eigvalsh((inner + inner.T) / 2)
        return float(np.sum(np.sqrt(_psd_eigenvalues(values))))
    if method == "scipy":
        from scipy import linalg

        return float(np.trace(np.real(linalg.sqrtm(cov1 @ cov2))))
    raise MetricError(f"unknown matrix_sqrt {method!r}. Fix: choose from {', '.join(MATRIX_SQRT)}.")


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray,
                     method: str = "eigh") -> float:
    """``||mu1 - mu2||^2 + Tr(cov1 + cov2 - 2 (cov1 cov2)^{1/2})`` (Frechet / 2-Wasserstein)."""
    mu1, mu2 = np.atleast_1d(mu1).astype(float), np.atleast_1d(mu2).astype(float)
    cov1, cov2 = np.atleast_2d(cov1).astype(float), np.atleast_2d(cov2).astype(float)
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape:
        raise MetricError(f"Gaussians of different dimension: {mu1.shape} vs {mu2.shape}.")
    diff = mu1 - mu2
    value = (diff @ diff + np.trace(cov1) + np.trace(cov2)
             - 2.0 * trace_sqrt_product(cov1, cov2, method))
    return max(float(value), 0.0)


def frechet_audio_distance(reference: np.ndarray, estimate: np.ndarray,
                           method: str = "eigh") -> float:
    """FAD between Gaussians fitted to two frame sets; NaN when either has fewer than 2 frames."""
    reference, estimate = np.asarray(reference, float), np.asarray(estimate, float)
    if reference.ndim != 2 or estimate.ndim != 2 or reference.shape[1] != estimate.shape[1]:
        raise MetricError(f"embeddings must be [frames, dims] with equal dims, got "
                          f"{reference.shape} and {estimate.shape}.")
    if len(reference) < 2 or len(estimate) < 2:
        return float("nan")
    return frechet_distance(*gaussian_stats(reference), *gaussian_stats(estimate), method=method)


@dataclass(frozen=True)
class MertConfig(MetricConfig):
    model: str = option(MERT_DEFAULT, "hub name or local directory of the MERT checkpoint")
    layer: int = option(12, "index into the 13 stacked hidden states (0 = CNN projection)",
                        at_least(0))
    float16_embeddings: bool = option(True, "round embeddings to float16 first (as fadtk caches)")
    matrix_sqrt: str = option("eigh", "Tr sqrt(S_r S_e) by eigh (stable) or scipy (sqrtm)",
                              one_of(*MATRIX_SQRT))


@dataclass(frozen=True)
class Music2LatentConfig(MetricConfig):
    checkpoint: str = option("", "local checkpoint path; empty: the package's music2latent.pt")
    float16_embeddings: bool = option(True, "round embeddings to float16 first (as fadtk caches)")
    matrix_sqrt: str = option("eigh", "Tr sqrt(S_r S_e) by eigh (stable) or scipy (sqrtm)",
                              one_of(*MATRIX_SQRT))


@dataclass(frozen=True)
class ClapConfig(MetricConfig):
    model: str = option(CLAP_DEFAULT, "hub name (e.g. laion/larger_clap_music) or local directory")
    window_s: float = option(10.0, "window length in seconds (fadtk CLAP: 10 s)", greater_than(0))
    hop_s: float = option(1.0, "hop between windows in seconds", greater_than(0))
    quantize_int16: bool = option(True, "quantise the waveform to int16 and back (as fadtk)")
    float16_embeddings: bool = option(True, "round embeddings to float16 first (as fadtk caches)")
    matrix_sqrt: str = option("eigh", "Tr sqrt(S_r S_e) by eigh (stable) or scipy (sqrtm)",
                              one_of(*MATRIX_SQRT))


class EmbeddingMetric(Metric):
    """Shared scoring loop: embed reference and estimate, then :meth:`distance`.

    The encoder is built from the config (shared per process, see `shared_encoder`); an
    ``encoder=`` passed in replaces it (tests, custom models) and is not part of the config hash.
    """

    domain = "audio"
    inputs = ("estimate", "reference")
    higher_is_better = False
    encoder_kind: ClassVar[str]
    encoder_fields: ClassVar[tuple[str, ...]]

    def __init__(self, config: Any | None = None, device: str = "cpu", *,
                 encoder: FrameEncoder | None = None, **overrides: Any):
        super().__init__(config, device, **overrides)
        self._encoder = encoder

    @property
    def encoder(self) -> FrameEncoder:
        if self._encoder is None:
            settings = {k: v for k, v in asdict(self.config).items() if k in self.encoder_fields}
            self._encoder = shared_encoder(self.encoder_kind, self.device, **settings)
        return self._encoder

    def embed(self, audio: Any) -> np.ndarray:
        embeddings = self.encoder.embed(audio)
        if self.config.float16_embeddings:
            embeddings = embeddings.astype(np.float16)
        return embeddings.astype(np.float64)

    def distance(self, reference: np.ndarray, estimate: np.ndarray) -> float:
        raise NotImplementedError

    def score(self, batch: Batch) -> np.ndarray:
        if batch.sample_rate is not None and batch.sample_rate != self.sample_rate:
            raise MetricError(f"{self.name} needs audio at {self.sample_rate} Hz, got "
                              f"{batch.sample_rate} Hz. Fix: resample before scoring.")
        return np.array([self.distance(self.embed(ref), self.embed(est))
                         for ref, est in zip(batch["reference"], batch["estimate"])], dtype=float)


class _MSE:
    description = "MSE of time-aligned frame embeddings (truncated to the shorter; no pooling)."

    def distance(self, reference: np.ndarray, estimate: np.ndarray) -> float:
        return embedding_mse(reference, estimate)


class _FAD:
    description = "Frechet distance between Gaussians of the reference and estimate frames."

    def distance(self, reference: np.ndarray, estimate: np.ndarray) -> float:
        return frechet_audio_distance(reference, estimate, self.config.matrix_sqrt)


class _Mert(EmbeddingMetric):
    sample_rate = 24000
    backends = ("numpy", "scipy", "torch", "transformers")
    Config = MertConfig
    encoder_kind = "mert"
    encoder_fields = ("model", "layer")


class _Music2Latent(EmbeddingMetric):
    sample_rate = 44100
    backends = ("music2latent", "numpy", "scipy", "torch")
    Config = Music2LatentConfig
    encoder_kind = "music2latent"
    encoder_fields = ("checkpoint",)


class _Clap(EmbeddingMetric):
    sample_rate = 48000
    backends = ("numpy", "scipy", "torch", "transformers")
    Config = ClapConfig
    encoder_kind = "clap"
    encoder_fields = ("model", "window_s", "hop_s", "quantize_int16")


class EmbeddingMSEMert(_MSE, _Mert):
    name = "emb_mse_mert"
    citation = f"{GSVS_2025} {MERT_2024}"


class FADMert(_FAD, _Mert):
    name = "fad_song2song_mert"
    citation = f"{GSVS_2025} {MERT_2024} {FAD_2019}"


class EmbeddingMSEMusic2Latent(_MSE, _Music2Latent):
    name = "emb_mse_music2latent"
    citation = f"{GSVS_2025} {M2L_2024}"


class FADMusic2Latent(_FAD, _Music2Latent):
    name = "fad_song2song_music2latent"
    citation = f"{GSVS_2025} {M2L_2024} {FAD_2019}"


class EmbeddingMSEClap(_MSE, _Clap):
    name = "emb_mse_clap"
    citation = f"{GSVS_2025} {CLAP_2023}"


class FADClap(_FAD, _Clap):
    name = "fad_song2song_clap"
    citation = f"{GSVS_2025} {CLAP_2023} {FAD_2019}"
