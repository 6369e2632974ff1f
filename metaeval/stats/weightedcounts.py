"""Pair counts of many weighted multisets of one (x, y) vector pair, for long vectors with few
distinct values in one of them (MQM-like gold: a few dozen distinct scores, tens of thousands
of cells): the pooled bootstrap draws of the Kendall family.

Draw d holds cell c w[d, c] times. The cells are grouped by the *outer* vector (the one with
fewer distinct values), the other is ranked (inner). Pairs in different outer groups are counted
by divide and conquer over the groups (:func:`_split_plan`: each pair meets in one split of an
earlier and a later half; a running weight sum in inner-rank order of the earlier half, read at
precomputed positions, gives its concordant and discordant weight), pairs within a group from
the group's weight at each inner rank:

    C = sum over splits, c in the later half: w_c cum[#earlier cells ranked below c],
    D = sum w_c (W_earlier - cum[#earlier cells ranked at or below c]),
    T_both = sum over (outer, inner) values of H (H - 1) / 2  (copies of a cell tie in both),

T_outer and T_inner from the weight of each value, N = W (W - 1) / 2 with W = sum w. Cost
O(draws x n log2 groups), memory (draws x n) per block of draws; exact (integer weights in
float64).
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.paircounts import PairCounts
from metaeval.stats.rankdraws import multiplicities

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


def _split_plan(groups: np.ndarray, ranks: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Divide and conquer over the outer groups 0..L-1: for each split of a group range into
    an earlier half E and a later half F, the cells of E sorted by inner rank and, for each
    cell of F, how many cells of E rank below it (``lt``) and at or below it (``le``). Every
    pair of cells in different groups meets in exactly one split (log2 L levels)."""
    plan = []
    stack = [(0, int(groups.max()) + 1 if groups.size else 0)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        mid = (lo + hi) // 2
        early = np.flatnonzero((groups >= lo) & (groups < mid))
        late = np.flatnonzero((groups >= mid) & (groups < hi))
        if early.size and late.size:
            early = early[np.argsort(ranks[early], kind="stable")]
            sorted_ranks = ranks[early]
            plan.append((early, late, np.searchsorted(sorted_ranks, ranks[late], "left"),
                         np.searchsorted(sorted_ranks, ranks[late], "right")))
        stack += [(lo, mid), (mid, hi)]
    return plan


def _concordance(outer: np.ndarray, inner: np.ndarray, w: np.ndarray):
    """(con, dis, ties_both) of the weighted multisets, outer grouped, inner ranked.

    A pair of cells in different outer groups (the later one has the larger outer value) is
    concordant when the later cell ranks higher on inner, discordant when lower: per split of
    :func:`_split_plan`, with cum the running weight of E in rank order,
    C += sum_{c in F} w_c cum[lt_c], D += sum_{c in F} w_c (W_E - cum[le_c]).
    Pairs within a group tie on outer; T_both sums H (H - 1) / 2 over the group's inner ranks
    (H = weight at the rank; copies of one cell are pairs tied in both)."""
    b = w.shape[0]
    if w.shape[1] == 0:
        return np.zeros(b), np.zeros(b), np.zeros(b)
    groups = np.unique(outer, return_inverse=True)[1].ravel()
    ranks = np.unique(inner, return_inverse=True)[1].ravel()
    con, dis = np.zeros(b), np.zeros(b)
    for early, late, lt, le in _split_plan(groups, ranks):
        cum = np.zeros((b, early.size + 1))
        np.cumsum(w[:, early], axis=1, out=cum[:, 1:])
        wl = w[:, late]
        con += np.einsum("bc,bc->b", wl, cum[:, lt])
        dis += wl.sum(1) * cum[:, -1] - np.einsum("bc,bc->b", wl, cum[:, le])
    # pairs tied in both: equal (outer group, inner rank); one key per combination
    key = groups.astype(np.int64) * (int(ranks.max()) + 1) + ranks
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    h = np.add.reduceat(w[:, order], starts, axis=1)
    return con, dis, (h * (h - 1) / 2).sum(1)


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
