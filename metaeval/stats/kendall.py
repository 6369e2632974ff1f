"""Kendall-family statistics, each a function of the pair counts (:mod:`metaeval.stats.paircounts`).

Every statistic is written once, as ``*_from_counts(counts, distinct=None)``; the plain
functions (``kendall_tau_b(x, y)`` ...) count the pairs of their vectors and call it, and the
resampling fast paths (:mod:`metaeval.stats.fastpaths`) call the same function on pair counts
of resampled or shuffled vectors. ``distinct`` (only tau-c needs it) is
``min(#distinct human values, #distinct metric values)``. With ``C, D, T_h, T_m, T_b`` the
concordant, discordant, human-only, metric-only and both-tied pairs and ``N`` all pairs:

- tau-b = (C - D) / sqrt((N - T_h - T_b)(N - T_m - T_b))          (Kendall 1945)
- tau-c = 2 (C - D) / (n^2 (m - 1) / m), m = ``distinct``          (Stuart 1953)
- tau_23 = (C + T_b - D - T_h - T_m) / N,  acc_23 = (C + T_b) / N  (Deutsch et al. 2023)
- ACES tau = (C - D - T_m) / (C + D + T_m)                        (Amrhein et al. 2022)
- pairwise accuracy = (C + T_b) / N                                (Kocmi et al. 2021)

Conventions: arguments ``(human, metric)`` of shape ``(..., n)``; NaN/inf drop a cell; results
have shape ``(...)`` and are NaN where the statistic is undefined.
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.paircounts import PairCounts, pair_counts
from metaeval.stats.paired import paired, safe_ratio


def tau_b_from_counts(c: PairCounts, distinct: np.ndarray | None = None) -> np.ndarray:
    """Kendall tau-b; NaN when every pair ties in x or in y (constant vector, < 2 cells)."""
    n_pairs = c.n_pairs.astype(float)
    a, b = n_pairs - c.human_ties, n_pairs - c.metric_ties
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (c.con - c.dis) / np.sqrt(a) / np.sqrt(b)
    return np.clip(np.where((a > 0) & (b > 0), tau, np.nan), -1.0, 1.0)


def tau_c_from_counts(c: PairCounts, distinct: np.ndarray | None = None) -> np.ndarray:
    """Stuart's tau-c; NaN when every pair ties in x or in y (as scipy ``variant='c'``)."""
    m = np.asarray(distinct, float)
    n = c.n.astype(float)
    undefined = (c.human_ties == c.n_pairs) | (c.metric_ties == c.n_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = 2.0 * (c.con - c.dis) / (n**2 * (m - 1) / m)
    return np.clip(np.where(undefined, np.nan, tau), -1.0, 1.0)


def tau_23_from_counts(c: PairCounts, distinct: np.ndarray | None = None) -> np.ndarray:
    """tau_23 over all pairs (ties in either score count against the metric unless both tie)."""
    return safe_ratio(c.con + c.ties_both - c.dis - c.ties_human - c.ties_metric, c.n_pairs)


def acc_23_from_counts(c: PairCounts, distinct: np.ndarray | None = None) -> np.ndarray:
    """acc_23 (= pairwise accuracy): share of pairs whose order (or tie) the metric gets right."""
    return safe_ratio(c.con + c.ties_both, c.n_pairs)


def aces_tau_from_counts(c: PairCounts, distinct: np.ndarray | None = None) -> np.ndarray:
    """ACES tau-like over the pairs with a human difference; metric ties are discordant."""
    discordant = c.dis + c.ties_metric
    return safe_ratio(c.con - discordant, c.con + discordant)


def distinct_counts(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Number of distinct values among the valid cells, over the last axis."""
    s = np.sort(np.where(valid, x, np.nan), axis=-1)  # NaN sorts last
    n = valid.sum(-1)
    if s.shape[-1] < 2:
        return n
    new = (s[..., 1:] != s[..., :-1]) & ~np.isnan(s[..., 1:])
    return np.where(n > 0, new.sum(-1) + 1, 0)


def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall tau-b = (C - D) / sqrt((N - T_x)(N - T_y)), T_x / T_y all ties of each vector."""
    return tau_b_from_counts(pair_counts(x, y))


def kendall_tau_c(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Stuart's tau-c = 2 (C - D) / (n^2 (m - 1) / m), m = min(#distinct x, #distinct y)."""
    xp, yp, valid = paired(x, y)
    m = np.minimum(distinct_counts(xp, valid), distinct_counts(yp, valid))
    return tau_c_from_counts(pair_counts(xp, yp), m)


def tau_23(x: np.ndarray, y: np.ndarray, epsilon: float = 0.0) -> np.ndarray:
    """tau_23 = (C + T_both - D - T_human - T_metric) / N over all N pairs (Deutsch et al. 2023)."""
    return tau_23_from_counts(pair_counts(x, y, epsilon))


def acc_23(x: np.ndarray, y: np.ndarray, epsilon: float = 0.0) -> np.ndarray:
    """acc_23 = (C + T_both) / N: share of pairs whose order (or tie) the metric gets right."""
    return acc_23_from_counts(pair_counts(x, y, epsilon))


def aces_tau(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ACES tau-like = (C - D) / (C + D) over the pairs with a human difference.

    C counts pairs the metric orders strictly as the human score does; every other such pair,
    including metric ties, is discordant (Amrhein et al. 2022, WMT22 ACES). Pairs tied in the
    human score are left out. NaN when no pair has a human difference.
    """
    return aces_tau_from_counts(pair_counts(x, y))


def contrastive_tau(good: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """ACES per-phenomenon tau over contrastive pairs: (C - D) / (C + D) over the last axis.

    C = #(score_good > score_bad), D = #(score_good <= score_bad) (ties are discordant);
    pairs with a NaN score are dropped; NaN when no pair is left.
    """
    good, bad = np.broadcast_arrays(np.asarray(good, float), np.asarray(bad, float))
    valid = np.isfinite(good) & np.isfinite(bad)
    con = (valid & (good > bad)).sum(-1)
    total = valid.sum(-1)
    return safe_ratio(2 * con - total, total)


def pairwise_agreement(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(agree, n_pairs): pairs with sign(dx) == sign(dy) (ties agree only with ties), and all pairs.

    Integer counts, so accuracies can be pooled over several groups (e.g. test sets) by summing.
    """
    c = pair_counts(x, y)
    return c.con + c.ties_both, c.n_pairs


def pairwise_accuracy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pairwise ranking accuracy (Kocmi et al. 2021): share of pairs with sign(dx) == sign(dy).

    Meant for system-level scores; equal to :func:`acc_23` with epsilon 0.
    """
    return acc_23_from_counts(pair_counts(x, y))
