"""metaeval: how well does a metric agree with human judgement, and is it significantly better?

Light at import time: numpy/scipy/pandas only; plotting, torch and metric back-ends load lazily.

    >>> from metaeval import correlate, load_gensvs
    >>> result = correlate(load_gensvs(), metrics=["sisdr", "multi_res_loss"], k=50,
    ...                    significance="none", chance=False)
    >>> result.table.loc[result.table.coefficient == "spearman", "statistic"].round(3).tolist()
    [0.244, 0.639]
"""

from __future__ import annotations

from metaeval.correlation import (
    CorrelationResult,
    HumanResults,
    Settings,
    Task,
    TaskSet,
    correlate,
    run,
)
from metaeval.correlation.preference_inputs import load_choices
from metaeval.correlation.preference_settings import PreferenceSettings
from metaeval.correlation.preferences import correlate_choices
from metaeval.data import (
    DatasetInfo,
    JudgementSet,
    MetricInfo,
    load_gensvs,
    load_mushra,
    load_study,
    load_table,
    load_wmt_mqm,
    wmt_mqm_judgements,
)
from metaeval.data.mtme import load_evalset
from metaeval.errors import DataError, MetaevalError, MetricError, ParameterError, StatsError
from metaeval.provenance import MetricEntry, Signature
from metaeval.version import __version__

__all__ = [
    "CorrelationResult", "DataError", "DatasetInfo", "HumanResults", "JudgementSet",
    "MetaevalError", "MetricEntry", "MetricError", "MetricInfo", "ParameterError",
    "PreferenceSettings", "Settings", "Signature", "StatsError", "Task", "TaskSet",
    "__version__", "correlate", "correlate_choices", "load_choices", "load_evalset",
    "load_gensvs", "load_mushra", "load_study", "load_table", "load_wmt_mqm", "run",
    "wmt_mqm_judgements",
]
