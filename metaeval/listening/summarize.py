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
- ``summary.json``: agreement, screening rule, tests, ceiling, settings;
- ``index.html``: the self-contained report.

Everything is computed before the first file is written, so bad input leaves no partial report.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metaeval.errors import DataError, ParameterError, StatsError
from metaeval.io import json_safe
from metaeval.listening.agreement import icc, krippendorff_alpha_interval, rater_vs_rest
from metaeval.listening.ceiling import noise_ceiling
from metaeval.listening.posthoc import friedman_posthoc, pooling_tests
from metaeval.listening.ratings import RatingTable
from metaeval.listening.scores import stimulus_scores, system_scores
from metaeval.listening.screening import apply_screening, mushra_post_screening, p808_screening
from metaeval.paths import display_path

SCREENINGS = ("auto", "p808", "mushra", "none")
ITEM_COLUMNS = ["item", "system", "mos", "ci_low", "ci_high", "n_ratings"]
SYSTEM_COLUMNS = ["system", "mos", "ci_low", "ci_high", "n_items"]
RATER_COLUMNS = ["rater", "n_ratings", "flags", "excluded", "reason"]
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
    if result is not None:
        return result.raters[RATER_COLUMNS].reset_index(drop=True)
    counts = table.frame.groupby("rater")["rating"].size()
    return pd.DataFrame({"rater": counts.index.astype(str), "n_ratings": counts.to_numpy(),
                         "flags": 0, "excluded": False, "reason": ""})[RATER_COLUMNS]


def _friedman(table: RatingTable, correction: str) -> tuple[dict, pd.DataFrame, dict[str, str]]:
    result = friedman_posthoc(table, correction=correction)
    pairs = result.pairs.reset_index(drop=True)
    letters = {str(k): str(v) for k, v in dict(result.letters).items()}
    info = {"test": "Friedman on per-item means (blocks = items), then pairwise Wilcoxon "
                    f"signed-rank with {correction.capitalize()} correction",
            "correction": correction}
    info.update({"statistic": result.statistic, "p_value": result.pvalue,
                 "n_items": result.n_items, "alpha": result.alpha,
                 "dropped_items": [str(i) for i in result.dropped_items]})
    info["letters"] = letters
    info["pairs"] = json_safe(pairs)
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
    out = {}
    for level in ("none", "system"):
        try:
            c = noise_ceiling(table, coefficient="spearman", level=level, k=k, seed=seed, ci=ci)
        except (DataError, StatsError) as error:  # e.g. fewer than 2 ratings per stimulus
            out[level] = {"error": str(error)}
            continue
        out[level] = {"coefficient": "spearman", "level": level, "value": c.statistic,
                      "low": c.low, "high": c.high, "k": c.k, "method": c.method,
                      "split_half": getattr(c, "split_half", None),
                      "perfect_metric": getattr(c, "perfect_metric", None)}
    return out


def compute_summary(table: RatingTable, screening: str = "auto", k: int = 1000, seed: int = 0,
                    ci: float = 0.95, correction: str = "bonferroni") -> ListeningSummary:
    """Screen, score and test ``table``; nothing is written (see :func:`summarize`)."""
    if k < 1:
        raise ParameterError("k", k, "must be at least 1, e.g. 1000.")
    if not 0 < ci < 1:
        raise ParameterError("ci", ci, "must be between 0 and 1, e.g. 0.95.")
    rule_name, result, screened = screen(table, screening)
    items = stimulus_scores(screened, ci=ci, bootstrap_k=k, seed=seed)
    items = items[ITEM_COLUMNS + [c for c in ("boot_low", "boot_high") if c in items.columns]]
    items = items.sort_values(["item", "system"], key=_natural_key).reset_index(drop=True)
    systems = system_scores(screened, ci=ci, bootstrap_k=k, seed=seed)
    systems = systems[SYSTEM_COLUMNS + [c for c in ("boot_low", "boot_high")
                                        if c in systems.columns]].reset_index(drop=True)
    tests, pairs, letters = _friedman(screened, correction)
    systems["letter"] = systems["system"].astype(str).map(letters).fillna("")
    systems = systems.sort_values("mos", ascending=False, kind="stable").reset_index(drop=True)
    raters = _rater_frame(table, result)
    pooling = None
    if "group" in screened.frame.columns and screened.frame["group"].nunique() > 1:
        pooling = pooling_tests(screened, "group")
    info = table.info
    summary = {
        "dataset": {"name": info.name, "title": info.title, "citation": info.citation,
                    "licence": info.licence, "url": info.url, "source": display_path(info.source),
                    "description": info.description},
        "kind": table.kind, "scale": list(table.scale), "reference": table.reference,
        "anchors": list(table.anchors),
        "counts": {"ratings": int(len(table.frame)), "ratings_used": int(len(screened.frame)),
                   "raters": len(table.raters), "raters_used": len(screened.raters),
                   "items": len(table.items), "systems": len(table.systems),
                   "stimuli": int(len(items))},
        "screening": {"method": rule_name, "rule": result.rule if result is not None
                      else "no screening: every rater kept",
                      "excluded": list(result.excluded) if result is not None else [],
                      "flagged": list(result.flagged) if result is not None else []},
        "agreement": _agreement(screened),
        "tests": tests,
        "ceiling": _ceiling(screened, k=k, seed=seed, ci=ci),
        "pooling": json_safe(pooling) if pooling is not None else None,
        "systems": json_safe(systems),
        "settings": {"screening": screening, "k": k, "seed": seed, "ci": ci,
                     "correction": correction},
    }
    return ListeningSummary(raw=table, table=screened, items=items, systems=systems,
                            raters=raters, summary=json_safe(summary), pairs=pairs, pooling=pooling)
