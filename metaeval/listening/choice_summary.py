"""The summary of a choice listening test (best-of-N or pairwise): vote shares with exact
intervals, rater agreement for choices, per-item and per-system tables. Never a "mean rating"
of 0/1 votes: a vote share is a binomial proportion and gets a binomial interval.

- ``items``: best-of-N, one row per (item, system): ``votes`` (pages of the item on which it was
  picked), ``n`` (pages that showed it), ``share`` = votes / n, ``ci_low, ci_high`` the exact
  Clopper-Pearson interval of that share, ``top`` (among the item's most picked; ties
  shared); pairwise, one row per (item, system_a, system_b, outcome a|b|tie) with the same
  columns (n = verdicts on the pair). With ``simultaneous`` = ``goodman`` or ``sison-glaz``
  also ``sim_low, sim_high``: intervals that hold for all shares of a unit at once
  (:mod:`metaeval.stats.proportions`).
- ``systems``: best-of-N ``votes, n, share`` over all pages with Clopper-Pearson, ``n_items``,
  ``top_items``; pairwise ``wins, losses, ties, n``, ``win_rate`` = wins / (wins + losses) with
  Clopper-Pearson, ``n_items``. Pooled intervals treat pages (verdicts) as independent trials.
- ``agreement``: Fleiss' kappa and Krippendorff's alpha (nominal) of the raters' choices
  (:mod:`metaeval.stats.nominal_agreement`): best-of-N units are items and categories the
  systems picked; pairwise units are (item, pair) and categories a / b / tie. Each with a
  percentile interval from ``k`` bootstrap draws over units (``seed``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from metaeval.correlation.settings import Settings, draw_options
from metaeval.csvio import csv_text
from metaeval.errors import StatsError
from metaeval.io import json_safe
from metaeval.listening.choices import OUTCOMES, ChoiceTable
from metaeval.provenance import Key, Layout, Signature, register_layout, short_hash
from metaeval.spec import CheckedSettings, setting, spec_fields
from metaeval.stats.nominal_agreement import fleiss_kappa, krippendorff_alpha_nominal
from metaeval.stats.proportions import (
    SIMULTANEOUS,
    clopper_pearson,
    simultaneous_intervals,
    unit_weights,
)
from metaeval.stats.resampling import percentile_bounds
from metaeval.version import package_versions


@dataclass(frozen=True, kw_only=True)
class ChoiceSettings(CheckedSettings):
    """Settings of a choice summary that rating summaries do not have (one definition each)."""

    simultaneous: str = setting(
        "none", "Simultaneous intervals of the vote shares of each item (pair), next to the "
        "exact per-share ones: goodman (Goodman 1965) or sison-glaz (Sison & Glaz 1995).",
        key="simultaneous", short="sim", choices=SIMULTANEOUS, noun="interval method")


LAYOUT = register_layout(Layout("choices", (
    Key("choices", "choices", "cho"), Key("format", "format", "fmt"),
    *(Key(f.name, spec.key, spec.short, spec.kind, f.default, spec.omit)
      for f, spec in spec_fields(ChoiceSettings)),
    *(Key(f.name, spec.key, spec.short, spec.kind, f.default, spec.omit)
      for f, spec in spec_fields(Settings) if f.name in ("k", "seed", "ci"))),
    required=("choices",)))


@dataclass
class ChoiceSummary:
    """What the choice report shows: the validated table, the written frames, the JSON."""

    table: ChoiceTable
    items: pd.DataFrame
    systems: pd.DataFrame
    raters: pd.DataFrame
    summary: dict[str, Any]


def check_choice_options(k: int = 1000, seed: int = 0, ci: float = 0.95,
                         simultaneous: str = "none") -> dict:
    """The options checked (k, seed, ci by the correlate settings' definitions; k >= 1)."""
    options = draw_options(k, seed, ci, "the agreement intervals")
    options["simultaneous"] = ChoiceSettings(simultaneous=simultaneous).simultaneous
    return options


def _with_intervals(frame: pd.DataFrame, unit: list[str], method: str, ci: float,
                    notes: list[str]) -> pd.DataFrame:
    """Clopper-Pearson per share; the simultaneous intervals per unit when asked for."""
    frame["share"] = frame["votes"] / frame["n"]
    frame["ci_low"], frame["ci_high"] = clopper_pearson(frame["votes"], frame["n"], ci)
    if method == "none":
        return frame
    frame["sim_low"], frame["sim_high"] = np.nan, np.nan
    by = unit if len(unit) > 1 else unit[0]  # a list of one would key the groups by 1-tuples
    for key, rows in frame.groupby(by, sort=False).groups.items():
        part = frame.loc[rows]
        if part["n"].nunique() != 1 or part["votes"].sum() != part["n"].iloc[0]:
            notes.append(f"{key}: the pages of this unit did not all show the same candidates; "
                         f"no {method} intervals (the shares are not one multinomial).")
            continue
        low, high = simultaneous_intervals(part["votes"].to_numpy(), method, ci)
        frame.loc[rows, "sim_low"], frame.loc[rows, "sim_high"] = low, high
    return frame


def _best_of_n_tables(table: ChoiceTable, method: str, ci: float, notes: list[str]):
    frame = table.frame
    items = frame.groupby(["item", "system"], sort=True).agg(
        votes=("picked", "sum"), n=("picked", "size")).reset_index()
    items = _with_intervals(items, ["item"], method, ci, notes)
    most = items.groupby("item")["votes"].transform("max")
    items["top"] = items["votes"] == most
    systems = items.groupby("system").agg(votes=("votes", "sum"), n=("n", "sum"),
                                          n_items=("item", "size"),
                                          top_items=("top", "sum")).reset_index()
    systems["share"] = systems["votes"] / systems["n"]
    systems["ci_low"], systems["ci_high"] = clopper_pearson(systems["votes"], systems["n"], ci)
    systems = systems[["system", "votes", "n", "share", "ci_low", "ci_high", "n_items",
                       "top_items"]]
    raters = frame.groupby("rater").agg(n_pages=("item", "nunique")).reset_index()
    return items, systems, raters


def _pairwise_tables(table: ChoiceTable, method: str, ci: float, notes: list[str]):
    frame = table.frame
    keys = ["item", "system_a", "system_b"]
    counts = pd.crosstab([frame[k] for k in keys], frame["winner"]).reindex(
        columns=list(OUTCOMES), fill_value=0)
    items = counts.stack().rename("votes").reset_index().rename(columns={"winner": "outcome"})
    items["n"] = items.groupby(keys)["votes"].transform("sum")
    items = _with_intervals(items, keys, method, ci, notes)
    long = pd.concat([
        pd.DataFrame({"system": frame["system_a"], "item": frame["item"],
                      "result": frame["winner"].map({"a": "win", "b": "loss", "tie": "tie"})}),
        pd.DataFrame({"system": frame["system_b"], "item": frame["item"],
                      "result": frame["winner"].map({"a": "loss", "b": "win", "tie": "tie"})})])
    systems = pd.crosstab(long["system"], long["result"]).reindex(
        columns=["win", "loss", "tie"], fill_value=0)
    systems.columns = ["wins", "losses", "ties"]
    systems = systems.reset_index()
    systems["n"] = systems[["wins", "losses", "ties"]].sum(axis=1)
    decisive = systems["wins"] + systems["losses"]
    systems["win_rate"] = systems["wins"] / decisive.where(decisive > 0)
    systems["ci_low"], systems["ci_high"] = clopper_pearson(systems["wins"], decisive, ci)
    systems["n_items"] = systems["system"].map(long.groupby("system")["item"].nunique())
    raters = frame.groupby("rater").agg(n_verdicts=("item", "size"),
                                        n_ties=("winner", lambda w: int((w == "tie").sum())))
    return items, systems, raters.reset_index()


def _agreement_entry(function, counts: np.ndarray, weights: np.ndarray, ci: float) -> dict:
    try:
        value = float(function(counts)[0])
    except StatsError as error:
        return {"statistic": None, "ci_low": None, "ci_high": None, "note": str(error)}
    low, high = percentile_bounds(function(counts, weights)[None, :], ci)
    note = "" if np.isfinite(value) else "undefined: every choice fell in one category."
    return {"statistic": value, "ci_low": float(low[0]), "ci_high": float(high[0]),
            "note": note}


def choice_agreement(table: ChoiceTable, k: int = 1000, seed: int = 0,
                     ci: float = 0.95) -> dict:
    """Fleiss' kappa and Krippendorff's alpha (nominal) with bootstrap intervals over units."""
    counts, categories = table.unit_counts()
    values = counts.to_numpy(dtype=float)
    weights = unit_weights(values.shape[0], k, seed)
    units = "items" if table.format == "best-of-n" else "(item, pair) units"
    return {"fleiss_kappa": _agreement_entry(fleiss_kappa, values, weights, ci),
            "krippendorff_alpha_nominal": _agreement_entry(krippendorff_alpha_nominal, values,
                                                           weights, ci),
            "units": int(values.shape[0]), "categories": [str(c) for c in categories],
            "method": f"units = {units}, categories = "
                      f"{'systems picked' if table.format == 'best-of-n' else 'a / b / tie'}; "
                      f"{round(100 * ci)}% percentile intervals from {k} bootstrap draws over "
                      f"units (seed {seed})."}


def choice_signature(table: ChoiceTable, settings: dict) -> Signature:
    """Everything that changes a number of the summary (layout ``choices``)."""
    data = csv_text(table.frame)
    return Signature(LAYOUT, package_versions(),
                     choices=f"{table.info.name or 'choices'}@{short_hash(data)}",
                     format=table.format, **{f.name: settings[f.name]
                                             for f in fields(ChoiceSettings)},
                     k=settings["k"], seed=settings["seed"], ci=settings["ci"])


def compute_choice_summary(table: ChoiceTable, k: int = 1000, seed: int = 0, ci: float = 0.95,
                           simultaneous: str = "none") -> ChoiceSummary:
    """Vote shares, agreement and tables of ``table`` (module docstring); nothing is written."""
    settings = check_choice_options(k, seed, ci, simultaneous)
    notes: list[str] = []
    build = _best_of_n_tables if table.format == "best-of-n" else _pairwise_tables
    items, systems, raters = build(table, settings["simultaneous"], settings["ci"], notes)
    order = "share" if table.format == "best-of-n" else "win_rate"
    systems = systems.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)
    agreement = choice_agreement(table, settings["k"], settings["seed"], settings["ci"])
    counts = {"rows": int(len(table.frame)), "raters": len(table.raters),
              "items": len(table.items), "systems": len(table.systems)}
    summary = {"dataset": {"name": table.info.name, "source": table.info.source},
               "format": table.format, "counts": counts, "agreement": agreement,
               "notes": notes, "systems": json_safe(systems), "settings": settings,
               "signature": str(choice_signature(table, settings))}
    return ChoiceSummary(table, items, systems, raters, json_safe(summary))
