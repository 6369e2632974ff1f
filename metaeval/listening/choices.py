"""Listening tests whose listeners choose instead of rate: best-of-N picks and pairwise choices.

Two row layouts (CSV, TSV, JSON lines or Parquet; one row per candidate shown or per verdict):

- ``best-of-n``: ``item, system, rater, picked`` - one row per candidate on a listener's page of
  an item, ``picked`` 1 for the chosen candidate and 0 for the others; exactly one pick per
  (item, rater) page (the SiSEC 2018 "pick the best" test: 34 listeners x 13 songs x 6
  separations). Other columns (``page``, ``page_order``) are ignored.
- ``pairwise``: ``item, system_a, system_b, winner, rater`` - ``winner`` is ``a``, ``b`` or
  ``tie``; one verdict per rater and pair of an item.

The rows are read and validated by the one loader of choice files,
:mod:`metaeval.data.preferences` (the preference gold of ``metaeval correlate`` reads the same
files); this module keeps the listening summary's view of them (votes per item and system,
raters per unit). Every error names the file, the row (file line), the column and the fix, and
is raised before any statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metaeval.data.judgements import DatasetInfo
from metaeval.data.preferences import CHOICE_FORMATS, load_best_of_n, load_pairwise
from metaeval.errors import DataError

OUTCOMES = ("a", "b", "tie")
COLUMNS = {"best-of-n": ("item", "system", "rater", "picked"),
           "pairwise": ("item", "system_a", "system_b", "winner", "rater")}
VERDICTS = {1: "a", -1: "b", 0: "tie"}


@dataclass
class ChoiceTable:
    """Validated choices. ``frame``: best-of-N ``item, system, rater, picked`` (0/1); pairwise
    ``item, system_a, system_b, winner, rater`` with ``system_a < system_b`` (a verdict given
    the other way round is flipped: ``a`` <-> ``b``). ``info``: name and source file."""

    format: str
    frame: pd.DataFrame
    info: DatasetInfo

    @property
    def raters(self) -> list[str]:
        return sorted(self.frame["rater"].unique())

    @property
    def items(self) -> list[str]:
        return sorted(self.frame["item"].unique())

    @property
    def systems(self) -> list[str]:
        if self.format == "best-of-n":
            return sorted(self.frame["system"].unique())
        return sorted(set(self.frame["system_a"]) | set(self.frame["system_b"]))

    def unit_counts(self) -> tuple[pd.DataFrame, list[str]]:
        """(units x categories counts, category names): best-of-N units are items and
        categories systems (votes); pairwise units are (item, system_a, system_b) and categories
        ``a``, ``b``, ``tie`` (verdicts)."""
        if self.format == "best-of-n":
            picks = self.frame[self.frame["picked"] == 1]
            counts = pd.crosstab(picks["item"], picks["system"]).reindex(
                index=self.items, columns=self.systems, fill_value=0)
            return counts, self.systems
        keys = ["item", "system_a", "system_b"]
        counts = pd.crosstab([self.frame[k] for k in keys], self.frame["winner"])
        return counts.reindex(columns=list(OUTCOMES), fill_value=0), list(OUTCOMES)


def read_choices(path: str | Path, format: str = "best-of-n",
                 columns: dict[str, str] | None = None, name: str | None = None) -> ChoiceTable:
    """Read and validate a best-of-N or pairwise choice file (module docstring).

    ``columns`` maps canonical names (``item``, ``system``, ``rater``, ``picked``;
    ``system_a``, ``system_b``, ``winner``) to the file's column names.
    """
    if format not in CHOICE_FORMATS:
        raise DataError(f"unknown choice format {format!r}. Fix: use one of "
                        f"{', '.join(CHOICE_FORMATS)}.")
    path = Path(path)
    names = {c: (columns or {}).get(c) or c for c in COLUMNS[format]}
    unknown = sorted(set(columns or {}) - set(names))
    if unknown:
        raise DataError(f"--format {format} has no column {unknown[0]!r} to map. Fix: map "
                        f"only {', '.join(COLUMNS[format])}.")
    if format == "best-of-n":
        frame = load_best_of_n(path, **names).pages
    else:
        votes = load_pairwise(path, **names).votes
        frame = votes.assign(winner=votes["outcome"].map(VERDICTS))[list(COLUMNS[format])]
    return ChoiceTable(format, frame.reset_index(drop=True),
                       DatasetInfo(name=name or path.stem, source=str(path)))
