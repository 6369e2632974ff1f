"""The tables of a challenge-set evaluation: taus per phenomenon, category means, ACES-Score,
mean tau (phenomena weighted equally), the tau of all pairs (pairs weighted equally), pooled and
per language pair, each with a percentile bootstrap CI over pairs.

All summaries of one metric come from the same bootstrap draws of the phenomenon taus
(:func:`metaeval.stats.contrastive.bootstrap_taus`), so a category mean's interval is the
interval of the mean of the drawn taus. ``n`` counts the pairs with a score (both sides).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from metaeval.challenge.aces import ACES_SCORE, WEIGHTS
from metaeval.stats.contrastive import bootstrap_taus, group_means
from metaeval.stats.resampling import percentile_bounds

MEAN_TAU = "mean tau"
ALL_PAIRS = "all pairs"
COLUMNS = ["metric", "langpair", "phenomenon", "category", "statistic", "ci_low", "ci_high", "n",
           "note"]
CHANCE_NOTE = ("tau = (C - D) / (C + D) over contrastive pairs, ties counted as discordant; a "
               "metric that cannot tell the translations apart gets -1, a random one 0.")


def _interval(draws: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bounds over the draw axis (axis 1 of (M, k, ...))."""
    return percentile_bounds(np.moveaxis(draws, 1, -1), ci)


def _block(pairs, columns, outcome, keys, k, seed, ci, langpair: str | None) -> list[dict]:
    """Rows for one language pair (``langpair`` None: pooled): phenomena, categories, scores."""
    codes, phenomena = pd.factorize(keys, sort=True)
    g = len(phenomena)
    taus = group_means(outcome, codes, g)  # (M, G)
    counts = np.isfinite(outcome) @ np.eye(g)[codes]  # (M, G)
    draws = bootstrap_taus(outcome, codes, g, k, seed)  # (M, k, G)
    low, high = _interval(draws, ci)
    label = "" if langpair is None else langpair
    category = {p: c for p, c in zip(pairs["phenomenon"], pairs["category"])}
    rows = [{"metric": m, "langpair": label, "phenomenon": p, "category": category[p],
             "statistic": taus[i, j], "ci_low": low[i, j], "ci_high": high[i, j],
             "n": int(counts[i, j])}
            for i, m in enumerate(columns) for j, p in enumerate(phenomena)]
    cats = sorted({category[p] for p in phenomena})
    members = {c: [j for j, p in enumerate(phenomena) if category[p] == c] for c in cats}
    summaries = {c: (np.nanmean(taus[:, js], 1), np.nanmean(draws[:, :, js], 2),
                     counts[:, js].sum(1)) for c, js in members.items()}
    summaries[MEAN_TAU] = (np.nanmean(taus, 1), np.nanmean(draws, 2), counts.sum(1))
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)  # (M, G): pair shares
    summaries[ALL_PAIRS] = (np.nansum(taus * share, 1),
                            np.nansum(draws * share[:, None, :], 2), counts.sum(1))
    present = [c for c in cats if c in WEIGHTS]
    if present:
        weights = np.array([WEIGHTS[c] for c in present])
        summaries[ACES_SCORE] = (
            np.stack([summaries[c][0] for c in present], -1) @ weights,
            np.stack([summaries[c][1] for c in present], -1) @ weights,
            sum(summaries[c][2] for c in present))
    for name, (value, drawn, n) in summaries.items():
        lo, hi = percentile_bounds(drawn, ci)
        rows += [{"metric": m, "langpair": label, "phenomenon": "", "category": name,
                  "statistic": value[i], "ci_low": lo[i], "ci_high": hi[i], "n": int(n[i])}
                 for i, m in enumerate(columns)]
    return rows


def _screen(row: dict, k: int) -> dict:
    """NaN with a note where the tau or its interval cannot be reported honestly."""
    notes = []
    if row["n"] == 0:
        row["statistic"] = row["ci_low"] = row["ci_high"] = np.nan
        notes.append("no pair with both scores")
    elif np.isfinite(row["ci_low"]) and row["ci_low"] == row["ci_high"]:
        row["ci_low"] = row["ci_high"] = np.nan
        notes.append(f"all {k} bootstrap draws gave the same value ({row['n']} pair(s)): "
                     "no interval")
    row["note"] = "; ".join(notes)
    return row


def summary_rows(pairs: pd.DataFrame, columns: list[str], outcome: np.ndarray, k: int,
                 seed: int, ci: float) -> pd.DataFrame:
    """The results table: pooled rows (``langpair`` empty) then each language pair's rows."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # means of empty slices are NaN
        rows = _block(pairs, columns, outcome, pairs["phenomenon"].to_numpy(), k, seed, ci, None)
        for i, (lp, part) in enumerate(pairs.groupby("langpair", sort=True)):
            rows += _block(part.reset_index(drop=True), columns, outcome[:, part.index.to_numpy()],
                           part["phenomenon"].to_numpy(), k, seed + 1 + i, ci, lp)
    return pd.DataFrame([_screen(r, k) for r in rows], columns=COLUMNS)


def headline_weights(pairs: pd.DataFrame, headline: str) -> tuple[np.ndarray, np.ndarray]:
    """(phenomenon code of each pair, weight of each phenomenon's tau) of the headline
    statistic: the ACES-Score (category weight / phenomena of the category) or the mean tau."""
    codes, phenomena = pd.factorize(pairs["phenomenon"].to_numpy(), sort=True)
    category = dict(zip(pairs["phenomenon"], pairs["category"]))
    if headline != ACES_SCORE:
        return codes, np.full(len(phenomena), 1.0 / len(phenomena))
    sizes = pd.Series([category[p] for p in phenomena]).value_counts()
    weights = np.array([WEIGHTS.get(category[p], 0.0) / sizes[category[p]] for p in phenomena])
    return codes, weights
