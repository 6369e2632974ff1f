"""Random-effects meta-analysis of correlations over test sets (pure numpy/scipy).

Effects are Fisher z = artanh(r) with sampling variance ``v = c / (n - d)``: Pearson c = 1,
d = 3 (Fisher 1921); Spearman c = 1.06, d = 3 and Kendall tau c = 0.437, d = 4 (Fieller,
Hartley & Pearson 1957). DerSimonian-Laird (1986), vectorised over metrics (rows) and test
sets (columns), NaN effects left out per row:

    w_i = 1/v_i,  z_FE = sum w z / sum w,  Q = sum w (z - z_FE)^2,  df = K - 1,
    tau^2 = max(0, (Q - df) / (sum w - sum w^2 / sum w)),
    w*_i = 1/(v_i + tau^2),  mu = sum w* z / sum w*,  se = 1/sqrt(sum w*),
    CI = mu -/+ z_(1+ci)/2 se,  I^2 = max(0, (Q - df)/Q)  (Higgins & Thompson 2002),

and the pooled correlation is tanh(mu) with the CI bounds transformed the same way.
REML (Viechtbauer 2005) replaces tau^2 by the root of the restricted likelihood, found by the
fixed-point iteration tau^2 <- max(0, sum w^2 ((z - mu)^2 - v) / sum w^2 + 1 / sum w) with
w = 1/(v + tau^2), started at the DerSimonian-Laird value; Q and I^2 stay those of DL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from scipy.stats import chi2, norm

from metaeval.errors import StatsError

FISHER_VARIANCE = {"pearson": (1.0, 3), "spearman": (1.06, 3), "kendall_b": (0.437, 4)}
"""coefficient -> (c, d) of the Fisher-z sampling variance c / (n - d)."""
META_METHODS = ("dl", "reml")


def fisher_z(r: np.ndarray) -> np.ndarray:
    """artanh(r): +-inf for a perfect correlation (|r| = 1), NaN for |r| > 1; never clipped (a
    clipped z would be an arbitrary effect; :func:`dersimonian_laird` leaves non-finite effects
    out, and the meta-analysis notes every set it leaves out)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.arctanh(np.asarray(r, float))


def fisher_variance(n: np.ndarray, coefficient: str) -> np.ndarray:
    """c / (n - d) for ``coefficient`` (see :data:`FISHER_VARIANCE`); NaN where n <= d."""
    if coefficient not in FISHER_VARIANCE:
        raise StatsError(f"no Fisher-z variance for {coefficient!r}; the meta-analysis takes "
                         f"{', '.join(FISHER_VARIANCE)}.")
    c, d = FISHER_VARIANCE[coefficient]
    n = np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > d, c / (n - d), np.nan)


@dataclass(frozen=True)
class MetaAnalysis:
    """DerSimonian-Laird estimates, one entry per row (metric): see the module docstring."""

    mu: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    tau2: np.ndarray
    q: np.ndarray
    q_pvalue: np.ndarray
    i2: np.ndarray
    pvalue: np.ndarray  # two-sided z test of mu = 0
    n_sets: np.ndarray

    def correlation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pooled correlation tanh(mu) and its CI."""
        return np.tanh(self.mu), np.tanh(self.ci_low), np.tanh(self.ci_high)


def reml_tau2(effects: np.ndarray, variances: np.ndarray, start: np.ndarray,
              iterations: int = 200, tol: float = 1e-12) -> np.ndarray:
    """REML between-set variance per row (see the module docstring); NaN effects left out."""
    y = np.atleast_2d(np.asarray(effects, float))
    v = np.atleast_2d(np.asarray(variances, float))
    ok = np.isfinite(y) & np.isfinite(v) & (v > 0)
    y0, v0 = np.where(ok, y, 0.0), np.where(ok, v, 1.0)
    tau2 = np.nan_to_num(np.asarray(start, float).copy())
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(iterations):
            w = np.where(ok, 1 / (v0 + tau2[:, None]), 0.0)
            mu = (w * y0).sum(1) / w.sum(1)
            new = ((w ** 2 * ((y0 - mu[:, None]) ** 2 - v0)).sum(1) / (w ** 2).sum(1)
                   + 1 / w.sum(1))
            new = np.where(np.isfinite(new), np.maximum(0.0, new), 0.0)
            done = np.max(np.abs(new - tau2), initial=0.0) < tol
            tau2 = new
            if done:
                break
    return tau2


def dersimonian_laird(effects: np.ndarray, variances: np.ndarray,
                      ci: float = 0.95, method: str = "dl") -> MetaAnalysis:
    """Random-effects pooling of ``effects`` (M, K) with sampling ``variances`` (M, K);
    ``method`` ``dl`` (DerSimonian-Laird tau^2) or ``reml``."""
    if method not in META_METHODS:
        raise StatsError(f"unknown meta-analysis method {method!r}; choose from "
                         f"{', '.join(META_METHODS)}.")
    y = np.atleast_2d(np.asarray(effects, float))
    v = np.atleast_2d(np.asarray(variances, float))
    if y.shape != v.shape:
        raise StatsError(f"effects {y.shape} and variances {v.shape} differ in shape.")
    ok = np.isfinite(y) & np.isfinite(v) & (v > 0)
    w = np.where(ok, 1 / np.where(ok, v, 1), 0.0)
    y0 = np.where(ok, y, 0.0)
    k = ok.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fixed = (w * y0).sum(1) / w.sum(1)
        q = (w * (y0 - fixed[:, None]) ** 2).sum(1)
        df = k - 1
        c = w.sum(1) - (w ** 2).sum(1) / w.sum(1)
        tau2 = np.where(df > 0, np.maximum(0.0, (q - df) / c), 0.0)
        tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
        if method == "reml":
            tau2 = np.where(df > 0, reml_tau2(y, v, tau2), 0.0)
        ws = np.where(ok, 1 / (np.where(ok, v, 1) + tau2[:, None]), 0.0)
        mu = (ws * y0).sum(1) / ws.sum(1)
        se = 1 / np.sqrt(ws.sum(1))
        i2 = np.where(q > 0, np.maximum(0.0, (q - df) / q), 0.0)
    z = ndtri((1 + ci) / 2)
    empty = k == 0
    nan = np.where(empty, np.nan, 1.0)
    single = np.where(df > 0, 1.0, np.nan)  # heterogeneity needs two sets
    return MetaAnalysis(mu=mu * nan, se=se * nan, ci_low=(mu - z * se) * nan,
                        ci_high=(mu + z * se) * nan, tau2=tau2 * single, q=q * single,
                        q_pvalue=chi2.sf(q, np.maximum(df, 1)) * single, i2=i2 * single,
                        pvalue=2 * norm.sf(np.abs(mu / se)) * nan, n_sets=k)


def average_over_sets(values: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WMT-style average over test sets: ``values`` (M, K) -> (M,), ``draws`` (K, M, k) ->
    (M, k), the mean of the sets' bootstrap draws with the same draw index (the sets are
    independent samples, so the mean of one draw of each is a draw of the average)."""
    values = np.asarray(values, float)
    draws = np.asarray(draws, float)
    if draws.ndim != 3 or draws.shape[:2] != (values.shape[1], values.shape[0]):
        raise StatsError(f"draws must be (sets, metrics, k) = ({values.shape[1]}, "
                         f"{values.shape[0]}, k); got {draws.shape}.")
    return values.mean(1), draws.mean(0)
