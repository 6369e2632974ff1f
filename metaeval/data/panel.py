"""Individual ratings of a panel as arrays: the input of the noise ceiling and of rating scores.

A ratings frame has one row per rating with columns ``item``, ``system``, ``rater``, ``rating``
(a `RatingTable` of :mod:`metaeval.listening`, or ``JudgementSet.individual_ratings()``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.errors import StatsError
from metaeval.stats.ceiling import NoiseCeiling, split_half_ceiling

RATING_COLUMNS = ("item", "system", "rater", "rating")


def rating_frame(table) -> pd.DataFrame:
    """The long frame (item, system, rater, rating, ...) of a RatingTable or a DataFrame."""
    frame = table.frame if hasattr(table, "frame") else table
    missing = [c for c in RATING_COLUMNS if c not in frame.columns]
    if missing:
        raise StatsError(f"ratings lack columns {missing}. Fix: pass a RatingTable or a frame "
                         "with item, system, rater, rating.")
    frame = frame.dropna(subset=["rating"])
    if frame.empty:
        raise StatsError("no ratings. Fix: pass a table with at least one rating.")
    return frame


def padded_ratings(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Stimuli (sorted item, system) and their ratings packed left into a NaN-padded array.

    Returns ``(keys, values, counts)``: ``keys`` the (item, system) of each row of ``values``
    (stimuli x max ratings), ``counts`` the number of ratings of each stimulus.
    """
    frame = frame.sort_values(["item", "system"], kind="stable")
    codes = frame.groupby(["item", "system"], sort=True).ngroup().to_numpy()
    keys = frame[["item", "system"]].drop_duplicates().reset_index(drop=True)
    counts = np.bincount(codes, minlength=len(keys))
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(len(frame)) - offsets[codes]
    values = np.full((len(keys), counts.max()), np.nan)
    values[codes, position] = frame["rating"].to_numpy(float)
    return keys, values, counts


def panel_ceiling(table, coefficient: str = "spearman", level: str = "none", k: int = 200,
                  seed: int = 0, ci: float = 0.95) -> NoiseCeiling:
    """Split-half noise ceiling (:func:`metaeval.stats.ceiling.split_half_ceiling`) of the
    stimuli of a ratings frame; systems and items are indexed in sorted order."""
    keys, values, counts = padded_ratings(rating_frame(table))
    systems = pd.Index(sorted(keys["system"].unique())).get_indexer(keys["system"])
    items = pd.Index(sorted(keys["item"].unique())).get_indexer(keys["item"])
    return split_half_ceiling(values, counts, systems, items, coefficient=coefficient,
                              level=level, k=k, seed=seed, ci=ci)
