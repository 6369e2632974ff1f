"""Raw listening-test ratings as one long table, validated.

A :class:`RatingTable` holds one row per rating: ``item`` (the excerpt / signal), ``system``
(the condition), ``rater``, ``rating`` (+ optional ``group``, ``session``, ``file``). A stimulus
is an (item, system) pair. The layouts (DCR/ACR, MUSHRA, webMUSHRA, long) are read by
:func:`metaeval.listening.formats.read_ratings`.

Every reader checks: ratings inside the scale, every rating has a known rater (non-empty id, and
in ``raters=`` when a roster is given), no stimulus without ratings (including stimuli listed in
``items=`` that nobody rated), no rater rating the same stimulus twice unless replicated trials
are asked for (``replicates="average"``: :func:`average_replicates` averages them per rater and
measures their test-retest agreement). :func:`normalize_trials` rescales each rater's trial
min-max to the scale. Errors are :class:`~metaeval.errors.DataError` naming file, row, column and
the fix (with the command-line flag and the Python parameter).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from metaeval.data.judgements import DatasetInfo
from metaeval.errors import DataError, ParameterError, located
from metaeval.stats.coefficients import pearson

KINDS = ("dcr", "acr", "mushra", "long")
REPLICATES = ("error", "average")
NORMALIZATIONS = ("none", "trial-minmax")
CORE = ["item", "system", "rater", "rating"]
OPTIONAL = ["group", "session", "file"]

@dataclass
class RatingTable:
    """Individual ratings of a listening test, one row per (item, system, rater).

    ``kind`` is one of ``dcr``, ``acr``, ``mushra``, ``long``; ``scale = (lo, hi)`` the rating
    range; ``reference`` the hidden-reference condition (MUSHRA) and ``anchors`` the anchor
    conditions, both names of ``system`` values; ``preprocessing`` records what was done to the
    ratings as read (replicate averaging, trial normalisation) with its counts. Construction validates the frame (columns,
    scale, raters, duplicates) and raises :class:`DataError`.
    """

    frame: pd.DataFrame
    kind: str
    scale: tuple[float, float]
    info: DatasetInfo = field(default_factory=DatasetInfo)
    reference: str | None = None
    anchors: tuple[str, ...] = ()
    preprocessing: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"unknown rating kind {self.kind!r}. Fix: use one of {list(KINDS)}.")
        self.scale = (float(self.scale[0]), float(self.scale[1]))
        self.anchors = tuple(self.anchors)
        self.frame = validate_ratings(self.frame, self.scale, source=self.info.source)
        systems = set(self.frame["system"])
        for parameter, names in (("reference", [self.reference]), ("anchors", self.anchors)):
            for name in names:
                if name is not None and name not in systems:
                    raise ParameterError(parameter, name, f"not among the conditions of "
                                         f"{self.info.source or 'the ratings'} "
                                         f"({', '.join(sorted(systems))}). Fix: name a "
                                         "condition of the test.")

    @property
    def raters(self) -> list[str]:
        return sorted(self.frame["rater"].unique())

    @property
    def systems(self) -> list[str]:
        return sorted(self.frame["system"].unique())

    @property
    def items(self) -> list[str]:
        return sorted(self.frame["item"].unique())

    def matrix(self) -> pd.DataFrame:
        """Stimuli x raters: rows (item, system), columns raters, NaN where a rater did not rate."""
        return self.frame.pivot(index=["item", "system"], columns="rater", values="rating")

    def stimulus_means(self) -> pd.Series:
        """Mean rating per (item, system): the MOS / DMOS / mean MUSHRA score."""
        return self.frame.groupby(["item", "system"], sort=True)["rating"].mean()

    def with_frame(self, frame: pd.DataFrame, **changes) -> RatingTable:
        """A copy with another frame (validated again) and optional field changes."""
        return replace(self, frame=frame.reset_index(drop=True), **changes)


def _where(source: str | None, rows: np.ndarray | None, position: int) -> dict:
    row = int(rows[position]) if rows is not None else None
    return {"file": source or None, "row": row}


def _canonical_ids(frame: pd.DataFrame, source, rows) -> None:
    """Item, system and rater ids as text; an empty id is a `DataError`."""
    for column in ("item", "system", "rater"):
        values = frame[column]
        empty = values.isna() | (values.astype(str).str.strip() == "")
        if empty.any():
            position = int(np.flatnonzero(empty.to_numpy())[0])
            what = "unknown rater (empty rater id)" if column == "rater" else f"empty {column}"
            raise DataError(located(f"{what} for {int(empty.sum())} rating(s)",
                                    **_where(source, rows, position), column=column,
                                    fix=f"give every rating its {column}."))
        frame[column] = values.map(_id_text).astype(str)


def _numeric_ratings(frame: pd.DataFrame, scale: tuple[float, float], source, rows) -> None:
    """Ratings as floats inside the scale; a missing, non-numeric or outside value is an error."""
    numeric = pd.to_numeric(frame["rating"], errors="coerce")
    bad = numeric.isna() | ~np.isfinite(numeric.fillna(0.0).to_numpy(dtype=float))
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(located(f"missing or non-numeric rating {frame['rating'].iloc[position]!r}"
                                f" (item {frame['item'].iloc[position]!r}, system "
                                f"{frame['system'].iloc[position]!r}, rater "
                                f"{frame['rater'].iloc[position]!r})",
                                **_where(source, rows, position), column="rating",
                                fix="give a number or remove the rating."))
    frame["rating"] = numeric.astype(float)
    lo, hi = scale
    outside = (frame["rating"] < lo) | (frame["rating"] > hi)
    if outside.any():
        position = int(np.flatnonzero(outside.to_numpy())[0])
        raise DataError(located(f"rating {frame['rating'].iloc[position]:g} outside the scale "
                                f"{lo:g}..{hi:g} ({int(outside.sum())} rating(s) outside)",
                                **_where(source, rows, position), column="rating",
                                fix="correct the rating or give the test's scale "
                                    "(--scale lo,hi; Python: scale=(lo, hi))."))


def _check_raters(frame: pd.DataFrame, raters: Iterable | None, source, rows,
                  replicates: str = "error") -> None:
    """Raters in the roster (when given); no rater rates a stimulus twice (unless replicated
    trials are to be averaged)."""
    if raters is not None:
        known = {_id_text(r) for r in raters}
        unknown = ~frame["rater"].isin(known)
        if unknown.any():
            position = int(np.flatnonzero(unknown.to_numpy())[0])
            names = sorted(frame.loc[unknown, "rater"].unique())
            raise DataError(located(f"unknown rater(s) {names} (not in the rater list)",
                                    **_where(source, rows, position), column="rater",
                                    fix="add them to the rater list or correct the ids."))
    duplicated = frame.duplicated(["item", "system", "rater"], keep="first")
    if duplicated.any() and replicates == "error":
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        row = frame.iloc[position]
        raise DataError(located(f"rater {row['rater']!r} rated item {row['item']!r}, system "
                                f"{row['system']!r} more than once",
                                **_where(source, rows, position), column="rater",
                                fix="for replicated trials average them per rater "
                                    "(--replicates average; Python: replicates='average'), or "
                                    "give repeated sessions distinct rater ids."))


def validate_ratings(frame: pd.DataFrame, scale: tuple[float, float], source: str | None = None,
                     rows: Sequence[int] | None = None, raters: Iterable | None = None,
                     items: Iterable | None = None, replicates: str = "error") -> pd.DataFrame:
    """Check a long rating frame and return it with canonical dtypes (str ids, float ratings).

    ``rows`` gives the file line of each frame row for the messages; ``raters`` a roster of
    known rater ids; ``items`` the stimuli (item, system) or items that must have ratings;
    ``replicates="average"`` lets a rater rate a stimulus more than once.
    """
    if replicates not in REPLICATES:
        raise ParameterError("replicates", replicates, f"use one of {', '.join(REPLICATES)}.")
    absent = [c for c in CORE if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the table has {list(frame.columns)}",
                                file=source, column=absent[0],
                                fix="give item, system, rater and rating columns."))
    rows = None if rows is None else np.asarray(rows)
    frame = frame.reset_index(drop=True).copy()
    _canonical_ids(frame, source, rows)
    _numeric_ratings(frame, scale, source, rows)
    _check_raters(frame, raters, source, rows, replicates)
    if items is not None:
        _check_items(frame, items, source)
    if frame.empty:
        raise DataError(located("no ratings", file=source, fix="pass a file with ratings."))
    return frame


def _check_items(frame: pd.DataFrame, items: Iterable, source: str | None) -> None:
    """Every listed item (or (item, system) stimulus) must have at least one rating."""
    items = list(items)
    pairs = set(zip(frame["item"], frame["system"]))
    rated_items = set(frame["item"])
    missing = []
    for entry in items:
        if isinstance(entry, tuple):
            key = (_id_text(entry[0]), _id_text(entry[1]))
            if key not in pairs:
                missing.append(key)
        elif _id_text(entry) not in rated_items:
            missing.append(_id_text(entry))
    if missing:
        raise DataError(located(f"{len(missing)} item(s) without ratings: {missing[:10]}",
                                file=source, column="item",
                                fix="collect ratings for them or drop them from the item list."))


def _id_text(value: object) -> str:
    """Ids as text; integral floats (1.0 from a CSV with gaps) become '1'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def replicate_index(frame: pd.DataFrame) -> pd.Series:
    """0 for a rater's first rating of a stimulus, 1 for the repeat, ... (file order)."""
    return frame.groupby(["item", "system", "rater"], sort=False).cumcount()


def normalize_trials(frame: pd.DataFrame, scale: tuple[float, float]) -> tuple[pd.DataFrame, dict]:
    """Min-max normalisation within each trial (rater x item x repetition), as often in MUSHRA
    analyses: ``x' = lo + (x - min) / (max - min) (hi - lo)``; a trial whose ratings are all
    equal cannot be rescaled and is kept as rated (counted in ``constant_trials``)."""
    lo, hi = scale
    trial = [frame["rater"], frame["item"], replicate_index(frame)]
    grouped = frame.groupby(trial, sort=False)["rating"]
    low, high = grouped.transform("min"), grouped.transform("max")
    spread = high - low
    rescaled = lo + (frame["rating"] - low) / spread.where(spread > 0) * (hi - lo)
    out = frame.copy()
    out["rating"] = rescaled.where(spread > 0, frame["rating"]).astype(float)
    constant = int((grouped.max() == grouped.min()).sum())
    return out, {"normalize": "trial-minmax", "trials": int(grouped.ngroups),
                 "constant_trials": constant}


def average_replicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """One rating per (item, system, rater): the mean of a rater's replicated ratings.

    Returns the frame and the test-retest record: ``replicated`` (stimulus-rater pairs rated
    more than once), ``repeat_r`` (Pearson r of the first against the second rating over those
    pairs; NaN for fewer than 3 pairs or constant ratings), ``repeat_mad`` (mean absolute
    difference of the first two ratings).
    """
    keys = ["item", "system", "rater"]
    occurrence = replicate_index(frame)
    first = frame[occurrence == 0].set_index(keys)["rating"]
    second = frame[occurrence == 1].set_index(keys)["rating"]
    pairs = pd.concat([first.rename("a"), second.rename("b")], axis=1, join="inner")
    a, b = pairs["a"].to_numpy(float), pairs["b"].to_numpy(float)
    r = float(pearson(a, b)) if len(pairs) >= 3 else float("nan")  # NaN when constant
    extra = {c: "first" for c in frame.columns if c not in keys + ["rating"]}
    averaged = frame.groupby(keys, sort=False, as_index=False).agg(rating=("rating", "mean"),
                                                                   **{c: (c, f) for c, f in
                                                                      extra.items()})
    return averaged[list(frame.columns)], {
        "replicates": "average", "replicated": int(len(pairs)),
        "ratings_before": int(len(frame)), "repeat_r": r,
        "repeat_mad": float(np.abs(a - b).mean()) if len(pairs) else float("nan")}


def refuse_vote_ratings(table: RatingTable) -> None:
    """Refuse to summarise 0/1 choices as ratings: on a 0..1 scale with every rating 0 or 1, a
    mean rating is a vote share whose t interval can leave [0, 1] (SiSEC 2018's best-of-6 read
    with ``--scale 0,1`` gave STL1 [-0.004, 0.031]); the choice summary gives exact intervals."""
    values = table.frame["rating"].to_numpy(dtype=float)
    if tuple(table.scale) != (0.0, 1.0) or not np.isin(values, (0.0, 1.0)).all():
        return
    raise ParameterError("scale", "0,1", f"{table.info.source or table.info.name}, column "
                         "'rating': every rating is 0 or 1, i.e. choices; a mean rating of "
                         "votes is a vote share, not a score (its t interval can fall below "
                         "0).", "summarise them with --format best-of-n (one pick per listener "
                         "and item; or --format pairwise), which gives vote shares with exact "
                         "binomial intervals (Python: compute_choice_summary(read_choices(path,"
                         " 'best-of-n'))).")
