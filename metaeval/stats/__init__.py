"""The statistics engine: pure numpy/scipy, no I/O, vectorised over a leading draw axis.

Inputs are dense system x item matrices (NaN = missing): ``gold`` (S, I) and ``scores``
(M, S, I). The public engine, re-exported here::

    >>> import numpy as np
    >>> from metaeval.stats import correlation_at_level, perm_both
    >>> gold = np.arange(12.0).reshape(3, 4)
    >>> scores = np.stack([gold, -gold])
    >>> correlation_at_level(gold, scores, "pearson", "none").round(3).tolist()
    [1.0, -1.0]
    >>> float(perm_both(gold, scores, "pearson", "none", k=99, seed=0).pvalue[0, 1])
    0.01
"""

from metaeval.stats.ceiling import NoiseCeiling, spearman_brown, split_half_ceiling
from metaeval.stats.chance import ChanceBaseline, chance_baseline, chance_baselines
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.coefficients import (
    COEFFICIENTS,
    Coefficient,
    get_coefficient,
    register,
    with_arguments,
)
from metaeval.stats.grouping import check_level, group_vectors, system_scores
from metaeval.stats.kendall import contrastive_tau, pairwise_agreement
from metaeval.stats.kendall_like import kendall_like, kendall_like_at_level
from metaeval.stats.levels import correlation_at_level
from metaeval.stats.multitest import benjamini_hochberg, holm
from metaeval.stats.paircounts import PairCounts, pair_counts
from metaeval.stats.pdp import pdp_at_level
from metaeval.stats.permutation import PermBothResult, perm_both
from metaeval.stats.resampling import BootstrapResult, ConfidenceInterval, bootstrap_ci
from metaeval.stats.spa import (
    SoftPairwiseAccuracy,
    pairwise_pvalues,
    soft_pairwise_accuracy,
    spa_at_level,
)
from metaeval.stats.tiecal import TieCalibration, pair_outcome_permutation, tie_calibrate
from metaeval.stats.vocabulary import CI_METHODS, LEVELS, RESAMPLE_UNITS
from metaeval.stats.williams import WilliamsResult, williams_matrix, williams_test

__all__ = [
    "CI_METHODS", "COEFFICIENTS", "LEVELS", "RESAMPLE_UNITS", "BootstrapResult", "ChanceBaseline",
    "Coefficient", "ConfidenceInterval", "NoiseCeiling", "PairCounts", "PermBothResult",
    "SoftPairwiseAccuracy", "TieCalibration", "WilliamsResult", "benjamini_hochberg",
    "bootstrap_ci", "chance_baseline", "chance_baselines", "check_level", "contrastive_tau",
    "correlation_at_level", "get_coefficient", "group_vectors", "holm", "kendall_like",
    "kendall_like_at_level", "pair_counts", "pair_outcome_permutation", "pairwise_agreement",
    "pairwise_pvalues", "pdp_at_level", "perm_both", "register", "significance_clusters",
    "soft_pairwise_accuracy", "spa_at_level", "spearman_brown", "split_half_ceiling",
    "system_scores", "tie_calibrate", "williams_matrix", "williams_test", "with_arguments",
]
