"""Significance tests between the systems of a listening test, and tests that justify pooling.

- :func:`friedman_posthoc`: Friedman test across systems on the per-item means (blocks = items,
  treatments = systems; Friedman 1937, ``scipy.stats.friedmanchisquare``); when some items lack
  some systems (incomplete design), Durbin's test for a balanced incomplete design, else the
  Skillings-Mack test (:mod:`metaeval.listening.incomplete`); then pairwise
  Wilcoxon signed-rank tests on the same per-item means over the items both systems were rated
  on (``scipy.stats.wilcoxon``, two-sided),
  p-values adjusted with Bonferroni (min(1, m p)) or Holm over the m = S(S-1)/2 pairs, and a
  compact letter display: systems sharing a letter are not significantly different (insert-absorb
  algorithm, Piepho 2004, "An algorithm for a letter-based representation of all-pairwise
  comparisons", J. Comput. Graph. Stat. 13(2)). This is the protocol of the GSVS study
  (Bereuter et al., WASPAA 2025, arXiv:2507.11427). With n paired items the smallest exact
  two-sided Wilcoxon p is 2 / 2^n; when m times that (the smallest adjusted p of m pairs, both
  for Bonferroni and Holm) is not below alpha, no pair can be significant: the result says so
  (``notes``) and shows no letters.
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
from metaeval.listening.incomplete import (
    BlockTest,
    durbin_test,
    is_balanced_incomplete,
    skillings_mack,
)
from metaeval.listening.scores import rating_frame
from metaeval.stats.multitest import holm

CORRECTIONS = ("bonferroni", "holm")
UNITS = ("stimulus", "rating")


@dataclass
class PosthocResult:
    """Friedman omnibus test, pairwise Wilcoxon tests and the compact letter display.

    ``systems`` are ordered by mean (best first); ``pairs`` has columns system_a, system_b,
    mean_a, mean_b, diff, n (items rated for both), statistic, pvalue, p_adjusted, significant.
    ``test``: ``friedman``, ``durbin`` or ``skillings-mack``; ``notes``: what a reader must know
    (e.g. that no pair can reach significance; then ``letters`` are all empty).
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
    test: str = "friedman"
    method: str = "Friedman test"
    df: int = 0
    pvalue_f: float = float("nan")
    notes: list[str] = field(default_factory=list)


def item_matrix(table, aggregate: str = "mean") -> pd.DataFrame:
    """Items x systems matrix of stimulus scores (mean or median rating), NaN where unrated."""
    frame = rating_frame(table)
    return frame.groupby(["item", "system"], sort=True)["rating"].agg(aggregate).unstack("system")


def item_means(table, aggregate: str = "mean") -> tuple[pd.DataFrame, list]:
    """Items x systems matrix of stimulus means over the items rated for every system."""
    wide = item_matrix(table, aggregate)
    complete = wide.notna().all(axis=1)
    return wide[complete], list(wide.index[~complete])


def omnibus_test(wide: pd.DataFrame) -> BlockTest:
    """Friedman for complete items x systems data, else Durbin (balanced) or Skillings-Mack."""
    values = wide.to_numpy(float)
    if np.isfinite(values).all():
        result = scipy.stats.friedmanchisquare(*values.T)
        return BlockTest("friedman", float(result.statistic), float(result.pvalue),
                         values.shape[1] - 1, values.shape[0],
                         "Friedman test (complete blocks: every item rated for every system)")
    used = values[np.isfinite(values).sum(1) >= 2]
    return durbin_test(used) if is_balanced_incomplete(used) else skillings_mack(used)


def min_wilcoxon_p(n: int) -> float:
    """Smallest exact two-sided p of the Wilcoxon signed-rank test on n pairs: 2 / 2^n."""
    return min(1.0, 2.0 / 2.0 ** n) if n > 0 else 1.0


def power_note(pairs: pd.DataFrame, alpha: float, correction: str) -> str:
    """A note when no pair can be significant after the correction, else ''."""
    m = len(pairs)
    if m == 0:
        return ""
    n = int(pairs["n"].max())
    smallest = min_wilcoxon_p(n) * m
    if smallest < alpha:
        return ""
    return (f"no pairwise difference can be significant: with at most {n} paired items the "
            f"smallest exact two-sided Wilcoxon p is 2/2^{n} = {min_wilcoxon_p(n):.4g}, and x "
            f"{m} pairs ({correction.capitalize()}) = {smallest:.3g} >= alpha {alpha:g}; no "
            "letters are shown. Rate more items or compare fewer pairs.")


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


def friedman_posthoc(table, correction: str = "bonferroni", alpha: float = 0.05,
                     aggregate: str = "mean") -> PosthocResult:
    """Friedman (or, for incomplete items, Durbin / Skillings-Mack) across systems on per-item
    scores, pairwise Wilcoxon with the correction (items rated for fewer than 2 systems are
    left out: ``dropped_items``)."""
    if correction not in CORRECTIONS:
        raise StatsError(f"unknown correction {correction!r}; choose from "
                         f"{', '.join(CORRECTIONS)}.")
    wide = item_matrix(table, aggregate)
    if wide.shape[1] < 3:
        raise StatsError(f"the Friedman test needs at least 3 systems, got {wide.shape[1]}. "
                         "Fix: compare two systems with scipy.stats.wilcoxon.")
    dropped = list(wide.index[wide.notna().sum(axis=1) < 2])
    wide = wide.drop(index=dropped)
    if wide.shape[0] < 2:
        raise StatsError("fewer than 2 items are rated for at least 2 systems. Fix: a rank test "
                         "across systems needs items that compare systems.")
    omnibus = omnibus_test(wide)
    means = wide.mean().sort_values(ascending=False, kind="stable")
    systems = list(means.index)
    pairs = wilcoxon_pairs(wide, means, correction, alpha)
    note = power_note(pairs, alpha, correction)
    significant = {frozenset((r.system_a, r.system_b))
                   for r in pairs.itertuples() if r.significant}
    letters = (compact_letters(systems, significant) if not note
               else {name: "" for name in systems})
    return PosthocResult(statistic=omnibus.statistic, pvalue=omnibus.pvalue,
                         n_items=omnibus.n_items, systems=systems, means=means, pairs=pairs,
                         letters=letters, correction=correction, alpha=alpha,
                         dropped_items=dropped, test=omnibus.name, method=omnibus.method,
                         df=omnibus.df, pvalue_f=omnibus.pvalue_f, notes=[note] if note else [])


def wilcoxon_pairs(wide: pd.DataFrame, means: pd.Series, correction: str,
                   alpha: float) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank test of every pair on the items rated for both; NaN where
    fewer than 1 item is shared or every difference is 0; adjusted p and significance."""
    rows = []
    for a, b in combinations(list(means.index), 2):
        shared = wide[[a, b]].dropna()
        stat, p = (_safe(scipy.stats.wilcoxon, [shared[a].to_numpy(), shared[b].to_numpy()])
                   if len(shared) else (np.nan, np.nan))
        rows.append({"system_a": a, "system_b": b, "mean_a": means[a], "mean_b": means[b],
                     "diff": means[a] - means[b], "n": len(shared), "statistic": stat,
                     "pvalue": p})
    pairs = pd.DataFrame(rows)
    pairs["p_adjusted"] = adjust(pairs["pvalue"].to_numpy(), correction)
    pairs["significant"] = pairs["p_adjusted"] < alpha
    return pairs


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
