"""One-way random-effects fit of a panel's ratings per stimulus, and simulated panels from it.

Model (stimulus c = one (system, item) cell, rater r): y_cr = mu_c + e_cr, e_cr ~ N(0, v_c).
Fit by the ANOVA (method of moments) estimators of the one-way random-effects model, with
n_c ratings of cell c, N = sum n_c, C cells:

- mean: mu_c = ybar_c;
- per-stimulus rater variance: s_c^2 = sum_r (y_cr - ybar_c)^2 / (n_c - 1);
- pooled rater variance (mean square within): MS_W = sum_c sum_r (y_cr - ybar_c)^2 / (N - C);
- between-stimulus component: sigma_mu^2 = (MS_B - MS_W) / n_0, MS_B = sum_c n_c (ybar_c -
  ybar)^2 / (C - 1), n_0 = (N - sum_c n_c^2 / N) / (C - 1)
  (Searle, Casella & McCulloch 1992, *Variance Components*, ch. 3).

``variance="cell"`` simulates with v_c = s_c^2 (a cell with a single rating takes MS_W),
``"pooled"`` with v_c = MS_W for every cell. Simulation is a parametric bootstrap with Gaussian
noise: the mean of m new ratings of cell c is exactly mu_c + sqrt(v_c / m) z, z ~ N(0, 1), drawn
directly, so m may exceed the real panel. The fitted means are taken as the true ones: a
simulated panel of the real size is noisier than the real panel mean (which is mu_c itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metaeval.errors import ParameterError

VARIANCES = ("cell", "pooled")


@dataclass(frozen=True)
class RaterVariance:
    """The fit: ``means``, ``cell_variance`` (NaN below 2 ratings), ``counts`` are (S, I);
    ``pooled`` = MS_W, ``between`` = sigma_mu^2, ``ms_between`` = MS_B."""

    means: np.ndarray
    cell_variance: np.ndarray
    counts: np.ndarray
    pooled: float
    between: float
    ms_between: float

    def variance(self, kind: str = "cell") -> np.ndarray:
        """(S, I) rater variance v_c used by the simulation (see the module docstring)."""
        if kind not in VARIANCES:
            raise ParameterError("variance", kind, f"choose from {', '.join(VARIANCES)}.")
        if kind == "pooled":
            return np.where(self.counts > 0, self.pooled, np.nan)
        fallback = np.where(self.counts > 0, self.pooled, np.nan)
        return np.where(self.counts >= 2, self.cell_variance, fallback)

    @property
    def panel(self) -> int:
        """The median number of ratings per rated cell (the real panel size)."""
        rated = self.counts[self.counts > 0]
        return int(np.median(rated)) if rated.size else 0


def fit_rater_variance(ratings: np.ndarray) -> RaterVariance:
    """Fit the one-way random-effects model to ``ratings`` (S, I, R), NaN-padded."""
    present = np.isfinite(ratings)
    counts = present.sum(-1)
    if not (counts >= 2).any():
        raise ParameterError("ratings", "", "no cell has two ratings: the rater variance "
                             "cannot be estimated.", "use method='subsample'.")
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, np.nansum(ratings, -1) / counts, np.nan)
        squares = np.nansum((ratings - means[..., None]) ** 2, -1)
        cell = np.where(counts >= 2, squares / (counts - 1), np.nan)
    rated = counts > 0
    n_total, cells = counts.sum(), rated.sum()
    pooled = float(squares[rated].sum() / (n_total - cells))
    grand = np.nansum(ratings) / n_total
    ms_between = float((counts[rated] * (means[rated] - grand) ** 2).sum() / max(cells - 1, 1))
    n0 = (n_total - (counts[rated] ** 2).sum() / n_total) / max(cells - 1, 1)
    return RaterVariance(means, cell, counts, pooled, float((ms_between - pooled) / n0),
                         ms_between)


def simulated_means(rng: np.random.Generator, means: np.ndarray, spread: np.ndarray,
                    reps: int) -> np.ndarray:
    """(reps, *means.shape) simulated panel means: means + spread * z, z standard normal;
    ``spread`` = sqrt(v_c / m) (zero spread returns the means exactly)."""
    return means[None] + spread[None] * rng.standard_normal((reps, *means.shape))
