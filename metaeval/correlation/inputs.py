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

from metaeval.correlation.domains import (
    joined_scores,
    mqm_judgements,
    registered_directions,
    scored_domain,
)
from metaeval.data.judgements import JudgementSet
from metaeval.data.loaders import column_mapping, load_table, without_systems
from metaeval.data.readers import read_table
from metaeval.data.thumb import load_thumb
from metaeval.data.wmt_mqm import MQMWeights
from metaeval.errors import ParameterError
from metaeval.score.empty import ScoringSettings
from metaeval.score.join import join_scores
from metaeval.score.merge import read_score_tables, score_paths


def load_with_scores(path: str | Path, scores, **mapping) -> JudgementSet:
    """A judgement table with the columns of ``metaeval score`` table(s) joined onto it
    (several tables are merged first: :func:`metaeval.score.merge.read_score_tables`)."""
    path = Path(path)
    keys = column_mapping(path, item=mapping.get("item"), system=mapping.get("system"),
                          rater=mapping.get("rater"), groups=mapping.get("groups") or (),
                          missing=mapping.get("missing"), card=mapping.get("card"),
                          image=mapping.get("image"))
    frame, lines = read_table(path, keys.id_columns)
    if keys.system in frame.columns:  # excluded systems go before the scores are joined
        frame, lines = without_systems(frame, lines, keys.system,
                                       mapping.pop("exclude_systems", ()))
    judged = ({(str(i), str(s)) for i, s in zip(frame[keys.item], frame[keys.system])}
              if keys.item in frame.columns and keys.system in frame.columns else None)
    tables = read_score_tables(scores, keys.missing, judged)
    joined = join_scores(frame, tables.frame, keys.item, keys.system, missing=keys.missing,
                         source=tables.source, file_rows=len(score_paths(scores)) == 1)
    meta = {**registered_directions(tables.metric_columns), **tables.infos}
    js = load_table(path, table=(joined, lines), scored=meta, **mapping)
    js.notes = [*js.notes, *tables.notes]
    return js


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


def thumb_judgements(path: str | Path, scores=None, missing: str = "error",
                     images: str | Path | None = None,
                     exclude_systems: Sequence[str] = ()) -> JudgementSet:
    """A THumB JSONL as a judgement set, with ``scores`` (`metaeval score` table(s)) joined."""
    js = load_thumb(path, images=images, missing=missing)
    js = js.without_systems(exclude_systems) if exclude_systems else js
    return joined_scores(js, scores) if score_paths(scores) else js


def _mqm_weights(data_format: str, data, mqm_weights: str | None) -> MQMWeights | None:
    """The MQM weights of a run (None: the defaults), once ``data_format`` is checked: a known
    rating format; weights only where there are MQM errors."""
    if data_format not in DATA_FORMATS:
        raise ParameterError("data_format", data_format, f"choose from {', '.join(DATA_FORMATS)}.")
    if data_format in ("pairwise", "best-of-n"):
        raise ParameterError("data_format", data_format, "choices are not a judgement table.",
                             "use metaeval.correlation.preference_inputs.load_choices and "
                             "correlate_choices.")
    weights = MQMWeights.parse(mqm_weights) if mqm_weights else None
    if weights is not None and data is not None and data_format != "wmt-mqm":
        raise ParameterError("mqm_weights", mqm_weights, f"weighs the errors of a WMT MQM "
                             f"per-error file; data format {data_format!r} has no MQM errors.",
                             "leave out --mqm-weights, or give the per-error TSV with "
                             "--data-format wmt-mqm.")
    return weights


def judgements(*, domain: str | None = None, data: str | Path | None = None,
               scores: str | Path | Sequence[str | Path] | None = None, missing: str = "error",
               lower_is_better: Sequence[str] = (), data_format: str = "table",
               mqm_weights: str | None = None, score_metrics: Sequence[str] | None = None,
               exclude_systems: Sequence[str] = (), progress=None, empty_output: str = "nan",
               **mapping) -> tuple[JudgementSet, dict]:
    """(judgement set, protocol defaults) of a bundled ``domain`` or of the file ``data``.

    ``exclude_systems``: systems left out before anything is checked or scored (a hidden
    reference without metric scores is no missing score). ``scores``: one `metaeval score`
    table or several, merged on (item, system) (a metric in
    two files is an error; a judged pair one file lacks is a missing score of its metrics).
    ``data_format``: ``table`` (CSV/TSV/JSONL/Parquet with a column mapping or card) or
    ``wmt-mqm`` (a WMT MQM per-error TSV; ``mqm_weights`` like ``major=5,minor=1``) or
    ``thumb`` (THumB 1.0 caption judgements, JSON lines; ``images``: the image folder). For the
    ``mt`` and ``text`` domains ``score_metrics`` (metric requests; default: the domain's) are
    scored on the bundled texts first (cached), an empty output scored by ``empty_output``
    (:mod:`metaeval.score.empty`; refused for data that comes scored).
    """
    empty_output = ScoringSettings(empty_output=empty_output).empty_output
    if empty_output != "nan" and (data is not None or domain not in ("mt", "text")):
        raise ParameterError("empty_output", empty_output, "applies where metaeval scores the "
                             "texts (--domain mt or text without --data).", "score your "
                             "outputs with `metaeval score --empty-output` and pass --scores.")
    scores = score_paths(scores) or None
    if scores is not None and data is None:
        raise ParameterError("scores", scores, "joins metric scores onto a judgement table: "
                             "give data too.")
    weights = _mqm_weights(data_format, data, mqm_weights)
    if data is None and domain == "image":
        raise ParameterError("domain", "image", NO_IMAGE_SET + ".", f"{IMAGE_COMMAND} (THumB "
                             "JSONL; or --data ratings.csv --item ID --system SYS --human COL "
                             "--image COL).")
    if data is None:
        if domain is None:
            raise ParameterError("data", None, "give a judgement table (with item, system and "
                                 "human columns) or a domain with bundled data (audio, mt, text).")
        js, entry = scored_domain(domain, score_metrics, missing, progress=progress,
                                  exclude_systems=exclude_systems, mqm_weights=weights,
                                  empty_output=empty_output)
        if lower_is_better:
            js = with_lower_is_better(js, lower_is_better)
        return js, entry.protocol.as_dict()
    if data_format == "thumb":
        js = thumb_judgements(data, scores, missing, mapping.get("images"), exclude_systems)
        return (with_lower_is_better(js, lower_is_better) if lower_is_better else js), {
            "levels": ["none", "system"], "group_by": None}
    if data_format == "wmt-mqm":
        js = mqm_judgements(data, weights, scores, missing, exclude_systems)
        return (with_lower_is_better(js, lower_is_better) if lower_is_better else js), {
            "levels": ["item", "none", "system"], "coefficients": ["pearson", "kendall_b"],
            "group_by": None}
    options = dict(mapping, missing=missing, lower_is_better=lower_is_better,
                   exclude_systems=exclude_systems)
    if scores is not None:
        return load_with_scores(data, scores, **options), {}
    return load_table(data, **options), {}
