"""`read_ratings`: raw listening-test ratings from the common layouts into a `RatingTable`.

- ``dcr`` / ``acr``: one row per trial with ``subject_rating_i`` (listener id) and ``rating_i``
  columns (the GSVS layout, read by :func:`metaeval.data.gensvs.read_wide_ratings`; ITU-T P.808
  DCR/ACR, 1..5). ``path=None`` reads the registered GSVS test (``gensvs_eval``).
- ``mushra``: one row per stimulus with Python-list columns ``ratings`` and ``participant_ids``
  (the codec study's layout, read by :func:`metaeval.data.mushra.read_list_ratings`; ITU-R
  BS.1534, 0..100). ``path=None`` reads the registered unfiltered file (``filtered=True``:
  the released filtered file) of ``bernoulli_mushra``.
- ``webmushra``: the CSV export of webMUSHRA (AudioLabs, github.com/audiolabs/webMUSHRA,
  ``service/write.php``): ``session_test_id``, the configured participant fields (e.g. ``email``,
  ``age``, ``gender``; newer versions also ``session_uuid``), ``trial_id``, ``rating_stimulus``,
  ``rating_score``, ``rating_time``, ``rating_comment``. item = ``trial_id``, system =
  ``rating_stimulus``; the hidden reference is the stimulus ``reference``.
- ``long``: a CSV with one row per rating (columns named by ``item=``, ``system=``, ``rater=``,
  ``rating=``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from metaeval.data import gensvs, mushra
from metaeval.data.judgements import DatasetInfo
from metaeval.data.readers import read_text_csv
from metaeval.errors import DataError, ParameterError, located
from metaeval.listening.ratings import (
    KINDS,
    NORMALIZATIONS,
    RatingTable,
    average_replicates,
    normalize_trials,
    validate_ratings,
)

FORMATS = ("dcr", "acr", "mushra", "webmushra", "long")
DEFAULT_SCALES = {"dcr": (1.0, 5.0), "acr": (1.0, 5.0), "mushra": (0.0, 100.0),
                  "long": (None, None)}
WEBMUSHRA_FIELDS = ["session_test_id", "trial_id", "rating_stimulus", "rating_score"]
WEBMUSHRA_TAIL = {"trial_id", "rating_stimulus", "rating_score", "rating_time", "rating_comment"}


def _require(frame: pd.DataFrame, columns: Sequence[str], path: Path, fix: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise DataError(located(f"missing column(s) {absent}; the file has {list(frame.columns)}",
                                file=str(path), column=absent[0], fix=fix))


def _webmushra_raters(frame: pd.DataFrame, path: Path, rater: str | None, fix: str) -> pd.Series:
    """``rater`` when given, else ``session_uuid``, else the participant fields joined by ``|``."""
    if rater is not None:
        _require(frame, [rater], path, fix)
        return frame[rater]
    if "session_uuid" in frame.columns:
        return frame["session_uuid"]
    columns = list(frame.columns)
    fields = [c for c in columns[columns.index("session_test_id") + 1:columns.index("trial_id")]
              if c not in WEBMUSHRA_TAIL]
    if not fields:
        raise DataError(located("no participant fields to identify raters", file=str(path),
                                column="session_test_id",
                                fix="name the listener id column (--rater COLUMN; Python: "
                                    "rater='COLUMN')."))
    ids = frame[fields].fillna("").astype(str).agg("|".join, axis=1)
    ids = ids.where(ids.str.strip("|").str.strip() != "", None)
    _merged_listeners(frame.assign(_rater=ids), path, fields)
    return ids


def _merged_listeners(frame: pd.DataFrame, path: Path, fields: list[str]) -> None:
    """Listeners told apart only by their participant fields must not share them: a repeated
    (fields, trial, stimulus) means two listeners would be merged into one rater."""
    repeated = frame.duplicated(["_rater", "trial_id", "rating_stimulus"], keep="first")
    repeated &= frame["_rater"].notna().to_numpy()
    if repeated.any():
        position = int(np.flatnonzero(repeated.to_numpy())[0])
        row = frame.iloc[position]
        raise DataError(located(
            f"listeners are identified by the participant fields {fields}, and the values "
            f"{row['_rater']!r} rate trial {row['trial_id']!r}, stimulus "
            f"{row['rating_stimulus']!r} more than once: different listeners who entered the "
            "same details would be merged into one rater", file=str(path), row=position + 2,
            column=fields[0], fix="name a column that identifies each listener (--rater "
                                  "COLUMN; Python: rater='COLUMN'), e.g. session_uuid of newer "
                                  "webMUSHRA exports."))


def _read_webmushra(path: Path, rater: str | None = None) -> tuple:
    """webMUSHRA ``mushra.csv``: one row per (session, trial, stimulus)."""
    fix = ("pass webMUSHRA's results/<test>/mushra.csv (session_test_id, participant fields, "
           "trial_id, rating_stimulus, rating_score, ...).")
    frame = read_text_csv(path, fix)
    _require(frame, WEBMUSHRA_FIELDS, path, fix)
    long = pd.DataFrame({"item": frame["trial_id"], "system": frame["rating_stimulus"],
                         "rater": _webmushra_raters(frame, path, rater, fix),
                         "rating": frame["rating_score"], "session": frame["session_test_id"]})
    return long, list(range(2, len(frame) + 2))


def _read_long(path: Path, item: str = "item", system: str = "system", rater: str = "rater",
               rating: str = "rating", group: str | None = None,
               session: str | None = None) -> tuple:
    fix = f"pass a CSV with one row per rating and columns {item}, {system}, {rater}, {rating}."
    frame = read_text_csv(path, fix)
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


def _dcr(path, options) -> dict:
    registered = path is None
    path = Path(path) if path is not None else gensvs.data_path()
    frame, rows = gensvs.read_wide_ratings(path, **options)
    return {"path": path, "frame": frame, "rows": rows,
            "info": gensvs.INFO if registered else DatasetInfo(name=path.stem)}


def _mushra(path, options) -> dict:
    filtered = options.pop("filtered", False)
    if options:
        raise DataError(f"unknown option(s) {sorted(options)} for format 'mushra'.")
    registered = path is None
    path = Path(path) if path is not None else mushra.ratings_file(filtered)
    frame, rows = mushra.read_list_ratings(path)
    systems = set(frame["system"])
    return {"path": path, "frame": frame, "rows": rows, "kind": "mushra",
            "info": mushra.INFO if registered else DatasetInfo(name=path.stem),
            "reference": mushra.REFERENCE_CONDITION if mushra.REFERENCE_CONDITION in systems
            else None,
            "anchors": [s for s in (mushra.ANCHOR_CONDITION,) if s in systems]}


def _webmushra(path, options) -> dict:
    if path is None:
        raise DataError("format 'webmushra' needs a path. Fix: pass the mushra.csv export.")
    path = Path(path)
    frame, rows = _read_webmushra(path, **options)
    names = set(frame["system"].dropna().astype(str))
    return {"path": path, "frame": frame, "rows": rows, "kind": "mushra",
            "info": DatasetInfo(name=path.stem),
            "reference": "reference" if "reference" in names else None,
            # webMUSHRA's example configs name anchors anchor35, anchor70
            "anchors": sorted(s for s in names if s.lower().startswith("anchor"))}


def _long(path, options) -> dict:
    if path is None:
        raise DataError("format 'long' needs a path. Fix: pass the ratings CSV.")
    path = Path(path)
    kind = options.pop("kind", "long")
    if kind not in KINDS:
        raise DataError(f"unknown rating kind {kind!r}. Fix: use one of {list(KINDS)}.")
    frame, rows = _read_long(path, **options)
    return {"path": path, "frame": frame, "rows": rows, "kind": kind,
            "info": DatasetInfo(name=path.stem)}


READERS = {"dcr": _dcr, "acr": _dcr, "mushra": _mushra, "webmushra": _webmushra, "long": _long}


def read_ratings(path: str | Path | None = None, format: str = "long", **options) -> RatingTable:
    """Read raw ratings into a validated :class:`RatingTable`.

    ``format``: ``dcr``/``acr`` (GSVS wide layout; options ``item``, ``system``, ``group``),
    ``mushra`` (list layout; option ``filtered=True`` with ``path=None`` reads the registered
    filtered file), ``webmushra`` (option ``rater``), ``long`` (options ``item``, ``system``,
    ``rater``, ``rating``, ``group``, ``session``, ``kind``). Common options: ``scale=(lo, hi)``,
    ``raters`` (roster of known rater ids), ``items`` (stimuli that must have ratings),
    ``reference``, ``anchors``, ``info`` (:class:`DatasetInfo`), ``replicates`` (``error``: a
    rater rating a stimulus twice is an error; ``average``: replicated trials are averaged per
    rater, their test-retest agreement recorded), ``normalize`` (``none`` or ``trial-minmax``:
    min-max within each rater's trial, before replicates are averaged). What was done is in
    ``RatingTable.preprocessing``.
    """
    if format not in FORMATS:
        raise DataError(f"unknown ratings format {format!r}. Fix: use one of {list(FORMATS)}.")
    common = {k: options.pop(k, None) for k in ("scale", "raters", "items", "info", "reference",
                                                 "anchors")}
    replicates = options.pop("replicates", "error")
    normalize = options.pop("normalize", "none")
    if normalize not in NORMALIZATIONS:
        raise ParameterError("normalize", normalize, f"use one of {', '.join(NORMALIZATIONS)}.")
    read = READERS[format](path, options)
    kind = read.get("kind", format)
    path, info = read["path"], common["info"] or read["info"]
    scale = common["scale"] or DEFAULT_SCALES[kind]
    if scale[0] is None:
        raise ParameterError("scale", None, f"{path}: a long table needs its rating scale. "
                             "Fix: pass the scale, e.g. --scale 1,5 (Python: scale=(1, 5)).")
    if info.source == "":
        info = replace(info, source=str(path))
    anchors = common["anchors"] if common["anchors"] is not None else read.get("anchors", ())
    frame = validate_ratings(read["frame"], scale, source=str(path), rows=read["rows"],
                             raters=common["raters"], items=common["items"],
                             replicates=replicates)
    frame, preprocessing = _preprocess(frame, scale, replicates, normalize)
    return RatingTable(frame=frame, kind=kind, scale=scale, info=info,
                       reference=common["reference"] or read.get("reference"),
                       anchors=tuple(anchors or ()), preprocessing=preprocessing)


def _preprocess(frame: pd.DataFrame, scale, replicates: str, normalize: str) -> tuple:
    """Trial normalisation (first), then replicate averaging; returns (frame, record)."""
    record: dict = {"replicates": replicates, "normalize": normalize}
    if normalize == "trial-minmax":
        frame, info = normalize_trials(frame, scale)
        record.update(info)
    if replicates == "average":
        frame, info = average_replicates(frame)
        record.update(info)
    return frame, record
