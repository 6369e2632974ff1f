"""Proportions of counted events: exact binomial intervals and tests, simultaneous multinomial
intervals, and the bootstrap over units of a ratio of counts. Pure numpy/scipy, no I/O.

- **Clopper-Pearson** (Clopper & Pearson 1934, Biometrika 26(4)): the exact ("central")
  interval of a binomial proportion x/n from beta quantiles,
  ``[B((1-ci)/2; x, n-x+1), B((1+ci)/2; x+1, n-x)]`` (0 at x = 0, 1 at x = n); equal to
  ``scipy.stats.binomtest(x, n).proportion_ci(ci, method="exact")``.
- **Exact binomial test** of p = ``null`` (two-sided, scipy's ``binomtest``: the probability
  of outcomes no more likely than the one observed).
- **Goodman** (1965), "On simultaneous confidence intervals for multinomial proportions",
  Technometrics 7(2): with A the chi-square(1) quantile at 1 - (1-ci)/C for C categories and N
  counts, ``(A + 2 n_c -+ sqrt(A (A + 4 n_c (N - n_c) / N))) / (2 (N + A))`` for each category c.
- **Sison & Glaz** (1995), "Simultaneous confidence intervals and sample size determination for
  multinomial proportions", JASA 90(429): the box ``[n_c - t, n_c + t]`` around the counts whose
  coverage nu(t) (each count a truncated Poisson(n_c), the constraint sum = N by an Edgeworth
  expansion of the sum, their eq. (1)) brackets ci, ``nu(t) <= ci < nu(t + 1)``; then
  ``[p_c - t/N, p_c + (t + 2 gamma)/N]`` with ``gamma = (ci - nu(t)) / (nu(t+1) - nu(t))``,
  clipped to [0, 1] (as R's MultinomialCI and statsmodels compute it).
- :func:`unit_weights` / :func:`bootstrap_ratio`: the percentile bootstrap over units (items)
  of sum(successes) / sum(totals), every draw a multiplicity per unit.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from metaeval.errors import StatsError
from metaeval.stats.resampling import percentile_bounds

SIMULTANEOUS = ("none", "goodman", "sison-glaz")


def clopper_pearson(successes, n, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval of successes/n (arrays broadcast); NaN where n = 0."""
    x = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    tail = (1.0 - ci) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, stats.beta.ppf(tail, x, n - x + 1), 0.0)
        high = np.where(x < n, stats.beta.ppf(1.0 - tail, x + 1, n - x), 1.0)
    empty = n <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def binomial_pvalue(successes: int, n: int, null: float = 0.5) -> float:
    """Two-sided exact binomial test of p = ``null`` (NaN for n = 0)."""
    if n <= 0:
        return float("nan")
    return float(stats.binomtest(int(successes), int(n), null).pvalue)


def goodman_intervals(counts, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Goodman's simultaneous intervals of the category shares of ``counts`` (module doc)."""
    counts = np.asarray(counts, dtype=float)
    total, categories = counts.sum(), counts.size
    if total <= 0 or categories < 2:
        raise StatsError("simultaneous intervals need at least 2 categories and 1 count.")
    a = stats.chi2.ppf(1.0 - (1.0 - ci) / categories, 1)
    spread = np.sqrt(a * (a + 4.0 * counts * (total - counts) / total))
    low = (a + 2.0 * counts - spread) / (2.0 * (total + a))
    high = (a + 2.0 * counts + spread) / (2.0 * (total + a))
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _truncated_poisson_moments(counts: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Mean, variance, third and fourth central moment of Poisson(n_c) truncated to
    [low, high], from its factorial moments (Sison & Glaz 1995, section 2)."""
    def mass(a, b):
        return stats.poisson.cdf(b, counts) - stats.poisson.cdf(a - 1, counts)

    inside = mass(low, high)
    factorial = [counts ** r * (1.0 - (mass(high - r + 1, high) - mass(low - r, low - 1)) / inside)
                 for r in range(1, 5)]
    f1, f2, f3, f4 = factorial
    mean = f1
    var = f2 + mean - mean ** 2
    third = f3 + f2 * (3 - 3 * mean) + mean - 3 * mean ** 2 + 2 * mean ** 3
    fourth = (f4 + f3 * (6 - 4 * mean) + f2 * (7 - 12 * mean + 6 * mean ** 2)
              + mean - 4 * mean ** 2 + 6 * mean ** 3 - 3 * mean ** 4)
    return inside, mean, var, third, fourth


def _sison_glaz_coverage(counts: np.ndarray, total: float, t: float) -> float:
    """nu(t): the approximate probability that every count lies within t of its observed value
    (Sison & Glaz eq. (1): Poisson box probability x Edgeworth density of the sum / P(sum = N))."""
    low, high = np.maximum(counts - t, 0.0), np.minimum(counts + t, total)
    inside, mean, var, third, fourth = _truncated_poisson_moments(counts, low, high)
    s2 = var.sum()
    g1 = third.sum() / s2 ** 1.5
    g2 = (fourth.sum() - 3.0 * (var ** 2).sum()) / s2 ** 2
    x = (total - mean.sum()) / np.sqrt(s2)
    h3, h4 = x ** 3 - 3 * x, x ** 4 - 6 * x ** 2 + 3
    h6 = x ** 6 - 15 * x ** 4 + 45 * x ** 2 - 15
    density = stats.norm.pdf(x) * (1 + g1 * h3 / 6 + g2 * h4 / 24 + g1 ** 2 * h6 / 72)
    log_box = np.log(inside).sum()
    return float(np.exp(log_box + np.log(density / np.sqrt(s2))
                        - stats.poisson.logpmf(total, total)))


def sison_glaz_intervals(counts, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Sison & Glaz's simultaneous intervals of the category shares (module docstring)."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    if total <= 0 or counts.size < 2:
        raise StatsError("simultaneous intervals need at least 2 categories and 1 count.")
    t = 1.0
    nu, nu_next = _sison_glaz_coverage(counts, total, t), _sison_glaz_coverage(counts, total, 2.0)
    while not nu <= ci < nu_next:
        if t > total:
            raise StatsError(f"Sison-Glaz: no box half-width reaches coverage {ci} for counts "
                             f"{counts.astype(int).tolist()}; use goodman.")
        t += 1.0
        nu, nu_next = nu_next, _sison_glaz_coverage(counts, total, t + 1.0)
    gamma = (ci - nu) / (nu_next - nu)
    shares = counts / total
    return (np.clip(shares - t / total, 0.0, 1.0),
            np.clip(shares + (t + 2.0 * gamma) / total, 0.0, 1.0))


def simultaneous_intervals(counts, method: str, ci: float = 0.95):
    """``goodman`` or ``sison-glaz`` intervals of the shares of ``counts``."""
    if method == "goodman":
        return goodman_intervals(counts, ci)
    if method == "sison-glaz":
        return sison_glaz_intervals(counts, ci)
    raise StatsError(f"unknown simultaneous interval method {method!r}; use goodman or "
                     "sison-glaz.")


def unit_weights(n_units: int, k: int, seed: int) -> np.ndarray:
    """(k, U) multiplicities of a bootstrap over units drawn by ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, n_units, size=(k, n_units))
    weights = np.zeros((k, n_units))
    np.add.at(weights, (np.arange(k)[:, None], drawn), 1.0)
    return weights


def ratio_draws(successes, totals, weights: np.ndarray) -> np.ndarray:
    """(k,) sum_u w_u s_u / sum_u w_u t_u per draw of ``weights`` (k, U); NaN where the
    denominator is 0."""
    s = weights @ np.asarray(successes, dtype=float)
    t = weights @ np.asarray(totals, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(t > 0, s / t, np.nan)


def bootstrap_ratio(successes, totals, weights: np.ndarray,
                    ci: float = 0.95) -> tuple[float, float]:
    """Percentile interval of :func:`ratio_draws` (draws with a zero denominator ignored; NaN
    when every draw has one)."""
    low, high = percentile_bounds(ratio_draws(successes, totals, weights)[None, :], ci)
    return float(low[0]), float(high[0])
