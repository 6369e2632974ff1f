"""System-level pairwise accuracy pooled over groups ("global accuracy", WMT21-23).

Kocmi et al. 2021 (arXiv 2107.10821); mt-metrics-eval ``CompareMetricsWithGlobalAccuracy``:
over several test sets or language pairs, every pair of systems *within* a group counts once,

    accuracy = sum_groups #(sign(d gold) == sign(d metric)) / sum_groups #pairs,

ties agreeing only with ties (mt-metrics-eval ``stats.Agreement``). Its significance is
PERM-BOTH on the system scores (mt-metrics-eval ``PermutationSigDiff`` with ``average_by
none``): each metric z-scored over its cells, each (group, system) score swapped between the two
metrics with probability 1/2; all pairs are vectorised over the draws.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from metaeval.stats.scaling import unit_scale


def _pairs(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j), i < j, of systems in the same group."""
    first, second = [], []
    for value in dict.fromkeys(groups.tolist()):
        members = np.flatnonzero(groups == value)
        for i, j in combinations(members, 2):
            first.append(i)
            second.append(j)
    return np.array(first, int), np.array(second, int)


def grouped_accuracy(gold: np.ndarray, scores: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Accuracy per metric (and leading batch axes): gold (S,), scores (..., S), groups (S,).
    NaN cells leave their pairs out; NaN when no pair is left."""
    i, j = _pairs(np.asarray(groups))
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    dg = np.sign(gold[i] - gold[j])
    dm = np.sign(scores[..., i] - scores[..., j])
    valid = np.isfinite(dg) & np.isfinite(dm)
    agree = ((dg == dm) & valid).sum(-1)
    total = valid.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, agree / total, np.nan)


def grouped_accuracy_perm_both(gold: np.ndarray, scores: np.ndarray, groups: np.ndarray,
                               k: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """(delta (M, M), one-sided p (M, M) for "a better than b", {(a, b): k null deltas})."""
    scores = np.asarray(scores, float)
    present = np.isfinite(np.asarray(gold, float))
    z = unit_scale(np.where(present, scores, np.nan))  # exact: z at any scale of the scores
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (z - np.nanmean(z, -1, keepdims=True)) / np.nanstd(z, -1, keepdims=True)
    value = grouped_accuracy(gold, z, groups)
    M = len(scores)
    delta = value[:, None] - value[None, :]
    p = np.full((M, M), np.nan)
    rng = np.random.default_rng(seed)
    masks = rng.random((k, scores.shape[-1])) < 0.5
    null = {}
    for a, b in combinations(range(M), 2):
        a_star = np.where(masks, z[b], z[a])
        b_star = np.where(masks, z[a], z[b])
        draws = grouped_accuracy(gold, a_star, groups) - grouped_accuracy(gold, b_star, groups)
        null[(a, b)] = draws
        p[a, b] = ((draws >= delta[a, b] - 1e-12).sum() + 1) / (k + 1)
        p[b, a] = ((draws <= delta[a, b] + 1e-12).sum() + 1) / (k + 1)
    np.fill_diagonal(delta, np.nan)
    return delta, p, null
