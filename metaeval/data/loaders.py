"""Read a judgement table from CSV, TSV, JSON lines or Parquet into a `JudgementSet`.

The format comes from the file extension (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``,
``.parquet``/``.pq``). The column mapping comes from the arguments, else from the dataset card
next to the file (see :mod:`metaeval.data.cards`); arguments override the card. Every error names
the file, the line (header = line 1; JSON lines count from 1; Parquet rows count from 1 after a
notional header, like a CSV export of it), the column and the fix.

Joining metric scores onto the table (``metaeval correlate --scores``) happens above this layer
(:mod:`metaeval.correlation.inputs`), which passes the joined frame in as ``table=``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metaeval.data.cards import DatasetCard, find_card, read_card
from metaeval.data.columns import is_mostly_numeric
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.data.validate import check_rows
from metaeval.errors import DataError, located

DELIMITED = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSON_LINES = (".jsonl", ".ndjson")
PARQUET = (".parquet", ".pq")
FORMATS = tuple(DELIMITED) + JSON_LINES + PARQUET


def _not_utf8(path: Path, error: UnicodeDecodeError) -> DataError:
    """A decoding error as the file line and byte it happened at (decoded again as a whole, so
    that the position is the file's, not a read buffer's)."""
    data = path.read_bytes()
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        data[bom:].decode("utf-8")
        position = error.start
    except UnicodeDecodeError as whole:
        position = whole.start + bom
    line = data[:position].count(b"\n") + 1
    return DataError(located(f"not UTF-8 text (byte 0x{data[position]:02x} at byte {position})",
                             file=str(path), row=line,
                             fix="save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)."))


def _unreadable(path: Path, reason: str) -> DataError:
    return DataError(located(f"cannot read the file ({reason})", file=str(path),
                             fix="check the path and that the file is a readable "
                                 f"{'/'.join(FORMATS)} table."))


def _read_delimited(path: Path, sep: str) -> tuple[pd.DataFrame, list[int]]:
    """Parse once with :mod:`csv` for line numbers and ragged rows, then with pandas for types."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, delimiter=sep)
            header = next(reader, None)
            if header is None:
                raise DataError(located("the file is empty", file=str(path),
                                        fix="write a header line and one row per judgement."))
            lines, previous = [], reader.line_num
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record:
                    continue
                if len(record) != len(header):
                    raise DataError(located(
                        f"this line has {len(record)} field(s), the header has {len(header)}",
                        file=str(path), row=start,
                        column=header[min(len(record), len(header)) - 1] if header else None,
                        fix=f"give every line exactly {len(header)} '{sep}'-separated fields; "
                            "quote fields that contain the separator."))
                lines.append(start)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc
    except (OSError, csv.Error) as exc:
        raise _unreadable(path, str(exc)) from exc
    try:
        frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig")
    except (ValueError, OSError) as exc:
        raise _unreadable(path, str(exc)) from exc
    if len(frame) != len(lines):  # pandas and csv disagree on some odd quoting: fall back
        lines = [i + 2 for i in range(len(frame))]
    return frame, lines


def _read_json_lines(path: Path) -> tuple[pd.DataFrame, list[int]]:
    records, lines = [], []
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise DataError(located(f"not valid JSON ({exc.msg})", file=str(path),
                                            row=number, fix="write one JSON object per line.")
                                    ) from exc
                if not isinstance(record, dict):
                    raise DataError(located(f"expected a JSON object, got {type(record).__name__}",
                                            file=str(path), row=number,
                                            fix="write one JSON object per line."))
                records.append(record)
                lines.append(number)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from exc
    except OSError as exc:
        raise _unreadable(path, str(exc)) from exc
    if not records:
        raise DataError(located("the file has no records", file=str(path),
                                fix="write one JSON object per line."))
    return pd.DataFrame.from_records(records), lines


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise _unreadable(path, f"{type(exc).__name__}: {exc}") from exc
    return frame.reset_index(drop=True), [i + 2 for i in range(len(frame))]


def read_text_csv(path: str | Path, fix: str) -> pd.DataFrame:
    """A CSV with every cell as text (empty cells NaN); a `DataError` with ``fix`` if unreadable."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=True)
    except (OSError, ValueError) as error:
        raise DataError(located(f"cannot read the file ({error})", file=str(path), fix=fix)) from error


def read_table(path: str | Path) -> tuple[pd.DataFrame, list[int]]:
    """Read a table by extension; return it with the file line of each row."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(located(f"unsupported file type '{suffix or '(none)'}'", file=str(path),
                                fix=f"save the table as one of {', '.join(FORMATS)}."))
    if not path.is_file():
        raise _unreadable(path, "no such file" if not path.exists() else "not a file")
    if suffix in DELIMITED:
        return _read_delimited(path, DELIMITED[suffix])
    if suffix in JSON_LINES:
        return _read_json_lines(path)
    return _read_parquet(path)


def _resolve_card(path: Path, card: str | Path | None) -> DatasetCard | None:
    if card is not None:
        return read_card(card)
    found = find_card(path)
    return read_card(found) if found else None


@dataclass
class ColumnMapping:
    """Which columns of a table play which role (from the arguments, then the card)."""

    item: str | None
    system: str | None
    human: list[str]
    rater: str | None = None
    groups: list[str] = field(default_factory=list)
    metrics: list[str] | None = None  # None: every numeric column that has no other role
    lower_is_better: list[str] = field(default_factory=list)
    missing: str = "error"
    card: DatasetCard | None = None

    @property
    def keys(self) -> list[str]:
        return [self.item, self.system] + ([self.rater] if self.rater else [])


def column_mapping(path: Path, *, item=None, system=None, human=None, metrics=None, rater=None,
                   groups=(), lower_is_better=(), missing=None, card=None) -> ColumnMapping:
    """The mapping of the arguments, completed from the dataset card of ``path``."""
    spec = _resolve_card(path, card)
    if human is None and spec:
        human = spec.human
    human = [] if human is None else [human] if isinstance(human, str) else list(human)
    if metrics is None and spec and spec.metrics is not None:
        metrics = list(spec.metrics)
    return ColumnMapping(
        item=item or (spec.item if spec else None),
        system=system or (spec.system if spec else None), human=human,
        rater=rater or (spec.rater if spec else None),
        groups=list(groups) or list(spec.groups or [] if spec else []),
        metrics=list(metrics) if metrics is not None else None,
        lower_is_better=list(lower_is_better),
        missing=missing or (spec.missing if spec else None) or "error", card=spec)


def _check_columns(path: Path, frame: pd.DataFrame, mapping: ColumnMapping) -> None:
    spec = mapping.card
    card_note = f" (mapping from card {spec.path})" if spec else ""
    for role, value in (("item", mapping.item), ("system", mapping.system),
                        ("human", mapping.human)):
        if not value:
            raise DataError(located(
                f"no {role} column given{card_note}; the file has {list(frame.columns)}",
                file=str(path),
                fix=f"pass {role}=COL (CLI: --{role} COL) or add '{role}: COL' to a dataset card "
                    f"({path.name}.yaml)."))
    wanted = (mapping.keys + mapping.human + mapping.groups + (mapping.metrics or [])
              + mapping.lower_is_better)
    unknown = list(dict.fromkeys(c for c in wanted if c not in frame.columns))
    if unknown:
        raise DataError(located(
            f"unknown column(s) {unknown}{card_note}; the file has {list(frame.columns)}",
            file=str(path), column=unknown[0],
            fix="spell the column names exactly as in the file header."))
    if spec and not mapping.lower_is_better:
        typo = [c for c in spec.lower_is_better if c not in frame.columns]
        if typo:
            raise DataError(located(
                f"lower_is_better names {typo}, which are not columns of {path}; the file has "
                f"{list(frame.columns)}", file=str(spec.path), column=typo[0],
                fix="spell the metric names in the card exactly as in the file header."))


def _directions(mapping: ColumnMapping, metrics: list[str],
                scored: Mapping[str, MetricInfo]) -> list[str]:
    """Lower-is-better metrics: the arguments, else the card's; then the scored columns'."""
    lower = list(mapping.lower_is_better)
    spec = mapping.card
    if not lower and spec:
        card_lower = list(spec.lower_is_better) + [
            m for m, meta in (spec.metrics or {}).items() if not meta.higher_is_better]
        lower = [m for m in dict.fromkeys(card_lower) if m in metrics]
    return lower + [m for m, info in scored.items()
                    if m in metrics and not info.higher_is_better and m not in lower]


def load_table(
    path: str | Path,
    *,
    item: str | None = None,
    system: str | None = None,
    human: str | Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    rater: str | None = None,
    groups: Sequence[str] = (),
    lower_is_better: Sequence[str] = (),
    missing: str | None = None,
    card: str | Path | None = None,
    table: tuple[pd.DataFrame, list[int]] | None = None,
    scored: Mapping[str, MetricInfo] | None = None,
) -> JudgementSet:
    """Load a judgement table with a column mapping.

    Arguments override the dataset card (found next to the file, or ``card=``); empty ``groups`` /
    ``lower_is_better`` and ``None`` mean "not given". ``missing`` is ``"error"`` (default) or
    ``"drop"``: a missing metric score is an error, or that cell is left out of that metric's
    statistics; never zero-filled. ``metrics=None`` (and none in the card) takes every column that
    is not a key, human or group column and is numeric or holds mostly numbers. ``table``: the
    file already read (``(frame, file lines)``, e.g. with scores joined); ``scored``: metadata
    (direction, config signature) of columns computed by ``metaeval score``.
    """
    path = Path(path)
    frame, lines = table if table is not None else read_table(path)
    mapping = column_mapping(path, item=item, system=system, human=human, metrics=metrics,
                             rater=rater, groups=groups, lower_is_better=lower_is_better,
                             missing=missing, card=card)
    _check_columns(path, frame, mapping)
    chosen = mapping.metrics
    if chosen is None:
        taken = set(mapping.keys + mapping.human + mapping.groups)
        chosen = [c for c in frame.columns if c not in taken and is_mostly_numeric(frame[c])]
    scored = dict(scored or {})
    checked = check_rows(frame, keys=mapping.keys, human=mapping.human, metrics=chosen,
                         groups=mapping.groups, missing=mapping.missing, file=str(path),
                         lines=lines)
    spec = mapping.card
    info = spec.dataset_info(source=str(path)) if spec else DatasetInfo(name=path.stem,
                                                                       source=str(path))
    js = JudgementSet.from_frame(checked, item=mapping.item, system=mapping.system,
                                 human=mapping.human, metrics=chosen, rater=mapping.rater,
                                 groups=mapping.groups,
                                 lower_is_better=_directions(mapping, chosen, scored), info=info,
                                 missing=mapping.missing)
    card_metrics = (spec.metrics or {}) if spec else {}
    for name in js.metrics:
        described, computed = card_metrics.get(name), scored.get(name)
        if described or computed:
            meta = described or computed
            source = computed or described
            js.metrics[name] = MetricInfo(name, js.metrics[name].higher_is_better,
                                          meta.description, meta.citation, source.config,
                                          source.options)
    return js
