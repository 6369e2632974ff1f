"""Exact fast paths of the resampling engine for pair-count (Kendall-family) statistics and
shuffled Pearson / Spearman.

- :func:`weighted_pair_counts`, :func:`pooled_pair_draws`: pair counts of bootstrap draws given
  as multiplicities of the original cells, as quadratic forms of the draw weights (k, n) with
  fixed (n, n) matrices of small integers (exact in floating point).
- :func:`fixed_gold_pair_counts`, :func:`fixed_gold_statistic`: pair counts of many shuffles of
  a metric against one fixed gold order (the chance baseline).
- :func:`grouped_shuffle_vectors`: per-group unit vectors whose dot products are the Pearson /
  Spearman r of shuffles.
- :func:`pooled_pearson_draws`: pooled Pearson of bootstrap draws from weighted sufficient
  statistics.

The statistic of the counts is the coefficient's own ``from_counts`` (one formula, one place,
:mod:`metaeval.stats.kendall`); which path applies is decided by its capabilities.
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.coefficients import Coefficient, average_ranks
from metaeval.stats.kendall import distinct_counts
from metaeval.stats.paircounts import SHORT_MAX, PairCounts, dense_ranks
from metaeval.stats.paired import constant
from metaeval.stats.rankdraws import multiplicities
from metaeval.stats.scaling import unit_scale

FAST_MAX_CELLS = 3000  # longest vector (cells of one group) the quadratic fast paths take


# ------------------------------------------------------------------ Kendall family, bootstrap
def _quadratic(wf: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """sum_ab w_a M_ab w_b for every row of wf (k, n), M (n, n) of small integers; int64."""
    prod = (wf @ matrix).astype(float)  # exact: integer sums below 2^24
    return np.rint((prod * wf).sum(-1)).astype(np.int64)


def weighted_pair_counts(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> PairCounts:
    """Pair counts of the multisets holding cell a of (x, y) ``weights[.., a]`` times.

    x, y: (n,) with NaN for missing cells (dropped); weights: (k, n) non-negative integers with
    sum(weights) < 2^24. With s the sign of differences and E the equality indicators
    (diagonal included), over the valid cells:

        C - D = 1/2 w' (s_x * s_y) w          (copies of one cell tie in both, adding 0)
        T_x   = 1/2 (w' E_x w - W), T_y likewise, T_both = 1/2 (w' (E_x * E_y) w - W)

    with W = sum w (each cell's w (w - 1) / 2 self-pairs are the diagonal minus W, halved), so
    C = (N - T_x - T_y + T_both + (C - D)) / 2 with N = W (W - 1) / 2. Exact integers.
    """
    valid = np.isfinite(x) & np.isfinite(y)
    xv, yv = x[valid], y[valid]
    wf = np.asarray(weights)[:, valid].astype(np.float32)
    sx = np.sign(xv[:, None] - xv[None, :]).astype(np.float32)
    sy = np.sign(yv[:, None] - yv[None, :]).astype(np.float32)
    ex = (xv[:, None] == xv[None, :]).astype(np.float32)
    ey = (yv[:, None] == yv[None, :]).astype(np.float32)
    total = np.rint(wf.sum(-1, dtype=float)).astype(np.int64)
    con_minus_dis = _quadratic(wf, sx * sy) // 2
    tx = (_quadratic(wf, ex) - total) // 2
    ty = (_quadratic(wf, ey) - total) // 2
    tb = (_quadratic(wf, ex * ey) - total) // 2
    n_pairs = total * (total - 1) // 2
    con = (n_pairs - tx - ty + tb + con_minus_dis) // 2
    return PairCounts(con=con, dis=con - con_minus_dis, ties_human=tx - tb, ties_metric=ty - tb,
                      ties_both=tb, n=total)


def weighted_distinct(x: np.ndarray, valid: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Number of distinct values of x among the valid cells with a positive weight: (k,)."""
    _, inverse = np.unique(x[valid], return_inverse=True)
    indicator = np.zeros((valid.sum(), inverse.max() + 1 if inverse.size else 0), np.float32)
    indicator[np.arange(inverse.size), inverse.ravel()] = 1.0
    present = np.asarray(weights)[:, valid].astype(np.float32) @ indicator
    return (present > 0.5).sum(-1)


def pooled_pair_draws(gold: np.ndarray, scores: np.ndarray, coef: Coefficient,
                      systems: np.ndarray, items: np.ndarray,
                      chunk: int | None = None) -> np.ndarray:
    """Pooled (level ``none``) Kendall-family statistic of every bootstrap draw: (M, k).

    Draw d holds cell (s, i) (#s in systems[d]) x (#i in items[d]) times; the pair counts of
    that multiset are :func:`weighted_pair_counts`.
    """
    k = items.shape[0]
    cs, ci = multiplicities(systems, items, *gold.shape)
    x = gold.ravel()
    chunk = chunk or max(1, 2_000_000 // gold.size)
    out = np.empty((scores.shape[0], k))
    for start in range(0, k, chunk):
        sl = slice(start, start + chunk)
        w = (cs[sl, :, None] * ci[sl, None, :]).reshape(-1, gold.size)
        for m, metric in enumerate(scores):
            y = metric.ravel()
            distinct = None
            if coef.needs_distinct:
                valid = np.isfinite(x) & np.isfinite(y)
                distinct = np.minimum(weighted_distinct(x, valid, w), weighted_distinct(y, valid, w))
            out[m, sl] = coef.from_counts(weighted_pair_counts(x, y, w), distinct)
    return out


# ------------------------------------------------------------ Kendall family, fixed gold
def fixed_gold_pair_counts(x: np.ndarray, ys: np.ndarray) -> PairCounts:
    """Pair counts of one gold vector x (n,) against many metric vectors ys (k, n).

    The cells missing in x or in any row of ys are dropped from every row (callers pass rows
    with the same missing cells, e.g. shuffles of the valid cells). Cells are taken in
    increasing gold order, one group of equal gold values at a time; with dense metric ranks r
    and a running table below[r] = #{earlier cells with rank <= r} (one row per draw):

        con += #{earlier: r_a < r_b} = below[r_b - 1],  dis += #{earlier: r_a > r_b}
              = earlier - below[r_b]  (earlier cells have a strictly smaller gold value),
        T_both += pairs within the group with equal metric rank (sum of C(h, 2) over the
                  group's rank histogram h; never a t x t comparison),

    T_x and T_y follow from value counts. O(groups x k x n) instead of O(k n^2) pairs.
    """
    valid = np.isfinite(x) & np.isfinite(ys).all(0)
    xv, yv = x[valid], ys[:, valid]
    k, n = yv.shape
    ranks = dense_ranks(yv).astype(np.int64)  # 1..R per row
    size = n + 1
    rows = np.arange(k)[:, None]
    below = np.zeros((k, size), np.int64)
    con = np.zeros(k, np.int64)
    dis = np.zeros(k, np.int64)
    ties_both = np.zeros(k, np.int64)
    order = np.argsort(xv, kind="stable")
    values, starts = np.unique(xv[order], return_index=True)
    earlier = 0
    for start, stop in zip(starts, list(starts[1:]) + [n]):
        r = ranks[:, order[start:stop]]  # (k, t)
        con += below[rows, r - 1].sum(1)
        dis += (earlier - below[rows, r]).sum(1)
        hist = np.bincount((rows * size + r).ravel(), minlength=k * size).reshape(k, size)
        if stop - start > 1:  # pairs of the group with equal metric rank, from its histogram
            ties_both += (hist * (hist - 1) // 2).sum(1)
        below += np.cumsum(hist, 1)
        earlier += stop - start
    _, x_counts = np.unique(xv, return_counts=True)
    tx = int((x_counts * (x_counts - 1) // 2).sum())
    y_counts = np.bincount((rows * size + ranks).ravel(), minlength=k * size).reshape(k, size)
    ty = (y_counts * (y_counts - 1) // 2).sum(1)
    return PairCounts(con=con, dis=dis, ties_human=tx - ties_both, ties_metric=ty - ties_both,
                      ties_both=ties_both, n=np.full(k, n, np.int64))


def fixed_gold_is_faster(x: np.ndarray) -> bool:
    """Whether :func:`fixed_gold_pair_counts` beats the generic count for gold x.

    Its cost is k x (groups of equal gold) x n; the generic one is k x n^2 / 2 pairs for short
    vectors (``kendall.SHORT_MAX``) and a sort per draw for longer ones.
    """
    finite = x[np.isfinite(x)]
    return finite.size <= SHORT_MAX or len(np.unique(finite)) <= 256


def fixed_gold_statistic(coef: Coefficient, x: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Kendall-family statistic of gold x (n,) against each row of ys (k, n)."""
    distinct = None
    if coef.needs_distinct:
        valid = np.isfinite(x) & np.isfinite(ys).all(0)
        distinct = np.minimum(distinct_counts(x, valid), distinct_counts(ys, valid[None]))
    return coef.from_counts(fixed_gold_pair_counts(x, ys), distinct)


# ------------------------------------------------------------ Pearson / Spearman, shuffles
def grouped_shuffle_vectors(coef: Coefficient, x: np.ndarray, y: np.ndarray):
    """Per-group unit vectors (U, V) and defined groups ``ok`` of (G, n) matrices such that the
    Pearson (Spearman) r of group g with y shuffled within the group is shuffle(V_g) . U_g;
    U depends on the gold only (zero where the gold is undefined), so metrics with the same
    valid cells share it.

    A shuffle keeps a group's values, so their mean and spread: r = <u, v'> with u, v the
    centred, unit-norm gold and metric (their average ranks for Spearman); one group of all
    cells at ``none``. A group with fewer than two cells or a constant vector is undefined (NaN,
    as the generic path); None when a group's spread is so small against its mean that
    ``coefficients.pearson`` would hand it to scipy (the generic path decides those). Each
    group's vectors are first multiplied by a power of two (exact,
    :mod:`metaeval.stats.scaling`), so no product underflows or overflows at any scale."""
    if not (coef.linear or coef.rank_based):
        return None
    valid = np.isfinite(x) & np.isfinite(y)
    n = valid.sum(-1)
    xv, yv = np.where(valid, x, np.nan), np.where(valid, y, np.nan)
    if coef.rank_based:
        xv, yv = average_ranks(xv), average_ranks(yv)
    xv, yv = unit_scale(xv), unit_scale(yv)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = np.nansum(xv, -1) / n, np.nansum(yv, -1) / n
        xc = np.where(valid, xv - mx[:, None], 0.0)
        yc = np.where(valid, yv - my[:, None], 0.0)
        sx, sy = np.sqrt((xc * xc).sum(-1)), np.sqrt((yc * yc).sum(-1))
        gold_ok = (n >= 2) & ~constant(xv, valid)
        ok = gold_ok & ~constant(yv, valid)
        if (ok & ((sx < 1e-8 * np.abs(mx)) | (sy < 1e-8 * np.abs(my)))).any():
            return None
        U = np.where(gold_ok[:, None], xc / sx[:, None], 0.0)  # the gold's alone: shared by
        # every metric with these valid cells (chance._Unit), whatever groups they leave out
        V = np.where(ok[:, None], yc / sy[:, None], 0.0)
    return U, V, ok


def pooled_pearson_draws(gold: np.ndarray, scores: np.ndarray, systems: np.ndarray,
                         items: np.ndarray) -> np.ndarray:
    """Pooled Pearson of every draw from resampled sufficient statistics (exact up to rounding).

    A draw weights cell (s, i) by (times s drawn) x (times i drawn); the weighted sums of
    1, x, y, x^2, y^2, xy over valid cells (values centred first) give r. Gold and each metric
    are first multiplied by a power of two (exact, :mod:`metaeval.stats.scaling`): no square
    underflows or overflows, and the constancy threshold is relative to the largest value.
    """
    k = items.shape[0]
    S, n_items = gold.shape
    cs, ci = multiplicities(systems, items, S, n_items)
    out = np.empty((scores.shape[0], k))
    gold, scores = unit_scale(gold, (-2, -1)), unit_scale(scores, (-2, -1))
    for m, metric in enumerate(scores):
        valid = np.isfinite(gold) & np.isfinite(metric)
        x = np.where(valid, gold - gold[valid].mean() if valid.any() else 0.0, 0.0)
        y = np.where(valid, metric - metric[valid].mean() if valid.any() else 0.0, 0.0)
        q = np.stack([valid.astype(float), x, y, x * x, y * y, x * y])  # (6, S, I)
        # sum_s cs[d, s] sum_i q[., s, i] ci[d, i]: one BLAS product over the items first
        n, sx, sy, sxx, syy, sxy = np.einsum("qsk,ks->qk", (q.reshape(-1, n_items) @ ci.T)
                                             .reshape(6, S, k), cs)
        with np.errstate(invalid="ignore", divide="ignore"):
            vx = sxx - sx * sx / n
            vy = syy - sy * sy / n
            r = (sxy - sx * sy / n) / np.sqrt(vx * vy)
        const = (vx <= 1e-24 * np.maximum(1.0, n)) | (vy <= 1e-24 * np.maximum(1.0, n))
        out[m] = np.clip(np.where((n < 2) | const, np.nan, r), -1.0, 1.0)
    return out
