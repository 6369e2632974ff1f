"""Noise ceiling of a listening test (split-half reliability of the panel mean, Spearman-Brown).

The estimator is :func:`metaeval.stats.ceiling.split_half_ceiling` (see there for the formula
and Nili et al. 2014); this module applies it to a :class:`RatingTable` or a ratings frame,
optionally per group of systems.
"""

from __future__ import annotations

from metaeval.data.panel import panel_ceiling, rating_frame
from metaeval.errors import ParameterError, StatsError
from metaeval.stats.ceiling import NoiseCeiling, half_panel_means, spearman_brown
from metaeval.stats.grouping import check_level

__all__ = ["NoiseCeiling", "half_panel_means", "noise_ceiling", "spearman_brown"]


def noise_ceiling(table, coefficient: str = "spearman", level: str = "none", k: int = 200,
                  seed: int = 0, ci: float = 0.95, group=None):
    """Noise ceiling of the panel mean.

    ``group=None`` returns one :class:`NoiseCeiling` over all stimuli. ``group`` may name a column
    of the rating frame (e.g. ``model_type``) or map system -> label; then a dict
    ``{label: NoiseCeiling}`` is returned, one per subset of stimuli, each with the same seed.
    """
    check_level(level)
    if k < 1:
        raise ParameterError("k", k, "the number of random splits must be at least 1.")
    if not 0 < ci < 1:
        raise ParameterError("ci", ci, "the confidence level must lie in (0, 1), e.g. 0.95.")
    frame = rating_frame(table)
    if group is None:
        return panel_ceiling(frame, coefficient, level, k, seed, ci)
    if isinstance(group, str):
        if group not in frame.columns:
            raise StatsError(f"no column {group!r} in the ratings (columns: "
                             f"{list(frame.columns)}). Fix: name a column or pass a mapping "
                             "system -> group.")
        labels = frame[group]
    else:
        labels = frame["system"].map(dict(group))
        if labels.isna().any():
            unknown = sorted(frame.loc[labels.isna(), "system"].unique())
            raise StatsError(f"systems {unknown} have no group in the mapping. Fix: give every "
                             "system a group.")
    return {str(label): panel_ceiling(part, coefficient, level, k, seed, ci)
            for label, part in frame.groupby(labels, sort=True)}
