"""Read a judgement table from CSV, TSV, JSON lines or Parquet into a `JudgementSet`.

Files are read by :mod:`metaeval.data.readers` (identifier columns as text). The column mapping
comes from the arguments, else from the dataset card next to the file (see
:mod:`metaeval.data.cards`); arguments override the card. Every error names the file, the line,
the column and the fix.

Joining metric scores onto the table (``metaeval correlate --scores``) happens above this layer
(:mod:`metaeval.correlation.inputs`), which passes the joined frame in as ``table=``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metaeval.data.cards import DatasetCard, find_card, read_card
from metaeval.data.columns import ITEM, SYSTEM, is_mostly_numeric
from metaeval.data.datasets import expand
from metaeval.data.images import image_table
from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo, kept_systems
from metaeval.data.readers import FORMATS, read_table, read_text_csv  # noqa: F401 (re-exported)
from metaeval.data.validate import check_rows
from metaeval.errors import DataError, did_you_mean, located


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
    image: str | None = None  # the column of image paths
    defaulted: tuple[str, ...] = ()  # roles taken by their canonical name (item, system)


    @property
    def keys(self) -> list[str]:
        return [self.item, self.system] + ([self.rater] if self.rater else [])

    @property
    def id_columns(self) -> list[str]:
        """Columns read as text: the keys, the groups and the image paths."""
        return [c for c in self.keys + self.groups + [self.image] if c]


def column_mapping(path: Path, *, item=None, system=None, human=None, metrics=None, rater=None,
                   groups=(), lower_is_better=(), missing=None, card=None,
                   image=None) -> ColumnMapping:
    """The mapping of the arguments, completed from the dataset card of ``path``; an item or
    system column named by neither is the column called ``item`` / ``system``."""
    spec = _resolve_card(path, card)
    if human is None and spec:
        human = spec.human
    human = [] if human is None else [human] if isinstance(human, str) else list(human)
    if metrics is None and spec and spec.metrics is not None:
        metrics = list(spec.metrics)
    item, system = item or (spec.item if spec else None), system or (spec.system if spec else None)
    return ColumnMapping(
        item=item or ITEM, system=system or SYSTEM, human=human,
        defaulted=tuple(role for role, given in ((ITEM, item), (SYSTEM, system)) if not given),
        rater=rater or (spec.rater if spec else None),
        groups=list(groups) or list(spec.groups or [] if spec else []),
        metrics=list(metrics) if metrics is not None else None,
        lower_is_better=list(lower_is_better),
        missing=missing or (spec.missing if spec else None) or "error", card=spec,
        image=image or (spec.image if spec else None))


def _check_columns(path: Path, frame: pd.DataFrame, mapping: ColumnMapping) -> None:
    spec = mapping.card
    card_note = f" (mapping from card {spec.path})" if spec else ""
    for role, value in (("item", mapping.item), ("system", mapping.system),
                        ("human", mapping.human)):
        if not value or (role in mapping.defaulted and value not in frame.columns):
            none_named = f" and none is named '{role}'" if role in mapping.defaulted else ""
            raise DataError(located(
                f"no {role} column given{card_note}{none_named}; the file has "
                f"{list(frame.columns)}",
                file=str(path),
                fix=f"pass {role}=COL (CLI: --{role} COL) or add '{role}: COL' to a dataset card "
                    f"({path.name}.yaml)."))
    wanted = (mapping.keys + mapping.human + mapping.groups + (mapping.metrics or [])
              + mapping.lower_is_better + ([mapping.image] if mapping.image else []))
    unknown = list(dict.fromkeys(c for c in wanted if c not in frame.columns))
    if unknown:
        hints = "".join(did_you_mean(name, map(str, frame.columns)) for name in unknown)
        raise DataError(located(
            f"unknown column(s) {unknown}{card_note}; the file has {list(frame.columns)}",
            file=str(path), column=unknown[0],
            fix=(f"{hints}Otherwise spell" if hints else "spell") + " the column names "
                "exactly as in the file header."))
    if spec and not mapping.lower_is_better:
        typo = [c for c in spec.lower_is_better if c not in frame.columns]
        if typo:
            raise DataError(located(
                f"lower_is_better names {typo}, which are not columns of {path}; the file has "
                f"{list(frame.columns)}", file=str(spec.path), column=typo[0],
                fix="spell the metric names in the card exactly as in the file header."))


def _listing(names: list[str], shown: int = 12) -> str:
    text = ", ".join(names[:shown])
    return text + (f" and {len(names) - shown} more ({len(names)} in all)"
                   if len(names) > shown else "")


def default_metrics(frame: pd.DataFrame, mapping: ColumnMapping) -> tuple[list[str], list[str]]:
    """(metric columns, a note on how they were chosen) when no metric was named: every
    column without another role here or in the card (keys, human scores, raters, groups) that
    holds mostly numbers."""
    spec = mapping.card
    roles = {c: "key" for c in mapping.keys} | {c: "group" for c in mapping.groups}
    roles |= {c: "image" for c in [mapping.image] if c}
    roles |= {c: "human score" for c in mapping.human}
    if spec:
        roles |= {c: "human score in the card" for c in spec.human or [] if c not in roles}
        roles |= {c: "rater" for c in [spec.rater] if c and c not in roles}
    chosen, skipped = [], []
    for column in frame.columns:
        if column in roles:
            if roles[column] == "human score in the card":
                skipped.append(f"{column} ({roles[column]})")
        elif pd.api.types.is_bool_dtype(frame[column]):
            skipped.append(f"{column} (true/false values)")
        elif frame[column].isna().all():
            skipped.append(f"{column} (empty)")
        elif is_mostly_numeric(frame[column]):
            chosen.append(column)
        else:
            skipped.append(f"{column} (not numbers)")
    note = (f"metrics: {_listing(chosen) or 'none'} (every numeric column without another "
            "role; --metrics chooses)" + (f"; not metrics: {_listing(skipped)}" if skipped else ""))
    return chosen, [note]


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


def _images(frame: pd.DataFrame, mapping: ColumnMapping, path: Path, images) -> pd.DataFrame | None:
    """The (item, system, image) paths when the mapping names an image column."""
    if not mapping.image:
        return None
    return image_table(frame, mapping.item, mapping.system, mapping.image,
                       images or path.parent, str(path))


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
    image: str | None = None, images: str | Path | None = None,
    exclude_systems: Sequence[str] = (),
) -> JudgementSet:
    """Load a judgement table with a column mapping.

    Arguments override the dataset card (found next to the file, or ``card=``); empty ``groups`` /
    ``lower_is_better`` and ``None`` mean "not given". ``missing`` is ``"error"`` (default) or
    ``"drop"``: a missing metric score is an error, or that cell is left out of that metric's
    statistics; never zero-filled. ``metrics=None`` (and none in the card) takes every column that
    is not a key, human or group column and is numeric or holds mostly numbers. ``table``: the
    file already read (``(frame, file lines)``, e.g. with scores joined); ``scored``: metadata
    (direction, config signature) of columns computed by ``metaeval score``. ``image``: the
    image-path column (else the card's), relative to ``images`` (default: the file's folder).
    ``exclude_systems``: systems whose rows are dropped before any check (a hidden reference's
    missing metric cells are no error). ``path`` may name a registered set's file as
    ``metaeval:<set>/<file>``.
    """
    path = expand(path)
    mapping = column_mapping(path, item=item, system=system, human=human, metrics=metrics,
                             rater=rater, groups=groups, lower_is_better=lower_is_better,
                             missing=missing, card=card, image=image)
    frame, lines = table if table is not None else read_table(path, mapping.id_columns)
    _check_columns(path, frame, mapping)
    frame, lines = without_systems(frame, lines, mapping.system, exclude_systems)
    chosen, notes = mapping.metrics, []
    if chosen is None:
        chosen, notes = default_metrics(frame, mapping)
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
    js.notes = notes
    js.metrics = _metric_infos(js, spec, scored, frame, path)
    js.images = _images(frame, mapping, path, images)
    return js


def without_systems(frame: pd.DataFrame, lines: list[int], system: str,
                    names: Sequence[str]) -> tuple[pd.DataFrame, list[int]]:
    """The rows (and their file lines) of every system but ``names``."""
    if not names:
        return frame, lines
    keep = kept_systems(frame[system], names).to_numpy()
    return (frame[keep].reset_index(drop=True),
            [line for line, kept in zip(lines, keep, strict=False) if kept])


def _metric_infos(js: JudgementSet, spec: DatasetCard | None, scored: Mapping[str, MetricInfo],
                  frame: pd.DataFrame, path: Path) -> dict[str, MetricInfo]:
    """The metrics' metadata: direction from the mapping, description from the card, config from
    ``metaeval score``, label from the card's display names (each must name a column)."""
    card_metrics = (spec.metrics or {}) if spec else {}
    labels = spec.display_names if spec else {}
    unknown = [name for name in labels if name not in frame.columns]
    if unknown:
        raise DataError(located(f"display_names name column(s) {_listing(unknown)} that the "
                                "table does not have", file=str(spec.path),
                                fix=f"use columns of {path.name}, or remove those entries."))
    out = {}
    for name, info in js.metrics.items():
        described, computed = card_metrics.get(name), scored.get(name)
        meta, source = described or computed or info, computed or described or info
        out[name] = MetricInfo(name, info.higher_is_better, meta.description, meta.citation,
                               source.config, source.options, labels.get(name, ""))
    return out
