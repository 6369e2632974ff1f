"""WMT20 "Kendall-like" tau over pairs with a clear human preference (Mathur, Wei, Freitag, Ma &
Bojar 2020, "Results of the WMT20 Metrics Shared Task"; google-research/mt-metrics-eval
``stats.KendallLike``, ``thresh=25`` for WMT20 DA).

Over the pairs (a, b) of a vector whose gold difference is at least the threshold,
``|g_a - g_b| >= thresh``: concordant when (g_a - g_b > 0 and m_a > m_b) or (g_a - g_b < 0 and
m_a < m_b), else discordant (a metric tie is discordant); tau = (C - D) / (C + D). NaN when no
pair is counted (MTME returns 0 there; the engine reports the NaN with a reason). A cell with a
NaN gold or metric value is dropped (pairwise filtering).

Levels: ``none`` (all cells) and ``system`` (the system means) are one vector. At ``item`` and
``sys`` MTME averages with ``macro=False``: each group's tau weighted by its counted pairs
C_g + D_g (groups without a counted pair drop out), which is (sum C_g - sum D_g) /
(sum C_g + sum D_g), computed here from the integer counts. The ``--average`` setting (mean or
median of per-group values) does not apply.

Counting: vectors up to ``SHORT_MAX`` cells enumerate every pair; longer ones (pooled cells,
``sys`` over many items) sort the gold values: with thresh > 0 the partners b that a beats by
at least thresh, ``fl(g_a - g_b) >= thresh``, are a prefix of the gold order (the rounded
difference falls as g_b grows), and the concordant ones among them (m_b < m_a) are a dominance
count (``paircounts.prefix_greater``), O(n log^2 n). Both give the same integers.
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.grouping import check_level, group_vectors
from metaeval.stats.paircounts import prefix_greater
from metaeval.stats.paired import paired, safe_ratio

THRESHOLD = 25.0
SHORT_MAX = 256
_CHUNK_ELEMENTS = 1 << 22  # pair cells per chunk in the all-pairs path


def _check(thresh) -> float:
    thresh = float(thresh)
    if not thresh >= 0:
        raise ParameterError("thresh", thresh, "the gold-difference threshold must be a "
                             "non-negative number (WMT20 DA: 25).")
    return thresh


def _all_pairs(g: np.ndarray, m: np.ndarray, thresh: float) -> tuple[np.ndarray, np.ndarray]:
    """(C, D) of (B, n) rows (NaN = dropped) by enumerating every pair (i < j)."""
    rows, n = g.shape
    i, j = np.triu_indices(n, 1)
    con = np.zeros(rows, np.int64)
    counted = np.zeros(rows, np.int64)
    step = max(1, _CHUNK_ELEMENTS // max(1, len(i)))
    for start in range(0, rows, step):
        sl = slice(start, start + step)
        dg = g[sl, i] - g[sl, j]  # NaN where a cell is missing: never counted
        mi, mj = m[sl, i], m[sl, j]
        ok = np.abs(dg) >= thresh
        right = ok & (((dg > 0) & (mi > mj)) | ((dg < 0) & (mi < mj)))
        con[sl] = np.count_nonzero(right, axis=-1)
        counted[sl] = np.count_nonzero(ok, axis=-1)
    return con, counted - con


def _prefix_ends(gs: np.ndarray, thresh: float) -> np.ndarray:
    """For sorted gs: L[a] = #{k : fl(gs[a] - gs[k]) >= thresh} (a prefix of the order)."""
    n = len(gs)
    ends = np.searchsorted(gs, gs - thresh, side="right")
    while True:  # gs[a] - thresh is rounded: move each end to where the rounded difference crosses
        last = np.clip(ends - 1, 0, n - 1)
        left = (ends > 0) & ~(gs - gs[last] >= thresh)
        if not left.any():
            break
        ends[left] = np.searchsorted(gs, gs[last[left]], side="left")
    while True:
        nxt = np.clip(ends, 0, n - 1)
        right = (ends < n) & (gs - gs[nxt] >= thresh)
        if not right.any():
            break
        ends[right] = np.searchsorted(gs, gs[nxt[right]], side="right")
    return ends


def _sorted(g: np.ndarray, m: np.ndarray, thresh: float) -> tuple[int, int]:
    """(C, D) of finite 1-D vectors by sorting the gold values (see the module docstring)."""
    n = len(g)
    if n < 2:
        return 0, 0
    order = np.argsort(g, kind="stable")
    gs, ms = g[order], m[order]
    if thresh == 0:  # every pair counts; the partners that a beats are those with lower gold
        ends = np.searchsorted(gs, gs, side="left")
        counted = n * (n - 1) // 2
    else:
        ends = _prefix_ends(gs, thresh)
        counted = int(ends.sum())
    _, ranks = np.unique(ms, return_inverse=True)
    flipped = int(ranks.max()) - ranks.astype(np.int64).ravel()  # larger = lower metric score
    con = int(prefix_greater(flipped, ends.astype(np.int64), flipped).sum())
    return con, counted - con


def kendall_like_counts(gold, metric, thresh: float = THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Concordant and discordant counts (C, D) over the last axis: (..., n) -> (...) each."""
    thresh = _check(thresh)
    g, m, valid = paired(gold, metric)
    batch, n = g.shape[:-1], g.shape[-1]
    rows = int(np.prod(batch, dtype=np.int64))
    gf, mf = g.reshape(rows, n), m.reshape(rows, n)
    if n <= SHORT_MAX:
        con, dis = _all_pairs(gf, mf, thresh)
    else:
        vf = valid.reshape(rows, n)
        counts = np.array([_sorted(gf[r, vf[r]], mf[r, vf[r]], thresh) for r in range(rows)],
                          np.int64).reshape(rows, 2)
        con, dis = counts[:, 0], counts[:, 1]
    return con.reshape(batch), dis.reshape(batch)


def kendall_like(gold, metric, thresh: float = THRESHOLD) -> np.ndarray:
    """WMT20 Kendall-like tau of vectors over the last axis: (C - D) / (C + D); NaN when no
    pair has a gold difference of at least ``thresh``: (..., n) -> (...)."""
    con, dis = kendall_like_counts(gold, metric, thresh)
    return safe_ratio(con - dis, con + dis)


def kendall_like_at_level(gold, metric, level: str, thresh: float = THRESHOLD) -> np.ndarray:
    """Kendall-like tau of (..., S, I) matrices at ``level``; ``item`` and ``sys`` pool the
    groups' counts (MTME's pair-count weighted average): (...)."""
    check_level(level)
    g, m = group_vectors(gold, metric, level)
    con, dis = kendall_like_counts(g, m, thresh)
    if level in ("item", "sys"):
        con, dis = con.sum(-1), dis.sum(-1)
    return safe_ratio(con - dis, con + dis)
