"""From the rows of the tasks to a `CorrelationResult`: signature, settings record, points."""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaeval.correlation.ceiling import human_ratings
from metaeval.correlation.disagreement import disagreement_table
from metaeval.correlation.result import (
    PAIRWISE_COLUMNS,
    POOLED,
    TABLE_COLUMNS,
    CorrelationResult,
)
from metaeval.correlation.settings import Settings
from metaeval.correlation.signature import build_signature
from metaeval.data.columns import ITEM, SYSTEM
from metaeval.data.judgements import JudgementSet
from metaeval.provenance import Signature
from metaeval.version import __version__


def settings_record(signature: Signature, settings: Settings, js: JudgementSet,
                    metrics: list[str], human: str) -> dict:
    """What the reports read: the signature's fields plus derived wording and data counts."""
    gold, _, systems, items = js.matrices(metrics[:1], human)
    ceiling = signature.ceiling not in ("off", "none")
    return {
        **signature.to_dict(),
        "primary_coefficient": settings.primary,
        "permutation": "none" if settings.significance == "none" else "perm-both",
        "chance_baseline": settings.chance,
        "noise_ceiling": (f"sqrt of split-half Spearman-Brown reliability, {settings.ceiling_k} "
                          "random splits of each stimulus's raters") if ceiling else None,
        "lower_is_better": signature.lower_is_better,
        "n_items": len(items), "n_systems": len(systems), "n_cells": int(np.isfinite(gold).sum()),
        "metaeval_version": __version__,
    }


def result_points(js: JudgementSet, metrics: list[str], human: str,
                  group_by: str | None) -> pd.DataFrame:
    """The (item, system, group, human, metric...) cells, metrics oriented (higher = better)."""
    cells = js.cells()
    points = pd.DataFrame({ITEM: cells[ITEM], SYSTEM: cells[SYSTEM],
                           "group": cells[group_by].astype(str) if group_by else POOLED,
                           human: cells[human]})
    oriented = {m: js.oriented(m, cells[m].to_numpy(float)) for m in metrics}
    return pd.concat([points, pd.DataFrame(oriented, index=points.index)], axis=1)


def _disagreements(points, js: JudgementSet, human: str, metrics: list[str],
                   settings: Settings):
    """The largest metric/human rank gaps per metric and group, human t-intervals at the
    confidence of the bootstrap intervals (:mod:`metaeval.correlation.disagreement`)."""
    ratings = human_ratings(js, human)
    reason = ("no individual ratings" if js.individual_ratings() is None else
              f"the individual ratings are of {js.gold}, not {human}")
    return disagreement_table(points, human, {m: js.metrics[m].direction for m in metrics},
                              ratings, confidence=settings.ci, pooled=settings.pooled,
                              no_ratings_reason=reason)


def assemble(js: JudgementSet, human: str, metrics: list[str], settings: Settings,
             rows: list[dict], pairs: list[dict], notes: list[str],
             **carried_out) -> CorrelationResult:
    """The result object of a run; ``carried_out``: signature keys of what else was computed
    (:func:`~metaeval.correlation.signature.build_signature`)."""
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table["note"] = table["note"].fillna("").astype(str)
    table["cluster"] = table["cluster"].astype("Int64")
    table["n_items"] = table["n_items"].astype("Int64")
    signature = build_signature(js, human, metrics, settings, **carried_out)
    points = result_points(js, metrics, human, settings.group_by)
    caveats = [dict(js.metrics[m].options)["caveat"] for m in metrics
               if "caveat" in dict(js.metrics[m].options)]  # what `score` warned about the scores
    return CorrelationResult(
        table=table, pairwise=pd.DataFrame(pairs, columns=PAIRWISE_COLUMNS),
        points=points,
        settings=settings_record(signature, settings, js, metrics, human), signature=signature,
        dataset=js.info, human=human, metrics={m: js.metrics[m].direction for m in metrics},
        group_column=settings.group_by, notes=list(dict.fromkeys(caveats + notes)),
        metric_options={m: dict(js.metrics[m].options) for m in metrics if js.metrics[m].options},
        display_names={m: js.metrics[m].label for m in metrics if js.metrics[m].label},
        images=js.images,
        disagreements=_disagreements(points, js, human, metrics, settings),
    )
