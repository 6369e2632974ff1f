"""Pooled (level ``none``) bootstrap draws of a rank-based coefficient (Spearman) without
re-ranking every draw.

A draw repeats cell c w_c times (w_c = times its system drawn x times its item drawn). In the
resampled multiset a value's average rank is (weight of the smaller values) + (weight of the
equal values + 1) / 2; with the cells sorted once by value, that is a cumulative sum over the
groups of equal values. Spearman rho of the draw is then the w-weighted Pearson r of those ranks,
which is exactly the Spearman rho of the expanded resample (ties included). O(k n) per metric
instead of a sort per draw; draws are processed ``chunk`` at a time (memory k_chunk x n).
"""

from __future__ import annotations

import numpy as np

CHUNK_CELLS = 4_000_000  # draws x cells per block


def multiplicities(systems: np.ndarray, items: np.ndarray, n_systems: int,
                   n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """(k, S) and (k, I) counts of each system / item in each draw."""
    k = items.shape[0]
    cs = np.zeros((k, n_systems))
    ci = np.zeros((k, n_items))
    np.add.at(cs, (np.arange(k)[:, None], systems), 1.0)
    np.add.at(ci, (np.arange(k)[:, None], items), 1.0)
    return cs, ci


def _ranker(values: np.ndarray):
    """(order, starts, group of each sorted position) of the values' equal-value groups."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.ones(len(ordered), bool)
    new[1:] = ordered[1:] != ordered[:-1]
    return order, np.flatnonzero(new), np.cumsum(new) - 1


def _ranks(w: np.ndarray, ranker) -> np.ndarray:
    """Average ranks (b, n) of the cells in the multisets with weights w (b, n), in cell order."""
    order = ranker[0]
    out = np.empty_like(w)
    out[:, order] = _sorted_ranks(w[:, order], ranker)
    return out


def _weighted_r(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = w.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (w * x).sum(1) / n
        my = (w * y).sum(1) / n
        xc, yc = x - mx[:, None], y - my[:, None]
        vx, vy = (w * xc * xc).sum(1), (w * yc * yc).sum(1)
        r = (w * xc * yc).sum(1) / np.sqrt(vx * vy)
    undefined = (n < 2) | (vx <= 1e-18 * n * n) | (vy <= 1e-18 * n * n)
    return np.clip(np.where(undefined, np.nan, r), -1.0, 1.0)


def _sorted_ranks(ws: np.ndarray, ranker) -> np.ndarray:
    """Average ranks (b, n) of the cells in the multisets, in the ranker's sorted order, from
    the weights ws (b, n) in that order: (weight of smaller values) + (group weight + 1) / 2."""
    _, starts, group = ranker
    if len(starts) == ws.shape[1]:  # no ties: each cell is its own group
        rank = np.cumsum(ws, 1)
        rank -= (ws - 1) / 2
        return rank
    weight = np.add.reduceat(ws, starts, axis=1)  # (b, groups)
    rank = np.cumsum(weight, 1) - weight + (weight + 1) / 2
    return rank[:, group]


def pooled_rank_draws(gold: np.ndarray, scores: np.ndarray, systems: np.ndarray,
                      items: np.ndarray) -> np.ndarray:
    """Spearman rho of every metric (M) in every draw (k) at level none: (M, k).

    The gold's ranks of a draw are computed once for all metrics with the same valid cells;
    each metric's ranks and the weighted r are evaluated in the metric's sorted order."""
    cs, ci = multiplicities(systems, items, *gold.shape)
    k = items.shape[0]
    out = np.full((scores.shape[0], k), np.nan)
    by_mask: dict[bytes, list[int]] = {}
    for m, metric in enumerate(scores):
        valid = np.isfinite(gold) & np.isfinite(metric)
        if valid.sum() >= 2:
            by_mask.setdefault(valid.tobytes(), []).append(m)
    for members in by_mask.values():
        valid = np.isfinite(gold) & np.isfinite(scores[members[0]])
        s_idx, i_idx = np.nonzero(valid)
        gx = _ranker(gold[valid])
        rankers = [_ranker(scores[m][valid]) for m in members]
        chunk = max(1, CHUNK_CELLS // len(s_idx))
        for start in range(0, k, chunk):
            sl = slice(start, start + chunk)
            w = cs[sl][:, s_idx] * ci[sl][:, i_idx]  # (b, n)
            rx = _ranks(w, gx)
            for m, ranker in zip(members, rankers):
                order = ranker[0]
                ws = w[:, order]
                out[m, sl] = _weighted_r(ws, rx[:, order], _sorted_ranks(ws, ranker))
    return out
