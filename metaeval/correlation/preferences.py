"""`correlate_choices`: metrics against human choices (pairwise or best-of-N) as one result.

The sibling of :func:`metaeval.correlation.api.correlate` for preference gold: the same result
(:class:`~metaeval.correlation.result.CorrelationResult`: one row per statistic, level and
metric with ``statistic``, ``ci_low/ci_high``, ``cluster``, ``chance_low/high``, ``epsilon``,
``ceiling``; PERM-BOTH ``pairwise`` rows; a signature), so every report renders it, plus
``preferences``: the per-item values, the Bradley-Terry strengths of the humans and of each
metric with their intervals, the vote shares and the counts
(:mod:`metaeval.correlation.preference_tables`). The statistics are those of
:mod:`metaeval.stats.choice_statistics`; ``ceiling`` holds the human-vs-human agreement
(leave-one-rater-out, :mod:`metaeval.stats.rater_agreement`) where the statistic has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

import numpy as np
import pandas as pd

from metaeval.correlation.preference_settings import SHARED, PreferenceSettings
from metaeval.correlation.preference_tables import finish_result
from metaeval.correlation.seeds import task_seed
from metaeval.correlation.settings import Settings
from metaeval.correlation.tasks import TaskOutput
from metaeval.data.preferences import PreferenceSet
from metaeval.errors import ParameterError
from metaeval.stats.choice_inference import (
    bootstrap_values,
    ceiling_values,
    chance_draws,
    chance_pvalue,
    interval,
    perm_both_choices,
)
from metaeval.stats.choice_statistics import ChoiceStatistic, choice_statistics
from metaeval.stats.choices import ChoiceArrays, HumanDraws
from metaeval.stats.clusters import significance_clusters
from metaeval.stats.multitest import benjamini_hochberg, holm

NAN = float("nan")


def split_options(options: dict) -> tuple[dict, dict]:
    """(Settings keywords, PreferenceSettings keywords); a rating-table setting is refused."""
    own = {f.name for f in fields(PreferenceSettings)}
    shared = {k: v for k, v in options.items() if k in SHARED}
    choice = {k: v for k, v in options.items() if k in own}
    other = sorted(set(options) - set(shared) - set(choice))
    if other:
        raise ParameterError(other[0], options[other[0]], "applies to rating tables, not to "
                             f"choices; choices take {', '.join((*SHARED, *sorted(own)))}.",
                             f"leave out {other[0]}.")
    return shared, choice


def check_choice_settings(settings: Settings) -> None:
    """What the choice statistics cannot carry out is refused (never silently ignored)."""
    if settings.ci_method != "percentile":
        raise ParameterError("ci_method", settings.ci_method, "choice statistics have "
                             "percentile bootstrap intervals only.", "use --ci-method percentile.")
    if settings.resample == "systems":
        raise ParameterError("resample", "systems", "choices resample items (items) or items "
                             "and raters (both).", "use --resample items or both.")


def _resample(settings: Settings) -> str:
    return "both" if settings.resample == "both" else "items"


def _count(statistic: ChoiceStatistic, arrays: ChoiceArrays, draws: HumanDraws) -> int:
    """Points behind a value: pairs (pooled accuracy), items (item level), systems."""
    if statistic.level == "none" and statistic.name.startswith("pref_acc"):
        keep = draws.usable[0] & ((draws.verdict[0] != 0) if "[drop" in statistic.name else True)
        return int(keep.sum())
    if statistic.level == "system":
        return int(arrays.candidates.any(0).sum())
    if statistic.level == "none":
        return int(arrays.candidates.sum())
    return arrays.n_items


def _rows(statistic, arrays, scores, metrics, settings, seed) -> tuple[list[dict], dict]:
    """The rows of one statistic (every metric) and the per-item values."""
    identity = HumanDraws(arrays)
    k, resample = settings.k, _resample(settings)
    ceiling = (ceiling_values(statistic, arrays, k, seed, resample)
               if statistic.ceiling is not None else (NAN, np.zeros(0)))
    c_low, c_high = interval(ceiling[1], settings.ci) if len(ceiling[1]) else (NAN, NAN)
    rows, per_item = [], {}
    for m, metric in enumerate(metrics):
        value, epsilon = (float(x[0]) for x in statistic.compute(identity, scores[m][None]))
        low = high = chance_low = chance_high = pvalue = NAN
        if k > 0:
            low, high = interval(bootstrap_values(statistic, arrays, scores[m], k, seed,
                                                  resample), settings.ci)
            if settings.chance:
                null = chance_draws(statistic, arrays, scores[m], k, seed + 1)
                (chance_low, chance_high), pvalue = interval(null, settings.ci), chance_pvalue(
                    null, value)
        if statistic.per_item is not None:
            per_item[metric] = statistic.per_item(identity, scores[m][None], epsilon)
        rows.append({
            "task": f"{statistic.name}@{statistic.level}", "metric": metric, "group": "all",
            "level": statistic.level, "coefficient": statistic.name, "statistic": value,
            "ci_low": low, "ci_high": high, "pvalue": pvalue, "cluster": NAN,
            "n": _count(statistic, arrays, identity), "n_items": None,
            "chance_low": chance_low, "chance_high": chance_high, "epsilon": epsilon,
            "ceiling": ceiling[0], "ceiling_low": c_low, "ceiling_high": c_high,
            "note": "" if np.isfinite(value) else _undefined(statistic)})
    return rows, per_item


def _undefined(statistic: ChoiceStatistic) -> str:
    if statistic.name == "bt_tau":
        return ("Bradley-Terry strengths do not exist (a system never wins: give --bt-prior > 0) "
                "or a ranking is constant")
    return "no pair, item or varying value to compute it on"


def _tests(statistic, arrays, scores, metrics, rows, settings, seed) -> list[dict]:
    """PERM-BOTH pairs of one statistic and the clusters of its rows."""
    delta, p = perm_both_choices(statistic, arrays, scores, settings.k, seed)
    blank = ~np.isfinite([r["statistic"] for r in rows])
    p[blank, :] = NAN
    p[:, blank] = NAN
    ranks = significance_clusters([r["statistic"] for r in rows], p, settings.alpha)
    for row, rank in zip(rows, ranks):
        row["cluster"] = int(rank) if np.isfinite(rank) else NAN
    n = len(metrics)
    off = ~np.eye(n, dtype=bool)
    p_holm, p_bh = np.full((n, n), NAN), np.full((n, n), NAN)
    p_holm[off], p_bh[off] = holm(p[off]), benjamini_hochberg(p[off])
    return [{"task": f"{statistic.name}@{statistic.level}", "group": "all",
             "level": statistic.level, "coefficient": statistic.name,
             "metric_a": metrics[a], "metric_b": metrics[b], "delta": float(delta[a, b]),
             "pvalue": float(p[a, b]), "p_holm": float(p_holm[a, b]),
             "p_bh": float(p_bh[a, b]), "p_williams": NAN, "test": "perm-both"}
            for a in range(n) for b in range(n) if a != b]


def _tested(settings: Settings, index: int, n_metrics: int) -> bool:
    if settings.k == 0 or n_metrics < 2 or settings.significance == "none":
        return False
    return settings.significance == "all" or index == 0


def correlate_choices(pset: PreferenceSet, *, metrics: Sequence[str] | None = None,
                      settings: Settings | None = None,
                      choices: PreferenceSettings | None = None, **options):
    """Every choice statistic of every metric of ``pset`` (scores attached) with bootstrap
    intervals, chance baselines, the human ceiling and PERM-BOTH clusters (the first statistic,
    or all with ``significance='all'``). ``options``: keywords of the shared settings (``k``,
    ``seed``, ``ci``, ...) and of :class:`PreferenceSettings`."""
    shared, own = split_options(options)
    if (settings is not None and shared) or (choices is not None and own):
        raise ParameterError(sorted({**shared, **own})[0], "", "given together with a settings "
                             "object: it would be silently ignored.", "pass one or the other.")
    settings = settings or Settings(**shared)
    choices = choices or PreferenceSettings(**own)
    check_choice_settings(settings)
    chosen = list(metrics) if metrics is not None else pset.metric_names
    unknown = [m for m in chosen if m not in pset.metrics]
    if unknown or not chosen:
        raise ParameterError("metrics", ",".join(unknown), "no such metric score; the scores "
                             f"have {pset.metric_names or 'none'}.", "attach scores that name it.")
    index = [pset.metric_names.index(m) for m in chosen]
    scores = pset.scores[index]
    arrays = pset.arrays()
    statistics = choice_statistics(arrays, choices.human_ties, choices.metric_ties,
                                   choices.aggregation, choices.bt_prior)
    output = TaskOutput()
    per_item = []
    for number, statistic in enumerate(statistics):
        seed = task_seed(settings.seed, "choices", statistic.name, statistic.level)
        rows, items = _rows(statistic, arrays, scores, chosen, settings, seed)
        if _tested(settings, number, len(chosen)):
            output.pairs += _tests(statistic, arrays, scores, chosen, rows, settings, seed + 2)
        output.rows += rows
        per_item += [{"coefficient": statistic.name, "metric": m, "values": v}
                     for m, v in items.items()]
    return finish_result(pset, chosen, scores, arrays, settings, choices, output,
                         pd.DataFrame(per_item), statistics)
