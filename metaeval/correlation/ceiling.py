"""The noise ceiling of one group, level and coefficient, from the panel's individual ratings.

The expected correlation of a perfect metric with the panel mean: the square root of the
split-half reliability stepped up with Spearman-Brown (:mod:`metaeval.stats.ceiling`;
Nili et al. 2014), computed on the ratings of the group's (item, system) cells, of the human
score the run correlates with (:func:`human_ratings`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.settings import CEILING_COEFFICIENTS, Settings
from metaeval.data.columns import ITEM, RATER, SYSTEM
from metaeval.data.judgements import JudgementSet
from metaeval.data.panel import panel_ceiling
from metaeval.errors import StatsError

NAN3 = (float("nan"),) * 3


def human_ratings(js: JudgementSet, human: str) -> pd.DataFrame | None:
    """The individual ratings (item, system, rater, rating) of the human score ``human``: the
    set's own for its default score, the ``human`` column of a table with one row per rating
    for another; None when they are unknown (never another human score's ratings)."""
    if human == js.gold:
        return js.individual_ratings()
    if js.has_rater:
        return js.table[[ITEM, SYSTEM, RATER, human]].rename(columns={human: "rating"})
    return None


def group_ceiling(ratings: pd.DataFrame | None, part: JudgementSet, level: str,
                  coefficient: str, settings: Settings, seed: int,
                  notes: list[str], group_name: str) -> tuple[float, float, float]:
    """(ceiling, low, high) for one group, level and coefficient, or NaNs without ratings."""
    if ratings is None or not settings.ceiling or coefficient not in CEILING_COEFFICIENTS:
        return NAN3
    cells = part.cells()[[ITEM, SYSTEM]].astype(str)
    keyed = ratings.assign(item=ratings["item"].astype(str), system=ratings["system"].astype(str))
    subset = keyed.merge(cells, on=[ITEM, SYSTEM])
    if subset.empty:
        return NAN3
    try:
        result = panel_ceiling(subset, coefficient=coefficient, level=level,
                               k=settings.ceiling_k, seed=seed, ci=settings.ci)
    except StatsError as error:
        notes.append(f"group {group_name}: no noise ceiling at level {level} ({error})")
        return NAN3
    return tuple(float(np.sqrt(v)) if v > 0 else float("nan")
                 for v in (result.statistic, result.low, result.high))
