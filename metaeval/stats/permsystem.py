"""Exact PERM-BOTH draws at level ``system`` from mask products (Deutsch, Dror & Roth 2021).

At level ``system`` each hybrid is reduced to one mean per system over the items where gold is
present. For a* = a + w (b - a) (w the swap mask) the sum of system s is

    sum_i a*_si = sum_i a_si + sum_i w_si (b_si - a_si),

so one batched product of the masks with every metric, P_m[k, s] = sum_i w_ksi z_msi, gives the
system sums of every hybrid of every pair: a* = A + P_b - P_a, b* = B + P_a - P_b. The S system
means of each draw then go through the coefficient's own ``batched`` function (any coefficient
without ``at_level``: Pearson, the Kendall family), one block of pairs at a time; for Spearman
(``rank_based``) the means of a draw, which do not tie (below), are ranked by one sort and rho is
sum_j gc(order_j) j / sqrt(S (S^2 - 1) / 12) with gc the centred, unit-norm average ranks of the
gold means (the Pearson r of the ranks, as ``coefficients.spearman``).

The sums are accumulated in another order than the generic path's (:func:`metaeval.stats.grouping.
system_scores` of the hybrid matrix), so they differ by rounding (about 1e-15 of the largest
score). Pearson's value moves by as much; an order statistic does not move at all unless two
system means of a draw lie within that rounding of each other, where the order (or an exact tie)
would be decided by rounding: those draws (two means within :data:`NEAR_TIE` of the largest |z|)
are recomputed by the generic path, so every draw equals the generic one.
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.coefficients import Coefficient
from metaeval.stats.grouping import system_scores
from metaeval.stats.levels import scaled_for_means
from metaeval.stats.permsorted import generic_pair_draws, gold_rank_vectors

NEAR_TIE = 1e-9  # relative to the largest |z|: far above the rounding of a sum of z-scores
BLOCK_VALUES = 2_000_000  # system means (pairs x draws x systems) held per block


class SystemPermBoth:
    """PERM-BOTH draws at level ``system`` for a coefficient of vectors (module docstring)."""

    @staticmethod
    def supports(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        """Level ``system``, a coefficient without ``at_level`` and the metrics finite
        wherever gold is present (each system mean keeps its items in every draw)."""
        return (level == "system" and coef.at_level is None
                and bool(np.isfinite(z[:, np.isfinite(gold)]).all()))

    def __init__(self, coef: Coefficient, gold: np.ndarray, z: np.ndarray):
        self.coef, self.gold, self.z_matrices = coef, gold, z
        self.valid = np.isfinite(gold)
        scaled = scaled_for_means(coef, gold, gold, "system")[0]  # as the generic path does
        self.gold_means = system_scores(scaled, scaled)[0]  # (S,): NaN for a system without gold
        self.z = np.where(self.valid, z, 0.0)  # (M, S, I)
        self.sums = self.z.sum(-1)  # (M, S)
        self.n = self.valid.sum(-1).astype(float)
        self.tolerance = NEAR_TIE * max(float(np.abs(self.z).max(initial=0.0)), 1e-300)
        self.rated = np.isfinite(self.gold_means)  # the systems that enter (pairwise complete)
        _, ok, gc = gold_rank_vectors(self.gold_means[self.rated][None])
        S = int(self.rated.sum())
        self.gc = gc[0] if ok[0] else None  # None: rho undefined (NaN) in every draw
        self.positions = np.arange(1, S + 1) / np.sqrt(S * (S * S - 1) / 12.0) if S > 1 else None

    def _values(self, means: np.ndarray) -> np.ndarray:
        """The coefficient of the gold means with each row of system means (..., S)."""
        if not self.coef.rank_based:
            return self.coef.batched(np.broadcast_to(self.gold_means, means.shape), means)
        if self.gc is None:
            return np.full(means.shape[:-1], np.nan)
        order = np.argsort(means[..., self.rated], axis=-1)
        return np.clip(self.gc[order] @ self.positions, -1.0, 1.0)

    def _products(self, metrics: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """P[m, k, s] = sum_i w[k, s, i] z[m, s, i] over the gold cells: (M', k, S)."""
        w = np.moveaxis(masks & self.valid, 1, 0).astype(float)  # (S, k, I)
        z = np.moveaxis(self.z[metrics], 0, -1)  # (S, I, M')
        return np.matmul(w, z).transpose(2, 1, 0)  # (S, k, M') -> (M', k, S)

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* = stat(a*) - stat(b*) for each pair and mask: (P, k)."""
        k = masks.shape[0]
        out = np.empty((len(pairs), k))
        if not pairs:
            return out
        used = np.unique(np.array(pairs))
        where = np.full(self.z.shape[0], -1)
        where[used] = np.arange(len(used))
        prod = self._products(used, masks)
        a_all, b_all = (np.array([p[i] for p in pairs]) for i in (0, 1))
        step = max(1, BLOCK_VALUES // (2 * k * len(self.n)))
        recheck: list[tuple[int, np.ndarray]] = []
        for start in range(0, len(pairs), step):
            a, b = a_all[start:start + step], b_all[start:start + step]
            swapped = prod[where[b]] - prod[where[a]]  # (B, k, S): w.(z_b - z_a)
            with np.errstate(invalid="ignore", divide="ignore"):
                means = np.stack([self.sums[a][:, None] + swapped,
                                  self.sums[b][:, None] - swapped]) / self.n  # (2, B, k, S)
            values = self._values(means)
            out[start:start + step] = values[0] - values[1]
            near = self._near_ties(means)  # (B, k)
            recheck += [(start + p, np.flatnonzero(near[p])) for p in np.flatnonzero(near.any(-1))]
        for p, draws in recheck:
            a, b = pairs[p]
            out[p, draws] = generic_pair_draws(self.gold, self.z_matrices[a], self.z_matrices[b],
                                               masks[draws], self.coef, "system")
        return out

    def _near_ties(self, means: np.ndarray) -> np.ndarray:
        """Draws (B, k) where two finite system means of a* or b* lie within the tolerance."""
        ordered = np.sort(means, axis=-1)  # NaN (systems without gold) last
        with np.errstate(invalid="ignore"):
            close = np.diff(ordered, axis=-1) <= self.tolerance  # NaN differences: False
        return close.any(-1).any(0)
