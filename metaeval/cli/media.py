"""The disagreement explorer's input options of `metaeval correlate` and `metaeval explain`:
``--manifest`` (the cells' audio / text / image inputs), ``--embed-media``, ``--media-budget``,
``--media-seconds`` (:mod:`metaeval.report.explorer_inputs`)."""

from __future__ import annotations

from pathlib import Path

import typer

from metaeval.data.datasets import expand
from metaeval.data.studies import DOMAINS, study
from metaeval.errors import ParameterError
from metaeval.report.audio_clips import DEFAULT_SECONDS
from metaeval.report.explorer_inputs import DEFAULT_BUDGET_MB, ExplorerInputs, explorer_inputs
from metaeval.score.merge import score_paths

MANIFEST_OPTION = typer.Option(
    None, "--manifest", help="Manifest of the cells' inputs (as for `metaeval score`: audio "
                             "estimate/reference paths, or texts): shown in the disagreement "
                             "tables.", rich_help_panel="Reports")
EMBED_OPTION = typer.Option(
    False, "--embed-media/--no-embed-media",
    help="Embed audio players (first --media-seconds, mono 16 kHz 16-bit WAV) and image "
         "thumbnails of the listed cells in the HTML (needs --manifest).",
    rich_help_panel="Reports")
BUDGET_OPTION = typer.Option(DEFAULT_BUDGET_MB, "--media-budget",
                             help="Megabytes of embedded media at most; the rest is left out "
                                  "with a note.", rich_help_panel="Reports")
SECONDS_OPTION = typer.Option(DEFAULT_SECONDS, "--media-seconds",
                              help="Length of each embedded audio excerpt, seconds.",
                              rich_help_panel="Reports")


def media_inputs(*, manifest: Path | None = None, scores=None,
                 domain: str | None = None, data: Path | None = None, embed: bool = False,
                 budget_mb: float = DEFAULT_BUDGET_MB,
                 seconds: float = DEFAULT_SECONDS) -> ExplorerInputs | None:
    """What the disagreement tables show: the manifest's inputs (else a study's MT/text
    texts) and the scores' details; None when there is nothing to show."""
    texts, scores = None, score_paths(scores) or None  # one file or several
    manifest = expand(manifest) if manifest is not None else None  # metaeval:<set>/<file>
    if manifest is None and data is None and domain in DOMAINS:
        entry = study(domain)
        texts = entry.texts() if entry.texts is not None else None
    if embed and manifest is None:
        raise ParameterError("embed_media", True, "embeds the inputs a manifest names. Fix: give "
                             "--manifest (e.g. metaeval:gensvs_eval_examples/"
                             "audio_examples_manifest.csv).")
    if manifest is None and texts is None and scores is None:
        return None
    return explorer_inputs(manifest, scores, texts, embed=embed, budget_mb=budget_mb,
                           seconds=seconds)
