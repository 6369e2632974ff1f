"""Soft pairwise accuracy (SPA) of system rankings (Thompson, Mathur, Deutsch & Finkelstein 2024,
"Improving Statistical Significance in Human Evaluation of Automatic Metrics via Soft Pairwise
Accuracy", arXiv 2409.09598; google-research/mt-metrics-eval ``pce.py`` at 68a481a).

For every pair of systems (i < j), a paired permutation test of "system i is better than system
j" on the segment scores gives a p-value; SPA = 1 - mean over the pairs of |p_human - p_metric|.
MTME's test (``compute_pairwise_p_values``), transcribed exactly (float32 throughout):

- one sign matrix T (P x I) of +-1 from ``default_rng(seed).random((P, I), float32)`` rounded
  (``np.rint``), times 2, minus 1; the SAME matrix (seed 4, P = 1000) for human and metric;
- sums = x.sum(-1) and partial = T @ x^T over the float32 scores x (S x I), each matrix first
  multiplied by a power of two (:func:`scaled_matrices`: the same bits at ordinary scales, no
  float32 overflow or flush to zero at others);
- p[i, j] = #{rows: partial[:, i] - partial[:, j] >= sums[i] - sums[j]} / P.

Missing cells (NaN gold or metric): MTME drops the gold-missing cells of the flattened matrix
and reshapes to (S, -1), which misaligns segments when systems miss different ones. Here each
system pair is compared on the segments both systems have: when every system misses the same
segments (the common case) this is MTME's computation on the kept columns (one sign matrix of
that width); otherwise the sign matrix is that of the union of the systems' segments, each pair
counting only the segments it shares (:mod:`metaeval.stats.spaholes`: one product per matrix
and a correction over the few segments some system misses), and the result says so
(:attr:`SoftPairwiseAccuracy.note`). Systems with no valid cell, and pairs that share no
segment, are left out of the mean.

Vectorised over leading (batch) axes: one batched matrix product per block of matrices of one
width (MTME's product for each matrix, so that the rounding is MTME's); the sign matrices are
cached per (P, width, seed); gold p-values are computed once when gold is shared by the whole
batch.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from metaeval.errors import ParameterError, StatsError
from metaeval.stats.flagcount import flag_buffer, flag_counts
from metaeval.stats.grouping import check_level
from metaeval.stats.scaling import unit_scale
from metaeval.stats.spaholes import holed_pvalues

PERMUTATIONS = 1000
SEED = 4
PATTERN_NOTE = ("SPA: systems miss different segments, so each system pair was compared on the "
                "segments both systems have (the signs of one sign matrix over all segments); "
                "MTME would misalign segments here.")
_CHUNK_CELLS = 1 << 22  # float32 cells of partial sums held at once
_CACHE_CELLS = 1 << 17  # float32 cells per block when counting (fits a core's cache)


@lru_cache(maxsize=16)
def sign_matrix(permutations: int, width: int, seed: int = SEED) -> np.ndarray:
    """MTME's (P, width) float32 matrix of +-1 (``two_m_minus_one``), read-only and cached."""
    rng = np.random.default_rng(seed)
    signs = rng.random(size=(permutations, width), dtype=np.float32)
    np.rint(signs, out=signs, casting="same_kind")
    signs *= 2.0
    signs -= 1.0
    signs.setflags(write=False)
    return signs


def _check(permutations, seed) -> tuple[int, int]:
    if int(permutations) != permutations or permutations < 1:
        raise ParameterError("permutations", permutations,
                             "the number of SPA permutations must be a positive integer.")
    return int(permutations), int(seed)


def exceedance_counts(partial_t: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """#{p: partial_t[..., i, p] - partial_t[..., j, p] >= sums[..., i] - sums[..., j]} for
    every pair i < j (``np.triu_indices`` order): (..., S, P) float32, (..., S) -> (..., pairs).

    The differences and the comparison are MTME's float32 operations, so counts are exact. The
    matrices go through in cache-sized blocks."""
    *batch, S, P = partial_t.shape
    x, sm = partial_t.reshape(-1, S, P), sums.reshape(-1, S)
    out = np.empty((x.shape[0], S * (S - 1) // 2), np.int64)
    step = max(1, _CACHE_CELLS // max(1, S * P))
    buf = np.empty((min(step, x.shape[0]), S, P), np.float32)
    flags = flag_buffer(min(step, x.shape[0]), S, P)
    for start in range(0, x.shape[0], step):
        xb, sb = x[start:start + step], sm[start:start + step]
        b, pos = len(xb), 0
        for i in range(S - 1):
            null = np.subtract(xb[:, i:i + 1], xb[:, i + 1:], out=buf[:b, :S - 1 - i])
            test = (sb[:, i:i + 1] - sb[:, i + 1:])[..., None]
            np.greater_equal(null, test, out=flags[:b, :S - 1 - i, :P])
            out[start:start + b, pos:pos + S - 1 - i] = flag_counts(flags[:b, :S - 1 - i])
            pos += S - 1 - i
    return out.reshape(tuple(batch) + (out.shape[-1],))


def _upper_pvalues(x: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """p-values of every pair i < j of complete (n, S, w) matrices: (n, pairs), float64.

    One product T @ x^T per matrix, in MTME's shapes and orientation: BLAS picks its kernels
    (and so the rounding of the partial sums) by shape, and a permuted difference that equals
    the observed one in exact arithmetic (common with scores on a grid) is decided by that
    rounding. A stacked product x @ T^T is faster but can round differently."""
    n, S, w = x.shape
    P = signs.shape[0]
    step = max(1, _CHUNK_CELLS // max(1, P * S))
    out = np.empty((n, S * (S - 1) // 2))
    for start in range(0, n, step):
        x32 = np.ascontiguousarray(x[start:start + step], dtype=np.float32)
        sums = x32.sum(-1)  # MTME: np.sum(seg_scores, axis=1) in float32
        partial = np.matmul(signs, np.swapaxes(x32, -1, -2))  # (b, P, S): MTME's product
        partial_t = np.ascontiguousarray(np.swapaxes(partial, -1, -2))
        out[start:start + step] = exceedance_counts(partial_t, sums) / P
    return out


def pairwise_pvalues(scores, permutations: int = PERMUTATIONS, seed: int = SEED) -> np.ndarray:
    """MTME's ``compute_pairwise_p_values`` for complete (..., S, I) score matrices.

    Returns (..., S, S) float64: p[..., i, j] (i < j) = the share of the sign-matrix rows whose
    permuted difference of sums is at least the observed one (the p-value of "system i is better
    than system j"); NaN on and below the diagonal. Equal to MTME bit for bit.
    """
    permutations, seed = _check(permutations, seed)
    scores = np.asarray(scores, float)
    if scores.ndim < 2:
        raise StatsError(f"pairwise_pvalues takes (..., systems, items) scores; got shape "
                         f"{scores.shape}.")
    if not np.isfinite(scores).all():
        raise StatsError("pairwise_pvalues needs complete score matrices; "
                         "soft_pairwise_accuracy handles missing cells.")
    *batch, S, n_items = scores.shape
    flat = unit_scale(scores.reshape((-1, S, n_items)), (-2, -1))
    upper = _upper_pvalues(flat, sign_matrix(permutations, n_items, seed))
    out = np.full((flat.shape[0], S, S), np.nan)
    i, j = np.triu_indices(S, 1)
    out[:, i, j] = upper
    return out.reshape(tuple(batch) + (S, S))


def _common_pattern(x: np.ndarray, valid: np.ndarray, union: np.ndarray, permutations: int,
                    seed: int) -> np.ndarray:
    """Pair p-values of (n, S, I) matrices whose systems share one pattern (``union``, (n, I));
    a matrix with systems that have no valid cell is computed on the others only (as MTME,
    which never sees them), its pairs with them NaN."""
    n, S, n_items = x.shape
    out = np.full((n, S * (S - 1) // 2), np.nan)
    x = np.where(valid, x, 0.0)
    present = valid.any(-1)
    full = present.all(-1)
    widths = union.sum(-1)
    for w in np.unique(widths[full]):
        rows = np.flatnonzero(full & (widths == w))
        if w == n_items:
            out[rows] = _upper_pvalues(x[rows], sign_matrix(permutations, n_items, seed))
            continue
        cols = np.argsort(~union[rows], axis=-1, kind="stable")[:, None, :w]  # kept, in order
        kept = np.take_along_axis(x[rows], cols, -1)
        out[rows] = _upper_pvalues(kept, sign_matrix(permutations, int(w), seed))
    iu, ju = np.triu_indices(S, 1)
    for e in np.flatnonzero(~full & (widths > 0)):
        sub = x[e][present[e]][:, union[e]][None]
        out[e, present[e, iu] & present[e, ju]] = _upper_pvalues(
            sub, sign_matrix(permutations, int(widths[e]), seed))[0]
    return out


def _differing_patterns(x: np.ndarray, valid: np.ndarray, permutations: int,
                        seed: int) -> np.ndarray:
    """Pair p-values of (n, S, I) matrices whose systems miss different segments: each pair on
    its shared segments, with the sign matrix of the matrix's union of segments
    (:mod:`metaeval.stats.spaholes`); matrices grouped by the width of that union."""
    union = valid.any(-2)
    widths = union.sum(-1)
    S = x.shape[-2]
    out = np.full((x.shape[0], S * (S - 1) // 2), np.nan)
    for w in np.unique(widths[widths > 0]):
        rows = np.flatnonzero(widths == w)
        cols = np.argsort(~union[rows], axis=-1, kind="stable")[:, None, :w]  # kept, in order
        out[rows] = holed_pvalues(np.take_along_axis(x[rows], cols, -1),
                                  np.take_along_axis(valid[rows], cols, -1),
                                  sign_matrix(permutations, int(w), seed))
    return out


def scaled_matrices(x: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """(..., S, I) matrices each multiplied by the power of two that puts its largest valid
    |score| in [0.5, 1) (:mod:`metaeval.stats.scaling`), invalid cells NaN. SPA is a function of
    comparisons of sums, so it does not change, and the float32 sums then neither overflow
    (scores near 1e300) nor flush to zero (subnormal scores); on scores of ordinary size the
    float32 values, sums and so MTME's counts are the same bits times that power of two."""
    x = np.asarray(x, float)
    return unit_scale(x if valid is None else np.where(valid, x, np.nan), (-2, -1))


def differing_patterns(valid: np.ndarray) -> np.ndarray:
    """Whether the systems with a cell in each (..., S, I) matrix of ``valid`` miss different
    segments (each pair is then compared on its shared segments, :data:`PATTERN_NOTE`): (...)."""
    present = valid.any(-1, keepdims=True)
    return ~((valid == valid.any(-2, keepdims=True)) | ~present).all((-2, -1))


def masked_pvalues(x: np.ndarray, valid: np.ndarray, permutations: int = PERMUTATIONS,
                   seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Pair p-values (n, pairs) of (n, S, I) matrices with missing cells (``valid`` False), NaN
    for pairs left out, and whether each matrix's systems miss different segments (n,). Each
    matrix is first multiplied by a power of two (:func:`scaled_matrices`)."""
    x = scaled_matrices(x, valid)
    same = ~differing_patterns(valid)
    S = x.shape[-2]
    out = np.full((x.shape[0], S * (S - 1) // 2), np.nan)
    if same.any():
        out[same] = _common_pattern(x[same], valid[same], valid[same].any(-2), permutations,
                                    seed)
    if (~same).any():
        out[~same] = _differing_patterns(x[~same], valid[~same], permutations, seed)
    return out, ~same


def spa_from_pvalues(human: np.ndarray, metric: np.ndarray) -> np.ndarray:
    """1 - mean |human - metric| over the pairs (last axis) where both are defined (MTME's
    ``compute_one_minus_pce``); NaN where no pair is."""
    diff = np.abs(human - metric)
    ok = np.isfinite(diff)
    count = ok.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, diff, 0.0).sum(-1) / count
    return np.where(count > 0, 1.0 - mean, np.nan)


class SoftPairwiseAccuracy(NamedTuple):
    """``statistic`` (...): SPA of each matrix; ``patterns_differ`` (...): its systems miss
    different segments (pairs were compared on their shared segments, see :attr:`note`)."""

    statistic: np.ndarray
    patterns_differ: np.ndarray

    @property
    def note(self) -> str:
        """A sentence for the caller to show when any matrix had differing patterns, else ''."""
        return PATTERN_NOTE if np.any(self.patterns_differ) else ""


def soft_pairwise_accuracy(gold, metric, permutations: int = PERMUTATIONS,
                           seed: int = SEED) -> SoftPairwiseAccuracy:
    """SPA of (..., S, I) gold and metric segment matrices (NaN = missing); see the module."""
    permutations, seed = _check(permutations, seed)
    gold, metric = np.asarray(gold, float), np.asarray(metric, float)
    shape = np.broadcast_shapes(gold.shape, metric.shape)
    if len(shape) < 2:
        raise StatsError(f"spa takes (..., systems, items) matrices; got shape {shape}.")
    S, n_items = shape[-2:]
    valid = np.broadcast_to(np.isfinite(gold) & np.isfinite(metric), shape)
    valid = valid.reshape(-1, S, n_items)
    m = np.broadcast_to(metric, shape).reshape(-1, S, n_items)
    one_gold = gold.ndim >= 2 and gold.shape[-2:] == (S, n_items) and gold.size == S * n_items
    if one_gold and (valid == valid[:1]).all():  # one gold matrix and one pattern: p once
        human, _ = masked_pvalues(gold.reshape(1, S, n_items), valid[:1], permutations, seed)
    else:
        g = np.broadcast_to(gold, shape).reshape(-1, S, n_items)
        human, _ = masked_pvalues(g, valid, permutations, seed)
    predicted, differ = masked_pvalues(m, valid, permutations, seed)
    stat = spa_from_pvalues(human, predicted)
    return SoftPairwiseAccuracy(stat.reshape(shape[:-2]), differ.reshape(shape[:-2]))


def spa_at_level(gold, metric, level: str, permutations: int = PERMUTATIONS,
                 seed: int = SEED) -> np.ndarray:
    """Registry form: SPA at level ``system`` (a system-level statistic computed from the
    segment cells); (..., S, I) -> (...). Any other level is a `ParameterError`."""
    check_level(level)
    if level != "system":
        raise ParameterError("level", level, "spa (soft pairwise accuracy) is a system-level "
                             "statistic: use level system.")
    return soft_pairwise_accuracy(gold, metric, permutations, seed).statistic


def spa_vectors(x, y, permutations: int = PERMUTATIONS, seed: int = SEED) -> np.ndarray:
    """The registry's vector form: SPA needs the segment matrix, so this always raises."""
    raise StatsError("spa needs the system x item matrix of segment scores (a permutation test "
                     "per system pair); a vector of scores is not enough. Use level system.")
