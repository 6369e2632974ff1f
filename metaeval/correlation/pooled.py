"""System-level pairwise accuracy pooled over groups (Kocmi et al. 2021; WMT practice).

accuracy = sum over groups of agreeing system pairs / sum over groups of system pairs, i.e.
every system pair of every group (test set, language pair) counts once. Reported in group
``all`` as coefficient ``pairwise_acc_pooled``.
"""

from __future__ import annotations

import numpy as np

from metaeval.correlation.result import POOLED
from metaeval.data.judgements import JudgementSet
from metaeval.stats.grouping import system_scores
from metaeval.stats.kendall import pairwise_agreement
from metaeval.stats.scaling import unit_scale


def pooled_pairwise_accuracy(parts: list[tuple[str, JudgementSet]], metrics: list[str],
                             human: str) -> list[dict]:
    """One row per metric (group ``all``, level ``system``) pooling the groups ``parts``."""
    agree = np.zeros(len(metrics))
    total = np.zeros(len(metrics))
    for _, part in parts:
        gold, scores, _, _ = part.matrices(metrics, human)
        # matrices rescaled exactly first (metaeval.stats.scaling): means of subnormal scores
        # keep their order
        g, m = system_scores(unit_scale(gold[None], (-2, -1)), unit_scale(scores, (-2, -1)))
        a, n = pairwise_agreement(g, m)
        agree += a
        total += n
    nan = float("nan")
    return [{"metric": metric, "group": POOLED, "level": "system",
             "coefficient": "pairwise_acc_pooled",
             "statistic": float(agree[i] / total[i]) if total[i] else nan,
             "ci_low": nan, "ci_high": nan, "pvalue": nan, "cluster": np.nan, "n": int(total[i]),
             "chance_low": nan, "chance_high": nan, "epsilon": nan, "note": ""}
            for i, metric in enumerate(metrics)]
