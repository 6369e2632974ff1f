"""The rows every challenge-set report shows, from a :class:`ChallengeResult` (one place for
the ordering, the labels and the hardest pairs, shared by the HTML, LaTeX and terminal views).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.challenge.aces import ACES_SCORE, WEIGHTS
from metaeval.challenge.evaluate import ChallengeResult
from metaeval.challenge.tables import ALL_PAIRS, MEAN_TAU

SUMMARIES = (ALL_PAIRS, MEAN_TAU, ACES_SCORE)


def pooled(result: ChallengeResult) -> pd.DataFrame:
    """The rows of the results table pooled over language pairs."""
    return result.table[result.table["langpair"] == ""]


def metric_order(result: ChallengeResult) -> list[str]:
    """Metrics, best headline statistic first (the ranking's order)."""
    return list(result.ranking["metric"])


def categories(result: ChallengeResult) -> list[str]:
    """Categories present in the set: ACES categories in the paper's order, then the others."""
    present = set(result.challenge.pairs["category"])
    return [c for c in WEIGHTS if c in present] + sorted(present - set(WEIGHTS))


def absent_categories(result: ChallengeResult) -> list[str]:
    """ACES categories with no phenomenon of at least ``min_pairs`` pairs in the set (left out
    of the ACES-Score)."""
    if result.headline != ACES_SCORE:
        return []
    sizes = result.challenge.pairs.groupby(["category", "phenomenon"]).size()
    present = {c for (c, _), n in sizes.items() if n >= min_pairs(result)}
    return [c for c in WEIGHTS if c not in present]


def category_matrix(result: ChallengeResult, langpair: str = "") -> pd.DataFrame:
    """metric x (categories, all pairs, mean tau, ACES-Score; the headline last) of tau /
    ci_low / ci_high / n (a MultiIndex column frame)."""
    rows = result.table[(result.table["langpair"] == langpair) & (result.table["phenomenon"] == "")]
    wide = rows.pivot(index="metric", columns="category", values=["statistic", "ci_low", "ci_high", "n"])
    summaries = [c for c in SUMMARIES if c != result.headline] + [result.headline]
    wanted = [c for c in categories(result) + summaries if c in set(rows["category"])]
    order = [m for m in metric_order(result) if m in wide.index]
    return wide.reindex(index=order).loc[:, (slice(None), wanted)]


def phenomenon_rows(result: ChallengeResult) -> list[dict]:
    """Pooled per-phenomenon rows: phenomenon, category, n, {metric: (tau, low, high)}."""
    rows = pooled(result)
    rows = rows[rows["phenomenon"] != ""]
    rank = {c: i for i, c in enumerate(categories(result))}
    out = []
    for (phenomenon, category), part in rows.groupby(["phenomenon", "category"], sort=False):
        cells = {r["metric"]: (r["statistic"], r["ci_low"], r["ci_high"])
                 for r in part.to_dict(orient="records")}
        out.append({"phenomenon": phenomenon, "category": category, "n": int(part["n"].max()),
                    "cells": cells})
    return sorted(out, key=lambda r: (rank.get(r["category"], len(rank)), r["phenomenon"]))


def min_pairs(result: ChallengeResult) -> int:
    """The run's ``min_pairs`` (1 for results made before the setting existed)."""
    return int(result.settings.get("min_pairs", 1))


def split_phenomena(result: ChallengeResult) -> tuple[list[dict], list[dict]]:
    """(phenomena in the means, phenomena reported apart: fewer than ``min_pairs`` pairs), each
    as :func:`phenomenon_rows`; ``n`` counts the set's pairs of the phenomenon."""
    sizes = result.challenge.pairs["phenomenon"].value_counts()
    rows = phenomenon_rows(result)
    small = {p for p, n in sizes.items() if n < min_pairs(result)}
    return ([r for r in rows if r["phenomenon"] not in small],
            [r for r in rows if r["phenomenon"] in small])


def langpairs(result: ChallengeResult) -> list[str]:
    return sorted(set(result.table["langpair"]) - {""})


def margins(result: ChallengeResult, metric: str) -> np.ndarray:
    """Oriented good - bad score of every pair for ``metric`` (negative: prefers the bad one)."""
    sign = 1.0 if result.metrics[metric] == "higher" else -1.0
    return sign * (result.good[metric].to_numpy(float) - result.bad[metric].to_numpy(float))


def hardest_pairs(result: ChallengeResult, metric: str, n: int = 5) -> list[dict]:
    """The ``n`` pairs where ``metric`` most prefers the incorrect translation, with both
    scores and, where the metric gave them (TIGERScore), its error analyses of both sides."""
    margin = margins(result, metric)
    finite = np.flatnonzero(np.isfinite(margin))
    chosen = finite[np.argsort(margin[finite], kind="stable")[:n]]
    pairs = result.challenge.pairs
    out = []
    for i in chosen:
        pid = pairs["id"].iloc[i]
        out.append({
            "id": pid, "phenomenon": pairs["phenomenon"].iloc[i],
            "langpair": pairs["langpair"].iloc[i], "source": pairs["source"].iloc[i],
            "good": pairs["good"].iloc[i], "bad": pairs["bad"].iloc[i],
            "reference": pairs["reference"].iloc[i],
            "good_score": float(result.good[metric].iloc[i]),
            "bad_score": float(result.bad[metric].iloc[i]), "margin": float(margin[i]),
            "good_errors": _errors(result, pid, "good", metric),
            "bad_errors": _errors(result, pid, "bad", metric)})
    return out


def _errors(result: ChallengeResult, pair_id: str, side: str, metric: str) -> list[dict] | None:
    details = result.details.get((pair_id, side), {}).get(metric)
    if not isinstance(details, dict) or "errors" not in details:
        return None
    return list(details["errors"])
