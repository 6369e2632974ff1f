"""Preference judgements as gold: pairwise choices and best-of-N picks, read and validated once.

Two row formats (CSV, TSV, JSON lines or Parquet; column names mapped by keywords, as the other
loaders, CLI ``--item --system --rater`` and the choice columns):

- ``pairwise``: ``item, system_a, system_b, winner, rater`` — ``winner`` is ``a``, ``b`` or
  ``tie`` (one row per rater verdict; ``rater`` optional: without it every row is its own rater);
- ``best-of-n``: ``item, system, rater, picked`` — one row per candidate shown on a rater's page
  of an item, ``picked`` 1 for the chosen one and 0 for the others: exactly one pick per
  (item, rater) page. Each page becomes pairwise votes where a pairwise statistic is asked: the
  picked system beats every other candidate on the page (:mod:`metaeval.stats.choices`).

Every error names the file, the row (file line), the column and the fix, and is raised before any
statistic. Metric scores (a table ``item, system, metric...``) are attached with
:func:`attach_scores`; every candidate must have a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data.judgements import DatasetInfo, MetricInfo, frame_hash
from metaeval.data.readers import read_table
from metaeval.errors import DataError, located
from metaeval.provenance import short_hash
from metaeval.stats.choices import ChoiceArrays

CHOICE_FORMATS = ("pairwise", "best-of-n")
WINNERS = {"a": 1, "b": -1, "tie": 0}


@dataclass
class PreferenceSet:
    """Choices of raters between systems on items, and metric scores of the candidates.

    ``votes``: one row per vote (``item, system_a, system_b, outcome`` +1/-1/0 with
    ``system_a < system_b``, ``rater``); ``pages`` (best-of-N): ``item, system, rater,
    picked``; ``scores`` (M, I, S) oriented (higher is better), NaN outside the candidates.
    """

    format: str
    votes: pd.DataFrame
    items: list[str]
    systems: list[str]
    raters: list[str]
    pages: pd.DataFrame | None = None
    metrics: dict[str, MetricInfo] = field(default_factory=dict)
    scores: np.ndarray | None = None
    info: DatasetInfo = field(default_factory=DatasetInfo)
    scores_hash: str = ""

    @property
    def metric_names(self) -> list[str]:
        return list(self.metrics)

    @property
    def candidates(self) -> np.ndarray:
        """(I, S) whether the system is compared on the item."""
        out = np.zeros((len(self.items), len(self.systems)), bool)
        item, system = self._index()
        if self.pages is not None:
            out[item(self.pages["item"]), system(self.pages["system"])] = True
        for column in ("system_a", "system_b"):
            out[item(self.votes["item"]), system(self.votes[column])] = True
        return out

    def _index(self):
        items = {v: i for i, v in enumerate(self.items)}
        systems = {v: i for i, v in enumerate(self.systems)}
        return (lambda s: s.map(items).to_numpy(int)), (lambda s: s.map(systems).to_numpy(int))

    def arrays(self) -> ChoiceArrays:
        """The integer arrays of the statistics engine."""
        item, system = self._index()
        raters = {v: i for i, v in enumerate(self.raters)}
        keys = self.votes[["item", "system_a", "system_b"]].drop_duplicates()
        pair_of = {k: p for p, k in enumerate(keys.itertuples(index=False, name=None))}
        vote_pair = [pair_of[k] for k in self.votes[["item", "system_a", "system_b"]]
                     .itertuples(index=False, name=None)]
        extra = {}
        if self.pages is not None:
            extra = {"shown_rater": self.pages["rater"].map(raters).to_numpy(int),
                     "shown_item": item(self.pages["item"]),
                     "shown_system": system(self.pages["system"]),
                     "picked": self.pages["picked"].to_numpy(int)}
        return ChoiceArrays(
            len(self.items), len(self.systems), len(self.raters), item(keys["item"]),
            system(keys["system_a"]), system(keys["system_b"]), np.asarray(vote_pair, int),
            self.votes["rater"].map(raters).to_numpy(int), self.votes["outcome"].to_numpy(int),
            self.candidates, **extra)

    def data_hash(self) -> str:
        """Short content hash of the choices and the attached scores (the signature's)."""
        return short_hash(frame_hash(self.votes) + (frame_hash(self.pages) if self.pages
                                                    is not None else "") + self.scores_hash)


def _column(frame: pd.DataFrame, name: str, role: str, path: Path, flag: str) -> str:
    if name not in frame.columns:
        raise DataError(located(f"no {role} column {name!r}; the file has {list(frame.columns)}",
                                file=str(path), row=1, column=name,
                                fix=f"name the column with {flag} COLUMN."))
    return name


def _no_empty(frame: pd.DataFrame, columns: list[str], lines: list[int], path: Path) -> None:
    for column in columns:
        empty = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if empty.any():
            row = int(np.flatnonzero(empty.to_numpy())[0])
            raise DataError(located("empty value", file=str(path), row=lines[row], column=column,
                                    fix=f"fill in the {column} of every row or delete the row."))


def _ordered(frame: pd.DataFrame, first: str, second: str, outcome: np.ndarray) -> pd.DataFrame:
    """Votes with the two systems in sorted order (the outcome flipped where swapped)."""
    a, b = frame[first].astype(str), frame[second].astype(str)
    swap = (a > b).to_numpy()
    return pd.DataFrame({"item": frame["item"].astype(str).to_numpy(),
                         "system_a": np.where(swap, b, a), "system_b": np.where(swap, a, b),
                         "outcome": np.where(swap, -outcome, outcome),
                         "rater": frame["rater"].astype(str).to_numpy()})


def _no_repeated_verdict(frame: pd.DataFrame, keys: list[str], lines: list[int],
                         path: Path) -> None:
    """One verdict per rater, item and pair (in either order)."""
    a, b = frame[keys[1]].astype(str), frame[keys[2]].astype(str)
    pair = pd.DataFrame({"item": frame[keys[0]].astype(str), "low": a.where(a < b, b),
                         "high": b.where(a < b, a), "rater": frame[keys[3]].astype(str)})
    twice = pair.duplicated().to_numpy()
    if twice.any():
        row = int(np.flatnonzero(twice)[0])
        raise DataError(located(f"rater {pair['rater'].iloc[row]!r} judged the pair "
                                f"({pair['low'].iloc[row]!r}, {pair['high'].iloc[row]!r}) of item "
                                f"{pair['item'].iloc[row]!r} twice", file=str(path),
                                row=lines[row], column=keys[3],
                                fix="keep one verdict per rater, item and pair."))


def load_pairwise(path: str | Path, *, item: str = "item", system_a: str = "system_a",
                  system_b: str = "system_b", winner: str = "winner",
                  rater: str | None = "rater") -> PreferenceSet:
    """Pairwise verdicts (module docstring). ``rater=None`` or a file without the rater
    column: every row is its own rater."""
    path = Path(path)
    frame, lines = read_table(path, [c for c in (item, system_a, system_b, rater) if c])
    columns = [_column(frame, c, r, path, f) for c, r, f in (
        (item, "item", "--item"), (system_a, "first-system", "--system-a"),
        (system_b, "second-system", "--system-b"), (winner, "winner", "--winner"))]
    has_rater = rater is not None and rater in frame.columns
    _no_empty(frame, columns + ([rater] if has_rater else []), lines, path)
    verdict = frame[winner].astype(str).str.strip().str.lower()
    bad = ~verdict.isin(list(WINNERS))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(located(f"winner '{frame[winner].iloc[row]}' is not a, b or tie",
                                file=str(path), row=lines[row], column=winner,
                                fix="write a (the first system won), b (the second) or tie."))
    same = (frame[system_a].astype(str) == frame[system_b].astype(str)).to_numpy()
    if same.any():
        row = int(np.flatnonzero(same)[0])
        raise DataError(located(f"the pair compares {frame[system_a].iloc[row]!r} with itself",
                                file=str(path), row=lines[row], column=system_b,
                                fix="give two different systems or delete the row."))
    if has_rater:
        _no_repeated_verdict(frame, [item, system_a, system_b, rater], lines, path)
    canonical = frame.rename(columns={item: "item"}).assign(
        rater=frame[rater].astype(str) if has_rater else [f"row {n}" for n in lines])
    votes = _ordered(canonical, system_a, system_b, verdict.map(WINNERS).to_numpy(int))
    return _preference_set("pairwise", votes, None, path)


def _check_pages(pages: pd.DataFrame, lines: list[int], path: Path, picked: str,
                 system: str = "system") -> None:
    """0/1 picks, one row per (item, rater, system), exactly one pick per page."""
    value = pd.to_numeric(pages["picked"], errors="coerce")
    bad = ~value.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(located(f"picked is '{pages['picked'].iloc[row]}', not 0 or 1",
                                file=str(path), row=lines[row], column=picked,
                                fix="write 1 for the chosen candidate and 0 for the others."))
    twice = pages.duplicated(["item", "rater", "system"]).to_numpy()
    if twice.any():
        row = int(np.flatnonzero(twice)[0])
        raise DataError(located(f"system {pages['system'].iloc[row]!r} appears twice on rater "
                                f"{pages['rater'].iloc[row]!r}'s page of item "
                                f"{pages['item'].iloc[row]!r}", file=str(path), row=lines[row],
                                column=system, fix="keep one row per candidate on each page."))
    count = value.groupby([pages["item"], pages["rater"]]).transform("sum").to_numpy()
    wrong = count != 1
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        raise DataError(located(
            f"rater {pages['rater'].iloc[row]!r}'s page of item {pages['item'].iloc[row]!r} has "
            f"{int(count[row])} picks", file=str(path), row=lines[row], column=picked,
            fix="mark exactly one candidate per (item, rater) page with 1 (a page without a "
                "choice: delete its rows)."))


def load_best_of_n(path: str | Path, *, item: str = "item", system: str = "system",
                   rater: str = "rater", picked: str = "picked") -> PreferenceSet:
    """Best-of-N pages (module docstring)."""
    path = Path(path)
    frame, lines = read_table(path, [item, system, rater])
    columns = [_column(frame, c, r, path, f) for c, r, f in (
        (item, "item", "--item"), (system, "system", "--system"), (rater, "rater", "--rater"),
        (picked, "picked", "--picked"))]
    _no_empty(frame, columns, lines, path)
    pages = pd.DataFrame({"item": frame[item].astype(str), "system": frame[system].astype(str),
                          "rater": frame[rater].astype(str), "picked": frame[picked]})
    _check_pages(pages, lines, path, picked, system)
    pages["picked"] = pd.to_numeric(pages["picked"]).astype(int)
    winners = pages[pages["picked"] == 1][["item", "rater", "system"]]
    pairs = pages[pages["picked"] == 0].merge(winners, on=["item", "rater"],
                                              suffixes=("_loser", "_winner"))
    votes = _ordered(pairs.rename(columns={"system_winner": "winner", "system_loser": "loser"}),
                     "winner", "loser", np.ones(len(pairs), int))
    return _preference_set("best-of-n", votes, pages.reset_index(drop=True), path)


def _preference_set(fmt: str, votes: pd.DataFrame, pages: pd.DataFrame | None,
                    path: Path) -> PreferenceSet:
    systems = sorted(set(votes["system_a"]) | set(votes["system_b"])
                     | (set(pages["system"]) if pages is not None else set()))
    items = list(dict.fromkeys(pages["item"] if pages is not None else votes["item"]))
    raters = sorted(set(votes["rater"]) | (set(pages["rater"]) if pages is not None else set()))
    if not len(votes):
        raise DataError(located("no pairwise verdict in the file", file=str(path),
                                fix="give at least one pair of candidates with a choice."))
    return PreferenceSet(fmt, votes.reset_index(drop=True), items, systems, raters, pages,
                         info=DatasetInfo(name=path.stem, source=str(path),
                                          human_definition=f"{fmt} choices"))


def attach_scores(pset: PreferenceSet, frame: pd.DataFrame, metrics: dict[str, MetricInfo],
                  source: str) -> PreferenceSet:
    """The set with metric scores (columns ``item, system`` and ``metrics``) for every
    candidate; a candidate without a score (or a non-numeric score) is an error naming it."""
    table = frame.assign(item=frame["item"].astype(str), system=frame["system"].astype(str))
    twice = table.duplicated(["item", "system"]).to_numpy()
    if twice.any():
        row = int(np.flatnonzero(twice)[0])
        raise DataError(located(f"(item {table['item'].iloc[row]!r}, system "
                                f"{table['system'].iloc[row]!r}) has two rows", file=source,
                                row=row + 2, fix="keep one row of scores per (item, system)."))
    indexed = table.set_index(["item", "system"])
    cells = [(i, s) for i, s in zip(*np.nonzero(pset.candidates))]
    keys = pd.MultiIndex.from_tuples([(pset.items[i], pset.systems[s]) for i, s in cells])
    scores = np.full((len(metrics), len(pset.items), len(pset.systems)), np.nan)
    for m, (name, info) in enumerate(metrics.items()):
        values = pd.to_numeric(indexed[name].reindex(keys), errors="coerce").to_numpy(float)
        missing = ~np.isfinite(values)
        if missing.any():
            item, system = keys[int(np.flatnonzero(missing)[0])]
            raise DataError(located(
                f"no numeric {name} score for item {item!r}, system {system!r} "
                f"({int(missing.sum())} candidate(s) without one)", file=source, column=name,
                fix="score every candidate of the choices (or leave the metric out with "
                    "--metrics)."))
        oriented = values if info.higher_is_better else -values
        scores[m][tuple(np.array(cells).T)] = oriented
    pset.metrics, pset.scores = dict(metrics), scores
    pset.scores_hash = frame_hash(table[["item", "system", *metrics]])
    return pset
