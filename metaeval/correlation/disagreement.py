"""Where a metric and the humans disagree most: the rank gap of each (item, system) cell.

Within a group, the cells the statistics use (metric oriented so that higher is better) are
ranked by the human score and by the metric; ranks are average ranks of ties scaled to [0, 1]
(0 = worst, 1 = best): ``r(x_i) = (rank(x_i) - 1) / (n - 1)``. The rank gap of a cell is
``gap = r(metric) - r(human)``: positive where the metric rates the cell better than the
humans do, negative where worse; the largest ``|gap|`` are the largest disagreements.

The human interval of a cell is the t-interval of its raters' ratings (where they are known):
``mean +- t_{(1+c)/2, n-1} * s / sqrt(n)`` with ``s`` the sample standard deviation (ddof 1)
of the cell's ``n`` ratings (Student 1908). A cell with fewer than two ratings has a NaN
interval and a note; so has a cell whose human score is not the mean of its ratings (e.g. a
normalised score), and every cell of a human column other than the one the ratings are of.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from scipy.stats import t as student_t

from metaeval.correlation.result import POOLED
from metaeval.data.columns import ITEM, SYSTEM
from metaeval.errors import ParameterError

DEFAULT_TOP = 10
DISAGREEMENT_COLUMNS = [
    "metric", "group", "rank", "item", "system", "human", "human_low", "human_high",
    "n_ratings", "metric_value", "human_rank", "metric_rank", "gap", "note",
]


def fraction_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks scaled to [0, 1] (0 = lowest value); 0.5 for a single value."""
    if len(values) == 1:
        return np.array([0.5])
    return (rankdata(values) - 1.0) / (len(values) - 1.0)


def rank_gaps(points: pd.DataFrame, human: str, metric: str) -> pd.DataFrame:
    """The complete cells of ``points`` (one per item, system) with ``human_rank``,
    ``metric_rank`` and the signed ``gap`` = metric_rank - human_rank (module docstring)."""
    cells = points[[ITEM, SYSTEM, human, metric]].dropna()
    cells = cells[np.isfinite(cells[[human, metric]].to_numpy(float)).all(axis=1)]
    cells = cells.drop_duplicates([ITEM, SYSTEM]).reset_index(drop=True)
    if len(cells) < 2:
        return cells.assign(human_rank=[], metric_rank=[], gap=[]).iloc[:0]
    cells["human_rank"] = fraction_ranks(cells[human].to_numpy(float))
    cells["metric_rank"] = fraction_ranks(cells[metric].to_numpy(float))
    cells["gap"] = cells["metric_rank"] - cells["human_rank"]
    return cells


def largest_disagreements(points: pd.DataFrame, human: str, metric: str,
                          n: int = DEFAULT_TOP) -> pd.DataFrame:
    """The ``n`` cells with the largest |gap|, largest first (ties in input order)."""
    cells = rank_gaps(points, human, metric)
    order = np.argsort(-cells["gap"].abs().to_numpy(), kind="stable")
    return cells.iloc[order[:n]]


def cell_intervals(ratings: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per (item, system): ``n_ratings``, ``rating_mean`` and the t-interval
    ``human_low/high`` of the ratings (NaN below two ratings)."""
    if not 0 < confidence < 1:
        raise ParameterError("confidence", confidence, "must lie strictly between 0 and 1, "
                             "e.g. 0.95.")
    values = ratings.dropna(subset=["rating"])
    stats = values.groupby([ITEM, SYSTEM], sort=False)["rating"].agg(["count", "mean", "std"])
    n = stats["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = (student_t.ppf((1 + confidence) / 2, n - 1) * stats["std"].to_numpy(float)
                / np.sqrt(n))
    half = np.where(n >= 2, half, np.nan)
    out = pd.DataFrame({ITEM: stats.index.get_level_values(0).astype(str),
                        SYSTEM: stats.index.get_level_values(1).astype(str),
                        "n_ratings": n.astype(int), "rating_mean": stats["mean"].to_numpy(),
                        "half_width": half})
    return out.reset_index(drop=True)


def _with_intervals(cells: pd.DataFrame, human: str, intervals: pd.DataFrame | None,
                    reason: str) -> pd.DataFrame:
    """``cells`` with human_low/high (the t-interval around the cell's human score), n_ratings
    and a note where no interval exists."""
    keys = cells[[ITEM, SYSTEM]].astype(str)
    if intervals is None:
        return cells.assign(human_low=np.nan, human_high=np.nan, n_ratings=0, note=reason)
    joined = keys.merge(intervals, on=[ITEM, SYSTEM], how="left")
    half = joined["half_width"].to_numpy(float)
    score = cells[human].to_numpy(float)
    count = joined["n_ratings"].fillna(0).astype(int).to_numpy()
    other = np.abs(joined["rating_mean"].to_numpy(float) - score) > 1e-9 * (1 + np.abs(score))
    half = np.where(other, np.nan, half)
    note = np.select([count == 0, count < 2, other],
                     ["no individual ratings for this cell", "one rating: no interval",
                      "the human score is not the mean of the ratings: no interval"], "")
    return cells.assign(human_low=score - half, human_high=score + half, n_ratings=count,
                        note=note)


def disagreement_table(points: pd.DataFrame, human: str, metrics: dict[str, str],
                       ratings: pd.DataFrame | None = None, top: int = DEFAULT_TOP,
                       confidence: float = 0.95, pooled: bool = True,
                       no_ratings_reason: str = "no individual ratings") -> pd.DataFrame:
    """Per metric and group (each value of ``points['group']``, then the pooled set ``all``
    when there are several groups and ``pooled``): the ``top`` cells with the largest |gap|.

    ``points``: item, system, group, human and the oriented metric columns (as
    :attr:`CorrelationResult.points`); ``metrics``: metric -> "higher"/"lower" (the raw
    ``metric_value`` is reported un-flipped); ``ratings``: item, system, rating.
    """
    if top < 1:
        raise ParameterError("top", top, "must be at least 1 (cells shown per metric and group).")
    intervals = cell_intervals(ratings, confidence) if ratings is not None else None
    names = list(pd.unique(points["group"].astype(str)))
    parts = [(g, points[points["group"].astype(str) == g]) for g in names]
    if pooled and len(names) > 1:
        parts.append((POOLED, points))
    frames = []
    for metric, direction in metrics.items():
        for group, part in parts:
            cells = largest_disagreements(part, human, metric, top).reset_index(drop=True)
            sign = -1.0 if direction == "lower" else 1.0
            cells = _with_intervals(cells, human, intervals, no_ratings_reason)
            frames.append(cells.assign(metric=metric, group=group, rank=np.arange(1, len(cells) + 1),
                                       metric_value=sign * cells[metric].to_numpy(float))
                          .rename(columns={human: "human"}))
    if not frames:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    return table[DISAGREEMENT_COLUMNS]
