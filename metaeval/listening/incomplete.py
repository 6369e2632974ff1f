"""Rank tests across systems when not every item (block) was rated for every system.

Both take an items x systems matrix of per-item scores with NaN where a system was not rated for
an item; items with fewer than 2 rated systems carry no ranking and are left out. Ranks are
mid-ranks within each item.

- :func:`durbin_test`: Durbin (1951), for balanced incomplete block designs (every item holds
  k systems, every system is rated on r items), in Conover's form (Practical Nonparametric
  Statistics, 3rd ed. 1999, section 5.9) with ties: with t systems, b items, R_j the rank sum of
  system j, A = sum R_ij^2 and C = b k (k+1)^2 / 4,
  ``T1 = (t-1) [sum_j R_j^2 - r C] / (A - C)``, approximately chi-square with t-1 df, and
  ``T2 = (T1/(t-1)) / ((b(k-1) - T1)/(bk - b - t + 1))``, approximately F(t-1, bk-b-t+1).
  For a complete design (k = t, r = b) T1 is Friedman's statistic with its tie correction.
- :func:`skillings_mack`: Skillings & Mack (1981), "On the use of a Friedman-type statistic in
  balanced and unbalanced block designs", Technometrics 23(2), for any pattern of missing cells:
  ``A_j = sum_i sqrt(12/(k_i+1)) (r_ij - (k_i+1)/2)`` over the items i that rated j (k_i systems
  in item i), covariance ``-lambda_jl`` (items holding both j and l) off the diagonal and
  ``sum_l lambda_jl`` on it; ``SM = A' Sigma^- A`` (generalised inverse), chi-square with t-1 df.
  It equals Friedman's statistic for complete data and Durbin's T1 for a balanced incomplete
  design when there are no ties (with ties it is conservative: mid-ranks shrink the variance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats

from metaeval.errors import StatsError


@dataclass(frozen=True)
class BlockTest:
    """An omnibus rank test across systems: statistic, chi-square p-value, degrees of freedom.

    ``pvalue_f`` is the F-form p-value (Durbin's T2; NaN for Skillings-Mack); ``n_items`` the
    items (blocks) used; ``method`` the test in words.
    """

    name: str
    statistic: float
    pvalue: float
    df: int
    n_items: int
    method: str
    pvalue_f: float = float("nan")


def _blocks(wide: np.ndarray) -> np.ndarray:
    """The items with at least 2 rated systems, as a float matrix (NaN = not rated)."""
    wide = np.asarray(wide, float)
    used = wide[np.isfinite(wide).sum(1) >= 2]
    if used.shape[0] < 2 or wide.shape[1] < 3:
        raise StatsError(f"a rank test across systems needs at least 2 items with 2+ rated "
                         f"systems and 3 systems; got {used.shape[0]} item(s), {wide.shape[1]} "
                         "systems.")
    return used


def within_item_ranks(wide: np.ndarray) -> np.ndarray:
    """Mid-ranks 1..k_i of the rated systems within each item; NaN where not rated."""
    ranks = np.full(wide.shape, np.nan)
    for i, row in enumerate(wide):
        rated = np.isfinite(row)
        ranks[i, rated] = scipy.stats.rankdata(row[rated])
    return ranks


def is_balanced_incomplete(wide: np.ndarray) -> bool:
    """Every item rates the same number of systems and every system is rated equally often."""
    present = np.isfinite(np.asarray(wide, float))
    per_item, per_system = present.sum(1), present.sum(0)
    return bool((per_item == per_item[0]).all() and (per_system == per_system[0]).all())


def durbin_test(wide: np.ndarray) -> BlockTest:
    """Durbin's test of a balanced incomplete block design (see the module docstring)."""
    used = _blocks(wide)
    if not is_balanced_incomplete(used):
        raise StatsError("Durbin's test needs a balanced design (every item rates k systems, "
                         "every system is rated on r items). Fix: use skillings_mack.")
    ranks = within_item_ranks(used)
    b, t = used.shape
    k = int(np.isfinite(used[0]).sum())
    r = int(np.isfinite(used[:, 0]).sum())
    sums = np.nansum(ranks, axis=0)
    a = float(np.nansum(ranks ** 2))
    c = b * k * (k + 1) ** 2 / 4
    if a == c:
        raise StatsError("every item ranks its systems as ties; Durbin's test is undefined.")
    t1 = (t - 1) * (float((sums ** 2).sum()) - r * c) / (a - c)
    df2 = b * k - b - t + 1
    t2 = (t1 / (t - 1)) / ((b * (k - 1) - t1) / df2) if df2 > 0 else np.nan
    p_f = float(scipy.stats.f.sf(t2, t - 1, df2)) if df2 > 0 and np.isfinite(t2) else np.nan
    return BlockTest("durbin", float(t1), float(scipy.stats.chi2.sf(t1, t - 1)), t - 1, b,
                     f"Durbin test (balanced incomplete blocks: {b} items x {k} of {t} systems, "
                     f"each system on {r} items; Conover 1999)", p_f)


def skillings_mack(wide: np.ndarray) -> BlockTest:
    """Skillings-Mack test for blocks with any pattern of missing systems (module docstring)."""
    used = _blocks(wide)
    ranks = within_item_ranks(used)
    present = np.isfinite(used)
    k = present.sum(1)
    weight = np.sqrt(12.0 / (k + 1))
    centred = np.where(present, ranks - ((k + 1) / 2)[:, None], 0.0)
    a = (weight[:, None] * centred).sum(0)
    both = present.T.astype(float) @ present.astype(float)  # lambda_jl: items with j and l
    np.fill_diagonal(both, 0.0)
    sigma = -both
    np.fill_diagonal(sigma, both.sum(1))
    t = used.shape[1]
    df = int(np.linalg.matrix_rank(sigma))
    if df < t - 1:
        raise StatsError("the systems do not form one connected design (some systems never "
                         "share an item with the others); the Skillings-Mack test is undefined.")
    statistic = float(a @ np.linalg.pinv(sigma) @ a)
    return BlockTest("skillings-mack", statistic, float(scipy.stats.chi2.sf(statistic, df)), df,
                     used.shape[0], f"Skillings-Mack test (incomplete blocks: {used.shape[0]} "
                     f"items, {int(k.min())} to {int(k.max())} of {t} systems per item; "
                     "Skillings & Mack 1981)")
