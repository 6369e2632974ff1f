"""PERM-BOTH and bootstrap draws of soft pairwise accuracy (SPA) from one matrix product per
metric and draw (Deutsch, Dror & Roth 2021's PERM-BOTH; SPA: Thompson et al. 2024,
mt-metrics-eval ``pce.py``).

SPA counts, for each system pair (i, j) of a metric's (S, w) segment matrix x, the rows p of
the fixed sign matrix T (P x w, :func:`metaeval.stats.spa.sign_matrix`) with
X_pi - X_pj >= s_i - s_j, X = T @ x^T and s = x.sum(-1); that is U_pi >= U_pj with
U = X - s = (T - 1) @ x^T (per system; one product, :func:`metaeval.stats.spaholes.excess`).
U is linear in x. In a PERM-BOTH draw with swap mask W the hybrid
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

Metrics that miss a few cells (a failed segment under ``--missing drop``) take these paths too,
as long as every segment keeps a system where the metrics are finite (:func:`usable_metrics`):
their U are products with T - 1 over the cells present (0 elsewhere), and each system pair of a
hybrid (or a resample) is counted on the segments it shares, with the human p-values on the same
segments (:mod:`metaeval.stats.spaholes`); pairs of complete metrics count as above.

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
from metaeval.stats.flagcount import flag_buffer, flag_counts
from metaeval.stats.spa import (
    PERMUTATIONS,
    SEED,
    masked_pvalues,
    scaled_matrices,
    sign_matrix,
    spa_from_pvalues,
)
from metaeval.stats.spaholes import excess, holed_counts

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


def usable_metrics(gold: np.ndarray, z: np.ndarray) -> np.ndarray:
    """(M,) the metrics the SPA fast paths take: every metric with a cell where gold is present,
    when every gold segment keeps a system (with gold) where all of them are finite (so the
    union of segments of every hybrid and resample is all of them); else only the metrics that
    are finite on every gold cell."""
    present = np.isfinite(gold)
    cells = np.isfinite(z) & present
    complete = (cells == present).all((-2, -1))
    some = cells.any((-2, -1))
    columns = present.any(0)
    kept = cells[some].all(0)[present.any(-1)].any(0)[columns].all() if some.any() else False
    return some if kept else complete


def _holes(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hole columns, whether each metric misses a cell) of (M, S', w) validity."""
    return np.flatnonzero(~valid.all((0, 1))), ~valid.all((-2, -1))


class SpaPermBoth:
    """PERM-BOTH draws of SPA at level ``system`` (see the module docstring)."""

    workers = 2

    @staticmethod
    def supports(coef, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        """SPA at ``system`` with one missing pattern shared by every system that has gold,
        and every gold segment with a system where all the metrics are finite."""
        if not coef.soft_pairwise or level != "system":
            return False
        present = np.isfinite(gold)
        rows = present[present.any(-1)]
        return bool((rows == rows.any(0)).all() and usable_metrics(gold, z).all())

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
        z = z[:, self.rows][:, :, self.cols]
        self.valid = np.isfinite(z)
        self.z = np.ascontiguousarray(np.where(self.valid, z, 0.0), dtype=np.float32)
        self.u = excess(self.z, self.signs)  # (M, S', P)
        self.hole_cols, self.holed = _holes(self.valid)
        self.gold = np.ascontiguousarray(scaled_matrices(gold[self.rows][:, self.cols]),
                                         dtype=np.float32)
        self.gold_u = excess(self.gold, self.signs) if self.holed.any() else None

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
        for start in range(0, k, step):
            w = swaps[start:start + step]
            v = np.multiply(w.astype(np.float32)[:, None], z[None], out=masked[:len(w)])
            moved = excess(v, self.signs)  # (kd, M', S', P)
            jobs = [partial(self._pair_block, pairs[i:i + PAIRS_PER_JOB], where, moved, w,
                            out[i:i + PAIRS_PER_JOB, start:start + step])
                    for i in range(0, len(pairs), PAIRS_PER_JOB)]
            run_blocks(jobs, self.workers)
        return out

    def _pair_block(self, pairs, where, moved, swaps, out) -> None:
        """Fill out[p] (a view of the result) with delta* of each pair over a block of draws."""
        u = np.empty((2,) + moved[:, 0].shape, np.float32)
        for p, (a, b) in enumerate(pairs):
            shift = moved[:, where[b]] - moved[:, where[a]]  # (kd, S', P)
            np.add(self.u[a], shift, out=u[0])  # U of a* = U_a + (U of W z_b - U of W z_a)
            np.subtract(self.u[b], shift, out=u[1])  # U of b* = U_b - the same
            if self.holed[a] or self.holed[b]:
                spa = self._holed_spa(a, b, u, swaps)
            else:
                spa = spa_from_pvalues(self.human, dominance_counts(u) / self.permutations)
            out[p] = spa[0] - spa[1]

    def _holed_spa(self, a: int, b: int, u: np.ndarray, swaps: np.ndarray) -> np.ndarray:
        """SPA of a* and b* (2, kd) when a or b misses cells: human and metric p-values of
        each hybrid on the segments each system pair shares in it (:mod:`spaholes`)."""
        cols = np.flatnonzero(~(self.valid[a] & self.valid[b]).all(0))
        tm1h = np.ascontiguousarray((self.signs[:, cols] - np.float32(1.0)).T)
        w, width = swaps[:, :, cols], self.signs.shape[1]
        gold_h = np.broadcast_to(self.gold[:, cols], w.shape)
        gold_u = np.broadcast_to(self.gold_u, u.shape[1:])
        spa = []
        for first, second, hybrid in ((a, b, u[0]), (b, a, u[1])):  # a* takes b where swapped
            valid = np.where(w, self.valid[second][:, cols], self.valid[first][:, cols])
            x = np.where(w, self.z[second][:, cols], self.z[first][:, cols])
            human = holed_counts(gold_u, gold_h, valid, tm1h, width)
            predicted = holed_counts(hybrid, x, valid, tm1h, width)
            spa.append(spa_from_pvalues(human / self.permutations, predicted / self.permutations))
        return np.stack(spa)


def bootstrap_supports(coef, level: str, gold: np.ndarray, scores: np.ndarray,
                       systems: np.ndarray) -> bool:
    """SPA at ``system`` with the systems fixed, every item rated for every system that has
    gold, and every item with a system where each metric is finite (metrics may miss cells)."""
    if not coef.soft_pairwise or level != "system":
        return False
    if not (systems == np.arange(systems.shape[1])).all():
        return False
    present = np.isfinite(gold)
    rows = present[present.any(-1)]
    finite = np.isfinite(scores[:, present.any(-1)])
    return bool(rows.all() and finite.any(-2).all())


def bootstrap_draws(gold: np.ndarray, scores: np.ndarray, coef, items: np.ndarray) -> np.ndarray:
    """SPA of every metric (M, S, I) on every item resample (k, I) of the systems with gold:
    (M, k) (see the module docstring; :func:`bootstrap_supports` says when it applies)."""
    arguments = dict(coef.arguments)
    permutations = int(arguments.get("permutations", PERMUTATIONS))
    rows = np.isfinite(gold).any(-1)
    z = scaled_matrices(np.concatenate([gold[None], scores])[:, rows])  # float32-safe
    valid = np.isfinite(z)
    z = np.ascontiguousarray(np.where(valid, z, 0.0), dtype=np.float32)
    signs = sign_matrix(permutations, gold.shape[1], int(arguments.get("seed", SEED)))
    k = items.shape[0]
    out = np.empty((scores.shape[0], k))
    holed = ~valid[1:].all((-2, -1))
    plain = np.concatenate([[0], 1 + np.flatnonzero(~holed)])  # gold and the complete metrics
    step = min(k, max(1, BLOCK_BYTES // (4 * z.size)))
    for start in range(0, k, step):
        drawn = items[start:start + step]
        x = z[:, :, drawn].transpose(2, 0, 1, 3)  # (b, M + 1, S', I)
        u = excess(x, signs)  # (b, M + 1, S', P): one product
        p = dominance_counts(u[:, plain]) / permutations
        out[~holed, start:start + step] = spa_from_pvalues(p[:, :1], p[:, 1:]).T
        for m in np.flatnonzero(holed):  # system pairs on their shared segments
            present = valid[m + 1][:, drawn].transpose(1, 0, 2)  # (b, S', I)
            hole = ~valid[m + 1].all(0)[drawn]  # (b, I): drawn items some system misses
            out[m, start:start + step] = _holed_draws(x[:, 0], x[:, m + 1], u[:, 0], u[:, m + 1],
                                                      present, hole, signs)
    return out


def _holed_draws(gold, metric, gold_u, metric_u, present, hole, signs) -> np.ndarray:
    """SPA of one metric with holes on a block of resamples: (b,) (gold complete)."""
    P, width = signs.shape
    out = np.empty(len(gold))
    for d in range(len(gold)):  # each draw has its own hole columns (the drawn copies)
        cols = np.flatnonzero(hole[d])
        tm1h = np.ascontiguousarray((signs[:, cols] - np.float32(1.0)).T)
        vh = present[d][None][..., cols]
        human = holed_counts(gold_u[d][None], gold[d][None][..., cols], vh, tm1h, width)
        predicted = holed_counts(metric_u[d][None], metric[d][None][..., cols], vh, tm1h, width)
        out[d] = spa_from_pvalues(human / P, predicted / P)[0]
    return out
