"""From raw ratings to everything a listening-test report shows: screening, scores, agreement,
tests, ceiling (nothing is written here; :mod:`metaeval.report.listening` writes the folder).

:func:`compute_summary` screens the raters (ITU-T P.808 for DCR/ACR, ITU-R BS.1534 for MUSHRA),
scores every stimulus and system with t and rater-bootstrap CIs, measures rater agreement
(ICC(2,1), ICC(2,k), Krippendorff's alpha, rater-vs-rest), runs Friedman + pairwise Wilcoxon
with compact letters and estimates the split-half noise ceiling: the content of the files

- ``items.csv`` / ``items.json``: item, system, mos, ci_low, ci_high, n_ratings (then the
  bootstrap interval boot_low, boot_high): the per-item human score for ``metaeval correlate``
  (``--data items.csv --scores scores.csv``); ``items.csv.yaml`` is its dataset card (provenance,
  ``human: mos``, the CI and count columns declared as further human columns so that they are
  not taken for metrics);
- ``systems.csv``: system, mos, ci_low, ci_high, n_items (then boot_low, boot_high, letter);
- ``raters.csv``: rater, n_ratings, flags, excluded, reason (nobody is dropped silently);
- ``summary.json``: agreement, screening rule, tests, ceiling (``reliability``: split-half
  Spearman-Brown reliability of the panel mean; ``noise_ceiling``: its square root, the expected
  correlation of a perfect metric with this panel's means), notes, settings and the
  ``signature`` (everything that changes a number: data hash, replicate handling, trial
  normalisation, aggregation, excluded systems, screening, k, seed, CI level, correction,
  package versions);
- ``index.html``: the self-contained report.

Everything is computed before the first file is written, so bad input leaves no partial report.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metaeval.correlation.settings import Settings
from metaeval.errors import DataError, ParameterError, StatsError
from metaeval.io import json_safe
from metaeval.listening.agreement import icc, krippendorff_alpha_interval, rater_vs_rest
from metaeval.listening.ceiling import noise_ceiling
from metaeval.listening.design import exclude, item_set_warning, listening_signature, root
from metaeval.listening.posthoc import CORRECTIONS, friedman_posthoc, pooling_tests
from metaeval.listening.ratings import RatingTable, refuse_vote_ratings
from metaeval.listening.scores import AGGREGATES, stimulus_scores, system_scores
from metaeval.listening.screening import (
    apply_screening,
    mushra_post_screening,
    p808_screening,
    zero_variance_raters,
)
from metaeval.paths import display_path
from metaeval.spec import check_value

SCREENINGS = ("auto", "p808", "mushra", "none")
ITEM_COLUMNS = ["item", "system", "mos", "ci_low", "ci_high", "n_ratings"]
SYSTEM_COLUMNS = ["system", "mos", "ci_low", "ci_high", "n_items"]
RATER_COLUMNS = ["rater", "n_ratings", "flags", "excluded", "reason", "zero_variance"]
SCORE_NAMES = {"dcr": "DMOS", "acr": "MOS", "mushra": "MUSHRA score", "long": "mean rating"}


@dataclass
class ListeningSummary:
    """Everything the report shows, computed from one :class:`RatingTable`.

    ``table`` is the rating table after screening (excluded raters dropped); ``raw`` the table
    as read. ``items``/``systems``/``raters`` are the frames written to CSV; ``summary`` the
    JSON-ready dict of agreement, screening, tests and ceiling.
    """

    raw: RatingTable
    table: RatingTable
    items: pd.DataFrame
    systems: pd.DataFrame
    raters: pd.DataFrame
    summary: dict[str, Any]
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    pooling: pd.DataFrame | None = None


def score_name(kind: str) -> str:
    """DMOS for DCR, MOS for ACR, mean MUSHRA score for MUSHRA."""
    return SCORE_NAMES.get(kind, "mean rating")


def resolve_screening(table: RatingTable, screening: str) -> str:
    """``auto`` -> ``mushra`` when the table names a hidden reference (MUSHRA), else ``p808``."""
    if screening not in SCREENINGS:
        raise ParameterError("screening", screening, f"unknown screening; use one of "
                             f"{', '.join(SCREENINGS)}.")
    if screening == "auto":
        return "mushra" if table.reference is not None else "p808"
    return screening


def screen(table: RatingTable, screening: str = "auto"):
    """Run the screening rule; returns (rule name, ScreeningResult or None, screened table).

    P.808 lists raters with more than 2 flagged ratings and keeps their ratings (as the GSVS
    study did); BS.1534 post-screening drops the raters it excludes. ``none`` keeps everyone.
    """
    name = resolve_screening(table, screening)
    if name == "none":
        return name, None, table
    result = p808_screening(table) if name == "p808" else mushra_post_screening(table)
    return name, result, apply_screening(table, result)


def _natural_key(values: pd.Series) -> pd.Series:
    """Sort 'fileid_2' before 'fileid_10'."""
    return values.map(lambda v: tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                                      for p in re.split(r"(\d+)", str(v))))


def _rater_frame(table: RatingTable, result) -> pd.DataFrame:
    """One row per rater: screening flags and reasons, plus the zero-variance flag."""
    if result is not None:
        raters = result.raters[RATER_COLUMNS[:-1]].reset_index(drop=True)
    else:
        counts = table.frame.groupby("rater")["rating"].size()
        raters = pd.DataFrame({"rater": counts.index.astype(str), "n_ratings": counts.to_numpy(),
                               "flags": 0, "excluded": False, "reason": ""})
    constant = zero_variance_raters(table)
    raters["zero_variance"] = raters["rater"].isin(list(constant))
    why = raters["rater"].map(lambda r: f"zero variance: every rating {constant[r]:g}"
                              if r in constant else "")
    raters["reason"] = [("; ".join(p for p in (a, b) if p)) for a, b in
                        zip(raters["reason"].fillna(""), why)]
    return raters[RATER_COLUMNS]


def _tests(table: RatingTable, correction: str,
           aggregate: str) -> tuple[dict, pd.DataFrame, dict[str, str]]:
    """The omnibus test and the pairwise Wilcoxon tests, or their skip reason."""
    try:
        result = friedman_posthoc(table, correction=correction, aggregate=aggregate)
    except StatsError as error:
        info = {"test": "none", "skipped": str(error), "correction": correction,
                "statistic": None, "pvalue": None, "letters": {}, "pairs": [], "notes": []}
        return info, pd.DataFrame(), {}
    pairs = result.pairs.reset_index(drop=True)
    letters = {str(k): str(v) for k, v in dict(result.letters).items()}
    info = {"test": result.test, "method": f"{result.method} on per-item {aggregate}s, then "
                    f"pairwise Wilcoxon signed-rank on the items both systems share, with "
                    f"{correction.capitalize()} correction",
            "correction": correction, "statistic": result.statistic, "pvalue": result.pvalue,
            "pvalue_f": result.pvalue_f, "df": result.df,
            "n_items": result.n_items, "alpha": result.alpha,
            "dropped_items": [str(i) for i in result.dropped_items], "notes": result.notes}
    info.update(letters=letters, pairs=json_safe(pairs))
    return info, pairs, letters


def _agreement(table: RatingTable) -> dict:
    values = asdict(icc(table))
    vs_rest = rater_vs_rest(table, coefficient="pearson")
    r = pd.to_numeric(vs_rest["r"], errors="coerce").to_numpy(dtype=float)
    return {"icc2_1": values.get("icc2_1"), "icc2_k": values.get("icc2_k"),
            "icc": values,
            "krippendorff_alpha": krippendorff_alpha_interval(table),
            "rater_vs_rest_mean": float(np.nanmean(r)) if np.isfinite(r).any() else None,
            "rater_vs_rest_coefficient": "pearson",
            "rater_vs_rest": json_safe(vs_rest)}


def _ceiling(table: RatingTable, k: int, seed: int, ci: float) -> dict:
    """Per level: ``reliability`` (split-half, Spearman-Brown) and ``noise_ceiling`` (its root)."""
    out = {}
    for level in ("none", "system"):
        try:
            c = noise_ceiling(table, coefficient="spearman", level=level, k=k, seed=seed, ci=ci)
        except (DataError, StatsError) as error:  # e.g. fewer than 2 ratings per stimulus
            out[level] = {"error": str(error)}
            continue
        out[level] = {"coefficient": "spearman", "level": level, "reliability": c.statistic,
                      "reliability_low": c.low, "reliability_high": c.high,
                      "noise_ceiling": root(c.statistic), "noise_ceiling_low": root(c.low),
                      "noise_ceiling_high": root(c.high), "k": c.k, "method": c.method,
                      "split_half": c.split_half}
    return out


def _scores(table: RatingTable, k: int, seed: int, ci: float, aggregate: str):
    """The items and systems frames (sorted as written)."""
    items = stimulus_scores(table, ci=ci, bootstrap_k=k, seed=seed, aggregate=aggregate)
    items = items[ITEM_COLUMNS + [c for c in ("boot_low", "boot_high") if c in items.columns]]
    items = items.sort_values(["item", "system"], key=_natural_key).reset_index(drop=True)
    systems = system_scores(table, ci=ci, bootstrap_k=k, seed=seed, aggregate=aggregate)
    systems = systems[SYSTEM_COLUMNS + [c for c in ("boot_low", "boot_high")
                                        if c in systems.columns]].reset_index(drop=True)
    return items, systems


def check_summary_options(screening: str = "auto", k: int = 1000, seed: int = 0,
                          ci: float = 0.95, correction: str = "bonferroni",
                          aggregate: str = "mean") -> dict:
    """The options of :func:`compute_summary`, checked before anything is read or computed
    (``k``, ``seed``, ``ci`` by the one definition of these settings in
    :class:`~metaeval.correlation.settings.Settings`, k >= 1); returned coerced."""
    options = {name: check_value(Settings, name, value)
               for name, value in (("k", k), ("seed", seed), ("ci", ci))}
    if options["k"] < 1:
        raise ParameterError("k", k, "must be at least 1 (the intervals and the noise ceiling "
                             "need draws), e.g. 1000.")
    for name, value, allowed in (("screening", screening, SCREENINGS),
                                 ("correction", correction, CORRECTIONS),
                                 ("aggregate", aggregate, AGGREGATES)):
        if value not in allowed:
            raise ParameterError(name, value, f"unknown {name}; use one of {', '.join(allowed)}.")
    return {**options, "screening": screening, "correction": correction,
            "aggregate": aggregate}


def _screening_record(rule_name: str, result, raters: pd.DataFrame) -> dict:
    return {"method": rule_name, "rule": result.rule if result is not None
            else "no screening: every rater kept",
            "excluded": list(result.excluded) if result is not None else [],
            "flagged": list(result.flagged) if result is not None else [],
            "zero_variance": list(raters.loc[raters["zero_variance"], "rater"])}


def _notes(raters: pd.DataFrame, items: pd.DataFrame, tests: dict, table: RatingTable) -> list:
    notes = []
    constant = list(raters.loc[raters["zero_variance"], "rater"])
    if constant:
        notes.append(f"{len(constant)} rater(s) gave every stimulus the same score (zero "
                     f"variance): {', '.join(constant)}; they rank nothing (flagged in "
                     "raters.csv).")
    notes += item_set_warning(items)
    if tests.get("skipped"):
        notes.append(f"no test across systems: {tests['skipped']}")
    notes += tests.get("notes", [])
    pre = table.preprocessing or {}
    if pre.get("replicates") == "average":
        notes.append(f"replicated trials averaged per rater: {pre['replicated']} repeated "
                     f"rater-stimulus pairs; test-retest Pearson r {pre['repeat_r']:.3f}, mean "
                     f"absolute difference {pre['repeat_mad']:.3g}.")
    if pre.get("constant_trials"):
        notes.append(f"trial min-max normalisation: {pre['constant_trials']} of {pre['trials']} "
                     "trials have equal ratings throughout and were kept as rated.")
    return notes


def compute_summary(table: RatingTable, screening: str = "auto", k: int = 1000, seed: int = 0,
                    ci: float = 0.95, correction: str = "bonferroni", aggregate: str = "mean",
                    exclude_systems=()) -> ListeningSummary:
    """Screen, score and test ``table``; nothing is written (see :func:`summarize`).

    Screening sees every condition (BS.1534 needs the hidden reference); ``exclude_systems``
    (e.g. the reference and the anchors) are then left out of every score, test, agreement and
    ceiling. ``aggregate``: ``mean`` or ``median`` of the ratings of a stimulus and of the
    per-item scores of a system.
    """
    options = check_summary_options(screening, k, seed, ci, correction, aggregate)
    k, seed, ci = options["k"], options["seed"], options["ci"]
    refuse_vote_ratings(table)  # 0/1 choices are no ratings: refused before any computation
    exclude_systems = [str(x) for x in exclude_systems or ()]
    exclude(table, exclude_systems)  # unknown names: an error before any computation
    rule_name, result, screened = screen(table, screening)
    screened = exclude(screened, exclude_systems)
    items, systems = _scores(screened, k, seed, ci, aggregate)
    tests, pairs, letters = _tests(screened, correction, aggregate)
    systems["letter"] = systems["system"].astype(str).map(letters).fillna("")
    systems = systems.sort_values("mos", ascending=False, kind="stable").reset_index(drop=True)
    raters = _rater_frame(table, result)
    pooling = None
    if "group" in screened.frame.columns and screened.frame["group"].nunique() > 1:
        pooling = pooling_tests(screened, "group")
    settings = {"screening": screening, "k": k, "seed": seed, "ci": ci,
                "correction": correction, "aggregate": aggregate,
                "exclude_systems": exclude_systems,
                "replicates": (table.preprocessing or {}).get("replicates", "error"),
                "normalize": (table.preprocessing or {}).get("normalize", "none")}
    summary = {
        "dataset": _dataset(table),
        "kind": table.kind, "scale": list(table.scale), "reference": table.reference,
        "anchors": list(table.anchors),
        "counts": {"ratings": int(len(table.frame)), "ratings_used": int(len(screened.frame)),
                   "raters": len(table.raters), "raters_used": len(screened.raters),
                   "items": len(screened.items), "systems": len(screened.systems),
                   "stimuli": int(len(items))},
        "screening": _screening_record(rule_name, result, raters),
        "preprocessing": table.preprocessing or {},
        "agreement": _agreement(screened),
        "tests": tests,
        "ceiling": _ceiling(screened, k=k, seed=seed, ci=ci),
        "notes": _notes(raters, items, tests, table),
        "pooling": json_safe(pooling) if pooling is not None else None,
        "systems": json_safe(systems),
        "settings": settings,
        "signature": str(listening_signature(table, settings)),
    }
    return ListeningSummary(raw=table, table=screened, items=items, systems=systems,
                            raters=raters, summary=json_safe(summary), pairs=pairs, pooling=pooling)


def _dataset(table: RatingTable) -> dict:
    info = table.info
    return {"name": info.name, "title": info.title, "citation": info.citation,
            "licence": info.licence, "url": info.url, "source": display_path(info.source),
            "description": info.description}
