"""Challenge sets of contrastive pairs: read ACES TSV / JSON lines / JSON, or a registered set.

Fields (ACES layout): ``source``, ``good-translation``, ``incorrect-translation``,
``reference``, ``phenomena``, ``langpair`` (WMT DARR relative-ranking pairs have the same shape:
the better and the worse translation of one source); optional ``id``, ``category`` (else the
ACES category of the phenomenon, or ``other``) and for SPAN-ACES
``incorrect-translation-annotated`` (error spans in ``<v>...</v>``). Image-caption sets
(``image, good-caption, bad-caption, phenomenon``) are read by
:mod:`metaeval.challenge.image_sets`. A ``.json`` file is either
a list of records or ACES' ``{id: record}`` mapping. Errors name the file, the row and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metaeval.challenge.aces import category_of
from metaeval.challenge.image_sets import image_pairs, is_image_set
from metaeval.data.datasets import expand, resolve_file
from metaeval.data.readers import read_table
from metaeval.data.registry import dataset
from metaeval.data.strict import load_json
from metaeval.errors import DataError, located

FIELDS = ("source", "good-translation", "incorrect-translation", "reference", "phenomena",
          "langpair")
# challenge-set name -> (registered data set, file): built from the registry at first use
REGISTERED = {"ted-mqm-pairs": ("ted_mqm_pairs", "pairs.jsonl")}


def registered_path(name: str) -> Path:
    """The file of a registered challenge set (built or found through the registry)."""
    return resolve_file(*REGISTERED[name])
ANNOTATED = "incorrect-translation-annotated"


@dataclass
class ChallengeSet:
    """Contrastive pairs: ``pairs`` has id, source, good, bad, reference, phenomenon, category,
    langpair (``annotated`` for SPAN-ACES; ``image`` and ``references`` for image sets);
    ``name`` and ``source_file`` for the reports."""

    pairs: pd.DataFrame
    name: str
    source_file: str = ""
    domain: str = "text"  # "image": image-caption pairs (image, good/bad caption)
    citation: str = ""  # registered sets: the source's citation and licence, shown in reports
    licence: str = ""

    @property
    def has_spans(self) -> bool:
        return "annotated" in self.pairs.columns and self.pairs["annotated"].notna().any()


def _records(path: Path) -> tuple[pd.DataFrame, list[int]]:
    if path.suffix.lower() != ".json":
        return read_table(path, ("id",))
    try:
        raw = load_json(path.read_text(encoding="utf-8"), path, outer="id")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(located(f"cannot read the challenge set ({error})", file=str(path),
                                fix="give ACES JSON ({id: record}), JSON lines or a TSV.")) from error
    if isinstance(raw, dict):
        raw = [{"id": key, **value} for key, value in raw.items()]
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise DataError(located("expected a list of records or an {id: record} mapping",
                                file=str(path), fix="write the ACES layout."))
    return pd.DataFrame(raw), list(range(1, len(raw) + 1))


SUMMARY_NAMES = ("ACES-Score", "mean tau", "all pairs")


def _check_categories(category: pd.Series, lines: list[int], path: Path) -> None:
    """A category may not take the name of a summary row of the results table."""
    clash = category.isin(SUMMARY_NAMES).to_numpy()
    if clash.any():
        row = int(clash.nonzero()[0][0])
        raise DataError(located(f"category {category.iloc[row]!r} is the name of a summary row",
                                file=str(path), row=lines[row], column="category",
                                fix="rename the category."))


def _ids(frame: pd.DataFrame, lines: list[int], path: Path) -> pd.Series:
    ids = frame["id"].astype(str) if "id" in frame.columns else pd.Series(
        [str(i) for i in range(len(frame))])
    duplicated = ids.duplicated()
    if duplicated.any():
        row = lines[int(duplicated.to_numpy().nonzero()[0][0])]
        raise DataError(located(f"duplicate id {ids[duplicated].iloc[0]!r}", file=str(path),
                                row=row, column="id", fix="give every pair its own id."))
    return ids


def _text_pairs(frame: pd.DataFrame, lines: list[int], path: Path) -> pd.DataFrame:
    """The pairs of an ACES-layout set (without ids)."""
    absent = [f for f in FIELDS if f not in frame.columns]
    if absent:
        raise DataError(located(f"missing field(s) {absent}; found {list(frame.columns)}",
                                file=str(path), fix="give the ACES fields " + ", ".join(FIELDS)
                                + " (or for images: image, good-caption, bad-caption, "
                                  "phenomenon)."))
    for field in FIELDS:
        text = frame[field].fillna("").astype(str)
        empty = text.str.strip() == ""
        if field != "reference" and empty.any():
            row = lines[int(empty.to_numpy().nonzero()[0][0])]
            raise DataError(located(f"empty {field}", file=str(path), row=row, column=field,
                                    fix="every pair needs both translations, its phenomenon and "
                                        "language pair."))
    phenomena = frame["phenomena"].astype(str)
    category = (frame["category"].fillna("").astype(str) if "category" in frame.columns
                else pd.Series([""] * len(frame)))
    pairs = pd.DataFrame({
        "source": frame["source"].astype(str).to_numpy(),
        "good": frame["good-translation"].astype(str).to_numpy(),
        "bad": frame["incorrect-translation"].astype(str).to_numpy(),
        "reference": frame["reference"].fillna("").astype(str).to_numpy(),
        "phenomenon": phenomena.to_numpy(),
        "category": [c or category_of(p) for c, p in zip(category, phenomena)],
        "langpair": frame["langpair"].astype(str).to_numpy()})
    if ANNOTATED in frame.columns:
        pairs["annotated"] = frame[ANNOTATED].to_numpy()
    return pairs


def read_challenge_set(path_or_name: str | Path) -> ChallengeSet:
    """A challenge set from a file or a registered name (``ted-mqm-pairs``): ACES-layout
    translation pairs, or image-caption pairs (:mod:`metaeval.challenge.image_sets`)."""
    name = str(path_or_name)
    path = registered_path(name) if name in REGISTERED else expand(path_or_name)
    frame, lines = _records(path)
    domain = "image" if is_image_set(frame.columns) else "text"
    pairs = (image_pairs if domain == "image" else _text_pairs)(frame, lines, path)
    _check_categories(pd.Series(pairs["category"]), lines, path)
    pairs.insert(0, "id", _ids(frame, lines, path).to_numpy())
    if name in REGISTERED:
        entry = dataset(REGISTERED[name][0])
        return ChallengeSet(pairs=pairs, name=name, source_file=str(path), domain=domain,
                            citation=entry.citation, licence=entry.licence)
    return ChallengeSet(pairs=pairs, name=path.stem, source_file=str(path), domain=domain)
