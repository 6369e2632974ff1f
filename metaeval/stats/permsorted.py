"""Exact PERM-BOTH draws of Spearman's rho from one sort per metric pair, ties included
(Deutsch, Dror & Roth 2021's PERM-BOTH; no n x n matrices).

For a pair (a, b) and a group of n valid cells, the 2n values {a_d} and {b_d} are sorted once.
A draw with swap mask w puts b_d into a* where w_d = 1 (else a_d); b* takes the other value.
With s_p = [sorted position p belongs to a*] and C = cumsum(s), the average rank of the value
at p within a* is the number of a*'s values in the earlier tie groups plus half of (the number
in its own group + 1); for p's tie group [lo, hi] of equal values, twice that rank is

    R_p = C[lo - 1] + C[hi] + 1          (an integer; C[-1] = 0)

(without ties lo = hi = p and R_p = 2 C[p]). b*'s positions are t = valid - s, their counts
cumsum(valid) - C. With gc the centred, unit-norm gold rank of the position's cell (zero on
invalid cells; sum over a*'s positions of gc = 0, as a* holds one value of every cell):

    rho(a*) = sum_p s_p R_p gc_p / sqrt(sum_p s_p R_p^2 - n (n + 1)^2)

(the sum of the doubled ranks is n (n + 1), so the denominator is the sum of squared centred
doubled ranks; an exact integer, 0 exactly when a* is constant: NaN, as ``coefficients.spearman``,
which also gives NaN for a constant gold or fewer than two cells). Without ties the ranks are a
permutation, sum R^2 is fixed and the cheaper form of :meth:`SortedSpearmanPermBoth._pair`
applies. O(k n) per pair; groups beyond :data:`TIED_MAX_CELLS` with ties take ``fallback`` (the
integer sums would no longer be exact in float64). Pair blocks run on two threads
(:mod:`metaeval.stats.blocks`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from metaeval.stats.blocks import run_blocks
from metaeval.stats.coefficients import average_ranks
from metaeval.stats.grouping import average_correlations, level_groups
from metaeval.stats.levels import correlation_at_level

PAIRS_PER_BLOCK = 8
DRAW_BLOCK_CELLS = 2**18  # draws x cells per block (1.3x faster than all 1,000 HANNA draws)
TIED_MAX_CELLS = 2**16  # 16 n^3 < 2^53: the sums of squared doubled ranks are exact in float64


def generic_pair_draws(gold, za, zb, masks, coef, level) -> np.ndarray:
    """delta* = stat(a*) - stat(b*) for each mask (k, S, I): (k,)."""
    a_star = np.where(masks, zb, za)
    b_star = np.where(masks, za, zb)
    values = correlation_at_level(gold, np.stack([a_star, b_star]), coef, level)
    return values[0] - values[1]


def _dot(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sum_p x[k, g, p] v[g, p]: (k, G). einsum's buffered loop casts the integer / boolean
    x without a full float temporary (whose fresh pages cost more than the sum)."""
    return np.einsum("kgp,gp->kg", x, v)


def _square(x: np.ndarray) -> np.ndarray:
    """sum_p x[k, g, p]^2 in float64 (exact for integers below 2^26 in groups of
    :data:`TIED_MAX_CELLS`): (k, G)."""
    return np.einsum("kgp,kgp->kg", x, x, dtype=float)


def gold_rank_vectors(g: np.ndarray):
    """(n, ok, gc) of gold groups (G, n) with NaN for missing cells: valid cells per group,
    whether Spearman is defined there (two cells, not constant), and the centred, unit-norm
    average ranks of the gold (0 at missing cells and in undefined groups)."""
    valid = np.isfinite(g)
    n = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rc = np.where(valid, average_ranks(np.where(valid, g, np.nan)) - ((n + 1) / 2.0)[:, None], 0.0)
        sgg = (rc * rc).sum(-1)
        ok = (n >= 2) & (sgg > 0)
        return n, ok, np.where(ok[:, None], rc / np.sqrt(sgg)[:, None], 0.0)


class SortedSpearmanPermBoth:
    """PERM-BOTH draws of Spearman at ``item``, ``sys`` or ``none`` (see the module docstring).

    ``fallback(pairs, masks) -> (P, k)`` computes the pairs with tied values in a group longer
    than :data:`TIED_MAX_CELLS`."""

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
        n, self.ok, self.gc = gold_rank_vectors(g)
        with np.errstate(invalid="ignore"):
            self.spread = np.sqrt(n * (n * n - 1) / 12.0)
        self.n = n
        self.valid = valid
        self.z = np.where(valid, level_groups(z, level), np.inf)  # invalid cells sort last
        self.rows = np.arange(g.shape[0])[:, None]
        self.count_type = np.int16 if 4 * g.shape[-1] + 2 < 2**15 else np.int32

    def _plan(self, a: int, b: int):
        """(tied, plan): per group the cell, side and gold of each sorted position, and where
        values tie the bounds of each position's tie group; None for ties beyond
        :data:`TIED_MAX_CELLS`."""
        values = np.concatenate([self.z[a], self.z[b]], axis=-1)  # (G, 2n)
        order = np.argsort(values, axis=-1, kind="stable")
        ordered = np.take_along_axis(values, order, -1)
        finite = np.isfinite(ordered)
        n = self.z.shape[-1]
        cell = order % n
        valid = np.take_along_axis(self.valid, cell, -1)
        gc = np.take_along_axis(self.gc, cell, -1)  # 0 at invalid cells
        flat = (self.rows * n + cell).ravel()  # into the (k, G n) masks: contiguous gathers
        is_a = order < n
        cv = np.cumsum(valid, -1)
        tie = finite[:, 1:] & (ordered[:, 1:] == ordered[:, :-1])  # p + 1 ties with p
        if not tie.any():
            cv_gc = cv * gc
            return False, (flat, is_a, None if valid.all() else valid, gc, cv_gc, cv_gc.sum(-1))
        if n > TIED_MAX_CELLS:
            return None
        return True, (flat, is_a, valid, gc) + self._tie_bounds(tie, cv)

    def _tie_bounds(self, tie: np.ndarray, cv: np.ndarray):
        """Flat indexes into the padded counts (k, G (2n + 1)), whose entry [g, j] is the count
        of the first j positions, of each position's group start (C[lo - 1]) and end (C[hi]),
        and the doubled rank of each position among all valid values (b*'s plus a*'s)."""
        G, width = cv.shape
        new = np.ones((G, width), bool)
        new[:, 1:] = ~tie
        position = np.broadcast_to(np.arange(width), (G, width))
        lo = np.maximum.accumulate(np.where(new, position, 0), axis=-1)
        end = np.ones((G, width), bool)
        end[:, :-1] = ~tie
        hi = np.minimum.accumulate(np.where(end, position, width - 1)[:, ::-1], axis=-1)[:, ::-1]
        padded = np.concatenate([np.zeros((G, 1), cv.dtype), cv], -1)
        rows = self.rows * (width + 1)
        both = np.take_along_axis(padded, lo, -1) + np.take_along_axis(padded, hi + 1, -1) + 1
        return (rows + lo).ravel(), (rows + hi + 1).ravel(), both.astype(self.count_type)

    @staticmethod
    def _swapped(plan, w: np.ndarray) -> np.ndarray:
        """s: (k, G, 2n) booleans, whether each sorted position is in a*."""
        flat, is_a, valid = plan[:3]
        s = np.take(w.reshape(w.shape[0], -1), flat, axis=1).reshape((w.shape[0],) + is_a.shape)
        s ^= is_a  # position in a*: b's value swapped in (w = 1), or a's kept (w = 0)
        if valid is not None:
            s &= valid
        return s

    def _rho(self, num: np.ndarray, norm: np.ndarray) -> np.ndarray:
        """rho = num / norm where the gold group is defined and the ranks are not constant."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.clip(np.where(self.ok & (norm > 0), num / norm, np.nan), -1.0, 1.0)

    def _pair(self, plan, w: np.ndarray) -> np.ndarray:
        """Without ties, with s the a* positions and cum = cumsum(s) (ranks of a*),
        cv = cumsum(valid): num(a*) = sum s cum gc; b*'s ranks are cv - cum on the other
        positions, so num(b*) = sum (cv - cum) gc - sum s (cv - cum) gc (gc is 0 at invalid
        cells); the spread of a permutation of 1..n is fixed."""
        gc, cv_gc, total = plan[3:]
        s = self._swapped(plan, w)
        cum = np.cumsum(s, axis=-1, dtype=np.int32)  # exact, and ~10x faster than float
        num_a = _dot(cum * s, gc)
        num_b = total - _dot(cum, gc) - _dot(s, cv_gc) + num_a
        rho = [self._rho(num, self.spread) for num in (num_a, num_b)]
        return average_correlations(rho[0]) - average_correlations(rho[1])

    def _tied_pair(self, plan, w: np.ndarray) -> np.ndarray:
        """With ties: the doubled average ranks R of the module docstring, for a* and b*."""
        _, _, valid, gc, lo, hi, both = plan
        s = self._swapped(plan, w)
        k, G, width = s.shape
        counts = np.zeros((k, G, width + 1), self.count_type)
        np.cumsum(s, axis=-1, out=counts[..., 1:])
        counts = counts.reshape(k, -1)
        x = np.take(counts, lo, axis=1)
        x += np.take(counts, hi, axis=1)
        x = x.reshape(s.shape)  # C[lo - 1] + C[hi]: a*'s doubled rank is x + 1, b*'s both - x
        ranks_a = (x + 1) * s
        s ^= valid  # now b*'s positions
        ranks_b = np.subtract(both, x) * s
        fixed = (self.n * (self.n + 1) ** 2).astype(float)  # n (n + 1)^2, exact
        rho = [self._rho(_dot(r, gc), np.sqrt(np.maximum(_square(r) - fixed, 0.0)))
               for r in (ranks_a, ranks_b)]
        return average_correlations(rho[0]) - average_correlations(rho[1])

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* = rho(a*) - rho(b*) for each pair and mask: (P, k)."""
        w = level_groups(masks, self.level)  # (k, G, n) booleans
        k = w.shape[0]
        step = max(1, DRAW_BLOCK_CELLS // w[0].size)  # (draws, G, 2n) arrays that stay in cache
        blocks = [(slice(i, i + step), np.ascontiguousarray(w[i:i + step]))
                  for i in range(0, k, step)]
        out = np.empty((len(pairs), k))
        long_tied: list[int] = []

        def block(start: int) -> None:
            for p in range(start, min(start + PAIRS_PER_BLOCK, len(pairs))):
                plan = self._plan(*pairs[p])
                if plan is None:
                    long_tied.append(p)
                    continue
                draws = self._tied_pair if plan[0] else self._pair
                for rows, part in blocks:
                    out[p, rows] = draws(plan[1], part)

        run_blocks([partial(block, i) for i in range(0, len(pairs), PAIRS_PER_BLOCK)],
                   self.workers)
        if long_tied:
            long_tied.sort()
            out[long_tied] = self.fallback([pairs[p] for p in long_tied], masks)
        return out
