"""The chance baseline: the permutation null of each metric's statistic (metric shuffled, gold
fixed), for all metrics of a task at once.

Definition (one place). A shuffle unit is an item (level ``item``: the metric shuffled across
systems), a system (``sys``: across items), all gold-covered cells (``none``), or the system
scores (``system``). In draw d the metric's valid values of a unit, sorted ascending, are placed
on the unit's valid cells in a uniformly random order (``random order[d]``, the same for every
metric with the same valid cells; stream ``default_rng(seed)``). Placing the sorted values
rather than permuting them in place is the same distribution (a uniform permutation composed
with a fixed one is uniform) and makes two facts exact:

- a metric's baseline does not depend on which other metrics are in the run or their order;
- statistics that see only the order of the values (``Coefficient.rank_based`` and the pair-count
  family without a calibrated epsilon) give the same draws for every metric with the same tie
  pattern (dense ranks of its sorted values per unit): they are computed once per pattern (all
  metrics without ties share one computation).

Paths (all exact, equal to the generic path ``fast=False``):
- Pearson and Spearman: r_dg = <U_g, V'_dg> with U_g the gold's unit vector of unit g and V the
  metric's (ranks') unit vector in sorted order (:func:`fastpaths.grouped_shuffle_vectors`);
  with gathered gold vectors Ud[d, g, q] = U_g[cell of sorted position q in draw d] every metric's
  draws are one matrix product: r[m, d, g] = sum_q Ud[d, g, q] V_s[m, g, q].
- Kendall family at ``none``: fixed-gold pair counts (:func:`fastpaths.fixed_gold_statistic`).
- otherwise the statistic of the placed matrix (:func:`levels.correlation_at_level`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from metaeval.stats.coefficients import Coefficient, get_coefficient
from metaeval.stats.fastpaths import (
    fixed_gold_is_faster,
    fixed_gold_statistic,
    grouped_shuffle_vectors,
)
from metaeval.stats.grouping import average_correlations, level_groups, system_scores
from metaeval.stats.levels import check_level, correlation_at_level, scaled_for_means

FAST_CELLS = 4_000_000     # draws x cells of one block on the matrix-product paths
GENERIC_CELLS = 2_000_000  # ... on the generic path (it keeps several such arrays)
LONG_ROW = 256             # one unit longer than this: shuffled draw by draw (linear time)


class ChanceBaseline(NamedTuple):
    """The permutation null of one metric's statistic: the central interval ``low``..``high``
    of the finite draws (NaN when none is finite) and the draws (``null_distribution``)."""

    low: float
    high: float
    null_distribution: np.ndarray


def order_only(coef: Coefficient) -> bool:
    """Whether the statistic depends on the values only through their order (ties included)."""
    return coef.rank_based or (coef.from_counts is not None and coef.at_level is None)


def random_orders(rng: np.random.Generator, valid: np.ndarray, b: int) -> np.ndarray:
    """(b, G, n) cell indices: ``out[d, g, :c_g]`` the c_g valid cells of unit g in random order,
    then its invalid cells in their order. One long unit is shuffled draw by draw
    (``Generator.shuffle``, linear time); many short ones by one argsort of random keys."""
    G, n = valid.shape
    if G == 1 and n > LONG_ROW:
        cells = np.flatnonzero(valid[0])
        rest = np.flatnonzero(~valid[0])
        out = np.empty((b, 1, n), np.intp)
        out[:, 0, len(cells):] = rest
        for d in range(b):
            shuffled = cells.copy()
            rng.shuffle(shuffled)
            out[d, 0, :len(cells)] = shuffled
        return out
    keys = np.where(valid, rng.random((b, G, n)), np.inf)
    return np.argsort(keys, axis=-1)


def sorted_units(metric: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(..., G, n) the valid values of each unit sorted ascending, NaN after them."""
    return np.sort(np.where(valid, metric, np.nan), axis=-1)  # NaN sorts last


def place(sorted_values: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """(b, G, n) matrices with sorted position q of unit g on cell ``orders[d, g, q]``."""
    out = np.empty(orders.shape)
    np.put_along_axis(out, orders, np.broadcast_to(sorted_values, orders.shape), axis=-1)
    return out


def tie_pattern(sorted_values: np.ndarray) -> np.ndarray:
    """Dense ranks (1, 2, ...) of each unit's sorted values, NaN kept: the order information."""
    new = np.ones(sorted_values.shape)
    new[..., 1:] = sorted_values[..., 1:] != sorted_values[..., :-1]
    return np.where(np.isnan(sorted_values), np.nan, np.cumsum(new, -1))


def _to_matrix(units: np.ndarray, level: str, shape: tuple[int, int]) -> np.ndarray:
    """(b, G, n) unit layout -> (b, S, I) matrices."""
    if level == "item":
        return np.swapaxes(units, -1, -2)
    return units.reshape((units.shape[0],) + tuple(shape))


class _Unit:
    """The metrics of one task that share one valid-cell mask (so one stream of random orders)."""

    def __init__(self, gold_units, metric_units, valid, coef, level, shape, fast):
        self.gold, self.valid, self.coef, self.level, self.shape = (gold_units, valid, coef,
                                                                    level, shape)
        self.sorted = sorted_units(metric_units, valid)  # (M, G, n)
        self.linear = None
        if fast and (coef.linear or coef.rank_based):
            vectors = [grouped_shuffle_vectors(coef, gold_units, m) for m in metric_units]
            if all(v is not None for v in vectors):
                U = vectors[0][0]
                # V is increasing in the metric within a unit: its sorted valid entries are the
                # unit vector in sorted-value order
                Vs = np.stack([np.nan_to_num(sorted_units(v[1], valid), nan=0.0) for v in vectors])
                ok = np.stack([v[2] for v in vectors])
                self.linear = U, Vs, ok
        self.pooled_pairs = (fast and level == "none" and coef.from_counts is not None
                             and coef.at_level is None and fixed_gold_is_faster(gold_units.ravel()))

    def draws(self, rng: np.random.Generator, b: int) -> np.ndarray:
        """(M, b) statistics of b draws."""
        orders = random_orders(rng, self.valid, b)
        if self.linear is not None:
            U, Vs, ok = self.linear
            Ud = np.take_along_axis(np.broadcast_to(U, orders.shape), orders, axis=-1)
            r = np.matmul(Ud.transpose(1, 0, 2), Vs.transpose(1, 2, 0))  # (G, b, M)
            r = np.clip(r.transpose(2, 1, 0), -1.0, 1.0)  # (M, b, G)
            return average_correlations(np.where(ok[:, None, :], r, np.nan))
        out = np.empty((self.sorted.shape[0], b))
        for m, values in enumerate(self.sorted):
            placed = place(values, orders)
            if self.pooled_pairs:  # every draw shares the valid cells: fixed-gold pair counts
                out[m] = fixed_gold_statistic(self.coef, self.gold.ravel(), placed.reshape(b, -1))
            else:
                matrix = _to_matrix(placed, self.level, self.shape)
                gold = _to_matrix(self.gold[None], self.level, self.shape)[0]
                out[m] = correlation_at_level(gold, matrix, self.coef, self.level)
        return out


def _unit_draws(gold_units, metric_units, coef, level, shape, k, seed, fast) -> np.ndarray:
    """(M, k) draws of metrics in unit layout (G, n), grouped by valid mask (and, for
    order-only statistics, computed once per tie pattern)."""
    M = metric_units.shape[0]
    valid = np.isfinite(gold_units) & np.isfinite(metric_units)
    out = np.empty((M, k))
    by_mask: dict[bytes, list[int]] = {}
    for m in range(M):
        by_mask.setdefault(valid[m].tobytes(), []).append(m)
    for members in by_mask.values():
        mask = valid[members[0]]
        values = metric_units[members]
        rows = [[m] for m in members]
        if fast and order_only(coef):  # one computation per tie pattern
            patterns = tie_pattern(sorted_units(values, mask))
            keys: dict[bytes, int] = {}
            reps, rows = [], []
            for j, m in enumerate(members):
                key = np.nan_to_num(patterns[j], nan=-1.0).tobytes()
                if key not in keys:
                    keys[key] = len(reps)
                    reps.append(j)
                    rows.append([])
                rows[keys[key]].append(m)
            values = values[reps]
        unit = _Unit(gold_units, values, mask, coef, level, shape, fast)
        rng = np.random.default_rng(seed)
        cells = FAST_CELLS if unit.linear is not None else GENERIC_CELLS
        chunk = max(1, cells // max(1, mask.size))
        parts = [unit.draws(rng, min(chunk, k - start)) for start in range(0, k, chunk)]
        draws = np.concatenate(parts, axis=1)
        for j, targets in enumerate(rows):
            out[targets] = draws[j]
    return out


def chance_draws(gold, scores, coefficient: str | Coefficient, level: str, k: int = 1000,
                 seed: int = 0, fast: bool = True) -> np.ndarray:
    """(M, k) chance-baseline draws of every metric of ``scores`` (M, S, I) against gold (S, I)."""
    gold = np.asarray(gold, float)
    scores = np.asarray(scores, float)
    check_level(level)
    coef = get_coefficient(coefficient)
    if level == "system":  # gold system scores depend on each metric's valid items
        rows = []
        for metric in scores:  # (rescaled exactly first, as correlation_at_level does)
            g, m = system_scores(*scaled_for_means(coef, gold, metric, level))
            rows.append(_unit_draws(g[None], m[None, None], coef, "system", (g.size, 1),
                                    k, seed, fast)[0])
        return np.stack(rows) if rows else np.empty((0, k))
    return _unit_draws(level_groups(gold, level), level_groups(scores, level), coef, level,
                       gold.shape, k, seed, fast)


def summarize(draws: np.ndarray, ci: float) -> ChanceBaseline:
    """The (1-ci)/2 and (1+ci)/2 quantiles of the finite draws (NaN when none is finite)."""
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return ChanceBaseline(float("nan"), float("nan"), draws)
    low, high = np.quantile(finite, [(1 - ci) / 2, (1 + ci) / 2])
    return ChanceBaseline(float(low), float(high), draws)


def chance_baselines(gold, scores, coefficient: str | Coefficient, level: str, k: int = 1000,
                     seed: int = 0, ci: float = 0.95, fast: bool = True) -> list[ChanceBaseline]:
    """The chance baseline of every metric (M, S, I): see the module docstring."""
    return [summarize(d, ci) for d in chance_draws(gold, scores, coefficient, level, k, seed,
                                                   fast)]


def chance_baseline(gold, metric, coefficient: str | Coefficient, level: str, k: int = 1000,
                    seed: int = 0, ci: float = 0.95, chunk: int | None = None,
                    fast: bool = True) -> ChanceBaseline:
    """Permutation null of one metric's statistic: metric values shuffled within each item
    (``item``), system (``sys``), across all gold-covered cells (``none``) or the system scores
    across systems (``system``), gold fixed; the same draws as in :func:`chance_baselines` with
    any other metrics. ``chunk`` is accepted for compatibility (draws do not depend on it)."""
    metric = np.asarray(metric, float)
    return chance_baselines(gold, metric[None], coefficient, level, k, seed, ci, fast)[0]
