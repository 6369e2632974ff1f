"""Pair counts of (human, metric) vectors, the sufficient statistics of the Kendall family.

Over the unordered pairs ``(i, j)`` of a vector of ``n`` (human, metric) values (Kendall 1945;
Deutsch, Foster & Freitag 2023, arXiv 2305.14324; mt-metrics-eval ``stats.KendallVariants``):

- ``con``: concordant pairs (human and metric order the pair the same way, neither ties);
- ``dis``: discordant pairs (opposite orders, neither ties);
- ``ties_human``: pairs tied only in the human score;
- ``ties_metric``: pairs tied only in the metric score;
- ``ties_both``: pairs tied in both.

A metric difference ``|m_i - m_j| <= epsilon`` counts as a metric tie; human ties are exact.
Arguments are ``(human, metric)`` with shape ``(..., n)``; a NaN (or infinite) value in either
drops that cell (pairwise filtering); counts have the batch shape ``(...)``.

Two ways of counting give identical integers:

- short vectors (``n <= SHORT_MAX``): every pair at once by broadcasting over
  ``np.triu_indices``; batch rows are processed in chunks so memory stays bounded;
- long vectors: a sort-based count in O(n log^2 n) (for each cell, the cells whose metric score
  exceeds it by more than epsilon form a suffix of the metric-sorted order; counting the larger
  human ranks in such suffixes is a dominance count done level by level with ``np.searchsorted``),
  one batch row at a time. This is what pooled (level ``none``) statistics over thousands of
  cells use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.paired import paired

SHORT_MAX = 256  # vectors up to this length use the all-pairs path
_CHUNK_ELEMENTS = 1 << 22  # pair cells per chunk in the all-pairs path


@dataclass(frozen=True)
class PairCounts:
    """Pair counts of ``(human, metric)`` vectors; every field has the batch shape ``(...)``."""

    con: np.ndarray
    dis: np.ndarray
    ties_human: np.ndarray  # tied only in the human score
    ties_metric: np.ndarray  # tied only in the metric score (|dm| <= epsilon)
    ties_both: np.ndarray
    n: np.ndarray  # valid (pairwise-complete) cells

    @property
    def n_pairs(self) -> np.ndarray:
        """All pairs of valid cells, n (n - 1) / 2."""
        return self.n * (self.n - 1) // 2

    @property
    def human_ties(self) -> np.ndarray:
        """All pairs tied in the human score (alone or with the metric)."""
        return self.ties_human + self.ties_both

    @property
    def metric_ties(self) -> np.ndarray:
        """All pairs tied in the metric score (alone or with the human score)."""
        return self.ties_metric + self.ties_both


def pair_counts(x: np.ndarray, y: np.ndarray, epsilon: float = 0.0) -> PairCounts:
    """Pair counts of human ``x`` and metric ``y`` over the last axis.

    ``epsilon``: metric differences ``|y_i - y_j| <= epsilon`` are metric ties (``epsilon >= 0``).
    """
    epsilon = float(epsilon)
    if not epsilon >= 0:
        raise ParameterError("epsilon", epsilon, "must be a non-negative number.")
    x, y, valid = paired(x, y)
    batch, n = x.shape[:-1], x.shape[-1]
    rows = int(np.prod(batch, dtype=np.int64))
    xf, yf = x.reshape(rows, n), y.reshape(rows, n)
    out = np.zeros((rows, 5), np.int64)
    if n <= SHORT_MAX:
        _all_pairs_counts(xf, yf, epsilon, out)
    else:
        vf = valid.reshape(rows, n)
        for b in range(rows):
            out[b] = _sorted_counts(xf[b, vf[b]], yf[b, vf[b]], epsilon)
    out = out.reshape(batch + (5,))
    return PairCounts(out[..., 0], out[..., 1], out[..., 2], out[..., 3], out[..., 4],
                      valid.sum(-1).astype(np.int64))


def dense_ranks(values: np.ndarray) -> np.ndarray:
    """Dense integer ranks (1..n) along the last axis of (B, n) rows; NaN -> -1.

    Only the order of values matters for exact (epsilon = 0) pair signs, and small integers
    make the all-pairs pass several times cheaper than float differences: int16 while the
    row length allows it (at most 32,767 values), int32 beyond (an int16 count would wrap to
    negative ranks).
    """
    dtype = np.int16 if values.shape[-1] <= np.iinfo(np.int16).max else np.int32
    order = np.argsort(values, axis=-1, kind="stable")
    ordered = np.take_along_axis(values, order, -1)
    new = np.ones(ordered.shape, bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ranks = np.empty(values.shape, dtype)
    np.put_along_axis(ranks, order, np.cumsum(new, -1, dtype=dtype), -1)
    ranks[np.isnan(values)] = -1
    return ranks


def _pair_signs(values: np.ndarray, i: np.ndarray, j: np.ndarray, epsilon: float) -> np.ndarray:
    """sign(v_i - v_j) as int8 for every pair, 0 where |v_i - v_j| <= epsilon, 2 where missing."""
    if epsilon == 0.0:
        ranks = dense_ranks(values)
        signs = np.sign(ranks[:, i] - ranks[:, j]).astype(np.int8)
        missing = (ranks[:, i] < 0) | (ranks[:, j] < 0)
    else:
        diff = values[:, i] - values[:, j]
        missing = np.isnan(diff)
        diff = np.where(missing, 0.0, diff)
        signs = np.where(np.abs(diff) <= epsilon, 0, np.sign(diff)).astype(np.int8)
    if missing.any():
        signs[missing] = 2  # never concordant, discordant or tied
    return signs


def _all_pairs_counts(x: np.ndarray, y: np.ndarray, epsilon: float, out: np.ndarray) -> None:
    """Counts for (B, n) rows (NaN = dropped cell) by enumerating every pair; fills out (B, 5)."""
    n = x.shape[-1]
    i, j = np.triu_indices(n, 1)
    if len(i) == 0:
        return
    step = max(1, _CHUNK_ELEMENTS // len(i))
    for start in range(0, x.shape[0], step):
        sl = slice(start, start + step)
        sx = _pair_signs(x[sl], i, j, 0.0)
        sy = _pair_signs(y[sl], i, j, epsilon)
        # a pair missing on one side must not count on the other
        sx[sy == 2] = 2
        sy[sx == 2] = 2
        product = sx * sy
        tied_x, tied_y = sx == 0, sy == 0
        both = np.count_nonzero(tied_x & tied_y, axis=-1)
        out[sl, 0] = np.count_nonzero(product == 1, axis=-1)
        out[sl, 1] = np.count_nonzero(product == -1, axis=-1)
        out[sl, 2] = np.count_nonzero(tied_x, axis=-1) - both
        out[sl, 3] = np.count_nonzero(tied_y, axis=-1) - both
        out[sl, 4] = both


def prefix_greater(values: np.ndarray, prefix: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """For each query q: #{k < prefix[q] : values[k] > threshold[q]} (values: ints in [0, K)).

    The prefix [0, s) splits into aligned blocks of width 2^l, one for each set bit l of s; at
    each level the blocks are sorted once (keys block * K + value) and each query reads its block
    count with two binary searches. O((n + q) log^2 n), no Python loop over elements.
    """
    n = len(values)
    out = np.zeros(len(prefix), np.int64)
    if n == 0 or len(prefix) == 0:
        return out
    big = int(values.max()) + 2
    positions = np.arange(n, dtype=np.int64)
    level = 0
    while (1 << level) <= n:
        keys = np.sort((positions >> level) * big + values)
        hit = ((prefix >> level) & 1).astype(bool)
        if hit.any():
            block = (prefix[hit] >> level) - 1
            hi = np.searchsorted(keys, (block + 1) * big, side="left")
            lo = np.searchsorted(keys, block * big + threshold[hit], side="right")
            out[hit] += hi - lo
        level += 1
    return out


def _suffix_starts(ys: np.ndarray, epsilon: float) -> np.ndarray:
    """For sorted ys: s[i] = first k with fl(ys[k] - ys[i]) > epsilon (exactly the pair rule)."""
    n = len(ys)
    s = np.searchsorted(ys, ys + epsilon, side="right")
    if epsilon == 0.0 or n == 0:
        return s  # fl(a - b) > 0 exactly when a > b
    # ys[i] + epsilon is rounded; move each boundary to where the rounded difference crosses.
    while True:
        prev = np.clip(s - 1, 0, n - 1)
        left = (s > 0) & (ys[prev] - ys > epsilon)
        if not left.any():
            break
        s[left] = np.searchsorted(ys, ys[prev[left]], side="left")
    while True:
        cur = np.clip(s, 0, n - 1)
        right = (s < n) & ~(ys[cur] - ys > epsilon)
        if not right.any():
            break
        s[right] = np.searchsorted(ys, ys[cur[right]], side="right")
    return s


def _sorted_counts(x: np.ndarray, y: np.ndarray, epsilon: float) -> np.ndarray:
    """(con, dis, ties_human, ties_metric, ties_both) of 1-D finite vectors by sorting."""
    n = len(x)
    if n < 2:
        return np.zeros(5, np.int64)
    _, xr = np.unique(x, return_inverse=True)
    xr = xr.astype(np.int64).ravel()
    order = np.argsort(y, kind="stable")
    ys, xs = y[order], xr[order]
    s = _suffix_starts(ys, epsilon)  # metric-untied partners of i are the cells k >= s[i]
    above = n - s
    counts = np.bincount(xr)
    at_most = np.cumsum(counts)  # at_most[r] = #{k : xr[k] <= r}
    greater = n - at_most[xs]  # #{k : xr[k] > xs[i]}
    greater_eq = greater + counts[xs]
    before = prefix_greater(xs, np.concatenate([s, s]), np.concatenate([xs, xs - 1]))
    gt = greater - before[:n]  # partners ranked higher by the human score: concordant
    ge = greater_eq - before[n:]
    con = int(gt.sum())
    dis = int((above - ge).sum())
    ties_human = int((ge - gt).sum())
    human_tie_pairs = int((counts * (counts - 1) // 2).sum())
    ties_both = human_tie_pairs - ties_human
    n_pairs = n * (n - 1) // 2
    ties_metric = n_pairs - int(above.sum()) - ties_both
    return np.array([con, dis, ties_human, ties_metric, ties_both], np.int64)
