"""`CorrelationResult`: the tidy output of `metaeval.correlate`, rendered by every report.

Tables (pandas):

- ``table``: one row per (metric, group, level, coefficient) with columns
  ``metric, group, level, coefficient, value, ci_low, ci_high, p_value, cluster, n, chance_low,
  chance_high, epsilon``. ``p_value`` is the analytic two-sided p-value of the coefficient
  (NaN where none exists); ``cluster`` is the significance cluster (1 = best); ``n`` is the number
  of points (cells for ``none``, systems for ``system``, averaged vectors for ``item``/``sys``);
  ``chance_low/high`` is the central interval of the permutation null (chance baseline);
  ``epsilon`` is the calibrated tie threshold (tie-calibrated coefficients only);
  ``ceiling`` (``ceiling_low/high``) is the noise ceiling of the group, level and coefficient:
  the expected correlation of a perfect metric with the panel mean, sqrt of the split-half
  Spearman-Brown reliability (spread over random splits); NaN without per-rater data.
- ``pairwise``: one row per ordered metric pair (a, b) within (group, level, coefficient):
  ``delta`` = stat(a) - stat(b), ``p_value`` one-sided for "a correlates better than b"
  (PERM-BOTH, p = (c+1)/(k+1)), ``p_holm``, ``p_bh`` adjusted over the pair matrix,
  ``p_williams`` the one-sided Williams test (Pearson at levels none/system only), ``test``.
- ``points``: the (item, system, group, human, metric...) cells the statistics used, oriented so
  that higher is better, for scatter plots.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from metaeval.data.judgements import DatasetInfo

TABLE_COLUMNS = [
    "metric", "group", "level", "coefficient", "value", "ci_low", "ci_high", "p_value",
    "cluster", "n", "chance_low", "chance_high", "epsilon", "ceiling", "ceiling_low",
    "ceiling_high",
]
PAIRWISE_COLUMNS = [
    "group", "level", "coefficient", "metric_a", "metric_b", "delta", "p_value", "p_holm",
    "p_bh", "p_williams", "test",
]
POOLED = "all"  # name of the pooled group


@dataclass
class CorrelationResult:
    table: pd.DataFrame
    pairwise: pd.DataFrame
    points: pd.DataFrame
    settings: dict[str, Any]
    signature: str
    dataset: DatasetInfo
    human: str
    metrics: dict[str, str] = field(default_factory=dict)  # metric -> "higher"/"lower" is better
    group_column: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[str]:
        return list(pd.unique(self.table["group"]))

    def to_json_dict(self) -> dict[str, Any]:
        def clean(records: list[dict]) -> list[dict]:
            return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                     for k, v in r.items()} for r in records]

        return {
            "signature": self.signature,
            "settings": self.settings,
            "dataset": asdict(self.dataset),
            "human": self.human,
            "metrics": self.metrics,
            "group_column": self.group_column,
            "warnings": self.warnings,
            "results": clean(self.table.to_dict(orient="records")),
            "pairwise": clean(self.pairwise.to_dict(orient="records")),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=1, default=str)
