"""`CorrelationResult`: the tidy output of `metaeval.correlate`, rendered by every report.

Tables (pandas):

- ``table``: one row per (task, metric) with columns :data:`TABLE_COLUMNS`: ``task`` the task's
  name (:class:`~metaeval.correlation.taskset.Task`: coefficient, level, group, gold, table),
  ``statistic``; ``ci_low/ci_high`` the bootstrap interval; ``pvalue`` the two-sided p-value
  of the coefficient (exact by enumeration up to 9 points, else analytic; NaN where none exists); ``cluster`` the significance cluster
  (1 = best); ``n`` the number of points (cells for ``none``, systems for ``system``, items or
  systems with two usable cells for ``item``/``sys``); ``n_items`` at ``item``/``sys`` the items
  (systems) whose own correlation entered the value (the others undefined there, e.g. a
  constant metric: the note says how many and why), empty at ``none``/``system``;
  ``chance_low/high`` the central interval of the permutation
  null (chance baseline); ``epsilon`` the calibrated tie threshold (tie-calibrated coefficients
  only); ``ceiling`` (``ceiling_low/high``) the noise ceiling of the group, level and
  coefficient: the expected correlation of a perfect metric with the panel mean, sqrt of the
  split-half Spearman-Brown reliability (spread over random splits); NaN without per-rater data;
  ``note`` why a number of the row is missing (too few points, nothing to resample, ...; see
  :mod:`metaeval.correlation.validity`), empty when the row is complete.
- ``pairwise``: one row per ordered metric pair (a, b) within (group, level, coefficient):
  ``delta`` = stat(a) - stat(b), ``pvalue`` one-sided for "a correlates better than b"
  (PERM-BOTH, p = (c+1)/(k+1)), ``p_holm``, ``p_bh`` adjusted over the pair matrix,
  ``p_williams`` the one-sided Williams test (Pearson at levels none/system only), ``test``.
- ``points``: the (item, system, group, human, metric...) cells the statistics used, oriented so
  that higher is better, for scatter plots.
- ``images``: the image path of each (item, system) cell when the judgements are of images
  (None otherwise); the HTML report shows thumbnails of the cells where metric and humans
  disagree most.
- ``disagreements``: per metric and group the cells with the largest rank gap between metric and
  humans, with the human t-interval of each cell from its raters' ratings
  (:mod:`metaeval.correlation.disagreement`); None for results built without it.

``display_names`` maps metric columns to the short labels the reports show (JSON: a top-level
``display_names`` and a ``display_name`` per result row; CSV: a ``display_name`` column).

``signature`` (:class:`metaeval.provenance.Signature`) is the provenance of every number;
``settings`` is derived from it (plus the data's counts) for the reports.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from metaeval.data.judgements import DatasetInfo
from metaeval.io import json_safe
from metaeval.paths import display_path
from metaeval.provenance import Signature

TABLE_COLUMNS = [
    "task", "metric", "group", "level", "coefficient", "statistic", "ci_low", "ci_high", "pvalue",
    "cluster", "n", "n_items", "chance_low", "chance_high", "epsilon", "ceiling", "ceiling_low",
    "ceiling_high", "note",
]
PAIRWISE_COLUMNS = [
    "task", "group", "level", "coefficient", "metric_a", "metric_b", "delta", "pvalue", "p_holm",
    "p_bh", "p_williams", "test",
]
POOLED = "all"  # name of the pooled group


@dataclass
class CorrelationResult:
    """Tables, provenance and notes of one `correlate` run (see the module docstring)."""

    table: pd.DataFrame
    pairwise: pd.DataFrame
    points: pd.DataFrame
    settings: dict[str, Any]
    signature: Signature
    dataset: DatasetInfo
    human: str
    metrics: dict[str, str] = field(default_factory=dict)  # metric -> "higher"/"lower" is better
    group_column: str | None = None
    notes: list[str] = field(default_factory=list)
    metric_options: dict[str, dict[str, str]] = field(default_factory=dict)  # config fields
    images: pd.DataFrame | None = None  # item, system, image path (image judgement sets)
    disagreements: pd.DataFrame | None = None  # largest metric/human rank gaps per group

    # metric -> short label for the reports (a card's display names); no number depends on it,
    # so it is not part of the signature
    display_names: dict[str, str] = field(default_factory=dict)
    # ranking stability (metaeval.correlation.stability), None unless asked for
    stability: dict[str, Any] | None = None
    # power curves of the top metric vs its rivals (metaeval.correlation.power_curves), or None
    power: dict[str, Any] | None = None
    # bootstrap draws of the pooled primary rows (metaeval.correlation.meta.result_draws)
    draws: dict[str, Any] | None = None
    # meta-analysis across the subsets of --meta-by (metaeval.correlation.meta.with_meta_by)
    meta: dict[str, Any] | None = None
    # with --keep-draws, the draws of each --meta-by subset (same form as ``draws``)
    group_draws: list[dict[str, Any]] | None = None
    # a weighted task set's averages over its tasks (metaeval.correlation.averages), or None
    averages: pd.DataFrame | None = None
    # human choices as gold (metaeval.correlation.preference_tables): per-item values,
    # Bradley-Terry strengths, vote shares, counts; None for rating tables
    preferences: dict[str, Any] | None = None
    # every per-item / per-system correlation (metaeval.correlation.per_item), or None
    per_item: pd.DataFrame | None = None

    def display_name(self, metric: str) -> str:
        """The label reports show for ``metric`` (its column name when it has none)."""
        return self.display_names.get(metric) or metric

    @property
    def groups(self) -> list[str]:
        return list(pd.unique(self.table["group"]))

    def primary_table(self) -> pd.DataFrame:
        """The rows of the primary coefficient: metric, group, level, value, CI, cluster."""
        primary = self.settings.get("primary_coefficient", self.table["coefficient"].iloc[0])
        rows = self.table[self.table["coefficient"] == primary]
        return rows[["metric", "group", "level", "statistic", "ci_low", "ci_high", "cluster"]]

    def __repr__(self) -> str:
        with pd.option_context("display.width", 100, "display.max_rows", 20):
            return (f"CorrelationResult({self.human!r} on {self.dataset.name!r}, "
                    f"{len(self.metrics)} metric(s))\n{self.signature}\n"
                    f"{self.primary_table().to_string(index=False)}")

    def to_json_dict(self) -> dict[str, Any]:
        return json_safe({
            "signature": str(self.signature),
            "settings": self.settings,
            "dataset": {**asdict(self.dataset), "source": display_path(self.dataset.source)},
            "human": self.human,
            "metrics": self.metrics,
            "metric_options": self.metric_options,
            "display_names": {m: self.display_name(m) for m in self.metrics},
            "group_column": self.group_column,
            "notes": self.notes,
            "results": [{**row, "display_name": self.display_name(row["metric"])}
                        for row in self.table.to_dict(orient="records")],
            "pairwise": self.pairwise.to_dict(orient="records"),
            **({"stability": self.stability} if self.stability is not None else {}),
            **({"power": self.power} if self.power is not None else {}),
            **({"draws": self.draws} if self.draws is not None else {}),
            **({"meta": self.meta} if self.meta is not None else {}),
            **({"group_draws": self.group_draws} if self.group_draws is not None else {}),
            **({"averages": self.averages.to_dict(orient="records")}
               if self.averages is not None else {}),
            **({"preferences": {k: v.to_dict(orient="records") if isinstance(v, pd.DataFrame)
                                else v for k, v in self.preferences.items()}}
               if self.preferences is not None else {}),
            **({"per_item": self.per_item.to_dict(orient="records")}
               if self.per_item is not None else {}),
        })

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=1, default=str)
