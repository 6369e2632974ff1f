"""The tables of a challenge-set evaluation: taus per phenomenon, category means, ACES-Score,
mean tau (phenomena weighted equally), the tau of all pairs (pairs weighted equally), pooled and
per language pair, each with a percentile bootstrap CI over pairs resampled within phenomena.
A phenomenon with fewer than ``min_pairs`` pairs keeps its row (with a note) but enters only the
tau of all pairs (:mod:`metaeval.challenge.settings` says why).

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


def apart_note(n: int, min_pairs: int) -> str:
    return (f"{n} pair(s), fewer than min_pairs = {min_pairs}: reported apart, not in the "
            "category means or the headline")


def _summaries(taus, draws, counts, categories: list[str], kept: np.ndarray) -> dict:
    """name -> (value (M,), draws (M, k), n (M,)) of the category means, the mean tau, the
    ACES-Score (over the ``kept`` phenomena; NaN with n 0 when none is kept) and the tau of all
    pairs (every phenomenon)."""
    members = {c: [j for j in np.flatnonzero(kept) if categories[j] == c]
               for c in sorted(set(categories))}
    out = {c: (np.nanmean(taus[:, js], 1), np.nanmean(draws[:, :, js], 2), counts[:, js].sum(1))
           for c, js in members.items() if js}
    none = (np.full(len(taus), np.nan), np.full(draws.shape[:2], np.nan), np.zeros(len(taus)))
    out[MEAN_TAU] = (np.nanmean(taus[:, kept], 1), np.nanmean(draws[:, :, kept], 2),
                     counts[:, kept].sum(1)) if kept.any() else none
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1)  # (M, G): pair shares
    out[ALL_PAIRS] = (np.nansum(taus * share, 1), np.nansum(draws * share[:, None, :], 2),
                      counts.sum(1))
    present = [c for c in WEIGHTS if c in out]
    if present:
        weights = np.array([WEIGHTS[c] for c in present])
        out[ACES_SCORE] = (np.stack([out[c][0] for c in present], -1) @ weights,
                           np.stack([out[c][1] for c in present], -1) @ weights,
                           sum(out[c][2] for c in present))
    elif set(categories) & set(WEIGHTS):
        out[ACES_SCORE] = none
    return out


def _block(pairs, columns, outcome, k, seed, ci, min_pairs: int,
           langpair: str | None) -> list[dict]:
    """Rows for one language pair (``langpair`` None: pooled): phenomena, categories, scores."""
    codes, phenomena = pd.factorize(pairs["phenomenon"].to_numpy(), sort=True)
    g = len(phenomena)
    taus = group_means(outcome, codes, g)  # (M, G)
    counts = np.isfinite(outcome) @ np.eye(g)[codes]  # (M, G)
    sizes = np.bincount(codes, minlength=g)
    draws = bootstrap_taus(outcome, codes, g, k, seed)  # (M, k, G)
    low, high = _interval(draws, ci)
    label = "" if langpair is None else langpair
    category = dict(zip(pairs["phenomenon"], pairs["category"]))
    rows = [{"metric": m, "langpair": label, "phenomenon": p, "category": category[p],
             "statistic": taus[i, j], "ci_low": low[i, j], "ci_high": high[i, j],
             "n": int(counts[i, j]),
             "note": "" if sizes[j] >= min_pairs else apart_note(int(sizes[j]), min_pairs)}
            for i, m in enumerate(columns) for j, p in enumerate(phenomena)]
    summaries = _summaries(taus, draws, counts, [category[p] for p in phenomena],
                           sizes >= min_pairs)
    empty = "" if (sizes >= min_pairs).any() else (
        f"no phenomenon has min_pairs = {min_pairs} pairs or more")
    for name, (value, drawn, n) in summaries.items():
        lo, hi = percentile_bounds(drawn, ci)
        note = empty if name in (MEAN_TAU, ACES_SCORE) else ""
        rows += [{"metric": m, "langpair": label, "phenomenon": "", "category": name,
                  "statistic": value[i], "ci_low": lo[i], "ci_high": hi[i], "n": int(n[i]),
                  "note": note} for i, m in enumerate(columns)]
    return rows


def _screen(row: dict, k: int) -> dict:
    """NaN with a note where the tau or its interval cannot be reported honestly."""
    notes = [row["note"]] if row["note"] else []
    if row["n"] == 0:
        row["statistic"] = row["ci_low"] = row["ci_high"] = np.nan
        notes = notes or ["no pair with both scores"]
    elif np.isfinite(row["ci_low"]) and row["ci_low"] == row["ci_high"]:
        row["ci_low"] = row["ci_high"] = np.nan
        notes.append(f"all {k} bootstrap draws gave the same value ({row['n']} pair(s)): "
                     "no interval")
    row["note"] = "; ".join(notes)
    return row


def summary_rows(pairs: pd.DataFrame, columns: list[str], outcome: np.ndarray, k: int,
                 seed: int, ci: float, min_pairs: int = 1) -> pd.DataFrame:
    """The results table: pooled rows (``langpair`` empty) then each language pair's rows;
    a phenomenon with fewer than ``min_pairs`` pairs (in the pooled set, or in the language
    pair) has its row, with a note, but enters no summary except ``all pairs``."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # means of empty slices are NaN
        rows = _block(pairs, columns, outcome, k, seed, ci, min_pairs, None)
        for i, (lp, part) in enumerate(pairs.groupby("langpair", sort=True)):
            rows += _block(part.reset_index(drop=True), columns, outcome[:, part.index.to_numpy()],
                           k, seed + 1 + i, ci, min_pairs, lp)
    return pd.DataFrame([_screen(r, k) for r in rows], columns=COLUMNS)


def headline_weights(pairs: pd.DataFrame, headline: str,
                     min_pairs: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(phenomenon code of each pair, weight of each phenomenon's tau) of the headline
    statistic: the ACES-Score (category weight / phenomena of the category) or the mean tau,
    over the phenomena with at least ``min_pairs`` pairs (the others weigh 0)."""
    codes, phenomena = pd.factorize(pairs["phenomenon"].to_numpy(), sort=True)
    kept = np.bincount(codes, minlength=len(phenomena)) >= min_pairs
    category = np.array([dict(zip(pairs["phenomenon"], pairs["category"]))[p] for p in phenomena])
    if headline != ACES_SCORE:
        return codes, np.where(kept, 1.0 / max(int(kept.sum()), 1), 0.0)
    sizes = pd.Series(category[kept]).value_counts()
    weights = np.array([WEIGHTS.get(c, 0.0) / sizes[c] if keep else 0.0
                        for c, keep in zip(category, kept)])
    return codes, weights


def apart(pairs: pd.DataFrame, min_pairs: int) -> dict[str, int]:
    """Phenomenon -> number of pairs of the phenomena reported apart (pooled set)."""
    sizes = pairs["phenomenon"].value_counts()
    return {p: int(n) for p, n in sorted(sizes.items()) if n < min_pairs}
