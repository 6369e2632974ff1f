"""Rater screening: ITU-T P.808 outlier flags and ITU-R BS.1534 (MUSHRA) post-screening.

Screening never deletes silently: every function returns a :class:`ScreeningResult` whose
``raters`` table lists each rater with its flag count, whether it is excluded and why;
:func:`apply_screening` drops exactly the raters marked there.

- P.808 (ITU-T Rec. P.808, 2021, and its use in Bereuter et al., WASPAA 2025,
  github.com/pablebe/gensvs_eval): per stimulus, z = (rating - mean) / std over the stimulus'
  ratings (population std, ddof=0; z = 0 when all ratings agree); a rating with |z| > 3.29 is
  flagged; raters with more than ``max_flags`` flags are listed (and excluded if asked).
- BS.1534 (ITU-R Rec. BS.1534-3, 2015, section 4.1.2): exclude a listener who rates the hidden
  reference below 90 in more than 15 % of the trials (``max_share``), or in more than
  ``max_trials`` trials (the bundled codec test's rule: more than one of eight), and optionally
  one who rates an anchor above ``anchor_threshold`` in more than ``max_share`` of the trials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metaeval.errors import DataError, ParameterError
from metaeval.listening.ratings import RatingTable

RATER_COLUMNS = ["rater", "n_ratings", "flags", "excluded", "reason"]


@dataclass
class ScreeningResult:
    """Outcome of a screening rule.

    ``raters``: one row per rater (``rater, n_ratings, flags, excluded, reason``; ``reason`` is
    empty for kept raters). ``ratings``: per-rating details (e.g. ``z`` and ``flag`` for P.808,
    ``reference_low`` for BS.1534). ``rule``: the rule in words, for reports.
    """

    raters: pd.DataFrame
    ratings: pd.DataFrame
    rule: str

    @property
    def excluded(self) -> list[str]:
        return sorted(self.raters.loc[self.raters["excluded"], "rater"])

    @property
    def flagged(self) -> list[str]:
        """Raters with at least one flag, most flags first."""
        flagged = self.raters[self.raters["flags"] > 0]
        return list(flagged.sort_values(["flags", "rater"], ascending=[False, True])["rater"])


def _rater_table(table: RatingTable, flags: pd.Series, excluded: pd.Series,
                 reasons: pd.Series) -> pd.DataFrame:
    counts = table.frame.groupby("rater")["rating"].size()
    raters = pd.DataFrame({"rater": counts.index.astype(str), "n_ratings": counts.to_numpy()})
    raters["flags"] = flags.reindex(raters["rater"]).fillna(0).astype(int).to_numpy()
    raters["excluded"] = excluded.reindex(raters["rater"]).fillna(False).astype(bool).to_numpy()
    raters["reason"] = reasons.reindex(raters["rater"]).fillna("").astype(str).to_numpy()
    return raters[RATER_COLUMNS].sort_values("rater", key=_natural_key).reset_index(drop=True)


def _natural_key(values: pd.Series) -> pd.Series:
    """Sort ids like 'subject_2' before 'subject_10' and 2 before 10."""
    return values.map(lambda v: tuple(int(p) if p.isdigit() else p
                                      for p in re.split(r"(\d+)", str(v))))


def per_item_z(table: RatingTable, ddof: int = 0) -> pd.Series:
    """z of each rating within its stimulus: (x - mean) / std; 0 where the std is 0."""
    grouped = table.frame.groupby(["item", "system"], sort=False)["rating"]
    mean = grouped.transform("mean")
    std = grouped.transform(lambda x: x.std(ddof=ddof) if len(x) > ddof else np.nan)
    z = (table.frame["rating"] - mean) / std
    return z.where(std > 0, 0.0).astype(float)


def p808_screening(table: RatingTable, z_threshold: float = 3.29, max_flags: int = 2,
                   exclude: bool = False, ddof: int = 0) -> ScreeningResult:
    """ITU-T P.808 per-item outlier screening.

    A rating is flagged when |z| > ``z_threshold`` (z within its stimulus, see
    :func:`per_item_z`). Raters with more than ``max_flags`` flags are listed in ``reason``;
    they are marked ``excluded`` only when ``exclude=True`` (the GSVS study kept them).
    """
    z = per_item_z(table, ddof=ddof)
    flag = z.abs() > z_threshold
    ratings = table.frame[["item", "system", "rater", "rating"]].copy()
    ratings["z"], ratings["flag"] = z.to_numpy(), flag.to_numpy()
    flags = ratings.groupby("rater")["flag"].sum()
    over = flags[flags > max_flags]
    reasons = pd.Series({r: f"{int(n)} ratings with |z| > {z_threshold:g} (more than {max_flags})"
                         for r, n in over.items()}, dtype=object)
    excluded = pd.Series(exclude, index=over.index, dtype=bool)
    rule = (f"ITU-T P.808: per-stimulus z-scores, |z| > {z_threshold:g} flagged; raters with "
            f"more than {max_flags} flags " + ("excluded" if exclude else "listed, ratings kept"))
    return ScreeningResult(_rater_table(table, flags, excluded, reasons), ratings, rule)


def mushra_post_screening(table: RatingTable, reference_threshold: float = 90,
                          max_share: float = 0.15, max_trials: int | None = None,
                          anchor_threshold: float | None = None) -> ScreeningResult:
    """ITU-R BS.1534-3 post-screening of MUSHRA listeners.

    A trial is one item (signal) of a rater. A rater is excluded when the hidden reference got
    less than ``reference_threshold`` in more than ``max_trials`` trials (when given) or else in
    more than ``max_share`` of the rater's trials. With ``anchor_threshold``, a rater is also
    excluded when an anchor got more than ``anchor_threshold`` in more than ``max_share`` of
    the trials. ``flags`` counts the failed trials.
    """
    if table.reference is None:
        raise ParameterError("reference", None, "MUSHRA post-screening needs the hidden-reference "
                             "condition. Fix: name it (--reference NAME; Python: "
                             "reference='NAME'), or choose another screening (--screening p808 "
                             "or none).")
    frame = table.frame
    trials = frame.groupby("rater")["item"].nunique()
    ratings = frame[["item", "system", "rater", "rating"]].copy()
    is_ref = ratings["system"] == table.reference
    ratings["reference_low"] = is_ref & (ratings["rating"] < reference_threshold)
    low = ratings[ratings["reference_low"]].groupby("rater")["item"].nunique()
    low = low.reindex(trials.index, fill_value=0)
    limit = (max_trials if max_trials is not None
             else np.floor(max_share * trials + 1e-9))  # "more than 15 %" of n trials
    bad_ref = low > limit
    flags = low.copy()
    reasons = {}
    for rater in trials.index[bad_ref.to_numpy()]:
        what = (f"more than {max_trials}" if max_trials is not None
                else f"more than {max_share:.0%}")
        reasons[rater] = (f"hidden reference rated below {reference_threshold:g} in "
                          f"{int(low[rater])} of {int(trials[rater])} trials ({what})")
    excluded = bad_ref.copy()
    rule = (f"ITU-R BS.1534 post-screening: hidden reference ({table.reference}) rated below "
            f"{reference_threshold:g} in more than "
            + (f"{max_trials} trial(s)" if max_trials is not None else f"{max_share:.0%} of "
               "the trials"))
    if anchor_threshold is not None:
        if not table.anchors:
            raise DataError("anchor screening needs anchor conditions. Fix: pass anchors=[...] "
                            "when reading the ratings, or anchor_threshold=None.")
        high = ratings["system"].isin(table.anchors) & (ratings["rating"] > anchor_threshold)
        ratings["anchor_high"] = high
        n_high = ratings[high].groupby("rater")["item"].nunique()
        n_high = n_high.reindex(trials.index, fill_value=0)
        bad_anchor = n_high > np.floor(max_share * trials + 1e-9)
        flags = flags + n_high
        for rater in trials.index[bad_anchor.to_numpy()]:
            text = (f"anchor rated above {anchor_threshold:g} in {int(n_high[rater])} of "
                    f"{int(trials[rater])} trials (more than {max_share:.0%})")
            reasons[rater] = f"{reasons[rater]}; {text}" if rater in reasons else text
        excluded = excluded | bad_anchor
        rule += f"; anchor rated above {anchor_threshold:g} in more than {max_share:.0%}"
    return ScreeningResult(_rater_table(table, flags, excluded, pd.Series(reasons, dtype=object)),
                           ratings, rule)


def zero_variance_raters(table: RatingTable) -> dict[str, float]:
    """Raters with at least 2 ratings who gave every stimulus the same score -> that score.

    Such a rater carries no ranking of the stimuli (their rater-vs-rest correlation is
    undefined); they are flagged in every screening rule.
    """
    grouped = table.frame.groupby("rater")["rating"]
    stats = grouped.agg(["size", "min", "max"])
    constant = stats[(stats["size"] >= 2) & (stats["min"] == stats["max"])]
    return {str(r): float(v) for r, v in constant["min"].items()}


def apply_screening(table: RatingTable, result: ScreeningResult) -> RatingTable:
    """The table without the raters that ``result`` marks excluded (listed in ``result.raters``).

    Raises :class:`DataError` when the result names raters the table does not have (a result
    from another table) or when nobody would remain.
    """
    unknown = sorted(set(result.raters["rater"]) - set(table.frame["rater"]))
    if unknown:
        raise DataError(f"the screening result names raters {unknown[:5]} that are not in the "
                        "table. Fix: screen the same table you apply the result to.")
    drop = set(result.excluded)
    kept = table.frame[~table.frame["rater"].isin(drop)]
    if kept.empty:
        raise DataError("screening excluded every rater. Fix: relax the screening thresholds.")
    return table.with_frame(kept)
