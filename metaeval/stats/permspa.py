"""PERM-BOTH and bootstrap draws of soft pairwise accuracy (SPA) from one matrix product per
metric and draw (Deutsch, Dror & Roth 2021's PERM-BOTH; SPA: Thompson et al. 2024,
mt-metrics-eval ``pce.py``).

SPA counts, for each system pair (i, j) of a metric's (S, w) segment matrix x, the rows p of
the fixed sign matrix T (P x w, :func:`metaeval.stats.spa.sign_matrix`) with
X_pi - X_pj >= s_i - s_j, X = T @ x^T and s = x.sum(-1); that is U_pi >= U_pj with
U = X - s (per system). U is linear in x. In a PERM-BOTH draw with swap mask W the hybrid
metrics are a* = where(W, z_b, z_a) = z_a + W (z_b - z_a) and b* = z_a + z_b - a*, so

    U(a*) = U(z_a) + V_b - V_a,   U(b*) = U(z_b) - (V_b - V_a),   V_m = U(W * z_m).

U(z_m) is computed once per metric; per draw the only new products are the V_m, one per METRIC
(not per pair), stacked for a block of draws into one large float32 product (W * z) @ T^T.
Each pair then needs two additions and the comparisons U_i >= U_j of a* and b*
(:func:`dominance_counts`, pair blocks on two threads), and SPA goes through
:func:`metaeval.stats.spa.spa_from_pvalues` with the human p-values of the generic path.

Equal to the generic path (``permsorted.generic_pair_draws``, MTME's float32 operations on a*
itself) up to float32 summation order: a permuted difference within rounding (~1e-6 relative)
of the observed one can count differently and move one SPA by 1 / (P * pairs). With scores
that vary continuously this does not happen in practice (the tests compare p-value matrices
exactly); with few segments (about 20 or fewer) some sign-matrix row is all +1, which makes the
permuted and observed differences equal in exact arithmetic, and rounding alone decides that
count, differently in the two paths (as it does between MTME runs on differently laid out
arrays). Taken only when every system with gold misses the same segments and the z-scored
metrics are finite wherever gold is present (one sign matrix for all pairs); other matrices
take the generic path.

Speed, WMT22 zh-en (15 systems x 1875 items, 10 metrics, 45 pairs, k = 1000, SPA with 1000
permutations, ``perm_both(..., "spa", "system")``) on this project's 2-core machine (whose two
cores deliver about one core's throughput): generic path 209 s (the first generic version,
before the counting was blocked: 38 s for k = 50, about 770 s for k = 1000); this path 10.0 to
10.4 s (6.8 to 14.4 s over runs while the machine was busy), about 45 % float32 products and
55 % comparisons. Both gave the same p-value matrix.

Bootstrap (:func:`bootstrap_draws`, items resampled): a draw's matrices are the columns of the
drawn items, and U = X - s of all of them (gold and every metric, a block of draws) is one
stacked float32 product with the same sign matrix (the width is unchanged). The generic path
(one MTME-shaped product per matrix, :func:`metaeval.stats.spa.soft_pairwise_accuracy`) took
58 s for k = 1000 on WMT22 zh-en (10 metrics); this path takes a few seconds. Counts may differ
from the generic path only where a permuted difference ties the observed one in exact
arithmetic (rounding decides those, see above).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from metaeval.stats.blocks import run_blocks
from metaeval.stats.spa import (
    PERMUTATIONS,
    SEED,
    flag_buffer,
    flag_counts,
    masked_pvalues,
    scaled_matrices,
    sign_matrix,
    spa_from_pvalues,
)

BLOCK_BYTES = 2**26  # float32 masked metric cells (draws x metrics x cells) per product
PAIRS_PER_JOB = 4
_CACHE_CELLS = 1 << 18  # cells per block when counting


def dominance_counts(u: np.ndarray) -> np.ndarray:
    """#{p: u[..., i, p] >= u[..., j, p]} for every pair i < j (``np.triu_indices`` order):
    (..., S, P) -> (..., pairs); the comparisons counted by :func:`spa.flag_counts`."""
    *batch, S, P = u.shape
    u = u.reshape(-1, S, P)
    out = np.empty((u.shape[0], S * (S - 1) // 2), np.int64)
    step = max(1, _CACHE_CELLS // max(1, S * P))
    flags = flag_buffer(min(step, u.shape[0]), S, P)
    for start in range(0, u.shape[0], step):
        ub = u[start:start + step]
        b, pos = len(ub), 0
        for i in range(S - 1):
            np.greater_equal(ub[:, i:i + 1], ub[:, i + 1:], out=flags[:b, :S - 1 - i, :P])
            out[start:start + b, pos:pos + S - 1 - i] = flag_counts(flags[:b, :S - 1 - i])
            pos += S - 1 - i
    return out.reshape(tuple(batch) + (out.shape[-1],))


class SpaPermBoth:
    """PERM-BOTH draws of SPA at level ``system`` (see the module docstring)."""

    workers = 2

    @staticmethod
    def supports(coef, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        """SPA at ``system`` with one missing pattern shared by every system that has gold,
        and the metrics finite wherever gold is present."""
        if not coef.soft_pairwise or level != "system":
            return False
        present = np.isfinite(gold)
        rows = present[present.any(-1)]
        return bool((rows == rows.any(0)).all() and np.isfinite(z[:, present]).all())

    def __init__(self, coef, gold: np.ndarray, z: np.ndarray):
        arguments = dict(coef.arguments)
        self.permutations = int(arguments.get("permutations", PERMUTATIONS))
        seed = int(arguments.get("seed", SEED))
        present = np.isfinite(gold)
        self.rows = present.any(-1)
        self.cols = present[self.rows].any(0)
        self.signs = sign_matrix(self.permutations, int(self.cols.sum()), seed)
        iu, ju = np.triu_indices(gold.shape[0], 1)
        human = masked_pvalues(gold[None], present[None], self.permutations, seed)[0][0]
        self.human = human[self.rows[iu] & self.rows[ju]]  # the generic path's, pairs of rows
        self.z = np.ascontiguousarray(z[:, self.rows][:, :, self.cols], dtype=np.float32)
        self.u = self._excess(self.z)  # (M, S', P)

    def _excess(self, v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """U = (T @ v^T)^T - sums(v) for (..., S', w) float32 matrices, as (..., S', P) float32
        (in ``out``, (rows, P), when given): p[i, j] counts the rows with U_i >= U_j."""
        flat = v.reshape(-1, v.shape[-1])
        u = np.matmul(flat, self.signs.T, out=out)  # (rows, P): one float32 product
        u -= v.sum(-1, dtype=np.float64).reshape(-1, 1).astype(np.float32)
        return u.reshape(v.shape[:-1] + (self.permutations,))

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* = SPA(a*) - SPA(b*) for each pair and mask (k, S, I): (P_pairs, k)."""
        k = masks.shape[0]
        used = sorted({m for pair in pairs for m in pair})
        where = {m: i for i, m in enumerate(used)}
        z = self.z[used]  # (M', S', w)
        swaps = masks[:, self.rows][:, :, self.cols]  # (k, S', w)
        out = np.empty((len(pairs), k))
        step = min(k, max(1, BLOCK_BYTES // (4 * z.size)))
        masked = np.empty((step,) + z.shape, np.float32)  # buffers reused by every block
        excess = np.empty((step * z.shape[0] * z.shape[1], self.permutations), np.float32)
        for start in range(0, k, step):
            w = swaps[start:start + step].astype(np.float32)[:, None]
            v = np.multiply(w, z[None], out=masked[:len(w)])  # (kd, M', S', w)
            moved = self._excess(v, excess[:len(w) * z.shape[0] * z.shape[1]])
            jobs = [partial(self._pair_block, pairs[i:i + PAIRS_PER_JOB], where, moved,
                            out[i:i + PAIRS_PER_JOB, start:start + step])
                    for i in range(0, len(pairs), PAIRS_PER_JOB)]
            run_blocks(jobs, self.workers)
        return out

    def _pair_block(self, pairs, where, moved, out) -> None:
        """Fill out[p] (a view of the result) with delta* of each pair over a block of draws."""
        u = np.empty((2,) + moved[:, 0].shape, np.float32)
        for p, (a, b) in enumerate(pairs):
            shift = moved[:, where[b]] - moved[:, where[a]]  # (kd, S', P)
            np.add(self.u[a], shift, out=u[0])  # U of a* = U_a + (U of W z_b - U of W z_a)
            np.subtract(self.u[b], shift, out=u[1])  # U of b* = U_b - the same
            predicted = dominance_counts(u) / self.permutations  # (2, kd, pairs)
            spa = spa_from_pvalues(self.human, predicted)
            out[p] = spa[0] - spa[1]


def bootstrap_supports(coef, level: str, gold: np.ndarray, scores: np.ndarray,
                       systems: np.ndarray) -> bool:
    """SPA at ``system`` with the systems fixed, every item rated for every system that has
    gold, and the metrics finite wherever gold is present."""
    if not coef.soft_pairwise or level != "system":
        return False
    if not (systems == np.arange(systems.shape[1])).all():
        return False
    present = np.isfinite(gold)
    rows = present[present.any(-1)]
    return bool(rows.all() and np.isfinite(scores[:, present]).all())


def bootstrap_draws(gold: np.ndarray, scores: np.ndarray, coef, items: np.ndarray) -> np.ndarray:
    """SPA of every metric (M, S, I) on every item resample (k, I) of the systems with gold:
    (M, k) (see the module docstring; :func:`bootstrap_supports` says when it applies)."""
    arguments = dict(coef.arguments)
    permutations = int(arguments.get("permutations", PERMUTATIONS))
    rows = np.isfinite(gold).any(-1)
    z = scaled_matrices(np.concatenate([gold[None], scores])[:, rows])  # float32-safe
    z = np.ascontiguousarray(z, dtype=np.float32)
    signs = sign_matrix(permutations, gold.shape[1], int(arguments.get("seed", SEED)))
    k = items.shape[0]
    out = np.empty((scores.shape[0], k))
    step = min(k, max(1, BLOCK_BYTES // (4 * z.size)))
    for start in range(0, k, step):
        x = z[:, :, items[start:start + step]].transpose(2, 0, 1, 3)  # (b, M + 1, S', I)
        u = np.matmul(x.reshape(-1, x.shape[-1]), signs.T)  # (b (M + 1) S', P): one product
        u -= x.sum(-1, dtype=np.float64).reshape(-1, 1).astype(np.float32)
        p = dominance_counts(u.reshape(x.shape[:-1] + (permutations,))) / permutations
        out[:, start:start + step] = spa_from_pvalues(p[:, :1], p[:, 1:]).T
    return out
