"""metaeval: how well does a metric agree with human judgement, and is it significantly better?

Light at import time: numpy/scipy/pandas only; plotting, torch and metric back-ends load lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

from metaeval.data.judgements import DatasetInfo, JudgementSet, MetricInfo
from metaeval.errors import DataError, MetaevalError, MetricError, StatsError

__all__ = [
    "__version__",
    "DataError",
    "DatasetInfo",
    "JudgementSet",
    "MetaevalError",
    "MetricError",
    "MetricInfo",
    "StatsError",
    "correlate",
]


def __getattr__(name: str):
    if name == "correlate":
        from metaeval.api import correlate

        return correlate
    raise AttributeError(name)
