"""Significance tests between the systems of a listening test, and tests that justify pooling.

- :func:`friedman_posthoc`: Friedman test across systems on the per-item means (blocks = items,
  treatments = systems; Friedman 1937, ``scipy.stats.friedmanchisquare``), then pairwise
  Wilcoxon signed-rank tests on the same per-item means (``scipy.stats.wilcoxon``, two-sided),
  p-values adjusted with Bonferroni (min(1, m p)) or Holm over the m = S(S-1)/2 pairs, and a
  compact letter display: systems sharing a letter are not significantly different (insert-absorb
  algorithm, Piepho 2004, "An algorithm for a letter-based representation of all-pairwise
  comparisons", J. Comput. Graph. Stat. 13(2)). This is the protocol of the GSVS study
  (Bereuter et al., WASPAA 2025, arXiv:2507.11427).
- :func:`pooling_tests`: per system, one-way ANOVA (``scipy.stats.f_oneway``) and Kruskal-Wallis
  (``scipy.stats.kruskal``) across rater groups, and Shapiro-Wilk (``scipy.stats.shapiro``) per
  system and group: if the groups do not differ, their ratings can be pooled.
"""

from __future__ import annotations

import string
import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
import scipy.stats

from metaeval.errors import StatsError
from metaeval.listening.scores import rating_frame
from metaeval.stats.multitest import holm

CORRECTIONS = ("bonferroni", "holm")
UNITS = ("stimulus", "rating")


@dataclass
class PosthocResult:
    """Friedman omnibus test, pairwise Wilcoxon tests and the compact letter display.

    ``systems`` are ordered by mean (best first); ``pairs`` has columns system_a, system_b,
    mean_a, mean_b, diff, statistic, pvalue, p_adjusted, significant.
    """

    statistic: float
    pvalue: float
    n_items: int
    systems: list[str]
    means: pd.Series
    pairs: pd.DataFrame
    letters: dict[str, str]
    correction: str
    alpha: float
    dropped_items: list = field(default_factory=list)


def item_means(table) -> tuple[pd.DataFrame, list]:
    """Items x systems matrix of stimulus means over the items rated for every system."""
    frame = rating_frame(table)
    wide = frame.groupby(["item", "system"], sort=True)["rating"].mean().unstack("system")
    complete = wide.notna().all(axis=1)
    return wide[complete], list(wide.index[~complete])


def adjust(pvalues: np.ndarray, correction: str) -> np.ndarray:
    """Bonferroni ``min(1, m p)`` or Holm step-down over the finite p-values."""
    p = np.asarray(pvalues, float)
    if correction == "bonferroni":
        return np.minimum(1.0, p * np.isfinite(p).sum())
    if correction == "holm":
        return holm(p)
    raise StatsError(f"unknown correction {correction!r}; choose from {', '.join(CORRECTIONS)}.")


def compact_letters(systems: list[str], significant: set[frozenset]) -> dict[str, str]:
    """Letters per system (``systems`` in display order) from the significant pairs.

    Insert-absorb: start from one group of all systems; for every significant pair {a, b}, each
    group holding both is replaced by the group without a and the group without b; groups
    contained in another are absorbed. Every non-significant pair keeps a common group.
    """
    groups = [frozenset(systems)]
    for pair in significant:
        a, b = tuple(pair)
        split = []
        for g in groups:
            split.extend([g - {a}, g - {b}] if a in g and b in g else [g])
        unique = set(split)
        groups = [g for g in unique if g and not any(g < other for other in unique)]
    order = {name: position for position, name in enumerate(systems)}
    groups.sort(key=lambda g: sorted(order[s] for s in g))
    alphabet = string.ascii_lowercase + string.ascii_uppercase
    letters = {name: "" for name in systems}
    for index, g in enumerate(groups):
        for name in g:
            letters[name] += alphabet[index % len(alphabet)] * (1 + index // len(alphabet))
    return letters


def friedman_posthoc(table, correction: str = "bonferroni", alpha: float = 0.05) -> PosthocResult:
    """Friedman across systems on per-item means, pairwise Wilcoxon with the correction."""
    if correction not in CORRECTIONS:
        raise StatsError(f"unknown correction {correction!r}; choose from "
                         f"{', '.join(CORRECTIONS)}.")
    wide, dropped = item_means(table)
    if wide.shape[1] < 3:
        raise StatsError(f"the Friedman test needs at least 3 systems, got {wide.shape[1]}. "
                         "Fix: compare two systems with scipy.stats.wilcoxon.")
    if wide.shape[0] < 2:
        raise StatsError("fewer than 2 items are rated for every system. Fix: the Friedman test "
                         "needs complete blocks (each item rated for every system).")
    means = wide.mean().sort_values(ascending=False, kind="stable")
    systems = list(means.index)
    friedman = scipy.stats.friedmanchisquare(*(wide[s].to_numpy() for s in systems))
    rows = []
    for a, b in combinations(systems, 2):
        test = scipy.stats.wilcoxon(wide[a].to_numpy(), wide[b].to_numpy())
        rows.append({"system_a": a, "system_b": b, "mean_a": means[a], "mean_b": means[b],
                     "diff": means[a] - means[b], "statistic": float(test.statistic),
                     "pvalue": float(test.pvalue)})
    pairs = pd.DataFrame(rows)
    pairs["p_adjusted"] = adjust(pairs["pvalue"].to_numpy(), correction)
    pairs["significant"] = pairs["p_adjusted"] < alpha
    significant = {frozenset((r.system_a, r.system_b))
                   for r in pairs.itertuples() if r.significant}
    return PosthocResult(statistic=float(friedman.statistic), pvalue=float(friedman.pvalue),
                         n_items=int(wide.shape[0]), systems=systems, means=means, pairs=pairs,
                         letters=compact_letters(systems, significant), correction=correction,
                         alpha=alpha, dropped_items=dropped)


def group_samples(table, group_col: str, unit: str = "stimulus") -> pd.DataFrame:
    """Values per (system, group): stimulus means within the group, or the raw ratings."""
    if unit not in UNITS:
        raise StatsError(f"unknown unit {unit!r}; choose from {', '.join(UNITS)}.")
    frame = rating_frame(table)
    if group_col not in frame.columns:
        raise StatsError(f"no column {group_col!r} in the ratings (columns: "
                         f"{list(frame.columns)}). Fix: name the rater-group column.")
    frame = frame.dropna(subset=[group_col])
    if unit == "rating":
        return frame[["system", group_col, "rating"]].rename(columns={group_col: "group"})
    means = frame.groupby(["system", group_col, "item"], sort=True)["rating"].mean()
    return means.reset_index().rename(columns={group_col: "group"})


def pooling_tests(table, group_col: str, unit: str = "stimulus") -> pd.DataFrame:
    """Per system: ANOVA and Kruskal-Wallis across groups, Shapiro-Wilk per group.

    ``unit="stimulus"`` tests the stimulus means (mean over the group's raters of each
    (item, system), one value per stimulus and group, independent across stimuli);
    ``unit="rating"`` tests the individual ratings. Returns columns system, test (``anova``,
    ``kruskal``, ``shapiro``), group (empty for the across-group tests), statistic, pvalue, n.
    NaN statistics where a test is undefined (fewer than 3 values for Shapiro-Wilk, fewer than
    2 groups, all values equal).
    """
    samples = group_samples(table, group_col, unit)
    rows = []
    for system, part in samples.groupby("system", sort=True):
        by_group = {str(g): v["rating"].to_numpy(float) for g, v in part.groupby("group",
                                                                               sort=True)}
        values = list(by_group.values())
        n = sum(len(v) for v in values)
        for name, fn in (("anova", scipy.stats.f_oneway), ("kruskal", scipy.stats.kruskal)):
            stat, p = _safe(fn, values) if len(values) >= 2 else (np.nan, np.nan)
            rows.append({"system": system, "test": name, "group": "", "statistic": stat,
                         "pvalue": p, "n": n})
        for group, v in by_group.items():
            stat, p = _safe(scipy.stats.shapiro, [v]) if len(v) >= 3 else (np.nan, np.nan)
            rows.append({"system": system, "test": "shapiro", "group": group, "statistic": stat,
                         "pvalue": p, "n": len(v)})
    return pd.DataFrame(rows, columns=["system", "test", "group", "statistic", "pvalue", "n"])


def _safe(fn, samples) -> tuple[float, float]:
    """A scipy test's (statistic, pvalue), NaN where the data cannot support it."""
    try:
        with warnings.catch_warnings():  # constant samples: scipy warns and returns NaN
            warnings.simplefilter("ignore")
            result = fn(*samples)
    except ValueError:
        return np.nan, np.nan
    return float(result.statistic), float(result.pvalue)
