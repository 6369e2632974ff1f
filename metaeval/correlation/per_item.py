"""``per_item=True`` (``--per-item``): every per-item (level ``item``) or per-system (level
``sys``) correlation behind an averaged value, not only their mean or median.

At level ``item`` the value of a metric is the average of one correlation per item (across the
systems that item was rendered by); authors often publish those values themselves (e.g. a
listening test's per-song Spearman). :func:`per_item_table` lists them: one row per (group,
level, coefficient, metric, unit) with the unit's id, its correlation (NaN where undefined:
fewer than two cells, or a constant human or metric score there) and the number of cells; the
reports write it as ``per_item.csv`` and plot it in the HTML report. Coefficients that pool
their pairs over the groups instead of averaging per-group values (``acc23_tiecal``, ``pdp``,
``kendall_like``, ``spa``) have no per-item values and are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.settings import Settings
from metaeval.correlation.sources import JudgementData
from metaeval.correlation.taskset import Task
from metaeval.data.judgements import JudgementSet
from metaeval.errors import ParameterError
from metaeval.stats.coefficients import get_coefficient
from metaeval.stats.grouping import group_vectors
from metaeval.stats.paired import paired

PER_ITEM_COLUMNS = ["group", "level", "coefficient", "metric", "unit", "statistic", "n"]
LEVELS = ("item", "sys")


def per_item_table(js: JudgementSet, metrics: list[str], human: str,
                   settings: Settings) -> pd.DataFrame:
    """Every per-item (``item``) and per-system (``sys``) correlation of the settings' groups,
    levels and coefficients (see the module docstring)."""
    source = JudgementData(js, settings.group_by, settings.pooled)
    rows = []
    for group in source.groups():
        part = source.part(Task("pearson", "none", group))
        gold, scores, systems, items = part.matrices(metrics, human)
        for level in (lv for lv in settings.levels if lv in LEVELS):
            units = items if level == "item" else systems
            for name in settings.coefficients:
                coef = get_coefficient(name)
                if coef.at_level is not None:
                    continue
                g, m, valid = paired(*group_vectors(gold[None], scores, level))  # (M, G, n)
                values = coef.batched(g, m)
                counts = valid.sum(-1)
                for mi, metric in enumerate(metrics):
                    rows += [{"group": group, "level": level, "coefficient": name,
                              "metric": metric, "unit": str(unit),
                              "statistic": float(values[mi, u]), "n": int(counts[mi, u])}
                             for u, unit in enumerate(units) if counts[mi, u] > 0]
    return pd.DataFrame(rows, columns=PER_ITEM_COLUMNS)


def check_per_item(settings: Settings) -> None:
    """``per_item`` needs level item or sys (its values are the per-item correlations)."""
    if settings.per_item and not set(settings.levels) & set(LEVELS):
        raise ParameterError("per_item", True, "lists the per-item (level item) or per-system "
                             "(level sys) correlations; the run has neither level.",
                             "add --level item (or sys).")


def summary_statistic(table: pd.DataFrame) -> pd.Series:
    """Mean of the finite per-item values per (group, level, coefficient, metric): the
    average a level item/sys row reports with ``average=mean``."""
    finite = table[np.isfinite(table["statistic"])]
    return finite.groupby(["group", "level", "coefficient", "metric"], sort=False)[
        "statistic"].mean()
