"""The methods paragraph of every report, generated from the result's settings.

It states what a reader needs to reproduce the numbers: coefficients and level, grouping,
sign-flipped metrics, the bootstrap (k, resampling unit, CI method), the PERM-BOTH test
(Deutsch, Dror & Roth, TACL 2021; p = (c+1)/(k+1)), the greedy significance clusters of the WMT
metrics task (Freitag et al. 2022, google-research/mt-metrics-eval) and the seed.
"""

from __future__ import annotations

from metaeval.correlation.result import POOLED, CorrelationResult
from metaeval.report import labels

RESAMPLE_WORDS = {
    "items": "items (all systems of a drawn item kept together)",
    "systems": "systems (all items of a drawn system kept together)",
    "both": "items and systems jointly",
}
CI_METHOD_WORDS = {
    "percentile": "percentile",
    "bca": "bias-corrected and accelerated (BCa; Efron 1987)",
}


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _design(result: CorrelationResult) -> list[str]:
    """Coefficients, levels, data size, grouping, orientation and missing values."""
    s = result.settings
    coefs = _join([labels.coefficient_name(c) for c in labels.coefficients(result)])
    lvls = _join([labels.LEVEL_DESCRIPTIONS.get(lv, f"level '{lv}'")
                  for lv in labels.levels(result)])
    parts = [f"Agreement between each metric and the human score '{result.human}' was measured "
             f"with {coefs} at the {lvls}; the primary coefficient is "
             f"{labels.coefficient_name(labels.primary_coefficient(result))}."]
    sizes = [f"{s[key]} {word}" for key, word in
             (("n_items", "items"), ("n_systems", "systems"), ("n_cells", "cells"))
             if s.get(key) is not None]
    if sizes:
        parts.append(f"The data hold {_join(sizes)}.")
    group_by = s.get("group_by") or result.group_column
    real = labels.real_groups(result)
    if group_by and real:
        pooled = (f" and pooled over all of them ('{POOLED}')"
                  if labels.is_pooled(result, POOLED) and POOLED in labels.groups(result) else "")
        parts.append(f"Results are computed separately for each value of '{group_by}' "
                     f"({_join(real)}){pooled}.")
    flipped = list(s.get("lower_is_better") or
                   [m for m, d in result.metrics.items() if d == "lower"])
    if flipped:
        parts.append(f"Metrics where lower is better ({_join(flipped)}) were sign-flipped so that "
                     "a higher score always means better agreement.")
    if s.get("missing") == "drop":
        parts.append("Cells with a missing metric score were dropped for that metric only.")
    elif s.get("missing") == "error":
        parts.append("No metric score was missing or imputed.")
    return parts


def _metric_configs(result: CorrelationResult) -> list[str]:
    """The configuration of each metric column computed by `metaeval score`."""
    configured = [(e.name, e.config) for e in getattr(result.signature, "metrics", ()) if e.config]
    if not configured:
        return []
    described = []
    for name, config in configured:
        options = result.metric_options.get(name, {})
        fields = ", ".join(f"{k}={v}" for k, v in options.items())
        described.append(f"{name} ({config}{'; ' + fields if fields else ''})")
    return [f"Metric scores computed by metaeval score: {'; '.join(described)}."]


def _inference(s: dict) -> list[str]:
    """Bootstrap intervals, PERM-BOTH tests and significance clusters."""
    parts = []
    k, ci = s.get("k"), s.get("ci")
    if k is not None:
        level = f"{round(100 * float(ci))}% " if ci is not None else ""
        method = CI_METHOD_WORDS.get(s.get("ci_method"), s.get("ci_method") or "percentile")
        unit = RESAMPLE_WORDS.get(s.get("resample"), s.get("resample") or "items")
        parts.append(f"{level}confidence intervals are {method} bootstrap intervals from "
                     f"k = {k} resamples of {unit}.")
        if str(s.get("permutation", "perm-both")).lower() == "perm-both":
            parts.append(f"Whether metric A correlates better than metric B was tested with the "
                         f"PERM-BOTH permutation test (Deutsch, Dror & Roth, TACL 2021): both "
                         f"metrics are z-scored, each cell is swapped between them with "
                         f"probability 0.5, the statistic is recomputed k = {k} times, and the "
                         f"one-sided p-value is p = (c+1)/(k+1), where c counts the permuted "
                         f"differences at least as large as the observed one.")
        else:
            parts.append(f"Metric pairs were compared with the {s.get('permutation')} test "
                         f"(k = {k}).")
    if s.get("alpha") is not None:
        parts.append(f"Significance clusters follow the greedy procedure of the WMT metrics task "
                     f"(Freitag et al. 2022; mt-metrics-eval): metrics are sorted by the "
                     f"statistic and a new cluster starts at the first metric that is "
                     f"significantly worse (p < {s['alpha']}) than any metric of the current "
                     f"cluster; cluster 1 is the best.")
    if s.get("significance") == "primary":
        parts.append("Pairwise tests and clusters are computed for the primary coefficient.")
    return parts


def _baselines(s: dict) -> list[str]:
    """Chance baseline, noise ceiling, seed and version."""
    parts = []
    if s.get("chance_baseline"):
        parts.append("The chance baseline is the central interval of each statistic when the "
                     "metric scores are randomly permuted (k draws), i.e. what a metric unrelated "
                     "to the human scores obtains.")
    if s.get("noise_ceiling"):
        parts.append("The noise ceiling is the expected correlation of a perfect metric with the "
                     "panel mean: the raters of every stimulus are split at random into two "
                     "halves, the half-panel means are correlated, the correlation is stepped up "
                     "with the Spearman-Brown formula 2r/(1+r) and averaged over "
                     f"splits ({s['noise_ceiling']}); its square root is reported (Nili et al. 2014).")
    if s.get("average") == "median":
        parts.append("At the item and sys levels the per-group correlations are summarised by "
                     "their median (not their mean).")
    if s.get("seed") is not None:
        parts.append(f"All random draws use seed {s['seed']}.")
    if s.get("metaeval_version"):
        parts.append(f"Computed with metaeval {s['metaeval_version']}.")
    return parts


def methods_text(result: CorrelationResult) -> str:
    """One plain-text paragraph describing how the result was computed."""
    s = result.settings
    note = [s["note"]] if s.get("note") else []
    definition = getattr(result.signature, "human_definition", "")
    human = [f"Human score: {definition}."] if definition else []
    return " ".join(_design(result) + human + note + _metric_configs(result) + _inference(s)
                    + _baselines(s))
