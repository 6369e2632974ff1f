"""Dataset cards: a small YAML file that maps a table's columns to metaeval's roles.

A card sits next to the data file (``ratings.csv.yaml`` or ``ratings.csv.yml`` for
``ratings.csv``), or is the folder's ``metaeval.yaml``, or is named explicitly. Example::

    name: my_test
    title: My listening test
    citation: "A. Author, Title, Venue 2025."
    licence: CC-BY-4.0
    url: https://example.org/data
    description: MUSHRA ratings of 5 codecs on 20 items.
    item: file_id
    system: model_name
    human: DMOS             # or a list; the first is the default gold score
    rater: listener         # optional: one row per rating
    groups: [model_type]
    image: image_path       # optional: the column of image paths (thumbnails in the report)
    metrics:                # a list of names, or a mapping name -> details
      sisdr: {description: "scale-invariant SDR (dB)"}
      fad: {higher_is_better: false, citation: "Kilgour et al. 2019"}
      sar: {config: "sar@8ce8fdbb984a", options: {filter_length: 512}}  # as metaeval score writes
    lower_is_better: [mrstft]
    missing: error          # or drop
    display_names:          # short labels shown in every report (results.csv/json keep both)
      sisdr: SI-SDR

A metric's label may also be given as ``display_name`` in its details. Labels must be unique.

Every key is optional; unknown keys are an error naming the card and the key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from metaeval.data.judgements import DatasetInfo, MetricInfo
from metaeval.data.readers import FORMATS
from metaeval.data.strict import load_yaml
from metaeval.data.validate import visible_form
from metaeval.errors import DataError, located

INFO_KEYS = ("name", "title", "citation", "licence", "url", "description")
MAPPING_KEYS = ("item", "system", "human", "rater", "groups", "metrics", "lower_is_better",
                "missing", "display_names", "image")
CARD_KEYS = INFO_KEYS + MAPPING_KEYS
METRIC_KEYS = ("description", "citation", "higher_is_better", "direction", "config", "options",
               "display_name")
FOLDER_CARD = "metaeval.yaml"


@dataclass
class DatasetCard:
    """Column mapping and provenance read from a card file."""

    path: Path
    item: str | None = None
    system: str | None = None
    human: list[str] | None = None
    rater: str | None = None
    groups: list[str] | None = None
    metrics: dict[str, MetricInfo] | None = None  # None: every numeric column
    lower_is_better: list[str] = field(default_factory=list)
    missing: str | None = None
    info: dict[str, str] = field(default_factory=dict)
    display_names: dict[str, str] = field(default_factory=dict)  # column -> short label
    image: str | None = None  # the column of image paths

    def dataset_info(self, source: str = "") -> DatasetInfo:
        return DatasetInfo(**self.info, source=source)


def find_card(data_path: str | Path) -> Path | None:
    """The card of a data file: ``<file>.yaml``, ``<file>.yml`` or the folder's ``metaeval.yaml``."""
    data_path = Path(data_path)
    for candidate in (data_path.with_name(data_path.name + ".yaml"),
                      data_path.with_name(data_path.name + ".yml"),
                      data_path.with_name(FOLDER_CARD)):
        if candidate.is_file():
            return candidate
    return None


def _fail(card: Path, message: str, key: str | None = None, fix: str | None = None) -> DataError:
    return DataError(located(message + (f" (key '{key}')" if key else ""), file=str(card), fix=fix))


def _unknown_key(card: Path, key: str, allowed: tuple[str, ...], where: str = "") -> DataError:
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return _fail(card, f"unknown key '{key}'{where}", fix=f"{hint}allowed keys: {', '.join(allowed)}.")


def _string(card: Path, key: str, value) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _fail(card, f"expected a text value, got {type(value).__name__}", key,
                    fix="write a single column name or text.")
    return str(value)


def _string_list(card: Path, key: str, value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise _fail(card, f"expected a name or a list of names, got {type(value).__name__}", key,
                    fix="write e.g. [a, b].")
    return [_string(card, key, v) for v in value]


def _metrics(card: Path, value) -> dict[str, MetricInfo]:
    if isinstance(value, (str, list)):
        return {name: MetricInfo(name) for name in _string_list(card, "metrics", value)}
    if not isinstance(value, dict):
        raise _fail(card, "expected a list of metric names or a mapping name -> details", "metrics")
    metrics = {}
    for name, details in value.items():
        name = str(name)
        details = details or {}
        if isinstance(details, str):
            details = {"description": details}
        if not isinstance(details, dict):
            raise _fail(card, f"details of metric '{name}' must be a mapping", "metrics")
        for key in details:
            if key not in METRIC_KEYS:
                raise _unknown_key(card, key, METRIC_KEYS, where=f" in metric '{name}'")
        higher = details.get("higher_is_better", True)
        if "direction" in details:
            direction = str(details["direction"]).lower()
            if direction not in ("higher", "lower"):
                raise _fail(card, f"direction of metric '{name}' must be 'higher' or 'lower'",
                            "metrics")
            higher = direction == "higher"
        if not isinstance(higher, bool):
            raise _fail(card, f"higher_is_better of metric '{name}' must be true or false",
                        "metrics")
        options = details.get("options") or {}
        if not isinstance(options, dict):
            raise _fail(card, f"options of metric '{name}' must be a mapping field -> value",
                        "metrics")
        metrics[name] = MetricInfo(name, higher_is_better=higher,
                                   description=str(details.get("description", "")),
                                   citation=str(details.get("citation", "")),
                                   config=str(details.get("config", "")),
                                   options=tuple((str(k), str(v)) for k, v in options.items()),
                                   label=_label(card, name, details.get("display_name", "")))
    return metrics


def _label(card: Path, name: str, value) -> str:
    label = " ".join(_string(card, "display_names", value).split()) if value != "" else ""
    if value != "" and not label:
        raise _fail(card, f"the display name of '{name}' is empty", "display_names",
                    fix="write a short label, or leave the metric out.")
    return label


def display_names(card: Path, raw, metrics: dict[str, MetricInfo] | None) -> dict[str, str]:
    """Column -> label from ``display_names`` and the metrics' ``display_name``; unique labels."""
    if raw is not None and not isinstance(raw, dict):
        raise _fail(card, "expected a mapping column -> label", "display_names",
                    fix="write e.g. {emb_mse_mert_df: M-L12 MSE}.")
    names = {str(k): _label(card, str(k), v) for k, v in (raw or {}).items()}
    for name, info in (metrics or {}).items():
        if info.label and names.setdefault(name, info.label) != info.label:
            raise _fail(card, f"metric '{name}' has two display names ('{names[name]}' and "
                              f"'{info.label}')", "display_names", fix="keep one of them.")
    seen: dict[str, str] = {}
    for name, label in names.items():  # labels that only look the same count as the same
        if seen.setdefault(visible_form(label), name) != name:
            raise _fail(card, f"the display name {label!r} is given to both "
                              f"'{seen[visible_form(label)]}' and '{name}'", "display_names",
                        fix="give every metric its own label (reports would be ambiguous).")
    return names


def read_card(path: str | Path) -> DatasetCard:
    """Read and validate a card file."""
    path = Path(path)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"), path)
    except OSError as exc:
        raise DataError(located(f"cannot read the dataset card ({exc.strerror or exc})",
                                file=str(path), fix="check the path given as card=.")) from exc
    except yaml.YAMLError as exc:
        raise DataError(located(f"not valid YAML: {exc}", file=str(path),
                                fix="fix the YAML syntax.")) from exc
    raw = raw or {}
    if not isinstance(raw, dict):
        raise _fail(path, "a dataset card must be a mapping of keys to values",
                    fix=f"use the keys {', '.join(CARD_KEYS)}.")
    for key in raw:
        if key not in CARD_KEYS:
            raise _unknown_key(path, key, CARD_KEYS)
    card = DatasetCard(path=path)
    for key in ("item", "system", "rater", "image"):
        if raw.get(key) is not None:
            setattr(card, key, _string(path, key, raw[key]))
    if raw.get("human") is not None:
        card.human = _string_list(path, "human", raw["human"])
    if raw.get("groups") is not None:
        card.groups = _string_list(path, "groups", raw["groups"])
    if raw.get("metrics") is not None:
        card.metrics = _metrics(path, raw["metrics"])
    if raw.get("lower_is_better") is not None:
        card.lower_is_better = _string_list(path, "lower_is_better", raw["lower_is_better"])
    if raw.get("missing") is not None:
        card.missing = _string(path, "missing", raw["missing"])
        if card.missing not in ("error", "drop"):
            raise _fail(path, f"missing must be 'error' or 'drop', not '{card.missing}'", "missing")
    card.info = {k: _string(path, k, raw[k]) for k in INFO_KEYS if raw.get(k) is not None}
    card.display_names = display_names(path, raw.get("display_names"), card.metrics)
    return card


def carded_tables(folder: str | Path) -> list[Path]:
    """The judgement tables of ``folder`` that have a card (:func:`find_card`), sorted by name:
    every CSV/TSV/JSONL/Parquet file except the cards themselves; `DataError` when there is
    none."""
    folder = Path(folder)
    tables = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FORMATS
                    and not p.name.startswith(".") and find_card(p) is not None)
    if not tables:
        raise DataError(located("no judgement table with a card in this folder", file=str(folder),
                                fix="put the tables (CSV, TSV, JSONL, Parquet) there with a card "
                                    "each (<table>.yaml) or a folder card metaeval.yaml, or give "
                                    "the files with --data A --data B."))
    return tables
