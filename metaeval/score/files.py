"""The table `metaeval score` writes, with each column's metric metadata, and reading it back.

Columns: ``item, system``, one float column per metric request (``sisdr``,
``sar:filter_length=512``), ``errors``, and ``details`` when a metric explained its scores
(JSON ``{metric column: details}`` per row, e.g. TIGERScore's error analysis; not a score column,
so `correlate --scores` skips it and the disagreement explorer shows it). Each metric column's
provenance (the registered metric, its config signature ``name@hash``, its config fields and
the versions of the packages that computed it, its direction) travels with the file: in
the Parquet key-value metadata (key ``metaeval``) and, for CSV, in a sidecar ``<file>.yaml`` that
is also a valid dataset card (``metrics: {column: {higher_is_better, description, config}}``), so
``metaeval correlate --scores`` puts every column's config into the result's signature.
Both files are written atomically (:func:`metaeval.io.write_atomic`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from pathlib import Path

import pandas as pd
import yaml

from metaeval.csvio import csv_text, read_back
from metaeval.data.datasets import expand
from metaeval.data.judgements import MetricInfo
from metaeval.data.readers import no_rows_check
from metaeval.data.strict import load_yaml
from metaeval.errors import DataError, ParameterError, located
from metaeval.io import check_output_file, json_safe, write_atomic
from metaeval.metrics.base import Metric
from metaeval.version import __version__

OUTPUT_TYPES = (".parquet", ".csv")
METADATA_KEY = b"metaeval"
NOT_SCORES = ("item", "system", "errors", "details")  # details: what a metric explained (JSON)


def metric_metadata(metric: Metric, loader: str = "") -> dict:
    """What a score column records about its metric: name, config signature and fields,
    direction, description (``loader``: how the audio was read, part of the options)."""
    fields = asdict(metric.config) if is_dataclass(metric.config) else {}
    options = {k: ("none" if v is None else v) for k, v in fields.items()}
    backend = getattr(metric, "backend_signature", "")
    if backend:
        options["backend"] = backend
    versions = metric.backend_versions()
    if versions:  # part of the config hash: shown with it
        options["backend_versions"] = ", ".join(f"{k} {v}" for k, v in versions.items())
    if loader:
        options["audio_loader" if not loader.startswith("text") else "text_reader"] = loader
    if metric.caveats():
        options["caveat"] = " ".join(metric.caveats())
    return {"metric": metric.name, "signature": metric.signature,
            "higher_is_better": bool(metric.higher_is_better),
            "description": metric.description, "options": json_safe(options)}


def check_output(out: str | Path) -> Path:
    """``out`` as a Path; `ParameterError` unless it ends in .parquet or .csv and can be written
    (checked before any scoring)."""
    out = Path(out)
    if out.suffix.lower() not in OUTPUT_TYPES:
        raise ParameterError("out", str(out), f"unsupported output type "
                             f"'{out.suffix or '(none)'}'. Fix: end the file name with .parquet "
                             "or .csv.")
    return check_output_file(out)


def sidecar(path: str | Path) -> Path:
    """The metadata file of a CSV score table: ``scores.csv`` -> ``scores.csv.yaml``."""
    path = Path(path)
    return path.with_name(path.name + ".yaml")


def scores_card(frame: pd.DataFrame) -> dict:
    """The metadata of a score frame (``frame.attrs["metrics"]``) as a dataset-card mapping."""
    columns = frame.attrs.get("metrics", {})
    return {"description": f"metric scores written by metaeval {__version__} score",
            "item": "item", "system": "system",
            "metrics": {column: {"higher_is_better": bool(meta["higher_is_better"]),
                                 "description": meta.get("description", ""),
                                 "config": meta["signature"],
                                 "options": dict(meta.get("options", {}))}
                        for column, meta in columns.items()}}


def write_scores(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write the scores as Parquet (metadata inside) or CSV (+ ``.yaml`` sidecar); atomic."""
    out = check_output(out)
    plain = pd.DataFrame(frame)
    plain.attrs = {}
    card = scores_card(frame)
    if out.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(plain, preserve_index=False)
        metadata = {**(table.schema.metadata or {}), METADATA_KEY: json.dumps(card).encode()}
        table = table.replace_schema_metadata(metadata)
        return write_atomic(out, lambda tmp: pq.write_table(table, tmp))
    text = csv_text(plain)
    write_atomic(sidecar(out), yaml.safe_dump(card, sort_keys=False))
    return write_atomic(out, text)


def _metadata(path: Path) -> dict:
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        raw = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
        return json.loads(raw) if raw else {}
    card = sidecar(path)
    if card.is_file():
        try:
            return load_yaml(card.read_text(encoding="utf-8"), card) or {}
        except yaml.YAMLError as error:
            raise DataError(located(f"not valid YAML: {error}", file=str(card),
                                    fix="delete it and re-run `metaeval score`.")) from error
    return {}


def metric_infos(metadata: dict) -> dict[str, MetricInfo]:
    """Column -> MetricInfo (direction, description, config signature) from the metadata."""
    return {column: MetricInfo(column, bool(meta.get("higher_is_better", True)),
                               str(meta.get("description", "")), "", str(meta.get("config", "")),
                               tuple((str(k), str(v)) for k, v in
                                     (meta.get("options") or {}).items()))
            for column, meta in (metadata.get("metrics") or {}).items()}


def read_scores(path: str | Path) -> tuple[pd.DataFrame, dict[str, MetricInfo]]:
    """A scores table (``.parquet``/``.pq`` or ``.csv``) with ``item``/``system`` as text, and
    the metadata of its metric columns (empty for a table without metadata)."""
    path = expand(path)  # metaeval:<set>/<file>
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(located("scores file not found", file=str(path),
                                fix="give the --out file of `metaeval score`."))
    if suffix not in (".parquet", ".pq", ".csv"):
        raise DataError(located(f"unsupported scores file type '{suffix or '(none)'}'",
                                file=str(path), fix="use the .parquet or .csv file written "
                                                    "by `metaeval score`."))
    try:
        if suffix == ".csv":
            frame = read_back(pd.read_csv(path, dtype={"item": str, "system": str},
                                          keep_default_na=False, na_values=[""]))
        else:
            frame = pd.read_parquet(path)
        metadata = _metadata(path)
    except DataError:
        raise
    except Exception as error:  # pyarrow / pandas raise assorted types for a bad file
        raise DataError(located(f"cannot read the scores ({type(error).__name__}: {error})",
                                file=str(path), fix="re-run `metaeval score`.")) from error
    no_rows_check(frame, path)
    infos = metric_infos(metadata)
    return frame, {c: info for c, info in infos.items() if c in frame.columns}
