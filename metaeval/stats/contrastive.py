"""Statistics of contrastive pairs (challenge sets such as ACES; Amrhein, Moghe, Guillou, WMT22).

A pair holds a good and an incorrect translation of one source; a metric's outcome on it is
``+1`` when it scores the good one higher and ``-1`` otherwise (ties count as discordant), NaN
when either score is missing. A phenomenon's tau = (C - D) / (C + D) is the mean outcome of its
pairs (:func:`metaeval.stats.kendall.contrastive_tau`). A summary statistic that is a weighted
sum of phenomenon taus (a category mean, the ACES-Score) is linear in the outcomes, so:

- :func:`bootstrap_taus`: pairs are resampled within each phenomenon (the phenomenon sizes stay
  fixed), ``k`` draws of every phenomenon tau for every metric at once; any weighted summary of
  the draws is a draw of that summary.
- :func:`pair_permutation`: PERM-BOTH on pairs (Deutsch, Dror & Roth 2021): each pair's outcomes
  are swapped between metrics a and b with probability 1/2 (swapping the z-scored scores of a
  pair swaps exactly its outcomes), delta* = sum_i w_i s_i (o_a,i - o_b,i) for random signs s,
  p = (c + 1) / (k + 1) with c = #(delta* >= delta). Pairs where the two outcomes agree do not
  move delta*; with at most :data:`EXACT_PAIRS` pairs that disagree, all 2^n sign vectors are
  enumerated and p = #(delta* >= delta) / 2^n is exact.
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import ParameterError

EXACT_PAIRS = 14  # enumerate every sign vector up to 2^14 = 16384 of them


def outcomes(good: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """+1 where good > bad, -1 where good <= bad (ties discordant), NaN where either is missing."""
    good, bad = np.broadcast_arrays(np.asarray(good, float), np.asarray(bad, float))
    valid = np.isfinite(good) & np.isfinite(bad)
    return np.where(valid, np.where(good > bad, 1.0, -1.0), np.nan)


def group_means(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of the finite ``values`` (..., P) per group code (P,) -> (..., G); NaN if none."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    one_hot = np.eye(n_groups)[groups]  # (P, G)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (filled @ one_hot) / (finite @ one_hot)


def bootstrap_taus(outcome: np.ndarray, groups: np.ndarray, n_groups: int, k: int,
                   seed: int = 0) -> np.ndarray:
    """(M, k, G) draws of every group's tau, pairs resampled with replacement within groups."""
    if k < 1:
        raise ParameterError("k", k, "the number of bootstrap draws must be at least 1.")
    rng = np.random.default_rng(seed)
    draws = np.full((outcome.shape[0], k, n_groups), np.nan)
    for g in range(n_groups):
        members = np.flatnonzero(groups == g)
        if members.size == 0:
            continue
        picked = members[rng.integers(0, members.size, size=(k, members.size))]  # (k, n_g)
        sample = outcome[:, picked]  # (M, k, n_g)
        finite = np.isfinite(sample)
        with np.errstate(invalid="ignore", divide="ignore"):
            draws[:, :, g] = np.where(finite, sample, 0.0).sum(-1) / finite.sum(-1)
    return draws


def pair_weights(groups: np.ndarray, group_weights: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-pair weights of ``sum_g group_weights[g] * tau_g`` over the ``valid`` pairs."""
    counts = np.bincount(groups[valid], minlength=len(group_weights))
    return np.where(valid, group_weights[groups] / np.maximum(counts[groups], 1), 0.0)


def pair_permutation(outcome_a: np.ndarray, outcome_b: np.ndarray, groups: np.ndarray,
                     group_weights: np.ndarray, k: int = 1000,
                     seed: int = 0) -> tuple[float, float]:
    """(p, delta) for "metric a has the higher ``sum_g group_weights[g] * tau_g``", on the
    pairs where both outcomes are finite (each group's tau over those pairs)."""
    if k < 1:
        raise ParameterError("k", k, "the number of permutation draws must be at least 1.")
    valid = np.isfinite(outcome_a) & np.isfinite(outcome_b)
    weights = pair_weights(groups, np.asarray(group_weights, float), valid)
    keep = valid & (weights != 0)
    if not keep.any():
        return float("nan"), float("nan")
    d = (outcome_a - outcome_b)[keep] * weights[keep]
    delta = float(d.sum())
    moving = d[d != 0]
    if moving.size <= EXACT_PAIRS:
        signs = ((np.arange(2 ** moving.size)[:, None] >> np.arange(moving.size)) & 1) * 2.0 - 1
        return float(np.mean(signs @ moving >= delta - 1e-12)), delta
    signs = np.random.default_rng(seed).integers(0, 2, size=(k, moving.size)) * 2.0 - 1.0
    exceed = int((signs @ moving >= delta - 1e-12).sum())
    return (exceed + 1) / (k + 1), delta
