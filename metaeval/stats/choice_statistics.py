"""The statistics of a metric against human choices, each one function of (human draws, metric).

Every :class:`ChoiceStatistic` maps the humans' side of B draws
(:class:`metaeval.stats.choices.HumanDraws`) and metric matrices (B_m, I, S) (oriented: higher
is better; NaN = not a candidate) to (values (B,), epsilon (B,)). The same function gives the
point value (identity draw), the bootstrap draws (resampled items and/or raters), the chance
baseline (metric shuffled within items) and the PERM-BOTH draws (cells swapped between two
metrics): :mod:`metaeval.stats.choice_inference`. Names and levels:

- ``pref_acc[H,M]`` at level ``none`` (pooled over pairs) and ``item`` (per-item average):
  pairwise preference accuracy with human-tie policy H and metric-tie policy M
  (:mod:`metaeval.stats.preference_accuracy`);
- ``top1`` (level ``item``), ``spearman`` and ``kendall_b`` with the vote shares at ``item``
  and ``none`` (best-of-N only, :mod:`metaeval.stats.best_of_n`);
- ``bt_tau`` (level ``system``): Kendall tau-b between the metric's Bradley-Terry strengths
  (fitted to the metric's verdicts on the humans' comparisons) and the humans' own
  (:mod:`metaeval.stats.bradley_terry`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from metaeval.stats.best_of_n import (
    pooled_share_correlation,
    share_correlations,
    top1_credit,
    weighted_item_mean,
)
from metaeval.stats.bradley_terry import bradley_terry, win_matrix
from metaeval.stats.choices import ChoiceArrays, HumanDraws, pair_differences
from metaeval.stats.kendall import kendall_tau_b
from metaeval.stats.preference_accuracy import (
    item_accuracies,
    metric_verdict,
    preference_accuracy,
)
from metaeval.stats.rater_agreement import held_out_accuracy, held_out_top1

LEVEL_OF_AGGREGATION = {"pooled": "none", "per-item": "item"}
SHARE_COEFFICIENTS = ("spearman", "kendall_b")
Values = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ChoiceStatistic:
    """One statistic: ``compute(draws, metric) -> (values, epsilon)``; ``per_item(arrays,
    metric) -> (I,)`` the point value of every item (None: not an item statistic);
    ``ceiling(draws) -> (B,)`` the human-vs-human agreement on the same scale (or None)."""

    name: str
    level: str
    label: str
    compute: Callable[[HumanDraws, np.ndarray], Values]
    per_item: Callable[[HumanDraws, np.ndarray, float], np.ndarray] | None = None
    ceiling: Callable[[HumanDraws], np.ndarray] | None = None


def accuracy_name(human_ties: str, metric_ties: str) -> str:
    return f"pref_acc[{human_ties},{metric_ties}]"


def _accuracy(human_ties: str, metric_ties: str, aggregation: str) -> ChoiceStatistic:
    def compute(draws: HumanDraws, metric: np.ndarray) -> Values:
        diff = pair_differences(draws.arrays, metric)
        return preference_accuracy(draws.verdict, draws.usable, draws.item_weight,
                                   draws.arrays.pair_item, diff, human_ties, metric_ties,
                                   aggregation)

    def per_item(draws: HumanDraws, metric: np.ndarray, epsilon: float) -> np.ndarray:
        diff = pair_differences(draws.arrays, metric)[0]
        return item_accuracies(draws.verdict[0], draws.usable[0], draws.arrays.pair_item,
                               draws.arrays.n_items, diff, human_ties, metric_ties,
                               0.0 if np.isnan(epsilon) else epsilon)

    def ceiling(draws: HumanDraws) -> np.ndarray:
        return held_out_accuracy(draws, human_ties, metric_ties, aggregation)

    policy = {"wrong": "metric ties wrong", "half": "metric ties half",
              "epsilon": "tie-calibrated"}[metric_ties]
    return ChoiceStatistic(
        accuracy_name(human_ties, metric_ties), LEVEL_OF_AGGREGATION[aggregation],
        f"Preference accuracy (human ties {human_ties}, {policy})", compute,
        per_item if aggregation == "per-item" else None, ceiling)


def _nan_epsilon(values: np.ndarray) -> Values:
    return values, np.full(values.shape, np.nan)


def _top1() -> ChoiceStatistic:
    def compute(draws: HumanDraws, metric: np.ndarray) -> Values:
        return _nan_epsilon(weighted_item_mean(top1_credit(draws.shares, metric),
                                               draws.item_weight))

    def per_item(draws: HumanDraws, metric: np.ndarray, epsilon: float) -> np.ndarray:
        return top1_credit(draws.shares, metric)[0]

    return ChoiceStatistic("top1", "item", "Top-1 agreement", compute, per_item, held_out_top1)


def _shares(coefficient: str, level: str) -> ChoiceStatistic:
    def compute(draws: HumanDraws, metric: np.ndarray) -> Values:
        if level == "none":
            return _nan_epsilon(pooled_share_correlation(draws.shares, metric, draws.item_index,
                                                         coefficient))
        return _nan_epsilon(weighted_item_mean(share_correlations(draws.shares, metric,
                                                                  coefficient),
                                               draws.item_weight))

    def per_item(draws: HumanDraws, metric: np.ndarray, epsilon: float) -> np.ndarray:
        return share_correlations(draws.shares, metric, coefficient)[0]

    label = {"spearman": "Spearman ρ", "kendall_b": "Kendall τ_b"}[coefficient]
    return ChoiceStatistic(coefficient, level, f"{label} with the vote shares", compute,
                           per_item if level == "item" else None)


def human_strengths(draws: HumanDraws, prior: float) -> np.ndarray:
    """(B, S) the humans' Bradley-Terry log-strengths (sum 0) of each draw; ties half a win."""
    a, b, tie = draws.pair_counts
    weight = draws.item_weight[:, draws.arrays.pair_item]
    wins = win_matrix(draws.arrays.pair_a, draws.arrays.pair_b, (a + tie / 2) * weight,
                      (b + tie / 2) * weight, draws.arrays.n_systems)
    return bradley_terry(wins, prior, present=draws.arrays.candidates.any(0))[0]


def metric_strengths(draws: HumanDraws, metric: np.ndarray, prior: float) -> np.ndarray:
    """(B, S) the metric's Bradley-Terry log-strengths: every human comparison of a pair
    replaced by the metric's verdict on it (an exact tie: half a win each)."""
    arrays = draws.arrays
    verdict = metric_verdict(pair_differences(arrays, metric))
    comparisons = sum(draws.pair_counts) * draws.item_weight[:, arrays.pair_item]
    verdict = np.nan_to_num(verdict, nan=0.0)
    known = ~np.isnan(pair_differences(arrays, metric))
    wins_a = comparisons * known * ((verdict > 0) + 0.5 * (verdict == 0))
    wins_b = comparisons * known * ((verdict < 0) + 0.5 * (verdict == 0))
    wins = win_matrix(arrays.pair_a, arrays.pair_b, wins_a, wins_b, arrays.n_systems)
    return bradley_terry(wins, prior, present=arrays.candidates.any(0))[0]


def _bt_tau(prior: float) -> ChoiceStatistic:
    def compute(draws: HumanDraws, metric: np.ndarray) -> Values:
        human = human_strengths(draws, prior)
        return _nan_epsilon(kendall_tau_b(human, metric_strengths(draws, metric, prior)))

    return ChoiceStatistic("bt_tau", "system", "Kendall τ_b of the Bradley-Terry rankings",
                           compute)


def choice_statistics(arrays: ChoiceArrays, human_ties: tuple[str, ...],
                      metric_ties: tuple[str, ...], aggregations: tuple[str, ...],
                      bt_prior: float) -> list[ChoiceStatistic]:
    """Every statistic the settings ask for, in report order: pairwise accuracy for each tie
    policy and aggregation, then (best-of-N) top-1 and the share correlations, then bt_tau."""
    out = [_accuracy(h, m, a) for h in human_ties for m in metric_ties for a in aggregations]
    if arrays.best_of_n:
        out.append(_top1())
        out += [_shares(c, level) for c in SHARE_COEFFICIENTS for level in ("item", "none")]
    out.append(_bt_tau(bt_prior))
    return out
