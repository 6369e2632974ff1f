"""Exact PERM-BOTH draws of Spearman's rho from one sort per metric pair (Deutsch, Dror & Roth
2021's PERM-BOTH; no n x n matrices).

For a pair (a, b) and a group of n valid cells, the 2n values {a_d} and {b_d} are sorted once.
A draw with swap mask w puts b_d into a* where w_d = 1 (else a_d); b* takes the other value.
Without ties among the 2n values, the rank of a value within a* is the number of a*'s values at
or before it in the sorted order: with s_p = [position p belongs to a*], rank = cumsum(s)_p;
b*'s positions are valid - s and its ranks cumsum(valid) - cumsum(s). The rank vector of a* is
a permutation of 1..n, so its spread is fixed, and

    rho(a*) = sum_p s_p cumsum(s)_p gc_p / sqrt(n (n^2 - 1) / 12)

with gc the centred, unit-norm gold rank of the position's cell (rho is NaN for a constant
gold or fewer than two cells, as ``coefficients.spearman``). O(k n) per pair instead of the
O(k n^2) of :class:`metaeval.stats.permfast.SpearmanPermBoth`, which still takes the pairs
whose values tie (average ranks then depend on the draw), or the generic path beyond its size.
Pair blocks run on two threads (:mod:`metaeval.stats.blocks`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from metaeval.stats.blocks import run_blocks
from metaeval.stats.coefficients import average_ranks
from metaeval.stats.grouping import average_correlations, level_groups
from metaeval.stats.levels import correlation_at_level

PAIRS_PER_BLOCK = 8


def generic_pair_draws(gold, za, zb, masks, coef, level) -> np.ndarray:
    """delta* = stat(a*) - stat(b*) for each mask (k, S, I): (k,)."""
    a_star = np.where(masks, zb, za)
    b_star = np.where(masks, za, zb)
    values = correlation_at_level(gold, np.stack([a_star, b_star]), coef, level)
    return values[0] - values[1]


class SortedSpearmanPermBoth:
    """PERM-BOTH draws of Spearman at ``item``, ``sys`` or ``none`` (see the module docstring).

    ``fallback(pairs, masks) -> (P, k)`` computes the pairs with tied values."""

    workers = 2

    @staticmethod
    def supports(coef, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        """Spearman at ``item``, ``sys`` or ``none`` with the metrics finite wherever gold is
        present (the valid cells do not change between draws)."""
        return (coef.rank_based and level in ("item", "sys", "none")
                and bool(np.isfinite(z[:, np.isfinite(gold)]).all()))

    def __init__(self, gold: np.ndarray, z: np.ndarray, level: str, fallback):
        self.level, self.fallback = level, fallback
        g = level_groups(gold, level)  # (G, n)
        valid = np.isfinite(g)
        n = valid.sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rc = np.where(valid, average_ranks(np.where(valid, g, np.nan))
                          - ((n + 1) / 2.0)[:, None], 0.0)
            sgg = (rc * rc).sum(-1)
            self.ok = (n >= 2) & (sgg > 0)
            self.gc = np.where(self.ok[:, None], rc / np.sqrt(sgg)[:, None], 0.0)
            self.spread = np.sqrt(n * (n * n - 1) / 12.0)
        self.valid = valid
        self.z = np.where(valid, level_groups(z, level), np.inf)  # invalid cells sort last
        self.rows = np.arange(g.shape[0])[:, None]

    def _plan(self, a: int, b: int):
        """Per group: cell, side and gold of each sorted position; None on any tie."""
        values = np.concatenate([self.z[a], self.z[b]], axis=-1)  # (G, 2n)
        order = np.argsort(values, axis=-1, kind="stable")
        ordered = np.take_along_axis(values, order, -1)
        finite = np.isfinite(ordered)
        if (finite[:, 1:] & (ordered[:, 1:] == ordered[:, :-1])).any():
            return None
        n = self.z.shape[-1]
        cell = order % n
        valid = np.take_along_axis(self.valid, cell, -1)
        gc = np.take_along_axis(self.gc, cell, -1)  # 0 at invalid cells
        cv_gc = np.cumsum(valid, -1) * gc
        flat = (self.rows * n + cell).ravel()  # into the (k, G n) masks: contiguous gathers
        return flat, order < n, None if valid.all() else valid, gc, cv_gc, cv_gc.sum(-1)

    @staticmethod
    def _dot(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """sum_p x[k, g, p] v[g, p]: (k, G). einsum's buffered loop casts the integer / boolean
        x without a full float temporary (whose fresh pages cost more than the sum)."""
        return np.einsum("kgp,gp->kg", x, v)

    def _pair(self, plan, w: np.ndarray) -> np.ndarray:
        """With s the a* positions and cum = cumsum(s) (ranks of a*), cv = cumsum(valid):
        num(a*) = sum s cum gc; b*'s ranks are cv - cum on the other positions, so
        num(b*) = sum (cv - cum) gc - sum s (cv - cum) gc (gc is 0 at invalid cells)."""
        flat, is_a, valid, gc, cv_gc, total = plan
        s = np.take(w.reshape(w.shape[0], -1), flat, axis=1).reshape((w.shape[0],) + is_a.shape)
        s ^= is_a  # position in a*: b's value swapped in (w = 1), or a's kept (w = 0)
        if valid is not None:
            s &= valid
        cum = np.cumsum(s, axis=-1, dtype=np.int32)  # exact, and ~10x faster than float
        num_a = self._dot(cum * s, gc)
        num_b = total - self._dot(cum, gc) - self._dot(s, cv_gc) + num_a
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = [np.clip(np.where(self.ok, num / self.spread, np.nan), -1.0, 1.0)
                   for num in (num_a, num_b)]
        return average_correlations(rho[0]) - average_correlations(rho[1])

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* = rho(a*) - rho(b*) for each pair and mask: (P, k)."""
        w = level_groups(masks, self.level)  # (k, G, n) booleans
        out = np.empty((len(pairs), masks.shape[0]))
        tied: list[int] = []

        def block(start: int) -> None:
            for p in range(start, min(start + PAIRS_PER_BLOCK, len(pairs))):
                plan = self._plan(*pairs[p])
                if plan is None:
                    tied.append(p)
                else:
                    out[p] = self._pair(plan, w)

        run_blocks([partial(block, i) for i in range(0, len(pairs), PAIRS_PER_BLOCK)],
                   self.workers)
        if tied:
            tied.sort()
            out[tied] = self.fallback([pairs[p] for p in tied], masks)
        return out
