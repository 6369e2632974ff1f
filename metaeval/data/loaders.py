"""Read a judgement table from CSV, TSV, JSON lines or Parquet into a `JudgementSet`.

The format comes from the file extension (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``,
``.parquet``/``.pq``). The column mapping comes from the arguments, else from the dataset card
next to the file (see :mod:`metaeval.data.cards`); arguments override the card. Every error names
the file, the line (header = line 1; JSON lines count from 1; Parquet rows count from 1 after a
notional header, like a CSV export of it), the column and the fix.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from metaeval.data.cards import DatasetCard, find_card, read_card
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo, _mostly_numeric
from metaeval.data.validate import check_rows
from metaeval.errors import DataError, located

DELIMITED = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSON_LINES = (".jsonl", ".ndjson")
PARQUET = (".parquet", ".pq")
FORMATS = tuple(DELIMITED) + JSON_LINES + PARQUET


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
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
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
    except (OSError, UnicodeDecodeError) as exc:
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


def _registered_lower_is_better(columns: list[str]) -> list[str]:
    """Scored columns named after a registered lower-is-better metric (e.g. ``mrstft``)."""
    from metaeval.metrics.registry import all_specs

    lower = {s.name for s in all_specs() if not s.higher_is_better}
    return [c for c in columns if c in lower]


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
    scores: str | Path | None = None,
) -> JudgementSet:
    """Load a judgement table with a column mapping.

    Arguments override the dataset card (found next to the file, or ``card=``); empty ``groups`` /
    ``lower_is_better`` and ``None`` mean "not given". ``missing`` is ``"error"`` (default) or
    ``"drop"``: a missing metric score is an error, or that cell is left out of that metric's
    statistics; never zero-filled. ``metrics=None`` (and none in the card) takes every column that
    is not a key, human or group column and is numeric or holds mostly numbers. ``scores``: a table
    written by ``metaeval score`` (item, system, one column per metric) joined on (item, system).
    """
    path = Path(path)
    frame, lines = read_table(path)
    spec = _resolve_card(path, card)
    card_note = f" (mapping from card {spec.path})" if spec else ""

    item = item or (spec.item if spec else None)
    system = system or (spec.system if spec else None)
    if human is None and spec:
        human = spec.human
    rater = rater or (spec.rater if spec else None)
    groups = list(groups) or list(spec.groups or [] if spec else [])
    card_metrics = spec.metrics if spec else None
    if metrics is None and card_metrics is not None:
        metrics = list(card_metrics)
    lower = list(lower_is_better)
    missing = missing or (spec.missing if spec else None) or "error"

    scored_lower: list[str] = []
    if scores is not None:
        from metaeval.score.join import join_scores

        before = set(frame.columns)
        frame = join_scores(frame, scores, item or (spec.item if spec else None),
                            system or (spec.system if spec else None))
        scored_lower = _registered_lower_is_better([c for c in frame.columns if c not in before])
    for role, value in (("item", item), ("system", system), ("human", human)):
        if not value:
            raise DataError(located(
                f"no {role} column given{card_note}; the file has {list(frame.columns)}",
                file=str(path),
                fix=f"pass {role}=COL (CLI: --{role} COL) or add '{role}: COL' to a dataset card "
                    f"({path.name}.yaml)."))
    human = [human] if isinstance(human, str) else list(human)
    keys = [item, system] + ([rater] if rater else [])
    wanted = keys + human + groups + (list(metrics) if metrics is not None else []) + lower
    unknown = list(dict.fromkeys(c for c in wanted if c not in frame.columns))
    if unknown:
        raise DataError(located(
            f"unknown column(s) {unknown}{card_note}; the file has {list(frame.columns)}",
            file=str(path), column=unknown[0],
            fix="spell the column names exactly as in the file header."))
    if spec and not lower_is_better:
        typo = [c for c in spec.lower_is_better if c not in frame.columns]
        if typo:
            raise DataError(located(
                f"lower_is_better names {typo}, which are not columns of {path}; the file has "
                f"{list(frame.columns)}", file=str(spec.path), column=typo[0],
                fix="spell the metric names in the card exactly as in the file header."))
    if metrics is None:
        taken = set(keys + human + groups)
        metrics = [c for c in frame.columns if c not in taken and _mostly_numeric(frame[c])]
    metrics = list(metrics)
    if not lower and spec:  # the card's directions, for the metrics actually used
        card_lower = list(spec.lower_is_better) + [
            m for m, meta in (card_metrics or {}).items() if not meta.higher_is_better]
        lower = [m for m in dict.fromkeys(card_lower) if m in metrics]

    lower += [m for m in scored_lower if m in metrics and m not in lower]
    checked = check_rows(frame, keys=keys, human=human, metrics=metrics, groups=groups,
                         missing=missing, file=str(path), lines=lines)
    info = spec.dataset_info(source=str(path)) if spec else DatasetInfo(name=path.stem,
                                                                       source=str(path))
    js = JudgementSet.from_frame(checked, item=item, system=system, human=human, metrics=metrics,
                                 rater=rater, groups=groups, lower_is_better=lower, info=info,
                                 missing=missing)
    if card_metrics:
        for name, meta in card_metrics.items():
            if name in js.metrics:
                js.metrics[name] = MetricInfo(name, js.metrics[name].higher_is_better,
                                              meta.description, meta.citation)
    return js
