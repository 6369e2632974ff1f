"""Exact fast paths of PERM-BOTH for Pearson and PDP (Deutsch, Dror & Roth 2021), and the
dispatch (:func:`perm_both_fast_path`) to every fast path: Spearman's one sort per pair
(:mod:`metaeval.stats.permsorted`), level ``system`` (:mod:`metaeval.stats.permsystem`) and
soft pairwise accuracy (:mod:`metaeval.stats.permspa`).

Pearson and PDP turn the draws of one metric pair into matrix products of the swap masks
w (k, n) with fixed vectors, for the groups (G) of a level (``item``, ``sys``, ``none``).
Every entry they add is exact in floating point, so the draws equal the generic path's to
rounding (1e-15), except where a Pearson hybrid's spread in a group is within about 1e-7 of its
values, which the moments resolve only to that accuracy (5 of 511,200 HANNA item-level draws of
its 72 metrics differ by up to 2.7e-7; the hybrids that are one metric's own group vector, or
surely constant, are exact: :mod:`metaeval.stats.permconst`). Which path applies is decided by
the coefficient's capabilities (``linear``: Pearson; ``moments``: PDP; ``rank_based``:
Spearman; no ``at_level``: level ``system``), see :func:`perm_both_fast_path`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from metaeval.stats.blocks import run_blocks
from metaeval.stats.coefficients import Coefficient
from metaeval.stats.grouping import average_correlations, level_groups
from metaeval.stats.paired import constant
from metaeval.stats.pdp import from_moments as pdp_from_moments
from metaeval.stats.permconst import ExactGroups
from metaeval.stats.permshort import ShortSpearmanPermBoth
from metaeval.stats.permsorted import SortedSpearmanPermBoth, generic_pair_draws
from metaeval.stats.permspa import SpaPermBoth, usable_metrics
from metaeval.stats.permsystem import SystemPermBoth
from metaeval.stats.scaling import unit_scale

PAIR_BLOCK_BYTES = 2**28  # metric vectors (3 x metrics x cells float64) Pearson holds at once


class PearsonPermBoth:
    """Exact PERM-BOTH draws for Pearson at ``item``, ``sys`` or ``none``.

    Groups (G) hold vectors of length n: items x systems for ``item``, systems x items for
    ``sys``, one group of all cells for ``none``. Per group, r(g, m) = <gc, m> / ||m - mean(m)||
    with gc the centred, unit-norm gold over the valid cells. For m* = a + w d (d = b - a):
    <gc, m*> = <gc, a> + w.(gc d); sum m* = sum a + w.d; sum m*^2 = sum a^2 + w.(b^2 - a^2).
    Where m* is one metric's own group vector (nothing or everything swapped) its r is that
    group's exact value, and where it is surely constant NaN (:mod:`metaeval.stats.permconst`:
    moments of a vector that is constant, or nearly so, give rounding residue); the rare pairs
    that share values take the generic path.
    """

    workers = 2  # threads over the pair blocks (numpy releases the GIL in their array loops)

    def __init__(self, gold: np.ndarray, z: np.ndarray, level: str,
                 coef: Coefficient | None = None):
        self.level, self.coef, self.gold, self.z_matrices = level, coef, gold, z
        g = level_groups(gold, level)  # (G, n)
        valid = np.isfinite(g)
        self.valid = valid
        n = valid.sum(-1)
        self.n = n.astype(float)
        g = unit_scale(g)  # each group's r does not depend on its scale: exact, no underflow
        with np.errstate(invalid="ignore", divide="ignore"):
            gc = np.where(valid, g - np.where(valid, g, 0).sum(-1, keepdims=True) / n[:, None], 0.0)
            sgg = (gc * gc).sum(-1)
            self.gold_ok = (n >= 2) & (sgg > 0) & ~constant(g, valid)  # as coefficients.pearson
            self.gc = np.where(self.gold_ok[:, None], gc / np.sqrt(sgg)[:, None], 0.0)
        self.z = np.stack([np.where(valid, level_groups(m, level), 0.0) for m in z])  # (M, G, n)
        self.shared = (ExactGroups(np.where(valid, level_groups(gold, level), np.nan),
                                   np.where(valid, self.z, np.nan), valid)
                       if coef is not None else None)

    @staticmethod
    def supports(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        present = np.isfinite(gold)
        return (coef.linear and level in ("item", "sys", "none")
                and bool(np.isfinite(z[:, present]).all()))

    def _stat(self, dot, total, square, fix=None) -> np.ndarray:
        """Group-averaged r from the swapped sums (arrays of this block: overwritten); ``fix``
        overwrites the groups that the sums cannot decide (:class:`ExactGroups`)."""
        n = self.n
        syy = np.multiply(total, total, out=total)
        syy /= n
        np.subtract(square, syy, out=syy)  # sum (m - mean)^2
        enough = syy > 1e-24 * np.maximum(1.0, n)
        if self.gold_ok.all() and enough.all():  # every group defined: in place, no NaN
            np.sqrt(syy, out=syy)
            r = np.divide(dot, syy, out=syy)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.where(self.gold_ok & enough, dot / np.sqrt(syy), np.nan)
        np.clip(r, -1.0, 1.0, out=r)
        if fix is not None:
            fix(r)
        return average_correlations(r)  # mean over groups (last axis)

    def draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* for each pair and mask: (P, k); the pairs whose constant hybrids the exact
        rule cannot decide go through the generic path."""
        out = np.empty((len(pairs), masks.shape[0]))
        exact = [self.shared is None or self.shared.exact(*pair) for pair in pairs]
        for p in np.flatnonzero(~np.array(exact, bool)):
            a, b = pairs[p]
            out[p] = generic_pair_draws(self.gold, self.z_matrices[a], self.z_matrices[b], masks,
                                        self.coef, self.level)
        if any(exact):
            out[np.array(exact, bool)] = self._fast_draws(
                [pair for pair, fast in zip(pairs, exact) if fast], masks)
        return out

    def _fast_draws(self, pairs: list[tuple[int, int]], masks: np.ndarray) -> np.ndarray:
        """delta* for each pair and mask: (P, k).

        The three swapped sums are linear in the metric, w.(gc d) = w.(gc z_b) - w.(gc z_a)
        and so on, so one product per metric (not per pair) serves every pair; the metrics
        go through in blocks of about :data:`PAIR_BLOCK_BYTES` of vectors."""
        w = np.moveaxis(level_groups(masks, self.level).astype(float), 0, 1)  # (G, k, n)
        used = sorted({m for pair in pairs for m in pair})
        block = max(1, int(PAIR_BLOCK_BYTES // (3 * 8 * self.valid.size)))
        prod = np.concatenate([self._metric_products(used[i:i + block], w)
                               for i in range(0, len(used), block)], axis=1)  # (3, M', k, G)
        where = {m: i for i, m in enumerate(used)}
        a = np.array([where[p[0]] for p in pairs])
        b = np.array([where[p[1]] for p in pairs])
        sums = self._sums(np.array(used))  # (3, M', 1, G)
        step = max(1, int(PAIR_BLOCK_BYTES // (3 * 8 * prod[0, 0].size)))
        out = np.empty((len(pairs), masks.shape[0]))
        swaps = self.shared.swaps(w) if self.shared is not None else None
        metric_a, metric_b = (np.array([p[i] for p in pairs]) for i in (0, 1))

        def block(i: int) -> None:  # (3, pairs, k, G) arrays of at most 256 MB
            pa, pb = a[i:i + step], b[i:i + step]
            ma, mb = metric_a[i:i + step], metric_b[i:i + step]
            fix = ((None, None) if swaps is None else
                   (lambda r: self.shared.fix(r, ma, mb, *swaps),  # a* = where(w, b, a)
                    lambda r: self.shared.fix(r, mb, ma, *swaps)))  # b* = where(w, a, b)
            delta = prod[:, pb]
            delta -= prod[:, pa]  # swapped-in part of a*: w.(z_b - z_a)
            a_star = self._stat(*(sums[:, pa] + delta), fix[0])
            np.negative(delta, out=delta)
            out[i:i + step] = a_star - self._stat(*(sums[:, pb] + delta), fix[1])

        starts = range(0, len(pairs), step)
        run_blocks([partial(block, i) for i in starts], self.workers)
        return out

    def _metric_products(self, metrics: list[int], w: np.ndarray) -> np.ndarray:
        """w.(gc z_m), w.z_m, w.z_m^2 per group and draw: (3, len(metrics), k, G)."""
        z = self.z[metrics]  # (M', G, n)
        vectors = np.concatenate([self.gc * z, z, z * z])  # (3M', G, n)
        prod = np.matmul(w, np.moveaxis(vectors, 0, -1))  # (G, k, 3M')
        prod = np.moveaxis(prod, -1, 0).reshape(3, len(metrics), w.shape[0], w.shape[1])
        return np.swapaxes(prod, -1, -2)

    def _sums(self, metrics: np.ndarray) -> np.ndarray:
        z = self.z[metrics]
        return np.stack([(self.gc * z).sum(-1), z.sum(-1), (z * z).sum(-1)])[:, :, None]


class PdpPermBoth(PearsonPermBoth):
    """Exact PERM-BOTH draws for PDP (:mod:`metaeval.stats.pdp`) at ``item``, ``sys`` or
    ``none``: the same three swapped sums per group as Pearson, pooled over the groups,
    PDP = sum_g n_g sqrt(Sxx_g) <gc_g, m> / sqrt(sum_g n_g Sxx_g * sum_g n_g Syy_g)."""

    def __init__(self, gold: np.ndarray, z: np.ndarray, level: str):
        super().__init__(gold, z, level)  # (a constant group adds 0 to the pooled sums)
        # PDP is invariant to one factor on all groups (not one per group): one power of two
        g = np.where(self.valid, unit_scale(level_groups(gold, level), (-2, -1)), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            gc = np.where(self.valid, g - g.sum(-1, keepdims=True) / self.n[:, None], 0.0)
        sxx = np.where(self.n >= 1, (gc * gc).sum(-1), 0.0)
        self.weight = np.where(self.gold_ok, self.n * np.sqrt(sxx), 0.0)  # <gc, m> -> n Sxy
        self.nsxx = float((self.n * sxx).sum())

    @staticmethod
    def supports(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray) -> bool:
        present = np.isfinite(gold)
        return (coef.moments is not None and level in ("item", "sys", "none")
                and bool(np.isfinite(z[:, present]).all()))

    def _stat(self, dot, total, square, fix=None) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            syy = np.where(self.n > 0, square - total * total / self.n, 0.0)
        pooled = np.stack([(self.weight * dot).sum(-1), np.full(dot.shape[:-1], self.nsxx),
                           (self.n * syy).sum(-1)], -1)
        return pdp_from_moments(pooled)


def fast_path_metrics(coef: Coefficient, level: str, gold: np.ndarray,
                      z: np.ndarray) -> np.ndarray:
    """(M,) the metrics a fast path may take: those finite on every gold cell (a constant
    metric, NaN once z-scored, or one missing a cell takes the generic path in its own pairs);
    for SPA also those missing cells (:func:`metaeval.stats.permspa.usable_metrics`)."""
    if coef.soft_pairwise and level == "system":
        return usable_metrics(gold, z)
    return np.isfinite(z[:, np.isfinite(gold)]).all(-1)


def perm_both_fast_path(coef: Coefficient, level: str, gold: np.ndarray, z: np.ndarray):
    """The exact PERM-BOTH fast path for this coefficient and level, or None (generic path).
    Soft pairwise accuracy: :class:`metaeval.stats.permspa.SpaPermBoth`; any other coefficient
    of vectors at level ``system``: :class:`metaeval.stats.permsystem.SystemPermBoth`; Spearman
    at ``item``, ``sys`` and ``none``, ties included: one small product per pair for short
    groups (:mod:`metaeval.stats.permshort`), else one sort per pair
    (:mod:`metaeval.stats.permsorted`; its tied pairs in groups too long for exact integer sums
    take the generic path)."""
    if SpaPermBoth.supports(coef, level, gold, z):
        return SpaPermBoth(coef, gold, z)
    if SystemPermBoth.supports(coef, level, gold, z):
        return SystemPermBoth(coef, gold, z)
    if PearsonPermBoth.supports(coef, level, gold, z):
        return PearsonPermBoth(gold, z, level, coef)
    if PdpPermBoth.supports(coef, level, gold, z):
        return PdpPermBoth(gold, z, level)
    if ShortSpearmanPermBoth.supports(coef, level, gold, z):
        return ShortSpearmanPermBoth(gold, z, level)
    if not SortedSpearmanPermBoth.supports(coef, level, gold, z):
        return None

    def fallback(pairs, masks):
        return np.stack([generic_pair_draws(gold, z[a], z[b], masks, coef, level)
                         for a, b in pairs])

    return SortedSpearmanPermBoth(gold, z, level, fallback)
