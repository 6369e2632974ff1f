"""A cost estimate before a run, and a refusal beyond the budget unless forced.

The estimate counts the work of every (group, level, coefficient): bootstrap draws x metrics x
cells, chance-baseline draws x metrics x cells, and PERM-BOTH draws x metric pairs x cells,
each times a per-unit cost measured on the 2-core development machine for the coefficient's
path (:data:`UNIT_SECONDS`; Pearson's vectorised paths are the cheapest; Spearman's PERM-BOTH
costs one small product per pair for short groups, e.g. the systems of an item, and one sort
per pair for longer ones, ties or not; at level ``system`` PERM-BOTH works on the system means,
so its cost grows with the systems, not the cells). It is a rough guide (within a factor of
about 2 on the benchmark cases under the machine's usual load, bench/README.md), printed
before runs estimated over :data:`ANNOUNCE_SECONDS`; runs over
:data:`BUDGET_SECONDS` are refused unless ``force`` is given. Exact tie calibration at level
``none`` needs every pair of cells in memory (about 16 bytes a pair) and is refused above
:data:`TIECAL_MAX_PAIRS` pairs regardless. More than :data:`MAX_DRAWS` draws are refused unless forced: the stored draws
grow with ``k`` (several kB a draw), and a percentile interval needs far fewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.correlation.settings import Settings
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.permshort import SHORT_MAX_CELLS

ANNOUNCE_SECONDS = 30.0
BUDGET_SECONDS = 2 * 3600.0
TIECAL_MAX_PAIRS = 2.5e8  # about 4 GB of pair differences
MAX_DRAWS = 1_000_000
DRAW_SECONDS = 5e-6  # fixed cost of one draw of one metric, whatever the cells
# seconds per (draw x cell) of one metric (bootstrap, chance) or one pair (perm)
UNIT_SECONDS = {
    "linear": {"bootstrap": 2e-9, "chance": 2e-9, "perm": 1.5e-9},
    "rank": {"bootstrap": 3e-8, "chance": 1e-8, "perm": 2e-8},
    "pairs": {"bootstrap": 7e-8, "chance": 5e-8, "perm": 1.5e-7},
    "spa": {"bootstrap": 5e-8, "chance": 1.5e-8, "perm": 1.5e-8},  # soft pairwise accuracy
}
# Tie calibration (acc23_tiecal) works on the pairs of cells at the level: one sweep per metric,
# again in each bootstrap and chance draw while those draws fit TIECAL_BOOTSTRAP_BUDGET pair
# sweeps (else they are skipped, with a note), and the pair-outcome permutation test per metric
# pair and pair of cells, both directions (its k draws are one vectorised pass: the cost hardly
# depends on k; measured on 15 x 1875 cells at level item, WMT22 zh-en's shape)
TIECAL_BOOTSTRAP_BUDGET = 2e8
TIECAL_PAIR_SECONDS = 1e-7
TIECAL_PERM_SECONDS = 6e-7
# Spearman PERM-BOTH, seconds per (draw x cell) of one pair, for groups of at most
# SHORT_MAX_CELLS cells (one small product per pair; UNIT_SECONDS["rank"]["perm"]: one sort per
# pair), and PERM-BOTH at level system per (draw x system) of one pair (system sums from one
# mask product per metric), whatever the ties (issue 18: HANNA, 96 x 11 cells, 72 metrics)
SHORT_RANK_PERM_SECONDS = 1e-8
SYSTEM_PERM_SECONDS = {"linear": 5e-7, "rank": 8e-8, "pairs": 5e-7}


@dataclass(frozen=True)
class CostEstimate:
    """Rough seconds of a run and the largest tie-calibration pair count."""

    seconds: float
    tiecal_pairs: int

    def describe(self) -> str:
        minutes = self.seconds / 60
        return (f"about {self.seconds:.0f} s" if minutes < 2 else
                f"about {minutes:.0f} min" if minutes < 120 else f"about {minutes / 60:.1f} h")


def _kind(name: str) -> str:
    coef = get_coefficient(name)
    if coef.soft_pairwise:
        return "spa"
    if coef.at_level is not None:
        return "tiecal"
    return "linear" if coef.linear else "rank" if coef.rank_based else "pairs"


def _pairs_at(cells: int, level: str, shape: tuple[int, int]) -> int:
    systems, items = shape
    if level == "none":
        return cells * (cells - 1) // 2
    rows, length = (items, systems) if level == "item" else (systems, items)
    return rows * length * (length - 1) // 2


def _perm_pair_seconds(kind: str, cells: int, level: str, shape: tuple[int, int] | None,
                       k: int) -> float:
    """Rough seconds of one metric pair's k PERM-BOTH draws over ``cells`` cells of a
    (systems, items) ``shape`` (None: unknown, the dearest path is assumed)."""
    systems, items = shape if shape is not None else (cells, cells)
    if level == "system" and kind in SYSTEM_PERM_SECONDS:
        return k * min(systems, cells) * SYSTEM_PERM_SECONDS[kind]
    if kind == "rank":
        longest = {"item": systems, "sys": items}.get(level, cells)
        short = longest <= SHORT_MAX_CELLS and level != "system"
        return k * cells * (SHORT_RANK_PERM_SECONDS if short else UNIT_SECONDS["rank"]["perm"])
    return k * cells * UNIT_SECONDS[kind]["perm"] + k * DRAW_SECONDS


def task_seconds(cells: int, level: str, name: str, n_metrics: int, settings: Settings,
                 shape: tuple[int, int] | None = None) -> float:
    """Rough seconds of one (group, level, coefficient) task over ``cells`` cells of
    ``shape`` (systems, items with gold; None: unknown)."""
    if _kind(name) == "tiecal":
        return _tiecal_seconds(cells, level, n_metrics, settings, shape)
    unit = UNIT_SECONDS[_kind(name)]
    work = settings.k * cells
    fixed = settings.k * DRAW_SECONDS
    # resampling the averaged groups only: the per-group correlations are computed once
    shortcut = _kind(name) != "tiecal" and (level, settings.resample) in (("item", "items"),
                                                                            ("sys", "systems"))
    seconds = n_metrics * ((cells if shortcut else work) * unit["bootstrap"] + fixed)
    if settings.chance:
        seconds += n_metrics * (work * unit["chance"] + fixed)
    if settings.tests_significance(name) and n_metrics > 1:
        seconds += n_metrics * (n_metrics - 1) / 2 * _perm_pair_seconds(
            _kind(name), cells, level, shape, settings.k)
    return seconds


def tiecal_sweeps(pairs: float, n_metrics: int, settings: Settings) -> float:
    """Pair sweeps of acc23_tiecal's bootstrap and chance draws (re-calibrated in each)."""
    return n_metrics * pairs * settings.k * (2 if settings.chance else 1)


def _tiecal_seconds(cells: int, level: str, n_metrics: int, settings: Settings,
                    shape: tuple[int, int] | None) -> float:
    """Rough seconds of an acc23_tiecal task (see :data:`TIECAL_BOOTSTRAP_BUDGET`)."""
    pairs = _pairs_at(cells, level, shape or (cells, 1)) * min(1.0, settings.tiecal_sample)
    seconds = n_metrics * pairs * TIECAL_PAIR_SECONDS
    sweeps = tiecal_sweeps(pairs, n_metrics, settings)
    if settings.tiecal_sample >= 1 and sweeps <= TIECAL_BOOTSTRAP_BUDGET:
        seconds += sweeps * TIECAL_PAIR_SECONDS
    if settings.tests_significance("acc23_tiecal") and n_metrics > 1:
        seconds += n_metrics * (n_metrics - 1) / 2 * pairs * TIECAL_PERM_SECONDS
    return seconds


def estimate_cost(shapes: list[tuple[int, int, int]], n_metrics: int,
                  settings: Settings, work=None) -> CostEstimate:
    """The cost of a run over groups given as (cells, systems, items), crossed with the
    settings' levels and coefficients; or of ``work``: (cells, systems, items, level,
    coefficient) per task."""
    if work is None:
        work = [(*shape, level, name) for shape in shapes for level in settings.levels
                for name in settings.coefficients]
    seconds, tiecal = 0.0, 0
    for cells, systems, items, level, name in work:
        seconds += task_seconds(cells, level, name, n_metrics, settings, (systems, items))
        if _kind(name) == "tiecal":
            tiecal = max(tiecal, int(settings.tiecal_sample
                                     * _pairs_at(cells, level, (systems, items))))
    return CostEstimate(seconds, tiecal)


def preflight(shapes: list[tuple[int, int, int]], n_metrics: int, settings: Settings,
              force: bool = False, work=None) -> list[str]:
    """Notes on the expected cost; `ParameterError` when the run would exceed the budget
    (unless ``force``) or exact tie calibration would not fit in memory."""
    cost = estimate_cost(shapes, n_metrics, settings, work)
    if cost.tiecal_pairs > TIECAL_MAX_PAIRS:
        share = TIECAL_MAX_PAIRS / cost.tiecal_pairs * settings.tiecal_sample
        raise ParameterError("coefficients", "acc23_tiecal", f"exact tie calibration would "
                             f"compare {cost.tiecal_pairs:.2e} pairs (about "
                             f"{cost.tiecal_pairs * 16 / 2**30:.0f} GB). Fix: use level item "
                             "(pairs within each segment), calibrate on a sample of the pairs "
                             f"(--tiecal-sample {share:.2g}), or fewer cells.")
    if settings.k > MAX_DRAWS and not force:
        raise ParameterError("k", settings.k, f"{settings.k:,} draws would take "
                             f"{cost.describe()} and keep every draw in memory; more than "
                             f"{MAX_DRAWS:,} are refused. Fix: lower --k (10,000 gives stable "
                             "95% intervals), or pass --force.")
    if cost.seconds > BUDGET_SECONDS and not force:
        raise ParameterError("k", settings.k, f"the run would take {cost.describe()} "
                             f"(budget {BUDGET_SECONDS / 3600:g} h; {n_metrics} metrics, "
                             f"{len(settings.coefficients)} coefficient(s), levels "
                             f"{', '.join(settings.levels)}). Fix: lower --k, choose fewer "
                             "metrics or coefficients, --significance none, or pass --force.")
    if cost.seconds > ANNOUNCE_SECONDS:
        return [f"estimated run time {cost.describe()} (rough; --k, --coef and "
                "--significance change it)"]
    return []


def shape_of(gold: np.ndarray) -> tuple[int, int, int]:
    """(gold cells, systems, items) of a gold matrix."""
    present = np.isfinite(gold)
    return int(present.sum()), int(present.any(1).sum()), int(present.any(0).sum())
