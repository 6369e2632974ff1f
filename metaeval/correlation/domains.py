"""Judgement sets that need scoring first: the bundled MT and text sets, and WMT MQM files.

For ``--domain mt`` / ``--domain text`` the bundled texts are scored with the requested (or the
entry's default) metrics through :func:`metaeval.score.runner.score_items`, with the score cache,
so a second run computes nothing; the score columns then join the judgement table with their
direction and config signature, like a ``--scores`` file, and the scores' ``details`` (what a
metric explained, e.g. TIGERScore's error analyses, computed or from the cache) stay with the
set (``JudgementSet.details``) for the disagreement explorer. The run's options apply before
anything is scored: the ``--metrics`` names are checked (audio: the set's columns; MT/text: the
registered text metrics), ``--exclude-systems`` are left out, ``--mqm-weights`` recompute the
MQM study's segment scores (refused for a study that is not MQM); an item that fails to score
is an error, or with ``--missing drop`` a missing cell and a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from metaeval.data.judgements import JudgementSet, MetricInfo
from metaeval.data.studies import Study, study
from metaeval.data.wmt_mqm import MQMWeights, mqm_info, wmt_mqm_judgements
from metaeval.errors import DataError, MetaevalError, ParameterError, unknown_names
from metaeval.metrics.base import Metric
from metaeval.metrics.options import parse_metric_request
from metaeval.metrics.registry import all_specs, get_metric
from metaeval.score.cache import DEFAULT_CACHE_DIR
from metaeval.score.files import NOT_SCORES, metric_infos, scores_card
from metaeval.score.join import join_scores
from metaeval.score.merge import read_score_tables, score_paths
from metaeval.score.runner import failure_summary, score_items


def registered_directions(columns: Sequence[str]) -> dict[str, MetricInfo]:
    """Columns named after a registered metric request: their registered direction."""
    specs = {s.name: s for s in all_specs()}
    out = {}
    for column in columns:
        try:
            name = parse_metric_request(column).name
        except MetaevalError:
            continue
        if name in specs:
            out[column] = MetricInfo(column, specs[name].higher_is_better)
    return out


def with_scores(js: JudgementSet, scores: pd.DataFrame, infos: dict[str, MetricInfo], *,
                source: str | None = None, file_rows: bool = True) -> JudgementSet:
    """``js`` with the metric columns of a score table joined on (item, system), and the
    table's ``details`` column (when it has one) as the set's details; a missing score follows
    the set's missing-score policy (``source``, ``file_rows``: as in :func:`join_scores`)."""
    columns = [c for c in scores.columns if c not in NOT_SCORES]
    table = join_scores(js.table, scores, "item", "system", missing=js.missing, source=source,
                        file_rows=file_rows)
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
                progress, device: str = "cpu", missing: str = "error", language: str = "",
                empty_output: str = "nan",
                ) -> tuple[pd.DataFrame, dict[str, MetricInfo], list[str]]:
    """Score a text frame (item, system, hypothesis, reference, source) in ``language`` (given
    to metrics with a ``lang`` option); the scores, the metric information of each column
    (direction, config signature, options) and notes. An item that failed is an error naming
    the failures, or with ``missing="drop"`` a missing cell (NaN, its reason in ``errors``) left
    out of that metric's statistics, with a note; ``empty_output``: what an empty output
    scores (:mod:`metaeval.score.empty`)."""
    # item-major order: a batch holds every system of its segments, so metrics that work per
    # distinct reference (sacrebleu, BERTScore) compute each reference once
    order = texts.sort_values("item", kind="stable").index
    frame = score_items(texts.loc[order].reset_index(drop=True),
                        in_language(metrics, language, device), device=device,
                        cache_dir=cache_dir, progress=progress,  # each metric's batch
                        empty_output=empty_output)
    frame = frame.set_axis(order).sort_index()
    failed = failure_summary(frame)
    if failed and missing != "drop":
        raise DataError("scoring failed for some items: " + "; ".join(failed) + ". Fix: see the "
                        "reasons; pass --missing drop (Python: missing='drop') to leave the "
                        "failed cells out of those metrics' statistics.")
    notes = [f"--missing drop: {line}; those cells are left out of that metric's statistics."
             for line in failed]
    return frame, metric_infos(scores_card(frame)), notes


def scored_domain(domain: str, metrics: Sequence[str] | None = None, missing: str = "error",
                  cache_dir: Path | None = DEFAULT_CACHE_DIR, progress=None,
                  device: str = "cpu", exclude_systems: Sequence[str] = (),
                  mqm_weights: MQMWeights | None = None,
                  empty_output: str = "nan") -> tuple[JudgementSet, Study]:
    """The bundled judgement set of ``domain`` with its metrics scored (audio: as bundled),
    without the systems ``exclude_systems`` (left out before scoring); ``mqm_weights``: the
    MQM penalties of an MQM study (``mt``; refused for the others); ``empty_output``: what an
    empty system output scores (text; in each affected column's config signature)."""
    entry = study(domain)
    if mqm_weights is not None and not entry.mqm:
        raise ParameterError("mqm_weights", mqm_weights.as_option(), f"the {domain} study's "
                             "human scores are not MQM.", "leave out --mqm-weights (it applies "
                             "to --domain mt and --data-format wmt-mqm).")
    js = entry.loader(missing, mqm_weights) if mqm_weights is not None else entry.loader(missing)
    js = replace(js, missing=missing)  # the run's policy, whatever the set's
    js = js.without_systems(exclude_systems) if exclude_systems else js
    check_metric_names(entry, js, metrics or ())
    if entry.texts is None:
        return js, entry
    requests = list(metrics) if metrics else list(entry.metrics)
    texts = entry.texts()
    texts = texts[~texts["system"].astype(str).isin(list(exclude_systems))]
    frame, infos, notes = score_texts(texts.reset_index(drop=True), requests, cache_dir,
                                      progress, device, missing, entry.language, empty_output)
    scored = with_scores(js, frame, infos)
    scored.notes = [*js.notes, *notes]
    return scored, entry


def joined_scores(js: JudgementSet, scores) -> JudgementSet:
    """``js`` with ``metaeval score`` table(s) joined (several merged on (item, system)), each
    column's metadata, and the merge's notes; the set's missing-score policy applies."""
    judged = set(zip(js.table["item"].astype(str), js.table["system"].astype(str)))
    tables = read_score_tables(scores, js.missing, judged)
    infos = {**registered_directions(tables.metric_columns), **tables.infos}
    joined = with_scores(js, tables.frame, infos, source=tables.source,
                         file_rows=len(score_paths(scores)) == 1)
    joined.notes = [*js.notes, *tables.notes]
    return joined


def check_metric_names(entry: Study, js: JudgementSet, metrics: Sequence[str]) -> None:
    """Before anything is computed: ``metrics`` name columns of a bundled set that comes
    scored (audio), or registered metrics of the study's domain for one that is scored here."""
    if entry.texts is None:
        unknown = [m for m in metrics if m not in js.metrics]
        available = js.metric_names
    else:
        available = sorted(s.name for s in all_specs(entry.domain if entry.domain != "mt"
                                                      else "text"))
        unknown = [m for m in metrics if parse_metric_request(m).name not in available]
    if unknown:
        raise unknown_names("metrics", unknown, available)


def mqm_judgements(path: str | Path, weights: MQMWeights | None = None,
                   scores=None, missing: str = "error",
                   exclude_systems: Sequence[str] = ()) -> JudgementSet:
    """A WMT MQM per-error TSV as a judgement set, with ``scores`` (`metaeval score` table(s))."""
    weights = weights or MQMWeights()
    js = wmt_mqm_judgements(path, missing=missing, weights=weights)
    js = replace(js, info=mqm_info(Path(js.info.source), weights))
    js = js.without_systems(exclude_systems) if exclude_systems else js
    return joined_scores(js, scores) if score_paths(scores) else js
