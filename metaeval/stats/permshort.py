"""Exact PERM-BOTH draws of Spearman's rho for short groups (level ``item``: one group per item
across a handful of systems), ties included, from one small matrix product per pair.

In a group of n cells, twice the average rank of a value v in the multiset U that holds it is
1 + sum_{u in U} K(u, v) with K(u, v) = 2 [u < v] + [u == v] (v itself adds 1). For the hybrid
a*_d = b_d where the swap mask w_d = 1, else a_d, the doubled rank of cell c is linear in w:

    w_c = 0:  R(c) = 1 + sum_d K(a_d, a_c) + sum_d w_d (K(b_d, a_c) - K(a_d, a_c))
    w_c = 1:  R(c) = 1 + sum_d K(a_d, b_c) + sum_d w_d (K(b_d, b_c) - K(a_d, b_c))

(the d = c term is right in either branch). b* is a* with the mask 1 - w, so its ranks are
constants minus the same products. One float32 product per group, (4n, n + 1) integer entries
times the masks with a row of ones (k draws), gives both branches of a* and b*, exactly
(integers far below 2^24); each cell's branch is then R(w_c = 0) + w_c (R(w_c = 1) - R(w_c = 0)). Then, as in :mod:`metaeval.stats.permsorted`,
rho = sum_c gc_c R(c) / sqrt(sum_c R(c)^2 - n (n + 1)^2) with gc the centred, unit-norm gold
ranks (NaN for a constant hybrid, a constant gold group or fewer than two cells), its sums
taken over integers in float32 (exact) and divided once in float64. The product
costs O(n^2) per group and draw, so groups up to :data:`SHORT_MAX_CELLS` take this path and
longer ones the sorted path. Pair blocks run on two threads (:mod:`metaeval.stats.blocks`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from metaeval.stats.blocks import run_blocks
from metaeval.stats.coefficients import average_ranks
from metaeval.stats.grouping import average_correlations, level_groups
from metaeval.stats.permsorted import PAIRS_PER_BLOCK, SortedSpearmanPermBoth

SHORT_MAX_CELLS = 32  # longest group; beyond it one sort per pair costs less than the n^2 product
DRAWS_PER_BLOCK = 256  # draws per product: the (G, 4n, draws) products stay in cache


def _doubled_steps(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """K[g, c, d] = 2 [u_d < v_c] + [u_d == v_c], float32; 0 where either is NaN (invalid)."""
    u, v = u[:, None, :], v[:, :, None]
    return (u < v).astype(np.float32) * 2 + (u == v)


class ShortSpearmanPermBoth:
    """PERM-BOTH draws of Spearman at ``item``, ``sys`` or ``none`` for groups of at most
    :data:`SHORT_MAX_CELLS` cells (see the module docstring)."""

    workers = 2

    @staticmethod
    def supports(coef, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        """As :meth:`SortedSpearmanPermBoth.supports`, with groups of at most
        :data:`SHORT_MAX_CELLS` cells."""
        if not SortedSpearmanPermBoth.supports(coef, level, gold, z):
            return False
        return level_groups(gold, level).shape[-1] <= SHORT_MAX_CELLS

    def __init__(self, gold: np.ndarray, z: np.ndarray, level: str):
        self.level = level
        g = level_groups(gold, level)  # (G, n)
        self.valid = np.isfinite(g)
        self.n = self.valid.sum(-1)
        centred = 2 * average_ranks(np.where(self.valid, g, np.nan)) - (self.n + 1)[:, None]
        self.gold = np.where(self.valid, centred, 0.0).astype(np.float32)  # integers
        norm = (self.gold.astype(float) ** 2).sum(-1)
        self.ok = (self.n >= 2) & (norm > 0)
        self.gold_norm = np.sqrt(norm)
        self.z = np.where(self.valid, level_groups(z, level), np.nan)  # (M, G, n)
        self.fixed = self.n * (self.n + 1) ** 2  # sum R^2 where the centred R are all 0

    def _matrix(self, a: int, b: int) -> np.ndarray:
        """(G, 4n, n + 1): a*'s ranks where w_c = 0 and their change where w_c = 1, then b*'s
        where w_c = 0 and their change; the last column multiplies the row of ones."""
        za, zb = self.z[a], self.z[b]
        k_aa, k_ab = _doubled_steps(za, za), _doubled_steps(za, zb)
        d0 = _doubled_steps(zb, za) - k_aa
        d1 = _doubled_steps(zb, zb) - k_ab
        one = self.valid.astype(np.float32)
        a0 = np.concatenate([d0, (one + k_aa.sum(-1))[..., None]], -1)  # a*: w_c = 0
        a1 = np.concatenate([d1, (one + k_ab.sum(-1))[..., None]], -1)  # a*: w_c = 1
        b0 = np.concatenate([-d1, a1[..., -1:] + d1.sum(-1)[..., None]], -1)  # b*: w_c = 0
        b1 = np.concatenate([-d0, a0[..., -1:] + d0.sum(-1)[..., None]], -1)  # b*: w_c = 1
        return np.concatenate([a0, a1 - a0, b0, b1 - b0], 1)

    def _rho(self, ranks: np.ndarray) -> np.ndarray:
        """rho of each group and draw from doubled ranks (G, n, draws): (G, draws). With 2 g
        the doubled centred gold ranks, sum_c 2 g_c R(c) and sum_c R(c)^2 are integers below
        2^24: exact in float32."""
        num = np.matmul(self.gold[:, None, :], ranks)[:, 0].astype(float)
        spread = np.einsum("gnk,gnk->gk", ranks, ranks).astype(float) - self.fixed[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = num / (self.gold_norm[:, None] * np.sqrt(spread))
            rho = np.where(self.ok[:, None] & (spread > 0), rho, np.nan)
        return np.clip(rho, -1.0, 1.0)

    def _pair(self, matrix: np.ndarray, blocks) -> np.ndarray:
        """delta* of one pair: for each block of draws one product, then each cell's branch
        R = R(w_c = 0) + w_c (R(w_c = 1) - R(w_c = 0)) (arithmetic, not a masked copy)."""
        n = self.z.shape[-1]
        rho_a, rho_b = [], []
        for w, ones in blocks:
            q = np.matmul(matrix, ones)  # (G, 4n, draws)
            for side, out in ((0, rho_a), (2 * n, rho_b)):
                ranks, change = q[:, side:side + n], q[:, side + n:side + 2 * n]
                change *= w
                ranks += change
                out.append(self._rho(ranks))
        return (average_correlations(np.concatenate(rho_a, -1).T)
                - average_correlations(np.concatenate(rho_b, -1).T))

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* = rho(a*) - rho(b*) for each pair and mask: (P, k)."""
        w = np.moveaxis(level_groups(masks, self.level), 0, -1)  # (G, n, k)
        blocks = []  # (masks, masks with a row of ones) as float32, per block of draws
        for start in range(0, w.shape[-1], DRAWS_PER_BLOCK):
            part = w[..., start:start + DRAWS_PER_BLOCK]
            ones = np.ones((w.shape[0], w.shape[1] + 1, part.shape[-1]), np.float32)
            ones[:, :-1] = part
            blocks.append((ones[:, :-1], ones))
        out = np.empty((len(pairs), masks.shape[0]))

        def block(start: int) -> None:
            for p in range(start, min(start + PAIRS_PER_BLOCK, len(pairs))):
                out[p] = self._pair(self._matrix(*pairs[p]), blocks)

        run_blocks([partial(block, i) for i in range(0, len(pairs), PAIRS_PER_BLOCK)],
                   self.workers)
        return out
