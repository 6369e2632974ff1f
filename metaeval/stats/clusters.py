"""Significance clusters of metrics (mt-metrics-eval ``AssignRanks``; WMT metrics task practice).

Metrics are sorted by their statistic, best first. Walking down the list, metric i opens a new
cluster (rank + 1) when some metric j of the current cluster is significantly better than it:
p[j, i] < alpha, where p[j, i] is the p-value for "j correlates better than i". Metrics whose
statistic is NaN share one last cluster.
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import StatsError


def significance_clusters(values, p_matrix, alpha: float = 0.05) -> np.ndarray:
    """Cluster rank of each metric (1 = best), in the input order of ``values``; NaN for a
    metric whose value is NaN (it belongs to no cluster)."""
    values = np.asarray(values, float)
    p = np.asarray(p_matrix, float)
    m = values.shape[0]
    if values.ndim != 1 or p.shape != (m, m):
        raise StatsError(f"values must be (M,) and p_matrix (M, M); got {values.shape} and {p.shape}.")
    finite = np.isfinite(values)
    order = [int(i) for i in np.argsort(-values[finite], kind="stable")]
    order = [int(i) for i in np.flatnonzero(finite)[order]]
    ranks = np.full(m, np.nan)
    rank, cluster = 1, []
    for i in order:
        if any(p[j, i] < alpha for j in cluster):
            rank += 1
            cluster = []
        cluster.append(i)
        ranks[i] = rank
    return ranks
