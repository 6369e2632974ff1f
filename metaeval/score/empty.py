"""What a text metric scores for an empty system output: the ``empty_output`` policy.

Published recipes differ here: sacrebleu gives 0 for an empty hypothesis, and the TIGERScore
paper's BLEU on WebNLG-2020 (23.13 x100 Kendall) is obtained only with "an empty output scores
0"; metaeval's default leaves such a cell without a score (NaN, reason "empty hypothesis").

- ``nan`` (default): a missing score with its reason (``errors`` column);
- ``zero``: every metric that reads the hypothesis scores 0 for it (the metric is not called;
  ``details`` records ``{"empty_output": "zero"}``);
- ``error``: the run stops before scoring, naming the row and the fix.

The policy is one setting (:class:`ScoringSettings`, defined once: ``metaeval score
--empty-output``, the ``empty_output`` keyword of :func:`metaeval.score.runner.score_items`);
a metric request may set its own (``bleu:empty_output=zero``, :data:`EMPTY_OUTPUT`, checked by
:func:`metaeval.metrics.get_metric`), which wins over the run's for that column. A policy other
than ``nan`` enters each affected column's config signature
(``bleu@3fa2c1d0e4b5+empty-output:zero``) and so every correlate signature built on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from metaeval.errors import DataError, located
from metaeval.metrics.options import EMPTY_OUTPUTS
from metaeval.spec import CheckedSettings, setting


@dataclass(frozen=True, kw_only=True)
class ScoringSettings(CheckedSettings):
    """The scoring settings that change a number (see the module docstring)."""

    empty_output: str = setting(
        "nan", "What a metric scores for an empty system output (text): nan (a missing score "
        "with the reason), zero (0, as sacrebleu and the TIGERScore paper), or error (stop).",
        key="empty-output", short="eo", choices=EMPTY_OUTPUTS, noun="empty-output policy",
        panel="Data", omit="nan")


def is_empty_output(row) -> bool:
    """Whether a text row's hypothesis is empty (or only whitespace)."""
    text = row.texts.get("hypothesis") if getattr(row, "texts", None) else None
    return text is not None and not str(text).strip()


def policy_of(metric, policy: str) -> str:
    """The policy of one metric: its request's (``empty_output=``) or the run's ``policy``;
    ``nan`` for a metric that reads no hypothesis."""
    if "hypothesis" not in metric.inputs:
        return "nan"
    return metric.empty_output or policy


def check_empty_outputs(rows, policy: str, metrics) -> None:
    """A metric whose policy is ``error``: a `DataError` naming the first row with an empty
    output, before scoring (``metrics``: the run's, each with its own policy)."""
    strict = [m.column for m in metrics if policy_of(m, policy) == "error"]
    if not strict:
        return
    for row in rows:
        if is_empty_output(row):
            which = f" ({', '.join(strict)})" if strict and len(strict) < len(metrics) else ""
            raise DataError(located(
                f"item {row.item!r}, system {row.system!r}: empty system output{which}",
                file=row.origin or None, column="hypothesis",
                fix="fill it, or choose --empty-output zero (it scores 0) or nan (a missing "
                    "score with the reason)"))


def apply_empty_outputs(run, policy: str) -> dict[str, str]:
    """At the empty outputs of ``run`` (a :class:`~metaeval.score.run.ScoringRun`), every
    metric whose policy (:func:`policy_of`) is ``zero`` scores 0; return ``{column: policy}``
    of the columns it changed."""
    empty = [p for p, row in enumerate(run.rows) if is_empty_output(row)]
    if not empty:
        return {}  # nothing was carried out: nothing enters a signature
    changed = {}
    for metric in run.metrics:
        if policy_of(metric, policy) != "zero":
            continue
        changed[metric.column] = "zero"
        for position in empty:
            run.scores[metric.column][position] = 0.0
            run.reasons[position].pop(metric.column, None)
            run.details[position][metric.column] = {"empty_output": "zero"}
    return changed


def frame_with_policy(run, policy: str):
    """``run.frame()`` after the policies (:func:`apply_empty_outputs`), recorded in the
    metadata of the columns they changed (:func:`recorded`)."""
    changed = apply_empty_outputs(run, policy)
    frame = run.frame()
    recorded(frame.attrs["metrics"], changed)
    return frame


def recorded(metadata: dict, changed: dict[str, str]) -> None:
    """Each policy in the metadata (options and config signature) of the column it changed."""
    for column, policy in changed.items():
        meta = metadata[column]
        meta["options"] = {**meta.get("options", {}), "empty_output": policy}
        meta["signature"] = f"{meta['signature']}+empty-output:{policy}"
