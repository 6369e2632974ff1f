"""Agreement of raters who make choices (nominal categories), from a units x categories count
matrix ``counts[u, c]`` = how many raters put unit u in category c. Pure numpy, no I/O.

Every function takes ``weights`` (B, U): a multiplicity per unit and draw (the bootstrap over
units; ``None``: each unit once), and returns one value per draw, so k draws are one matrix
product.

- **Fleiss' kappa** (Fleiss 1971, "Measuring nominal scale agreement among many raters",
  Psychological Bulletin 76(5)): every unit rated by the same number m of raters;
  ``P_u = (sum_c n_uc^2 - m) / (m (m - 1))``, ``P_bar`` their mean, ``p_c`` the share of all
  ratings in category c, ``P_e = sum_c p_c^2``; ``kappa = (P_bar - P_e) / (1 - P_e)``.
- **Krippendorff's alpha, nominal metric** (Krippendorff 2011, "Computing Krippendorff's
  alpha-reliability", Annenberg School for Communication, U. Pennsylvania, section B): units
  with fewer than 2 ratings are not pairable and left out; with m_u ratings of unit u, the
  coincidences ``o_cc = sum_u n_uc (n_uc - 1) / (m_u - 1)``, ``n_c = sum_u n_uc`` and
  ``n = sum_c n_c``: ``alpha = 1 - D_o / D_e`` with ``D_o = 1 - sum_c o_cc / n`` and
  ``D_e = 1 - sum_c n_c (n_c - 1) / (n (n - 1))``. Unequal numbers of raters are allowed.
"""

from __future__ import annotations

import numpy as np

from metaeval.errors import StatsError


def _prepare(counts, weights) -> tuple[np.ndarray, np.ndarray]:
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[1] < 2:
        raise StatsError("agreement needs a units x categories count matrix with 2+ categories.")
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise StatsError("agreement counts must be finite and non-negative.")
    weights = np.ones((1, counts.shape[0])) if weights is None else np.asarray(weights, float)
    return counts, weights


def fleiss_kappa(counts, weights=None) -> np.ndarray:
    """(B,) Fleiss' kappa per draw (module docstring); NaN where every rating falls in one
    category (P_e = 1). A `StatsError` when the units have different numbers of raters or
    fewer than 2 (Fleiss' kappa needs a constant m >= 2; Krippendorff's alpha does not)."""
    counts, weights = _prepare(counts, weights)
    m = counts.sum(axis=1)
    if m.size == 0 or not np.all(m == m[0]) or m[0] < 2:
        raise StatsError("Fleiss' kappa needs the same number (2 or more) of raters for every "
                         f"unit; the units have {int(m.min())} to {int(m.max())}.")
    m = m[0]
    per_unit = ((counts ** 2).sum(axis=1) - m) / (m * (m - 1))
    units = weights.sum(axis=1)
    p_bar = (weights @ per_unit) / units
    shares = (weights @ counts) / (units * m)[:, None]
    p_e = (shares ** 2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(p_e < 1.0, (p_bar - p_e) / (1.0 - p_e), np.nan)


def krippendorff_alpha_nominal(counts, weights=None) -> np.ndarray:
    """(B,) Krippendorff's alpha with the nominal metric per draw (module docstring); NaN when
    no unit is pairable or every pairable value is the same category (D_e = 0)."""
    counts, weights = _prepare(counts, weights)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, weights, m = counts[pairable], weights[:, pairable], m[pairable]
    if counts.shape[0] == 0:
        return np.full(weights.shape[0], np.nan)
    coincide = (counts * (counts - 1)).sum(axis=1) / (m - 1)  # sum_c o_cc per unit
    n = weights @ m
    agree_observed = (weights @ coincide) / np.where(n > 0, n, np.nan)
    totals = weights @ counts  # n_c per draw
    with np.errstate(invalid="ignore", divide="ignore"):
        agree_expected = (totals * (totals - 1)).sum(axis=1) / (n * (n - 1))
        return np.where(agree_expected < 1.0,
                        1.0 - (1.0 - agree_observed) / (1.0 - agree_expected), np.nan)
