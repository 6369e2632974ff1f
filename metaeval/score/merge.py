"""Several `metaeval score` tables read as one, merged on (item, system).

``correlate --scores a.csv --scores b.csv`` (Python: ``scores=["a.csv", "b.csv"]``) reads each
table with :func:`metaeval.score.files.read_scores` and merges them on (item, system): each
metric column keeps its file's metadata (direction, config signature); a metric column in two
files is an error naming both files and the metric; a pair that one file scores and another
lacks gets missing cells in the lacking file's metrics, the reason ("no row for this pair in
b.csv") in ``errors``. Those cells follow the run's missing-score policy like any failed score:
``missing="error"`` stops before any statistic with the file and the pairs, ``"drop"`` leaves
them out of those metrics' statistics and says so in a note. One file is read as it is.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metaeval.data.judgements import MetricInfo
from metaeval.errors import DataError, located
from metaeval.score.files import NOT_SCORES, read_scores

KEYS = ("item", "system")
CARRIED = ("lp",)  # neither a key nor a score: taken from the first file that has it
SHOWN = 3


@dataclass(frozen=True)
class ScoreTables:
    """The merged scores (``item``, ``system``, metric columns, ``errors``, ``details``), the
    metadata of every metric column, the file(s) they came from and what the merge did."""

    frame: pd.DataFrame
    infos: dict[str, MetricInfo]
    source: str
    notes: tuple[str, ...] = ()

    @property
    def metric_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (*NOT_SCORES, *CARRIED)]


def score_paths(scores) -> list:
    """``scores`` (None, one path, or several) as a list of paths."""
    if scores is None:
        return []
    if isinstance(scores, (str, Path)):
        return [scores]
    return list(scores)


def read_score_tables(scores, missing: str = "error",
                      judged: Collection[tuple[str, str]] | None = None) -> ScoreTables:
    """One or several score tables as one (see the module docstring). ``judged``: the
    (item, system) pairs of the judgements (as text); a pair outside them is not a missing
    score. Default: every pair of the files."""
    paths = score_paths(scores)
    if not paths:
        raise DataError("no scores file given. Fix: give the --out file of `metaeval score`.")
    if len(paths) == 1:
        frame, infos = read_scores(paths[0])
        return ScoreTables(frame, infos, str(paths[0]))
    tables = [(str(path), *read_scores(path)) for path in paths]
    _check_tables(tables)
    merged = _merged(tables)
    present = [merged.pop(f"_in{n}").fillna(False).astype(bool) for n in range(len(tables))]
    judged = None if judged is None else set(judged)
    judged_rows = pd.Series([judged is None or (i, s) in judged
                             for i, s in zip(merged["item"], merged["system"])], dtype=bool)
    notes = _lacking(tables, merged, present, judged_rows, missing)
    errors = _errors(tables, merged, present)
    details = (_details(tables, merged) if any("details" in frame.columns
                                               for _, frame, _ in tables) else None)
    merged = merged.drop(columns=[c for c in merged.columns if c.startswith(("_errors",
                                                                             "_details"))])
    merged["errors"] = errors
    if details is not None:
        merged["details"] = details
    infos = {column: info for _, _, table_infos in tables for column, info in table_infos.items()}
    return ScoreTables(merged, infos, " + ".join(path for path, _, _ in tables), tuple(notes))


def _metrics(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in (*NOT_SCORES, *CARRIED)]


def _check_tables(tables: Sequence[tuple[str, pd.DataFrame, dict]]) -> None:
    """Keys present and unique in each file; no metric column in two files."""
    owner: dict[str, str] = {}
    for path, frame, _ in tables:
        for key in KEYS:
            if key not in frame.columns:
                raise DataError(located(f"no '{key}' column", file=path, column=key,
                                        fix="give the table written by `metaeval score`."))
        repeated = frame[list(KEYS)].astype(str).duplicated()
        if repeated.any():
            item, system = frame.loc[repeated.idxmax(), list(KEYS)]
            raise DataError(located(f"duplicate (item, system) pair ({item}, {system})",
                                    file=path, fix="score each pair once."))
        for column in _metrics(frame):
            if column in owner:
                raise DataError(located(
                    f"metric {column!r} is in both {owner[column]} and {path}", file=path,
                    column=column, fix="keep one score per metric: drop or rename the column "
                                       "in one of the two files."))
            owner[column] = path


def _merged(tables: Sequence[tuple[str, pd.DataFrame, dict]]) -> pd.DataFrame:
    """Outer merge on (item, system) in first-appearance order; ``_in<n>``: file n has the pair,
    ``_errors<n>`` / ``_details<n>`` / ``_lp<n>``: its columns of that name."""
    merged = None
    for n, (_, frame, _) in enumerate(tables):
        part = frame[list(KEYS)].astype(str).reset_index(drop=True)
        part = part.assign(**{c: frame[c].to_numpy() for c in _metrics(frame)},
                           **{f"_{c}{n}": frame[c].to_numpy() for c in (*NOT_SCORES[2:], *CARRIED)
                              if c in frame.columns}, **{f"_in{n}": True})
        merged = part if merged is None else merged.merge(part, on=list(KEYS), how="outer",
                                                          sort=False)
    for column in CARRIED:
        found = [c for c in merged.columns if c.startswith(f"_{column}")]
        if found:
            merged[column] = merged[found].bfill(axis=1).iloc[:, 0]
            merged = merged.drop(columns=found)
    return merged.reset_index(drop=True)


def _lacking(tables, merged, present, judged_rows, missing) -> list[str]:
    """Refuse (``missing="error"``) or describe the judged pairs a file lacks that others have."""
    notes = []
    for n, (path, frame, _) in enumerate(tables):
        absent = ~present[n] & judged_rows
        if not absent.any():
            continue
        pairs = [f"({i}, {s})" for i, s in zip(merged["item"][absent], merged["system"][absent])]
        shown = ", ".join(pairs[:SHOWN]) + (f" and {len(pairs) - SHOWN} more"
                                            if len(pairs) > SHOWN else "")
        metrics = ", ".join(_metrics(frame))
        others = " / ".join(p for m, (p, _, _) in enumerate(tables) if m != n)
        if missing == "error":
            raise DataError(located(
                f"no row for {len(pairs)} judged (item, system) pair(s) that {others} "
                f"score(s): {shown}", file=path,
                fix=f"score those pairs into it, or pass --missing drop (Python: "
                    f"missing='drop') to leave them out of the statistics of {metrics}."))
        notes.append(f"--missing drop: {path} has no row for {len(pairs)} judged (item, "
                     f"system) pair(s) that {others} score(s) (e.g. {', '.join(pairs[:SHOWN])}); "
                     f"those cells of {metrics} are left out of its statistics.")
    return notes


def _errors(tables, merged, present) -> list[str]:
    """Each row's reasons: the files' own ``errors`` text, and each file that lacks the pair."""
    parts = []
    for n, (path, frame, _) in enumerate(tables):
        own = merged.get(f"_errors{n}", pd.Series("", index=merged.index))
        own = own.astype(object).where(own.notna(), "").astype(str)
        lacking = f"{', '.join(_metrics(frame))}: no row for this pair in {path}"
        parts.append([text if inside else lacking for text, inside in zip(own, present[n])])
    return ["; ".join(t for t in texts if t) for texts in zip(*parts)]


def _details(tables, merged) -> list[str]:
    """Each row's ``details`` (JSON {metric column: details}) of every file, as one object."""
    columns = [c for c in merged.columns if c.startswith("_details")]
    out = []
    for values in zip(*(merged[c] for c in columns)):
        combined = {}
        for text in values:
            if isinstance(text, str) and text.strip():
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    continue
                if isinstance(value, dict):
                    combined.update(value)
        out.append(json.dumps(combined, ensure_ascii=False) if combined else "")
    return out
