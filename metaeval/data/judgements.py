"""`JudgementSet`: one long table of human judgements and metric scores.

Rows are (item, system[, rater]) cells. Columns: ``item``, ``system``, optional ``rater``, one or
more human score columns, metric score columns and free grouping columns (``model_type``,
``langpair``, ...). Metric metadata (direction, citation) travels with the table. The stats engine
sees it through :meth:`JudgementSet.matrices`, dense system x item matrices with NaN = missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from metaeval.data.columns import ITEM, RATER, SYSTEM, is_mostly_numeric
from metaeval.data.validate import validate_judgements
from metaeval.errors import DataError, ParameterError, located
from metaeval.provenance import short_hash


@dataclass(frozen=True)
class MetricInfo:
    """What is known about one metric column."""

    name: str
    higher_is_better: bool = True
    description: str = ""
    citation: str = ""
    config: str = ""  # the metric's config signature when `metaeval score` computed the column
    options: tuple[tuple[str, str], ...] = ()  # its config fields, as (field, value) text pairs
    label: str = ""  # short display name for the reports (a card's ``display_names``)

    @property
    def direction(self) -> str:
        return "higher" if self.higher_is_better else "lower"

    @property
    def display_name(self) -> str:
        """The label shown in reports: the card's display name, else the column name."""
        return self.label or self.name


@dataclass(frozen=True)
class DatasetInfo:
    """Provenance of a judgement set, shown in every report's methods paragraph."""

    name: str = "data"
    title: str = ""
    citation: str = ""
    licence: str = ""
    url: str = ""
    description: str = ""
    source: str = ""  # the file it was read from
    human_definition: str = ""  # how the human score was derived (e.g. MQM weights)


@dataclass
class JudgementSet:
    """Human judgements and metric scores for (item, system[, rater]) cells.

    Parameters
    ----------
    table:
        Long table with canonical columns ``item`` and ``system`` (and ``rater`` when there is
        one row per rating), the ``human`` columns, the ``metrics`` columns and ``groups``.
    human:
        Names of the human score columns; the first is the default gold score.
    metrics:
        Metric columns with their metadata (direction). Lower-is-better metrics are sign-flipped
        by :meth:`oriented` so that higher always means better agreement.
    groups:
        Grouping columns (one result per group value plus the pooled result).
    missing:
        ``"error"`` (default): a missing metric score is an error. ``"drop"``: cells with a
        missing metric score are dropped for that metric only. Never zero-filled.
    """

    table: pd.DataFrame
    human: list[str]
    metrics: dict[str, MetricInfo]
    groups: list[str] = field(default_factory=list)
    has_rater: bool = False
    info: DatasetInfo = field(default_factory=DatasetInfo)
    missing: str = "error"
    # Individual ratings behind the human score (item, system, rater, rating), when the panel's
    # ratings are known; they give the noise ceiling. Rater-level tables provide them themselves.
    ratings: pd.DataFrame | None = None
    # How the metric columns were chosen when nobody named them (shown on stderr by the CLI).
    notes: list[str] = field(default_factory=list)
    # The image of each (item, system) cell (columns item, system, image: a path), when the
    # judgements are of images (captioning, text-to-image); reports show thumbnails of them.
    images: pd.DataFrame | None = None
    # What the metrics explained about their scores, per cell (columns item, system, details:
    # JSON {metric column: details}, as in a `metaeval score` table), when the set was scored
    # with a metric that explains (TIGERScore's error analyses); the explorer shows them.
    details: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if isinstance(self.human, str):
            self.human = [self.human]
        if not isinstance(self.metrics, dict):
            self.metrics = {m: MetricInfo(m) for m in self.metrics}
        self.groups = list(self.groups)
        self.table = validate_judgements(self.table, human=self.human, metrics=list(self.metrics),
                                         groups=self.groups, has_rater=self.has_rater,
                                         missing=self.missing, file=self.info.source or None)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        item: str,
        system: str,
        human: str | Sequence[str],
        metrics: Sequence[str] | None = None,
        rater: str | None = None,
        groups: Sequence[str] = (),
        lower_is_better: Iterable[str] = (),
        info: DatasetInfo | None = None,
        missing: str = "error",
    ) -> JudgementSet:
        """Build from any data frame and a column mapping.

        ``metrics=None`` takes every numeric column that is not a key, human or group column.
        """
        info = info or DatasetInfo()
        human = [human] if isinstance(human, str) else list(human)
        groups = list(groups)
        keys = [item, system] + ([rater] if rater else [])
        wanted = keys + human + groups + (list(metrics) if metrics is not None else [])
        unknown = [c for c in wanted if c not in frame.columns]
        if unknown:
            raise DataError(located(
                f"unknown column(s) {unknown}; the file has {list(frame.columns)}",
                file=info.source or None,
                fix="check the column names given as item/system/human/metrics/groups (CLI: "
                    "--item/--system/--human/--metrics/--group-by)."))
        if metrics is None:
            taken = set(keys + human + groups)
            metrics = [c for c in frame.columns if c not in taken and is_mostly_numeric(frame[c])]
        lower = set(lower_is_better)
        unknown_lower = sorted(lower - set(metrics))
        if unknown_lower:
            raise DataError(located(
                f"lower_is_better names {unknown_lower}, which are not metric columns "
                f"({list(metrics)})", file=info.source or None,
                fix="spell the metric names as in the file header."))
        renamed = {item: ITEM, system: SYSTEM}
        if rater:
            renamed[rater] = RATER
        selected = keys + human + groups + list(metrics)
        clash = [c for c in (ITEM, SYSTEM, RATER) if c in selected and c not in renamed]
        if clash:
            raise DataError(located(
                f"column(s) {clash} would collide with metaeval's key columns",
                file=info.source or None, fix="rename those columns in the file."))
        table = frame[selected]
        table = table.loc[:, ~table.columns.duplicated()].rename(columns=renamed).copy()
        return cls(
            table=table.reset_index(drop=True),
            human=human,
            metrics={m: MetricInfo(m, higher_is_better=m not in lower) for m in metrics},
            groups=groups,
            has_rater=bool(rater),
            info=info,
            missing=missing,
        )

    # ------------------------------------------------------------------ views
    @property
    def gold(self) -> str:
        """The default human score column."""
        return self.human[0]

    @property
    def metric_names(self) -> list[str]:
        return list(self.metrics)

    def cells(self) -> pd.DataFrame:
        """One row per (item, system): human and metric columns averaged over raters."""
        if not self.has_rater:
            return self.table
        value_cols = self.human + self.metric_names
        first = {g: "first" for g in self.groups}
        agg = {c: "mean" for c in value_cols} | first
        return self.table.groupby([ITEM, SYSTEM], sort=False, as_index=False).agg(agg)

    def individual_ratings(self) -> pd.DataFrame | None:
        """Long table (item, system, rater, rating) of the panel's ratings, or None if unknown."""
        if self.ratings is not None:
            return self.ratings
        if self.has_rater:
            return self.table[[ITEM, SYSTEM, RATER, self.gold]].rename(columns={self.gold: "rating"})
        return None

    def oriented(self, metric: str, values: np.ndarray) -> np.ndarray:
        """Values of ``metric`` sign-flipped when lower is better (higher = better after)."""
        return values if self.metrics[metric].higher_is_better else -values

    def subset(self, group: str, value: object) -> JudgementSet:
        """The rows whose grouping column ``group`` equals ``value``."""
        rows = self.table[self.table[group] == value].reset_index(drop=True)
        return replace(self, table=rows)

    def without_systems(self, names: Sequence[str]) -> JudgementSet:
        """The set without the rows (and individual ratings) of the systems ``names``, e.g. a
        hidden reference and anchors; the data hash, and so the signature, changes with it."""
        keep = kept_systems(self.table[SYSTEM], names)
        ratings = self.ratings
        if ratings is not None:
            ratings = ratings[~ratings[SYSTEM].astype(str).isin(list(names))].reset_index(drop=True)
        return replace(self, table=self.table[keep].reset_index(drop=True), ratings=ratings)

    def group_values(self, group: str) -> list:
        """Values of a grouping column in order of first appearance."""
        return list(pd.unique(self.table[group]))

    def matrices(
        self, metrics: Sequence[str] | None = None, human: str | None = None
    ) -> tuple[np.ndarray, np.ndarray, list, list]:
        """Dense matrices for the stats engine.

        Returns ``(gold, scores, systems, items)`` where ``gold`` has shape (S, I) and ``scores``
        shape (M, S, I), NaN where a cell is missing. Metric scores are oriented so that higher
        is better. Systems and items keep their order of first appearance.
        """
        metrics = list(metrics) if metrics is not None else self.metric_names
        human = human or self.gold
        cells = self.cells()
        systems = list(pd.unique(cells[SYSTEM]))
        items = list(pd.unique(cells[ITEM]))
        s_index = pd.Index(systems).get_indexer(cells[SYSTEM])
        i_index = pd.Index(items).get_indexer(cells[ITEM])
        gold = np.full((len(systems), len(items)), np.nan)
        gold[s_index, i_index] = cells[human].to_numpy(float)
        scores = np.full((len(metrics), len(systems), len(items)), np.nan)
        for m, name in enumerate(metrics):
            scores[m, s_index, i_index] = self.oriented(name, cells[name].to_numpy(float))
        return gold, scores, systems, items

    def data_hash(self) -> str:
        """Short content hash of the table (goes into every result signature)."""
        return frame_hash(self.table)

    def ratings_hash(self) -> str | None:
        """Short content hash of the individual ratings (the noise ceiling's data), or None."""
        ratings = self.individual_ratings()
        return None if ratings is None else frame_hash(ratings)

    def __len__(self) -> int:
        return len(self.table)


def kept_systems(systems: pd.Series, names: Sequence[str]) -> pd.Series:
    """Which rows to keep when the systems ``names`` are excluded (compared as text); a name
    that is no system, or excluding every system, is a `ParameterError`."""
    systems = systems.astype(str)
    known = set(systems)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ParameterError("exclude_systems", ",".join(unknown), "no such system; the "
                             f"systems are {', '.join(sorted(known))}.")
    keep = ~systems.isin(list(names))
    if not keep.any():
        raise ParameterError("exclude_systems", ",".join(names), "that excludes every system.")
    return keep


def frame_hash(frame: pd.DataFrame) -> str:
    """Short content hash of a frame's values and column names (row order matters)."""
    values = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    return short_hash(values + "\x00".join(map(str, frame.columns)).encode())
