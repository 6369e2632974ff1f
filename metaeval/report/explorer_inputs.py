"""What the disagreement explorer shows next to each listed cell: its inputs and its explanation.

- ``manifest``: any manifest `metaeval score` reads (:func:`metaeval.score.sources.load_rows`):
  audio (``estimate``, ``reference``[, ``mixture``] paths), text (``hypothesis``, ``source``,
  ``reference``) or image (``image``); rows are matched to cells on (item, system) as text.
  Files are not checked here: one that is missing or unreadable becomes a placeholder with its
  reason in the report, never an error.
- ``texts``: a text frame (item, system, hypothesis[, source, reference]), e.g. the bundled
  MT/text set's, when no manifest is given.
- ``scores``: a `metaeval score` table; its ``details`` column (JSON ``{metric column:
  details}``) holds what a metric explained about its score, e.g. TIGERScore's error analysis
  (:meth:`metaeval.metrics.text.tigerscore.Analysis.as_details`). A set scored inside the run
  (``--domain mt|text``) brings the same column as ``JudgementSet.details``
  (:func:`with_details`).

``embed``: audio players and image thumbnails are embedded only when asked, within
``budget_mb`` megabytes (10**6 bytes) of data URIs; audio excerpts are the first ``seconds``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from metaeval.errors import ParameterError
from metaeval.report.audio_clips import DEFAULT_SECONDS
from metaeval.score.image_manifest import read_image_manifest
from metaeval.score.merge import read_score_tables, score_paths
from metaeval.score.rows import ScoreRow, as_rows
from metaeval.score.sources import load_rows, manifest_kind

DEFAULT_BUDGET_MB = 10.0


@dataclass
class ExplorerInputs:
    """Inputs and details of (item, system) cells, and how to show them."""

    rows: dict[tuple[str, str], ScoreRow] = field(default_factory=dict)
    details: dict[tuple[str, str], dict] = field(default_factory=dict)
    source: str = ""  # the manifest, for messages
    embed: bool = False
    budget_mb: float = DEFAULT_BUDGET_MB
    seconds: float = DEFAULT_SECONDS

    def __post_init__(self) -> None:
        if not self.budget_mb >= 0:
            raise ParameterError("media_budget", self.budget_mb, "must be 0 or more megabytes, "
                                 f"e.g. {DEFAULT_BUDGET_MB:g}.")
        if not self.seconds > 0:
            raise ParameterError("media_seconds", self.seconds, "must be above 0 seconds, "
                                 f"e.g. {DEFAULT_SECONDS:g}.")

    @property
    def budget_bytes(self) -> int:
        return int(self.budget_mb * 1_000_000)


def score_details(scores) -> dict[tuple[str, str], dict]:
    """{(item, system): {metric column: details}} from the ``details`` column of a scores table
    or of several files (merged; empty when none has it)."""
    if not isinstance(scores, pd.DataFrame) and not score_paths(scores):
        return {}
    frame = (scores if isinstance(scores, pd.DataFrame) else
             read_score_tables(scores, missing="drop").frame)
    if "details" not in frame.columns:
        return {}
    out = {}
    for item, system, text in zip(frame["item"], frame["system"], frame["details"]):
        if isinstance(text, str) and text.strip():
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                continue  # not written by `metaeval score`: nothing to show, nothing to break
            if isinstance(value, dict):
                out[(str(item), str(system))] = value
    return out


def explorer_inputs(manifest: str | Path | None = None, scores=None,
                    texts: pd.DataFrame | None = None, embed: bool = False,
                    budget_mb: float = DEFAULT_BUDGET_MB,
                    seconds: float = DEFAULT_SECONDS) -> ExplorerInputs:
    """The explorer's inputs from a manifest (else ``texts``) and a scores table."""
    if manifest is not None and manifest_kind(manifest) == "image":
        rows = read_image_manifest(Path(manifest), needs=())  # missing images: placeholders
    elif manifest is not None:
        rows = load_rows(Path(manifest), needs=())
    else:
        rows = as_rows(texts) if texts is not None else []
    return ExplorerInputs(rows={r.key(): r for r in rows},
                          details=score_details(scores) if scores is not None else {},
                          source=str(manifest or ""), embed=embed, budget_mb=budget_mb,
                          seconds=seconds)


def with_details(inputs: ExplorerInputs | None,
                 details: pd.DataFrame | None) -> ExplorerInputs | None:
    """``inputs`` with the details of a scored judgement set (``JudgementSet.details``: item,
    system, details JSON) added; a metric's details already in ``inputs`` are kept."""
    if inputs is None or details is None:
        return inputs
    merged = dict(inputs.details)
    for cell, found in score_details(details).items():
        merged[cell] = {**found, **merged.get(cell, {})}
    return replace(inputs, details=merged)
