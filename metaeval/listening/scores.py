"""MOS / DMOS per stimulus and per system with t-based and bootstrap-over-raters intervals.

A stimulus is an (item, system) pair; its score is the mean of its ratings (MOS for ACR, DMOS for
DCR, mean MUSHRA score; ITU-T P.800 / P.808, ITU-R BS.1534).

- Stimulus: ``mos = mean(x)``, t interval ``mos +- t_{(1+ci)/2, n-1} * sd(x) / sqrt(n)``
  (ITU-T P.1401 §7; sd with n - 1). Bootstrap: resample the stimulus's own ratings (its raters)
  with replacement, ``bootstrap_k`` times; percentile interval.
- System: ``mos`` = mean of its stimulus means (every item weighs the same), t interval over the
  ``n_items`` stimulus means. Bootstrap over raters: draw the panel of R raters with replacement
  (weights = draw counts), recompute every stimulus mean as the weighted mean of the raters who
  rated it, then the system means; percentile interval. This keeps a rater's ratings together, so
  the interval reflects rater-to-rater variation (Efron & Tibshirani 1993, ch. 13).

Both draw all resamples at once from ``numpy.random.default_rng(seed)``.

``aggregate="median"``: a stimulus's score is the median of its ratings and a system's the median
of its per-item scores; the t interval is then replaced by the distribution-free order-statistic
interval of the median, ``[x_(l), x_(n+1-l)]`` with l the largest integer such that
P(Bin(n, 1/2) <= l - 1) <= (1-ci)/2 (Conover 1999, section 3.2; NaN when n is too small for the
level), and the bootstraps take medians (a rater drawn twice counts twice).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import scipy.stats

from metaeval.data.panel import padded_ratings, rating_frame
from metaeval.errors import ParameterError

__all__ = ["padded_ratings", "rating_frame", "stimulus_scores", "system_scores", "t_interval"]

CHUNK = 64  # bootstrap draws per vectorised block
AGGREGATES = ("mean", "median")


def _check_ci(ci: float, bootstrap_k: int, aggregate: str = "mean") -> None:
    if aggregate not in AGGREGATES:
        raise ParameterError("aggregate", aggregate, f"use one of {', '.join(AGGREGATES)}.")
    if not 0 < ci < 1:
        raise ParameterError("ci", ci, "the confidence level must lie in (0, 1), e.g. 0.95.")
    if bootstrap_k < 1:
        raise ParameterError("bootstrap_k", bootstrap_k, "must be at least 1.")


def t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, ci: float):
    """``mean -+ t_{(1+ci)/2, n-1} sd / sqrt(n)``; NaN where n < 2."""
    n = np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = scipy.stats.t.ppf((1 + ci) / 2, n - 1) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return mean - half, mean + half


def median_interval(values: np.ndarray, counts: np.ndarray, ci: float):
    """Order-statistic interval of the median of each NaN-padded row (see the module docstring)."""
    ordered = np.sort(values, axis=1)  # NaN last
    low = np.full(len(counts), np.nan)
    high = low.copy()
    for n in np.unique(counts):
        cdf = scipy.stats.binom.cdf(np.arange(n + 1) - 1, n, 0.5)  # P(X <= l - 1), l = 0..n
        ok = np.flatnonzero(cdf <= (1 - ci) / 2)
        if n < 1 or ok.max() < 1:
            continue
        rows, lo_index = counts == n, int(ok.max()) - 1
        low[rows], high[rows] = ordered[rows, lo_index], ordered[rows, n - 1 - lo_index]
    return low, high


def _stimulus_interval(values, counts, ci: float, aggregate: str):
    if aggregate == "median":
        return (np.nanmedian(values, axis=1), *median_interval(values, counts, ci))
    mos = np.nanmean(values, axis=1)
    squares = np.nansum((values - mos[:, None]) ** 2, axis=1)
    sd = np.sqrt(squares / np.maximum(counts - 1, 1))
    sd = np.where(counts > 1, sd, np.nan)
    return (mos, *t_interval(mos, sd, counts, ci))


def stimulus_scores(table, ci: float = 0.95, bootstrap_k: int = 1000,
                    seed: int = 0, aggregate: str = "mean") -> pd.DataFrame:
    """Per stimulus: item, system, mos, ci_low, ci_high, boot_low, boot_high, n_ratings."""
    _check_ci(ci, bootstrap_k, aggregate)
    keys, values, counts = padded_ratings(rating_frame(table))
    mos, low, high = _stimulus_interval(values, counts, ci, aggregate)
    rng = np.random.default_rng(seed)
    draws = np.empty((bootstrap_k, len(keys)))
    rows = np.arange(len(keys))[:, None]
    for start in range(0, bootstrap_k, CHUNK):
        k = min(CHUNK, bootstrap_k - start)
        # position j < n_i picks rating floor(u * n_i) of stimulus i; padding is never picked.
        picks = (rng.random((k, len(keys), values.shape[1])) * counts[:, None]).astype(int)
        sample = values[rows, picks]
        used = np.arange(values.shape[1]) < counts[:, None]
        if aggregate == "median":
            draws[start:start + k] = np.nanmedian(np.where(used, sample, np.nan), axis=-1)
        else:
            draws[start:start + k] = np.where(used, sample, 0.0).sum(-1) / counts
    alpha = (1 - ci) / 2
    boot_low, boot_high = np.quantile(draws, [alpha, 1 - alpha], axis=0)
    out = keys.copy()
    out["mos"], out["ci_low"], out["ci_high"] = mos, low, high
    out["boot_low"], out["boot_high"], out["n_ratings"] = boot_low, boot_high, counts
    return out


def _rater_matrix(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Stimuli x raters rating matrix (0 where unrated) and its 0/1 mask."""
    wide = frame.pivot_table(index=["item", "system"], columns="rater", values="rating",
                             aggfunc="mean", sort=True)
    mask = wide.notna().to_numpy(float)
    return wide.index.to_frame(index=False), wide.fillna(0.0).to_numpy(float), mask


def weighted_medians(values: np.ndarray, mask: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(k, stimuli) medians of each stimulus's ratings when rater j counts ``weights[d, j]``
    times in draw d (the median of the resampled multiset); NaN where nobody drawn rated it."""
    order = np.argsort(np.where(mask > 0, values, np.inf), axis=1)  # (stimuli, raters)
    ordered = np.take_along_axis(values, order, axis=1)
    w = weights[:, order] * np.take_along_axis(mask, order, axis=1)[None]  # (k, stimuli, raters)
    cum = np.cumsum(w, axis=-1)
    total = cum[..., -1]
    out = np.zeros(total.shape)
    for position in ((total - 1) // 2, total // 2):  # the two middle elements (0-based)
        index = (cum > position[..., None]).argmax(-1)
        out += ordered[np.arange(len(order))[None, :], index] / 2
    return np.where(total > 0, out, np.nan)


def _system_medians(draws: np.ndarray, member: np.ndarray) -> np.ndarray:
    """(k, systems) medians over each system's stimuli of (k, stimuli) stimulus scores."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.stack([np.nanmedian(draws[:, row > 0], axis=1) for row in member], axis=1)


def _system_draws(values, mask, member, weights, aggregate: str) -> np.ndarray:
    """(k, systems) system scores of one block of rater-bootstrap draws."""
    if aggregate == "median":
        return _system_medians(weighted_medians(values, mask, weights), member)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (weights @ (values * mask).T) / (weights @ mask.T)  # (k, stimuli)
    present = np.isfinite(means)
    return (np.where(present, means, 0.0) @ member.T) / (present @ member.T)


def _system_interval(stim, member, n_items, ci: float, aggregate: str):
    if aggregate == "median":
        padded = np.where(member > 0, stim[None, :], np.nan)
        return (_system_medians(stim[None, :], member)[0],
                *median_interval(padded, n_items.astype(int), ci))
    mos = member @ stim / n_items
    sd = np.array([np.std(stim[member[s] > 0], ddof=1) if n_items[s] > 1 else np.nan
                   for s in range(len(member))])
    return (mos, *t_interval(mos, sd, n_items, ci))


def system_scores(table, ci: float = 0.95, bootstrap_k: int = 1000,
                  seed: int = 0, aggregate: str = "mean") -> pd.DataFrame:
    """Per system: system, mos, ci_low, ci_high, boot_low, boot_high, n_items."""
    _check_ci(ci, bootstrap_k, aggregate)
    frame = rating_frame(table)
    keys, values, mask = _rater_matrix(frame)
    if aggregate == "median":
        stim = np.nanmedian(np.where(mask > 0, values, np.nan), axis=1)
    else:
        stim = (values * mask).sum(1) / mask.sum(1)
    systems = sorted(keys["system"].unique())
    member = (keys["system"].to_numpy()[None, :] == np.array(systems, dtype=object)[:, None])
    member = member.astype(float)  # (systems, stimuli)
    n_items = member.sum(1)
    mos, low, high = _system_interval(stim, member, n_items, ci, aggregate)
    rng = np.random.default_rng(seed)
    n_raters = values.shape[1]
    draws = np.empty((bootstrap_k, len(systems)))
    for start in range(0, bootstrap_k, CHUNK):
        k = min(CHUNK, bootstrap_k - start)
        chosen = rng.integers(0, n_raters, size=(k, n_raters))
        weights = np.zeros((k, n_raters))
        np.add.at(weights, (np.arange(k)[:, None], chosen), 1.0)
        draws[start:start + k] = _system_draws(values, mask, member, weights, aggregate)
    alpha = (1 - ci) / 2
    boot_low, boot_high = np.nanquantile(draws, [alpha, 1 - alpha], axis=0)
    return pd.DataFrame({"system": systems, "mos": mos, "ci_low": low, "ci_high": high,
                         "boot_low": boot_low, "boot_high": boot_high,
                         "n_items": n_items.astype(int)})
