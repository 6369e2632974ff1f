"""Raw listening-test ratings as one long table, read from the common layouts.

A :class:`RatingTable` holds one row per rating: ``item`` (the excerpt / signal), ``system``
(the condition), ``rater``, ``rating`` (+ optional ``group``, ``session``, ``file``). A stimulus
is an (item, system) pair. Formats read by :func:`read_ratings`:

- ``dcr`` / ``acr``: one row per trial with ``subject_rating_i`` (listener id) and ``rating_i``
  columns (the GSVS layout of github.com/pablebe/gensvs_eval; ITU-T P.808 DCR/ACR, 1..5).
  ``path=None`` reads the bundled GSVS test.
- ``mushra``: one row per stimulus with Python-list columns ``ratings`` and ``participant_ids``
  (the layout of github.com/BenjSta/bernoulli-var-speech-codec, ITU-R BS.1534, 0..100), parsed
  with :func:`ast.literal_eval`. ``path=None`` reads the bundled unfiltered file.
- ``webmushra``: the CSV export of webMUSHRA (AudioLabs, github.com/audiolabs/webMUSHRA,
  ``service/write.php``): ``session_test_id``, the configured participant fields (e.g. ``email``,
  ``age``, ``gender``; newer versions also ``session_uuid``), ``trial_id``, ``rating_stimulus``,
  ``rating_score``, ``rating_time``, ``rating_comment``. item = ``trial_id``, system =
  ``rating_stimulus``; the hidden reference is the stimulus ``reference``.
- ``long``: a CSV with one row per rating (columns named by ``item=``, ``system=``, ``rater=``,
  ``rating=``).

Every reader checks: ratings inside the scale, every rating has a known rater (non-empty id, and
in ``raters=`` when a roster is given), no stimulus without ratings (including stimuli listed in
``items=`` that nobody rated), no rater rating the same stimulus twice. Errors are
:class:`~metaeval.errors.DataError` naming file, row, column and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data.judgements import DatasetInfo
from metaeval.data.mushra import parse_list_cell
from metaeval.errors import DataError, located
from metaeval.paths import LISTENING_TESTS

KINDS = ("dcr", "acr", "mushra", "long")
FORMATS = ("dcr", "acr", "mushra", "webmushra", "long")
CORE = ["item", "system", "rater", "rating"]
OPTIONAL = ["group", "session", "file"]
DEFAULT_SCALES = {"dcr": (1.0, 5.0), "acr": (1.0, 5.0), "mushra": (0.0, 100.0),
                  "long": (None, None)}

GSVS_FILE = LISTENING_TESTS / "gensvs_eval" / "gensvs_eval_data.csv"
MUSHRA_FOLDER = LISTENING_TESTS / "bernoulli_mushra"
MUSHRA_FILE = MUSHRA_FOLDER / "ratings_formated.csv"
MUSHRA_FILTERED_FILE = MUSHRA_FOLDER / "ratings_formated_filtered.csv"

GSVS_INFO = DatasetInfo(
    name="gensvs_eval", title="Generative singing-voice separation DCR listening test",
    citation="P. A. Bereuter, B. Stahl, M. D. Plumbley, A. Sontacchi, \"Towards Reliable Objective "
             "Evaluation Metrics for Generative Singing Voice Separation Models\", WASPAA 2025, "
             "arXiv:2507.11427.",
    licence="MIT", url="https://github.com/pablebe/gensvs_eval",
    description="250 trials (50 excerpts x 5 separation models), 12 DCR ratings (1..5) each.")
MUSHRA_INFO = DatasetInfo(
    name="bernoulli_mushra", title="Neural speech codec MUSHRA test",
    citation="B. Stahl, S. Windtner, A. Sontacchi, \"A Bitrate-Scalable Variational Recurrent "
             "Mel-Spectrogram Coder for Real-Time Resynthesis-Based Speech Coding\", IEEE Access "
             "12, pp. 159239-159251, 2024, doi:10.1109/ACCESS.2024.3482359.",
    licence="CC BY 4.0 (speech: VCTK CC BY 4.0, TSP simplified BSD)",
    url="https://github.com/BenjSta/bernoulli-var-speech-codec/tree/main/mushra_results_dataset",
    description="16 speech signals x 9 conditions (7 codecs, hidden reference, anchor), "
                "MUSHRA ratings 0..100.")


@dataclass
class RatingTable:
    """Individual ratings of a listening test, one row per (item, system, rater).

    ``kind`` is one of ``dcr``, ``acr``, ``mushra``, ``long``; ``scale = (lo, hi)`` the rating
    range; ``reference`` the hidden-reference condition (MUSHRA) and ``anchors`` the anchor
    conditions, both names of ``system`` values. Construction validates the frame (columns,
    scale, raters, duplicates) and raises :class:`DataError`.
    """

    frame: pd.DataFrame
    kind: str
    scale: tuple[float, float]
    info: DatasetInfo = field(default_factory=DatasetInfo)
    reference: str | None = None
    anchors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"unknown rating kind {self.kind!r}. Fix: use one of {list(KINDS)}.")
        self.scale = (float(self.scale[0]), float(self.scale[1]))
        self.anchors = tuple(self.anchors)
        self.frame = validate_ratings(self.frame, self.scale, source=self.info.source)
        systems = set(self.frame["system"])
        for name in [self.reference, *self.anchors]:
            if name is not None and name not in systems:
                raise DataError(f"{self.info.source or 'ratings'}: condition {name!r} (reference "
                                f"or anchor) is not among the systems {sorted(systems)}. Fix: "
                                "name a condition of the test.")

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


def validate_ratings(frame: pd.DataFrame, scale: tuple[float, float], source: str | None = None,
                     rows: Sequence[int] | None = None, raters: Iterable | None = None,
                     items: Iterable | None = None) -> pd.DataFrame:
    """Check a long rating frame and return it with canonical dtypes (str ids, float ratings).

    ``rows`` gives the file line of each frame row for the messages; ``raters`` a roster of
    known rater ids; ``items`` the stimuli (item, system) or items that must have ratings.
    """
    absent = [c for c in CORE if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the table has {list(frame.columns)}",
                                file=source, column=absent[0],
                                fix="give item, system, rater and rating columns."))
    rows = None if rows is None else np.asarray(rows)
    frame = frame.reset_index(drop=True).copy()
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
                                fix="correct the rating or pass scale=(lo, hi) of the test."))
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
    if duplicated.any():
        position = int(np.flatnonzero(duplicated.to_numpy())[0])
        row = frame.iloc[position]
        raise DataError(located(f"rater {row['rater']!r} rated item {row['item']!r}, system "
                                f"{row['system']!r} more than once",
                                **_where(source, rows, position), column="rater",
                                fix="keep one rating per rater and stimulus (or give repeated "
                                    "sessions distinct rater ids)."))
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


def _read_csv(path: Path, fix: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=True)
    except (OSError, ValueError) as error:
        raise DataError(located(f"cannot read the file ({error})", file=str(path), fix=fix)) from error


def _require(frame: pd.DataFrame, columns: Sequence[str], path: Path, fix: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the file has {list(frame.columns)}",
                                file=str(path), column=absent[0], fix=fix))


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or \
        str(value).strip() == ""


def _read_dcr(path: Path, kind: str, item: str = "file_id", system: str = "model_name",
              group: str | None = "group_id", session: str | None = None) -> tuple:
    """Wide GSVS layout: rater ``subject_rating_i`` gave ``rating_i``; pairs found by index."""
    fix = "pass a file with subject_rating_i / rating_i columns (the GSVS layout)."
    frame = _read_csv(path, fix)
    _require(frame, [item, system], path, fix)
    indices = sorted(int(m.group(1)) for c in frame.columns
                     if (m := re.fullmatch(r"rating_(\d+)", c)))
    if not indices:
        raise DataError(located("no rating_i columns", file=str(path), column="rating_0", fix=fix))
    _require(frame, [f"subject_rating_{i}" for i in indices], path, fix)
    records, rows = [], []
    for position, record in enumerate(frame.to_dict("records")):
        line = position + 2
        count = 0
        for i in indices:
            rater, rating = record[f"subject_rating_{i}"], record[f"rating_{i}"]
            if _empty(rater) and _empty(rating):
                continue  # an unused slot
            if _empty(rater):
                raise DataError(located(f"unknown rater: rating {rating} has no listener id",
                                        file=str(path), row=line,
                                        column=f"subject_rating_{i}",
                                        fix="give the listener id of every rating."))
            entry = {"item": record[item], "system": record[system], "rater": rater,
                     "rating": rating}
            if group and group in record:
                entry["group"] = record[group]
            if session and session in record:
                entry["session"] = record[session]
            records.append(entry)
            rows.append(line)
            count += 1
        if count == 0:
            raise DataError(located(f"item {record[item]!r}, system {record[system]!r} has no "
                                    "ratings", file=str(path), row=line, column="rating_0",
                                    fix="remove the trial or add its ratings."))
    return pd.DataFrame.from_records(records), rows


def _read_mushra(path: Path) -> tuple:
    """List layout: one row per stimulus, ``ratings`` and ``participant_ids`` as list strings."""
    fix = "pass a file with signal, condition, ratings, participant_ids columns."
    frame = _read_csv(path, fix)
    _require(frame, ["signal", "condition", "ratings", "participant_ids"], path, fix)
    records, rows = [], []
    for position, record in enumerate(frame.to_dict("records")):
        line = position + 2
        ratings = parse_list_cell(record["ratings"], path, line, "ratings")
        raters = parse_list_cell(record["participant_ids"], path, line, "participant_ids")
        if not ratings:
            raise DataError(located(f"signal {record['signal']!r}, condition "
                                    f"{record['condition']!r} has no ratings", file=str(path),
                                    row=line, column="ratings",
                                    fix="remove the row or add its ratings."))
        if len(ratings) != len(raters):
            raise DataError(located(f"{len(ratings)} ratings but {len(raters)} participant ids "
                                    "(unknown raters)", file=str(path), row=line,
                                    column="participant_ids",
                                    fix="give one participant id per rating."))
        file = record.get("file")
        for rating, rater in zip(ratings, raters):
            records.append({"item": record["signal"], "system": record["condition"],
                            "rater": rater, "rating": rating,
                            "file": None if _empty(file) else file})
            rows.append(line)
    return pd.DataFrame.from_records(records), rows


WEBMUSHRA_FIELDS = ["session_test_id", "trial_id", "rating_stimulus", "rating_score"]
WEBMUSHRA_TAIL = {"trial_id", "rating_stimulus", "rating_score", "rating_time", "rating_comment"}


def _read_webmushra(path: Path, rater: str | None = None) -> tuple:
    """webMUSHRA ``mushra.csv``: one row per (session, trial, stimulus).

    The rater id is ``rater`` when given, else ``session_uuid`` when present, else the
    participant fields between ``session_test_id`` and ``trial_id`` joined with ``|``.
    """
    fix = ("pass webMUSHRA's results/<test>/mushra.csv (session_test_id, participant fields, "
           "trial_id, rating_stimulus, rating_score, ...).")
    frame = _read_csv(path, fix)
    _require(frame, WEBMUSHRA_FIELDS, path, fix)
    if rater is not None:
        _require(frame, [rater], path, fix)
        ids = frame[rater]
    elif "session_uuid" in frame.columns:
        ids = frame["session_uuid"]
    else:
        columns = list(frame.columns)
        fields = [c for c in columns[columns.index("session_test_id") + 1:columns.index("trial_id")]
                  if c not in WEBMUSHRA_TAIL]
        if not fields:
            raise DataError(located("no participant fields to identify raters", file=str(path),
                                    column="session_test_id",
                                    fix="pass rater=<column> naming the listener id column."))
        ids = frame[fields].fillna("").astype(str).agg("|".join, axis=1)
        ids = ids.where(ids.str.strip("|").str.strip() != "", None)
    long = pd.DataFrame({"item": frame["trial_id"], "system": frame["rating_stimulus"],
                         "rater": ids, "rating": frame["rating_score"],
                         "session": frame["session_test_id"]})
    return long, list(range(2, len(frame) + 2))


def _read_long(path: Path, item: str = "item", system: str = "system", rater: str = "rater",
               rating: str = "rating", group: str | None = None,
               session: str | None = None) -> tuple:
    fix = f"pass a CSV with one row per rating and columns {item}, {system}, {rater}, {rating}."
    frame = _read_csv(path, fix)
    _require(frame, [item, system, rater, rating], path, fix)
    long = pd.DataFrame({"item": frame[item], "system": frame[system], "rater": frame[rater],
                         "rating": frame[rating]})
    for name, column in (("group", group), ("session", session)):
        if column:
            _require(frame, [column], path, fix)
            long[name] = frame[column]
    for name in ("group", "session", "file"):
        if name in frame.columns and name not in long.columns and name not in (item, system, rater,
                                                                               rating):
            long[name] = frame[name]
    return long, list(range(2, len(frame) + 2))


def read_ratings(path: str | Path | None = None, format: str = "long", **options) -> RatingTable:
    """Read raw ratings into a validated :class:`RatingTable`.

    ``format``: ``dcr``/``acr`` (GSVS wide layout; options ``item``, ``system``, ``group``),
    ``mushra`` (list layout; option ``filtered=True`` with ``path=None`` reads the bundled
    filtered file), ``webmushra`` (option ``rater``), ``long`` (options ``item``, ``system``,
    ``rater``, ``rating``, ``group``, ``session``, ``kind``). Common options: ``scale=(lo, hi)``,
    ``raters`` (roster of known rater ids), ``items`` (stimuli that must have ratings),
    ``reference``, ``anchors``, ``info`` (:class:`DatasetInfo`).
    """
    if format not in FORMATS:
        raise DataError(f"unknown ratings format {format!r}. Fix: use one of {list(FORMATS)}.")
    scale = options.pop("scale", None)
    raters = options.pop("raters", None)
    items = options.pop("items", None)
    info = options.pop("info", None)
    reference = options.pop("reference", None)
    anchors = options.pop("anchors", None)
    if format in ("dcr", "acr"):
        kind = format
        bundled = path is None
        path = Path(path) if path is not None else GSVS_FILE
        frame, rows = _read_dcr(path, kind, **options)
        info = info or (GSVS_INFO if bundled else DatasetInfo(name=path.stem))
    elif format in ("mushra", "webmushra"):
        kind = "mushra"
        if format == "mushra":
            filtered = options.pop("filtered", False)
            bundled = path is None
            path = Path(path) if path is not None else (MUSHRA_FILTERED_FILE if filtered
                                                         else MUSHRA_FILE)
            if options:
                raise DataError(f"unknown option(s) {sorted(options)} for format 'mushra'.")
            frame, rows = _read_mushra(path)
            info = info or (MUSHRA_INFO if bundled else DatasetInfo(name=path.stem))
            reference = reference or ("Reference" if "Reference" in set(frame["system"])
                                      else None)
            if anchors is None:
                anchors = [s for s in ("Anchor",) if s in set(frame["system"])]
        else:
            if path is None:
                raise DataError("format 'webmushra' needs a path. Fix: pass the mushra.csv export.")
            path = Path(path)
            frame, rows = _read_webmushra(path, **options)
            info = info or DatasetInfo(name=path.stem)
            names = set(frame["system"].dropna().astype(str))
            reference = reference or ("reference" if "reference" in names else None)
            if anchors is None:  # webMUSHRA's example configs name anchors anchor35, anchor70
                anchors = sorted(s for s in names if s.lower().startswith("anchor"))
    else:
        if path is None:
            raise DataError("format 'long' needs a path. Fix: pass the ratings CSV.")
        path = Path(path)
        kind = options.pop("kind", "long")
        if kind not in KINDS:
            raise DataError(f"unknown rating kind {kind!r}. Fix: use one of {list(KINDS)}.")
        frame, rows = _read_long(path, **options)
        info = info or DatasetInfo(name=path.stem)
    if scale is None:
        scale = DEFAULT_SCALES[kind]
        if scale[0] is None:
            raise DataError(located("a long table needs its rating scale", file=str(path),
                                    fix="pass scale=(lo, hi), e.g. (1, 5), or kind='acr'/'dcr'/"
                                        "'mushra'."))
    if info.source == "":
        info = replace(info, source=str(path))
    frame = validate_ratings(frame, scale, source=str(path), rows=rows, raters=raters,
                             items=items)
    return RatingTable(frame=frame, kind=kind, scale=scale, info=info, reference=reference,
                       anchors=tuple(anchors or ()))
