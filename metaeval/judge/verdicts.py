"""Pairwise verdicts of an automatic judge (an LLM judge, or a metric that outputs choices),
read and validated once.

One row per verdict (CSV, TSV, JSON lines or Parquet):

- ``item``: the prompt / source the two answers respond to;
- ``system_a``, ``system_b``: the two systems compared;
- ``winner``: ``a`` (system_a won), ``b`` (system_b won) or ``tie``;
- ``first`` (optional): the name of the system shown first (in the first position of the
  judge's prompt); without this column system_a is taken as shown first. A pair judged in both
  orders has two rows, one with each system first;
- ``length_a``, ``length_b`` (optional): lengths of the two answers (numbers >= 0, any unit);
  without them, ``text_a``, ``text_b`` (optional) give the answers, whose lengths are counted
  in characters or whitespace-separated words (``length_unit``);
- ``judge`` (optional): the judge's name, for files with several judges (default ``judge``);
- ``judge_system`` (optional): the system the judge itself belongs to (e.g. ``gpt-4`` for the
  GPT-4 judge), one per judge, for self-preference.

Each judge gives at most one verdict per item, pair and order. Every error names the file, the
row (file line), the column and the fix, and is raised before any statistic. This is the judge
package's own reader; human preference gold has its own loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data.readers import read_table
from metaeval.errors import DataError, ParameterError, located

WINNERS = ("a", "b", "tie")
LENGTH_UNITS = ("chars", "words")
REQUIRED = ("item", "system_a", "system_b", "winner")
IDENTIFIERS = ("item", "system_a", "system_b", "first", "judge", "judge_system")
FIX = ("one row per verdict: item, system_a, system_b, winner (a, b or tie), optional first "
       "(the system shown first), length_a/length_b or text_a/text_b, judge, judge_system.")


@dataclass
class VerdictTable:
    """Validated verdicts: ``frame`` has ``judge, item, first, second, winner`` (the winning
    system's name, or ``tie``), ``position`` (``first``, ``second`` or ``tie``), ``len_first``,
    ``len_second`` (NaN without lengths), ``judge_system`` (None where not given) and ``line``
    (the file line). ``position_source``: ``column`` (a ``first`` column) or ``system_a``;
    ``lengths``: ``given``, ``text`` or ``none``."""

    frame: pd.DataFrame
    name: str
    source: str
    position_source: str
    lengths: str
    length_unit: str

    @property
    def judges(self) -> list[str]:
        return list(dict.fromkeys(self.frame["judge"]))


def _fail(message: str, path: Path, line: int, column: str, fix: str) -> None:
    raise DataError(located(message, file=str(path), row=line, column=column, fix=fix))


def _first_bad(mask) -> int | None:
    positions = np.flatnonzero(np.asarray(mask))
    return int(positions[0]) if positions.size else None


def _check_cells(frame: pd.DataFrame, lines: list[int], path: Path) -> None:
    absent = [c for c in REQUIRED if c not in frame.columns]
    if absent:
        _fail(f"missing column(s) {absent}; the file has {list(frame.columns)}", path, 1,
              absent[0], FIX)
    for column in [c for c in (*IDENTIFIERS, "winner") if c in frame.columns]:
        bad = _first_bad(frame[column].isna() | (frame[column].astype(str).str.strip() == ""))
        if bad is not None and column != "judge_system":
            _fail("empty cell", path, lines[bad], column, "give every verdict a value here.")
    winner = frame["winner"].astype(str).str.strip().str.lower()
    bad = _first_bad(~winner.isin(WINNERS))
    if bad is not None:
        _fail(f"winner is {frame['winner'].iloc[bad]!r}", path, lines[bad], "winner",
              "write a (system_a won), b (system_b won) or tie.")
    bad = _first_bad(frame["system_a"] == frame["system_b"])
    if bad is not None:
        _fail(f"system_a and system_b are both {frame['system_a'].iloc[bad]!r}", path,
              lines[bad], "system_b", "a verdict compares two different systems.")
    if "first" in frame.columns:
        bad = _first_bad((frame["first"] != frame["system_a"])
                         & (frame["first"] != frame["system_b"]))
        if bad is not None:
            _fail(f"first is {frame['first'].iloc[bad]!r}, neither system_a nor system_b",
                  path, lines[bad], "first", "name the system shown first (its system_a or "
                  "system_b value).")


def _lengths(frame: pd.DataFrame, lines: list[int], path: Path, unit: str):
    """(length_a, length_b, source) from the length columns, else the texts, else NaN."""
    if "length_a" in frame.columns or "length_b" in frame.columns:
        values = []
        for column in ("length_a", "length_b"):
            if column not in frame.columns:
                _fail(f"length_a and length_b go together; {column} is missing", path, 1,
                      column, "give both lengths (or neither).")
            number = pd.to_numeric(frame[column], errors="coerce")
            bad = _first_bad(number.isna() | (number < 0))
            if bad is not None:
                _fail(f"{column} is {frame[column].iloc[bad]!r}, not a length >= 0", path,
                      lines[bad], column, "write the answer's length as a number.")
            values.append(number.to_numpy(dtype=float))
        return values[0], values[1], "given"
    if "text_a" in frame.columns and "text_b" in frame.columns:
        def count(texts: pd.Series) -> np.ndarray:
            texts = texts.fillna("").astype(str)
            return (texts.str.len() if unit == "chars"
                    else texts.str.split().str.len()).to_numpy(dtype=float)
        return count(frame["text_a"]), count(frame["text_b"]), "text"
    nothing = np.full(len(frame), np.nan)
    return nothing, nothing, "none"


def _judge_systems(out: pd.DataFrame, path: Path) -> None:
    """One judge_system per judge."""
    known = out.dropna(subset=["judge_system"])
    varying = known.groupby("judge")["judge_system"].nunique()
    if (varying > 1).any():
        judge = varying[varying > 1].index[0]
        rows = known[known["judge"] == judge]
        second = rows[rows["judge_system"] != rows["judge_system"].iloc[0]].iloc[0]
        _fail(f"judge {judge!r} has two judge_system values ({rows['judge_system'].iloc[0]!r} "
              f"and {second['judge_system']!r})", path, int(second["line"]), "judge_system",
              "give each judge one judge_system (or name the judges apart in the judge column).")
    systems = known.groupby("judge")["judge_system"].first()
    out["judge_system"] = out["judge"].map(systems)


def _frame(frame: pd.DataFrame, lines: list[int], path: Path, unit: str):
    length_a, length_b, source = _lengths(frame, lines, path, unit)
    a_first = (frame["first"] == frame["system_a"]).to_numpy() if "first" in frame.columns \
        else np.ones(len(frame), bool)
    winner = frame["winner"].astype(str).str.strip().str.lower().to_numpy()
    a, b = frame["system_a"].to_numpy(), frame["system_b"].to_numpy()
    out = pd.DataFrame({
        "judge": frame["judge"].to_numpy() if "judge" in frame.columns else "judge",
        "item": frame["item"].to_numpy(), "first": np.where(a_first, a, b),
        "second": np.where(a_first, b, a),
        "winner": np.select([winner == "a", winner == "b"], [a, b], "tie"),
        "position": np.select([winner == "tie", (winner == "a") == a_first],
                              ["tie", "first"], "second"),
        "len_first": np.where(a_first, length_a, length_b),
        "len_second": np.where(a_first, length_b, length_a),
        "judge_system": (frame["judge_system"].to_numpy() if "judge_system" in frame.columns
                         else None),
        "line": lines})
    return out, source


def read_verdicts(path: str | Path, length_unit: str = "chars",
                  name: str | None = None) -> VerdictTable:
    """Read and validate a verdict file (module docstring)."""
    if length_unit not in LENGTH_UNITS:
        raise ParameterError("length_unit", length_unit, "unknown length unit; use one of "
                             f"{', '.join(LENGTH_UNITS)}.")
    path = Path(path)
    frame, lines = read_table(path, text_columns=IDENTIFIERS)
    _check_cells(frame, lines, path)
    out, source = _frame(frame, lines, path, length_unit)
    _judge_systems(out, path)
    pair = pd.DataFrame({"judge": out["judge"], "item": out["item"], "first": out["first"],
                         "second": out["second"]})
    bad = _first_bad(pair.duplicated(keep="first"))
    if bad is not None:
        row = out.iloc[bad]
        _fail(f"judge {row['judge']!r} judged item {row['item']!r}, {row['first']!r} shown "
              f"before {row['second']!r}, twice", path, int(row["line"]), "item",
              "keep one verdict per judge, item, pair and order (name repeated runs apart in "
              "a judge column).")
    return VerdictTable(out, name or path.stem, str(path),
                        "column" if "first" in frame.columns else "system_a", source,
                        length_unit)
