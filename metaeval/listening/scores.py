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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

from metaeval.data.panel import padded_ratings, rating_frame
from metaeval.errors import ParameterError

__all__ = ["padded_ratings", "rating_frame", "stimulus_scores", "system_scores", "t_interval"]

CHUNK = 64  # bootstrap draws per vectorised block


def _check_ci(ci: float, bootstrap_k: int) -> None:
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


def stimulus_scores(table, ci: float = 0.95, bootstrap_k: int = 1000,
                    seed: int = 0) -> pd.DataFrame:
    """Per stimulus: item, system, mos, ci_low, ci_high, boot_low, boot_high, n_ratings."""
    _check_ci(ci, bootstrap_k)
    keys, values, counts = padded_ratings(rating_frame(table))
    mos = np.nanmean(values, axis=1)
    squares = np.nansum((values - mos[:, None]) ** 2, axis=1)
    sd = np.sqrt(squares / np.maximum(counts - 1, 1))
    sd = np.where(counts > 1, sd, np.nan)
    low, high = t_interval(mos, sd, counts, ci)
    rng = np.random.default_rng(seed)
    draws = np.empty((bootstrap_k, len(keys)))
    rows = np.arange(len(keys))[:, None]
    for start in range(0, bootstrap_k, CHUNK):
        k = min(CHUNK, bootstrap_k - start)
        # position j < n_i picks rating floor(u * n_i) of stimulus i; padding is never picked.
        picks = (rng.random((k, len(keys), values.shape[1])) * counts[:, None]).astype(int)
        sample = values[rows, picks]
        used = np.arange(values.shape[1]) < counts[:, None]
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


def system_scores(table, ci: float = 0.95, bootstrap_k: int = 1000,
                  seed: int = 0) -> pd.DataFrame:
    """Per system: system, mos, ci_low, ci_high, boot_low, boot_high, n_items."""
    _check_ci(ci, bootstrap_k)
    frame = rating_frame(table)
    keys, values, mask = _rater_matrix(frame)
    stim = (values * mask).sum(1) / mask.sum(1)
    systems = sorted(keys["system"].unique())
    member = (keys["system"].to_numpy()[None, :] == np.array(systems, dtype=object)[:, None])
    member = member.astype(float)  # (systems, stimuli)
    n_items = member.sum(1)
    mos = member @ stim / n_items
    sd = np.array([np.std(stim[member[s] > 0], ddof=1) if n_items[s] > 1 else np.nan
                   for s in range(len(systems))])
    low, high = t_interval(mos, sd, n_items, ci)
    rng = np.random.default_rng(seed)
    n_raters = values.shape[1]
    draws = np.empty((bootstrap_k, len(systems)))
    for start in range(0, bootstrap_k, CHUNK):
        k = min(CHUNK, bootstrap_k - start)
        chosen = rng.integers(0, n_raters, size=(k, n_raters))
        weights = np.zeros((k, n_raters))
        np.add.at(weights, (np.arange(k)[:, None], chosen), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (weights @ (values * mask).T) / (weights @ mask.T)  # (k, stimuli)
        present = np.isfinite(means)
        draws[start:start + k] = (np.where(present, means, 0.0) @ member.T) / (present @ member.T)
    alpha = (1 - ci) / 2
    boot_low, boot_high = np.nanquantile(draws, [alpha, 1 - alpha], axis=0)
    return pd.DataFrame({"system": systems, "mos": mos, "ci_low": low, "ci_high": high,
                         "boot_low": boot_low, "boot_high": boot_high,
                         "n_items": n_items.astype(int)})
