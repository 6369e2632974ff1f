"""Listening tests whose listeners choose instead of rate: best-of-N picks and pairwise choices.

Two row layouts (CSV, TSV, JSON lines or Parquet; one row per candidate shown or per verdict):

- ``best-of-n``: ``item, system, rater, picked`` - one row per candidate on a listener's page of
  an item, ``picked`` 1 for the chosen candidate and 0 for the others; exactly one pick per
  (item, rater) page (the SiSEC 2018 "pick the best" test: 34 listeners x 13 songs x 6
  separations). Other columns (``page``, ``page_order``) are ignored.
- ``pairwise``: ``item, system_a, system_b, winner, rater`` - ``winner`` is ``a``, ``b`` or
  ``tie``; one verdict per rater and pair of an item.

This is the listening package's own small reader of these layouts (what a listening summary
needs: votes per item and system, raters per unit); the preference gold of ``metaeval
correlate`` has its own loader. Every error names the file, the row (file line), the column and
the fix, and is raised before any statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data.judgements import DatasetInfo
from metaeval.data.readers import read_table
from metaeval.errors import DataError, located

CHOICE_FORMATS = ("best-of-n", "pairwise")
OUTCOMES = ("a", "b", "tie")
COLUMNS = {"best-of-n": ("item", "system", "rater", "picked"),
           "pairwise": ("item", "system_a", "system_b", "winner", "rater")}


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


def _fail(message: str, path: Path, line: int | None, column: str | None, fix: str):
    raise DataError(located(message, file=str(path), row=line, column=column, fix=fix))


def _check_columns(frame: pd.DataFrame, lines: list[int], path: Path, names: dict[str, str],
                   fix: str) -> pd.DataFrame:
    """The required columns renamed to their canonical names; no empty cell."""
    absent = [column for column in names.values() if column not in frame.columns]
    if absent:
        _fail(f"missing column(s) {absent}; the file has {list(frame.columns)}", path, 1,
              absent[0], fix)
    out = frame[list(names.values())].rename(columns={v: k for k, v in names.items()})
    for canonical, column in names.items():
        empty = out[canonical].isna() | (out[canonical].astype(str).str.strip() == "")
        if empty.any():
            _fail("empty cell", path, lines[int(np.flatnonzero(empty.to_numpy())[0])], column,
                  "give every row a value in this column (or drop the row).")
    return out


def _duplicates(frame: pd.DataFrame, keys: list[str], lines: list[int], path: Path,
                column: str, what: str) -> None:
    repeated = frame.duplicated(keys, keep="first").to_numpy()
    if repeated.any():
        position = int(np.flatnonzero(repeated)[0])
        row = frame.iloc[position]
        _fail(f"{what} {tuple(row[k] for k in keys)} appears twice", path, lines[position],
              column, "keep one row per " + ", ".join(keys) + ".")


def _best_of_n(frame, lines, path: Path, names: dict[str, str]) -> pd.DataFrame:
    fix = ("pass one row per candidate shown: item, system, rater, picked (1 for the chosen "
           "candidate, 0 for the others).")
    out = _check_columns(frame, lines, path, names, fix)
    picked = pd.to_numeric(out["picked"], errors="coerce")
    bad = ~picked.isin([0, 1])
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        _fail(f"picked is {out['picked'].iloc[position]!r}, not 0 or 1", path, lines[position],
              names["picked"], "write 1 for the chosen candidate and 0 for the others.")
    out["picked"] = picked.astype(int)
    _duplicates(out, ["item", "system", "rater"], lines, path, names["system"],
                "the candidate (item, system, rater)")
    picks = out.groupby(["item", "rater"], sort=False)["picked"].transform("sum").to_numpy()
    if (picks != 1).any():
        position = int(np.flatnonzero(picks != 1)[0])
        row = out.iloc[position]
        _fail(f"listener {row['rater']!r} picked {int(picks[position])} candidates of item "
              f"{row['item']!r}", path, lines[position], names["picked"],
              "a best-of-N page has exactly one pick (picked = 1) per listener and item; for "
              "several picks per page use --format pairwise verdicts.")
    return out


def _pairwise(frame, lines, path: Path, names: dict[str, str]) -> pd.DataFrame:
    fix = "pass one row per verdict: item, system_a, system_b, winner (a, b or tie), rater."
    out = _check_columns(frame, lines, path, names, fix)
    out["winner"] = out["winner"].astype(str).str.strip().str.lower()
    bad = ~out["winner"].isin(OUTCOMES)
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        _fail(f"winner is {frame[names['winner']].iloc[position]!r}", path, lines[position],
              names["winner"], "write a (system_a won), b (system_b won) or tie.")
    same = (out["system_a"] == out["system_b"]).to_numpy()
    if same.any():
        position = int(np.flatnonzero(same)[0])
        _fail(f"system_a and system_b are both {out['system_a'].iloc[position]!r}", path,
              lines[position], names["system_b"], "a verdict compares two different systems.")
    swap = (out["system_a"] > out["system_b"]).to_numpy()
    out.loc[swap, ["system_a", "system_b"]] = out.loc[swap, ["system_b", "system_a"]].to_numpy()
    out.loc[swap, "winner"] = out.loc[swap, "winner"].map({"a": "b", "b": "a", "tie": "tie"})
    _duplicates(out, ["item", "system_a", "system_b", "rater"], lines, path, names["rater"],
                "the verdict (item, system_a, system_b, rater)")
    return out


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
    identifiers = [names[c] for c in names if c not in ("picked", "winner")]
    frame, lines = read_table(path, text_columns=identifiers)
    reader = _best_of_n if format == "best-of-n" else _pairwise
    out = reader(frame, lines, path, names)
    return ChoiceTable(format, out.reset_index(drop=True),
                       DatasetInfo(name=name or path.stem, source=str(path)))
