"""Correlations at every level against mt-metrics-eval on the TED en-de matrix (reference JSON).

The reference (``shared/reference/ted_ende_mtme.json``) was computed by mt-metrics-eval's
``stats.py`` (commit 68a481a): Pearson/Spearman/Kendall via scipy.stats, acc23/tau23 via
``KendallVariants`` (epsilon 0), ``acc23_tiecal_item`` via ``KendallWithTiesOpt(average_by='item',
variant='acc23', sample_rate=1.0)``. Every key whose definition metaeval shares must agree to 1e-9.
The Williams keys are tested in ``test_williams_reference.py``.

Tie calibration: only the VALUE is compared. mt-metrics-eval's ``Correlation`` wrapper returns 0 in
the place of the chosen threshold (the JSON's ``acc23_tiecal_item_epsilon`` is that 0.0), while
``tie_calibrate`` reports the real threshold, which differs.
"""

from __future__ import annotations

import numpy as np
import pytest

from metaeval.stats.levels import correlation_at_level
from metaeval.stats.tiecal import tie_calibrate

TOL = 1e-9
SEGMENT_COEFFICIENTS = ("pearson", "spearman", "kendall_b", "kendall_c", "acc23", "tau23")
LEVELS = ("none", "item", "sys")
SYSTEM_COEFFICIENTS = ("pearson", "spearman", "kendall_b")


def _metric_names(mtme_reference) -> list[str]:
    return list(mtme_reference["metrics"])


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("coefficient", SEGMENT_COEFFICIENTS)
def test_segment_levels_match_mtme(ted_matrix, mtme_reference, coefficient, level):
    gold = ted_matrix["gold"]
    names = _metric_names(mtme_reference)
    scores = np.stack([ted_matrix["metrics"][n] for n in names])  # (M, S, I): one batched call
    got = correlation_at_level(gold, scores, coefficient, level)
    assert got.shape == (len(names),)
    for name, value in zip(names, got):
        expected = mtme_reference["metrics"][name][f"{coefficient}_{level}"]
        assert abs(value - expected) <= TOL, (name, value, expected)


@pytest.mark.parametrize("coefficient", SYSTEM_COEFFICIENTS)
def test_system_level_matches_mtme(ted_matrix, mtme_reference, coefficient):
    gold = ted_matrix["gold"]
    for name in _metric_names(mtme_reference):
        got = float(correlation_at_level(gold, ted_matrix["metrics"][name], coefficient, "system"))
        expected = mtme_reference["metrics"][name][f"system_{coefficient}"]
        assert abs(got - expected) <= TOL, (name, got, expected)


def test_tie_calibrated_acc23_item_matches_mtme(ted_matrix, mtme_reference):
    gold = ted_matrix["gold"]
    for name in _metric_names(mtme_reference):
        metric = ted_matrix["metrics"][name]
        reference = mtme_reference["metrics"][name]
        result = tie_calibrate(gold, metric, "item")
        assert abs(result.statistic - reference["acc23_tiecal_item"]) <= TOL, name
        via_registry = float(correlation_at_level(gold, metric, "acc23_tiecal", "item"))
        assert via_registry == result.statistic
        assert result.n_rows == gold.shape[1]
        assert result.n_pairs == gold.shape[1] * gold.shape[0] * (gold.shape[0] - 1) // 2
        # The reported epsilon is the real threshold (MTME's wrapper reports 0.0 in its place);
        # acc_23 at that epsilon, averaged over items, is the calibrated value.
        assert reference["acc23_tiecal_item_epsilon"] == 0.0
        from metaeval.stats.kendall import acc_23

        at_epsilon = acc_23(gold.T, metric.T, epsilon=result.epsilon).mean()
        assert abs(at_epsilon - result.statistic) <= 1e-12


def test_tie_calibration_flags_all_ties_on_ted(ted_matrix, mtme_reference):
    """On TED, ~48% of segment pairs are gold ties and the optimum for most metrics predicts
    "tie" for every pair: the value is then the mean share of gold ties per item."""
    gold = ted_matrix["gold"]
    g = gold.T
    tie_share = np.mean([(np.subtract.outer(r, r)[np.triu_indices(len(r), 1)] == 0).mean()
                         for r in g])
    flagged = []
    for name in _metric_names(mtme_reference):
        result = tie_calibrate(gold, ted_matrix["metrics"][name], "item")
        assert result.statistic >= tie_share - 1e-12  # predicting all ties is always a candidate
        if result.ties_all_pairs:
            flagged.append(name)
            assert abs(result.statistic - tie_share) <= 1e-12
    assert {"BLEU", "chrF", "chrF++", "LenRatio"} <= set(flagged)


def test_tie_calibration_at_level_none_sweeps_every_pair(ted_matrix):
    """Level none has 6877 cells, 23.6 M pairs: the exact sweep covers all of them (timing: bench/)."""
    gold, metric = ted_matrix["gold"], ted_matrix["metrics"]["Random"]
    result = tie_calibrate(gold, metric, "none")
    assert result.n_pairs == 6877 * 6876 // 2 and result.n_rows == 1
    assert 0.0 <= result.statistic <= 1.0
