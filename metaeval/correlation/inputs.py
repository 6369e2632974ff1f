"""The judgement set of a `correlate` run: a bundled study, or a user's table with scores joined.

Scores written by ``metaeval score`` are joined on (item, system) (:mod:`metaeval.score.join`),
and carry each column's direction and config signature (:mod:`metaeval.score.files`). A scored
column without that metadata whose name is a registered metric request (``mrstft``,
``sar:filter_length=512``) takes the registered metric's direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from metaeval.correlation.domains import mqm_judgements, scored_domain, with_scores
from metaeval.data.judgements import JudgementSet, MetricInfo
from metaeval.data.loaders import column_mapping, load_table
from metaeval.data.readers import read_table
from metaeval.data.thumb import load_thumb
from metaeval.data.wmt_mqm import MQMWeights
from metaeval.errors import MetaevalError, ParameterError
from metaeval.metrics.options import parse_metric_request
from metaeval.metrics.registry import all_specs
from metaeval.score.files import NOT_SCORES, read_scores
from metaeval.score.join import join_scores


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


def load_with_scores(path: str | Path, scores: str | Path, **mapping) -> JudgementSet:
    """A judgement table with the columns of a ``metaeval score`` table joined onto it."""
    path = Path(path)
    keys = column_mapping(path, item=mapping.get("item"), system=mapping.get("system"),
                          rater=mapping.get("rater"), groups=mapping.get("groups") or (),
                          missing=mapping.get("missing"), card=mapping.get("card"),
                          image=mapping.get("image"))
    frame, lines = read_table(path, keys.id_columns)
    table, scored = read_scores(scores)
    joined = join_scores(frame, table, keys.item, keys.system, missing=keys.missing,
                         source=str(scores))
    columns = [c for c in table.columns if c not in NOT_SCORES]
    meta = {**registered_directions(columns), **scored}
    return load_table(path, table=(joined, lines), scored=meta, **mapping)


def with_lower_is_better(js: JudgementSet, names: Sequence[str]) -> JudgementSet:
    """The set with ``names`` marked lower-is-better (sign-flipped before every statistic)."""
    unknown = [n for n in names if n not in js.metrics]
    if unknown:
        raise ParameterError("lower_is_better", ",".join(unknown), f"not a metric of the data "
                             f"({', '.join(js.metric_names)}).")
    metrics = {m: (replace(info, higher_is_better=False) if m in names else info)
               for m, info in js.metrics.items()}
    return replace(js, metrics=metrics)


# mtme: metaeval.cli.mtme; pairwise, best-of-n (human choices): metaeval.correlation.preferences
DATA_FORMATS = ("table", "wmt-mqm", "thumb", "mtme", "pairwise", "best-of-n")
NO_IMAGE_SET = ("no image judgement set is bundled (no openly licensed set with its images may be "
                "redistributed here); correlate your own")
IMAGE_COMMAND = ("metaeval score --manifest captions.jsonl --metrics clipscore --out "
                 "scores.parquet && metaeval correlate --data captions.jsonl --data-format thumb "
                 "--scores scores.parquet")


def thumb_judgements(path: str | Path, scores: str | Path | None = None, missing: str = "error",
                     images: str | Path | None = None) -> JudgementSet:
    """A THumB JSONL as a judgement set, with ``scores`` (a `metaeval score` table) joined."""
    js = load_thumb(path, images=images, missing=missing)
    if scores is None:
        return js
    table, infos = read_scores(scores)
    columns = [c for c in table.columns if c not in NOT_SCORES]
    return with_scores(js, table, {**registered_directions(columns), **infos})


def judgements(*, domain: str | None = None, data: str | Path | None = None,
               scores: str | Path | None = None, missing: str = "error",
               lower_is_better: Sequence[str] = (), data_format: str = "table",
               mqm_weights: str | None = None, score_metrics: Sequence[str] | None = None,
               progress=None, **mapping) -> tuple[JudgementSet, dict]:
    """(judgement set, protocol defaults) of a bundled ``domain`` or of the file ``data``.

    ``data_format``: ``table`` (CSV/TSV/JSONL/Parquet with a column mapping or card) or
    ``wmt-mqm`` (a WMT MQM per-error TSV; ``mqm_weights`` like ``major=5,minor=1``) or
    ``thumb`` (THumB 1.0 caption judgements, JSON lines; ``images``: the image folder). For the
    ``mt`` and ``text`` domains ``score_metrics`` (metric requests; default: the domain's) are
    scored on the bundled texts first (cached).
    """
    if scores is not None and data is None:
        raise ParameterError("scores", scores, "joins metric scores onto a judgement table: "
                             "give data too.")
    if data_format not in DATA_FORMATS:
        raise ParameterError("data_format", data_format, f"choose from {', '.join(DATA_FORMATS)}.")
    if data_format in ("pairwise", "best-of-n"):
        raise ParameterError("data_format", data_format, "choices are not a judgement table.",
                             "use metaeval.correlation.preference_inputs.load_choices and "
                             "correlate_choices.")
    weights = MQMWeights.parse(mqm_weights) if mqm_weights else MQMWeights()
    if data is None and domain == "image":
        raise ParameterError("domain", "image", NO_IMAGE_SET + ".", f"{IMAGE_COMMAND} (THumB "
                             "JSONL; or --data ratings.csv --item ID --system SYS --human COL "
                             "--image COL).")
    if data is None:
        if domain is None:
            raise ParameterError("data", None, "give a judgement table (with item, system and "
                                 "human columns) or a domain with bundled data (audio, mt, text).")
        js, entry = scored_domain(domain, score_metrics, missing, progress=progress)
        if lower_is_better:
            js = with_lower_is_better(js, lower_is_better)
        return js, entry.protocol.as_dict()
    if data_format == "thumb":
        js = thumb_judgements(data, scores, missing, mapping.get("images"))
        return (with_lower_is_better(js, lower_is_better) if lower_is_better else js), {
            "levels": ["none", "system"], "group_by": None}
    if data_format == "wmt-mqm":
        js = mqm_judgements(data, weights, scores, missing)
        return (with_lower_is_better(js, lower_is_better) if lower_is_better else js), {
            "levels": ["item", "none", "system"], "coefficients": ["pearson", "kendall_b"],
            "group_by": None}
    options = dict(mapping, missing=missing, lower_is_better=lower_is_better)
    if scores is not None:
        return load_with_scores(data, scores, **options), {}
    return load_table(data, **options), {}
