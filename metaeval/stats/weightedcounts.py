"""Pair counts of many weighted multisets of one (x, y) vector pair, for long vectors with few
distinct values in one of them (MQM-like gold: a few dozen distinct scores, tens of thousands
of cells): the pooled bootstrap draws of the Kendall family.

Draw d holds cell c w[d, c] times. Cells are visited one group of equal *outer* values at a
time (the vector with fewer distinct values), with the other vector as dense ranks r = 1..R and
a running table below[d, r] = weight of earlier cells with rank <= r:

    C += sum_c w_c below[r_c - 1],   D += sum_c w_c (earlier - below[r_c]),
    T_both += sum over the group's ranks of H (H - 1) / 2  (H = the group's weight at a rank;
              copies of one cell are pairs tied in both),

T_outer and T_inner from the weight of each value, N = W (W - 1) / 2 with W = sum w. Cost
(groups x draws x R), memory (draws x R) per block of draws; exact (integer weights in float64).
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.paircounts import PairCounts

MAX_GROUPS = 512  # beyond this many groups in both vectors the per-draw sort is cheaper
BLOCK_BYTES = 64e6


def grouped_is_faster(x: np.ndarray, y: np.ndarray) -> bool:
    valid = np.isfinite(x) & np.isfinite(y)
    return min(len(np.unique(x[valid])), len(np.unique(y[valid]))) <= MAX_GROUPS


def _tied_pairs(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum over distinct values of G (G - 1) / 2, G = weight of the value: (b,)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    g = np.add.reduceat(w[:, order], starts, axis=1)
    return (g * (g - 1) / 2).sum(1)


def _distinct(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Number of distinct values with a positive weight: (b,)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return (np.add.reduceat(w[:, order], starts, axis=1) > 0).sum(1)


def _concordance(outer: np.ndarray, inner: np.ndarray, w: np.ndarray):
    """(con, dis, ties_both) of the weighted multisets, outer grouped, inner ranked."""
    b = w.shape[0]
    ranks = np.unique(inner, return_inverse=True)[1].ravel() + 1
    size = int(ranks.max()) + 1
    below = np.zeros((b, size))
    earlier = np.zeros(b)
    con, dis, both = np.zeros(b), np.zeros(b), np.zeros(b)
    order = np.argsort(outer, kind="stable")
    ordered = outer[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    for start, stop in zip(starts, list(starts[1:]) + [len(order)]):
        cells = order[start:stop]
        r, wg = ranks[cells], w[:, cells]
        con += (wg * below[:, r - 1]).sum(1)
        dis += (wg * (earlier[:, None] - below[:, r])).sum(1)
        by_rank = np.argsort(r, kind="stable")
        r_sorted = r[by_rank]
        first = np.flatnonzero(np.r_[True, r_sorted[1:] != r_sorted[:-1]])
        h = np.add.reduceat(wg[:, by_rank], first, axis=1)  # (b, distinct ranks of the group)
        both += (h * (h - 1) / 2).sum(1)
        hist = np.zeros((b, size))
        hist[:, r_sorted[first]] = h
        low = int(r_sorted[0])
        below[:, low:] += np.cumsum(hist[:, low:], 1)
        earlier += wg.sum(1)
    return con, dis, both


def grouped_pair_counts(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> PairCounts:
    """Pair counts of the multisets holding cell c of (x, y) ``weights[d, c]`` times: (k,)."""
    valid = np.isfinite(x) & np.isfinite(y)
    xv, yv = x[valid], y[valid]
    w = np.asarray(weights, float)[:, valid]
    swap = len(np.unique(yv)) < len(np.unique(xv))
    outer, inner = (yv, xv) if swap else (xv, yv)
    parts = []
    block = max(1, int(BLOCK_BYTES // (8 * (len(np.unique(inner)) + 1))))
    for start in range(0, w.shape[0], block):
        parts.append(_concordance(outer, inner, w[start:start + block]))
    con, dis, both = (np.concatenate(p) for p in zip(*parts))
    total = w.sum(1)
    tx, ty = _tied_pairs(xv, w), _tied_pairs(yv, w)
    as_int = lambda v: np.rint(v).astype(np.int64)  # noqa: E731 - exact integers in float64
    return PairCounts(con=as_int(con), dis=as_int(dis), ties_human=as_int(tx - both),
                      ties_metric=as_int(ty - both), ties_both=as_int(both),
                      n=as_int(total))


def grouped_distinct(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """min(distinct x, distinct y) among the cells with a positive weight (for tau-c): (k,)."""
    valid = np.isfinite(x) & np.isfinite(y)
    w = np.asarray(weights, float)[:, valid]
    return np.minimum(_distinct(x[valid], w), _distinct(y[valid], w))


def grouped_pair_draws(gold: np.ndarray, scores: np.ndarray, coef, systems: np.ndarray,
                       items: np.ndarray, chunk: int = 100) -> np.ndarray:
    """Pooled Kendall-family statistic of every bootstrap draw (systems (k, S), items (k, I)
    drawn indices): (M, k)."""
    from metaeval.stats.rankdraws import multiplicities

    cs, ci = multiplicities(systems, items, *gold.shape)
    k = items.shape[0]
    x = gold.ravel()
    out = np.empty((scores.shape[0], k))
    for start in range(0, k, chunk):
        sl = slice(start, start + chunk)
        w = (cs[sl, :, None] * ci[sl, None, :]).reshape(-1, x.size)
        for m, metric in enumerate(scores):
            y = metric.ravel()
            distinct = grouped_distinct(x, y, w) if coef.needs_distinct else None
            out[m, sl] = coef.from_counts(grouped_pair_counts(x, y, w), distinct)
    return out
