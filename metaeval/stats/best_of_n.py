"""Best-of-N statistics: top-1 agreement and rank correlations with the vote shares.

Inputs are vote shares (B_h, I, S) (votes / pages that showed the system; NaN for a system that
is not a candidate of the item, :class:`metaeval.stats.choices.HumanDraws`) and metric matrices
(B_m, I, S) oriented so that higher is better; leading axes broadcast to the B draws.

- ``top1`` (the SiSEC 2018 "pick the best" statistic): per item the credit
  |M ∩ H| / |M|, where H is the set of the humans' most picked systems (ties in votes: every
  tied system is a top) and M the set of systems with the metric's highest score. When the
  metric ties at the top, the credit is fractional: the share of its tied top systems that are
  human tops (the expected credit of breaking the tie at random). An item without a vote (or
  whose candidates have no metric score) has no credit. ``top1`` = the mean credit over items
  (items weighted by their multiplicity in a bootstrap draw).
- rank correlation with the vote shares: per item over its candidates (``item`` level, the
  per-item values and their mean over the items where it is defined) or over all (item,
  system) cells at once (``none``, pooled), with the registered coefficient's own function
  (:mod:`metaeval.stats.coefficients`: ``spearman``, ``kendall_b``).
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.coefficients import get_coefficient


def _tops(values: np.ndarray) -> np.ndarray:
    """Boolean (..., I, S): the cells holding the item's maximum (NaN never)."""
    finite = np.isfinite(values)
    top = np.max(np.where(finite, values, -np.inf), -1, keepdims=True)
    return finite & (values == top)


def top1_credit(shares: np.ndarray, metric: np.ndarray) -> np.ndarray:
    """(B, I) the credit of every item (module docstring); NaN where it has none."""
    shares, metric = np.broadcast_arrays(np.asarray(shares, float), np.asarray(metric, float))
    voted = np.nansum(shares, -1) > 0
    metric = np.where(np.isnan(shares), np.nan, metric)
    human_top = _tops(np.where(voted[..., None], shares, np.nan))
    metric_top = _tops(metric)
    count = metric_top.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        credit = (metric_top & human_top).sum(-1) / count
    return np.where(voted & (count > 0), credit, np.nan)


def weighted_item_mean(values: np.ndarray, item_weight: np.ndarray) -> np.ndarray:
    """(B,) the mean of per-item values (B, I) over the items where they are finite, each
    item weighted by its multiplicity (B_h, I); NaN when no item has a value."""
    values = np.asarray(values, float)
    weight = np.where(np.isfinite(values), item_weight, 0.0)
    total = weight.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(weight > 0, values * weight, 0.0).sum(-1) / total
    return np.where(total > 0, mean, np.nan)


def share_correlations(shares: np.ndarray, metric: np.ndarray, coefficient: str) -> np.ndarray:
    """(B, I) the coefficient of the metric with the vote shares within each item."""
    coef = get_coefficient(coefficient)
    shares, metric = np.broadcast_arrays(np.asarray(shares, float), np.asarray(metric, float))
    return coef.batched(shares, metric)


def pooled_share_correlation(shares: np.ndarray, metric: np.ndarray, item_index: np.ndarray,
                             coefficient: str) -> np.ndarray:
    """(B,) the coefficient over all (item, system) cells of each draw (items gathered by
    ``item_index`` (B_i, I): a bootstrap draw repeats the cells of a repeated item)."""
    coef = get_coefficient(coefficient)
    shares, metric = np.broadcast_arrays(np.asarray(shares, float), np.asarray(metric, float))
    b = max(len(shares), len(item_index))
    shares = np.broadcast_to(shares, (b,) + shares.shape[1:])
    metric = np.broadcast_to(metric, (b,) + metric.shape[1:])
    index = np.broadcast_to(item_index, (b, item_index.shape[1]))[:, :, None]
    gathered = [np.take_along_axis(x, index, 1).reshape(b, -1) for x in (shares, metric)]
    return coef.batched(*gathered)
