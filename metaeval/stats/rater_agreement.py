"""Human-vs-human agreement of choices: the leave-one-rater-out ceiling of the choice statistics.

A metric cannot be expected to agree with the human majority better than the humans agree with
each other. For every vote (rater r on pair p) the **held-out majority** is the majority verdict
of the other raters' votes on p (:func:`metaeval.stats.choices.majority`; in a rater bootstrap
every copy of r is left out). The rater's own verdict is then scored against it with the same
credit table and tie policies as a metric (:mod:`metaeval.stats.preference_accuracy`; a rater's
tie vote is a tie prediction, exact, so the ``epsilon`` policy scores it as ``wrong`` does).
``pooled``: the mean credit over the votes whose held-out majority exists (and is decisive
under ``drop``); ``per-item``: the mean over items of each item's mean.

Best-of-N: the held-out top-1 agreement is, per page, 1 when the rater's pick is among the
other raters' most picked systems of that item (ties shared), else 0; averaged per item, then
over items (as ``top1``).
"""

from __future__ import annotations

import numpy as np

from metaeval.stats.best_of_n import weighted_item_mean
from metaeval.stats.choices import HumanDraws, majority, per_item_sums
from metaeval.stats.preference_accuracy import pair_credit


def _item_means(values: np.ndarray, weight: np.ndarray, item: np.ndarray,
                n_items: int) -> np.ndarray:
    sums = per_item_sums(values * weight, item, n_items)
    counts = per_item_sums(weight, item, n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)


def held_out_accuracy(draws: HumanDraws, human_ties: str, metric_ties: str,
                      aggregation: str) -> np.ndarray:
    """(B,) the accuracy of single raters against the majority of the others (module
    docstring)."""
    arrays = draws.arrays
    counts = draws.pair_counts  # (B_r, P) each
    own_weight = draws.rater_weight[:, arrays.vote_rater]  # (B_r, V)
    others = [c[:, arrays.vote_pair] - own_weight * (arrays.vote_outcome == o)
              for c, o in zip(counts, (1, -1, 0))]
    verdict = majority(*others)
    exists = sum(others) > 1e-9
    kept = exists & ((verdict != 0) if human_ties == "drop" else True)
    own = np.broadcast_to(arrays.vote_outcome.astype(float), verdict.shape)
    credit = pair_credit(verdict.astype(float), own,
                         "wrong" if metric_ties == "epsilon" else metric_ties)
    vote_item = arrays.pair_item[arrays.vote_pair]
    item_weight = draws.item_weight[:, vote_item]  # (B_i, V)
    weight = np.where(kept, own_weight, 0.0) * item_weight
    if aggregation == "pooled":
        total = weight.sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (weight * credit).sum(-1) / total, np.nan)
    means = _item_means(credit, np.where(kept, own_weight, 0.0), vote_item, arrays.n_items)
    return weighted_item_mean(means, draws.item_weight)


def held_out_top1(draws: HumanDraws) -> np.ndarray:
    """(B,) the held-out top-1 agreement of best-of-N pages (module docstring)."""
    arrays = draws.arrays
    votes = draws.votes  # (B_r, I, S)
    chosen = arrays.picked == 1
    rater, item, system = (a[chosen] for a in (arrays.shown_rater, arrays.shown_item,
                                                arrays.shown_system))
    weight = draws.rater_weight[:, rater]  # (B_r, N) copies of each page
    own = np.zeros((len(weight), len(rater), arrays.n_systems))
    own[:, np.arange(len(rater)), system] = weight
    others = votes[:, item, :] - own  # (B_r, N, S)
    candidate = arrays.candidates[item]
    others = np.where(candidate, others, -np.inf)
    top = others.max(-1)
    credit = (np.take_along_axis(others, system[None, :, None].repeat(len(others), 0), -1)[..., 0]
              >= top - 1e-9).astype(float)
    exists = (np.where(candidate, others, 0.0).sum(-1) > 1e-9) & (weight > 0)
    means = _item_means(credit, np.where(exists, weight, 0.0), item, arrays.n_items)
    return weighted_item_mean(means, draws.item_weight)
