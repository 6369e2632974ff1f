"""Pairwise preference accuracy of a metric against the human majority, with declared tie policies.

For each pair with a human majority verdict h (+1 a, -1 b, 0 tie; :mod:`metaeval.stats.choices`)
the metric's verdict is m = sign(metric(a) - metric(b)) (an exact tie is m = 0), or, under the
``epsilon`` policy, m = 0 whenever |metric(a) - metric(b)| <= epsilon. The credit of a pair:

=====================  ==================  =========  ======================================
human h \\ metric m     same side           opposite   metric tie (m = 0)
=====================  ==================  =========  ======================================
decisive (+1 / -1)     1                   0          ``wrong``: 0, ``half``: 0.5, ``epsilon``: 0
tie (0), ``tie``       ``half``: 0.5, else 0 (a decisive metric)     1
=====================  ==================  =========  ======================================

Human ties: ``drop`` leaves the pairs whose majority is a tie out; ``tie`` keeps them as ties the
metric must match. Metric ties: ``wrong`` (ImageReward and HPSv2 count a metric tie as a wrong
answer), ``half`` (half credit whenever exactly one of the two is a tie), ``epsilon`` (tie
calibration as acc_eq, Deutsch, Foster & Freitag 2023: the threshold epsilon that maximises the
accuracy, chosen in every draw; the smallest maximiser among 0 and the |differences|).

Aggregation: ``pooled`` = sum of credits / number of pairs (pairs weighted by their item's
multiplicity in a bootstrap draw); ``per-item`` = the mean over items (with a pair) of each
item's accuracy. Everything is vectorised over draws: human verdicts (B_h, P), metric
differences (B_m, P) and weights broadcast to (B, P).
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import ParameterError
from metaeval.stats.choices import per_item_sums

HUMAN_TIES = ("drop", "tie")
METRIC_TIES = ("wrong", "half", "epsilon")
AGGREGATIONS = ("pooled", "per-item")


def check_policy(human_ties: str, metric_ties: str, aggregation: str) -> None:
    for name, value, allowed in (("human_ties", human_ties, HUMAN_TIES),
                                 ("metric_ties", metric_ties, METRIC_TIES),
                                 ("aggregation", aggregation, AGGREGATIONS)):
        if value not in allowed:
            raise ParameterError(name, value, f"choose from {', '.join(allowed)}.")


def metric_verdict(diff: np.ndarray, epsilon: np.ndarray | float = 0.0) -> np.ndarray:
    """+1, -1 or 0 (|diff| <= epsilon; NaN stays NaN)."""
    diff = np.asarray(diff, float)
    eps = np.asarray(epsilon, float)
    eps = eps[..., None] if eps.ndim else eps
    out = np.where(np.abs(diff) <= eps, 0.0, np.sign(diff))
    return np.where(np.isnan(diff), np.nan, out)


def pair_credit(human: np.ndarray, metric: np.ndarray, metric_ties: str) -> np.ndarray:
    """Credit of each pair (the table of the module docstring); NaN where the metric is NaN."""
    credit = (human == metric).astype(float)
    if metric_ties == "half":
        credit = np.where((human == 0) != (metric == 0), 0.5, credit)
    return np.where(np.isnan(metric), np.nan, credit)


def aggregation_weights(human: np.ndarray, usable: np.ndarray, item_weight: np.ndarray,
                        pair_item: np.ndarray, diff: np.ndarray, human_ties: str,
                        aggregation: str) -> np.ndarray:
    """(B, P) weights summing to 1 per draw (0 for left-out pairs), so that the accuracy is
    sum(weight * credit); rows without any pair are all NaN."""
    kept = usable & ~np.isnan(diff) & ((human != 0) if human_ties == "drop" else True)
    kept = np.broadcast_to(kept, np.broadcast_shapes(kept.shape, (len(item_weight), 1)))
    n_items = item_weight.shape[1]
    if aggregation == "pooled":
        weight = item_weight[:, pair_item] * kept
    else:
        per_item = per_item_sums(kept, pair_item, n_items)  # (B, I) pairs of each item
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(per_item > 0, item_weight / per_item, 0.0)
        weight = share[:, pair_item] * kept
    total = weight.sum(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weight / total, np.nan)


def calibrated(human: np.ndarray, diff: np.ndarray,
               weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(accuracy, epsilon) per draw under tie calibration: the exact maximum over the
    thresholds 0 and every |difference| (sorted sweep: tying pair p changes the accuracy by
    weight_p * (1[human tie] - 1[metric right and decisive]))."""
    human, diff, weight = np.broadcast_arrays(human, diff, weight)
    gap = np.where(np.isnan(diff) | (weight == 0), np.inf, np.abs(diff))
    right = (np.sign(diff) == human) & (human != 0)
    untied = np.nansum(np.where(right, weight, 0.0), -1)
    gain = np.where(np.isfinite(gap), weight * ((human == 0).astype(float) - right), 0.0)
    order = np.argsort(gap, axis=-1, kind="stable")
    gap, gain = (np.take_along_axis(a, order, -1) for a in (gap, gain))
    value = untied[:, None] + np.cumsum(gain, -1)
    run_end = np.ones(gap.shape, bool)
    run_end[:, :-1] = gap[:, 1:] != gap[:, :-1]
    candidate = run_end & np.isfinite(gap)
    value = np.where(candidate, value, -np.inf)
    zero = np.where(gap[:, 0] > 0, untied, -np.inf)  # threshold 0 ties no pair
    best = np.maximum(value.max(-1, initial=-np.inf), zero)
    at = np.argmax(value >= best[:, None] - 1e-12, -1)
    epsilon = np.where(zero >= best - 1e-12, 0.0, gap[np.arange(len(gap)), at])
    undefined = ~np.isfinite(best) | np.isnan(weight).all(-1)
    return np.where(undefined, np.nan, best), np.where(undefined, np.nan, epsilon)


def preference_accuracy(human: np.ndarray, usable: np.ndarray, item_weight: np.ndarray,
                        pair_item: np.ndarray, diff: np.ndarray, human_ties: str,
                        metric_ties: str, aggregation: str) -> tuple[np.ndarray, np.ndarray]:
    """(accuracy, epsilon) of each draw (B,): human verdicts and usability (B_h, P), item
    multiplicities (B_h, I), metric differences (B_m, P). epsilon is NaN except under the
    ``epsilon`` policy."""
    check_policy(human_ties, metric_ties, aggregation)
    human = np.asarray(human, float)
    weight = aggregation_weights(human, usable, item_weight, pair_item, diff, human_ties,
                                 aggregation)
    if metric_ties == "epsilon":
        return calibrated(human, diff, weight)
    credit = pair_credit(human, metric_verdict(diff), metric_ties)
    value = np.nansum(np.where(weight > 0, weight * credit, 0.0), -1)
    value = np.where(np.isnan(weight).all(-1), np.nan, value)
    return value, np.full(value.shape, np.nan)


def item_accuracies(human: np.ndarray, usable: np.ndarray, pair_item: np.ndarray,
                    n_items: int, diff: np.ndarray, human_ties: str, metric_ties: str,
                    epsilon: float = 0.0) -> np.ndarray:
    """(I,) each item's own accuracy at the given epsilon (NaN for an item without a pair):
    the per-item values behind the ``per-item`` aggregate."""
    verdict = metric_verdict(diff, epsilon if metric_ties == "epsilon" else 0.0)
    credit = pair_credit(np.asarray(human, float), verdict,
                         "wrong" if metric_ties == "epsilon" else metric_ties)
    kept = usable & ~np.isnan(diff) & ((human != 0) if human_ties == "drop" else True)
    kept = np.atleast_2d(kept)
    sums = per_item_sums(np.where(kept, credit, 0.0), pair_item, n_items)[0]
    count = per_item_sums(kept, pair_item, n_items)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, sums / count, np.nan)
