"""The tables of a preference result beyond the main one, and the result object itself.

``result.preferences`` (JSON ``preferences``; CSV ``per_item.csv``, ``bradley_terry.csv``,
``vote_shares.csv``):

- ``format``, ``counts`` (items, systems, raters, pairs, votes, pages);
- ``per_item``: one row per (statistic, metric, item) with the item's own value (per-item
  pairwise accuracy at the run's epsilon, top-1 credit, Spearman / Kendall with the shares);
- ``bradley_terry``: one row per (source, system): source ``humans`` or a metric, the
  log-strength theta (sum 0 over the systems), its percentile bootstrap interval (the same
  draws as every other interval), the rank (1 = strongest);
- ``vote_shares`` (best-of-N): votes, pages and share of every (item, system).

``points`` holds one cell per (item, system) with the human side as ``vote_share`` (best-of-N)
or ``win_rate`` (pairwise: comparisons won, ties half, over comparisons), for the scatter plots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.preference_settings import preference_signature
from metaeval.correlation.result import PAIRWISE_COLUMNS, TABLE_COLUMNS, CorrelationResult
from metaeval.data.preferences import PreferenceSet
from metaeval.provenance import MetricEntry
from metaeval.stats.choice_inference import bootstrap_draws, interval
from metaeval.stats.choice_statistics import human_strengths, metric_strengths
from metaeval.stats.choices import HumanDraws
from metaeval.version import __version__

METHODS = (
    "Human gold: {format} choices ({raters} raters, {items} items, {votes} pairwise votes; a "
    "best-of-N pick beats every other candidate of its page). Pairwise accuracy compares the "
    "metric's verdict on each pair with the majority of the raters' verdicts under the declared "
    "tie policies (human ties {human}; metric ties {metric}); top-1 agreement is the share of "
    "items whose best-scored system is among the most picked (fractional credit for a metric tie "
    "at the top); Bradley-Terry strengths (MM algorithm, sum of log-strengths 0, {prior:g} "
    "virtual tied comparison(s) per compared pair) rank the systems for the humans and for each "
    "metric's verdicts on the same comparisons. The ceiling is the agreement of one held-out "
    "rater with the majority of the others. Chance baselines shuffle each item's metric scores "
    "among its candidates.")


def human_cells(pset: PreferenceSet, draws: HumanDraws) -> tuple[str, np.ndarray]:
    """(name, (I, S) values): vote shares (best-of-N) or win rates (pairwise)."""
    if pset.pages is not None:
        return "vote_share", draws.shares[0]
    arrays = draws.arrays
    a, b, tie = (c[0] for c in draws.pair_counts)
    wins = np.zeros((arrays.n_items, arrays.n_systems))
    games = np.zeros_like(wins)
    for side, won in ((arrays.pair_a, a + tie / 2), (arrays.pair_b, b + tie / 2)):
        np.add.at(wins, (arrays.pair_item, side), won)
        np.add.at(games, (arrays.pair_item, side), a + b + tie)
    with np.errstate(invalid="ignore", divide="ignore"):
        return "win_rate", np.where(games > 0, wins / games, np.nan)


def points_table(pset: PreferenceSet, metrics: list[str], scores: np.ndarray,
                 human: str, values: np.ndarray) -> pd.DataFrame:
    item, system = np.nonzero(pset.candidates)
    table = pd.DataFrame({"item": np.array(pset.items)[item],
                          "system": np.array(pset.systems)[system], "group": "all",
                          human: values[item, system]})
    for m, name in enumerate(metrics):
        table[name] = scores[m][item, system]
    return table


def bradley_terry_table(pset, metrics, scores, arrays, settings, prior) -> pd.DataFrame:
    """Log-strengths with percentile intervals for the humans and every metric."""
    identity = HumanDraws(arrays)
    sources = {"humans": lambda d: human_strengths(d, prior)}
    for m, name in enumerate(metrics):
        sources[name] = lambda d, m=m: metric_strengths(d, scores[m][None], prior)
    rows = []
    for source, strengths in sources.items():
        theta = strengths(identity)[0]
        draws = (np.concatenate([strengths(d) for d in bootstrap_draws(
            arrays, settings.k, settings.seed, "both" if settings.resample == "both" else
            "items")]) if settings.k else np.full((1, len(theta)), np.nan))
        order = np.argsort(-np.where(np.isfinite(theta), theta, -np.inf), kind="stable")
        rank = np.empty(len(theta), int)
        rank[order] = np.arange(1, len(theta) + 1)
        for s, system in enumerate(pset.systems):
            if not arrays.candidates[:, s].any():
                continue
            low, high = interval(draws[:, s], settings.ci)
            rows.append({"source": source, "system": system, "strength": float(theta[s]),
                         "ci_low": low, "ci_high": high,
                         "rank": int(rank[s]) if np.isfinite(theta[s]) else None})
    return pd.DataFrame(rows, columns=["source", "system", "strength", "ci_low", "ci_high",
                                       "rank"])


def per_item_table(pset: PreferenceSet, per_item: pd.DataFrame) -> pd.DataFrame:
    rows = [{"coefficient": r["coefficient"], "metric": r["metric"], "item": item,
             "value": float(value)}
            for r in per_item.to_dict(orient="records")
            for item, value in zip(pset.items, r["values"])]
    return pd.DataFrame(rows, columns=["coefficient", "metric", "item", "value"])


def vote_share_table(pset: PreferenceSet, draws: HumanDraws) -> pd.DataFrame | None:
    if pset.pages is None:
        return None
    item, system = np.nonzero(pset.candidates)
    shares = draws.shares[0]
    votes = draws.votes[0]
    pages = pset.pages.groupby(["item", "system"]).size()
    names = list(zip(np.array(pset.items)[item], np.array(pset.systems)[system]))
    return pd.DataFrame({"item": [n[0] for n in names], "system": [n[1] for n in names],
                         "votes": votes[item, system].astype(int),
                         "pages": [int(pages.get(n, 0)) for n in names],
                         "share": shares[item, system]})


def finish_result(pset, metrics, scores, arrays, settings, choices, output, per_item,
                  statistics) -> CorrelationResult:
    """The :class:`CorrelationResult` of a preference run (module docstring)."""
    identity = HumanDraws(arrays)
    human, values = human_cells(pset, identity)
    signature = preference_signature(
        pset.format, f"{pset.info.name}@{pset.data_hash()}",
        tuple(MetricEntry(m, pset.metrics[m].direction, pset.metrics[m].config)
              for m in metrics), choices, settings)
    counts = {"items": arrays.n_items, "systems": int(arrays.candidates.any(0).sum()),
              "raters": arrays.n_raters, "pairs": arrays.n_pairs,
              "votes": len(arrays.vote_pair), "pages": int((arrays.picked == 1).sum())}
    note = METHODS.format(format=pset.format, items=counts["items"], raters=counts["raters"],
                          votes=counts["votes"], human=", ".join(choices.human_ties),
                          metric=", ".join(choices.metric_ties), prior=choices.bt_prior)
    table = pd.DataFrame(output.rows, columns=TABLE_COLUMNS)
    table["cluster"] = table["cluster"].astype("Int64")
    table["n_items"] = table["n_items"].astype("Int64")
    record = {**signature.to_dict(), "primary_coefficient": statistics[0].name,
              "levels": list(dict.fromkeys(s.level for s in statistics)),
              "permutation": "none" if settings.significance == "none" else "perm-both",
              "chance_baseline": settings.chance, "noise_ceiling": None,
              "lower_is_better": [m for m in metrics if pset.metrics[m].direction == "lower"],
              "n_items": counts["items"], "n_systems": counts["systems"],
              "n_cells": int(arrays.candidates.sum()), "metaeval_version": __version__,
              "note": note, "missing": "error"}
    shares = vote_share_table(pset, identity)
    preferences = {
        "format": pset.format, "counts": counts, "per_item": per_item_table(pset, per_item),
        "bradley_terry": bradley_terry_table(pset, metrics, scores, arrays, settings,
                                             choices.bt_prior),
        "vote_shares": shares}
    return CorrelationResult(
        table=table, pairwise=pd.DataFrame(output.pairs, columns=PAIRWISE_COLUMNS),
        points=points_table(pset, metrics, scores, human, values), settings=record,
        signature=signature, dataset=pset.info, human=human,
        metrics={m: pset.metrics[m].direction for m in metrics}, notes=list(output.notes),
        metric_options={m: dict(pset.metrics[m].options) for m in metrics
                        if pset.metrics[m].options},
        preferences=preferences)
