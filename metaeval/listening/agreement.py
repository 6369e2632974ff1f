"""Agreement between the raters of a listening test.

- ICC(2,1) and ICC(2,k): Shrout & Fleiss (1979), "Intraclass correlations: uses in assessing
  rater reliability", Psychological Bulletin 86(2), case 2 (two-way random effects, absolute
  agreement). Targets = stimuli (item, system), judges = raters. From the two-way ANOVA of the
  n x k matrix (BMS between targets, JMS between judges, EMS residual)::

      ICC(2,1) = (BMS - EMS) / (BMS + (k-1) EMS + k (JMS - EMS) / n)
      ICC(2,k) = (BMS - EMS) / (BMS + (JMS - EMS) / n)

  Incomplete designs (each stimulus rated by a different subset of raters, as in the GSVS test
  where three listener panels of 12 rated 83-84 trials each): the stimuli are split into blocks
  that share the same set of raters; each block with at least 2 stimuli and 2 raters is a
  complete n_b x k_b matrix and gets its own ICC; the reported value is the mean over blocks
  weighted by the number of stimuli (``blocks`` lists the per-block values).
- Krippendorff's alpha, interval metric: Krippendorff (2011), "Computing Krippendorff's
  alpha-reliability", Annenberg School for Communication, U. Pennsylvania.
  alpha = 1 - D_o / D_e over pairable values (units with >= 2 ratings), with
  D_o = 1/n sum_u 1/(m_u - 1) sum_{i != j in u} (v_i - v_j)^2 and
  D_e = 1/(n (n-1)) sum_{i != j} (v_i - v_j)^2; missing ratings are allowed.
- Rater-vs-rest correlation: each rater's ratings against the mean of the other raters on the
  same stimuli (with :mod:`metaeval.stats.coefficients`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metaeval.errors import StatsError
from metaeval.listening.ratings import RatingTable
from metaeval.stats.coefficients import get_coefficient


@dataclass(frozen=True)
class ICCComponents:
    """ICC(2,1), ICC(2,k) and the mean squares of one complete targets x judges matrix."""

    icc2_1: float
    icc2_k: float
    n: int
    k: int
    bms: float
    jms: float
    ems: float


@dataclass(frozen=True)
class ICCResult:
    """ICC(2,1) and ICC(2,k) of a rating table (stimulus-weighted mean over rater-set blocks).

    ``k``: mean raters per stimulus over the blocks used; ``n_stimuli``: stimuli used;
    ``blocks``: per block its raters, n, k, icc2_1 and icc2_k; ``method``: how it was computed.
    """

    icc2_1: float
    icc2_k: float
    k: float
    n_stimuli: int
    n_blocks: int
    blocks: list[dict] = field(default_factory=list)
    method: str = ""


def icc_matrix(x: np.ndarray) -> ICCComponents:
    """ICC(2,1) and ICC(2,k) of a complete n targets x k judges matrix (Shrout & Fleiss 1979)."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or np.isnan(x).any():
        raise StatsError("ICC needs a complete targets x judges matrix without missing values.")
    n, k = x.shape
    if n < 2 or k < 2:
        raise StatsError(f"ICC needs at least 2 targets and 2 judges, got {n} x {k}.")
    grand = x.mean()
    ss_targets = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_judges = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((x - grand) ** 2).sum() - ss_targets - ss_judges
    bms, jms = ss_targets / (n - 1), ss_judges / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))
    single = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
    average = (bms - ems) / (bms + (jms - ems) / n)
    return ICCComponents(float(single), float(average), n, k, float(bms), float(jms), float(ems))


def icc(table: RatingTable) -> ICCResult:
    """ICC(2,1) and ICC(2,k) of the raters, stimuli as targets (see the module docstring)."""
    matrix = table.matrix()
    raters = np.asarray(matrix.columns)
    present = matrix.notna().to_numpy()
    keys = [tuple(row) for row in present]
    groups: dict[tuple, list[int]] = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    blocks = []
    for key, rows in groups.items():
        columns = np.flatnonzero(key)
        if len(rows) < 2 or len(columns) < 2:
            continue
        values = matrix.to_numpy()[np.ix_(rows, columns)]
        result = icc_matrix(values)
        blocks.append({"raters": [str(r) for r in raters[columns]], "n": result.n,
                       "k": result.k, "icc2_1": result.icc2_1, "icc2_k": result.icc2_k})
    if not blocks:
        raise StatsError("no block of at least 2 stimuli rated by the same 2+ raters; ICC is "
                         "undefined for this design.")
    weights = np.array([b["n"] for b in blocks], dtype=float)

    def mean(name: str) -> float:
        return float(np.average([b[name] for b in blocks], weights=weights))

    method = ("Shrout & Fleiss ICC(2,1)/ICC(2,k), two-way random, absolute agreement"
              + ("" if len(blocks) == 1 else
                 f"; {len(blocks)} blocks of stimuli sharing a rater set, stimulus-weighted mean"))
    return ICCResult(mean("icc2_1"), mean("icc2_k"), mean("k"), int(weights.sum()), len(blocks),
                     blocks, method)


def krippendorff_alpha_interval(table: RatingTable) -> float:
    """Krippendorff's alpha with the interval metric (squared differences); units = stimuli."""
    frame = table.frame
    grouped = frame.groupby(["item", "system"], sort=False)["rating"]
    m = grouped.transform("size").to_numpy(dtype=float)
    pairable = m >= 2
    values = frame["rating"].to_numpy(dtype=float)[pairable]
    if values.size < 2:
        raise StatsError("Krippendorff's alpha needs at least one stimulus with 2+ ratings.")
    units = frame.loc[pairable, ["item", "system"]]
    sums = pd.DataFrame({"v": values, "v2": values ** 2}).groupby(
        [units["item"].to_numpy(), units["system"].to_numpy()], sort=False)
    per_unit = sums.agg(s=("v", "sum"), s2=("v2", "sum"), m=("v", "size"))
    # sum over ordered pairs i != j of (v_i - v_j)^2 = 2 (m sum v^2 - (sum v)^2)
    within = 2 * (per_unit["m"] * per_unit["s2"] - per_unit["s"] ** 2)
    n = values.size
    d_observed = float((within / (per_unit["m"] - 1)).sum()) / n
    total = 2 * (n * (values ** 2).sum() - values.sum() ** 2)
    d_expected = total / (n * (n - 1))
    if d_expected == 0:
        raise StatsError("Krippendorff's alpha is undefined: all pairable ratings are equal.")
    return 1.0 - d_observed / d_expected


def rater_vs_rest(table: RatingTable, coefficient: str = "pearson") -> pd.DataFrame:
    """Per rater: correlation of their ratings with the mean of the other raters' ratings.

    Only stimuli the rater rated that at least one other rater also rated count. Columns
    ``rater``, ``r``, ``n`` (stimuli used); ``r`` is NaN for fewer than 2 stimuli or a constant
    vector. The frame's ``attrs["mean"]`` holds the mean r over raters (NaN ignored).
    """
    coef = get_coefficient(coefficient)
    matrix = table.matrix()
    values = matrix.to_numpy(dtype=float)
    present = ~np.isnan(values)
    totals = np.nansum(values, axis=1)
    counts = present.sum(axis=1)
    rows = []
    for column, rater in enumerate(matrix.columns):
        own = values[:, column]
        others = counts - present[:, column]
        use = present[:, column] & (others > 0)
        rest = (totals[use] - own[use]) / others[use]
        r = float(coef.batched(rest, own[use])) if use.sum() >= 2 else np.nan
        rows.append({"rater": str(rater), "r": r, "n": int(use.sum())})
    result = pd.DataFrame(rows, columns=["rater", "r", "n"])
    result.attrs["mean"] = float(np.nanmean(result["r"])) if result["r"].notna().any() else np.nan
    result.attrs["coefficient"] = coefficient
    return result


def mean_rater_vs_rest(table: RatingTable, coefficient: str = "pearson") -> float:
    """Mean over raters of :func:`rater_vs_rest` (NaN ignored)."""
    return rater_vs_rest(table, coefficient).attrs["mean"]
