"""Judgement sets that need scoring first: the bundled MT and text sets, and WMT MQM files.

For ``--domain mt`` / ``--domain text`` the bundled texts are scored with the requested (or the
entry's default) metrics through :func:`metaeval.score.runner.score_items`, with the score cache,
so a second run computes nothing; the score columns then join the judgement table with their
direction and config signature, like a ``--scores`` file, and the scores' ``details`` (what a
metric explained, e.g. TIGERScore's error analyses, computed or from the cache) stay with the
set (``JudgementSet.details``) for the disagreement explorer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from metaeval.data.judgements import JudgementSet, MetricInfo
from metaeval.data.studies import Study, study
from metaeval.data.wmt_mqm import MQMWeights, mqm_info, wmt_mqm_judgements
from metaeval.errors import DataError
from metaeval.metrics.base import Metric
from metaeval.metrics.options import parse_metric_request
from metaeval.metrics.registry import get_metric
from metaeval.score.cache import DEFAULT_CACHE_DIR
from metaeval.score.files import NOT_SCORES, metric_infos, read_scores, scores_card
from metaeval.score.join import join_scores
from metaeval.score.runner import failure_summary, score_items


def with_scores(js: JudgementSet, scores: pd.DataFrame,
                infos: dict[str, MetricInfo]) -> JudgementSet:
    """``js`` with the metric columns of a score table joined on (item, system), and the
    table's ``details`` column (when it has one) as the set's details."""
    columns = [c for c in scores.columns if c not in NOT_SCORES]
    table = join_scores(js.table, scores, "item", "system")
    metrics = {**js.metrics, **{c: infos.get(c, MetricInfo(c)) for c in columns}}
    return JudgementSet(table=table, human=list(js.human), metrics=metrics, groups=js.groups,
                        has_rater=js.has_rater, info=js.info, missing=js.missing,
                        ratings=js.ratings, images=js.images,
                        details=score_details_frame(scores, js.details))


def score_details_frame(scores: pd.DataFrame,
                        before: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """(item, system, details) of the rows of a score table that hold details (JSON text);
    ``before`` when the table has none."""
    if "details" not in scores.columns:
        return before
    text = scores["details"].astype(object).where(scores["details"].notna(), "").astype(str)
    kept = text.str.strip() != ""
    if not kept.any():
        return before
    return pd.DataFrame({"item": scores["item"][kept].astype(str).to_numpy(),
                         "system": scores["system"][kept].astype(str).to_numpy(),
                         "details": text[kept].to_numpy()})


def in_language(requests: Sequence[str], language: str, device: str = "cpu") -> list[Metric]:
    """The metrics of ``requests``; one with a ``lang`` option that the request leaves unset
    gets ``lang=language`` (its column stays the request as written, its signature has it)."""
    metrics = []
    for request in requests:
        metric = get_metric(request, device=device)
        given = parse_metric_request(request).options
        if language and hasattr(metric.config, "lang") and "lang" not in given:
            metric = get_metric(request, device=device, lang=language)
            metric.column = request
        metrics.append(metric)
    return metrics


def score_texts(texts: pd.DataFrame, metrics: Sequence[str], cache_dir: Path | None,
                progress, device: str = "cpu",
                language: str = "") -> tuple[pd.DataFrame, dict[str, MetricInfo]]:
    """Score a text frame (item, system, hypothesis, reference, source) in ``language`` (given
    to metrics with a ``lang`` option); the scores and the metric information of each column
    (direction, config signature, options)."""
    # item-major order: a batch holds every system of its segments, so metrics that work per
    # distinct reference (sacrebleu, BERTScore) compute each reference once
    order = texts.sort_values("item", kind="stable").index
    frame = score_items(texts.loc[order].reset_index(drop=True),
                        in_language(metrics, language, device), device=device,
                        cache_dir=cache_dir, progress=progress)  # each metric's batch
    frame = frame.set_axis(order).sort_index()
    failed = failure_summary(frame)
    if failed:
        raise DataError("scoring failed for some items: " + "; ".join(failed) + ". Fix: see the "
                        "reasons; pass --missing drop to correlate the items that scored.")
    return frame, metric_infos(scores_card(frame))


def scored_domain(domain: str, metrics: Sequence[str] | None = None, missing: str = "error",
                  cache_dir: Path | None = DEFAULT_CACHE_DIR, progress=None,
                  device: str = "cpu") -> tuple[JudgementSet, Study]:
    """The bundled judgement set of ``domain`` with its metrics scored (audio: as bundled)."""
    entry = study(domain)
    js = entry.loader(missing)
    if entry.texts is None:
        return js, entry
    requests = list(metrics) if metrics else list(entry.metrics)
    frame, infos = score_texts(entry.texts(), requests, cache_dir, progress, device,
                               entry.language)
    return with_scores(js, frame, infos), entry


def mqm_judgements(path: str | Path, weights: MQMWeights | None = None,
                   scores: str | Path | None = None, missing: str = "error") -> JudgementSet:
    """A WMT MQM per-error TSV as a judgement set, with ``scores`` (a `metaeval score` table)."""
    weights = weights or MQMWeights()
    js = wmt_mqm_judgements(path, missing=missing, weights=weights)
    js = replace(js, info=mqm_info(Path(js.info.source), weights))
    if scores is None:
        return js
    table, infos = read_scores(scores)
    return with_scores(js, table, infos)
