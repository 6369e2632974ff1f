"""`power_analysis`: how many items (and raters) "A correlates better than B" needs.

For every ordered metric pair (or the chosen ones) of a judgement set: the power of the
PERM-BOTH test at alpha by subsampling items (a grid of item counts) and, where the panel's
individual ratings are known, raters (a grid of ratings per cell, all items); see
:mod:`metaeval.stats.power` for the estimator. Seeded per pair; settings recorded in the table.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd

from metaeval.correlation.api import chosen_metrics, task_seed
from metaeval.data.columns import ITEM, SYSTEM
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.power import TARGET, item_power, items_needed, monte_carlo_se, rater_power

POWER_COLUMNS = ["metric_a", "metric_b", "unit", "n", "power", "se", "reps", "k", "alpha",
                 "coefficient", "level", "seed", "needed_80", "note"]


def ratings_tensor(js: JudgementSet, systems: list, items: list) -> np.ndarray | None:
    """(S, I, R) individual ratings (NaN padded) in the order of the matrices; None if unknown."""
    ratings = js.individual_ratings()
    if ratings is None:
        return None
    frame = ratings.dropna(subset=["rating"]).copy()
    frame["slot"] = frame.groupby([ITEM, SYSTEM]).cumcount()
    out = np.full((len(systems), len(items), int(frame["slot"].max()) + 1), np.nan)
    s = pd.Index(systems).get_indexer(frame[SYSTEM])
    i = pd.Index(items).get_indexer(frame[ITEM])
    keep = (s >= 0) & (i >= 0)
    out[s[keep], i[keep], frame["slot"].to_numpy()[keep]] = frame["rating"].to_numpy(float)[keep]
    return out


def _rows(a, b, unit, grid, power, reps, options, note=""):
    needed = items_needed(grid, power)
    why = note or ("" if np.isfinite(needed) else
                   f"power stays below {TARGET:.0%} on the grid; try larger sizes")
    se = monte_carlo_se(power, reps)
    return [{"metric_a": a, "metric_b": b, "unit": unit, "n": int(n), "power": p, "se": e,
             "reps": reps, **options, "needed_80": needed, "note": why}
            for n, p, e in zip(grid, power, se)]


def power_analysis(js: JudgementSet, metrics=None, human: str | None = None,
                   grid=(10, 20, 40), raters=(), reps: int = 200, k: int = 100,
                   alpha: float = 0.05, coefficient: str = "pearson", level: str = "none",
                   seed: int = 0) -> pd.DataFrame:
    """One row per (ordered pair, unit, size): power, Monte Carlo SE, items/raters needed for
    80% (``needed_80``, NaN with a note when the grid never reaches it)."""
    human, metrics = chosen_metrics(js, metrics, human)
    gold, scores, systems, items = js.matrices(metrics, human)
    grid = [int(n) for n in grid]
    if max(grid, default=0) > len(items):
        raise ParameterError("grid", ",".join(map(str, grid)), f"the data has {len(items)} "
                             f"items; give subsample sizes from 2 to {len(items)}.")
    tensor = ratings_tensor(js, systems, items) if raters and human == js.gold else None
    options = {"k": k, "alpha": alpha, "coefficient": coefficient, "level": level, "seed": seed}
    rows = []
    for a, b in permutations(range(len(metrics)), 2):
        pair_seed = task_seed(seed, "power", metrics[a], metrics[b])
        power = item_power(gold, scores[a], scores[b], coefficient, level, grid, reps, k, alpha,
                           pair_seed)
        rows += _rows(metrics[a], metrics[b], "items", grid, power, reps, options)
        if not raters:
            continue
        if tensor is None:
            rows += _rows(metrics[a], metrics[b], "raters", list(raters),
                          np.full(len(raters), np.nan), reps, options,
                          note="no individual ratings of this human score: no rater power")
            continue
        power = rater_power(tensor, scores[a], scores[b], coefficient, level, list(raters),
                            reps, k, alpha, pair_seed + 1)
        rows += _rows(metrics[a], metrics[b], "raters", list(raters), power, reps, options)
    return pd.DataFrame(rows, columns=POWER_COLUMNS)
